"""The loss view in the window, where a learner's clicks take it: the legend from the
start (before the first epoch has ended, with and without a validation set), and a run
whose validation loss is past what the plot draws at the first epoch's end."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.app.views.loss_run_b import DRAW_LIMIT
from nnstudio.app.views.loss_view import VAL_PENDING
from nnstudio.core.number_text import number_text
from window_helpers import discard_and_close, open_window, wait_snapshot


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot)
    yield w
    discard_and_close(w)


def _choose(box, key) -> None:
    box.setCurrentIndex(box.findData(key))  # as picking it from the list does


def _legend(view) -> list[str]:
    return [label.text for _, label in view.legend.items]


def test_the_legend_names_validation_from_the_start(qtbot, window):
    """The default example holds out 20 % for validation: the legend says so at iteration 0,
    and that its first point comes after epoch 1. With 0 % held out there is no validation
    entry; with a share again, it says which epoch brings the first point, and plainly
    "validation" once that point is drawn."""
    w, view = window, window.loss_view
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 0)
    assert snap.has_validation and len(snap.epoch_log) == 0
    assert _legend(view) == ["batch loss", "training", "validation (after epoch 1)"]
    assert view.legend.isVisible() and view.legend.columnCount == 3  # one row above the plot
    w.act_step.trigger()
    wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
    assert _legend(view) == ["batch loss", "training", "validation (after epoch 1)"]  # none to draw yet
    # as typing 0, then 20 in the Data panel's "Validation" does (the weights are kept)
    w.data_panel.validation.setValue(0)
    wait_snapshot(qtbot, w, lambda s: not s.has_validation)
    assert _legend(view) == ["batch loss", "training"]
    w.act_epoch.trigger()
    wait_snapshot(qtbot, w, lambda s: len(s.epoch_log) == 1)
    assert _legend(view) == ["batch loss", "training"]
    w.data_panel.validation.setValue(20)
    wait_snapshot(qtbot, w, lambda s: s.has_validation)
    assert _legend(view) == ["batch loss", "training", VAL_PENDING.format(2)]
    w.act_epoch.trigger()
    wait_snapshot(qtbot, w, lambda s: len(s.epoch_log) == 2)
    assert _legend(view) == ["batch loss", "training", "validation"]
    assert np.isfinite(view.curve_val.getData()[1]).sum() == 1


def test_a_run_diverging_at_its_first_epoch_is_painted_without_warnings(qtbot, window):
    """Plane data, linear layers, SGD at η = 10 on the full batch: one step is one epoch,
    and the validation loss it ends with is ~10¹⁷, finite but past what the plot draws.
    The view gave pyqtgraph a dotted validation curve of one NaN point, whose scatter
    warned "All-NaN slice" inside its boundingRect at every paint; the suite makes that
    warning an exception, which, escaping a Qt virtual, crashed PySide6 (a segfault).
    Warnings are recorded here rather than raised, so that the old code fails, not crashes."""
    w = window
    qtbot.mouseClick(w.data_panel.thumbs[("generator", "plane")], Qt.MouseButton.LeftButton)
    for card in w.network_panel.cards:
        _choose(card.activation, "linear")
    _choose(w.training_panel.optimizer, "sgd")
    _choose(w.training_panel.batch_mode, "full")
    w.training_panel.lr.spin.setValue(10.0)
    wait_snapshot(qtbot, w, lambda s: s.task == "regression" and s.iteration == 0 and s.lr == 10.0
                  and s.activations[:-1] == ("linear", "linear"))
    view = w.loss_view
    assert view.isVisible()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w.act_step.trigger()
        snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        for _ in range(3):  # paints, as the window's own repaints do
            view.canvas.viewport().repaint()
            qtbot.wait(20)
        view.set_log_y(True)
        view.canvas.viewport().repaint()
        view.set_log_y(False)
        view.canvas.viewport().repaint()
    el = snap.epoch_log
    assert len(el) == 1 and snap.has_validation
    assert np.isfinite(el[0, 3]) and el[0, 3] > DRAW_LIMIT, el  # the state this test is about
    assert [str(c.message) for c in caught] == []
    # nothing to draw for validation: no points at all, rather than a NaN one
    x, y = view.curve_val.getData()
    assert x is None or len(x) == 0
    # the training loss is drawn, and the read-out gives the validation loss's number
    assert np.array_equal(view.curve_train.getData()[1], el[:, 2])
    assert f"validation loss  {number_text(el[0, 3], 4)}" in view.hover_at(1.0)
    assert not view.grab().isNull()
