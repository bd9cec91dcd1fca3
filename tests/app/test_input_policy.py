"""Keys and the wheel never surprise: controls keep their keys, the wheel scrolls panels,
Esc gives the keys back to training, and Help lists every shortcut."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QCheckBox

from nnstudio.app.main_window import MainWindow
from nnstudio.app.shortcuts_dialog import ShortcutsDialog
from window_helpers import discard_and_close, wait_snapshot


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    wait_snapshot(qtbot, w, lambda s: s.iteration == 0)
    yield w
    discard_and_close(w)


def still_at_zero(qtbot, w) -> None:
    qtbot.wait(300)
    w.controller.flush()
    assert w.controller.snapshot.iteration == 0 and not w.controller.playing


def focus(qtbot, widget) -> None:
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: widget.hasFocus() or widget.isAncestorOf(QApplication.focusWidget()))


def show_panel(w: MainWindow, name: str) -> None:
    w.workspaces.show_view(name)
    QApplication.processEvents()


def test_keys_typed_into_a_number_box_stay_there(qtbot, window):
    show_panel(window, "TrainingPanel")
    box = window.training_panel.batch_size
    focus(qtbot, box)
    box.selectAll()
    qtbot.keyClicks(box, "25")
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.keyClick(box, Qt.Key.Key_Left)
    qtbot.keyClick(box, Qt.Key.Key_Right)
    qtbot.keyClick(box, Qt.Key.Key_R)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    still_at_zero(qtbot, window)
    assert box.value() == 25 and window.doc.config.batch_size == 25


def test_space_on_a_check_box_ticks_it_and_does_not_train(qtbot, window):
    box = next(b for b in window.boundary_view.findChildren(QCheckBox) if b.isVisible())
    before = box.isChecked()
    focus(qtbot, box)
    qtbot.keyClick(box, Qt.Key.Key_Space)
    still_at_zero(qtbot, window)
    assert box.isChecked() != before


def test_arrows_on_a_focused_slider_move_it_and_do_not_step(qtbot, window):
    slider = window.speed.slider
    focus(qtbot, slider)
    slider.setValue(3)
    qtbot.keyClick(slider, Qt.Key.Key_Right)  # → is also "step one iteration"
    still_at_zero(qtbot, window)
    assert slider.value() == 4


def test_escape_gives_the_keys_back_to_training(qtbot, window):
    show_panel(window, "TrainingPanel")
    box = window.training_panel.batch_size
    focus(qtbot, box)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert not box.hasFocus()
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Right)
    wait_snapshot(qtbot, window, lambda s: s.iteration == 1)


def _wheel(widget, up: bool = True) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    angle = QPoint(0, 120 if up else -120)
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(), angle, Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def test_the_wheel_changes_a_combo_box_only_when_it_has_the_focus(qtbot, window):
    combo = window.loss_view.x_axis_box  # a plain Qt combo box: the policy covers every one
    before = combo.currentIndex()
    assert combo.focusPolicy() != Qt.FocusPolicy.WheelFocus  # a wheel turn does not take the focus
    window.network_view.setFocus()
    _wheel(combo, up=False)
    assert combo.currentIndex() == before
    focus(qtbot, combo)
    _wheel(combo, up=False)
    assert combo.currentIndex() != before


def test_the_wheel_leaves_an_unfocused_number_box_or_slider_alone(qtbot, window):
    window.workspaces.switch("inspect")
    window.workspaces.show_view("RaceView")
    QApplication.processEvents()
    spin, slider = window.race_view.speed_spin, window.speed.slider
    values = spin.value(), slider.value()
    window.inspector_view.setFocus()
    _wheel(spin)
    _wheel(slider)
    assert (spin.value(), slider.value()) == values


def test_help_lists_every_shortcut(qtbot, window):
    dialog = ShortcutsDialog(window.actions(), window)
    qtbot.addWidget(dialog)
    keys = " | ".join(k for k, _ in dialog.rows)
    for expected in ("Space", "Right", "Shift+Right", "Ctrl+Right", "R", "Ctrl+Z", "Ctrl+S", "Ctrl+1", "Ctrl+2",
                     "Esc"):
        assert expected in keys, expected
    assert window.act_shortcuts in [a for m in window.menuBar().actions() if m.menu()
                                    for a in m.menu().actions()]
