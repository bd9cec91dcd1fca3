"""The command line: new, train, info, export, --version, errors and exit codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import nnstudio
from nnstudio import __main__ as entry
from nnstudio.cli import EXAMPLES, Progress, main, write_examples
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.project import load_project, trainer_from_project
from nnstudio.core.trainer import Trainer

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _new(tmp_path: Path, *extra: str, name: str = "p.nnproj") -> Path:
    path = tmp_path / name
    code = main(["new", str(path), "--data", "spiral", "--samples", "80", *extra])
    assert code == 0
    return path


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert "nnstudio: error:" in err and "Traceback" not in err, err
    return err


# ============================================================================ basics
def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"nnstudio {nnstudio.__version__}"


def test_help_and_no_command(capsys):
    assert main(["--help"]) == 0
    assert "train" in capsys.readouterr().out
    assert main(["train", "--help"]) == 0
    assert "--epochs" in capsys.readouterr().out


def test_without_arguments_the_missing_app_is_explained(capsys, monkeypatch):
    # a None entry makes "import nnstudio.app" fail as if the package were not there
    monkeypatch.setitem(sys.modules, "nnstudio.app", None)
    assert entry.main([]) == 2
    err = capsys.readouterr().err
    assert "the desktop app is not installed in this build" in err and "nnstudio --help" in err


def test_without_arguments_the_app_runs(monkeypatch):
    app = types.ModuleType("nnstudio.app")
    window = types.ModuleType("nnstudio.app.main_window")
    calls = []
    window.run = lambda argv: calls.append(argv[1:]) or 0
    app.main_window = window
    monkeypatch.setitem(sys.modules, "nnstudio.app", app)
    monkeypatch.setitem(sys.modules, "nnstudio.app.main_window", window)
    assert entry.main([]) == 0 and calls == [[]]
    # a project file alone opens the app with it (as a file manager calls it)
    assert entry.main(["spiral.nnproj"]) == 0 and calls[-1] == ["spiral.nnproj"]
    # whatever the case of its extension (a file saved on Windows as "Spiral.NNPROJ")
    assert entry.main(["Spiral.NNPROJ"]) == 0 and calls[-1] == ["Spiral.NNPROJ"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland systems only")
def test_without_a_display_the_app_is_not_started(capsys, monkeypatch):
    app = types.ModuleType("nnstudio.app")
    window = types.ModuleType("nnstudio.app.main_window")
    calls = []
    window.run = lambda argv: calls.append(argv[1:]) or 0
    app.main_window = window
    monkeypatch.setitem(sys.modules, "nnstudio.app", app)
    monkeypatch.setitem(sys.modules, "nnstudio.app.main_window", window)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert entry.main([]) == 2 and entry.main(["spiral.nnproj"]) == 2 and calls == []
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and lines[0] == lines[1] and "no display" in lines[0] and "--self-test" in lines[0]
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert entry.main([]) == 0 and calls == [[]]


def test_a_missing_qt_is_explained(capsys, monkeypatch):
    import importlib.abc
    import importlib.machinery

    class NoQt(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, name, path=None, target=None):
            if name == "nnstudio.app.main_window":
                return importlib.machinery.ModuleSpec(name, self)
            return None

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            raise ModuleNotFoundError("No module named 'PySide6'", name="PySide6")

    app = types.ModuleType("nnstudio.app")
    app.__path__ = []
    monkeypatch.setitem(sys.modules, "nnstudio.app", app)
    monkeypatch.delitem(sys.modules, "nnstudio.app.main_window", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoQt(), *sys.meta_path])
    assert entry.main([]) == 2
    err = capsys.readouterr().err
    assert "cannot start" in err and "PySide6" in err and "nnstudio --help" in err


def test_entry_point_passes_arguments_to_the_cli(capsys):
    assert entry.main(["--version"]) == 0
    assert nnstudio.__version__ in capsys.readouterr().out


# ============================================================================ new / info / train
def test_new_info_train_save_round(tmp_path, capsys):
    path = _new(tmp_path, "--hidden", "6,4", "--activation", "tanh,relu", "--dropout", "0,0.1",
                "--optimizer", "adam", "--lr", "0.01", "--seed", "5", "--description", "hello")
    assert "wrote" in capsys.readouterr().out
    p = load_project(path)
    assert [h.units for h in p.network.hidden] == [6, 4]
    assert [h.activation for h in p.network.hidden] == ["tanh", "relu"]
    assert p.network.hidden[1].dropout == 0.1 and p.train.optimizer == "adam" and p.train.seed == 5
    assert p.trainer_state.iteration == 0 and p.description == "hello"

    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 → 6 tanh → 4 relu (dropout 0.1) → 1 sigmoid" in out and "not trained yet" in out

    assert main(["train", str(path), "--epochs", "3", "--save"]) == 0
    out = capsys.readouterr().out
    for word in ("trained", "iterations/s", "training:", "validation:", "accuracy", "finished the 3 epochs",
                 "saved to"):
        assert word in out, out
    p2 = load_project(path)
    assert p2.trainer_state.epoch == 3 and p2.trainer_state.iteration > 0

    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "epoch 3" in out and "last epoch: loss" in out


def test_training_in_two_runs_equals_one_run(tmp_path, capsys):
    path = _new(tmp_path, "--dropout", "0.2", "--optimizer", "momentum")
    capsys.readouterr()
    straight = trainer_from_project(load_project(path))
    straight.run(epochs=4)
    assert main(["train", str(path), "--epochs", "2", "--save", "-q"]) == 0
    assert main(["train", str(path), "--iterations", "5", "--save", "-q"]) == 0
    assert main(["train", str(path), "--epochs", "2", "--out", str(tmp_path / "o.nnproj"), "-q"]) == 0
    assert capsys.readouterr().out == ""
    resumed = trainer_from_project(load_project(tmp_path / "o.nnproj"))
    assert resumed.epoch == 4
    assert resumed.network.params.tobytes() == straight.network.params.tobytes()
    assert load_project(path).trainer_state.iteration == straight.iterations_per_epoch * 2 + 5


def test_train_without_save_leaves_the_file_alone(tmp_path, capsys):
    path = _new(tmp_path)
    before = path.read_bytes()
    assert main(["train", str(path), "--iterations", "7"]) == 0
    assert "finished the 7 iterations" in capsys.readouterr().out
    assert path.read_bytes() == before


def test_regression_summary_shows_r2(tmp_path, capsys):
    path = tmp_path / "line.nnproj"
    assert main(["new", str(path), "--data", "line", "--samples", "50", "--hidden", "none", "--lr", "0.1",
                 "--loss", "huber", "--huber-delta", "0.5"]) == 0
    assert load_project(path).network.loss == "huber"
    assert main(["train", str(path), "--epochs", "5"]) == 0
    assert "R²" in capsys.readouterr().out


def test_divergence_exits_1_and_does_not_save(tmp_path, capsys):
    path = tmp_path / "boom.nnproj"
    assert main(["new", str(path), "--data", "line", "--samples", "40", "--hidden", "16,16", "--activation",
                 "relu", "--optimizer", "sgd", "--lr", "1000", "--batch-mode", "full"]) == 0
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["train", str(path), "--epochs", "50", "--save"]) == 1
    err = _error(capsys)
    assert "diverged" in err and "learning rate" in err and "not saved" in err
    assert path.read_bytes() == before


def test_an_early_stopped_project_has_nothing_to_do(tmp_path, capsys):
    path = _new(tmp_path, "--early-stopping", "target", "--target-metric", "accuracy", "--target-value", "0")
    assert main(["train", str(path), "--epochs", "5", "--save"]) == 0
    assert "target reached" in capsys.readouterr().out
    assert main(["train", str(path), "--epochs", "5"]) == 0
    assert "already stopped" in capsys.readouterr().err
    assert main(["train", str(path), "--epochs", "1", "--reset", "--lr", "0.05", "-q"]) == 0


def test_csv_projects(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    f = tmp_path / "d.csv"
    f.write_text("a,b,c,kind\n" + "\n".join(f"{float(r[0])},{float(r[1])},{float(r[2])},{'yes' if r[0] > 0 else 'no'}"
                                           for r in X) + "\n")
    path = tmp_path / "c.nnproj"
    assert main(["new", str(path), "--csv", str(f), "--target", "kind", "--hidden", "4", "--standardize"]) == 0
    f.unlink()
    assert main(["train", str(path), "--epochs", "2", "--save"]) == 0
    assert main(["info", str(path)]) == 0
    assert "a copy of its rows is stored" in capsys.readouterr().out


def test_ctrl_c_stops_after_the_iteration_and_still_saves(tmp_path, capsys, monkeypatch):
    import signal

    path = _new(tmp_path)
    real_step = Trainer.step
    calls = []

    def step(self):
        calls.append(1)
        if len(calls) == 25:
            os.kill(os.getpid(), signal.SIGINT)  # as if the user pressed Ctrl-C
        return real_step(self)
    monkeypatch.setattr(Trainer, "step", step)
    before = signal.getsignal(signal.SIGINT)
    assert main(["train", str(path), "--epochs", "1000", "--save"]) == 130
    assert signal.getsignal(signal.SIGINT) is before
    out = capsys.readouterr().out
    assert "interrupted (Ctrl-C)" in out and "saved to" in out
    assert load_project(path).trainer_state.iteration == len(calls)


def test_a_second_ctrl_c_stops_at_once_without_saving(tmp_path, capsys, monkeypatch):
    path = _new(tmp_path)
    before = path.read_bytes()

    def step(self):
        raise KeyboardInterrupt
    monkeypatch.setattr(Trainer, "step", step)
    assert main(["train", str(path), "--save"]) == 130
    assert "nothing was saved" in _error(capsys)
    assert path.read_bytes() == before


# ============================================================================ errors
@pytest.mark.parametrize("args,fragment", [
    (["--hidden", "8,x"], "--hidden takes whole numbers"),
    (["--hidden", "8,,8"], "separated by commas"),
    (["--activation", "wiggle"], "unknown activation 'wiggle'"),
    (["--activation", "tanh,relu,relu"], "one per layer"),
    (["--lr", "-1"], "learning rate must be greater than 0"),
    (["--lr", "nan"], "finite"),
    (["--dropout", "1.5"], "dropout"),
    (["--data", "nope"], "unknown data 'nope'"),
    (["--samples", "2"], "number of samples"),
    (["--features", "x1,x9"], "unknown input feature"),
    (["--loss", "bce", "--data", "line"], "does not fit a regression task"),
    (["--csv", "/no/such/file.csv"], "file.csv"),
])
def test_bad_options_exit_2_with_a_message(tmp_path, capsys, args, fragment):
    path = tmp_path / "x.nnproj"
    assert main(["new", str(path), *args]) == 2
    assert fragment in _error(capsys)
    assert not path.exists()


def test_argparse_errors_exit_2(tmp_path, capsys):
    assert main(["train"]) == 2
    assert "nnstudio: error:" in capsys.readouterr().err
    assert main(["new", str(tmp_path / "a"), "--samples", "many"]) == 2
    assert "invalid int value" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "a"), "--to", "caffe"]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["train", "x", "--epochs", "1", "--iterations", "2"]) == 2


def test_existing_file_needs_force(tmp_path, capsys):
    path = _new(tmp_path)
    assert main(["new", str(path)]) == 2
    assert "--force" in _error(capsys)
    assert main(["new", str(path), "--force", "--samples", "60"]) == 0


def test_missing_corrupt_and_folder_projects(tmp_path, capsys):
    for cmd in (["train"], ["info"], ["export", "--to", "pytorch"]):
        assert main([cmd[0], str(tmp_path / "missing.nnproj"), *cmd[1:]]) == 2
        assert "there is no project file" in _error(capsys)
    bad = tmp_path / "bad.nnproj"
    bad.write_bytes(b"PK\x03\x04garbage")
    assert main(["train", str(bad)]) == 2
    assert "not an nnstudio project" in _error(capsys)
    assert main(["info", str(tmp_path)]) == 2
    assert "is a folder" in _error(capsys)
    path = _new(tmp_path)
    assert main(["train", str(path), "--epochs", "0"]) == 2
    assert "at least 1" in _error(capsys)
    assert main(["train", str(path), "--out", str(tmp_path / "no" / "dir.nnproj"), "--iterations", "1"]) == 2
    assert "does not exist" in _error(capsys)


# ============================================================================ export
def test_export_to_stdout_and_file(tmp_path, capsys):
    path = _new(tmp_path, "--features", "x1,x2,x1^2", "--standardize")
    assert main(["train", str(path), "--iterations", "10", "--save", "-q"]) == 0
    capsys.readouterr()
    assert main(["export", str(path), "--to", "pytorch"]) == 0
    code = capsys.readouterr().out
    compile(code, "x.py", "exec")
    assert "MEAN = np.array(" in code and "x1 * x1" in code and "WEIGHTS = [" in code
    out = tmp_path / "model-keras.py"
    assert main(["export", str(path), "--to", "keras", "-o", str(out), "--epochs", "9"]) == 0
    assert "wrote" in capsys.readouterr().err
    text = out.read_text()
    compile(text, str(out), "exec")
    assert "EPOCHS = 9" in text and "model_keras" in text


# ============================================================================ progress
def test_progress_bar_on_a_terminal_and_plain_lines_elsewhere():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    bar = Progress(100, tty, interval=0.0)
    for i in range(1, 101):
        bar.update(i, "loss 1")
    bar.close()
    assert "\r[" in tty.getvalue() and "100%" in tty.getvalue() and tty.getvalue().endswith("\n")

    plain = io.StringIO()
    bar = Progress(1000, plain)
    for i in range(1, 1001):
        bar.update(i, "x")
    bar.update(1000, "x", force=True)
    lines = plain.getvalue().splitlines()
    assert len(lines) == 10 and lines[-1].startswith("100%") and "\r" not in plain.getvalue()

    quiet = io.StringIO()
    bar = Progress(10, quiet, enabled=False)
    bar.update(10, "x", force=True)
    bar.close()
    assert quiet.getvalue() == ""


# ============================================================================ real processes
def test_python_m_nnstudio_in_a_subprocess(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(nnstudio.__file__).resolve().parents[1]))
    run = subprocess.run([sys.executable, "-m", "nnstudio", "--version"], capture_output=True, text=True,
                         timeout=60, env=env)
    assert run.returncode == 0 and run.stdout.strip() == f"nnstudio {nnstudio.__version__}"

    path = _new(tmp_path)
    run = subprocess.run([sys.executable, "-m", "nnstudio", "train", str(path), "--iterations", "40", "--save"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0, run.stderr
    assert "finished the 40 iterations" in run.stdout and "saved to" in run.stdout
    assert "100%" in run.stderr and "\r" not in run.stderr  # not a terminal: plain lines
    assert load_project(path).trainer_state.iteration == 40

    run = subprocess.run([sys.executable, "-m", "nnstudio", "train", str(tmp_path / "nope.nnproj")],
                         capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 2 and run.stderr.startswith("nnstudio: error:") and "Traceback" not in run.stderr


# ============================================================================ examples
def test_sample_projects_load_train_and_match_their_recipe(tmp_path):
    files = sorted(EXAMPLES_DIR.glob("*.nnproj"))
    assert {f.stem for f in files} == set(EXAMPLES)
    fresh = {p.stem: load_project(p) for p in write_examples(tmp_path)}
    for f in files:
        p = load_project(f)
        q = fresh[f.stem]
        assert (p.network, p.train, p.data, p.description) == (q.network, q.train, q.data, q.description), f.stem
        assert p.weights.tobytes() == q.weights.tobytes()
        t = trainer_from_project(p)
        assert t.iteration == 0
        t.run(iterations=5)
        assert not t.stopped


def test_the_default_example_is_spiral_with_two_tanh_layers():
    p = load_project(EXAMPLES_DIR / "spiral.nnproj")
    assert p.data.name == "spiral" and [h.activation for h in p.network.hidden] == ["tanh", "tanh"]
    ref = Trainer(p.network, p.train, prepare(DataSpec.from_dict(p.data.to_dict())))
    assert np.array_equal(ref.network.params, p.weights)


# ============================================================================ memory
def test_new_refuses_a_network_too_big_to_train(tmp_path, capsys):
    path = tmp_path / "big.nnproj"
    code = main(["new", str(path), "--data", "spiral", "--samples", "80", "--hidden", ",".join(["2048"] * 50),
                 "--activation", "relu", "--optimizer", "adam"])
    assert code == 2
    err = _error(capsys)
    assert "this network would need about " in err and " GB to train (" in err
    assert "the limit is 2 GB: use fewer or smaller layers" in err
    assert not path.exists()


def test_new_says_how_much_memory_training_takes(tmp_path, capsys):
    _new(tmp_path, "--hidden", "8,8")
    out = capsys.readouterr().out
    assert " parameters (about " in out and " MB to train)" in out


def test_train_refuses_a_saved_network_too_big_to_train(tmp_path, capsys):
    import dataclasses

    from nnstudio.core.project import save_project
    from nnstudio.core.specs import LayerSpec

    path = _new(tmp_path)
    project = load_project(path)
    # a file made elsewhere (or by hand): small enough to save (under 3 million parameters),
    # too big to train: 60 layers of 220 neurons, no weights yet
    big = dataclasses.replace(project.network, hidden=(LayerSpec(220, "tanh"),) * 60)
    save_project(path, dataclasses.replace(project, network=big, weights=None, trainer_state=None, history=None))
    capsys.readouterr()
    assert main(["train", str(path), "--epochs", "1"]) == 2
    err = _error(capsys)
    assert "this network would need about " in err and "the limit is 2 GB" in err
    assert "does not fit" not in err  # not mistaken for data that does not fit the network


def test_error_messages_are_escaped_and_bounded(tmp_path, capsys):
    bad = tmp_path / ("\x1b[31mred" + "x" * 50 + ".nnproj")
    bad.write_bytes(b"not a project")
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b" in err
    assert len(err) < 400
