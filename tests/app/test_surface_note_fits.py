"""Without OpenGL the loss-landscape view says so in a note above the map: the note is
whole at every learner's window size (its wrapped lines inside its box, nothing drawn
over it), and the map under it cuts none of its tick labels at the canvas's edge (the
"1.0" at the top of the map was drawn half outside, just under the note)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

from nnstudio.app.main_window import MainWindow
from nnstudio.app.views import surface_3d
from nnstudio.app.views.surface_view import SurfaceView
from tests.app.test_axis_labels import label_problems
from window_helpers import discard_and_close, wait_snapshot

SIZES = [(1366, 768), (1280, 800), (1600, 1000), (1024, 700)]


def note_problems(view: SurfaceView) -> list[str]:
    label = view.gl_message
    out = []
    width = label.contentsRect().width()
    need = QFontMetrics(label.font()).boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap,
                                                   label.text()).height()
    if need > label.contentsRect().height():
        out.append(f"note needs {need} px, has {label.contentsRect().height()}")
    if label.heightForWidth(label.width()) > label.height():
        out.append(f"note laid out {label.height()} px high for {label.heightForWidth(label.width())}")
    box = QRect(label.mapTo(view, label.rect().topLeft()), label.size())
    for other in view.findChildren(QWidget):
        if other is label or not other.isVisible() or other.isAncestorOf(label) or label.isAncestorOf(other):
            continue
        if other.parentWidget() is not None and not other.parentWidget().isVisible():
            continue
        r = QRect(other.mapTo(view, other.rect().topLeft()), other.size())
        both = r & box
        if both.width() > 0 and both.height() > 0 and other.parentWidget() is label.parentWidget():
            out.append(f"{type(other).__name__} over the note by {both.height()} px")
    return out


@pytest.mark.parametrize("size", SIZES)
def test_the_no_opengl_note_and_the_map_under_it_fit(qtbot, monkeypatch, size):
    # as on Qt's offscreen platform (under Xvfb the tests have OpenGL)
    monkeypatch.setattr(surface_3d, "opengl_problem", lambda: (
        "3-D view needs OpenGL, which is not available on this display (offscreen platform); the contour map "
        "shows the same surface."))
    w = MainWindow()
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    try:
        wait_snapshot(qtbot, w, lambda s: True)
        w.workspaces.switch("inspect")
        w.view_docks["SurfaceView"].raise_()
        view = w.view_docks["SurfaceView"].widget()
        qtbot.waitUntil(lambda: view.result is not None and not view.busy, timeout=15000)
        qtbot.wait(100)
        assert view.is_shown() and view.gl_message.isVisible()
        assert "needs OpenGL" in view.gl_message.text()
        assert not note_problems(view), note_problems(view)
        cut = [f"{name}: {p}" for name in ("left", "bottom") for p in label_problems(view.plot.getAxis(name), False)
               if "cut off" in p]
        cut += [f"colour bar: {p}" for p in label_problems(view.map.colorbar.axis, view.map.colorbar.axis.logMode)
                if "cut off" in p]
        assert not cut, cut
    finally:
        discard_and_close(w)
