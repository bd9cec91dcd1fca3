"""A CSV file read once into arrays, from which problems and data sets are made.

:class:`CsvTable` holds every well-formed data row as numbers and a state per cell
(a number, missing, text, infinite, too large), in blocks of a few thousand rows,
plus the text of cells that are not numbers in columns with few distinct texts (they
may be class labels). From it, for any choice of target column and of "classes or
numbers", :meth:`CsvTable.problems` says what is wrong (in milliseconds, without
reading the file again) and :meth:`CsvTable.dataset` builds the :class:`Dataset`,
with or without the bad rows.

Memory: 9 bytes per cell (a float64 and a state byte) and 4 per row, so a 50 MB file
of ten numeric columns takes about 60 MB here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from ..errors import DataError, SpecError
from ..safetext import printable
from .csvproblems import KINDS, ROW_KINDS, CsvProblems, KindCount, Problem, quoted
from .dataset import Dataset, task_for_classes

# the state of a cell
OK, MISSING, TEXT, INFINITE, TOO_LARGE = 0, 1, 2, 3, 4
STATE_KIND = {MISSING: "missing", TEXT: "text", INFINITE: "infinite", TOO_LARGE: "too_large"}

MAX_AUTO_CLASSES = 10  # a numeric target with at most this many integer values is a class label
MAX_CLASSES = 100
MIN_ROWS = 4
#: problems listed per kind (and cells remembered per column and kind while reading)
EXAMPLES = 50
#: distinct texts remembered per column (more cannot be class labels; int16 codes)
MAX_LABELS = 1000
#: problems in the first rows listed for marking a preview
MAX_EARLY = 2000

_WHOLE_TEXT_HINT = (" (the whole column is text; input columns must hold numbers:"
                    " remove it, or make it the target)")
_TARGET_TEXT_HINT = " (the target is read as numbers; read it as classes instead)"


@dataclass(eq=False)
class Block:
    """A few thousand consecutive well-formed rows.

    Attributes
    ----------
    lines : ndarray, shape (r,), int32 (int64 past 2**31 lines)
        The file line where each row starts.
    values : ndarray, shape (r, m), float64
        The number in each cell; NaN where the state is not OK.
    states : ndarray, shape (r, m), uint8
        OK, MISSING, TEXT, INFINITE or TOO_LARGE.
    codes : dict of int to (ndarray, ndarray)
        For columns whose non-number cells are remembered: the rows of those cells
        (int32) and the index of each one's text in :attr:`CsvTable.labels` (int16).
    """

    lines: np.ndarray
    values: np.ndarray
    states: np.ndarray
    codes: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


@dataclass(eq=False)
class _Plan:
    """What a choice of target means: which rows are kept and what is wrong."""

    target: int
    mode: str  # "regression", "classes" (numbers as class labels) or "text" (labels)
    keeps: list[np.ndarray]
    n_kept: int
    problems: CsvProblems
    structural: str | None  # fatal whatever is skipped (empty, too few rows)
    classes: str | None  # fatal about the classes of the kept rows


class CsvTable:
    """The cells of a CSV file; made by :func:`nnstudio.core.data.read_csv_table`.

    Attributes
    ----------
    name : str
        The data set's name (the file name without suffix).
    column_names : tuple of str
        From the header (escaped, made unique) or ``col1``, ``col2``, ...
    header : bool
        Whether the first row was read as a header.
    delimiter : str
    n_rows : int
        Data rows, including those with the wrong number of values.
    labels : list of (dict of str to int) or None
        Per column, the distinct texts of its non-number cells, or None when there
        are too many to be class labels.
    """

    def __init__(
        self,
        *,
        name: str,
        column_names: tuple[str, ...],
        header: bool,
        delimiter: str,
        blocks: list[Block],
        labels: list[dict[str, int] | None],
        examples: dict[tuple[int, int], list[tuple[int, str]]],
        row_counts: dict[str, int],
        row_examples: dict[str, list[Problem]],
        header_cells: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.column_names = column_names
        self.header = header
        self.header_cells = header_cells
        self.delimiter = delimiter
        self.blocks = blocks
        self.labels = labels
        self.examples = examples
        self.row_counts = row_counts
        self.row_examples = row_examples
        self.n_good = sum(len(b.lines) for b in blocks)
        self.n_rows = self.n_good + sum(row_counts.values())
        self._plans: dict[tuple[object, object], _Plan] = {}

    @property
    def width(self) -> int:
        return len(self.column_names)

    # -- the target column -------------------------------------------------------------------------
    def target_index(self, target: str | int | None) -> int:
        """The column index for ``target`` (a name, a 0-based index, negative from the
        end, or None for the last column)."""
        names, m = self.column_names, self.width
        if target is None:
            return m - 1
        if isinstance(target, bool) or not isinstance(target, (str, Integral)):
            raise SpecError(f"the target column must be a column name or number, not {printable(repr(target), 60)}")
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
        shown = ", ".join(names[:12]) + (f", … ({m} in all)" if m > 12 else "")
        raise DataError(f"there is no column named {quoted(printable(target, 60))}; the columns are: {shown}")

    # -- problems ----------------------------------------------------------------------------------
    def problems(self, target: str | int | None = None, categorical: bool | None = None) -> CsvProblems:
        """Everything wrong with the file when ``target`` is the column to predict.

        Parameters are those of :func:`nnstudio.core.data.load_csv`.

        Raises
        ------
        DataError
            If there is no such target column.
        SpecError
            If ``target`` or ``categorical`` is of the wrong type.
        """
        return self._plan(target, categorical).problems

    def dataset(
        self,
        target: str | int | None = None,
        categorical: bool | None = None,
        *,
        skip_bad_rows: bool = False,
        consume: bool = False,
    ) -> Dataset:
        """The data set for this choice of target.

        Parameters
        ----------
        target, categorical
            As for :func:`nnstudio.core.data.load_csv`.
        skip_bad_rows : bool
            Leave out every row with a problem instead of refusing the file.
        consume : bool
            Free this table's arrays once the data set's are taken (it cannot be used
            again); saves memory when the table is not needed any more.

        Raises
        ------
        DataError
            With the report's :meth:`~CsvProblems.message` if the file has problems
            (and they are not skipped), or if what is left cannot be used.
        """
        plan = self._plan(target, categorical)
        report = plan.problems
        if report.total and not skip_bad_rows:
            raise DataError(report.message())
        if plan.structural:
            raise DataError(plan.structural)
        if plan.n_kept < MIN_ROWS:
            n = plan.n_kept
            raise DataError(f"only {n} row{'s' * (n != 1)} of {report.n_rows:,} have no problems; "
                            f"at least {MIN_ROWS} are needed")
        if plan.classes:
            raise DataError(plan.classes)
        features = tuple(n for j, n in enumerate(self.column_names) if j != plan.target)
        X, y, task, class_names = self._arrays(plan, consume)
        if task == "regression":
            return Dataset(X, y, "regression", features, name=self.name)
        return Dataset(X, y, task, features, class_names, name=self.name)

    # -- the plan for one choice ---------------------------------------------------------------------
    def _plan(self, target: str | int | None, categorical: bool | None) -> _Plan:
        if categorical is not None and not isinstance(categorical, bool):
            raise SpecError(f"categorical must be True, False or None (automatic), "
                            f"not {printable(repr(categorical), 60)}")
        t = self.target_index(target)
        key = (t, categorical)
        if key not in self._plans:
            self._plans = {key: self._make_plan(t, categorical)}  # only the latest is kept
        return self._plans[key]

    def _make_plan(self, t: int, categorical: bool | None) -> _Plan:
        m = self.width
        inputs = np.array([j for j in range(m) if j != t], dtype=np.intp)
        has_text = any(bool(np.any(b.states[:, t] == TEXT)) for b in self.blocks)
        if categorical is False:
            mode = "regression"
        elif has_text:
            mode = "text"
        else:
            mode = "classes" if categorical else "auto"

        keeps: list[np.ndarray] = []
        input_counts = np.zeros(5, dtype=np.int64)
        target_counts = np.zeros(5, dtype=np.int64)
        numeric = np.zeros(m, dtype=np.int64)
        for b in self.blocks:
            s_in = b.states[:, inputs]
            s_t = b.states[:, t]
            t_bad = (s_t == MISSING) if mode == "text" else (s_t != OK)
            keeps.append(~((s_in != OK).any(axis=1) | t_bad))
            input_counts += np.bincount(s_in.ravel(), minlength=5)
            target_counts += np.bincount(s_t[t_bad], minlength=5)
            numeric += np.count_nonzero((b.states == OK) | (b.states >= INFINITE), axis=0)
        n_kept = int(sum(int(k.sum()) for k in keeps))

        if mode == "auto":
            values = self._target_values(t, keeps, ok_only=True)
            uniq = np.unique(values)
            whole = bool(np.all(uniq == np.floor(uniq)))
            mode = "classes" if whole and 0 < len(uniq) <= MAX_AUTO_CLASSES and len(uniq) < n_kept else "regression"

        counts = {kind: 0 for kind in KINDS}
        for state, kind in STATE_KIND.items():
            counts[kind] = int(input_counts[state] + target_counts[state])
        for kind in ROW_KINDS:
            counts[kind] = self.row_counts.get(kind, 0)

        target_bad_states = {MISSING} if mode == "text" else set(STATE_KIND)
        kinds = []
        for kind in KINDS:
            if not counts[kind]:
                continue
            kinds.append(KindCount(kind, counts[kind], self._kind_examples(kind, t, target_bad_states)))
        bad_rows = self.n_rows - n_kept

        first = None
        firsts = [k.examples[0] for k in kinds if k.examples]
        if firsts:
            first = self._describe(min(firsts, key=lambda p: p.order), t, mode, numeric)

        structural = self._structural()
        task, class_names, classes_error = None, (), None
        if n_kept:
            task, class_names, classes_error = self._classes(t, mode, keeps)
        report = CsvProblems(
            column_names=self.column_names, target=t, task=task, class_names=class_names[:MAX_CLASSES],
            n_rows=self.n_rows, bad_rows=bad_rows, kinds=tuple(kinds), first=first,
            fatal=structural or classes_error, early=self._early(t, mode),
        )
        return _Plan(t, mode, keeps, n_kept, report, structural, classes_error)

    def _structural(self) -> str | None:
        if self.n_rows == 0:
            if not self.header:
                return "the file is empty"
            shown = ", ".join(self.header_cells[:12]) + (", …" if len(self.header_cells) > 12 else "")
            return f"the file has a header row ({shown}) but no data rows"
        if self.n_rows < MIN_ROWS:
            n = self.n_rows
            return f"the file has only {n} data row{'s' * (n != 1)}; at least {MIN_ROWS} are needed"
        return None

    def _kind_examples(self, kind: str, t: int, target_bad_states: set[int]) -> tuple[Problem, ...]:
        if kind in ROW_KINDS:
            return tuple(self.row_examples.get(kind, ())[:EXAMPLES])
        state = next(s for s, k in STATE_KIND.items() if k == kind)
        found: list[Problem] = []
        for j in range(self.width):
            if j == t and state not in target_bad_states:
                continue
            found.extend(Problem(kind, line, j, text) for line, text in self.examples.get((j, state), ()))
        found.sort(key=lambda p: p.order)
        return tuple(found[:EXAMPLES])

    def _describe(self, p: Problem, t: int, mode: str, numeric: np.ndarray) -> str:
        """The message for one problem, worded as the loader always worded it."""
        if p.kind == "columns":
            origin = "the header" if self.header else "the first row"
            return (f"row {p.line}: {p.found} values, but {origin} has {self.width} "
                    "(a missing or extra separator, or a text cell with a separator that is not quoted?)")
        if p.kind == "quote":
            return f'row {p.line}: a quoted cell runs over several lines; is a closing quote (") missing?'
        assert p.column is not None and p.text is not None
        where = f"row {p.line}, column {quoted(self.column_names[p.column])}"
        cell = quoted(p.text)
        if p.kind == "missing":
            shown = "an empty cell" if not p.text else cell
            return f"{where}: missing value ({shown}); fill it in or delete the row"
        if p.kind == "text":
            hint = ""
            if p.column == t:
                hint = _TARGET_TEXT_HINT
            elif numeric[p.column] == 0:
                hint = _WHOLE_TEXT_HINT
            return f"{where}: {cell} is not a number{hint}"
        if p.kind == "infinite":
            return f"{where}: {cell} is an infinite value; only finite numbers can be used"
        return f"{where}: {cell} is too large (it overflows to an infinite value)"

    def _early(self, t: int, mode: str) -> tuple[Problem, ...]:
        """Every problem in the first EXAMPLES rows (their texts are all remembered)."""
        found: list[Problem] = []
        texts = {(line, j): text for (j, _s), cells in self.examples.items() for line, text in cells}
        left, last_line = EXAMPLES, 0
        for b in self.blocks:
            if left <= 0:
                break
            states = b.states[:left]
            bad = states != OK
            if mode == "text":
                bad[:, t] = states[:, t] == MISSING
            for i, j in zip(*np.nonzero(bad)):
                if len(found) >= MAX_EARLY:
                    break
                line = int(b.lines[i])
                found.append(Problem(STATE_KIND[int(states[i, j])], line, int(j), texts.get((line, int(j)))))
            if len(states):
                last_line = int(b.lines[len(states) - 1])
            left -= len(states)
        complete = left > 0  # the whole table was looked at
        for kind in ROW_KINDS:
            found.extend(p for p in self.row_examples.get(kind, ()) if complete or p.line <= last_line)
        found.sort(key=lambda p: p.order)
        return tuple(found)

    # -- classes ---------------------------------------------------------------------------------------
    def _target_values(self, t: int, keeps: list[np.ndarray], ok_only: bool = False) -> np.ndarray:
        parts = []
        for b, k in zip(self.blocks, keeps):
            sel = k & (b.states[:, t] == OK) if ok_only else k
            parts.append(b.values[sel, t])
        return np.concatenate(parts) if parts else np.empty(0)

    def _text_codes(self, t: int, keeps: list[np.ndarray]) -> np.ndarray | None:
        """Codes of the kept target cells that are text (-1 for the others), or None
        when the column's texts were too many to remember."""
        if self.labels[t] is None:
            return None
        parts = []
        for b, k in zip(self.blocks, keeps):
            full = np.full(len(b.lines), -1, dtype=np.int32)
            if t in b.codes:
                at, codes = b.codes[t]
                full[at] = codes
            parts.append(full[k])
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)

    def _class_names(self, t: int, uniq: np.ndarray, used: np.ndarray):
        """``(names, number_class, text_class)`` for text labels: the class names sorted
        as text, and the class of each distinct number and of each text code."""
        texts_of = {c: s for s, c in (self.labels[t] or {}).items()}
        entries = [(_number_name(v), 0, i) for i, v in enumerate(uniq)]
        entries += [(texts_of[int(c)], 1, int(c)) for c in used]
        entries.sort()
        names = _unique_names([printable(e[0], 100) for e in entries])
        number_class = np.empty(len(uniq), dtype=np.int64)
        text_class = np.full(len(texts_of), -1, dtype=np.int64)
        for k, (_name, is_text, i) in enumerate(entries):
            if is_text:
                text_class[i] = k
            else:
                number_class[i] = k
        return names, number_class, text_class

    def _classes(self, t: int, mode: str, keeps: list[np.ndarray]):
        """``(task, class_names, error)`` of the kept rows."""
        if mode == "regression":
            return "regression", (), None
        name = quoted(self.column_names[t])

        def too_many(k: str):
            return None, (), (f"the target column {name} has {k} different values; at most "
                              f"{MAX_CLASSES} classes are supported (is it a name or an id column?)")

        uniq = np.unique(self._target_values(t, keeps, ok_only=True))
        used = np.empty(0, dtype=np.int32)
        if mode == "text":
            codes = self._text_codes(t, keeps)
            if codes is None:
                return too_many(f"more than {MAX_LABELS:,}")
            used = np.unique(codes[codes >= 0])
        k = len(uniq) + len(used)
        if k > MAX_CLASSES:
            return too_many(f"{k:,}")
        if mode == "classes":
            names = [_number_name(v) for v in uniq]  # by value: 2 before 10
        else:
            names = self._class_names(t, uniq, used)[0]
        if k < 2:
            only = quoted(names[0]) if names else "none"
            return None, tuple(names), (f"the target column {name} has only one class ({only}); "
                                        "classification needs examples of at least two classes")
        return task_for_classes(k), tuple(names), None

    # -- arrays --------------------------------------------------------------------------------------
    def _arrays(self, plan: _Plan, consume: bool) -> tuple[np.ndarray, np.ndarray, str, tuple[str, ...]]:
        """``(X, y, task, class_names)`` of the kept rows; with ``consume``, each block is
        freed as soon as its rows are copied, so the table and X are never both whole."""
        t, keeps = plan.target, plan.keeps
        y, task, class_names = self._targets(plan)
        inputs = np.array([j for j in range(self.width) if j != t], dtype=np.intp)
        X = np.empty((plan.n_kept, len(inputs)), dtype=np.float64)
        pos = 0
        if consume:
            blocks, keeps = self.blocks, plan.keeps
            self.blocks, plan.keeps = [], []
            self._plans.clear()
            blocks.reverse()  # popped from the end: in file order
            keeps.reverse()
            while blocks:
                pos = _copy_rows(blocks.pop(), keeps.pop(), inputs, X, pos)
        else:
            for b, k in zip(self.blocks, keeps):
                pos = _copy_rows(b, k, inputs, X, pos)
        return X, y, task, class_names

    def _targets(self, plan: _Plan) -> tuple[np.ndarray, str, tuple[str, ...]]:
        t, keeps = plan.target, plan.keeps
        values = self._target_values(t, keeps)
        if plan.mode == "regression":
            return values, "regression", ()
        uniq = np.unique(values[~np.isnan(values)])
        if plan.mode == "classes":
            y = np.searchsorted(uniq, values).astype(np.int64)
            return y, task_for_classes(len(uniq)), tuple(_number_name(v) for v in uniq)
        codes = self._text_codes(t, keeps)
        assert codes is not None  # the plan checked that the labels are known
        is_text = codes >= 0
        names, number_class, text_class = self._class_names(t, uniq, np.unique(codes[is_text]))
        y = np.empty(len(values), dtype=np.int64)
        y[is_text] = text_class[codes[is_text]]
        if len(uniq):
            y[~is_text] = number_class[np.searchsorted(uniq, values[~is_text])]
        return y, task_for_classes(len(names)), tuple(names)


def _copy_rows(b: Block, keep: np.ndarray, inputs: np.ndarray, X: np.ndarray, pos: int) -> int:
    rows = b.values[keep]
    np.take(rows, inputs, axis=1, out=X[pos:pos + len(rows)])
    return pos + len(rows)


def _number_name(v: float) -> str:
    """A class named by a number: ``2`` for whole numbers, else the shortest repr."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _unique_names(names: list[str]) -> list[str]:
    """Names made distinct (escaping and shortening could make two texts look alike)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


__all__ = ["Block", "CsvTable", "MAX_CLASSES", "MIN_ROWS"]
