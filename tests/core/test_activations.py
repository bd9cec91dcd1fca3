"""Activation functions: known values, derivatives, max slope, stability, dtypes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.activations import ACTIVATIONS, get_activation, sigmoid
from nnstudio.core.errors import SpecError

KEYS = list(ACTIVATIONS)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

# activations whose derivative has a kink at 0 (finite differences must avoid it)
KINKED = {"relu", "leaky_relu", "elu", "selu"}


def test_the_required_activations_exist():
    assert set(KEYS) == {"linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu",
                         "softplus", "gelu", "swish", "softsign"}
    for k, a in ACTIVATIONS.items():
        assert a.key == k and a.name and a.formula and a.derivative_formula


def test_unknown_activation_lists_the_options():
    with pytest.raises(SpecError) as e:
        get_activation("sigmoidd")
    msg = str(e.value)
    assert "sigmoidd" in msg
    for k in KEYS:
        assert k in msg


@pytest.mark.parametrize(
    "key, z, expected",
    [
        ("linear", [-2.5, 0.0, 3.0], [-2.5, 0.0, 3.0]),
        ("sigmoid", [0.0], [0.5]),
        ("sigmoid", [2.0, -2.0], [1 / (1 + math.exp(-2.0)), 1 / (1 + math.exp(2.0))]),
        ("tanh", [0.0, 1.0, -0.5], [0.0, math.tanh(1.0), math.tanh(-0.5)]),
        ("relu", [-3.0, 0.0, 2.0], [0.0, 0.0, 2.0]),
        ("leaky_relu", [-3.0, 0.0, 2.0], [-0.03, 0.0, 2.0]),
        ("elu", [-1.0, 0.0, 2.0], [math.exp(-1.0) - 1.0, 0.0, 2.0]),
        ("selu", [-1.0, 0.0, 2.0], [SELU_SCALE * SELU_ALPHA * (math.exp(-1.0) - 1.0), 0.0, SELU_SCALE * 2.0]),
        ("softplus", [0.0, 1.0, -1.0], [math.log(2.0), math.log1p(math.e), math.log1p(math.exp(-1.0))]),
        ("gelu", [1.0, 0.0, -1.0], [0.8413447460685429, 0.0, -1.0 + 0.8413447460685429]),
        ("swish", [0.0, 1.0, -2.0], [0.0, 1 / (1 + math.exp(-1.0)), -2.0 / (1 + math.exp(2.0))]),
        ("softsign", [0.0, 1.0, -3.0, 0.5], [0.0, 0.5, -0.75, 1 / 3]),
    ],
)
def test_known_values(key, z, expected):
    got = ACTIVATIONS[key].f(np.array(z, dtype=np.float64))
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)


def test_exact_special_values():
    assert ACTIVATIONS["sigmoid"].f(np.array(0.0)) == 0.5
    assert ACTIVATIONS["softplus"].f(np.array(0.0)) == math.log(2.0)
    assert ACTIVATIONS["gelu"].f(np.array(1.0)) == pytest.approx(0.8413447460685429, rel=1e-15)
    assert ACTIVATIONS["sigmoid"].df(np.array(0.0)) == 0.25
    assert ACTIVATIONS["tanh"].df(np.array(0.0)) == 1.0


def test_selu_constants_are_klambauers():
    assert ACTIVATIONS["selu"].f(np.array(1.0)) == pytest.approx(1.0507009873554805, rel=1e-15)
    assert ACTIVATIONS["selu"].f(np.array(-50.0)) == pytest.approx(-1.7580993408473766, rel=1e-15)
    assert ACTIVATIONS["selu"].range[0] == pytest.approx(-1.7580993408473766, rel=1e-15)


def test_leaky_relu_and_elu_use_their_alpha():
    lr, elu = ACTIVATIONS["leaky_relu"], ACTIVATIONS["elu"]
    assert lr.default_param == 0.01 and elu.default_param == 1.0
    z = np.array([-2.0, 3.0])
    np.testing.assert_array_equal(lr.f(z, 0.2), [-0.4, 3.0])
    np.testing.assert_array_equal(lr.df(z, 0.2), [0.2, 1.0])
    np.testing.assert_allclose(elu.f(z, 0.5), [0.5 * math.expm1(-2.0), 3.0], rtol=1e-15)
    np.testing.assert_allclose(elu.df(z, 0.5), [0.5 * math.exp(-2.0), 1.0], rtol=1e-15)


def test_relu_derivative_at_zero_is_zero_and_leaky_is_alpha():
    assert ACTIVATIONS["relu"].df(np.array([0.0]))[0] == 0.0
    assert ACTIVATIONS["leaky_relu"].df(np.array([0.0]))[0] == 0.01
    assert ACTIVATIONS["relu"].df(np.array([1e-300]))[0] == 1.0
    assert ACTIVATIONS["relu"].df(np.array([-1e-300]))[0] == 0.0


def _fd_grid() -> np.ndarray:
    z = np.linspace(-6.0, 6.0, 241) + 0.0123  # 0 is never on the grid
    return z[np.abs(z) > 1e-3]


@pytest.mark.parametrize("key", KEYS)
def test_derivative_matches_central_differences(key):
    act = ACTIVATIONS[key]
    z = _fd_grid()
    h = 1e-6
    fd = (act.f(z + h) - act.f(z - h)) / (2 * h)
    d = act.df(z)
    err = np.abs(d - fd) / np.maximum(np.abs(d) + np.abs(fd), 1e-8)
    assert err.max() <= 1e-6, (key, float(err.max()), float(z[err.argmax()]))


@pytest.mark.parametrize("key", ["leaky_relu", "elu"])
@pytest.mark.parametrize("alpha", [0.3, 2.0])
def test_derivative_with_alpha_matches_central_differences(key, alpha):
    act = ACTIVATIONS[key]
    z = _fd_grid()
    h = 1e-6
    fd = (act.f(z + h, alpha) - act.f(z - h, alpha)) / (2 * h)
    d = act.df(z, alpha)
    err = np.abs(d - fd) / np.maximum(np.abs(d) + np.abs(fd), 1e-8)
    assert err.max() <= 1e-6


@pytest.mark.parametrize("key", KEYS)
def test_df_from_output_equals_df(key):
    act = ACTIVATIONS[key]
    z = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(act.df_from(z, act.f(z)), act.df(z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("key", KEYS)
def test_max_slope_is_the_supremum_of_the_derivative(key):
    act = ACTIVATIONS[key]
    z = np.concatenate([np.linspace(-30.0, 30.0, 600001), [0.0, -1e-12, 1e-12, math.sqrt(2.0)]])
    d = act.df(z)
    # never exceeded ...
    assert d.max() <= act.max_slope * (1 + 1e-12), (key, d.max(), act.max_slope)
    # ... and reached (or approached: softplus′ → 1 only as z → ∞)
    assert d.max() == pytest.approx(act.max_slope, rel=1e-9)
    if key == "sigmoid":
        assert act.max_slope == 0.25 and d.max() == 0.25


@pytest.mark.parametrize("key", KEYS)
def test_values_lie_in_the_declared_range(key):
    act = ACTIVATIONS[key]
    lo, hi = act.range
    z = np.linspace(-50, 50, 100001)
    f = act.f(z)
    assert np.all(f >= lo) and np.all(f <= hi)
    if math.isfinite(lo) and key != "softsign":
        # tight for the exact bounds; gelu/swish round their minimum (−0.16997, −0.27846) down
        assert f.min() == pytest.approx(lo, abs=1e-9 if key not in ("gelu", "swish") else 1e-3)
    if key == "softsign":  # it reaches ±1 only as 1 − 1/|z|: at z = ±50, ±50/51
        assert f.min() == -50 / 51 and f.max() == 50 / 51


def test_sigmoid_and_softplus_are_stable_at_extremes():
    z = np.array([-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0])
    s = sigmoid(z)
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0
    assert s[2] == pytest.approx(math.exp(-40.0), rel=1e-14)  # no cancellation below 0
    sp = ACTIVATIONS["softplus"].f(z)
    assert np.all(np.isfinite(sp))
    assert sp[-1] == 1000.0 and sp[0] == 0.0
    assert sp[2] == pytest.approx(math.exp(-40.0), rel=1e-14)
    for key in KEYS:
        act = ACTIVATIONS[key]
        with np.errstate(all="raise", under="ignore"):
            assert np.all(np.isfinite(act.f(z))), key
            assert np.all(np.isfinite(act.df(z))), key
            assert np.all(np.isfinite(act.df_from(z, act.f(z)))), key


@pytest.mark.parametrize("key", KEYS)
def test_float32_in_float32_out(key):
    act = ACTIVATIONS[key]
    z = np.linspace(-5, 5, 23).astype(np.float32).reshape(23, 1)
    for out in (act.f(z), act.df(z), act.df_from(z, act.f(z))):
        assert out.dtype == np.float32, key
        assert out.shape == z.shape
    z64 = z.astype(np.float64)
    np.testing.assert_allclose(act.f(z), act.f(z64), rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(act.df(z), act.df(z64), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("key", KEYS)
def test_scalars_and_zero_d_arrays_work(key):
    act = ACTIVATIONS[key]
    for z in (0.7, np.array(0.7), np.float64(0.7)):
        assert float(act.f(z)) == pytest.approx(float(act.f(np.array([0.7]))[0]), rel=1e-15)
        assert float(act.df(z)) == pytest.approx(float(act.df(np.array([0.7]))[0]), rel=1e-15)


def test_any_shape_is_kept():
    z = np.random.default_rng(0).normal(size=(2, 3, 4))
    for act in ACTIVATIONS.values():
        assert act.f(z).shape == z.shape and act.df(z).shape == z.shape


# ----------------------------------------------------------------- softsign
def test_softsign_is_its_closed_form_and_so_is_its_derivative():
    """f(z) = z/(1 + |z|) and f′(z) = 1/(1 + |z|)², checked in exact rational arithmetic."""
    from fractions import Fraction

    act = ACTIVATIONS["softsign"]
    assert (act.name, act.range, act.max_slope) == ("Softsign", (-1.0, 1.0), 1.0)
    assert act.formula == "f(z) = z / (1 + |z|)" and act.derivative_formula == "f′(z) = 1 / (1 + |z|)²"
    zs = [0.0, 0.25, -0.25, 1.0, -1.0, 3.0, -7.5, 1e-300, -1e300, 123456.789]
    f, d = act.f(np.array(zs)), act.df(np.array(zs))
    for z, fz, dz in zip(zs, f, d):
        q = Fraction(z)
        # each result is the exact value rounded once or twice: within 2 ulp
        assert float(fz) == pytest.approx(float(q / (1 + abs(q))), rel=4.5e-16, abs=0)
        assert float(dz) == pytest.approx(float(1 / (1 + abs(q)) ** 2), rel=6.7e-16, abs=0)
    assert act.f(np.array(0.0)) == 0.0 and act.df(np.array(0.0)) == 1.0
    assert act.f(np.array(1.0)) == 0.5 and act.df(np.array(1.0)) == 0.25
    # odd function, even derivative
    z = np.linspace(-20, 20, 4001)
    np.testing.assert_array_equal(act.f(-z), -act.f(z))
    np.testing.assert_array_equal(act.df(-z), act.df(z))


def test_softsign_derivative_equals_central_differences_beyond_the_plain_grid():
    """Five-point central differences with a step scaled to |z| (the FD grid above stops
    at ±6): softsign's tail is polynomial, so its slope must still be right at |z| = 10⁴.
    Truncation error ≈ 4(h/z)⁴ = 4e-12; rounding ≈ 1e-16·z²/h ≈ 1e-9 at z = 10⁴."""
    act = ACTIVATIONS["softsign"]
    z = np.concatenate([np.geomspace(1e-3, 1e4, 200), -np.geomspace(1e-3, 1e4, 200)])
    h = 1e-3 * np.maximum(1e-2, np.abs(z))
    f = act.f
    fd = (f(z - 2 * h) - 8 * f(z - h) + 8 * f(z + h) - f(z + 2 * h)) / (12 * h)
    np.testing.assert_allclose(act.df(z), fd, rtol=1e-8, atol=0)


def test_softsign_equals_torch():
    torch = pytest.importorskip("torch")
    z = np.concatenate([np.linspace(-30, 30, 601), [1e-300, -1e-300, 1e300, -1e300, 0.0]])
    t = torch.tensor(z, requires_grad=True)
    out = torch.nn.functional.softsign(t)
    out.sum().backward()
    np.testing.assert_allclose(ACTIVATIONS["softsign"].f(z), out.detach().numpy(), rtol=1e-15, atol=0)
    # torch differentiates x·(1 + |x|)⁻¹ by the product rule, 1/d − |x|/d², which cancels to a
    # few ulp; nnstudio's (1/d)² is within 1.5 ulp of the exact value (test above)
    np.testing.assert_allclose(ACTIVATIONS["softsign"].df(z), t.grad.numpy(), rtol=1e-13, atol=0)


def test_softsign_saturates_more_slowly_than_tanh():
    """What Glorot & Bengio (2010) chose it for: at the same z its slope stays far from 0."""
    soft, tanh = ACTIVATIONS["softsign"], ACTIVATIONS["tanh"]
    z = np.array([3.0, 5.0, 10.0])
    np.testing.assert_allclose(soft.df(z), [1 / 16, 1 / 36, 1 / 121], rtol=1e-15)
    assert np.all(soft.df(z) > 5 * tanh.df(z))
