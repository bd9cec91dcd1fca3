"""The Data, Design and Training panels show their words whole on laptop screens: at
1280×800, 1366×768 and 1600×1000, in both workspaces, and with the panels as narrow as
they go (a window made smaller keeps them so), every chooser shows its whole current
choice — the weights chooser for every initialiser ("Glorot / Xavier uniforr" was cut
in a narrow panel) — every other choice would fit too, no label or button is cut, and
the panels' tab bar shows all four tabs without scroll arrows.

One window for the whole module: the sizes, workspaces and data are visited in turn."""

from __future__ import annotations

from PySide6.QtCore import QEventLoop, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOptionComboBox,
    QTabBar,
    QToolButton,
    QWidget,
)

from nnstudio.app.main_window import MainWindow
from nnstudio.core.specs import INITIALIZERS
from window_helpers import discard_and_close, wait_snapshot

SIZES = [(1280, 800), (1366, 768), (1600, 1000)]
PANELS = ("Data", "Design", "Training")


def settle(ms: int = 60) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shown_text(combo: QComboBox) -> str:
    """What the box shows (a chooser may show a short name for a long item)."""
    shown = getattr(combo, "shown_text", None)
    return shown() if shown is not None else combo.currentText()


def text_room(combo: QComboBox) -> int:
    """The width the style gives the box's text: its edit field, less the pixel the
    label keeps free on each side."""
    opt = QStyleOptionComboBox()
    combo.initStyleOption(opt)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    return field.width() - 2


def combo_problems(combo: QComboBox, where: str, others: bool = True) -> list[str]:
    """The combo's current choice, and (``others``) each other one as it would show, cut
    by its box."""
    found = []
    room = text_room(combo)
    current = combo.currentIndex()
    blocker = QSignalBlocker(combo)  # looking at each choice, not choosing it
    try:
        for i in [current, *(range(combo.count()) if others else ())]:
            combo.setCurrentIndex(i)
            text = shown_text(combo)
            need = combo.fontMetrics().horizontalAdvance(text)
            if need > room:
                found.append(f"{where}: chooser shows {text!r} in {room} px, needs {need}"
                             + ("" if i == current else " (when chosen)"))
    finally:
        combo.setCurrentIndex(current)
        blocker.unblock()
    return sorted(set(found))


def panel_problems(panel: QWidget, where: str, chosen_only: tuple[QComboBox, ...] = ()) -> list[str]:
    """Cut choices, labels and buttons; the choosers in ``chosen_only`` are looked at for
    their current choice only (their room depends on it: Huber's δ beside the loss)."""
    found = []
    for combo in panel.findChildren(QComboBox):
        if combo.isVisibleTo(panel):
            found += combo_problems(combo, where, others=combo not in chosen_only)
    for label in panel.findChildren(QLabel):
        text = label.text()
        if (label.isVisibleTo(panel) and text and not label.wordWrap() and "<" not in text
                and (label.pixmap() is None or label.pixmap().isNull())):
            need = label.fontMetrics().horizontalAdvance(text) - 2
            if need > label.contentsRect().width():
                found.append(f"{where}: label {text!r} needs {need} px, has {label.contentsRect().width()}")
    for button in panel.findChildren(QAbstractButton):
        if not (button.isVisibleTo(panel) and button.text()):
            continue
        if isinstance(button, (QPushButton, QCheckBox)):
            need = button.sizeHint().width()
        elif isinstance(button, QToolButton):  # text beside or under an icon: the text itself
            need = button.fontMetrics().horizontalAdvance(button.text()) + 4
        else:
            continue
        if need > button.width():
            found.append(f"{where}: button {button.text()!r} needs {need} px, has {button.width()}")
    return found


def panel_tab_bar(w: MainWindow) -> QTabBar:
    return next(bar for bar in w.findChildren(QTabBar)
                if bar.parent() is w and bar.isVisible() and "Design" in [bar.tabText(i) for i in range(bar.count())])


def tab_bar_problems(w: MainWindow, where: str) -> list[str]:
    bar = panel_tab_bar(w)
    found = []
    if any(b.isVisible() for b in bar.findChildren(QToolButton)):
        found.append(f"{where}: the panels' tab bar scrolls ({bar.width()} px, needs {bar.sizeHint().width()})")
    for i in range(bar.count()):
        r = bar.tabRect(i)
        if r.right() > bar.width() or r.width() < bar.fontMetrics().horizontalAdvance(bar.tabText(i)):
            found.append(f"{where}: tab {bar.tabText(i)!r} not whole")
    return found


