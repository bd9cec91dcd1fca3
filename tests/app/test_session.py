"""Never losing trained work: whole-run undo, exact rewinds, and saving with a dead engine."""

from __future__ import annotations

import time

import numpy as np
import pytest

from nnstudio.app.main_window import MainWindow
from nnstudio.core.network import flat_index
from nnstudio.core.project import load_project
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


def flat(snap) -> np.ndarray:
    return np.concatenate([w.ravel() for w in snap.weights] + [b.ravel() for b in snap.biases])


def steps(qtbot, w, n: int) -> None:
    start = w.controller.snapshot.iteration
    for _ in range(n):
        w.act_step.trigger()
    wait_snapshot(qtbot, w, lambda s: s.iteration == start + n and not s.playing)


def test_undoing_an_architecture_change_brings_back_the_trained_run(qtbot, window):
    steps(qtbot, window, 25)
    trained = wait_snapshot(qtbot, window, lambda s: s.iteration == 25)
    window.doc.edit_layer(0, "Neurons", units=5)
    wait_snapshot(qtbot, window, lambda s: s.iteration == 0 and s.layer_sizes[1] == 5)
    steps(qtbot, window, 7)
    after = wait_snapshot(qtbot, window, lambda s: s.iteration == 7)
    window.act_undo.trigger()
    back = wait_snapshot(qtbot, window, lambda s: s.layer_sizes[1] == 8)
    assert back.iteration == 25 and window.doc.network.hidden[0].units == 8
    np.testing.assert_array_equal(flat(back), flat(trained))
    np.testing.assert_array_equal(back.iter_log, trained.iter_log)  # the history too
    assert back.optimizer_state.keys() == trained.optimizer_state.keys()
    for key, value in trained.optimizer_state.items():
        np.testing.assert_array_equal(back.optimizer_state[key], value)
    window.act_redo.trigger()
    again = wait_snapshot(qtbot, window, lambda s: s.layer_sizes[1] == 5)
    assert again.iteration == 7
    np.testing.assert_array_equal(flat(again), flat(after))


def test_training_after_an_undo_is_not_lost_by_redo_and_undo(qtbot, window):
    steps(qtbot, window, 5)
    window.doc.edit_layer(1, "Neurons", units=3)
    wait_snapshot(qtbot, window, lambda s: s.layer_sizes[2] == 3)
    window.act_undo.trigger()
    wait_snapshot(qtbot, window, lambda s: s.layer_sizes[2] == 8 and s.iteration == 5)
    steps(qtbot, window, 4)  # train on the restored run
    kept = wait_snapshot(qtbot, window, lambda s: s.iteration == 9)
    window.act_redo.trigger()
    wait_snapshot(qtbot, window, lambda s: s.layer_sizes[2] == 3)
    window.act_undo.trigger()
    back = wait_snapshot(qtbot, window, lambda s: s.layer_sizes[2] == 8)
    assert back.iteration == 9
    np.testing.assert_array_equal(flat(back), flat(kept))


def test_rewinding_across_a_rate_change_and_a_typed_weight_equals_a_headless_replay(qtbot, window):
    doc = window.doc
    spec, cfg, data = doc.network, doc.config, doc.prepared
    steps(qtbot, window, 12)
    doc.edit_config("Learning rate", "lr", learning_rate=0.2)
    steps(qtbot, window, 6)
    index = flat_index(spec.layer_sizes, 1, "W", 2, 3)
    window.session.set_weight(index, 0.75)
    wait_snapshot(qtbot, window, lambda s: s.weights[1][2, 3] == 0.75)
    steps(qtbot, window, 6)
    end = wait_snapshot(qtbot, window, lambda s: s.iteration == 24)

    ref = Trainer(spec, cfg, data)
    ref.run(iterations=12)
    ref.set_config(cfg.replace(learning_rate=0.2))
    ref.run(iterations=6)
    ref.set_weights([index], [0.75])
    ref.run(iterations=2)  # the state at iteration 20

    window.timeline.sigRewind.emit(20)
    back = wait_snapshot(qtbot, window, lambda s: s.iteration == 20)
    np.testing.assert_array_equal(flat(back), ref.network.get_flat())
    assert back.furthest_iteration == 24 and back.config.learning_rate == 0.2

    window.timeline.sigRewind.emit(10)  # before the rate change: the rate of the time comes back
    wait_snapshot(qtbot, window, lambda s: s.iteration == 10)
    assert window.doc.config.learning_rate == cfg.learning_rate
    assert window.training_panel is not None

    window.act_undo.trigger()  # a rewind is undone like any edit
    window.act_undo.trigger()
    undone = wait_snapshot(qtbot, window, lambda s: s.iteration == 24)
    np.testing.assert_array_equal(flat(undone), flat(end))
    assert window.doc.config.learning_rate == 0.2


def test_a_typed_weight_is_undoable(qtbot, window):
    snap = wait_snapshot(qtbot, window, lambda s: s.iteration == 0)
    before = flat(snap)
    index = flat_index(snap.layer_sizes, 0, "W", 0, 0)
    window.session.set_weight(index, 1.25)
    wait_snapshot(qtbot, window, lambda s: s.weights[0][0, 0] == 1.25)
    assert window.act_undo.text().startswith("&Undo Set weight 1→1 of layer 1")
    window.act_undo.trigger()
    back = wait_snapshot(qtbot, window, lambda s: s.weights[0][0, 0] != 1.25)
    np.testing.assert_array_equal(flat(back), before)


def test_save_after_the_engine_was_killed_keeps_the_trained_weights(qtbot, window, tmp_path):
    steps(qtbot, window, 15)
    trained = wait_snapshot(qtbot, window, lambda s: s.iteration == 15)
    qtbot.waitUntil(lambda: window.controller.saved_state is not None
                    and window.controller.saved_state[0].trainer_state.iteration == 15)
    window.controller.process.kill()
    window.controller.process.join(5)
    path = tmp_path / "after_crash.nnproj"
    t0 = time.monotonic()
    assert window.files.save_to(str(path))
    assert time.monotonic() - t0 < 1.5
    project = load_project(path)
    np.testing.assert_array_equal(project.weights, flat(trained))
    assert project.trainer_state.iteration == 15
    # and the engine came back on that state
    back = wait_snapshot(qtbot, window, lambda s: s.iteration == 15 and window.controller.process.is_alive())
    np.testing.assert_array_equal(flat(back), flat(trained))
    qtbot.waitUntil(lambda: window.banner_bar.isVisible() and "restarted" in window.banner.label.text())
