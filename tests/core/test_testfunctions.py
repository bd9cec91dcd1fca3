"""2-D optimizer test functions: gradients, minima, and racing optimizers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import SpecError
from nnstudio.core.optimizers import make_optimizer
from nnstudio.core.testfunctions import (
    TEST_FUNCTIONS,
    RacePath,
    default_racers,
    get_test_function,
    quadratic_bowl,
    race,
    race_bound,
    rosenbrock,
)

KEYS = list(TEST_FUNCTIONS)
FUNCTIONS = KEYS + ["bowl-k100", "rosenbrock-a2"]


def _fn(key):
    if key == "bowl-k100":
        return quadratic_bowl(100.0)
    if key == "rosenbrock-a2":
        return rosenbrock(2.0, 50.0)
    return TEST_FUNCTIONS[key]


def central_difference(fn, p):
    g = np.empty(2)
    for k in range(2):
        h = 1e-5 * max(1.0, abs(p[k]))
        e = np.zeros(2)
        e[k] = h
        g[k] = (fn.value(p + e) - fn.value(p - e)) / (2 * h)
    return g


def test_the_five_functions_exist():
    assert set(KEYS) == {"rosenbrock", "beale", "saddle", "himmelblau", "bowl"}
    for key, fn in TEST_FUNCTIONS.items():
        assert fn.key == key and fn.name and fn.formula.startswith("f(x, y) =") and fn.description
        (x0, x1), (y0, y1) = fn.domain
        assert x0 < fn.start[0] < x1 and y0 < fn.start[1] < y1
        for mx, my in fn.minima:
            assert x0 <= mx <= x1 and y0 <= my <= y1
    assert get_test_function("beale") is TEST_FUNCTIONS["beale"]
    with pytest.raises(SpecError, match="rosenbrock"):
        get_test_function("ackley")


@pytest.mark.parametrize("key", FUNCTIONS)
@settings(max_examples=40, deadline=None)
@given(u=st.floats(0.0, 1.0), v=st.floats(0.0, 1.0))
def test_gradient_matches_central_differences(key, u, v):
    fn = _fn(key)
    (x0, x1), (y0, y1) = fn.domain
    p = np.array([x0 + u * (x1 - x0), y0 + v * (y1 - y0)])
    g = fn.grad(p)
    assert g.shape == (2,) and g.dtype == np.float64
    fd = central_difference(fn, p)
    assert np.linalg.norm(g - fd) <= 1e-6 * max(1.0, np.linalg.norm(g))


@pytest.mark.parametrize("key", FUNCTIONS)
def test_minima_and_saddles_are_stationary(key):
    fn = _fn(key)
    for m in fn.minima:
        assert fn.value(m) == pytest.approx(fn.min_value, abs=1e-20)
        np.testing.assert_allclose(fn.grad(np.array(m)), 0.0, atol=1e-12)
        # and they are minima: every nearby point is higher
        for d in ([1e-3, 0], [0, 1e-3], [-1e-3, 1e-3]):
            assert fn.value(np.add(m, d)) > fn.min_value
    for s in fn.saddles:
        np.testing.assert_allclose(fn.grad(np.array(s)), 0.0, atol=1e-12)


def test_saddle_has_no_minimum():
    fn = TEST_FUNCTIONS["saddle"]
    assert fn.minima == () and fn.min_value == -math.inf and fn.saddles == ((0.0, 0.0),)


@pytest.mark.parametrize("key", KEYS)
def test_f_is_vectorised_and_grid_orientation(key):
    fn = TEST_FUNCTIONS[key]
    xs, ys, Z = fn.grid(n=7)
    assert Z.shape == (7, 7)
    assert Z[2, 5] == pytest.approx(fn.value((xs[5], ys[2])), rel=1e-15)
    pts = np.array([[0.1, 0.2], [1.0, -1.0], [2.0, 0.5]])
    G = fn.grad(pts)
    assert G.shape == (3, 2)
    for k in range(3):
        np.testing.assert_array_equal(G[k], fn.grad(pts[k]))
    np.testing.assert_array_equal(fn.f(pts[:, 0], pts[:, 1]), [fn.value(p) for p in pts])


def test_bowl_condition_number_and_validation():
    fn = quadratic_bowl(40.0)
    assert "40" in fn.formula
    np.testing.assert_allclose(fn.grad(np.array([1.0, 1.0])), [1.0, 40.0])
    for bad in (0.5, math.inf, "25", True):
        with pytest.raises(SpecError):
            quadratic_bowl(bad)
    with pytest.raises(SpecError):
        rosenbrock(1.0, 0.0)


# --------------------------------------------------------------------------- racing
def test_sgd_with_small_lr_converges_on_the_bowl():
    fn = TEST_FUNCTIONS["bowl"]
    res = race(fn, {"sgd": make_optimizer("sgd", 0.02)}, steps=800)["sgd"]
    assert isinstance(res, RacePath) and res.stopped is None and res.steps_done == 800
    assert res.path.shape == (801, 2) and res.values.shape == (801,)
    np.testing.assert_array_equal(res.path[0], fn.start)
    np.testing.assert_allclose(res.path[-1], [0.0, 0.0], atol=1e-5)
    assert np.all(np.diff(res.values) <= 0)  # η < 1/κ: monotone descent


def test_sgd_above_two_over_kappa_diverges_on_the_bowl():
    fn = quadratic_bowl(25.0)
    res = race(fn, {"sgd": make_optimizer("sgd", 2.2 / 25)}, steps=500)["sgd"]
    assert res.stopped is not None and "left the region" in res.stopped
    assert res.steps_done < 500


def test_adam_moves_downhill_on_rosenbrock():
    fn = TEST_FUNCTIONS["rosenbrock"]
    res = race(fn, {"adam": make_optimizer("adam", 0.05)}, steps=400)["adam"]
    assert res.stopped is None
    assert res.values[-1] < 0.2 * res.values[0]
    assert np.linalg.norm(res.path[-1] - [1.0, 1.0]) < np.linalg.norm(res.path[0] - [1.0, 1.0])


def test_diverging_lr_stops_cleanly_with_a_reason():
    # the test configuration turns RuntimeWarnings into errors: overflow must be silent
    fn = TEST_FUNCTIONS["rosenbrock"]
    res = race(fn, {"sgd": make_optimizer("sgd", 1.0)}, steps=100)["sgd"]
    assert res.stopped is not None and "left the region" in res.stopped
    assert res.path.shape == (101, 2) and np.all(np.isfinite(res.path))
    k = res.steps_done
    (bx0, bx1), (by0, by1) = race_bound(fn)
    assert not (bx0 <= res.path[k, 0] <= bx1 and by0 <= res.path[k, 1] <= by1)
    assert np.all(res.path[k:] == res.path[k])  # frozen after the stop


def test_non_finite_point_stops_with_a_reason():
    fn = TEST_FUNCTIONS["rosenbrock"]
    huge = ((-1e308, 1e308), (-1e308, 1e308))
    res = race(fn, {"sgd": make_optimizer("sgd", 1.0)}, steps=50, bound=huge)["sgd"]
    assert res.stopped is not None and "NaN" in res.stopped
    assert np.all(np.isfinite(res.path))
    assert np.all(res.path[res.steps_done:] == res.path[res.steps_done])


def test_race_is_fair_and_ordered():
    fn = TEST_FUNCTIONS["himmelblau"]
    used = make_optimizer("momentum", 2e-3)
    race(fn, {"m": used}, steps=30)  # leaves velocity and step count behind
    fresh = make_optimizer("momentum", 2e-3)
    res = race(fn, {"b": used, "a": fresh, "c": make_optimizer("adam", 0.1)}, start=(0.5, -0.5), steps=60)
    assert list(res) == ["b", "a", "c"]
    np.testing.assert_array_equal(res["a"].path, res["b"].path)  # state was reset
    for r in res.values():
        np.testing.assert_array_equal(r.path[0], [0.5, -0.5])


@pytest.mark.parametrize("key", [k for k in KEYS if TEST_FUNCTIONS[k].minima])
def test_recommended_learning_rates_make_progress(key):
    fn = TEST_FUNCTIONS[key]
    racers = default_racers(fn)
    assert len(racers) == 7
    for label, r in race(fn, racers, steps=300).items():
        assert r.stopped is None, label
        assert r.values[-1] < r.values[0], label


def test_default_racers_subset_and_unknown():
    fn = TEST_FUNCTIONS["bowl"]
    racers = default_racers(fn, ["sgd", "adam"])
    assert list(racers) == ["sgd (η = 0.072)", "adam (η = 0.1)"]
    with pytest.raises(SpecError):
        default_racers(fn, ["lbfgs"])


@pytest.mark.parametrize("bad", [
    dict(optimizers={}), dict(steps=-1), dict(steps=2.5), dict(start=(0.0, np.nan)),
    dict(start=(1.0, 2.0, 3.0)), dict(optimizers={"x": "sgd"}),
    dict(bound=((1.0, -1.0), (0.0, 1.0))), dict(bound=(1.0, 2.0)),
])
def test_race_validates(bad):
    args = dict(function=TEST_FUNCTIONS["bowl"], optimizers={"s": make_optimizer("sgd", 0.01)},
                start=None, steps=5)
    args.update(bad)
    with pytest.raises(SpecError):
        race(**args)


def test_zero_steps_returns_the_start():
    fn = TEST_FUNCTIONS["beale"]
    r = race(fn, {"s": make_optimizer("sgd", 0.01)}, steps=0)["s"]
    assert r.path.shape == (1, 2) and r.steps_done == 0 and r.stopped is None