def every_panel(w: MainWindow, where: str) -> list[str]:
    docks = {d.windowTitle(): d for d in w.findChildren(QDockWidget)}
    found = tab_bar_problems(w, where)
    for title in PANELS:
        docks[title].raise_()
        settle(30)
        found += panel_problems(docks[title].widget(), f"{where} {title}", (w.network_panel.loss_combo,))
    return found


def every_loss(w: MainWindow, where: str) -> list[str]:
    """Choose each loss of a regression and look at the loss chooser."""
    combo = w.network_panel.loss_combo
    found = []
    for i in range(combo.count()):
        combo.setCurrentIndex(i)
        settle(20)
        assert w.doc.network.loss == combo.itemData(i)
        found += combo_problems(combo, where, others=False)
    return found


def every_initialiser(w: MainWindow, where: str) -> list[str]:
    """Choose each initialiser for all hidden layers (as a learner would, in the All
    hidden layers row) and look at the three weights choosers."""
    docks = {d.windowTitle(): d for d in w.findChildren(QDockWidget)}
    docks["Design"].raise_()
    panel = w.network_panel
    found = []
    for key in INITIALIZERS:
        panel.all_layers.init.setCurrentIndex(panel.all_layers.init.findData(key))
        settle(20)
        assert {h.init for h in w.doc.network.hidden} == {key}
        for combo in (panel.all_layers.init, *(card.init for card in panel.cards)):
            text, room = shown_text(combo), text_room(combo)
            need = combo.fontMetrics().horizontalAdvance(text)
            if need > room:
                found.append(f"{where}: weights chooser shows {text!r} in {room} px, needs {need}")
    panel.all_layers.init.setCurrentIndex(panel.all_layers.init.findData("glorot_uniform"))
    return sorted(set(found))


def narrowest(w: MainWindow) -> None:
    """The panels as narrow as they go (what they keep after the window is made smaller)."""
    docks = {d.windowTitle(): d for d in w.findChildren(QDockWidget)}
    w.resizeDocks([docks["Data"]], [1], Qt.Orientation.Horizontal)
    settle(100)


def test_the_panels_show_every_choice_label_button_and_tab_whole(qtbot):
    w = MainWindow()
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    try:
        found: list[str] = []
        for size in SIZES:
            w.resize(*size)
            for workspace in ("explore", "inspect"):
                w.workspaces.switch(workspace)
                w.workspaces.reset()
                settle(250)
                where = f"{size[0]}×{size[1]} {workspace}"
                found += every_panel(w, where) + every_initialiser(w, where)
                narrowest(w)
                found += every_panel(w, where + " narrowest") + every_initialiser(w, where + " narrowest")
        # the choosers only some data show: the loss of a regression (narrowest beside
        # Huber's δ), the early-stopping metric, what painted points are
        w.resize(1280, 800)
        w.workspaces.switch("inspect")
        narrowest(w)
        w.data_panel.choose_generator("plane")
        w.network_panel.loss_combo.setCurrentIndex(w.network_panel.loss_combo.findData("huber"))
        w.training_panel.stopping.setCurrentIndex(w.training_panel.stopping.findData("target"))
        settle(100)
        assert w.network_panel.huber.isVisible() and w.training_panel.target_metric.isVisibleTo(w.training_panel)
        found += every_panel(w, "regression narrowest") + every_loss(w, "regression narrowest")
        qtbot.mouseClick(w.data_panel.paint_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(w.data_panel.clear_button, Qt.MouseButton.LeftButton)  # the kind shows while empty
        settle(100)
        assert w.data_panel.kind_combo.isVisibleTo(w.data_panel)
        found += every_panel(w, "painting narrowest")
        assert found == [], "\n".join(found)
        # Adam's rule under the optimizer: its m̂ and v̂ drawn with their hats (Qt put the
        # combining circumflexes of the wrapped caption on the line above)
        w.training_panel.optimizer.setCurrentIndex(w.training_panel.optimizer.findData("adam"))
        rule = w.training_panel.rule.text()
        assert "\u0302" not in rule and rule.count("<img") == 2, rule
    finally:
        discard_and_close(w)
