"""Read the text of a CSV file into a :class:`CsvTable`, a few thousand rows at a time.

How the text is read
--------------------
* The separator (``,`` ``;`` or tab) is the one that splits the first lines into the
  same number of fields, preferring tab, then ``;``, then ``,``. With ``;`` or tab a
  decimal comma (``1,5``) is read as 1.5.
* The first row is a header when one of its cells is text in a column whose other
  cells (in the first thousand rows) are numbers, or when all its cells are text.
* Blank lines are skipped; a last column that is empty on every line (a trailing
  separator, as some spreadsheets write) is dropped.
* Cells are converted column by column with NumPy; only a column chunk that does not
  convert as a whole is looked at cell by cell, to find and classify its bad cells.

Limits, each checked before the memory it would cost is spent: a record (which may
span lines inside quotes) of at most :data:`MAX_RECORD_CHARS` characters, at most
:data:`MAX_COLUMNS` columns and :data:`MAX_ROWS` data rows.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import math
from collections import Counter
from collections.abc import Iterator
from typing import Protocol

import numpy as np

from ..errors import DataError
from ..safetext import printable
from .csvproblems import Problem
from .csvsource import MAX_LINES
from .csvtable import EXAMPLES, INFINITE, MAX_LABELS, MISSING, OK, TEXT, TOO_LARGE, Block, CsvTable

#: cells that mean "no value" (compared stripped and lower-cased)
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
DELIMITERS = ("\t", ";", ",")  # in order of preference when several fit
MAX_COLUMNS = 1000
#: the first pass refuses files of more lines; this catches any way around that
MAX_ROWS = MAX_LINES
MAX_RECORD_CHARS = 1_000_000
#: cells converted at a time (a chunk of rows)
CHUNK_CELLS = 65_536
#: characters of text handed to the csv module at a time; also how often progress is reported
CHUNK_CHARS = 1 << 20
#: rows looked at to decide whether the first one is a header
SAMPLE_ROWS, SAMPLE_CELLS = 1000, 50_000
#: characters of a bad cell kept to show it
SAMPLE_TEXT = 40
#: bad cells found by halving a column chunk before it is treated as text, cell by cell
BISECT_BUDGET = 64


class TextSource(Protocol):
    """What the reader needs from a file or a string (see :mod:`.csvsource`)."""

    name: str
    head: str

    def stream(self) -> io.TextIOBase:
        """The text, to be read once, lines split as with ``newline=""``."""

    def read_error(self, exc: Exception) -> DataError:
        """The message for an error raised while reading :meth:`stream`."""

    def check(self) -> None:
        """Between chunks: raise LoadCancelled if cancelled; report progress."""


class _RunawayRecord(Exception):
    """A record grew past MAX_RECORD_CHARS (turned into a DataError naming its row)."""


# ------------------------------------------------------------------------------- cells


def classify(cell: str, decimal_comma: bool) -> tuple[float, int]:
    """``(value, state)`` of one cell; value is NaN unless the state is OK."""
    s = cell.strip()
    if s.lower() in MISSING_MARKERS:
        return math.nan, MISSING
    try:
        v = float(s)
    except ValueError:
        if not (decimal_comma and "," in s):
            return math.nan, TEXT
        try:
            v = float(s.replace(",", "."))
        except ValueError:
            return math.nan, TEXT
    if math.isnan(v):
        return math.nan, MISSING
    if math.isinf(v):
        return math.nan, INFINITE if s.lstrip("+-").lower() in ("inf", "infinity") else TOO_LARGE
    return v, OK


def is_number(cell: str, decimal_comma: bool) -> bool:
    return classify(cell, decimal_comma)[1] in (OK, INFINITE, TOO_LARGE)


def _is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING_MARKERS


# --------------------------------------------------------------------- text -> records


def text_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of each non-blank record of a short text, cells stripped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    prev = 0
    try:
        for cells in reader:
            start, prev = prev + 1, reader.line_num
            cells = [c.strip() for c in cells]
            if any(cells):
                yield start, cells
    except csv.Error as exc:
        raise DataError(f"row {prev + 1}: the line cannot be read as CSV ({printable(exc, 80)})") from None


def sniff(head: str, complete: bool = False) -> str:
    """The separator that splits the first lines of ``head`` alike (``,`` if none does)."""
    lines = head.splitlines()
    if not complete:
        lines = lines[:-1] or lines  # the last line is probably cut
    sample = "\n".join(lines[:50])
    best, best_score = ",", None
    for rank, d in enumerate(DELIMITERS):
        try:
            counts = [len(cells) for _, cells in text_records(sample, d)]
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


def looks_like_header(rows: list[list[str]], decimal_comma: bool) -> bool:
    """Whether ``rows[0]`` names the columns of ``rows[1:]`` (cells stripped)."""
    first, body = rows[0], rows[1:]
    texts = [j for j, c in enumerate(first) if not _is_missing(c) and not is_number(c, decimal_comma)]
    if len(texts) == len(first) or (texts and not body):
        return True
    for j in texts:
        column = [r[j] for r in body if j < len(r) and not _is_missing(r[j])]
        if column and all(is_number(c, decimal_comma) for c in column):
            return True
    return False


def column_names(header: list[str] | None, width: int) -> tuple[str, ...]:
    """Names from the header cells (escaped, shortened, made unique) or ``col1`` ..."""
    if header is None:
        return tuple(f"col{j + 1}" for j in range(width))
    names: list[str] = []
    seen: Counter[str] = Counter()
    for j, cell in enumerate(header[:width]):
        name = printable(cell, 100) or f"col{j + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return tuple(names)


# ------------------------------------------------------------------------------ reader


def _floats(cells: tuple[str, ...] | list[str]) -> np.ndarray | None:
    """The cells as float64 (parsed as Python's float() does), or None if one is not a number."""
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        return None


def _bisect(cells: tuple[str, ...] | list[str], out: np.ndarray, budget: int) -> list[int] | None:
    """Convert ``cells`` into ``out`` by halves, so that NumPy converts every stretch of
    good cells; return the indices of the cells that are not numbers (their ``out`` is
    left unset), or None once more than ``budget`` are found (a column of text)."""
    bad: list[int] = []
    todo = [(0, len(cells))]
    while todo:
        a, b = todo.pop()
        v = _floats(cells[a:b])
        if v is not None:
            out[a:b] = v
        elif b - a == 1:
            bad.append(a)
            if len(bad) > budget:
                return None
        else:
            mid = (a + b) // 2
            todo += [(mid, b), (a, mid)]
    bad.sort()
    return bad


class _CellMemo:
    """The value, state and text of each distinct cell of one column, so that a column
    of class labels (a few distinct texts) is converted by lookups, not cell by cell."""

    LIMIT = 4 * MAX_LABELS

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.values: list[float] = []
        self.states: list[int] = []
        self.texts: list[str | None] = []  # stripped, for cells that are not numbers
        self._arrays: tuple[np.ndarray, np.ndarray, list[str | None]] | None = None

    def ids_of(self, col: tuple[str, ...], classify) -> np.ndarray | None:
        """The entry of each cell, or None when the column has too many distinct cells."""
        new = set(col).difference(self.ids)
        if len(self.ids) + len(new) > self.LIMIT:
            return None
        for cell in new:
            v, s = classify(cell)
            self.ids[cell] = len(self.values)
            self.values.append(v)
            self.states.append(s)
            self.texts.append(cell.strip() if s >= TEXT else None)
        if new:
            self._arrays = None
        return np.fromiter(map(self.ids.__getitem__, col), dtype=np.intp, count=len(col))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        if self._arrays is None:
            self._arrays = (np.array(self.values, dtype=np.float64),
                            np.array(self.states, dtype=np.uint8), self.texts)
        return self._arrays



class TableReader:
    """Reads one source into a :class:`CsvTable`; use :func:`read_table`."""

    def __init__(self, source: TextSource, name: str) -> None:
        self.source = source
        self.name = name
        self.delimiter = sniff(source.head, complete=len(source.head) < 65536)
        self.decimal_comma = self.delimiter != ","
        self.classify = functools.lru_cache(maxsize=4096)(
            functools.partial(classify, decimal_comma=self.decimal_comma))
        self.blocks: list[Block] = []
        self.examples: dict[tuple[int, int], list[tuple[int, str]]] = {}
        self.row_counts: Counter[str] = Counter()
        self.row_examples: dict[str, list[Problem]] = {"columns": [], "quote": []}
        self.n_good = 0
        self.m = 0
        self.trailing = False
        self.labels: list[dict[str, int] | None] = []
        self.memos: list[_CellMemo | None] = []

    # -- records ---------------------------------------------------------------------------------
    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` of each non-blank record, cells not yet stripped.

        The csv module reads lines from 1 MB chunks of text (split in C, by
        ``io.StringIO``); between chunks, a record that has not ended during a whole
        chunk is refused, so no record grows past about 2 MB before it is stopped.
        """
        stream = self.source.stream()
        last = [0]  # reader.line_num when the latest record ended
        holder: list = []  # the reader, once made

        def chunks() -> Iterator[io.StringIO]:
            handed = -1  # reader.line_num when the previous chunk was handed out
            while True:
                text = stream.read(CHUNK_CHARS)
                if not text:
                    return
                if text[-1] != "\n":  # end the chunk at the end of a line (\r\n kept whole)
                    rest = stream.readline(MAX_RECORD_CHARS)
                    if len(rest) >= MAX_RECORD_CHARS and rest[-1] not in "\r\n":
                        raise _RunawayRecord
                    text += rest
                if handed >= 0 and last[0] <= handed:
                    raise _RunawayRecord  # no record ended in the whole previous chunk
                handed = holder[0].line_num
                self.source.check()
                yield io.StringIO(text, newline="")

        reader = csv.reader(itertools.chain.from_iterable(chunks()), delimiter=self.delimiter)
        holder.append(reader)
        try:
            for cells in reader:
                start = last[0] + 1
                last[0] = reader.line_num
                if cells and (cells[0].strip() or "".join(cells).strip()):
                    yield start, cells
        except _RunawayRecord:
            raise DataError(f"row {last[0] + 1} is longer than {MAX_RECORD_CHARS:,} characters "
                            "(a quote that is never closed?); this does not look like a table") from None
        except csv.Error as exc:
            raise DataError(f"row {last[0] + 1}: the line cannot be read as CSV ({printable(exc, 80)})") from None
        except (UnicodeDecodeError, OSError) as exc:
            raise self.source.read_error(exc) from None

    # -- the whole table ------------------------------------------------------------------------
    def read(self) -> CsvTable:
        records = self.records()
        sample: list[tuple[int, list[str]]] = []
        n_cells = 0
        for line, cells in records:
            if len(cells) > MAX_COLUMNS and not sample:
                raise DataError(f"the first row has {len(cells):,} values; at most {MAX_COLUMNS:,} "
                                "columns are supported")
            sample.append((line, cells))
            n_cells += len(cells)
            if len(sample) >= SAMPLE_ROWS or n_cells >= SAMPLE_CELLS:
                break
        if not sample:
            raise DataError("the file is empty")
        m = len(sample[0][1])
        stripped = [[c.strip() for c in cells] for _, cells in sample]
        # a trailing separator on every line: decide the header without the empty column
        trailing = m >= 2 and all(len(c) == m and not c[-1] for c in stripped)
        width = m - 1 if trailing else m
        if width < 2:
            raise DataError("found only 1 column: a data file needs at least one input column and one "
                            "target column, separated by commas, semicolons or tabs")
        header = looks_like_header([c[:width] for c in stripped], self.decimal_comma)
        header_cells = stripped[0] if header else None

        self.m = m
        self.trailing = trailing
        self.labels = [{} for _ in range(m)]
        self.memos: list[_CellMemo | None] = [_CellMemo() for _ in range(m)]
        self.texty = [False] * m  # the column's last chunk had too many bad cells to halve
        rows_per_chunk = max(16, CHUNK_CELLS // m)
        rows: list[list[str]] = []
        lines: list[int] = []
        body = iter(sample[1:] if header else sample)
        for source in (body, records):
            for line, cells in source:
                if len(cells) != m:
                    self._ragged(line, cells)
                    continue
                rows.append(cells)
                lines.append(line)
                if len(rows) >= rows_per_chunk:
                    self._flush(rows, lines)
                    rows, lines = [], []
                    self.source.check()
        if rows:
            self._flush(rows, lines)
        self.source.check()

        if self.trailing and not self.row_counts:
            self._drop_last_column()
        width = self.m
        names = column_names(header_cells, width)
        shown_header = tuple(printable(c, 40) for c in header_cells[:width]) if header_cells else ()
        return CsvTable(
            name=self.name, column_names=names, header=header, delimiter=self.delimiter,
            blocks=self.blocks, labels=self.labels, examples=self.examples,
            row_counts=dict(self.row_counts), row_examples=self.row_examples, header_cells=shown_header,
        )

    def _ragged(self, line: int, cells: list[str]) -> None:
        kind = "quote" if any("\n" in c or "\r" in c for c in cells) else "columns"
        self.row_counts[kind] += 1
        self.trailing = False
        if len(self.row_examples[kind]) < EXAMPLES:
            self.row_examples[kind].append(Problem(kind, line, None, None, found=len(cells)))
        self._check_rows()

    def _check_rows(self) -> None:
        if self.n_good + sum(self.row_counts.values()) > MAX_ROWS:
            raise DataError(f"the file has more than {MAX_ROWS:,} data rows; that is more than "
                            "this program can train on at a useful speed: take a sample of it")

    # -- a chunk of rows -------------------------------------------------------------------------
    def _flush(self, rows: list[list[str]], line_list: list[int]) -> None:
        r, m = len(rows), self.m
        lines = np.array(line_list, dtype=np.int32 if line_list[-1] < 2**31 - 1 else np.int64)
        values = np.empty((r, m), dtype=np.float64)
        states = np.zeros((r, m), dtype=np.uint8)
        codes: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for j, col in enumerate(zip(*rows)):
            v, st, c = self._convert(j, col)
            values[:, j] = v
            if st is not None:
                states[:, j] = st
                self._remember(j, col, st, lines)
                if c is None and self.labels[j] is not None and bool(np.any(st >= TEXT)):
                    c = self._codes(j, col, st >= TEXT)
                if c is not None and self.labels[j] is not None:
                    at = np.flatnonzero(c >= 0).astype(np.int32)  # kept sparse: few cells, or a label column
                    codes[j] = (at, c[at].astype(np.int16))
            if j == m - 1 and self.trailing:
                self.trailing = not "".join(col).strip()
        self.blocks.append(Block(lines, values, states, codes))
        self.n_good += r
        self._check_rows()

    def _convert(self, j: int, col: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """``(values, states, codes)`` of one column chunk: states None if every cell is a
        number; codes (of the non-number cells' labels) when they came for free."""
        numbers: tuple[str, ...] | list[str] = col
        v = _floats(col)
        if v is None and self.decimal_comma:
            numbers = [c.replace(",", ".") for c in col]
            v = _floats(numbers)
        if v is not None:
            return v, self._check_finite(v, col, None), None
        # a chunk holding text: a column of labels has few distinct cells, look them up
        memo = self.memos[j]
        if memo is not None:
            ids = memo.ids_of(col, self.classify)
            if ids is not None:
                values, states, texts = memo.arrays()
                codes = None
                if self.labels[j] is not None:
                    codes = self._label_codes(j, texts)
                    codes = None if codes is None else codes[ids]
                return values[ids], states[ids], codes
            self.memos[j] = None
        # numbers with a few bad cells: NumPy converts the good stretches, found by halving
        if not self.texty[j]:
            v = np.empty(len(col), dtype=np.float64)
            bad = _bisect(numbers, v, BISECT_BUDGET)
            if bad is not None:
                st = np.zeros(len(col), dtype=np.uint8)
                for i in bad:
                    v[i], st[i] = self.classify(col[i])
                return v, self._check_finite(v, col, st), None
        # mostly text: every cell on its own (and halve the next chunk only if this one
        # turns out to have few bad cells after all)
        pairs = list(map(self.classify, col))
        vals, sts = zip(*pairs)
        st = np.array(sts, dtype=np.uint8)
        self.texty[j] = np.count_nonzero(st) > BISECT_BUDGET
        return np.array(vals, dtype=np.float64), st, None

    def _check_finite(self, v: np.ndarray, col: tuple[str, ...], st: np.ndarray | None) -> np.ndarray | None:
        """Classify the cells that converted to NaN or infinity (missing, "inf", 1e999)."""
        bad = ~np.isfinite(v)
        if st is not None:
            bad &= st == OK
        if not bad.any():
            return st
        if st is None:
            st = np.zeros(len(v), dtype=np.uint8)
        for i in np.flatnonzero(bad):
            v[i], st[i] = self.classify(col[i])
        return st

    def _label_codes(self, j: int, texts: list[str | None]) -> np.ndarray | None:
        """The label code of each memo entry of column ``j`` (-1 for numbers and missing)."""
        index = self.labels[j]
        assert index is not None
        out = np.full(len(texts), -1, dtype=np.int32)
        for e, text in enumerate(texts):
            if text is None:
                continue
            code = index.get(text)
            if code is None:
                if len(index) >= MAX_LABELS:
                    self._forget_labels(j)
                    return None
                code = index[text] = len(index)
            out[e] = code
        return out

    def _forget_labels(self, j: int) -> None:
        self.labels[j] = None
        for b in self.blocks:
            b.codes.pop(j, None)

    def _remember(self, j: int, col: tuple[str, ...], st: np.ndarray, lines: np.ndarray) -> None:
        """Keep the first few bad cells of each kind in column ``j``, as they are shown."""
        for s in np.unique(st[st != OK]):
            kept = self.examples.setdefault((j, int(s)), [])
            need = EXAMPLES - len(kept)
            if need <= 0:
                continue
            for i in np.flatnonzero(st == s)[:need]:
                kept.append((int(lines[i]), printable(col[i].strip(), SAMPLE_TEXT)))

    def _codes(self, j: int, col: tuple[str, ...], textish: np.ndarray) -> np.ndarray | None:
        """The label code of each non-number cell of column ``j`` (-1 elsewhere); None,
        and the column's labels forgotten, once it has more than MAX_LABELS texts."""
        index = self.labels[j]
        assert index is not None
        idx = np.flatnonzero(textish)
        out = []
        for i in idx:
            text = col[i].strip()
            code = index.get(text)
            if code is None:
                if len(index) >= MAX_LABELS:
                    self._forget_labels(j)
                    return None
                code = index[text] = len(index)
            out.append(code)
        codes = np.full(len(col), -1, dtype=np.int32)
        codes[idx] = out
        return codes

    def _drop_last_column(self) -> None:
        self.m -= 1
        m = self.m
        for b in self.blocks:
            b.values = np.ascontiguousarray(b.values[:, :m])
            b.states = np.ascontiguousarray(b.states[:, :m])
            b.codes.pop(m, None)
        self.examples = {k: v for k, v in self.examples.items() if k[0] < m}
        self.labels = self.labels[:m]


def read_table(source: TextSource, name: str = "") -> CsvTable:
    """Read all of ``source`` into a :class:`CsvTable` (see the module notes)."""
    return TableReader(source, name).read()
