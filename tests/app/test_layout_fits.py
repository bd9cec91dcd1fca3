"""The window fits learners' laptop screens: every workspace and every lesson at 1366×768
and 1280×800 (and the minimum 1024×700) keeps every visible widget inside the window,
with its label text readable, and prints no Qt warning."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLabel, QTabBar, QToolBar, QWidget

from nnstudio.app.main_window import MIN_SIZE, MainWindow
from window_helpers import discard_and_close

SIZES = [(1366, 768), (1280, 800)]


@pytest.fixture
def shared_window(qtbot):
    w = MainWindow()
    w.show()
    qtbot.waitExposed(w)
    yield w
    discard_and_close(w)


def settle(ms: int = 250) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _in_scroll_area(w: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def problems(window: MainWindow) -> list[str]:
    """Visible widgets outside the window, and labels whose text does not fit."""
    found: list[str] = []
    frame = window.rect()
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w.visibleRegion().isEmpty() or _in_scroll_area(w):
            continue
        if isinstance(w.parentWidget(), QToolBar) or isinstance(w, QToolBar):
            continue  # toolbars fold what does not fit into their extension menu
        top_left = w.mapTo(window, QPoint(0, 0))
        r = QRect(top_left, w.size())
        if not frame.adjusted(-1, -1, 1, 1).contains(r):
            found.append(f"{type(w).__name__} {w.objectName()!r} at {r.getRect()} outside {frame.getRect()}")
        if isinstance(w, QLabel) and not w.wordWrap() and w.text() and not w.pixmap() and "<" not in w.text():
            need = w.fontMetrics().horizontalAdvance(w.text()) - 2
            if need > w.contentsRect().width():
                found.append(f"label {w.text()[:40]!r} needs {need} px, has {w.contentsRect().width()}")
        if isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.tabText(i) and w.tabRect(i).width() < w.fontMetrics().horizontalAdvance("Ab") + 8:
                    found.append(f"tab {w.tabText(i)!r} too narrow")
    return found


@pytest.mark.parametrize("size", SIZES + [MIN_SIZE[:2]])
@pytest.mark.parametrize("workspace", ["explore", "inspect"])
def test_each_workspace_fits(shared_window, size, workspace):
    w = shared_window
    w.resize(*size)
    w.workspaces.switch(workspace)
    w.workspaces.reset()
    settle(400)
    assert (w.width(), w.height()) == tuple(size)
    assert w.minimumSizeHint().width() <= MIN_SIZE[0] and w.minimumSizeHint().height() <= MIN_SIZE[1]
    assert problems(w) == []


@pytest.mark.parametrize("size", SIZES)
def test_each_lesson_fits(shared_window, size):
    w = shared_window
    w.resize(*size)
    found = {}
    for lesson in w.lesson_panel.lessons:
        assert w.lessons.open_lesson(lesson)
        for index in range(len(lesson.steps)):
            w.lesson_panel.go_to_step(index)
            w.lessons.show_step(lesson, index)
            settle(60)
            assert (w.width(), w.height()) == tuple(size), f"lesson {lesson.number} step {index + 1} resized the window"
            bad = problems(w)
            if bad:
                found[f"{lesson.number}.{index + 1}"] = bad
        w.doc.undo_stack.setClean()
        w.doc._trained = False
    assert found == {}


def test_a_window_restored_from_settings_never_exceeds_the_screen(qtbot, tmp_path, monkeypatch):
    first = MainWindow()
    first.resize(4000, 3000)
    first._save_settings()
    discard_and_close(first)
    again = MainWindow()
    try:
        avail = (again.screen() or QApplication.primaryScreen()).availableGeometry()
        assert again.width() <= max(avail.width(), MIN_SIZE[0])
        assert again.height() <= max(avail.height(), MIN_SIZE[1])
    finally:
        discard_and_close(again)
