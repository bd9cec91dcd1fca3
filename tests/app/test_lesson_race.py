"""Lesson 6 on screen: the optimizer race shows what the steps' texts say, read from
the race view after the same clicks a learner makes."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app.lessons import RACER_KEYS
from nnstudio.app.main_window import MainWindow
from nnstudio.app.views.race_view import RACERS, _fmt
from nnstudio.core.testfunctions import TEST_FUNCTIONS, default_racers, race

LESSON_6_RACERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.doc.undo_stack.setClean()
    w.doc._trained = False
    w.close()


def click(qtbot, button, times: int = 1) -> None:
    for _ in range(times):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()


def shown_f(view) -> dict[str, float]:
    """The "f now" column as the learner reads it."""
    return {k: float(view.value_labels[k].text()) for k in LESSON_6_RACERS}


def play_race_to(qtbot, view, steps: int) -> None:
    """Type a faster speed (a test cannot wait 10 s at 30 steps/s), press ▶ Play, and
    pause once the counter has passed ``steps``."""
    view.speed_spin.selectAll()
    qtbot.keyClicks(view.speed_spin, "600")
    qtbot.keyClick(view.speed_spin, Qt.Key.Key_Return)
    click(qtbot, view.play_button)
    qtbot.waitUntil(lambda: view.steps >= steps, timeout=20000)
    click(qtbot, view.play_button)
    assert not view.playing


def test_the_racers_a_lesson_may_name_are_the_race_views():
    assert tuple(k for k, _c in RACERS) == RACER_KEYS


def test_lesson_6_race_shows_what_the_steps_say(qtbot, window):
    panel = window.lesson_panel
    lesson = panel.lesson_by_number(6)
    panel.list.setCurrentRow(panel.lessons.index(lesson))
    click(qtbot, panel.open_button)
    view = window.race_view
    assert window.view_docks["RaceView"].isVisible() and not view.visibleRegion().isEmpty()
    assert view.fn.key == "bowl" and view.steps == 0
    assert not view.enable_checks["nesterov"].isChecked() and "nesterov" not in view.paths()
    # the view fits its dock in Inspect on a 1280×800 screen: a map to read, and every
    # racer's f without scrolling (the text talks about all of them)
    assert (window.width(), window.height()) == (1280, 800)
    top_left = view.mapTo(window, view.rect().topLeft())
    assert window.rect().contains(view.rect().translated(top_left))
    assert view.plot_widget.height() >= 200 and view.plot_widget.width() >= 260
    assert all(not label.visibleRegion().isEmpty() for label in view.value_labels.values())

    # step 1: ten clicks on the race's Step
    click(qtbot, panel.apply_button)
    click(qtbot, view.step_button, 10)
    fn = TEST_FUNCTIONS["bowl"]
    expected = {k.split()[0]: r for k, r in race(fn, default_racers(fn, list(LESSON_6_RACERS)), steps=10).items()}
    texts = {k: view.value_labels[k].text() for k in LESSON_6_RACERS}
    assert texts == {k: _fmt(fn.value(expected[k].path[10])) for k in LESSON_6_RACERS}
    f10 = shown_f(view)
    assert max(f10, key=f10.get) == "adam" and round(f10["adam"], 2) == 1.22  # "Adam is last (f = 1.22)"
    assert (round(f10["sgd"], 2), round(f10["adagrad"], 2), round(f10["rmsprop"], 2)) == (0.85, 0.19, 0.18)
    # then ▶ Play up to step 150 or so
    play_race_to(qtbot, view, 150)
    n = view.steps
    expected = {k.split()[0]: r for k, r in race(fn, default_racers(fn, list(LESSON_6_RACERS)), steps=n).items()}
    for k in LESSON_6_RACERS:  # the race on screen is the engine's
        np.testing.assert_array_equal(view.paths()[k], expected[k].path)
    f = {k: fn.value(view.paths()[k][-1]) for k in LESSON_6_RACERS}
    assert min(f, key=f.get) == "rmsprop"  # in front
    assert f["sgd"] < f["adam"] and f["sgd"] < f["momentum"]  # SGD ahead of Adam and momentum by now
    assert round(view.paths()["momentum"][:, 0].max(), 2) == 0.74  # the overshoot, on the map

    # step 2: Next switches the race to Rosenbrock's valley
    click(qtbot, panel.next_button)
    assert view.fn.key == "rosenbrock" and view.steps == 0
    assert not view.enable_checks["nesterov"].isChecked()
    play_race_to(qtbot, view, 300)
    assert 300 <= view.steps <= 330
    f = shown_f(view)
    best = np.array(TEST_FUNCTIONS["rosenbrock"].minima[0])
    away = {k: float(np.linalg.norm(view.paths()[k][-1] - best)) for k in LESSON_6_RACERS}
    assert abs(f["sgd"] - 5) < 0.1 and abs(f["adagrad"] - 4.7) < 0.1 and min(away["sgd"], away["adagrad"]) > 2
    assert 3.5 < f["rmsprop"] < 4
    assert abs(f["momentum"] - 0.03) < 0.01 and away["momentum"] < 0.4
    assert f["adam"] < 0.25 and away["adam"] < 0.9
