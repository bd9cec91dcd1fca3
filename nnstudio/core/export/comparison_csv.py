"""A comparison's loss curves and summaries as CSV files (for a spreadsheet or a report).

Three tables, each with a run-A and a run-B column per quantity:

* **loss curves**: ``iteration, loss_A, loss_B, lr_A, lr_B`` — the per-iteration batch
  loss as the loss view draws it (long runs are thinned: a row then holds the mean of
  ``stride`` iterations, at their mean iteration); a run without a value at an
  iteration (it stopped earlier) has an empty cell;
* **epochs**: ``epoch``, then per run the iteration the epoch ended at, training loss and
  metric (accuracy, or R² for regression) and validation loss and metric;
* **summary**: one row per quantity, columns ``quantity, A, B`` (see
  :meth:`~nnstudio.core.comparison.Comparison.summary`).

Numbers are written with ``repr`` (they read back bit for bit; ``nan`` where there is
none). Text cells that a spreadsheet would take for a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) are prefixed with ``'``: a label may
come from a file someone else made.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import safefile
from ..comparison import Comparison

Table = tuple[list[str], list[list[Any]]]

#: the files :func:`write_comparison_csv` writes, after the stem of the path given
PARTS = ("loss", "epochs", "summary")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _join(rows_a: np.ndarray, rows_b: np.ndarray, columns: Sequence[int]) -> list[list[Any]]:
    """Rows keyed by their first column, A's columns then B's; a missing side is empty."""
    a = {float(r[0]): r for r in rows_a}
    b = {float(r[0]): r for r in rows_b}
    out = []
    for x in sorted(set(a) | set(b)):
        row: list[Any] = [int(x) if float(x).is_integer() else x]
        for side in (a, b):
            r = side.get(x)
            row += [None if r is None else float(r[c]) for c in columns]
        out.append(row)
    return out


def loss_curves_table(comparison: Comparison) -> Table:
    """``iteration, loss_A, loss_B, lr_A, lr_B`` (see the module notes)."""
    a, b = comparison.runs
    return loss_curves_of(a.history.iterations.array(), b.history.iterations.array())


def loss_curves_of(iter_a: np.ndarray, iter_b: np.ndarray) -> Table:
    """The loss-curves table of two iteration logs (``History.iterations`` rows:
    iteration, loss, lr; e.g. ``Snapshot.iter_log`` of run A and of run B)."""
    rows = _join(_rows(iter_a, 3), _rows(iter_b, 3), (1, 2))
    # columns grouped by quantity: loss A, loss B, lr A, lr B
    rows = [[r[0], r[1], r[3], r[2], r[4]] for r in rows]
    return ["iteration", "loss_A", "loss_B", "lr_A", "lr_B"], rows


def epochs_table(comparison: Comparison) -> Table:
    """``epoch`` and per run ``iteration, loss, metric, val_loss, val_metric``."""
    a, b = comparison.runs
    return epochs_of(a.history.epochs.array(), b.history.epochs.array())


def epochs_of(epochs_a: np.ndarray, epochs_b: np.ndarray) -> Table:
    """The epochs table of two epoch logs (``History.epochs`` rows: epoch, iteration,
    loss, val_loss, metric, val_metric, lr; e.g. ``Snapshot.epoch_log`` of A and of B)."""
    cols = (1, 2, 4, 3, 5)  # iteration, loss, metric, val_loss, val_metric (History.EPOCH_COLUMNS)
    names = ("iteration", "loss", "metric", "val_loss", "val_metric")
    header = ["epoch"] + [f"{n}_A" for n in names] + [f"{n}_B" for n in names]
    rows = _join(_rows(epochs_a, 7), _rows(epochs_b, 7), cols)
    for r in rows:
        for k in (1, 1 + len(names)):
            if r[k] is not None:
                r[k] = int(r[k])
    return header, rows


def _rows(log: np.ndarray, width: int) -> np.ndarray:
    """``log`` as a float array of ``width`` columns; an empty log (of any shape) as none.

    Raises
    ------
    ValueError
        If a non-empty log has fewer columns than ``width``.
    """
    arr = np.asarray(log, dtype=np.float64)
    if arr.size == 0:
        return np.empty((0, width))
    if arr.ndim != 2 or arr.shape[1] < width:
        raise ValueError(f"a log needs {width} columns, not shape {arr.shape}")
    return arr


def summary_table(comparison: Comparison) -> Table:
    """``quantity, A, B``: label, losses and metrics now, iterations, epochs, seconds, stop."""
    s = comparison.summary()
    metric = "r2" if comparison.a.spec.task == "regression" else "accuracy"
    keys = [("label", "label"), ("last batch loss", "batch_loss"), ("training loss", "loss"),
            (f"training {metric}", "metric"), ("validation loss", "val_loss"),
            (f"validation {metric}", "val_metric"), ("iterations", "iterations"), ("epochs", "epochs"),
            ("seconds trained", "seconds"), ("stopped", "stopped")]
    rows = [[name, s["A"][key], s["B"][key]] for name, key in keys]
    rows.append(["B differs by", "", comparison.label])
    rows.append(["how B was made", "", comparison.note])
    return ["quantity", "A", "B"], rows


def table_csv(table: Table) -> str:
    """A table as CSV text (see the module notes for how cells are written)."""
    header, rows = table
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([_cell(h) for h in header])
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()


def write_comparison_csv(comparison: Comparison, path: str | Path) -> list[Path]:
    """Write ``<stem>_loss.csv``, ``<stem>_epochs.csv`` and ``<stem>_summary.csv`` beside
    ``path`` (e.g. ``run.csv`` → ``run_loss.csv``, ...); returns the files written.

    Raises
    ------
    OSError
        If a file cannot be written.
    """
    tables = {"loss": loss_curves_table(comparison), "epochs": epochs_table(comparison),
              "summary": summary_table(comparison)}
    return _write_tables(tables, path)


def write_curves_csv(iter_a: np.ndarray, iter_b: np.ndarray, epochs_a: np.ndarray, epochs_b: np.ndarray,
                     path: str | Path) -> list[Path]:
    """Write ``<stem>_loss.csv`` and ``<stem>_epochs.csv`` beside ``path`` from the two runs'
    logs (the window has a comparison's logs, not the comparison); returns the files written.
    The files are those :func:`write_comparison_csv` writes for the same logs.

    Raises
    ------
    OSError
        If a file cannot be written.
    """
    tables = {"loss": loss_curves_of(iter_a, iter_b), "epochs": epochs_of(epochs_a, epochs_b)}
    return _write_tables(tables, path)


def _write_tables(tables: dict[str, Table], path: str | Path) -> list[Path]:
    p = Path(path)
    stem = p.name[:-4] if p.name.lower().endswith(".csv") else p.name
    out = []
    for part in PARTS:
        if part in tables:
            target = p.with_name(f"{stem}_{part}.csv")
            # replaced only once complete; a FIFO or a folder of that name is refused, not waited on
            safefile.write_atomic(target, table_csv(tables[part]).encode("utf-8"))
            out.append(target)
    return out


__all__ = ["PARTS", "epochs_of", "epochs_table", "loss_curves_of", "loss_curves_table", "summary_table", "table_csv",
           "write_comparison_csv", "write_curves_csv"]
