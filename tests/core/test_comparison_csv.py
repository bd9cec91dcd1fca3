"""A comparison's loss curves and summaries as CSV."""
from __future__ import annotations

import csv
import io
import math

from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.core.comparison import Comparison
from nnstudio.core.export.comparison_csv import epochs_table, loss_curves_table, summary_table, table_csv, \
    write_comparison_csv
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def _data(n: int = 20):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n + 5, 2))
    y = np.sin(X[:, 0])
    return SimpleNamespace(X_train=X[:n], y_train=y[:n], X_val=X[n:], y_val=y[n:], task="regression", n_classes=0)


def _cmp(changes: str) -> Comparison:
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(3, "tanh"),), task="regression")
    return Comparison.fork(Trainer(spec, TrainConfig(batch_mode="full", learning_rate=0.05), _data()), changes)


def test_the_loss_table_holds_both_curves_with_empty_cells_where_a_run_had_stopped():
    cmp = _cmp("lr=1e9")
    cmp.run(iterations=6)
    header, rows = loss_curves_table(cmp)
    assert header == ["iteration", "loss_A", "loss_B", "lr_A", "lr_B"]
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    n_b = cmp.b.iteration
    assert n_b < 6 and all(r[2] is None and r[4] is None for r in rows[n_b:])
    np.testing.assert_array_equal([r[1] for r in rows], cmp.a.history.iterations.column("loss"))
    text = table_csv((header, rows))
    last = list(csv.reader(io.StringIO(text)))[-1]
    assert last[2] == "" and last[4] == "" and float(last[1]) == rows[-1][1]


def test_epochs_and_summary_tables():
    cmp = _cmp("batch_mode=minibatch batch_size=5")
    cmp.run(epochs=2)  # 2 epochs of A (full batch): B is kept at 2 iterations
    header, rows = epochs_table(cmp)
    assert header[:3] == ["epoch", "iteration_A", "loss_A"]
    assert rows[0][0] == 1 and rows[0][1] == 1 and rows[1][1] == 2
    assert cmp.b.iteration == 2 and rows[0][6] is None  # B has not ended an epoch (4 iterations each)
    _, summary = summary_table(cmp)
    by = {r[0]: r[1:] for r in summary}
    ev = cmp.b.evaluate()
    assert by["training r2"][1] == ev["metric"] and by["iterations"] == [2, 2]
    assert by["validation loss"] == [cmp.a.evaluate()["val_loss"], ev["val_loss"]]


def test_text_that_a_spreadsheet_would_run_is_quoted(tmp_path):
    cmp = _cmp("lr=0.1")
    cmp.label = "=HYPERLINK(\"http://x\")"
    cmp.note = "@SUM(A1)"
    cmp.step()
    files = write_comparison_csv(cmp, tmp_path / "out.csv")
    assert [f.name for f in files] == ["out_loss.csv", "out_epochs.csv", "out_summary.csv"]
    rows = list(csv.reader(open(tmp_path / "out_summary.csv", newline="", encoding="utf-8")))
    cells = [c for r in rows for c in r]
    assert "'=HYPERLINK(\"http://x\")" in cells and "'@SUM(A1)" in cells
    assert not any(c[:1] in "=@+" for c in cells if c)
    assert math.isfinite(float(rows[2][1]))


def test_the_tables_of_plain_logs_are_those_of_the_comparison(tmp_path):
    from nnstudio.core.export.comparison_csv import epochs_of, loss_curves_of, write_curves_csv

    cmp = _cmp("batch_mode=minibatch batch_size=5")
    cmp.run(iterations=9)
    logs = [r.history.iterations.array() for r in cmp.runs] + [r.history.epochs.array() for r in cmp.runs]
    assert loss_curves_of(logs[0], logs[1]) == loss_curves_table(cmp)
    assert epochs_of(logs[2], logs[3]) == epochs_table(cmp)
    files = write_curves_csv(*logs, tmp_path / "gui.csv")
    cli = write_comparison_csv(cmp, tmp_path / "cli.csv")
    assert [f.name for f in files] == ["gui_loss.csv", "gui_epochs.csv"]
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in cli[:2]]
    # a run that has not logged anything yet: its cells are empty, whatever the empty log's shape
    header, rows = loss_curves_of(logs[0], np.empty(0))
    assert len(rows) == 9 and all(r[2] is None and r[4] is None for r in rows)
    with pytest.raises(ValueError, match="3 columns"):
        loss_curves_of(logs[0], np.zeros((3, 2)))
