"""Convergence rates of gradient descent and momentum on a quadratic (after Goh, Distill
2017): the closed forms against hand-computed numbers, against NumPy's eigenvalues, and
against the rate measured by running the iteration — including the app's own optimizers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.momentum_theory import (
    condition_number,
    from_averaged,
    gd_direction_rates,
    gd_rate,
    heavy_ball_direction_rates,
    heavy_ball_matrix,
    heavy_ball_rate,
    max_stable_lr,
    measured_rate,
    nesterov_direction_rates,
    optimal_gd,
    optimal_heavy_ball,
    rate_map,
    spectral_radius_2x2,
    steps_per_decade,
)
from nnstudio.core.optimizers import make_optimizer
from nnstudio.core.testfunctions import quadratic_bowl, race

K100 = (1.0, 100.0)  # the bowl ½(x² + 100·y²): eigenvalues 1 and 100


def run_optimizer(key, lr, steps, kappa=100.0, start=(-2.5, 1.0), **settings):
    """The app's optimizer on the bowl: the points after each step, ``(steps + 1, 2)``."""
    fn = quadratic_bowl(kappa)
    opt = make_optimizer(key, lr, **settings)
    p = np.array(start, dtype=np.float64)
    out = [p.copy()]
    for _ in range(steps):
        opt.step(p, fn.grad(p))
        out.append(p.copy())
    return np.array(out)


