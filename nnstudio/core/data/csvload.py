"""Load a learner's own CSV file into a :class:`Dataset`, refusing broken files politely.

What is accepted
----------------
* Separators ``,`` ``;`` or tab, found by looking at the first lines (the one that
  splits every line into the same number of fields, preferring tab, then ``;``, then
  ``,`` when several do). With ``;`` or tab a decimal comma (``1,5``) is read as 1.5.
* An optional header row. The first row is a header when one of its cells is text in
  a column whose other cells are numbers, or when all its cells are text. Otherwise
  the columns are called ``col1``, ``col2``, ... (a header made only of numbers cannot
  be told from data).
* Blank lines are skipped; a last column that is empty on every line (a trailing
  separator, as some spreadsheets write) is dropped.
* Every input column must be numeric. The target column may hold numbers
  (regression, or classes) or text (classes).

Every problem is reported as a :class:`DataError` whose message names the row (the
1-based line number in the file, as a text editor or spreadsheet shows it), the column
and what is wrong.
"""

from __future__ import annotations

import contextlib

import codecs
import csv
import io
import math
import os
from collections import Counter
from numbers import Integral
from pathlib import Path

import numpy as np

from ..errors import DataError, SpecError
from .dataset import Dataset, task_for_classes

#: cells that mean "no value" (compared stripped and lower-cased)
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
DELIMITERS = ("\t", ";", ",")  # in order of preference when several fit
MAX_AUTO_CLASSES = 10  # a numeric target with at most this many integer values is a class label
MAX_CLASSES = 100
MIN_ROWS = 4
PREVIEW_BYTES = 1_000_000


def _size(n_bytes: int) -> str:
    """Human-readable size in decimal units: 2_300_000_000 -> '2.3 GB'."""
    if n_bytes < 1000:
        return f"{n_bytes} bytes"
    for unit in ("kB", "MB", "GB", "TB"):
        n_bytes /= 1000
        if n_bytes < 1000 or unit == "TB":
            return f"{n_bytes:.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError("unreachable")


# --------------------------------------------------------------------- bytes -> text


def _check_path(path: str | os.PathLike) -> Path:
    try:
        p = Path(os.fspath(path))
    except TypeError:
        raise DataError(f"{path!r} is not a file name") from None
    try:
        if not p.exists():
            raise DataError(f"the file '{p}' does not exist")
        if p.is_dir():
            raise DataError(f"'{p}' is a folder, not a file")
        if not p.is_file():
            raise DataError(f"'{p}' is not a regular file")
    except OSError as exc:
        raise DataError(f"cannot open '{p}': {exc.strerror or exc}") from None
    return p


def _read_bytes(p: Path, limit: int | None) -> bytes:
    try:
        with p.open("rb") as f:
            return f.read() if limit is None else f.read(limit)
    except PermissionError:
        raise DataError(f"you do not have permission to read '{p}'") from None
    except OSError as exc:
        raise DataError(f"cannot read '{p}': {exc.strerror or exc}") from None


