"""A project made with ``nnstudio train --compare`` holds run B: the window, which shows one
run, says so on opening and writes run B back unchanged when saving, while the data stay
the data B was trained on; after a data change it says that B is no longer saved."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.app.main_window import MainWindow
from nnstudio.core.comparison import Comparison
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.project import load_project, save_project
from nnstudio.core.project_comparison import project_from_comparison
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot

XOR = DataSpec(name="xor", n_samples=120, noise=0.1)


@pytest.fixture
def compared(tmp_path):
    a = Trainer(NetworkSpec(2, (LayerSpec(5, "tanh"),)), TrainConfig(learning_rate=0.1, batch_size=8), prepare(XOR))
    a.run(iterations=12)
    cmp = Comparison.fork(a, "lr=0.3")
    cmp.run(iterations=20)
    path = tmp_path / "compared.nnproj"
    save_project(path, project_from_comparison(cmp, XOR))
    return path, load_project(path).comparison


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


def test_run_b_is_announced_and_saved_back_unchanged(qtbot, window, compared, tmp_path):
    path, saved_b = compared
    assert window.files.open(str(path))
    wait_snapshot(qtbot, window, lambda s: s.iteration == 32)
    assert window.banner_bar.isVisible()
    assert "run B of a comparison (B: η = 0.3)" in window.banner.label.text()
    # train run A a little further, then save under another name
    window.act_step.trigger()
    wait_snapshot(qtbot, window, lambda s: s.iteration == 33)
    out = tmp_path / "again.nnproj"
    assert window.files.save_to(str(out))
    back = load_project(out)
    assert back.trainer_state.iteration == 33
    b = back.comparison
    assert b is not None and b.label == saved_b.label and b.changes == saved_b.changes
    np.testing.assert_array_equal(b.run.weights, saved_b.run.weights)
    assert b.run.trainer_state.iteration == saved_b.run.trainer_state.iteration == 32


def test_run_b_is_dropped_with_a_message_once_the_data_change(qtbot, window, compared, tmp_path):
    path, _ = compared
    assert window.files.open(str(path))
    opened = wait_snapshot(qtbot, window, lambda s: s.iteration == 32)
    window.data_panel.choose_generator("circle")
    wait_snapshot(qtbot, window, lambda s: s.data_recipe != opened.data_recipe)
    out = tmp_path / "circle.nnproj"
    assert window.files.save_to(str(out))
    assert load_project(out).comparison is None
    assert "no longer saved" in window.banner.label.text() and window.banner_bar.isVisible()
    assert load_project(path).comparison is not None  # the opened file keeps it
    # a new project forgets run B altogether
    window.files.new()
    assert window.files.kept_comparison is None
