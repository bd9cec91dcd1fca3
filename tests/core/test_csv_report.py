"""The problem report of a CSV file, skipping bad rows, progress and cancel, big files."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from nnstudio.core.data import LoadCancelled, load_csv, parse_csv_text, read_csv_table
from nnstudio.core.data.csvparse import CHUNK_CHARS
from nnstudio.core.errors import DataError

# line 1 header; lines 3, 5, 6, 8, 9 and 11 hold problems; line 7 is blank
SEVERAL = (
    "a,b,kind\n"
    "1,2,x\n"
    "3,oops,y\n"  # 3: text in an input
    "4,5,x\n"
    ",6,y\n"  # 5: missing
    "7,inf,x\n"  # 6: infinite
    "\n"
    "8,9\n"  # 8: too few values
    "1e999,NA,y\n"  # 9: too large and missing
    "10,11,x\n"
    "12,13,\n"  # 11: missing target
    "14,15,y\n"
)


def write(tmp_path, text: str, name: str = "data.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8", newline="")
    return p


def test_every_problem_is_counted_by_kind_with_its_place(tmp_path):
    report = read_csv_table(write(tmp_path, SEVERAL)).problems()
    assert report.n_rows == 10 and report.bad_rows == 6 and report.good_rows == 4
    counts = {k.kind: k.count for k in report.kinds}
    assert counts == {"columns": 1, "text": 1, "missing": 3, "infinite": 1, "too_large": 1}
    assert [k.kind for k in report.kinds] == ["columns", "text", "missing", "infinite", "too_large"]
    places = {k.kind: [(p.line, p.column, p.text) for p in k.examples] for k in report.kinds}
    assert places["missing"] == [(5, 0, ""), (9, 1, "NA"), (11, 2, "")]
    assert places["text"] == [(3, 1, "oops")]
    assert places["too_large"] == [(9, 0, "1e999")]
    assert report.kinds[0].examples[0].found == 2  # line 8 has 2 values
    assert report.summary() == (
        "7 problems in 6 of 10 rows: 1 row with the wrong number of values, "
        "1 text cell where a number is needed, 3 missing values, 1 infinite value, 1 number too large to use"
    )
    assert report.message() == (
        "row 3, column 'b': 'oops' is not a number; 6 more problems in the file (1 row with the wrong number "
        "of values, 3 missing values, 1 infinite value, 1 number too large to use)"
    )
    assert report.task == "binary" and report.class_names == ("x", "y") and report.fatal is None


def test_the_message_of_load_csv_names_the_file_and_the_first_problem(tmp_path):
    with pytest.raises(DataError) as info:
        load_csv(write(tmp_path, SEVERAL, "several.csv"))
    assert str(info.value).startswith("several.csv: row 3, column 'b': 'oops' is not a number; 6 more")


def test_skip_bad_rows_loads_the_good_ones(tmp_path):
    ds = load_csv(write(tmp_path, SEVERAL), skip_bad_rows=True)
    assert ds.X.tolist() == [[1, 2], [4, 5], [10, 11], [14, 15]]
    assert ds.class_names == ("x", "y") and ds.y.tolist() == [0, 0, 0, 1]
    assert parse_csv_text(SEVERAL, skip_bad_rows=True).n_samples == 4


def test_skipping_cannot_make_too_few_rows_usable(tmp_path):
    text = "a,b,y\n1,2,0\nx,3,1\n4,5,0\n6,7,1\n"
    with pytest.raises(DataError, match=r"only 3 rows of 4 have no problems; at least 4 are needed"):
        parse_csv_text(text, skip_bad_rows=True)


def test_the_problems_depend_on_the_target_choice(tmp_path):
    table = read_csv_table(write(tmp_path, "name,h,w\nann,1.6,55\nbob,1.8,80\ncy,?,60\ndi,1.5,50\neve,1.7,70\n"))
    as_input = table.problems()  # the last column is the target: "name" is an input
    assert as_input.count("text") == 5 and as_input.bad_rows == 5
    assert "the whole column is text" in as_input.message()
    as_target = table.problems(target="name")  # text target: classes
    assert as_target.count("text") == 0 and as_target.count("missing") == 1 and as_target.bad_rows == 1
    assert as_target.task == "multiclass" and len(as_target.class_names) == 4  # of the usable rows
    ds = table.dataset(target="name", skip_bad_rows=True)
    assert ds.n_samples == 4 and ds.class_names == ("ann", "bob", "di", "eve")
    numbers = table.problems(target="name", categorical=False)  # text read as numbers
    assert numbers.count("text") == 5
    assert "read it as classes instead" in numbers.message()


def test_early_problems_mark_the_first_rows_exactly(tmp_path):
    report = read_csv_table(write(tmp_path, SEVERAL)).problems()
    marks = [(p.kind, p.line, p.column) for p in report.early]
    assert marks == [
        ("text", 3, 1), ("missing", 5, 0), ("infinite", 6, 1), ("columns", 8, None),
        ("too_large", 9, 0), ("missing", 9, 1), ("missing", 11, 2),
    ]


def test_a_fatal_problem_is_reported_but_not_counted(tmp_path):
    report = read_csv_table(write(tmp_path, "a,y\n1,c\n2,c\n3,c\n4,c\n")).problems()
    assert report.total == 0 and not report.usable
    assert report.fatal == ("the target column 'y' has only one class ('c'); "
                            "classification needs examples of at least two classes")


def test_mixed_text_and_number_labels_are_classes_sorted_as_text():
    ds = parse_csv_text("a,y\n1,10\n2,x\n3,2\n4,x\n5,2.0\n")
    assert ds.class_names == ("10", "2", "x") and ds.y.tolist() == [0, 2, 1, 2, 1]


# ----------------------------------------------------------------- chunks and lines


def test_line_numbers_and_quoted_newlines_across_chunk_boundaries(tmp_path):
    # more than two chunks of text; a quoted two-line label is split by the first chunk's end
    row = "1.5,2.5,a\n"
    k = (CHUNK_CHARS - 20) // len(row)
    head = "x,y,k\n" + row * k
    pad = "1," + "0" * (CHUNK_CHARS - 7 - len(head) - 5) + ",a\n"
    quoted = '3,4,"b\nc"\n'
    text = head + pad + quoted + row * k + "\r\n" + "5,oops,a\r" + row
    assert text.index("b\nc") + 1 == CHUNK_CHARS - 1  # the quoted line end closes chunk 1
    table = read_csv_table(write(tmp_path, text))
    [kind] = table.problems().kinds
    [problem] = kind.examples
    # header, k rows, the pad row, the two-line record, k rows, a blank line
    assert problem.line == 1 + k + 1 + 2 + k + 1 + 1
    assert (problem.kind, problem.column, problem.text) == ("text", 1, "oops")
    ds = table.dataset(skip_bad_rows=True)
    assert ds.n_samples == 2 * k + 3
    assert ds.class_names == ("a", "b\\x0ac")  # the newline in the label, escaped
    assert ds.X[k + 1].tolist() == [3, 4]


def test_old_mac_line_ends(tmp_path):
    ds = load_csv(write(tmp_path, "a,b,y\r1,2,0\r3,4,1\r5,6,0\r7,8,1\r"))
    assert ds.n_samples == 4 and ds.X[:, 0].tolist() == [1, 3, 5, 7]
    with pytest.raises(DataError, match=r"row 3, column 'b'"):
        load_csv(write(tmp_path, "a,b,y\r1,2,0\r3,x,1\r5,6,0\r7,8,1\r", "bad.csv"))


def test_decimal_commas_in_a_big_semicolon_file(tmp_path):
    rows = [f"{i},5;{i % 7};{'ab'[i % 2]}" for i in range(20_000)]
    ds = load_csv(write(tmp_path, "x;z;k\n" + "\n".join(rows) + "\n"))
    assert ds.X[:3].tolist() == [[0.5, 0], [1.5, 1], [2.5, 2]] and ds.n_samples == 20_000


# ---------------------------------------------------------------- progress, cancel


def _big_file(tmp_path, rows: int, name: str = "big.csv"):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 10)).round(4)
    body = "\n".join(",".join(map(str, r)) + f",{'abc'[i % 3]}" for i, r in enumerate(X))
    return write(tmp_path, ",".join(f"x{j}" for j in range(10)) + ",kind\n" + body + "\n", name), X


def test_progress_rises_to_one(tmp_path):
    path, _ = _big_file(tmp_path, 60_000)
    seen: list[float] = []
    load_csv(path, progress=seen.append)
    assert len(seen) > 5
    assert seen == sorted(seen) and 0 <= seen[0] < 0.1 and seen[-1] == pytest.approx(1.0)


def test_cancel_stops_the_load_quickly(tmp_path):
    path, _ = _big_file(tmp_path, 60_000)
    calls = []

    def cancel() -> bool:
        calls.append(time.perf_counter())
        return len(calls) > 3

    with pytest.raises(LoadCancelled, match="cancelled"):
        load_csv(path, cancel=cancel)
    assert isinstance(LoadCancelled(), DataError)
    gaps = np.diff(calls)
    assert gaps.max() < 0.25  # asked at least four times a second


def test_a_big_file_loads_exactly_with_memory_under_five_times_its_size(tmp_path):
    path, X = _big_file(tmp_path, 80_000)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        ds = load_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(ds.X, X) and ds.class_names == ("a", "b", "c")
    assert ds.y[:4].tolist() == [0, 1, 2, 0]
    assert peak < 5 * size, f"peak {peak / size:.1f}x the file"


def test_prepare_uses_the_rows_already_loaded_instead_of_reading_the_file_again(tmp_path):
    from nnstudio.core.data import DataSpec, prepare

    p = write(tmp_path, SEVERAL)
    rows = load_csv(p, skip_bad_rows=True)  # the file as it was, without its bad rows
    p.unlink()
    prepared = prepare(DataSpec(source="csv", csv_path=str(p), validation_fraction=0.0), inline=rows)
    assert prepared.raw is rows and prepared.n_inputs == 2
    assert prepared.domain[0] == pytest.approx((1 - 1.3, 14 + 1.3))  # the data's range, padded by 10%
    with pytest.raises(DataError, match="does not exist"):
        prepare(DataSpec(source="csv", csv_path=str(p)))