def _decode(data: bytes, errors: str = "strict") -> str:
    """Bytes to text: UTF-16 if it has a BOM, else UTF-8 (BOM or not), else Windows-1252/Latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # "Unicode text" exports of spreadsheets are UTF-16 with a byte-order mark
        try:
            return data.decode("utf-16", errors=errors)
        except UnicodeDecodeError:
            raise DataError("the file says it is UTF-16 text but cannot be decoded as such") from None
    if b"\x00" in data:
        raise DataError(
            "this is not a text file (it looks binary: an Excel workbook, a zip or an image?); "
            "save it as CSV first"
        )
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8-sig")
    # Older spreadsheets on Windows write Windows-1252; Latin-1 decodes any byte, so it
    # is the last resort and never fails.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# ---------------------------------------------------------------------- text -> table


def _is_missing(cell: str) -> bool:
    return cell.lower() in MISSING_MARKERS


def _number(cell: str, decimal_comma: bool) -> float | None:
    """The value of a cell, or None if it is not a number (NaN counts as missing elsewhere)."""
    try:
        return float(cell)
    except ValueError:
        if decimal_comma and cell.count(",") == 1 and "." not in cell:
            try:
                return float(cell.replace(",", "."))
            except ValueError:
                return None
        return None


def _records(text: str, delimiter: str):
    """Yield ``(line, cells)`` for each non-blank record; ``line`` is where it starts (1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    prev = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(f"row {prev + 1}: the line cannot be read as CSV ({exc})") from None
        start, prev = prev + 1, reader.line_num
        cells = [c.strip() for c in cells]
        if any(cells):
            yield start, cells


def _sniff(text: str) -> str:
    head = text[:65536]
    lines = head.splitlines()
    if len(head) < len(text):
        lines = lines[:-1]  # probably cut in the middle
    sample = "\n".join(lines[:50])
    best, best_score = ",", None
    for rank, d in enumerate(DELIMITERS):
        try:
            counts = [len(cells) for _, cells in _records(sample, d)]
        except DataError:
            continue
        if not counts:
            continue
        width, hits = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (hits / len(counts), -rank)
        if best_score is None or score > best_score:
            best, best_score = d, score
    return best


def _looks_like_header(rows: list[list[str]], decimal_comma: bool) -> bool:
    first, body = rows[0], rows[1:]

    def numeric(cell: str) -> bool:
        return not _is_missing(cell) and _number(cell, decimal_comma) is not None

    texts = [j for j, c in enumerate(first) if not _is_missing(c) and not numeric(c)]
    if len(texts) == len(first) or (texts and not body):
        return True
    for j in texts:
        column = [r[j] for r in body if j < len(r) and not _is_missing(r[j])]
        if column and all(numeric(c) for c in column):
            return True
    return False


def _read_table(text: str) -> tuple[list[str] | None, list[tuple[int, list[str]]], str]:
    """Split text into ``(header or None, [(line, cells), ...], delimiter)``."""
    delimiter = _sniff(text)
    records = list(_records(text, delimiter))
    if not records:
        return None, [], delimiter
    width = len(records[0][1])
    if width >= 2 and all(len(c) == width and not c[-1] for _, c in records):
        records = [(line, c[:-1]) for line, c in records]
    decimal_comma = delimiter != ","
    if _looks_like_header([c for _, c in records], decimal_comma):
        return records[0][1], records[1:], delimiter
    return None, records, delimiter


def _column_names(header: list[str] | None, width: int) -> list[str]:
    if header is None:
        return [f"col{j + 1}" for j in range(width)]
    names, seen = [], Counter()
    for j, cell in enumerate(header):
        name = cell or f"col{j + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def _target_index(target: str | int | None, names: list[str]) -> int:
    m = len(names)
    if target is None:
        return m - 1
    if isinstance(target, bool) or not isinstance(target, (str, Integral)):
        raise SpecError(f"the target column must be a column name or number, not {target!r}")
    if isinstance(target, Integral):
        t = int(target)
        if not -m <= t < m:
            raise DataError(
                f"there is no column number {t}: the file has {m} columns, "
                f"numbered 0 to {m - 1} (or -1 to -{m} counting from the end)"
            )
        return t % m
    if target in names:
        return names.index(target)
    folded = [j for j, s in enumerate(names) if s.casefold() == target.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise DataError(f"there is no column named {target!r}; the columns are: {', '.join(names)}")


def _cell_problem(
    line: int, column: str, cell: str, value: float | None, hint: str = ""
) -> DataError | None:
    """The error for a cell that is not a usable number, or None if it is fine."""
    where = f"row {line}, column {column!r}"
    if _is_missing(cell) or (value is not None and math.isnan(value)):
        shown = "an empty cell" if not cell else repr(cell)
        return DataError(f"{where}: missing value ({shown}); fill it in or delete the row")
    if value is None:
        return DataError(f"{where}: {cell!r} is not a number{hint}")
    if math.isinf(value):
        if cell.lstrip("+-").lower() in ("inf", "infinity"):
            return DataError(
                f"{where}: {cell!r} is an infinite value; only finite numbers can be used"
            )
        return DataError(f"{where}: {cell!r} is too large (it overflows to an infinite value)")
    return None


def _class_labels(
    cells: list[str], values: list[float | None]
) -> tuple[np.ndarray, tuple[str, ...]]:
    if all(v is not None for v in values):
        # numeric classes sort by value (2 before 10) and are named like integers if whole
        uniq = sorted(set(values))
        names = tuple(str(int(v)) if v == int(v) else repr(v) for v in uniq)
        index = {v: i for i, v in enumerate(uniq)}
        return np.array([index[v] for v in values], dtype=np.int64), names
    uniq = sorted(set(cells))
    index = {c: i for i, c in enumerate(uniq)}
    return np.array([index[c] for c in cells], dtype=np.int64), tuple(uniq)


def _build(
    header: list[str] | None,
    rows: list[tuple[int, list[str]]],
    delimiter: str,
    target: str | int | None,
    categorical: bool | None,
    name: str,
) -> Dataset:
    if categorical is not None and not isinstance(categorical, bool):
        raise SpecError(f"categorical must be True, False or None (automatic), not {categorical!r}")
    if not rows:
        if header is None:
            raise DataError("the file is empty")
        raise DataError(f"the file has a header row ({', '.join(header)}) but no data rows")
    width = len(header) if header is not None else len(rows[0][1])
    origin = "the header" if header is not None else "the first row"
    for line, cells in rows:
        if len(cells) != width:
            if any("\n" in c or "\r" in c for c in cells):
                raise DataError(
                    f"row {line}: a quoted cell runs over several lines; "
                    'is a closing quote (") missing?'
                )
            raise DataError(
                f"row {line}: {len(cells)} values, but {origin} has {width} "
                "(a missing or extra separator, or a text cell with a separator "
                "that is not quoted?)"
            )
    if width < 2:
        raise DataError(
            "found only 1 column: a data file needs at least one input column and one target "
            "column, separated by commas, semicolons or tabs"
        )
    if len(rows) < MIN_ROWS:
        n = len(rows)
        rows_ = f"{n} data row{'s' * (n != 1)}"
        raise DataError(f"the file has only {rows_}; at least {MIN_ROWS} are needed")

    names = _column_names(header, width)
    t = _target_index(target, names)
    decimal_comma = delimiter != ","

    X = np.empty((len(rows), width - 1), dtype=np.float64)
    t_cells: list[str] = []
    t_values: list[float | None] = []
    for i, (line, cells) in enumerate(rows):
        k = 0
        for j, cell in enumerate(cells):
            value = _number(cell, decimal_comma)
            if j == t:
                if _is_missing(cell) or (value is not None and math.isnan(value)):
                    raise _cell_problem(line, names[j], cell, value)
                t_cells.append(cell)
                t_values.append(value)
                continue
            if value is None or not math.isfinite(value) or _is_missing(cell):
                hint = ""
                if value is None and all(_number(r[j], decimal_comma) is None for _, r in rows):
                    hint = (
                        " (the whole column is text; input columns must hold numbers:"
                        " remove it, or make it the target)"
                    )
                raise _cell_problem(line, names[j], cell, value, hint)
            X[i, k] = value
            k += 1

    lines = [line for line, _ in rows]
    target_name = names[t]
    has_text = any(v is None for v in t_values)
    if categorical is None:
        whole = not has_text and all(math.isfinite(v) and v == int(v) for v in t_values)
        distinct = len(set(t_values))
        categorical = has_text or (whole and distinct <= MAX_AUTO_CLASSES and distinct < len(rows))
    if not categorical or not has_text:
        for line, cell, value in zip(lines, t_cells, t_values):
            hint = " (the target is read as numbers; read it as classes instead)"
            problem = _cell_problem(line, target_name, cell, value, hint)
            if problem is not None:
                raise problem

    features = tuple(n for j, n in enumerate(names) if j != t)
    if not categorical:
        return Dataset(X, np.array(t_values, dtype=np.float64), "regression", features, name=name)

    y, class_names = _class_labels(t_cells, t_values)
    if len(class_names) < 2:
        raise DataError(
            f"the target column {target_name!r} has only one class ({class_names[0]!r}); "
            "classification needs examples of at least two classes"
        )
    if len(class_names) > MAX_CLASSES:
        raise DataError(
            f"the target column {target_name!r} has {len(class_names)} different values; "
            f"at most {MAX_CLASSES} classes are supported (is it a name or an id column?)"
        )
    return Dataset(X, y, task_for_classes(len(class_names)), features, class_names, name=name)


# ------------------------------------------------------------------------ public API


def parse_csv_text(
    text: str,
    target: str | int | None = None,
    categorical: bool | None = None,
    *,
    name: str = "",
) -> Dataset:
    """Parse CSV text into a :class:`Dataset` (see the module notes for the rules).

    Parameters
    ----------
    text : str
        The whole file as text.
    target : str or int or None
        The target column: a header name (an exact match, else a unique
        case-insensitive one), a 0-based index (negative counts from the end), or None
        for the last column. Without a header the names are ``col1``, ``col2``, ...
    categorical : bool or None
        True: the target holds class labels. False: it is a number to predict
        (regression). None: decide automatically; text targets, and whole-number
        targets with at most 10 distinct values (and at least one repeated), are classes.
    name : str
        Name given to the data set.

    Returns
    -------
    Dataset
        ``X`` (n, d) float64 with the other columns in file order. For classes,
        ``class_names`` are sorted (by value if all numeric, else alphabetically) and
        the task is ``"binary"`` for 2 classes, ``"multiclass"`` for more.

    Raises
    ------
    DataError
        For any problem with the content; the message names row and column.
    """
    if not isinstance(text, str):
        raise DataError(f"expected the text of a CSV file, not {type(text).__name__}")
    if "\x00" in text:
        raise DataError("this is not a text file (it contains NUL characters); save it as CSV first")
    header, rows, delimiter = _read_table(text.removeprefix("\ufeff"))
    return _build(header, rows, delimiter, target, categorical, name)


def load_csv(
    path: str | os.PathLike,
    target: str | int | None = None,
    categorical: bool | None = None,
    max_bytes: int = 50_000_000,
) -> Dataset:
    """Load a CSV file; see :func:`parse_csv_text` for ``target`` and ``categorical``.

    The file is decoded as UTF-8 (with or without BOM), UTF-16 if it starts with a BOM,
    else Windows-1252 / Latin-1. The data set is named after the file (without suffix).

    Raises
    ------
    DataError
        If the file does not exist, is a folder, cannot be read, is larger than
        ``max_bytes`` ("the file 'x.csv' is 2.3 GB; the limit is 50 MB"), is not text,
        or its content is broken.
    """
    p = _check_path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise DataError(f"cannot read '{p}': {exc.strerror or exc}") from None
    if size > max_bytes:
        raise DataError(f"the file '{p.name}' is {_size(size)}; the limit is {_size(max_bytes)}")
    if size == 0:
        raise DataError(f"the file '{p.name}' is empty")
    # read one byte more than allowed in case the file grew since stat()
    data = _read_bytes(p, max_bytes + 1)
    if len(data) > max_bytes:
        raise DataError(f"the file '{p.name}' is larger than the limit of {_size(max_bytes)}")
    try:
        return parse_csv_text(_decode(data), target, categorical, name=p.stem)
    except DataError as exc:
        raise DataError(f"{p.name}: {exc}") from None


def preview_csv(
    path: str | os.PathLike, n_rows: int = 20
) -> tuple[list[str] | None, list[list[str]]]:
    """The header and first rows of a CSV file, as text, for the import dialog.

    Only the first megabyte is read and nothing is checked beyond what is needed to
    split the lines, so a broken file can still be shown.

    Returns
    -------
    header : list of str or None
        The header cells, or None if the first row looks like data.
    rows : list of list of str
        Up to ``n_rows`` data rows, cells stripped of surrounding spaces.

    Raises
    ------
    DataError
        If the file does not exist, cannot be read, is empty or is not text.
    """
    p = _check_path(path)
    data = _read_bytes(p, PREVIEW_BYTES + 1)
    if len(data) > PREVIEW_BYTES:
        # drop the partial last line (and any half-read character in it)
        data = data[: PREVIEW_BYTES]
        data = data[: data.rfind(b"\n") + 1] or data
    header, rows, _ = _read_table(_decode(data, errors="replace"))
    if header is None and not rows:
        raise DataError(f"the file '{p.name}' is empty")
    return header, [cells for _, cells in rows[: max(0, int(n_rows))]]
