"""Load a learner's own CSV file into a :class:`Dataset`, refusing broken files politely.

What is accepted
----------------
* Separators ``,`` ``;`` or tab, found by looking at the first lines. With ``;`` or
  tab a decimal comma (``1,5``) is read as 1.5.
* An optional header row (see :mod:`.csvparse` for how it is told from data);
  without one the columns are called ``col1``, ``col2``, ...
* Blank lines are skipped; a last column that is empty on every line is dropped.
* Every input column must be numeric. The target column may hold numbers
  (regression, or classes) or text (classes).

Every problem is found in one reading and reported together (:class:`CsvProblems`):
the message of the :class:`DataError` names the first problem by row (the 1-based
line number in the file, as a text editor or spreadsheet shows it) and column, then
counts the others by kind. ``skip_bad_rows=True`` loads the rows without problems
instead.

Big files are read in chunks into NumPy arrays (about twice the file's size at the
peak for ten numeric columns); ``progress`` and ``cancel`` let a GUI show how far it
got and stop it. Files that are not regular files, too large, binary or made to
exhaust memory are refused before that memory is spent (see :mod:`.csvsource`).

The pieces: :mod:`.csvsource` (opening and decoding), :mod:`.csvparse` (text to
table), :mod:`.csvtable` (the table, its problems for a choice of target, the data
set), :mod:`.csvproblems` (the report).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import DataError
from ..safetext import bounded, printable
from .csvparse import looks_like_header, read_table, sniff, text_records
from .csvproblems import CsvProblems
from .csvsource import (
    Cancel,
    FileText,
    LoadCancelled,
    Progress,
    StringText,
    check_regular_file,
    decode_start,
    open_regular,
)
from .csvsource import size_text as _size  # noqa: F401 - the old name, kept for callers
from .csvtable import CsvTable
from .dataset import Dataset

#: the largest file loaded unless the caller says otherwise
MAX_BYTES = 50_000_000
PREVIEW_BYTES = 1_000_000


def _named(name: str, exc: DataError) -> DataError:
    return DataError(bounded(f"{printable(name, 60)}: {exc}"))


def read_csv_table(
    path: str | os.PathLike,
    *,
    max_bytes: int = MAX_BYTES,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> CsvTable:
    """Read a CSV file once; then ask the table for problems or data sets per target.

    Parameters
    ----------
    path : str or PathLike
    max_bytes : int
        Larger files are refused.
    progress : callable(float), optional
        Called now and then with the fraction read so far (0 to 1), from the calling
        thread.
    cancel : callable() -> bool, optional
        Called as often; returning True stops the reading with :class:`LoadCancelled`.

    Raises
    ------
    DataError
        If the file cannot be read as a table: it does not exist, is not a regular
        file, is too large, is not text, has a single column or too many, ...
    LoadCancelled
        If ``cancel`` asked to stop.
    """
    with FileText(path, max_bytes, progress, cancel) as source:
        try:
            return read_table(source, name=source.path.stem)
        except LoadCancelled:
            raise
        except DataError as exc:
            raise _named(source.name, exc) from None


def load_csv(
    path: str | os.PathLike,
    target: str | int | None = None,
    categorical: bool | None = None,
    max_bytes: int = MAX_BYTES,
    *,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Dataset:
    """Load a CSV file; see :func:`parse_csv_text` for ``target`` and ``categorical``.

    The file is decoded as UTF-8 (with or without BOM), UTF-16 if it starts with a BOM,
    else Windows-1252 / Latin-1. The data set is named after the file (without suffix).
    ``skip_bad_rows`` leaves out the rows with problems instead of refusing the file;
    ``progress`` and ``cancel`` are as for :func:`read_csv_table`.

    Raises
    ------
    DataError
        If the file does not exist, is a folder or another kind of non-regular file,
        cannot be read, is larger than ``max_bytes`` ("the file 'x.csv' is 2.3 GB; the
        limit is 50 MB"), is not text, or its content is broken (the message starts
        with the file name and names the first problem's row and column).
    LoadCancelled
        If ``cancel`` asked to stop.
    """
    table = read_csv_table(path, max_bytes=max_bytes, progress=progress, cancel=cancel)
    try:
        return table.dataset(target, categorical, skip_bad_rows=skip_bad_rows, consume=True)
    except DataError as exc:
        raise _named(os.path.basename(os.fspath(path)), exc) from None


def parse_csv_text(
    text: str,
    target: str | int | None = None,
    categorical: bool | None = None,
    *,
    name: str = "",
    skip_bad_rows: bool = False,
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
    skip_bad_rows : bool
        Leave out rows with problems instead of refusing the text.

    Returns
    -------
    Dataset
        ``X`` (n, d) float64 with the other columns in file order. For classes,
        ``class_names`` are sorted (by value if all numeric, else as text) and the
        task is ``"binary"`` for 2 classes, ``"multiclass"`` for more.

    Raises
    ------
    DataError
        For any problem with the content; the message names row and column.
    """
    if not isinstance(text, str):
        raise DataError(f"expected the text of a CSV file, not {type(text).__name__}")
    if "\x00" in text:
        raise DataError("this is not a text file (it contains NUL characters); save it as CSV first")
    with StringText(text, name) as source:
        table = read_table(source, name=name)
    return table.dataset(target, categorical, skip_bad_rows=skip_bad_rows, consume=True)


@dataclass(frozen=True)
class CsvPreview:
    """The start of a CSV file as text, for the import dialog.

    Attributes
    ----------
    header : list of str or None
        The header cells, or None if the first row looks like data.
    rows : list of (int, list of str)
        The first data rows: the file line where each starts, and its cells
        (stripped of surrounding spaces; a row may have too few or too many).
    delimiter : str
    """

    header: list[str] | None
    rows: list[tuple[int, list[str]]]
    delimiter: str


def preview_records(path: str | os.PathLike, n_rows: int = 20) -> CsvPreview:
    """The header and first rows of a CSV file, with their line numbers.

    Only the first megabyte is read and nothing is checked beyond what is needed to
    split the lines, so a broken file can still be shown.

    Raises
    ------
    DataError
        If the file does not exist, is not a regular file, cannot be read, is empty or
        is not text.
    """
    p, _ = check_regular_file(path)
    with open_regular(p) as f:
        try:
            data = f.read(PREVIEW_BYTES + 1)
        except OSError as exc:
            raise DataError(f"cannot read '{printable(p.name, 80)}': {printable(exc.strerror or exc, 80)}") from None
    complete = len(data) <= PREVIEW_BYTES
    if not complete:
        # drop the partial last line (and any half-read character in it)
        data = data[:PREVIEW_BYTES]
        data = data[: data.rfind(b"\n") + 1] or data
    text = decode_start(data)
    delimiter = sniff(text[:65536], complete=complete and len(text) <= 65536)
    try:
        records = list(text_records(text, delimiter))
    except DataError as exc:
        raise _named(p.name, exc) from None
    if not records:
        raise DataError(f"the file '{printable(p.name, 80)}' is empty")
    width = len(records[0][1])
    if width >= 2 and all(len(c) == width and not c[-1] for _, c in records):
        records = [(line, c[:-1]) for line, c in records]
    sample = [c for _, c in records[:1000]]
    header = None
    if looks_like_header(sample, delimiter != ","):
        header, records = records[0][1], records[1:]
    return CsvPreview(header, records[: max(0, int(n_rows))], delimiter)


def preview_csv(path: str | os.PathLike, n_rows: int = 20) -> tuple[list[str] | None, list[list[str]]]:
    """The header and first rows of a CSV file, as text (see :func:`preview_records`).

    Returns
    -------
    header : list of str or None
        The header cells, or None if the first row looks like data.
    rows : list of list of str
        Up to ``n_rows`` data rows, cells stripped of surrounding spaces.
    """
    preview = preview_records(path, n_rows)
    return preview.header, [cells for _, cells in preview.rows]


__all__ = [
    "MAX_BYTES",
    "CsvPreview",
    "CsvProblems",
    "CsvTable",
    "LoadCancelled",
    "load_csv",
    "parse_csv_text",
    "preview_csv",
    "preview_records",
    "read_csv_table",
]
