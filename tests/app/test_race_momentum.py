"""Why momentum works, on the race's bowl (after Goh, Distill 2017): the condition number
box, the rate map and the error along the two directions, driven as a learner does and
checked against the closed forms of nnstudio.core.momentum_theory."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app.views.race_view import RaceView
from nnstudio.core.momentum_theory import (
    gd_direction_rates,
    heavy_ball_direction_rates,
    heavy_ball_rate,
    measured_rate,
    optimal_heavy_ball,
)
from nnstudio.core.optimizers import make_optimizer
from nnstudio.core.testfunctions import quadratic_bowl, race


@pytest.fixture
def view(qtbot):
    v = RaceView()
    qtbot.addWidget(v)
    v.resize(650, 342)  # the race's dock in Inspect on a 1366×768 screen
    v.show()
    qtbot.waitExposed(v)
    v.function_box.setCurrentIndex(v.function_box.findData("bowl"))
    return v


def type_kappa(qtbot, view, text):
    spin = view.kappa_spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def click_tab(qtbot, view, title):
    bar = view.side_tabs.tabBar()
    index = next(i for i in range(bar.count()) if bar.tabText(i) == title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert view.side_tabs.currentIndex() == index


def click_map(qtbot, view, lr, mu):
    rm = view.rate_map
    qtbot.mouseClick(rm.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=rm.pixel_of(lr, mu).toPoint())


def readout_rows(label):
    """The rate map's read-out table as text rows: {name: (η, μ, per step)}."""
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(label.text())
    lines = [line.replace("\xa0", " ").strip() for line in doc.toPlainText().split("\n")]
    rows = {}
    for i, line in enumerate(lines):
        if line[:1] in ("●", "★", "■"):
            rows[line.split()[-1]] = tuple(lines[i + 1:i + 4])
    return rows


def test_typing_a_condition_number_restarts_the_race_on_that_bowl(qtbot, view):
    assert view.kappa_spin.isVisible() and view.kappa_spin.value() == 25 and view.kappa == 25
    qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
    assert view.steps == 2
    type_kappa(qtbot, view, "100")
    assert view.kappa == 100 and view.steps == 0  # restarted once, on Return, not at "1" and "10"
    assert "100·y²" in view.about_label.text()
    fn = quadratic_bowl(100.0)
    assert view.fn.curvatures == (1.0, 100.0)
    assert view.lr_spins["sgd"].value() == pytest.approx(0.018)  # 1.8/κ: just under the limit 2/κ
    for _ in range(5):
        qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
    expected = race(fn, {"sgd": make_optimizer("sgd", fn.default_lr("sgd"))}, start=(-2.5, 1.0), steps=5)["sgd"]
    np.testing.assert_array_equal(view.paths()["sgd"], expected.path)
    # the rate map follows: its optimum is the κ = 100 one
    assert view.rate_map.optimum == pytest.approx(optimal_heavy_ball((1.0, 100.0)))
    # the range: 1 to 1000
    type_kappa(qtbot, view, "5000")
    assert view.kappa <= 1000


def test_the_theory_tabs_are_there_only_on_the_bowl(qtbot, view):
    click_tab(qtbot, view, "Rate map")
    view.function_box.setCurrentIndex(view.function_box.findData("rosenbrock"))
    assert view.side_tabs.currentIndex() == 0 and view.table_scroll.isVisible()
    assert not view.side_tabs.tabBar().isVisible() and not view.kappa_spin.isVisible()
    assert view.kappa is None
    view.function_box.setCurrentIndex(view.function_box.findData("bowl"))
    assert view.side_tabs.tabBar().isVisible() and view.kappa_spin.isVisible() and view.kappa == 25


def test_clicking_the_rate_map_picks_momentums_settings_and_reruns_the_race(qtbot, view):
    type_kappa(qtbot, view, "100")
    for _ in range(3):
        qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
    click_tab(qtbot, view, "Rate map")
    click_map(qtbot, view, 0.02, 0.5)
    mom = view.racers["momentum"]
    # wherever that pixel lies: within a pixel of the aim
    px_lr = view.rate_map.lr_max / view.rate_map.plot.vb.width()
    px_mu = 1.0 / view.rate_map.plot.vb.height()
    assert abs(mom.lr - 0.02) < 1.5 * px_lr and abs(mom.settings["momentum"] - 0.5) < 1.5 * px_mu
    assert view.steps == 0  # the race starts over
    assert view.lr_spins["momentum"].value() == pytest.approx(mom.lr, abs=1e-6)
    # the ring sits on the chosen setting; the read-out states its closed-form rate
    x, y = view.rate_map.current_mark.getData()
    assert (x[0], y[0]) == (mom.lr, mom.settings["momentum"])
    rows = readout_rows(view.rate_map.readout)
    rate = float(heavy_ball_rate(mom.lr, mom.settings["momentum"], (1.0, 100.0)))
    assert rows["Momentum"][2] == f"×{rate:.4f}"
    # the race then runs with exactly these settings
    for _ in range(20):
        qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
    opt = make_optimizer("momentum", mom.lr, momentum=mom.settings["momentum"])
    expected = race(view.fn, {"m": opt}, start=view.start, steps=20)["m"]
    np.testing.assert_array_equal(view.paths()["momentum"], expected.path)


