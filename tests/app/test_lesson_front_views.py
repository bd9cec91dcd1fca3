"""A lesson opens with the views it is about in front of their tab groups.

In Inspect the network, the loss and the hardest samples are tabs of one group. Lesson 1
lists the step inspector, the network and the loss: it opened with the loss curve in
front and the network, whose neurons the inspector lights up, hidden behind it (the
views were raised in the order listed, so the last one won). And a view a step had
brought forward stayed there after the lesson had moved on: lesson 9's hidden
representation, in front of the decision boundary, said "no hidden layer" at the steps
about a network without one, and lesson 12 opened after it the same way, with the fitted
line the lesson is about out of sight.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from nnstudio.app.main_window import MainWindow
from window_helpers import discard_and_close, wait_snapshot


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    discard_and_close(w)


def in_front(w: MainWindow, name: str) -> bool:
    QApplication.processEvents()
    dock = w.workspaces.docks[name]
    return dock.isVisible() and not dock.widget().visibleRegion().isEmpty()


def group_of(w: MainWindow, name: str) -> set[str]:
    """The names of the shown docks tabbed together with ``name`` (itself included)."""
    dock = w.workspaces.docks[name]
    by_dock = {d: n for n, d in w.workspaces.docks.items()}
    return {name} | {by_dock[d] for d in w.tabifiedDockWidgets(dock) if not d.isHidden()}


def open_lesson(qtbot, w: MainWindow, number: int):
    lesson = w.lesson_panel.lesson_by_number(number)
    w.doc.undo_stack.setClean()
    w.doc._trained = False
    assert w.lessons.open_lesson(lesson)
    wait_snapshot(qtbot, w, lambda s: True)
    return lesson


@pytest.mark.parametrize("number", range(1, 13))
def test_the_first_listed_view_of_each_tab_group_is_in_front(qtbot, window, number):
    lesson = open_lesson(qtbot, window, number)
    views = [n for n in lesson.views if n.endswith("View")]  # the panels give way to the lesson's
    for name in views:
        dock = window.workspaces.docks.get(name)
        if dock is None or not dock.isVisible():
            continue  # not part of this workspace
        group = group_of(window, name)
        listed = [n for n in views if n in group]
        winner = lesson.front if lesson.front in group else listed[0]
        assert in_front(window, winner), (f"lesson {number}: {winner} should be in front of "
                                          f"{sorted(group - {winner})}")


def test_lesson_1_shows_the_network_beside_the_step_inspector(qtbot, window):
    open_lesson(qtbot, window, 1)
    assert in_front(window, "InspectorView")
    assert in_front(window, "NetworkView")
    assert not in_front(window, "LossView")


def test_no_step_of_lesson_9_leaves_an_empty_hidden_representation_in_front(qtbot, window):
    lesson = open_lesson(qtbot, window, 9)
    panel = window.lesson_panel
    for i, step in enumerate(lesson.steps):
        panel.go_to_step(i)
        panel.apply_current()
        wait_snapshot(qtbot, window, lambda s: True)
        hidden = len(window.doc.network.hidden)
        assert in_front(window, step.view), step.title
        if hidden == 0:
            assert not in_front(window, "RepresentationView"), step.title
            assert in_front(window, "BoundaryView"), step.title


def test_lesson_12_after_lesson_9_opens_on_the_fitted_line(qtbot, window):
    lesson9 = open_lesson(qtbot, window, 9)
    window.lesson_panel.go_to_step(lesson9.steps.index(
        next(s for s in lesson9.steps if s.view == "RepresentationView")))
    assert in_front(window, "RepresentationView")
    open_lesson(qtbot, window, 12)
    assert in_front(window, "BoundaryView")
    assert not in_front(window, "RepresentationView")
