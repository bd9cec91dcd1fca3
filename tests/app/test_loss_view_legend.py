"""The loss view's legend names only what is drawn, in the window where a learner's clicks
take it: while two runs are compared it says when each run's validation points come
(run A's single-run legend always did; B's read "validation (thin)" with nothing drawn
until B's first epoch ended), and a run whose validation loss is past what the plot
draws says so instead of naming an invisible curve."""

from __future__ import annotations

import math
import os
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app.document import default_state
from nnstudio.app.views.loss_run_b import DRAW_LIMIT
from nnstudio.app.views.loss_view import LossView
from nnstudio.core.data import prepare
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, open_window, wait_snapshot

SHOTS = os.environ.get("NNSTUDIO_SHOTS")  # a folder: save the screenshots a reviewer looks at


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot)
    yield w
    discard_and_close(w)


def _legend(view) -> list[str]:
    return [label.text for _, label in view.legend.items]


def _points(curve) -> int:
    x, y = curve.getData()
    return 0 if x is None else int(np.isfinite(np.asarray(y, dtype=float)).sum())


def _shot(w, name: str) -> None:
    """The window, and its loss view alone (its legend readable at the window's size)."""
    if SHOTS:
        QApplication.processEvents()
        w.grab().save(os.path.join(SHOTS, f"{name}_{w.width()}x{w.height()}.png"))
        w.loss_view.grab().save(os.path.join(SHOTS, f"{name}_{w.width()}x{w.height()}_view.png"))


def _choose(box, key) -> None:
    box.setCurrentIndex(box.findData(key))  # as picking it from the list does


def _diverging_setup(qtbot, w, lr: float) -> None:
    """Plane data, linear layers, SGD on the full batch at ``lr``: at η = 10 one step is one
    epoch, whose validation loss is ~10¹⁷ (finite, past what the plot draws)."""
    qtbot.mouseClick(w.data_panel.thumbs[("generator", "plane")], Qt.MouseButton.LeftButton)
    for card in w.network_panel.cards:
        _choose(card.activation, "linear")
    _choose(w.training_panel.optimizer, "sgd")
    _choose(w.training_panel.batch_mode, "full")
    w.training_panel.lr.spin.setValue(lr)
    wait_snapshot(qtbot, w, lambda s: s.task == "regression" and s.iteration == 0 and s.lr == lr
                  and s.activations[:-1] == ("linear", "linear"))


def test_run_b_says_when_its_validation_points_come(qtbot, window):
    """B with batches of 5 has 64 iterations an epoch, A (batches of 10) 32: after A's first
    epoch only A's validation loss is drawn, and the legend says B's comes after its epoch 1."""
    w, view = window, window.loss_view
    assert view.isVisible()
    w.comparison.start("batch_size=5")
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None and s.iteration == 0)
    assert snap.has_validation and snap.b.has_validation
    _shot(w, "loss_legend_pair_start")
    assert _legend(view) == ["A", "B: batch size = 5", "validation (thin, after epoch 1)"]
    # on screen at 1366×768, where B's row of counters leaves the view 5 px less than one
    # run has: the x axis's title (the "x axis" box says it) made room for it
    qtbot.waitUntil(lambda: view.legend.isVisible() and view.legend.scene() is not None)
    assert view.plot.getAxis("bottom").shown_title == "" and view.vb.height() >= view.COMPACT_PLOT
    w.act_epoch.trigger()
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None and len(s.epoch_log) == 1)
    assert snap.iteration == 32 and len(snap.b.epoch_log) == 0
    assert _points(view.curve_val) == 1 and _points(view.run_b.curve_val) == 0
    _shot(w, "loss_legend_pair_b_pending")
    assert _legend(view)[-1] == "validation (thin; B after epoch 1)"
    assert view.legend.columnCount == 3  # one row above the plot
    w.act_epoch.trigger()
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None and len(s.epoch_log) == 2)
    assert len(snap.b.epoch_log) == 1 and _points(view.run_b.curve_val) == 1
    assert _legend(view)[-1] == "validation (thin)"