def test_the_star_is_gohs_optimum_and_the_race_contracts_at_its_rate(qtbot, view):
    type_kappa(qtbot, view, "100")
    view.set_racer("sgd", lr=2 / 101)
    click_tab(qtbot, view, "Rate map")
    rows = readout_rows(view.rate_map.readout)
    assert rows["SGD"] == ("0.0198", "0", "×0.9802")  # plain descent at 2/(λ₁ + λₙ)
    assert rows["best"] == ("0.03306", "0.669", "×0.8182")  # α* = 4/121, β* = 81/121, rate 9/11
    assert rows["Momentum"] == ("0.005", "0.9", "×0.9487")
    alpha, beta, rate = optimal_heavy_ball((1.0, 100.0))
    # a click near the star (a few pixels off) picks the optimum exactly
    p = view.rate_map.pixel_of(alpha, beta).toPoint()
    p.setX(p.x() + 3)
    qtbot.mouseClick(view.rate_map.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=p)
    mom = view.racers["momentum"]
    assert (mom.lr, mom.settings["momentum"]) == (alpha, beta)
    assert view.lr_spins["momentum"].value() == pytest.approx(0.033058, abs=1e-6)
    assert readout_rows(view.rate_map.readout)["Momentum"][2] == "×0.8182"
    # ▶ Play, fast: the race's own momentum shrinks the error at 9/11 per step
    view.speed_spin.selectAll()
    qtbot.keyClicks(view.speed_spin, "1000")
    qtbot.keyClick(view.speed_spin, Qt.Key.Key_Return)
    qtbot.mouseClick(view.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.steps >= 400, timeout=20000)
    qtbot.mouseClick(view.play_button, Qt.MouseButton.LeftButton)
    path = view.paths()["momentum"][:401]
    got = measured_rate(path, first=200)
    assert rate <= got <= rate * 2 ** (1 / 200) and round(got, 2) == 0.82  # a double root: (a + bk)·ρᵏ
    sgd = view.paths()["sgd"][:401]
    assert measured_rate(sgd, first=200) == pytest.approx(99 / 101, rel=1e-12)


def test_the_directions_tab_plots_the_error_along_x_and_y_with_the_predicted_rates(qtbot, view):
    type_kappa(qtbot, view, "100")
    view.set_racer("sgd", lr=2 / 101)
    click_tab(qtbot, view, "Directions")
    assert view.directions.racer_box.currentText() == "Momentum"
    for _ in range(30):
        qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
    path = view.paths()["momentum"]
    for d, k in (("slow", 0), ("fast", 1)):
        xs, ys = view.directions.curves[d].getData()
        np.testing.assert_array_equal(xs, np.arange(31))
        np.testing.assert_allclose(ys, np.log10(np.abs(path[:, k])), rtol=1e-12)
    expected = heavy_ball_direction_rates(0.005, 0.9, (1.0, 100.0))
    np.testing.assert_allclose(view.directions.rates, expected, rtol=1e-12)
    # each dashed line has the predicted slope and bounds the curve's second half, touching it
    for d, k in (("slow", 0), ("fast", 1)):
        xs, ys = view.directions.predicted[d].getData()
        assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(math.log10(expected[k]))
        line = ys[0] + (ys[1] - ys[0]) * np.arange(15, 31) / 30
        gap = line - np.log10(np.abs(path[15:, k]))
        assert gap.min() == pytest.approx(0.0, abs=1e-9) and gap.min() > -1e-9
    text = view.directions.readout.text()
    assert f"×{expected[0]:.4f}" in text and "curvature 1)" in text and "curvature 100)" in text
    # the learner picks SGD in the tab's box: both directions at 99/101
    view.directions.racer_box.setFocus()
    qtbot.keyClicks(view.directions.racer_box, "SGD")
    assert view.directions.key == "sgd"
    np.testing.assert_allclose(view.directions.rates, gd_direction_rates(2 / 101, (1.0, 100.0)), rtol=1e-12)
    assert view.directions.readout.text().count("×0.9802") == 2
    xs, ys = view.directions.predicted["slow"].getData()
    assert ys[1] - ys[0] == pytest.approx(30 * math.log10(99 / 101))  # slope: the predicted rate
    # SGD's error is exactly geometric: the dashed line lies on the curve
    assert ys[0] == pytest.approx(math.log10(2.5)) and ys[1] == pytest.approx(math.log10(abs(view.paths()["sgd"][30, 0])))
    np.testing.assert_allclose(view.directions.curves["slow"].getData()[1],
                               np.log10(np.abs(view.paths()["sgd"][:, 0])), rtol=1e-12)
    # an adaptive method has no fixed rate: said so, no dashed line
    view.directions.set_racer("adam")
    assert view.directions.rates is None and "no fixed rate" in view.directions.readout.text()
    xs, _ys = view.directions.predicted["fast"].getData()
    assert xs is None or len(xs) == 0


