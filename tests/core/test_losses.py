"""Losses fused with their output activation: values, gradients, stability, metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.losses import (
    LOSS_NAMES,
    accuracy,
    confusion_matrix,
    get_loss,
    log_softmax,
    predicted_classes,
    r2_score,
    softmax,
)

RNG = np.random.default_rng(1234)


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _reg_data(n=7):
    rng = np.random.default_rng(5)
    z = rng.normal(size=(n, 1)) * 2
    y = rng.normal(size=n) * 2
    return z, y


def test_loss_keys_and_unknown_loss():
    assert set(LOSS_NAMES) == {"mse", "mae", "huber", "bce", "cce"}
    with pytest.raises(SpecError, match="choose one of: mse, mae, huber, bce, cce"):
        get_loss("nll")
    assert get_loss("bce").output_activation == "sigmoid"
    assert get_loss("cce").output_activation == "softmax"
    for k in ("mse", "mae", "huber"):
        assert get_loss(k).output_activation == "linear"


def test_mse_mae_values_match_direct_formulas():
    z, y = _reg_data()
    r = z[:, 0] - y
    assert get_loss("mse").value(z, y) == pytest.approx(np.mean(r**2), rel=1e-15)
    assert get_loss("mae").value(z, y) == pytest.approx(np.mean(np.abs(r)), rel=1e-15)
    np.testing.assert_allclose(get_loss("mse").per_sample(z, y), r**2, rtol=1e-15)
    assert get_loss("mse").value_and_grad(z, y)[0] == pytest.approx(np.mean(r**2), rel=1e-14)
    assert get_loss("mae").value_and_grad(z, y)[0] == pytest.approx(np.mean(np.abs(r)), rel=1e-15)


def test_mse_hand_example():
    z = np.array([[1.0], [3.0]])
    y = np.array([0.0, 1.0])
    loss, g = get_loss("mse").value_and_grad(z, y)
    assert loss == 2.5  # (1 + 4) / 2
    np.testing.assert_array_equal(g, [[1.0], [2.0]])  # 2r/n


@pytest.mark.parametrize("delta", [1.0, 0.5, 2.5])
def test_huber_both_regions(delta):
    loss = get_loss("huber", delta)
    r = np.array([-3.0, -delta, -0.3 * delta, 0.0, 0.2 * delta, delta, 4.0])
    y = np.zeros_like(r)
    z = r.reshape(-1, 1)
    expected = [0.5 * v * v if abs(v) <= delta else delta * (abs(v) - 0.5 * delta) for v in r]
    np.testing.assert_allclose(loss.per_sample(z, y), expected, rtol=1e-15)
    v, g = loss.value_and_grad(z, y)
    assert v == pytest.approx(np.mean(expected), rel=1e-15)
    exp_g = [v_ if abs(v_) <= delta else delta * np.sign(v_) for v_ in r]
    np.testing.assert_allclose(g[:, 0], np.array(exp_g) / len(r), rtol=1e-15)
    # quadratic inside, linear outside
    assert loss.per_sample(np.array([[0.5 * delta]]), np.zeros(1))[0] == pytest.approx(0.125 * delta**2)
    assert loss.per_sample(np.array([[10.0 * delta]]), np.zeros(1))[0] == pytest.approx(9.5 * delta**2)


def test_huber_is_continuous_at_delta():
    loss = get_loss("huber", 1.5)
    eps = 1e-9
    a = loss.per_sample(np.array([[1.5 - eps], [1.5 + eps]]), np.zeros(2))
    assert abs(a[0] - a[1]) < 1e-8


def test_mae_gradient_is_the_sign():
    z = np.array([[2.0], [-1.0], [0.5], [0.5]])
    y = np.array([1.0, 0.0, 0.5, 3.0])
    v, g = get_loss("mae").value_and_grad(z, y)
    np.testing.assert_array_equal(g[:, 0], np.array([1.0, -1.0, 0.0, -1.0]) / 4)
    assert v == pytest.approx((1 + 1 + 0 + 2.5) / 4)


def test_bce_equals_the_textbook_formula_where_finite():
    z = np.linspace(-40, 40, 81).reshape(-1, 1)
    for t in (0.0, 1.0):
        y = np.full(len(z), t)
        with np.errstate(divide="ignore", invalid="ignore"):
            s = _sig(z[:, 0])
            direct = -(t * np.log(s) + (1 - t) * np.log(1 - s))
        got = get_loss("bce").per_sample(z, y)
        assert np.all(np.isfinite(got))
        # where the textbook formula is well conditioned (1 − σ does not cancel) it is exact
        well = np.abs(z[:, 0]) <= 15
        np.testing.assert_allclose(got[well], direct[well], rtol=1e-9, atol=0)
        finite = np.isfinite(direct)
        assert not finite.all()  # the textbook formula does break (log 0) out there
        # where it breaks the fused form is still right: ≈ |z| for the wrong class ...
        wrong = (z[:, 0] > 0) != (t == 1.0)
        np.testing.assert_allclose(got[~finite & wrong], np.abs(z[~finite & wrong, 0]), rtol=1e-15)
        # ... and ln(1 + e^−|z|) ≈ e^−|z| (not 0) for the right class
        right = ~wrong & (np.abs(z[:, 0]) > 0)
        np.testing.assert_allclose(got[right & ~well], np.exp(-np.abs(z[right & ~well, 0])), rtol=1e-6)


def test_bce_value_and_per_sample_agree_with_mixed_labels():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(9, 1)) * 3
    y = (rng.random(9) < 0.5).astype(float)
    s = _sig(z[:, 0])
    direct = -(y * np.log(s) + (1 - y) * np.log(1 - s))
    loss = get_loss("bce")
    assert loss.value(z, y) == pytest.approx(direct.mean(), rel=1e-13)
    assert loss.value_and_grad(z, y)[0] == pytest.approx(direct.mean(), rel=1e-13)
    np.testing.assert_allclose(loss.grad(z, y)[:, 0], (s - y) / 9, rtol=1e-12)


def test_bce_stays_finite_and_exact_at_extreme_logits():
    loss = get_loss("bce")
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    per = loss.per_sample(z, y)
    np.testing.assert_array_equal(per, [0.0, 0.0, 1000.0, 1000.0])
    v, g = loss.value_and_grad(z, y)
    assert v == 500.0
    np.testing.assert_array_equal(g[:, 0], np.array([0.0, 0.0, 1.0, -1.0]) / 4)
    assert np.all(np.isfinite(loss.output(z)))


def test_softmax_rows_sum_to_one_and_are_stable():
    z = np.random.default_rng(3).normal(size=(50, 5)) * 10
    z[0] = [1000, 999, -1000, 0, 1]
    z[1] = [-1000, -1000, -1000, -1000, -1000]
    p = softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(p[1], 0.2, rtol=1e-15)
    assert p[0, 0] == pytest.approx(1 / (1 + math.exp(-1) + math.exp(-999) + math.exp(-2000)), rel=1e-15)
    np.testing.assert_allclose(np.exp(log_softmax(z)), p, rtol=1e-13, atol=1e-300)
    small = np.array([[1.0, 2.0, 3.0]])
    e = np.exp(small)
    np.testing.assert_allclose(softmax(small), e / e.sum(), rtol=1e-15)


def test_cce_matches_minus_log_softmax_of_the_true_class():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(8, 3)) * 2
    y = rng.integers(0, 3, 8)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    direct = -np.log(p[np.arange(8), y])
    loss = get_loss("cce")
    np.testing.assert_allclose(loss.per_sample(z, y), direct, rtol=1e-13)
    v, g = loss.value_and_grad(z, y)
    assert v == pytest.approx(direct.mean(), rel=1e-13)
    onehot = np.eye(3)[y]
    np.testing.assert_allclose(g, (p - onehot) / 8, rtol=1e-12, atol=1e-17)
    # extreme logits stay finite
    zx = np.array([[1000.0, -1000.0, 0.0]])
    v2, g2 = loss.value_and_grad(zx, np.array([1]))
    assert v2 == 2000.0 and np.all(np.isfinite(g2))


def test_output_applies_the_fused_activation():
    z = np.array([[0.0], [2.0]])
    np.testing.assert_array_equal(get_loss("mse").output(z), z)
    np.testing.assert_allclose(get_loss("bce").output(z), _sig(z), rtol=1e-15)
    z3 = np.array([[0.0, 0.0, math.log(2.0)]])
    np.testing.assert_allclose(get_loss("cce").output(z3), [[0.25, 0.25, 0.5]], rtol=1e-15)


def _numeric_grad(loss, z, y, h=1e-6):
    g = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += h
        zm[idx] -= h
        g[idx] = (loss.value(zp, y) - loss.value(zm, y)) / (2 * h)
    return g


def _rel(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-8)


@pytest.mark.parametrize("key", ["mse", "mae", "huber", "bce", "cce"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_wrt_logits_matches_central_differences(key, seed):
    rng = np.random.default_rng(seed)
    n = 6
    if key == "cce":
        z = rng.normal(size=(n, 4)) * 2
        y = rng.integers(0, 4, n)
    elif key == "bce":
        z = rng.normal(size=(n, 1)) * 3
        y = rng.integers(0, 2, n).astype(float)
    else:
        y = rng.normal(size=n)
        # residuals away from 0 (mae kink) and from ±δ (huber kink)
        r = rng.uniform(0.05, 0.95, n) * rng.choice([-1, 1], n) + rng.choice([0.0, 2.0, -2.0], n)
        z = (y + r).reshape(-1, 1)
    loss = get_loss(key)
    v, g = loss.value_and_grad(z, y)
    assert v == pytest.approx(loss.value(z, y), rel=1e-14)
    assert g.shape == z.shape
    assert _rel(g, _numeric_grad(loss, z, y)) <= 1e-6


@pytest.mark.parametrize("key", ["mse", "mae", "huber", "bce", "cce"])
def test_float32_logits_give_float32_gradients(key):
    k = 3 if key == "cce" else 1
    z = np.random.default_rng(0).normal(size=(5, k)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0]) if key == "cce" else np.array([0, 1, 1, 0, 1], dtype=np.float64)
    v, g = get_loss(key).value_and_grad(z, y)
    assert g.dtype == np.float32
    assert isinstance(v, float)


def test_metrics():
    zb = np.array([[2.0], [-1.0], [0.0], [0.1]])
    yb = np.array([1, 0, 1, 0])
    np.testing.assert_array_equal(predicted_classes(zb, "binary"), [1, 0, 0, 1])
    assert accuracy(zb, yb, "binary") == 0.5
    zm = np.array([[0, 1, 0], [5, 1, 0], [0, 0, 9.0]])
    ym = np.array([1, 2, 2])
    assert accuracy(zm, ym, "multiclass") == pytest.approx(2 / 3)
    c = confusion_matrix(zm, ym, "multiclass", 3)
    np.testing.assert_array_equal(c, [[0, 0, 0], [0, 1, 0], [1, 0, 1]])
    assert math.isnan(accuracy(np.zeros((0, 1)), np.zeros(0), "binary"))
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert r2_score(y.copy(), y) == 1.0
    assert r2_score(np.full(4, y.mean()), y) == 0.0
    assert r2_score(np.array([2.0, 2.0, 3.0, 3.0]), y) == pytest.approx(1 - 2 / 5)
    assert math.isnan(r2_score(np.ones(3), np.ones(3)))
