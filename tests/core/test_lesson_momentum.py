"""Lesson 6's "Why momentum works" step, headless: its set-up, and every number its text
quotes, computed from the closed forms (nnstudio.core.momentum_theory) and the race."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from nnstudio.app.lessons import load_lesson
from nnstudio.core.momentum_theory import (
    gd_rate,
    heavy_ball_direction_rates,
    heavy_ball_rate,
    max_stable_lr,
    optimal_gd,
    optimal_heavy_ball,
    steps_per_decade,
)
from nnstudio.core.optimizers import make_optimizer
from nnstudio.core.testfunctions import TEST_FUNCTIONS, quadratic_bowl, race

LESSON = Path(__file__).resolve().parents[2] / "resources" / "lessons" / "06_optimizers.json"
K100 = (1.0, 100.0)


@pytest.fixture(scope="module")
def step():
    lesson = load_lesson(LESSON)
    i = next(i for i, s in enumerate(lesson.steps) if s.title.startswith("Why momentum works"))
    assert i == 2  # after the two races, before the network
    return lesson.steps[i]


def test_the_step_sets_up_the_bowl_with_kappa_100_and_shows_the_rate_map(step):
    assert step.view == "RaceView"
    calls = [(c.call, c.args) for c in step.view_setup]
    assert calls == [("set_function", ("bowl",)), ("set_kappa", (100,)), ("set_racer", ("nesterov", False)),
                     ("set_racer", ("sgd", True, 0.0198019802)), ("follow", ("momentum",)),
                     ("show_tab", ("rates",))]
    assert 0.0198019802 == pytest.approx(2 / 101, abs=1e-10)
    assert quadratic_bowl(100).curvatures == K100


def test_every_number_in_the_text_is_the_closed_forms(step):
    text = " ".join((step.text, step.look))
    fn = quadratic_bowl(100.0)
    # SGD at 2/101: the best fixed η, ×0.9802 per step, 115 steps per factor of 10
    eta, rate = optimal_gd(K100)
    assert eta == pytest.approx(2 / 101) and f"{eta:.4f}" == "0.0198" and "2/101 ≈ 0.0198" in text
    sgd = float(gd_rate(0.0198019802, K100))
    assert f"×{sgd:.4f}" == "×0.9802" and "×0.9802 per step" in text
    assert round(float(steps_per_decade(sgd))) == 115 and "115 steps" in text
    assert round(1 - sgd, 2) == 0.02 and "only 2 % a step" in text
    # the grey begins at 2/100; at 0.0201 the y error grows ×1.01
    assert max_stable_lr(0.0, K100) == 0.02 and "η = 2/100 = 0.02" in text
    assert float(gd_rate(0.0201, K100)) == pytest.approx(1.01) and "η = 0.0201" in text and "×1.01" in text
    # Momentum's own setting on this bowl: η = 0.5/κ, μ = 0.9
    assert fn.default_lr("momentum") == 0.005 and "η = 0.005, μ = 0.9" in text
    assert f"×{float(heavy_ball_rate(0.005, 0.9, K100)):.4f}" == "×0.9487" and "×0.9487" in text
    # the star: α* = (2/(√1 + √100))², β* = ((10 − 1)/(10 + 1))², rate √β*
    alpha, beta, best = optimal_heavy_ball(K100)
    assert f"{alpha:.4g}" == "0.03306" and "(2/(√1 + √100))² = 0.03306" in text
    assert f"{beta:.3f}" == "0.669" and "((10 − 1)/(10 + 1))² = 0.669" in text
    assert f"×{best:.4f}" == "×0.8182" and "×0.8182 per step" in text
    assert f"{float(steps_per_decade(best)):.3g}" == "11.5" and "11.5 steps" in text
    assert round(float(steps_per_decade(sgd) / steps_per_decade(best))) == 10 and "ten times fewer" in text
    # Directions: both of momentum's directions at ×0.8182; both of SGD's at ×0.9802
    np.testing.assert_allclose(heavy_ball_direction_rates(alpha, beta, K100), [best, best], rtol=1e-12)
    assert "both fall along dashed lines of ×0.8182 per step" in text
    assert "both its lines fall at ×0.9802 per step" in text
    # Goh's convention is PyTorch's: stated, and the race agrees (the app's momentum at the
    # star contracts at 9/11 — see tests/core/test_momentum_theory.py for the proof)
    assert "α = η and β = μ" in text
    res = race(fn, {"m": make_optimizer("momentum", alpha, momentum=beta)}, steps=400)["m"]
    assert round((np.linalg.norm(res.path[400]) / np.linalg.norm(res.path[200])) ** (1 / 200), 2) == 0.82


def test_the_bowl_of_the_first_step_is_still_kappa_25():
    assert TEST_FUNCTIONS["bowl"].curvatures == (1.0, 25.0)
    assert math.isclose(TEST_FUNCTIONS["bowl"].default_lr("sgd"), 0.072)
