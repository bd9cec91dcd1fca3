"""No view is a blank panel without words: before the engine's first snapshot, after
the data changed to another task, and before the first loss, each says why it is empty
(and what it will show), and the words give way to the content once it can be drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from nnstudio.app.main_window import MainWindow
from nnstudio.app.views.gradient_view import GradientView
from nnstudio.app.views.hardest_samples_view import HardestSamplesView
from nnstudio.app.views.loss_view import LossView
from nnstudio.app.views.network_view import NetworkView
from nnstudio.app.views.representation_view import RepresentationView
from nnstudio.app.views.surface_view import SurfaceView
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot

WAITING = "Waiting for the network's first weights"
NEW_DATA = "New data: waiting for the network built for it"


def shown_texts(widget) -> str:
    """Every text the widget's labels show on screen now, joined."""
    return " | ".join(label.text() for label in widget.findChildren(QLabel) if label.isVisible() and label.text())


def _snapshot(data, hidden=(LayerSpec(6, "tanh"),), iterations=0):
    k = data.n_classes if data.task == "multiclass" else 1
    trainer = Trainer(NetworkSpec(data.n_inputs, hidden, data.task, k), TrainConfig(), data)
    if iterations:
        trainer.run(iterations=iterations)
    return make_snapshot(trainer, None, trainer.probe())


@pytest.fixture(scope="module")
def circle():
    data = prepare(DataSpec(name="circle", n_samples=120))
    return data, _snapshot(data)


@pytest.fixture(scope="module")
def line():
    data = prepare(DataSpec(name="line", n_samples=60))  # regression, one input
    return data, _snapshot(data)


def _shown(qtbot, view, w=640, h=480):
    qtbot.addWidget(view)
    view.resize(w, h)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.mark.parametrize("cls", [RepresentationView, HardestSamplesView])
def test_before_the_first_snapshot_the_view_says_it_waits_then_shows_its_content(qtbot, cls, circle):
    data, snap = circle
    view = _shown(qtbot, cls())
    assert WAITING in shown_texts(view)  # before any data, too
    view.set_data(data)
    text = shown_texts(view)
    assert WAITING in text and "Then" in text  # what it will show
    content = view.canvas if cls is RepresentationView else view.list_table
    assert not content.isVisible()
    view.show_snapshot(snap)
    assert content.isVisible()
    assert "Waiting" not in shown_texts(view) and not view.placeholder.note.isVisible()


@pytest.mark.parametrize("cls", [RepresentationView, HardestSamplesView])
def test_data_of_another_task_waits_for_its_network_then_shows_it(qtbot, cls, circle, line):
    (data, snap), (new_data, new_snap) = circle, line
    view = _shown(qtbot, cls())
    view.set_data(data)
    view.show_snapshot(snap)
    assert "Waiting" not in shown_texts(view)
    view.set_data(new_data)  # the old network's snapshot does not fit one-input regression data
    assert NEW_DATA in shown_texts(view)
    view.show_snapshot(snap)  # … and a late snapshot of the old network changes nothing
    assert NEW_DATA in shown_texts(view)
    view.show_snapshot(new_snap)
    assert "waiting" not in shown_texts(view).lower()
    if cls is RepresentationView:
        assert view.shown is not None and "one input" in view.message.text()
        assert np.isfinite(view.points_drawn("train")).all()
    else:
        assert view.model.rowCount() == min(view.ROWS, len(new_data.X_train)) == 48
        assert "mean loss" in view.summary.text()


def test_hardest_samples_of_an_empty_validation_set_say_why(qtbot):
    data = prepare(DataSpec(name="circle", n_samples=80, validation_fraction=0.0))
    view = _shown(qtbot, HardestSamplesView())
    view.set_data(data)
    view.show_snapshot(_snapshot(data))
    assert view.model.rowCount() == view.ROWS
    view.set_set("validation")  # a lesson may ask for it
    text = shown_texts(view)
    assert "There are no validation samples" in text and "Validation is 0 % in the Data panel" in text
    assert view.model.rowCount() == 0 and not view.list_table.isVisible()
    view.set_set("training")
    assert view.list_table.isVisible() and view.model.rowCount() == view.ROWS


