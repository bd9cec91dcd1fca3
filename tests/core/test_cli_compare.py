"""The command line's comparisons: new/train --compare, the two-column summary, CSV, errors."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.core.project import load_project, trainer_from_project
from nnstudio.core.project_comparison import comparison_from_project
from nnstudio.core.trainer import Trainer


def _new(tmp_path: Path, *extra: str) -> Path:
    path = tmp_path / "p.nnproj"
    assert main(["new", str(path), "--data", "spiral", "--samples", "80", "--seed", "5", *extra]) == 0
    return path


def _row(out: str, name: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith(name + " "))
    return line[len(name):].split()


def test_new_with_compare_then_train_prints_both_runs_side_by_side(tmp_path, capsys):
    path = _new(tmp_path, "--compare", "lr=0.3")
    assert "compares A with B: η = 0.3" in capsys.readouterr().out
    assert main(["train", str(path), "--iterations", "10", "--save"]) == 0
    out = capsys.readouterr().out
    project = load_project(path)
    cmp = comparison_from_project(project, trainer_from_project(project))
    alone_a = Trainer(cmp.a.spec, cmp.a.config, cmp.a.data)
    alone_a.run(iterations=10)
    alone_b = Trainer(cmp.a.spec, cmp.a.config.replace(learning_rate=0.3), cmp.a.data)
    alone_b.run(iterations=10)
    # the saved runs are bit for bit the headless ones
    assert cmp.a.network.params.tobytes() == alone_a.network.params.tobytes()
    assert cmp.b.network.params.tobytes() == alone_b.network.params.tobytes()
    header = out.splitlines()[0].split()
    assert header == ["A", "B:", "η", "=", "0.3"]
    assert _row(out, "iterations") == ["10", "10"]
    ea, eb = alone_a.evaluate(), alone_b.evaluate()
    assert _row(out, "loss") == [f"{ea['loss']:.4g}", f"{eb['loss']:.4g}"]
    assert _row(out, "accuracy") == [f"{100 * ea['metric']:.1f}%", f"{100 * eb['metric']:.1f}%"]
    assert _row(out, "val loss") == [f"{ea['val_loss']:.4g}", f"{eb['val_loss']:.4g}"]
    assert _row(out, "val accuracy") == [f"{100 * ea['val_metric']:.1f}%", f"{100 * eb['val_metric']:.1f}%"]
    assert len(_row(out, "time")) == 4  # "0.01 s 0.01 s"
    assert "saved both runs" in out
    main(["info", str(path)])
    assert "compare:  B: η = 0.3; B at iteration 10" in capsys.readouterr().out


def test_train_compare_forks_b_from_the_present_state_and_writes_csv(tmp_path, capsys):
    path = _new(tmp_path, "--batch-size", "8")
    assert main(["train", str(path), "--iterations", "7", "--save", "-q"]) == 0
    capsys.readouterr()
    assert main(["train", str(path), "--iterations", "12", "--compare", "optimizer=adam", "--compare", "lr=0.01",
                 "--csv", str(tmp_path / "run.csv")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[1:] == "B: Adam instead of Gradient descent (SGD), η = 0.01".split()
    assert "iteration 7" in out and "empty memory" in out
    assert _row(out, "iterations") == ["19", "19"]
    with open(tmp_path / "run_loss.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["iteration", "loss_A", "loss_B", "lr_A", "lr_B"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 20)]
    assert rows[1][1] == rows[1][2]  # shared past: the same loss before the fork
    # iteration 8 is B's first: the same weights give the same loss, B's η moves them
    assert rows[7][1:] == [rows[7][1], rows[7][1], "0.03", "0.03"]
    assert rows[8][1] == rows[8][2] and rows[8][3:] == ["0.03", "0.01"]
    assert rows[9][1] != rows[9][2]
    with open(tmp_path / "run_summary.csv", newline="") as fh:
        summary = {r[0]: r[1:] for r in csv.reader(fh)}
    assert summary["iterations"] == ["19", "19"]
    assert (tmp_path / "run_epochs.csv").exists()
    assert load_project(path).comparison is None  # not saved: no --save


@pytest.mark.parametrize("argv, fragment", [
    (["--compare", "colour=red"], "--compare: unknown setting 'colour'"),
    (["--compare", "lr"], "--compare: 'lr' is not a change; write setting=value"),
    (["--compare", "lr=abc"], "--compare: learning_rate must be a number, not 'abc'"),
    (["--compare", "lr=0"], "--compare: the learning rate must be greater than 0"),
    (["--compare", "dropout=0.1,0.2,0.3"], "--compare: dropout has 3 values but the network has 2"),
    (["--compare", "hidden=5000"], "--compare: a layer can have at most 4096 neurons"),
    (["--csv", "x.csv"], "--csv writes the tables of a comparison; add --compare"),
])
def test_bad_compare_options_get_a_clear_message(tmp_path, capsys, argv, fragment):
    path = _new(tmp_path)
    capsys.readouterr()
    assert main(["train", str(path), "--iterations", "2", *argv]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_new_with_a_bad_compare_writes_nothing(tmp_path, capsys):
    path = tmp_path / "bad.nnproj"
    assert main(["new", str(path), "--compare", "optimizer=\x1b[2J"]) == 2
    err = capsys.readouterr().err
    assert "unknown optimizer" in err and "\x1b" not in err
    assert not path.exists()


def test_lr_on_a_project_with_a_comparison_is_refused(tmp_path, capsys):
    path = _new(tmp_path, "--compare", "l2=0.01")
    capsys.readouterr()
    assert main(["train", str(path), "--lr", "0.1"]) == 2
    assert "this project compares two" in capsys.readouterr().err


def test_a_run_that_diverges_does_not_stop_the_other(tmp_path, capsys):
    path = _new(tmp_path, "--compare", "lr=1e9", "--batch-mode", "full")
    assert main(["train", str(path), "--iterations", "30", "--save"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "iterations")[0] == "30" and int(_row(out, "iterations")[1]) < 30
    assert "B: the loss" in out or "B: the gradients" in out or "B: the weights" in out
    p = load_project(path)
    assert p.trainer_state.iteration == 30 and p.comparison.run.trainer_state.stopped
    np.testing.assert_array_equal(np.isfinite(p.comparison.run.weights), True)
