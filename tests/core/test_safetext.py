"""Text quoted from files is escaped and bounded before anyone sees it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nnstudio.core.safetext import MESSAGE_LIMIT, balance_bidi, bounded, escape_controls, isolate, isolate_html, \
    isolate_phrases, printable, terminal

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
CONTROLS = LRE + RLE + PDF + LRO + RLO + LRI + RLI + FSI + PDI
ARABIC = "\u0645\u0639\u062f\u0644"  # معدل
HEBREW = "\u05e9\u05d9\u05e2\u05d5\u05e8"  # שיעור


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


# -- bidirectional text -----------------------------------------------------------------------
def test_isolate_leaves_text_that_cannot_reorder_anything_as_it_is():
    for text in ("Learning rate", "Größe & co", "x₁·x₂ = 3", "数据", "🙂", "", "a\nb"):
        assert isolate(text) == text


def test_isolate_wraps_right_to_left_titles_keeping_their_letters():
    assert isolate(ARABIC) == FSI + ARABIC + PDI
    assert isolate(f"4 {HEBREW} 12") == FSI + f"4 {HEBREW} 12" + PDI
    assert isolate("\u0663") == FSI + "\u0663" + PDI  # an Arabic-Indic digit
    assert isolate("a\u200fb") == FSI + "a\u200fb" + PDI  # RIGHT-TO-LEFT MARK


def test_an_override_is_closed_inside_the_isolate():
    assert isolate(RLO + "evil") == FSI + RLO + "evil" + PDF + PDI
    assert isolate("a" + LRE + "b" + RLO + "c") == FSI + "a" + LRE + "b" + RLO + "c" + PDF + PDF + PDI
    assert isolate("x" + RLI + "y") == FSI + "x" + RLI + "y" + PDI + PDI


def test_closers_that_close_nothing_are_dropped():
    # a stray PDI would end the wrapping isolate early and let the override reach the text after it
    assert isolate("a" + PDI + RLO + "b") == FSI + "a" + RLO + "b" + PDF + PDI
    assert isolate(PDF + PDF + ARABIC + PDI) == FSI + ARABIC + PDI
    assert balance_bidi("ok" + PDF + PDI) == "ok"


def test_balanced_controls_are_kept():
    text = f"{HEBREW} {LRI}C++{PDI} {RLE}x{PDF}"
    assert balance_bidi(text) == text
    assert isolate(text) == FSI + text + PDI


def test_closers_follow_the_nesting_rules_of_uax9():
    # a PDF cannot close an embedding from outside the innermost open isolate (X7) …
    assert balance_bidi(RLE + "A" + LRI + "B" + PDF + "C" + PDI + "D" + PDF) == RLE + "A" + LRI + "BC" + PDI + "D" + PDF
    # … and a PDI closes its isolate and every embedding opened inside it (X6a), said out loud
    assert balance_bidi(RLI + "a" + RLO + "b" + PDI + "c") == RLI + "a" + RLO + "b" + PDF + PDI + "c"


def test_each_line_is_closed_and_isolated_on_its_own():
    # every embedding and isolate ends at a paragraph separator anyway
    assert isolate(RLO + "a\nb") == FSI + RLO + "a" + PDF + PDI + "\n" + FSI + "b" + PDI
    assert isolate(ARABIC + "\n\nx") == FSI + ARABIC + PDI + "\n\n" + FSI + "x" + PDI


def test_isolate_html_escapes_markup():
    assert isolate_html("<b>bold</b> & 'x'") == "&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;x&#x27;"
    assert isolate_html(f"<i>{ARABIC}</i>") == FSI + f"&lt;i&gt;{ARABIC}&lt;/i&gt;" + PDI


def _levels_close(text: str) -> bool:
    """UAX #9's stack of explicit embeddings and isolates, followed through ``text``:
    True when no closer in it closes anything but what it opened, and nothing stays open
    at a paragraph's end (so the text around it is laid out as if it were not there)."""
    stack: list[str] = []
    for ch in text:
        if ch in LRE + RLE + LRO + RLO + LRI + RLI + FSI:
            stack.append(ch)
        elif ch == PDF:
            if not stack or stack[-1] not in LRE + RLE + LRO + RLO:
                return False
            stack.pop()
        elif ch == PDI:
            if not stack or stack[-1] not in LRI + RLI + FSI:
                return False
            stack.pop()
        elif ch in "\n\r\x1c\x1d\x1e\x85\u2029" and stack:
            return False
    return not stack


