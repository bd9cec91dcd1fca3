"""The gradients-over-time plot is never a blank frame: before the first iteration (a
new network, a reset) it says what it will show, in words that fit the plot; after one
iteration each layer's value is drawn as a dot (a line through one point draws
nothing); from the second on, lines."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from nnstudio.app import theme
from nnstudio.app.main_window import MainWindow
from nnstudio.app.views.gradient_view import NO_GRADIENTS_YET, GradientView
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot


def layer_pixels(view: GradientView) -> list[int]:
    """How many pixels of each layer's colour the over-time plot's box shows."""
    vb = view.time_plot.vb
    box = view.glw.mapFromScene(vb.sceneBoundingRect()).boundingRect()
    box.translate(view.glw.mapTo(view, QPoint(0, 0)))
    image = view.grab().toImage()
    pixels = np.array([[image.pixelColor(x, y).getRgb()[:3] for x in range(box.left() + 1, box.right())]
                       for y in range(box.top() + 1, box.bottom())], dtype=int)
    counts = []
    for i in range(view.n_layers):
        c = QColor(theme.layer_color(i))
        near = np.abs(pixels - np.array([c.red(), c.green(), c.blue()])).sum(axis=-1) <= 30
        counts.append(int(near.sum()))
    return counts


def note_fits(view: GradientView) -> bool:
    """The note's letters lie inside the plot's box (the box clips what leaves it)."""
    note = view.time_note
    margin = note.textItem.document().documentMargin()
    letters = note.textItem.boundingRect().adjusted(margin, margin, -margin, -margin)
    return view.time_plot.vb.sceneBoundingRect().contains(note.textItem.mapRectToScene(letters))


@pytest.fixture
def trainer():
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    spec = NetworkSpec(2, (LayerSpec(6, "tanh"), LayerSpec(6, "tanh")), "binary")
    return Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.03), data)


@pytest.mark.parametrize("size", [(820, 620), (606, 340), (420, 260)])
def test_before_the_first_iteration_it_says_what_will_appear(qtbot, trainer, size):
    view = GradientView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(make_snapshot(trainer, None, trainer.probe()))
    QApplication.processEvents()
    assert len(view.times) == 0
    assert view.time_note.shown_text in NO_GRADIENTS_YET
    assert view.time_note.shown_text.startswith("No curves yet")
    assert note_fits(view), (size, view.time_note.shown_text)
    if size == (820, 620):  # room for the whole sentence
        assert view.time_note.shown_text == NO_GRADIENTS_YET[0]
    assert layer_pixels(view) == [0, 0, 0]


def test_after_one_iteration_each_layer_is_a_dot_then_a_line(qtbot, trainer):
    view = GradientView()
    qtbot.addWidget(view)
    view.resize(606, 340)  # the Inspect workspace's dock at 1366×768
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(make_snapshot(trainer, None, trainer.probe()))
    trainer.step()
    view.show_snapshot(make_snapshot(trainer, None, trainer.probe()))
    QApplication.processEvents()
    assert list(view.times) == [1.0]
    assert view.time_note.shown_text == "" and not view.time_note.isVisible()
    dots = layer_pixels(view)
    assert all(n >= 12 for n in dots), dots  # a dot of 7 px in each layer's colour
    trainer.step()
    view.show_snapshot(make_snapshot(trainer, None, trainer.probe()))
    QApplication.processEvents()
    assert list(view.times) == [1.0, 2.0]
    assert all(c.opts["symbol"] is None for c in view._curves)  # lines now, no dots
    assert all(n >= 12 for n in layer_pixels(view))


def test_in_the_window_the_arrow_key_brings_the_first_point_and_a_reset_the_words_back(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    w.activateWindow()  # the training keys are the active window's shortcuts
    qtbot.waitExposed(w)
    try:
        w.workspaces.switch("inspect")
        w.view_docks["GradientView"].raise_()
        view = w.view_docks["GradientView"].widget()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0)
        qtbot.waitUntil(lambda: view.snapshot is not None)
        assert view.time_note.shown_text.startswith("No curves yet") and note_fits(view)
        w.focus_views()  # as after a click on a view: the arrow keys step training
        qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Right)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        qtbot.waitUntil(lambda: len(view.times) == 1)
        assert view.time_note.shown_text == ""
        for curve, value in zip(view._curves, view.series[:, 0]):
            x, y = curve.getData()
            assert list(x) == [1.0] and y[0] == pytest.approx(np.log10(value)) and curve.opts["symbol"] == "o"
        # every layer's colour shows (two layers' dots may overlap: the default network's
        # hidden layers start with gradients within 5 % of each other)
        assert all(n > 0 for n in layer_pixels(view)), layer_pixels(view)
        w.controller.reset()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0)
        qtbot.waitUntil(lambda: len(view.times) == 0)
        assert view.time_note.shown_text.startswith("No curves yet")
        assert layer_pixels(view) == [0] * view.n_layers
    finally:
        discard_and_close(w)


def broken_words(note) -> list[str]:
    """The note's lines that end inside a word (Qt broke "gradients" as "gradient / s")."""
    block = note.textItem.document().begin()
    text, layout = block.text(), block.layout()
    broken = []
    for i in range(layout.lineCount() - 1):
        line = layout.lineAt(i)
        end = line.textStart() + line.textLength()
        if end < len(text) and text[end - 1] != " " and text[end] != " ":
            broken.append(text[line.textStart():end])
    return broken


@pytest.mark.parametrize("width", [260, 300, 340, 380, 420, 480, 560])
def test_the_note_is_never_broken_inside_a_word(qtbot, trainer, width):
    """The Gradients view at the smallest window (1024×700): the note read "No gradient /
    s yet"; and it said no gradients while the bars beside it showed iteration 0's."""
    view = GradientView()
    qtbot.addWidget(view)
    view.resize(width, 300)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(make_snapshot(trainer, None, trainer.probe()))
    QApplication.processEvents()
    assert view.time_note.shown_text.startswith("No curves yet"), view.time_note.shown_text
    assert broken_words(view.time_note) == [], (width, view.time_note.shown_text)
