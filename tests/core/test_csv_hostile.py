"""Hostile CSV files: every one is refused with a short, escaped DataError, fast and cheaply.

Each refusal is timed and its Python allocations (NumPy's included) are traced: under
2 s and 256 MB, as the loader promises. The property-based tests mutate valid files at
random (bytes inserted, deleted, duplicated; control characters, quotes, separators,
invalid UTF-8, NUL) and check the same promise on every result.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.data import Dataset, load_csv, preview_csv, read_csv_table
from nnstudio.core.data.csvsource import MAX_LINES
from nnstudio.core.errors import DataError
from nnstudio.core.safetext import MESSAGE_LIMIT

# a refusal takes a fraction of a second on a quiet machine; the limit catches a hang or a
# quadratic blow-up, with room for a machine whose two cores are shared (2.6 s was seen)
TIME_LIMIT_S = 5.0
MEMORY_LIMIT = 256_000_000


def assert_clean_message(message: str) -> None:
    assert 0 < len(message) <= MESSAGE_LIMIT, message
    assert all(ch.isprintable() for ch in message.replace("\n", "")), repr(message)


def refusal(path, **kwargs) -> str:
    """Load ``path``, expecting a DataError; check time, memory and the message.

    The time is taken on a load of its own: tracing allocations makes every one of them
    several times slower (0.15 s became 0.84 s on a file of 180,000 bad cells), and
    that is the tracer's cost, not the loader's."""
    t0 = time.perf_counter()
    with pytest.raises(DataError) as info:
        load_csv(path, **kwargs)
    seconds = time.perf_counter() - t0
    message = str(info.value)
    assert_clean_message(message)
    assert seconds < TIME_LIMIT_S, f"{seconds:.2f} s to refuse {path}"
    if pathlib.Path(path).is_fifo():
        return message  # refused before opening: nothing to trace, and no second chance to wait on it
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as again:
            load_csv(path, **kwargs)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert str(again.value) == message
    assert peak < MEMORY_LIMIT, f"{peak / 1e6:.0f} MB to refuse {path}"
    return message


# ------------------------------------------------------------------ what the file is


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    assert "is a pipe, not a regular file" in refusal(fifo)
    with pytest.raises(DataError, match="is a pipe"):
        preview_csv(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_devices_and_links_to_them_are_refused(tmp_path):
    assert "is a device, not a regular file" in refusal("/dev/zero")
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    assert "is a device" in refusal(link)


def test_a_folder_and_a_missing_file(tmp_path):
    assert "is a folder, not a file" in refusal(tmp_path)
    assert "does not exist" in refusal(tmp_path / "nope.csv")


def test_a_file_name_with_control_characters_is_escaped_in_the_message(tmp_path):
    if sys.platform == "win32":
        pytest.skip("Windows file names cannot hold control characters")
    message = refusal(tmp_path / "\x1b[2Jevil\u202e.csv")
    assert "\\x1b[2Jevil\\u202e.csv" in message


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no /proc here")
def test_a_proc_file_that_says_it_is_empty_is_refused():
    assert "is empty" in refusal("/proc/self/status")


def test_a_file_declared_larger_than_the_limit_is_refused_before_reading(tmp_path):
    p = tmp_path / "sparse.csv"
    with p.open("wb") as f:
        f.truncate(3_000_000_000)  # a sparse file: 3 GB declared, nothing written
    assert refusal(p) == "the file 'sparse.csv' is 3 GB; the limit is 50 MB"


# ----------------------------------------------------------------- binary, not text


@pytest.mark.parametrize(
    "content",
    [
        b"\x1b",  # one ESC byte: not text, and never echoed
        b"PK\x03\x04" + bytes(range(256)) * 40,  # a zip (an .xlsx workbook)
        b"\x89PNG\r\n\x1a\n" + bytes(1000),
        b"a,b,y\n" + b"1,2,0\n" * 300_000 + b"\x00",  # a NUL far into the file
        bytes(range(1, 32)) * 100,  # control characters without NUL
    ],
    ids=["esc", "zip", "png", "late-nul", "controls"],
)
def test_binary_files_are_refused(tmp_path, content):
    p = tmp_path / "x.csv"
    p.write_bytes(content)
    message = refusal(p)
    assert "this is not a text file" in message
    assert "\x1b" not in message


def test_broken_utf16_is_refused(tmp_path):
    p = tmp_path / "u16.csv"
    p.write_bytes(b"\xff\xfea\x00,\x00\x00\xd8")  # a BOM, then a lone surrogate
    assert "UTF-16" in refusal(p)


def test_invalid_utf8_is_read_as_windows_1252(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes(b"a,b,drink\n1,2,caf\xe9\n3,4,tea\n5,6,caf\xe9\n7,8,tea\n")
    assert load_csv(p).class_names == ("café", "tea")


# ------------------------------------------------------------------- shape attacks


def test_a_header_of_100000_columns_gives_a_short_message(tmp_path):
    p = tmp_path / "wide.csv"
    p.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("1" * 100_000) + "\n")
    message = refusal(p)
    assert "the first row has 100,000 values; at most 1,000 columns are supported" in message


def test_a_million_rows_of_one_column(tmp_path):
    p = tmp_path / "one.csv"
    p.write_text("x\n" + "1\n" * 1_000_000)
    assert "found only 1 column" in refusal(p)


def test_too_many_lines_are_refused_before_parsing(tmp_path):
    p = tmp_path / "blank.csv"
    p.write_text("a,b\n" + "\n" * MAX_LINES)
    assert f"more than {MAX_LINES:,} lines" in refusal(p)


@pytest.mark.parametrize(
    "content",
    [
        "1," * 2_500_000,  # a 5 MB line
        "a,b\n" + '"' + "x\n" * 400_000,  # a quote that never closes
        "a,b\n" + '"a\n",' * 800_000,  # one record of many short multi-line fields
        "a,b\n" + ('"' + "z" * 100_000 + '",') * 30 + "\n",  # big quoted cells in one record
    ],
    ids=["long-line", "open-quote", "many-fields", "big-cells"],
)
def test_runaway_records_are_stopped(tmp_path, content):
    p = tmp_path / "runaway.csv"
    p.write_text(content)
    message = refusal(p)
    assert "longer than 1,000,000 characters" in message or "cannot be read as CSV" in message


def test_a_huge_hostile_header_cell_is_escaped_and_cut(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("a\x1b[31m" + "z" * 100_000 + ",b\u202e,y\n1,2,x\n3,oops,y\n5,6,x\n7,8,y\n9,10,x\n")
    message = refusal(p)
    assert "'oops' is not a number" in message
    ds = load_csv(p, skip_bad_rows=True)
    assert ds.feature_names[0].startswith("a\\x1b[31mzzz") and len(ds.feature_names[0]) <= 100
    assert ds.feature_names[1] == "b\\u202e"


def test_cells_with_terminal_escapes_are_escaped_in_messages(tmp_path):
    p = tmp_path / "esc.csv"
    p.write_text("a,b,y\n1,2,0\n3,\x1b]0;pwned\x07,1\n4,5,0\n6,7,1\n")
    message = refusal(p)
    assert "row 3, column 'b': '\\x1b]0;pwned\\x07' is not a number" in message


def test_a_file_where_every_cell_is_bad_gives_counts_not_a_wall_of_text(tmp_path):
    kinds = ["oops", "", "inf", "N/A", "1e999", "\x1b[2J"]
    rows = ["x,y,k"] + [",".join(kinds[(i + j) % 6] for j in range(3)) for i in range(60_000)]
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(rows) + "\n")
    message = refusal(p)
    assert message.startswith("bad.csv: row 2, column 'x': 'oops' is not a number")
    assert "more problems in the file" in message


def test_the_preview_of_hostile_files_is_bounded_too(tmp_path):
    p = tmp_path / "wide.csv"
    p.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n")
    header, rows = preview_csv(p)  # one megabyte at most
    assert header is not None and len(header) == 100_000 and rows == []
    esc = tmp_path / "esc.csv"
    esc.write_bytes(b"\x1b")
    with pytest.raises(DataError, match="not a text file"):
        preview_csv(esc)


# ------------------------------------------------------- random mutations (hypothesis)


def _valid_csv(rows: int, seed: int) -> str:
    lines = ["x1,x2,label"]
    for i in range(rows):
        lines.append(f"{(i * 7 + seed) % 13 / 3:.3f},{(i * 5 + seed) % 11 - 5},{'ab'[(i + seed) % 2]}")
    return "\n".join(lines) + "\n"


_TOKENS = [
    "\x00", "\x1b[31m", "\u202e", "\ud800", '"', '""', ",", ";", "\t", "\r", "\n", "\r\n",
    "nan", "inf", "-Infinity", "1e999", "NA", "?", "", " ", "1,5", "é", "\ufeff", "\x85", "\u2028",
    "9" * 300, ",,,,,,,,", '"\n"',
]


@st.composite
def mutated_csv(draw) -> bytes:
    data = bytearray(_valid_csv(draw(st.integers(0, 30)), draw(st.integers(0, 9))).encode())
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "token", "delete", "duplicate", "byte", "truncate"]))
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(_TOKENS)).encode("utf-8", "surrogatepass")
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 20))]
        elif op == "duplicate":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 200))] * draw(st.integers(1, 5))
        elif op == "byte" and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[pos:]
    if draw(st.booleans()):
        prefix = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b""]))
        data[0:0] = prefix
    return bytes(data)


def _load_and_check(path: pathlib.Path, **kwargs) -> Dataset | str:
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        result: Dataset | str = load_csv(path, max_bytes=100_000, **kwargs)
    except DataError as exc:  # anything else fails the test
        result = str(exc)
        assert_clean_message(result)
    finally:
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert seconds < TIME_LIMIT_S
    assert peak < 32_000_000
    return result


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=mutated_csv(), skip=st.booleans())
def test_any_mutated_file_gives_a_dataset_or_a_clean_data_error(tmp_path, content, skip):
    p = tmp_path / "m.csv"
    p.write_bytes(content)
    result = _load_and_check(p, skip_bad_rows=skip)
    if isinstance(result, Dataset):
        assert result.n_samples >= 4
        assert all(ch.isprintable() for name in result.feature_names + result.class_names for ch in name)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=mutated_csv())
def test_the_report_of_any_mutated_file_is_consistent(tmp_path, content):
    p = tmp_path / "m.csv"
    p.write_bytes(content)
    try:
        table = read_csv_table(p, max_bytes=100_000)
    except DataError as exc:
        assert_clean_message(str(exc))
        return
    report = table.problems()
    assert 0 <= report.bad_rows <= report.n_rows
    assert report.bad_rows <= report.total or report.total == 0
    assert_clean_message(report.message())
    for kind in report.kinds:
        assert 0 < len(kind.examples) <= kind.count
        lines = [p.line for p in kind.examples]
        assert lines == sorted(lines)
    if report.total == 0 and report.fatal is None:
        assert table.dataset().n_samples == report.n_rows
    elif report.fatal is None and report.good_rows >= 4:
        assert table.dataset(skip_bad_rows=True).n_samples == report.good_rows