def iterated_rate(matrix, steps=3000):
    """The growth per step of ``matrix``ᵏ·s for a generic s, renormalised every step
    (so 0.8³⁰⁰⁰ neither underflows nor 3³⁰⁰⁰ overflows): the mean log growth over the
    second half of the run."""
    s = np.array([0.7071, -0.3])
    logs = []
    for _ in range(steps):
        s = matrix @ s
        n = float(np.linalg.norm(s))
        if n == 0.0:  # a nilpotent matrix (e.g. 1 − αλ = 0 and β = 0): gone in two steps
            return 0.0
        logs.append(math.log(n))
        s /= n
    return math.exp(float(np.mean(logs[steps // 2:])))


# ------------------------------------------------------------------------------ the closed forms
def test_gradient_descent_at_2_over_101_contracts_by_0_9802_and_at_0_0201_diverges():
    assert gd_rate(2 / 101, K100) == pytest.approx(99 / 101, abs=1e-15)
    assert round(float(gd_rate(2 / 101, K100)), 4) == 0.9802
    np.testing.assert_allclose(gd_direction_rates(2 / 101, K100), [99 / 101, 99 / 101], atol=1e-15)
    assert gd_rate(0.0201, K100) == pytest.approx(1.01, abs=1e-14) and gd_rate(0.0201, K100) > 1
    # the best η is exactly 2/101, with rate (κ − 1)/(κ + 1)
    assert optimal_gd(K100) == pytest.approx((2 / 101, 99 / 101), abs=1e-16)
    assert max_stable_lr(0.0, K100) == 0.02 and max_stable_lr(0.5, K100) == pytest.approx(0.03)


def test_heavy_ball_at_its_optimum_contracts_at_about_0_82():
    alpha, beta, rate = optimal_heavy_ball(K100)
    assert alpha == pytest.approx(4 / 121, rel=1e-15)  # (2/(1 + 10))²
    assert beta == pytest.approx(81 / 121, rel=1e-15)  # ((10 − 1)/(10 + 1))²
    assert rate == pytest.approx(9 / 11, rel=1e-15)
    assert heavy_ball_rate(alpha, beta, K100) == pytest.approx(9 / 11, abs=1e-14)
    assert round(float(heavy_ball_rate(alpha, beta, K100)), 2) == 0.82
    # both extreme directions sit exactly on a repeated root there: equal rates
    np.testing.assert_allclose(heavy_ball_direction_rates(alpha, beta, K100), [9 / 11, 9 / 11], atol=1e-14)
    # ten times fewer steps per decade than the best plain gradient descent
    assert steps_per_decade(9 / 11) == pytest.approx(math.log(0.1) / math.log(9 / 11))
    assert round(float(steps_per_decade(99 / 101)), 1) == 115.1 and round(float(steps_per_decade(9 / 11)), 1) == 11.5


@pytest.mark.parametrize("kappa", [1.0, 2.0, 25.0, 100.0, 1000.0])
def test_the_optimum_is_the_lowest_point_of_the_map(kappa):
    lam = (1.0, kappa)
    alpha, beta, rate = optimal_heavy_ball(lam)
    assert condition_number(lam) == kappa
    alphas = np.linspace(0.0, 4.4 / kappa, 401)
    betas = np.linspace(0.0, 0.999, 401)
    R = rate_map(lam, alphas, betas)
    assert R.shape == (401, 401)
    assert R.min() >= rate - 1e-9
    # … and nearly reached on a grid that fine
    assert R.min() <= rate + 0.02
    # β = 0 is gradient descent
    np.testing.assert_allclose(R[0], gd_rate(alphas, lam), atol=1e-12)


def test_spectral_radius_agrees_with_numpys_eigenvalues():
    rng = np.random.default_rng(3)
    alpha = rng.uniform(0.0, 0.06, 500)
    beta = rng.uniform(0.0, 1.0, 500)
    lam = rng.uniform(0.5, 120.0, 500)
    mats = np.stack([heavy_ball_matrix(a, b, k) for a, b, k in zip(alpha, beta, lam)])
    expected = np.abs(np.linalg.eigvals(mats)).max(axis=1)
    got = np.array([heavy_ball_direction_rates(a, b, [k])[0] for a, b, k in zip(alpha, beta, lam)])
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    # vectorised: the same numbers at once
    np.testing.assert_allclose(spectral_radius_2x2(np.trace(mats, axis1=1, axis2=2), np.linalg.det(mats)),
                               expected, rtol=1e-7)


def test_the_map_equals_the_rate_measured_by_running_the_iteration():
    """Points all over the plane: complex roots (μ large), real roots, the divergence region."""
    lam = K100
    alphas = np.array([0.001, 0.01, 0.02, 0.0201, 4 / 121, 0.035, 0.05])
    betas = np.array([0.0, 0.3, 0.6, 81 / 121, 0.9, 0.99])
    R = rate_map(lam, alphas, betas)
    diverging = 0
    for j, b in enumerate(betas):
        for i, a in enumerate(alphas):
            measured = max(iterated_rate(heavy_ball_matrix(a, b, k)) for k in lam)
            # a repeated root grows like k·ρᵏ: over 3000 steps that biases the estimate ≤ 1e-3
            assert measured == pytest.approx(R[j, i], rel=1.5e-3), (a, b)
            diverging += R[j, i] > 1
    assert diverging >= 5  # the test reaches the divergence region


def test_wrong_curvatures_are_refused():
    for bad in ([], [0.0, 1.0], [1.0, math.nan], [-1.0], [[1.0, 2.0]]):
        with pytest.raises(SpecError, match="eigenvalues"):
            gd_rate(0.1, bad)
    with pytest.raises(SpecError):
        measured_rate([0.0, 0.0, 0.0])


# ------------------------------------------------------------------------------ the app's optimizers
def test_the_apps_gradient_descent_contracts_each_direction_by_the_predicted_factor():
    path = run_optimizer("sgd", 2 / 101, 200)
    np.testing.assert_allclose(path[1:, 0] / path[:-1, 0], 99 / 101, rtol=1e-13)  # slow direction x
    np.testing.assert_allclose(path[1:, 1] / path[:-1, 1], -99 / 101, rtol=1e-13)  # fast y, flipping sign
    assert measured_rate(path) == pytest.approx(99 / 101, rel=1e-12)
    # at η = 0.0201 the race's SGD runs off the bowl
    fn = quadratic_bowl(100.0)
    result = race(fn, {"sgd": make_optimizer("sgd", 0.0201)}, steps=2000)["sgd"]
    assert result.stopped is not None and "diverged" in result.stopped
    ys = result.path[: result.steps_done + 1, 1]
    np.testing.assert_allclose(np.abs(ys[1:] / ys[:-1]), 1.01, rtol=1e-12)


def test_the_apps_momentum_contracts_at_the_predicted_rate():
    alpha, beta, rate = optimal_heavy_ball(K100)
    path = run_optimizer("momentum", alpha, 400, momentum=beta)
    # a repeated root: the error goes like (a + b·k)·ρᵏ, so over steps 200…400 the measured
    # rate is ρ·2^(1/200) at most
    got = measured_rate(path, first=200)
    assert rate <= got <= rate * 2 ** (1 / 200) and round(got, 2) == 0.82
    # away from the optimum too, e.g. the race's default setting (η = 0.5/κ, μ = 0.9)
    for lr, mu in ((0.005, 0.9), (0.01, 0.5), (0.03, 0.8)):
        path = run_optimizer("momentum", lr, 3000, momentum=mu)
        assert measured_rate(path, first=1500) == pytest.approx(float(heavy_ball_rate(lr, mu, K100)), rel=2e-3)


def test_pytorchs_momentum_is_gohs_with_alpha_eta_and_beta_mu():
    """Goh's z ← βz + ∇f, w ← w − αz written out here, step for step, against the app's
    Momentum (PyTorch's convention) at α = η, β = μ: the same points."""
    fn = quadratic_bowl(100.0)
    lr, mu = 0.02, 0.7
    app = run_optimizer("momentum", lr, 50, momentum=mu)
    w, z = np.array([-2.5, 1.0]), np.zeros(2)
    goh = [w.copy()]
    for _ in range(50):
        z = mu * z + fn.grad(w)
        w = w - lr * z
        goh.append(w.copy())
    np.testing.assert_allclose(app, np.array(goh), rtol=1e-12, atol=1e-15)
    # the averaged form v ← μv + (1 − μ)g is not the same method at the same η …
    w, v = np.array([-2.5, 1.0]), np.zeros(2)
    averaged = [w.copy()]
    for _ in range(50):
        v = mu * v + (1 - mu) * fn.grad(w)
        w = w - lr * v
        averaged.append(w.copy())
    assert not np.allclose(app, np.array(averaged))
    # … but it is at α = η·(1 − μ)
    a, b = from_averaged(lr, mu)
    np.testing.assert_allclose(run_optimizer("momentum", a, 50, momentum=b), np.array(averaged), rtol=1e-12,
                               atol=1e-15)


def test_the_apps_nesterov_contracts_at_its_predicted_rate():
    for lr, mu in ((0.005, 0.9), (0.012, 0.5), (0.015, 0.6)):  # the last diverges across y
        rates = nesterov_direction_rates(lr, mu, K100)
        path = run_optimizer("nesterov", lr, 3000 if rates.max() < 1 else 1000, momentum=mu)
        for d in range(2):  # each eigen-direction is a coordinate of the bowl
            # the fast direction reaches 1e-300 long before step 3000: measure before that
            n = int(np.nonzero(np.abs(path[:, d]) > 1e-200)[0].max())
            assert n > 600
            assert measured_rate(path[:n + 1, d], first=n // 2) == pytest.approx(float(rates[d]), rel=2e-3), (lr, mu, d)


def test_steps_per_decade():
    np.testing.assert_allclose(steps_per_decade([0.1, 0.5, 0.0]), [1.0, math.log(10) / math.log(2), 0.0])
    assert np.all(np.isinf(steps_per_decade([1.0, 1.5])))


@pytest.mark.parametrize("kappa", [1.0, 7.5, 100.0, 1000.0])
def test_the_bowls_curvatures_are_its_hessians_eigenvalues(kappa):
    fn = quadratic_bowl(kappa)
    assert fn.curvatures == (1.0, kappa)
    h = 1e-4
    p = np.array([0.3, -0.7])
    hessian = np.column_stack([(fn.grad(p + h * e) - fn.grad(p - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(hessian, np.diag(fn.curvatures), rtol=1e-9, atol=1e-9)
    # the other test functions are not quadratics: no curvatures claimed
    from nnstudio.core.testfunctions import TEST_FUNCTIONS

    assert [k for k, f in TEST_FUNCTIONS.items() if f.curvatures] == ["bowl"]
