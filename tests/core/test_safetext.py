"""Text quoted from files is escaped and bounded before anyone sees it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nnstudio.core.safetext import MESSAGE_LIMIT, bounded, escape_controls, printable


def test_escape_sequences_and_bidi_overrides_are_written_out():
    assert escape_controls("a\x1b[31mred") == "a\\x1b[31mred"
    assert escape_controls("x\u202ey") == "x\\u202ey"
    assert escape_controls("\x7f") == "\\x7f"
    assert escape_controls("\ud800") == "\\ud800"


def test_ordinary_text_is_left_alone():
    for text in ("spiral", "Größe", "x₁·x₂", "数据", "🙂 ok", "a b"):
        assert escape_controls(text) == text


def test_printable_cuts_long_values_with_an_ellipsis():
    out = printable("a" * 10_000, limit=20)
    assert len(out) == 20 and out.endswith("…")
    assert printable(12.5) == "12.5"


def test_bounded_keeps_newlines_and_cuts_to_the_limit():
    assert bounded("line one\nline two") == "line one\nline two"
    assert len(bounded("x" * 10**6)) == MESSAGE_LIMIT
    assert bounded("tab\there") == "tab here"


@given(st.text())
def test_results_are_printable_and_encodable(text):
    for out in (printable(text), bounded(text)):
        out.encode("utf-8")  # no lone surrogates survive
        assert all(ch == "\n" or ch.isprintable() or ch == " " for ch in out)
    assert len(printable(text)) <= 60
    assert len(bounded(text)) <= MESSAGE_LIMIT