bidi_text = st.text(alphabet=st.sampled_from(list(CONTROLS) + list("ab 1\n") + [ARABIC[0], HEBREW[0]]))


@given(bidi_text)
def test_isolated_text_never_reaches_past_its_end(text):
    out = isolate(text)
    assert _levels_close(out)
    assert _levels_close(balance_bidi(text))
    # only controls are added or taken away: every letter, digit and space stays in place
    assert out.translate({ord(c): None for c in CONTROLS}) == text.translate({ord(c): None for c in CONTROLS})
    if any(c in text for c in CONTROLS + ARABIC[0] + HEBREW[0]):
        assert all(line == "" or (line[0] == FSI and line[-1] == PDI) for line in out.split("\n"))


# -- terminal output ---------------------------------------------------------------------------
def test_terminal_keeps_right_to_left_letters_and_isolates_them():
    assert terminal(HEBREW) == FSI + HEBREW + PDI
    assert terminal(f"{ARABIC} 3") == FSI + ARABIC + " 3" + PDI
    assert terminal("\u0661\u0662") == FSI + "\u0661\u0662" + PDI  # Arabic-Indic digits reorder too
    for text in ("spiral", "Größe", "数据", "a b 3"):  # nothing to isolate: printed as it is
        assert terminal(text) == text


def test_terminal_escapes_the_bidi_controls_of_a_value_before_isolating_it():
    for ch in (RLO, LRO, RLE, LRE, PDF, LRI, RLI, FSI, PDI, "\u200f", "\u061c"):
        shown = terminal(f"ab{ch}cd")
        assert shown == f"ab\\u{ord(ch):04x}cd"  # no right-to-left letters left: no isolate either
    shown = terminal(f"{HEBREW}{RLO}x{PDI}{PDI}{FSI}")
    assert shown == FSI + HEBREW + "\\u202ex\\u2069\\u2069\\u2068" + PDI
    assert [c for c in shown if c in CONTROLS] == [FSI, PDI]  # only the isolate made here


def test_terminal_cuts_before_it_isolates():
    shown = terminal(HEBREW * 100, 20)
    assert shown == FSI + HEBREW * 3 + HEBREW[:4] + "…" + PDI and len(shown) == 22


def test_isolate_phrases_isolates_each_right_to_left_phrase_where_it_stands():
    assert isolate_phrases(f"cannot open '{HEBREW}.nnproj': 3 rows") == f"cannot open '{FSI}{HEBREW}{PDI}.nnproj': 3 rows"
    # the neutrals and numbers between two right-to-left words belong to the phrase
    assert isolate_phrases(f"column '{HEBREW} 2 {ARABIC}' (4) is empty") == \
        f"column '{FSI}{HEBREW} 2 {ARABIC}{PDI}' (4) is empty"
    assert isolate_phrases(f"a {HEBREW}, b {ARABIC}\n{HEBREW}") == \
        f"a {FSI}{HEBREW}{PDI}, b {FSI}{ARABIC}{PDI}\n{FSI}{HEBREW}{PDI}"
    assert isolate_phrases(f"{HEBREW} 7") == f"{FSI}{HEBREW}{PDI} 7"
    for text in ("plain 3", "Größe", ""):
        assert isolate_phrases(text) == text
    # explicit controls left in (not bounded first): the line is isolated whole, balanced
    assert isolate_phrases(f"x {RLO}{HEBREW}") == FSI + f"x {RLO}{HEBREW}{PDF}" + PDI


@given(bidi_text)
def test_isolate_phrases_never_leaves_an_isolate_open(text):
    assert _levels_close(isolate_phrases(bounded(text)))
    assert _levels_close(isolate_phrases(text))