def test_a_validation_loss_past_the_drawing_is_not_named_as_drawn(qtbot, window):
    w, view = window, window.loss_view
    _diverging_setup(qtbot, w, 10.0)
    w.act_step.trigger()
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 1 and len(s.epoch_log) == 1)
    assert snap.epoch_log[0, 3] > DRAW_LIMIT  # the state this test is about
    assert _points(view.curve_val) == 0
    _shot(w, "loss_legend_diverged")
    assert _legend(view) == ["batch loss", "training", "validation (too large to draw)"]
    assert view.legend.isVisible() and view.legend.columnCount == 3
    w.act_step.trigger()  # the loss explodes: training stops
    wait_snapshot(qtbot, w, lambda s: s.stopped)
    assert _legend(view)[-1] == "validation (too large to draw)"
    view.set_log_y(True)
    assert _legend(view)[-1] == "validation (too large to draw)" and _points(view.curve_val) == 0
    view.set_log_y(False)


def test_run_b_diverging_beside_a_stable_run_a(qtbot, window):
    """A at η = 0.01 draws its validation loss after one step; B at η = 10 does not."""
    w, view = window, window.loss_view
    _diverging_setup(qtbot, w, 0.01)
    w.comparison.start("lr=10")
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.iteration == 0)
    w.act_step.trigger()
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None and len(s.epoch_log) == 1 and len(s.b.epoch_log) == 1)
    assert snap.epoch_log[0, 3] < DRAW_LIMIT < snap.b.epoch_log[0, 3]
    assert _points(view.curve_val) == 1 and _points(view.run_b.curve_val) == 0
    _shot(w, "loss_legend_pair_b_diverged")
    assert _legend(view)[-1] == "validation (thin; B too large to draw)"


@pytest.fixture(scope="module")
def one_epoch():
    """The default example after one epoch (32 iterations), as the engine sends it."""
    state = default_state()
    trainer = Trainer(state.network, state.config, prepare(state.data, state.inline))
    trainer.run(epochs=1)
    return make_snapshot(trainer, None, trainer.probe())


def _with_validation_loss(snap, value: float, **changes):
    el = snap.epoch_log.copy()
    el[:, 3] = value
    return replace(snap, epoch_log=el, **changes)


def test_the_words_for_each_reason_and_their_short_form(qtbot, one_epoch):
    view = LossView()
    qtbot.addWidget(view)
    view.resize(700, 300)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(one_epoch)
    assert _legend(view)[-1] == "validation" and _points(view.curve_val) == 1
    # a perfect fit: a validation loss of 0 is drawn, but not on a log axis
    view.show_snapshot(_with_validation_loss(one_epoch, 0.0))
    assert _legend(view)[-1] == "validation" and _points(view.curve_val) == 1
    view.set_log_y(True)
    assert _legend(view)[-1] == "validation (0: not on a log axis)"
    view.set_log_y(False)
    view.show_snapshot(_with_validation_loss(one_epoch, math.inf))
    assert _legend(view)[-1] == "validation (too large to draw)" and _points(view.curve_val) == 0
    # stopped before an epoch ended: none will come
    view.show_snapshot(replace(one_epoch, epoch_log=one_epoch.epoch_log[:0], stopped="the loss exploded"))
    assert _legend(view)[-1] == "validation (not measured)"
    # a narrow view: the short form keeps the legend one row and still says it is not drawn
    view.show_snapshot(_with_validation_loss(one_epoch, 1e17))
    view.resize(300, 300)
    qtbot.waitUntil(lambda: _legend(view)[-1] == "validation (not drawn)")
    view.resize(700, 300)
    qtbot.waitUntil(lambda: _legend(view)[-1] == "validation (too large to draw)")
