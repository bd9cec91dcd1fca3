"""Lesson 11's last step, followed in the window as a learner does: train the digits to
epoch 10, Apply, click the first red image in the gallery, draw a tail on it, then clear
the pad and draw a 1 — and read what the gallery and the pad say against the step's text."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTabBar

from nnstudio.app.main_window import MainWindow
from test_digit_views import _drag
from test_layout_fits import problems, settle
from test_lesson_steps import click, in_front, open_from_panel
from window_helpers import discard_and_close, wait_snapshot

EPOCH = 45  # iterations of one epoch of the digits in batches of 32


def stray_tab_bars(w: MainWindow) -> list[list[str]]:
    """The dock tab bars showing with no dock under them (another workspace's tabs)."""
    QApplication.processEvents()
    docks = [d.geometry() for d in w.view_docks.values() if d.isVisible()]
    return [[bar.tabText(i) for i in range(bar.count())] for bar in w.findChildren(QTabBar)
            if bar.parent() is w and bar.isVisible() and bar.count()  # an empty one sits off the window
            and not any(abs(d.x() - bar.x()) <= 3 and 0 <= d.top() - bar.geometry().bottom() <= 6 for d in docks)]


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    yield w
    discard_and_close(w)


def test_the_digits_step_as_a_learner_follows_it(qtbot, window):
    w = window
    open_from_panel(qtbot, w, 11)
    panel = w.lesson_panel
    click(qtbot, panel.next_button)
    click(qtbot, panel.apply_button)  # the digits, 32 ReLU neurons, batches of 32
    wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and s.layer_sizes == (64, 32, 10))
    w.speed.set_speed(0)
    for epoch in range(1, 11):  # "pause at about epoch 10": exactly 10 here
        w.act_epoch.trigger()
        wait_snapshot(qtbot, w, lambda s, e=epoch: s.iteration == e * EPOCH and not s.playing)

    click(qtbot, panel.next_button)
    assert panel.step_title.text().startswith("Step 3 of 3: See the digits, draw one")
    text = panel.step_text.toPlainText()
    click(qtbot, panel.apply_button)
    # Apply kept the trained network and brought the gallery forward in Explore, the
    # step's text still in front and no tab of Inspect left over the views
    assert w.workspaces.current == "explore" and in_front(w, "DigitGalleryView")
    assert in_front(w, "LessonPanel")
    qtbot.waitUntil(lambda: stray_tab_bars(w) == [])
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 10 * EPOCH)
    gallery, pad = w.gallery_view, w.pad_view
    assert gallery.set_box.currentData() == "validation" and gallery.wrong_first_box.isChecked()
    qtbot.waitUntil(lambda: gallery._predicted_of is not None and gallery._predicted_of.iteration == snap.iteration)
    wrong = gallery.predicted_classes != gallery.true_classes
    assert int(wrong.sum()) == 11 and wrong[:11].all()  # the red ones first
    assert gallery.summary.text() == "348 of 359 right (97%)" and "348 of 359 right (97%)" in text
    assert (int(gallery.rows[0]), int(gallery.true_classes[0]), int(gallery.predicted_classes[0])) == (69, 9, 8)

    # the first red image goes on the pad: an 8 for the network, the 9 second
    tiles = gallery.tiles
    gallery.scroll.ensureVisible(0, 0)
    qtbot.mouseClick(tiles, Qt.MouseButton.LeftButton, pos=tiles.tile_rect(0).center())
    qtbot.waitUntil(lambda: pad.is_shown() and pad.prediction is not None)
    assert in_front(w, "DrawingPadView")
    np.testing.assert_array_equal(pad.pad.pixels, w.doc.prepared.raw.X[69])
    p = pad.probabilities
    assert pad.prediction == 8 and np.argsort(-p)[1] == 9 and 49 <= round(100 * p[8]) <= 71
    assert pad.answer.text() == f"The network says: 8 ({p[8]:.0%})"
    layers_before = [a.copy() for a in pad.activations]
    assert [len(a) for a in layers_before] == [32] and len(pad.logits) == 10

    # a tail down the 6th column, from the 3rd row to the 7th: a 9 at over 90 %
    _drag(qtbot, pad, [(r, 5) for r in range(2, 7)])
    p = pad.probabilities
    assert pad.prediction == 9 and p[9] > 0.9 and p[8] < 0.1
    assert pad.answer.text() == f"The network says: 9 ({p[9]:.0%})"
    assert not np.array_equal(pad.activations[0], layers_before[0])  # layer 1 changed with the stroke

    # blank paper still gets an answer, marked so; a thick 1 is a 1 at 100 %
    click(qtbot, pad.clear_button)
    assert pad.answer.text().endswith("— on blank paper") and pad.probabilities.sum() == pytest.approx(1.0)
    _drag(qtbot, pad, [(r, 3) for r in range(8)])
    _drag(qtbot, pad, [(r, 4) for r in range(8)])
    assert pad.prediction == 1 and pad.answer.text() == "The network says: 1 (100%)"

    # the step fits learners' screens
    for size in ((1366, 768), (1280, 800)):
        w.resize(*size)
        settle(300)
        for name in ("DigitGalleryView", "DrawingPadView"):
            w.workspaces.show_view(name)
            settle(200)
            assert problems(w) == [], (size, name)
    QApplication.processEvents()

