"""Lesson 6 in the smallest window (1024×700): the optimizer race's dock is about
450 × 295 px there. The race laid itself out 'narrow', its table under a map 125 px
high, in a strip 60 px high: of the five racers whose "f now" the first step asks the
learner to watch (Adam 1.22, SGD 0.85, AdaGrad 0.19, RMSProp 0.18 after ten clicks on
Step) only SGD's row could be seen, its f cut at the right edge behind a horizontal
scroll bar. Now the table stands beside the map with just the racers and their f."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from window_helpers import discard_and_close, open_window

LESSON_6_RACERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")


def fully_visible(widget) -> bool:
    """Whether all of ``widget`` is on screen (not scrolled away, clipped or covered)."""
    QApplication.processEvents()
    region = widget.visibleRegion()
    return not region.isEmpty() and region.boundingRect().size() == widget.size()


def test_every_racers_f_can_be_read_in_the_smallest_window(qtbot):
    w = open_window(qtbot, 1024, 700)
    try:
        lesson6 = next(a for a in w.lessons_menu.actions() if a.text().startswith("6."))
        lesson6.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 6, timeout=10000)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        race = w.view_for("RaceView")
        assert fully_visible(race.step_button)
        for _ in range(10):  # "Press the race's own Step button 10 times"
            qtbot.mouseClick(race.step_button, Qt.MouseButton.LeftButton)
        assert race.steps == 10
        shown = {}
        for key in LESSON_6_RACERS:
            label = race.value_labels[key]
            assert fully_visible(label), f"{key}'s f now is not (all) visible"
            shown[key] = label.text()
        assert {k: round(float(v), 2) for k, v in shown.items()} == {
            "sgd": 0.85, "momentum": 0.39, "adagrad": 0.19, "rmsprop": 0.18, "adam": 1.22}
        assert fully_visible(race.enable_checks["adam"])  # which row is which racer
        assert race.plot_widget.width() >= 200 and race.plot_widget.height() >= 150  # a readable map
        assert not race.table_scroll.horizontalScrollBar().isVisible()
    finally:
        discard_and_close(w)


def readout_rows(label):
    """The rate map's read-out table as text rows: {name: (η, μ, per step)}."""
    doc = QTextDocument()
    doc.setHtml(label.text())
    lines = [line.replace("\xa0", " ").strip() for line in doc.toPlainText().split("\n")]
    return {line.split()[-1]: tuple(lines[i + 1:i + 4]) for i, line in enumerate(lines) if line[:1] in ("●", "★", "■")}


def test_the_rate_maps_table_shows_in_the_smallest_window(qtbot):
    """'Why momentum works': "The table under the map reads ×0.9802 per step for SGD …
    Momentum at η = 0.005, μ = 0.9 gets ×0.9487 … Clicking the star … ×0.8182". At
    1024×700 the rate map had 185 px of height, too few for the table and the line on
    the convention under it, so neither showed (they were in a tooltip only); the table
    alone, in a smaller type, fits, whole."""
    w = open_window(qtbot, 1024, 700)
    try:
        lesson6 = next(a for a in w.lessons_menu.actions() if a.text().startswith("6."))
        lesson6.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 6, timeout=10000)
        for _ in range(2):
            qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        assert "Why momentum works" in panel.step_title.text()
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        race = w.view_for("RaceView")
        rm = race.rate_map
        qtbot.wait(200)
        QApplication.processEvents()
        assert race.side_tabs.currentWidget() is rm and rm.isVisible()
        assert not w.workspaces.docks["RaceView"].widget().visibleRegion().isEmpty()  # in front
        assert fully_visible(rm.readout), "the table of rates is not (all) on screen"
        doc = QTextDocument()
        doc.setDefaultFont(rm.readout.font())
        doc.setHtml(rm.readout.text())
        assert doc.idealWidth() <= rm.readout.width(), "the table is cut at the right"
        rows = readout_rows(rm.readout)
        assert rows["SGD"][2] == "×0.9802" and rows["Momentum"][2] == "×0.9487" and rows["best"][2] == "×0.8182"
        qtbot.mouseClick(rm.plot_widget.viewport(), Qt.MouseButton.LeftButton,
                         pos=rm.pixel_of(*rm.optimum[:2]).toPoint())  # "Click the star."
        assert readout_rows(rm.readout)["Momentum"] == ("0.03306", "0.669", "×0.8182")
        assert fully_visible(rm.readout)
    finally:
        discard_and_close(w)


def test_the_directions_tab_names_its_racer_and_its_dashes_whole(qtbot):
    """'Why momentum works': "open the Directions tab … both fall along dashed lines".
    At 1024×700 its top row read "error of [Momentun▾] dashed: predict": the racer's
    name and the key to the dashed lines were cut."""
    w = open_window(qtbot, 1024, 700)
    try:
        lesson6 = next(a for a in w.lessons_menu.actions() if a.text().startswith("6."))
        lesson6.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 6, timeout=10000)
        for _ in range(2):
            qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        race = w.view_for("RaceView")
        bar = race.side_tabs.tabBar()
        index = next(i for i in range(bar.count()) if bar.tabText(i) == "Directions")
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
        qtbot.wait(200)
        QApplication.processEvents()
        d = race.directions
        assert race.side_tabs.currentWidget() is d
        box = d.racer_box
        assert box.currentText() == "Momentum" and box.width() >= box.sizeHint().width(), "the racer's name is cut"
        key = d.dashed_label
        assert fully_visible(key)
        assert key.heightForWidth(key.width()) <= key.height() if key.wordWrap() else \
            key.width() >= key.sizeHint().width(), "'dashed: predicted' is cut"
        assert "predicted" in key.text()
    finally:
        discard_and_close(w)
