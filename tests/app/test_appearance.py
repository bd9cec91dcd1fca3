"""The window follows a switch of the system's appearance to dark and back.

These tests change the application's palette, which Qt carries to every widget alive;
the file sorts early in the suite, while few windows of earlier tests are still about
(the GUI tests close their windows but never delete them)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from nnstudio.app.main_window import MainWindow
from window_helpers import discard_and_close, wait_snapshot


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


def test_the_views_follow_a_switch_to_dark_appearance(qtbot, window):
    import pyqtgraph as pg
    from PySide6.QtGui import QColor, QPalette

    app = QApplication.instance()
    light = app.palette()
    dark = QPalette(light)
    for role, color in ((QPalette.ColorRole.Window, QColor(30, 30, 30)), (QPalette.ColorRole.Base, QColor(20, 20, 20)),
                        (QPalette.ColorRole.WindowText, QColor(230, 230, 230)),
                        (QPalette.ColorRole.Text, QColor(230, 230, 230))):
        dark.setColor(role, color)
    try:
        app.setPalette(dark)
        qtbot.wait(50)
        views = window.loss_view.findChildren(pg.GraphicsView)
        assert views and all(v.backgroundBrush().color().lightness() < 60 for v in views)
    finally:
        app.setPalette(light)
        qtbot.wait(50)
    assert all(v.backgroundBrush().color().lightness() > 200 for v in window.loss_view.findChildren(pg.GraphicsView))


def test_icons_counters_and_captions_stay_readable_after_a_switch_to_dark(qtbot, window):
    from PySide6.QtGui import QColor, QPalette

    from nnstudio.app import theme

    app = QApplication.instance()
    light = app.palette()
    dark = QPalette(light)
    for role, color in ((QPalette.ColorRole.Window, QColor(30, 30, 30)), (QPalette.ColorRole.Base, QColor(20, 20, 20)),
                        (QPalette.ColorRole.WindowText, QColor(230, 230, 230)),
                        (QPalette.ColorRole.Text, QColor(230, 230, 230))):
        dark.setColor(role, color)

    def icon_lightness() -> float:
        image = window.act_play.icon().pixmap(24, 24).toImage()
        pixels = [image.pixelColor(x, y) for x in range(24) for y in range(24)]
        opaque = [c.lightness() for c in pixels if c.alpha() > 200]
        return sum(opaque) / max(1, len(opaque))

    assert icon_lightness() < 100
    try:
        app.setPalette(dark)
        qtbot.wait(50)
        assert icon_lightness() > 150  # the toolbar icons are redrawn light on dark
        label = window.counters.values["iteration"]
        window.counters.grab()  # polish with the new palette
        assert label.palette().color(label.foregroundRole()).lightness() > 150
        caption = window.boundary_view.caption_label
        bg = app.palette().color(QPalette.ColorRole.Window)
        assert theme.contrast(caption.palette().color(caption.foregroundRole()), bg) >= 4.5
    finally:
        app.setPalette(light)
        qtbot.wait(50)
    assert icon_lightness() < 100
