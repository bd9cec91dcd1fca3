"""The problems found in a CSV file, all at once: what kind, how many, and where.

A :class:`CsvProblems` report is plain data. The CLI shows :meth:`CsvProblems.message`
(the first problem, named by row and column as before, then how many more of each
kind); the import dialog shows the counts per kind, lists the first few of each,
and marks the cells of its preview with :attr:`CsvProblems.early`.

Rows are the 1-based line numbers of the file, as a text editor or spreadsheet shows
them; columns are 0-based indices into :attr:`CsvProblems.column_names`. Every text
taken from the file (cells, column names) is already escaped and shortened with
:func:`nnstudio.core.safetext.printable`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..safetext import MESSAGE_LIMIT, bounded

#: the kinds of problem, in the order they are listed
KINDS = ("columns", "quote", "text", "missing", "infinite", "too_large")
#: kinds that make a whole row unreadable (the other kinds are about one cell)
ROW_KINDS = ("columns", "quote")

_LABELS = {
    "columns": ("row with the wrong number of values", "rows with the wrong number of values"),
    "quote": ("quoted cell that runs over several lines", "quoted cells that run over several lines"),
    "text": ("text cell where a number is needed", "text cells where numbers are needed"),
    "missing": ("missing value", "missing values"),
    "infinite": ("infinite value", "infinite values"),
    "too_large": ("number too large to use", "numbers too large to use"),
}

#: what to do about each kind, for tooltips and the dialog's list
ADVICE = {
    "columns": "a missing or extra separator, or a text cell with a separator that is not quoted?",
    "quote": 'is a closing quote (") missing?',
    "text": "input columns must hold numbers",
    "missing": "fill it in or delete the row",
    "infinite": "only finite numbers can be used",
    "too_large": "it overflows to an infinite value",
}


def kind_label(kind: str, count: int) -> str:
    """``"3 missing values"``, ``"1 row with the wrong number of values"``."""
    one, many = _LABELS[kind]
    return f"{count:,} {one if count == 1 else many}"


def quoted(text: str) -> str:
    """An already escaped value in quotes, as messages show cells and names."""
    return f"'{text}'"


@dataclass(frozen=True)
class Problem:
    """One problem at one place in the file.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    line : int
        The 1-based line of the file where the row starts.
    column : int or None
        The 0-based column, or None when the whole row is wrong.
    text : str or None
        The cell as found (stripped, escaped, shortened); ``""`` for an empty cell;
        None for whole-row problems.
    found : int
        For ``"columns"``: how many values the row has; else 0.
    """

    kind: str
    line: int
    column: int | None
    text: str | None = None
    found: int = 0

    @property
    def order(self) -> tuple[int, int]:
        return self.line, -1 if self.column is None else self.column


@dataclass(frozen=True)
class KindCount:
    """How many problems of one kind, and the first few of them in file order."""

    kind: str
    count: int
    examples: tuple[Problem, ...]

    @property
    def label(self) -> str:
        return kind_label(self.kind, self.count)


@dataclass(frozen=True)
class CsvProblems:
    """Everything wrong with a CSV file for one choice of target column.

    Attributes
    ----------
    column_names : tuple of str
    target : int
        The target column's index.
    task : str or None
        What the data would be (``"regression"``, ``"binary"``, ``"multiclass"``), or
        None when that cannot be told (no usable rows).
    class_names : tuple of str
        The classes found in the usable rows (classification only; at most 100 listed).
    n_rows : int
        Data rows in the file (blank lines and the header not counted).
    bad_rows : int
        Rows with at least one problem; "skip bad rows" leaves ``n_rows - bad_rows``.
    kinds : tuple of KindCount
        The kinds that occur, in :data:`KINDS` order.
    first : str or None
        The message for the first problem in the file (it names row and column).
    fatal : str or None
        A reason the data cannot be used even without its bad rows (an empty file,
        too few rows, one class only, ...).
    early : tuple of Problem
        Every problem in the first rows of the file (at least the first 50 data rows),
        for marking the cells of a preview.
    """

    column_names: tuple[str, ...]
    target: int
    task: str | None
    class_names: tuple[str, ...]
    n_rows: int
    bad_rows: int
    kinds: tuple[KindCount, ...]
    first: str | None
    fatal: str | None
    early: tuple[Problem, ...] = ()

    @property
    def total(self) -> int:
        """Number of problems of every kind."""
        return sum(k.count for k in self.kinds)

    @property
    def good_rows(self) -> int:
        return self.n_rows - self.bad_rows

    @property
    def usable(self) -> bool:
        """True when the file loads as it is (no problems, nothing fatal)."""
        return self.fatal is None and self.total == 0

    def count(self, kind: str) -> int:
        return next((k.count for k in self.kinds if k.kind == kind), 0)

    def summary(self) -> str:
        """One line: ``"5 problems in 4 of 1,000 rows: 2 missing values, 3 text cells …"``."""
        if not self.kinds:
            return "No problems found."
        n = self.total
        rows = f"{self.bad_rows:,} of {self.n_rows:,} row{'s' * (self.n_rows != 1)}"
        parts = ", ".join(k.label for k in self.kinds)
        return f"{n:,} problem{'s' * (n != 1)} in {rows}: {parts}"

    def message(self, limit: int = MESSAGE_LIMIT - 60) -> str:
        """The error message for this file: the first problem as before (or the fatal
        reason), then how many more of each kind. Bounded (room is left for the file's
        name in front) and escaped."""
        if self.first is None:
            return bounded(self.fatal or "no problems found", limit)
        others = [(k.kind, k.count - (1 if k.examples and self._is_first(k) else 0)) for k in self.kinds]
        others = [(kind, c) for kind, c in others if c > 0]
        text = self.first
        if others:
            n = sum(c for _, c in others)
            more = f"; {n:,} more problem{'s' * (n != 1)} in the file"
            listed = ", ".join(kind_label(kind, c) for kind, c in others)
            # the count of each kind if it fits, else only how many more (never cut off)
            text += f"{more} ({listed})" if len(text) + len(more) + len(listed) + 3 <= limit else more
        return bounded(text, limit)

    def _is_first(self, k: KindCount) -> bool:
        firsts = [kc.examples[0] for kc in self.kinds if kc.examples]
        return bool(firsts) and min(firsts, key=lambda p: p.order) is k.examples[0]

    def first_problem(self) -> Problem | None:
        """The first problem in file order."""
        firsts = [kc.examples[0] for kc in self.kinds if kc.examples]
        return min(firsts, key=lambda p: p.order) if firsts else None


__all__ = ["ADVICE", "KINDS", "ROW_KINDS", "CsvProblems", "KindCount", "Problem", "kind_label", "quoted"]
