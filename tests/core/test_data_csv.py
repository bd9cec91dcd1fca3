"""CSV import: happy paths, and every kind of broken file refused with a clear message."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.data import Dataset, load_csv, parse_csv_text, preview_csv
from nnstudio.core.data import csvsource
from nnstudio.core.data.csvload import _size
from nnstudio.core.errors import DataError, SpecError

IRIS_LIKE = """sepal_length,sepal_width,species
5.1,3.5,setosa
4.9,3.0,setosa
7.0,3.2,versicolor
6.4,3.2,versicolor
6.3,3.3,virginica
5.8,2.7,virginica
"""


def write(tmp_path: pathlib.Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> pathlib.Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def error_of(text: str, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        parse_csv_text(text, **kwargs)
    return str(info.value)


# ---------------------------------------------------------------------- happy paths


def test_header_and_string_target_give_sorted_classes(tmp_path):
    ds = load_csv(write(tmp_path, IRIS_LIKE, "flowers.csv"))
    assert isinstance(ds, Dataset) and ds.name == "flowers"
    assert ds.feature_names == ("sepal_length", "sepal_width")
    assert ds.task == "multiclass" and ds.class_names == ("setosa", "versicolor", "virginica")
    assert ds.y.tolist() == [0, 0, 1, 1, 2, 2]
    assert np.array_equal(ds.X[:, 0], [5.1, 4.9, 7.0, 6.4, 6.3, 5.8])


def test_no_header_gets_generated_names_and_numeric_regression_target():
    ds = parse_csv_text("1,2,0.5\n3,4,1.5\n5,6,2.25\n7,8,3.0\n")
    assert ds.feature_names == ("col1", "col2")
    assert ds.task == "regression" and ds.y.dtype == np.float64
    assert ds.y.tolist() == [0.5, 1.5, 2.25, 3.0]
    assert ds.X.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]


def test_header_is_detected_from_a_text_cell_over_a_numeric_column():
    # only "b" is text in row 1, the other header cells look like numbers
    ds = parse_csv_text("1,b,2\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n")
    assert ds.feature_names == ("1", "b") and ds.n_samples == 4


def test_first_data_row_with_a_text_target_is_not_a_header():
    ds = parse_csv_text("5.1,3.5,cat\n4.9,3.0,dog\n6.0,3.1,cat\n6.1,3.3,dog\n")
    assert ds.n_samples == 4 and ds.task == "binary" and ds.class_names == ("cat", "dog")


def test_semicolons_with_decimal_commas():
    ds = parse_csv_text("x;z;y\n1,5;2;a\n2,5;3;b\n3;4,25;a\n4;5;b\n")
    assert ds.X.tolist() == [[1.5, 2], [2.5, 3], [3, 4.25], [4, 5]]
    assert ds.task == "binary"


def test_tabs_crlf_bom_quotes_blank_lines_and_trailing_separator():
    text = '\ufeff"a,1"\tb\ty\r\n\r\n1\t2\t0\r\n3\t4\t1\r\n5\t6\t0\r\n\r\n7\t8\t1\r\n'
    ds = parse_csv_text(text)
    assert ds.feature_names == ("a,1", "b") and ds.n_samples == 4
    ds = parse_csv_text("a,b,y,\n1,2,3.5,\n4,5,6,\n7,8,9,\n1,2,3,\n")
    assert ds.feature_names == ("a", "b") and ds.y.tolist() == [3.5, 6, 9, 3]


def test_choosing_a_numeric_target_leaves_the_text_column_as_an_input_which_is_refused():
    message = error_of(IRIS_LIKE, target="sepal_length")
    assert "row 2, column 'species': 'setosa' is not a number" in message
    assert "make it the target" in message


def test_target_by_name_or_index_picks_that_column():
    text = "a,b,c\n1,10,0.5\n2,20,1.5\n3,30,2.5\n4,40,3.5\n"
    for target in ("a", 0, -3, "A"):
        ds = parse_csv_text(text, target=target, categorical=False)
        assert ds.y.tolist() == [1, 2, 3, 4] and ds.feature_names == ("b", "c")
    ds = parse_csv_text(text, target=1)
    assert ds.y.tolist() == [10, 20, 30, 40] and ds.feature_names == ("a", "c")
    no_header = parse_csv_text("1,2,3\n4,5,6\n7,8,9\n1,5,2\n", target="col2", categorical=False)
    assert no_header.y.tolist() == [2, 5, 8, 5] and no_header.feature_names == ("col1", "col3")


def test_auto_categorical_for_few_distinct_integers_else_regression():
    few = parse_csv_text("a,y\n1,0\n2,1\n3,0\n4,1\n5,2\n")
    assert few.task == "multiclass" and few.class_names == ("0", "1", "2")
    many = parse_csv_text("a,y\n" + "".join(f"{i},{i * 3}\n" for i in range(20)))
    assert many.task == "regression"


def test_categorical_switch_overrides_auto():
    text = "a,y\n1,0\n2,1\n3,0\n4,1\n"
    assert parse_csv_text(text, categorical=False).task == "regression"
    ds = parse_csv_text("a,y\n1,0.5\n2,10\n3,2\n4,0.5\n", categorical=True)
    # numeric classes sort by value, not as text ("10" after "2")
    assert ds.class_names == ("0.5", "2", "10") and ds.y.tolist() == [0, 2, 1, 0]


def test_latin1_and_utf16_files_are_decoded(tmp_path):
    text = "a,b,drink\n1,2,café\n3,4,tea\n5,6,café\n7,8,tea\n"
    ds = load_csv(write(tmp_path, text, "latin.csv", encoding="latin-1"))
    assert ds.class_names == ("café", "tea")
    ds = load_csv(write(tmp_path, text, "u16.csv", encoding="utf-16"))
    assert ds.class_names == ("café", "tea")


def test_preview_returns_header_and_first_rows_even_for_a_broken_file(tmp_path):
    header, rows = preview_csv(write(tmp_path, IRIS_LIKE), n_rows=2)
    assert header == ["sepal_length", "sepal_width", "species"]
    assert rows == [["5.1", "3.5", "setosa"], ["4.9", "3.0", "setosa"]]
    header, rows = preview_csv(write(tmp_path, "1;2;3\n4;5\n", "ragged.csv"))
    assert header is None and rows == [["1", "2", "3"], ["4", "5"]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(4, 12).flatmap(
        lambda n: st.lists(
            st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=3, max_size=3),
            min_size=n,
            max_size=n,
        )
    ),
    st.booleans(),
)
def test_written_floats_parse_back_exactly(rows, with_header):
    lines = (["p,q,target"] if with_header else []) + [",".join(repr(v) for v in r) for r in rows]
    ds = parse_csv_text("\n".join(lines) + "\n", categorical=False)
    table = np.array(rows, dtype=np.float64)
    assert np.array_equal(ds.X, table[:, :2]) and np.array_equal(ds.y, table[:, 2])
    assert ds.feature_names == (("p", "q") if with_header else ("col1", "col2"))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1.2,;\t\n\r\"e-+ NA\x00é")), max_size=80))
def test_any_text_gives_a_dataset_or_a_data_error(text):
    try:
        parse_csv_text(text)
    except DataError:
        pass


# --------------------------------------------------------------------- broken files


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a,b,y\n1,2,0\n3,abc,1\n4,5,0\n6,7,1\n", "row 3, column 'b': 'abc' is not a number"),
        ("1,2,0\n3,4,1\n5,x,0\n6,7,1\n", "row 3, column 'col2': 'x' is not a number"),
        ("a,b,y\n\n1,2,0\n\n3,4,1\n5,6,0\n6,7,1,9\n", "row 7: 4 values, but the header has 3"),
        ("1,2,0\n3,4\n5,6,0\n6,7,1\n", "row 2: 2 values, but the first row has 3"),
        ("a,b,y\n1,2,0\n3,,1\n4,5,0\n6,7,1\n", "row 3, column 'b': missing value (an empty cell)"),
        ("a,b,y\n1,2,0\n3,4,1\n4,NA,0\n6,7,1\n", "row 4, column 'b': missing value ('NA')"),
        ("a,b,y\n1,2,0\nnan,4,1\n4,5,0\n6,7,1\n", "row 3, column 'a': missing value ('nan')"),
        ("a,b,y\n1,2,0\n3,4,1\n4,5,\n6,7,1\n", "row 4, column 'y': missing value (an empty cell)"),
        ("a,b,y\n1,2,cat\n3,4,?\n4,5,dog\n6,7,cat\n", "row 3, column 'y': missing value ('?')"),
        ("a,b,y\n1,2,0\n3,-Infinity,1\n4,5,0\n6,7,1\n", "row 3, column 'b': '-Infinity' is an infinite value"),
        ("a,b,y\n1,2,0\n3,1e999,1\n4,5,0\n6,7,1\n", "row 3, column 'b': '1e999' is too large"),
        ("a,b,y\n1,2,0.5\n3,4,1.5\n4,5,inf\n6,7,1\n", "row 4, column 'y': 'inf' is an infinite value"),
        ("a,b,y\n1,2,c\n3,4,c\n4,5,c\n6,7,c\n", "column 'y' has only one class ('c')"),
        ("a,b,y\n1,2,0\n3,4,1\n5,6,0\n", "only 3 data rows; at least 4 are needed"),
        ("", "the file is empty"),
        ("\n  \n\n", "the file is empty"),
        ("a,b,y\n", "header row (a, b, y) but no data rows"),
        ("1\n2\n3\n4\n", "found only 1 column"),
        ('a,b,y\n1,2,0\n3,"4,1\n4,5,0\n6,7,1\n', "row 3: a quoted cell runs over several lines"),
        ("a,b\n" + "".join(f"{i},id{i}\n" for i in range(120)), "column 'b' has 120 different values"),
    ],
)
def test_broken_content_is_refused_naming_row_and_column(text, expected):
    assert expected in error_of(text)


def test_text_in_a_whole_input_column_suggests_making_it_the_target():
    message = error_of("name,h,w\nann,1.6,55\nbob,1.8,80\ncy,1.7,60\ndi,1.5,50\n")
    assert "row 2, column 'name': 'ann' is not a number" in message
    assert "make it the target" in message


def test_text_in_a_numeric_target():
    message = error_of("a,y\n1,0.5\n2,x\n3,2.5\n4,1.5\n", categorical=False)
    assert "row 3, column 'y': 'x' is not a number" in message


def test_unknown_target_column_lists_the_columns():
    message = error_of(IRIS_LIKE, target="petal_width")
    assert "no column named 'petal_width'" in message
    assert "sepal_length, sepal_width, species" in message
    assert "numbered 0 to 2" in error_of(IRIS_LIKE, target=3)
    assert "numbered 0 to 2" in error_of(IRIS_LIKE, target=-4)


def test_bad_target_and_categorical_arguments_are_spec_errors():
    with pytest.raises(SpecError):
        parse_csv_text(IRIS_LIKE, target=1.5)
    with pytest.raises(SpecError):
        parse_csv_text(IRIS_LIKE, target=True)
    with pytest.raises(SpecError):
        parse_csv_text(IRIS_LIKE, categorical="yes")


def test_a_record_too_long_for_the_csv_module_is_a_data_error():
    text = "a,y\n1,0\n2,1\n3,0\n" + '"' + "9" * 200_000 + '",1\n'
    assert "row 5" in error_of(text)


def test_file_problems(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder"):
        load_csv(tmp_path)
    with pytest.raises(DataError, match="is empty"):
        load_csv(write(tmp_path, "", "empty.csv"))
    with pytest.raises(DataError, match="not a text file"):
        load_csv(write(tmp_path, "a,b\n1,2\x00\x01\n", "bin.csv"))
    with pytest.raises(DataError, match="does not exist"):
        preview_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is empty"):
        preview_csv(write(tmp_path, "\n\n", "blank.csv"))


def test_broken_file_message_names_the_file_and_the_row(tmp_path):
    p = write(tmp_path, "a,b,y\n1,2,0\n3,abc,1\n4,5,0\n6,7,1\n", "broken.csv")
    with pytest.raises(DataError, match=r"^broken\.csv: row 3, column 'b': 'abc' is not a number"):
        load_csv(p)


def test_unreadable_file(tmp_path, monkeypatch):
    p = write(tmp_path, IRIS_LIKE)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # the loader opens files with os.open (without blocking, so a pipe cannot hang it)
    monkeypatch.setattr(csvsource.os, "open", refuse)
    with pytest.raises(DataError, match="permission to read"):
        load_csv(p)


def test_file_larger_than_the_limit(tmp_path):
    p = write(tmp_path, "a,b,y\n" + "".join(f"1.25,2.5,{i % 2}\n" for i in range(209)), "big.csv")
    assert p.stat().st_size == 2305
    with pytest.raises(DataError) as info:
        load_csv(p, max_bytes=1000)
    assert str(info.value) == "the file 'big.csv' is 2.3 kB; the limit is 1 kB"
    assert load_csv(p, max_bytes=2305).n_samples == 209


def test_sizes_are_written_for_people():
    assert _size(2_300_000_000) == "2.3 GB"
    assert _size(50_000_000) == "50 MB"
    assert _size(999) == "999 bytes"