def test_the_new_parts_fit_the_inspect_dock(qtbot, view):
    from test_race_view import _outside

    type_kappa(qtbot, view, "100")
    for title in ("Racers", "Directions", "Rate map"):
        click_tab(qtbot, view, title)
        QApplication.processEvents()
        assert _outside(view) == [], title
    assert view.rate_map.plot_widget.height() >= 150 and view.rate_map.plot_widget.width() >= 250
    assert view.rate_map.readout.visibleRegion().boundingRect().height() >= view.rate_map.readout.sizeHint().height()


# ------------------------------------------------------------------------------ lesson 6, step 3
@pytest.fixture
def window(qtbot):
    from nnstudio.app.main_window import MainWindow
    from window_helpers import discard_and_close

    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    yield w
    discard_and_close(w)


def test_lesson_6_why_momentum_works_shows_what_its_text_says(qtbot, window):
    panel = window.lesson_panel
    lesson = panel.lesson_by_number(6)
    panel.list.setCurrentRow(panel.lessons.index(lesson))
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    for _ in range(2):
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    step = lesson.steps[2]
    assert step.title.startswith("Why momentum works")
    view = window.race_view
    assert window.view_docks["RaceView"].isVisible() and not view.visibleRegion().isEmpty()
    # "κ = 100 in the box beside the formula", the Rate map tab in front
    assert view.kappa_spin.isVisible() and view.kappa_spin.value() == 100 and view.kappa == 100
    assert "100·y²" in view.about_label.text()
    assert view.side_tabs.currentWidget() is view.rate_map and not view.rate_map.visibleRegion().isEmpty()
    assert not view.rate_map.readout.visibleRegion().isEmpty()
    assert view.lr_spins["sgd"].text() == "0.019802" and not view.enable_checks["nesterov"].isChecked()
    rows = readout_rows(view.rate_map.readout)
    assert rows == {"Momentum": ("0.005", "0.9", "×0.9487"), "best": ("0.03306", "0.669", "×0.8182"),
                    "SGD": ("0.0198", "0", "×0.9802")}
    for cells in rows.values():  # what the table shows is what the text says
        assert cells[2] in step.look
    # the grey (divergence) begins at η = 0.02 on the bottom edge: SGD's square is left of it
    rm = view.rate_map
    j = 0  # the bottom row of cells, μ ≈ 0
    lrs = (np.arange(rm.rates.shape[1]) + 0.5) * rm.lr_max / rm.rates.shape[1]
    assert np.all((rm.rates[j] >= 1) == (lrs > 0.02 * (1 + (j + 0.5) * 0.999 / rm.rates.shape[0])))
    # "Click the star."
    qtbot.mouseClick(rm.plot_widget.viewport(), Qt.MouseButton.LeftButton,
                     pos=rm.pixel_of(*rm.optimum[:2]).toPoint())
    assert view.lr_spins["momentum"].text() == "0.033058" and view.steps == 0
    assert readout_rows(rm.readout)["Momentum"] == ("0.03306", "0.669", "×0.8182")
    # "Then open the Directions tab and press the race's ▶ Play."
    click_tab(qtbot, view, "Directions")
    view.set_speed(1000)
    qtbot.mouseClick(view.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.steps >= 100, timeout=20000)
    qtbot.mouseClick(view.play_button, Qt.MouseButton.LeftButton)
    text = view.directions.readout.text()
    assert text.count("×0.8182 per step") == 2 and "Momentum" == view.directions.racer_box.currentText()
    # "Choose SGD in the tab's box: both its lines fall at ×0.9802 per step."
    view.directions.racer_box.setFocus()
    qtbot.keyClicks(view.directions.racer_box, "SGD")
    assert view.directions.readout.text().count("×0.9802 per step") == 2
    # back to the first step: the κ = 25 bowl, μ = 0.9 again, and the racers' table
    for _ in range(2):
        qtbot.mouseClick(panel.prev_button, Qt.MouseButton.LeftButton)
    assert view.kappa == 25 and view.racers["momentum"].settings["momentum"] == 0.9
    assert view.side_tabs.currentWidget() is view.table_scroll and view.steps == 0