def test_network_and_gradient_views_wait_for_the_first_snapshot(qtbot, circle):
    data, snap = circle
    network = _shown(qtbot, NetworkView())
    gradients = _shown(qtbot, GradientView())
    surface = _shown(qtbot, SurfaceView())
    for view in (network, gradients, surface):
        view.set_data(data)
        assert WAITING in shown_texts(view), type(view).__name__
    assert not network.canvas.isVisible()
    network.show_snapshot(snap)
    gradients.show_snapshot(snap)
    for view in (network, gradients):
        assert "Waiting" not in shown_texts(view), type(view).__name__
    assert network.canvas.isVisible() and len(network.neurons[1]) == 6
    assert gradients.verdict.kind != "waiting" and gradients.ratio_label.text() == gradients.verdict.text


@pytest.mark.parametrize("size", [(640, 420), (300, 200)])
def test_the_loss_view_says_there_is_no_loss_yet_until_the_first_iteration(qtbot, circle, size):
    data, snap = circle
    view = _shown(qtbot, LossView(), *size)
    text = view.empty_text
    assert text.isVisible() and "No loss yet" in text.textItem.toPlainText()
    view.show_snapshot(snap)  # iteration 0: nothing recorded yet
    qtbot.wait(10)
    assert text.isVisible()
    # the words sit inside the plot, whatever its size
    plot = view.vb.sceneBoundingRect()
    words = text.mapRectToScene(text.boundingRect())
    assert plot.contains(words.center()) and words.width() <= plot.width()
    view.show_snapshot(_snapshot(data, iterations=1))
    assert not text.isVisible()
    view.show_snapshot(snap)  # a new run (Reset weights, a rewind to 0)
    assert text.isVisible()


def test_in_the_window_new_data_of_another_task_or_a_new_project_says_so_until_its_network_arrives(qtbot):
    w = MainWindow()
    try:
        w.resize(1366, 768)
        w.show()
        qtbot.waitExposed(w)
        wait_snapshot(qtbot, w, lambda s: s.task == "binary")
        rep, hard = w.representation_view, w.hardest_view
        w.workspaces.show_view("RepresentationView")
        w.workspaces.show_view("HardestSamplesView")
        qtbot.waitUntil(lambda: rep.shown is not None and hard.model.rowCount() > 0)
        qtbot.mouseClick(w.data_panel.thumbs[("generator", "line")], Qt.MouseButton.LeftButton)
        assert w.doc.data_spec.name == "line"
        # at once, before the engine has answered: words, never an empty panel
        assert NEW_DATA in shown_texts(rep) and NEW_DATA in shown_texts(hard)
        wait_snapshot(qtbot, w, lambda s: s.task == "regression")
        qtbot.waitUntil(lambda: rep.shown is not None and hard.model.rowCount() > 0)
        assert "waiting" not in (shown_texts(rep) + shown_texts(hard)).lower()
        assert rep.canvas.isVisible() and hard.list_table.isVisible()
        # File › New: the spiral again, and the same words until its network arrives
        w.doc.undo_stack.setClean()
        w.doc._trained = False
        w.act_new.trigger()
        assert w.doc.data_spec.name == "spiral"
        assert NEW_DATA in shown_texts(rep) and NEW_DATA in shown_texts(hard)
        wait_snapshot(qtbot, w, lambda s: s.task == "binary")
        qtbot.waitUntil(lambda: rep.shown is not None and hard.model.rowCount() > 0)
        assert "waiting" not in (shown_texts(rep) + shown_texts(hard)).lower()
    finally:
        discard_and_close(w)
