"""Back-propagation against central finite differences, for every activation × loss ×
initialiser, with penalties and dropout, and for random architectures (hypothesis)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnstudio.core.activations import ACTIVATIONS
from nnstudio.core.network import Network
from nnstudio.core.specs import INITIALIZERS, LayerSpec, NetworkSpec

ACTS = list(ACTIVATIONS)
INITS = list(INITIALIZERS)
# loss -> (task, n_outputs)
LOSSES = {"mse": ("regression", 1), "mae": ("regression", 1), "huber": ("regression", 1),
          "bce": ("binary", 1), "cce": ("multiclass", 3)}
# activations whose derivative jumps at z = 0 (or whose 2nd derivative does: elu, softsign)
KINKED = {"relu", "leaky_relu", "elu", "selu", "softsign"}
MARGIN = 1e-4
H = 1e-6


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-8))


def make_data(spec: NetworkSpec, n: int, rng: np.random.Generator):
    X = rng.normal(size=(n, spec.n_inputs))
    if spec.task == "regression":
        y = rng.normal(size=n)
    elif spec.task == "binary":
        y = rng.integers(0, 2, n).astype(np.intp)
        y[:2] = [0, 1]
    else:
        y = rng.integers(0, spec.n_outputs, n).astype(np.intp)
    return X, y


def _data_loss(net: Network, X, y, drop_seed, l1, l2) -> float:
    """The loss recomputed from scratch (forward + loss value + penalty), not via loss_and_grad."""
    rng = np.random.default_rng(drop_seed) if drop_seed is not None else None
    z = net.forward(X, True, rng)
    return net.loss.value(z, y) + net.penalty(l1, l2)


def away_from_kinks(net: Network, X, y, drop_seed, l1) -> bool:
    """True when no kink (relu-like z = 0, |r| = 0 for mae, |r| = δ for huber, w = 0 for L1)
    lies within MARGIN of the current point, so central differences are valid."""
    rng = np.random.default_rng(drop_seed) if drop_seed is not None else None
    z = net.forward(X, True, rng)
    for layer in net.layers[:-1]:
        if layer.activation.key in KINKED and np.min(np.abs(layer.z)) < MARGIN:
            return False
    if net.loss.key in ("mae", "huber"):
        r = np.abs(z[:, 0] - y)
        if net.loss.key == "mae" and r.min() < MARGIN:
            return False
        if net.loss.key == "huber" and np.min(np.abs(r - net.loss.delta)) < MARGIN:
            return False
    if l1:
        w = np.abs(net.params[: net.n_weights])
        if np.any((w > 0) & (w < MARGIN)):
            return False
    return True


def check_gradients(net: Network, X, y, drop_seed=None, l1=0.0, l2=0.0, tol=1e-6):
    """Compare ``net.loss_and_grad`` with central differences over every parameter."""
    rng = np.random.default_rng(drop_seed) if drop_seed is not None else None
    loss = net.loss_and_grad(X, y, True, rng, l1, l2)
    g = net.grads.copy()
    p0 = net.params.copy()
    assert loss == pytest.approx(_data_loss(net, X, y, drop_seed, l1, l2), rel=1e-13, abs=1e-15)
    num = np.empty_like(g)
    for i in range(net.n_params):
        net.params[i] = p0[i] + H
        lp = _data_loss(net, X, y, drop_seed, l1, l2)
        net.params[i] = p0[i] - H
        lm = _data_loss(net, X, y, drop_seed, l1, l2)
        net.params[i] = p0[i]
        num[i] = (lp - lm) / (2 * H)
    assert np.array_equal(net.params, p0)
    # central differences carry round-off of about eps·|loss|/H per component: a gradient
    # whose components are all that small (a zero-initialised output layer, say) is
    # compared in absolute terms
    noise = 8 * np.finfo(np.float64).eps * max(abs(loss), 1.0) / H
    err = rel_err(g, num)
    assert err <= tol or np.linalg.norm(g - num) <= noise * np.sqrt(g.size), f"relative error {err:.3g}"
    # element-wise too, so a wrong small component cannot hide in the norm
    bad = np.abs(g - num) > tol * (np.abs(g) + np.abs(num)) + 1e-8
    assert not bad.any(), (np.flatnonzero(bad), g[bad], num[bad])
    return g, num


def build_checked(spec: NetworkSpec, seed: int, n: int = 5, drop_seed=None, l1=0.0, tries: int = 200):
    """A network and data (from ``seed`` upward) with no kink near the evaluation point."""
    for s in range(seed, seed + tries):
        rng = np.random.default_rng(s)
        net = Network(spec, rng, "float64")
        X, y = make_data(spec, n, rng)
        if away_from_kinks(net, X, y, drop_seed, l1):
            return net, X, y
    raise AssertionError("could not draw a kink-free network")  # pragma: no cover


def small_spec(act: str, loss: str, init: str, dropout: float = 0.0, alpha=None) -> NetworkSpec:
    task, k = LOSSES[loss]
    return NetworkSpec(
        n_inputs=3,
        hidden=(LayerSpec(4, act, init, bias_init=0.1, dropout=dropout, alpha=alpha),
                LayerSpec(3, act, init, bias_init=-0.2, dropout=dropout, alpha=alpha)),
        task=task, n_outputs=k, loss=loss, output_init=init, output_bias_init=0.05,
    )


@pytest.mark.parametrize("init", INITS)
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("act", ACTS)
def test_backprop_matches_finite_differences(act, loss, init):
    spec = small_spec(act, loss, init)
    net, X, y = build_checked(spec, seed=zlib.crc32(f"{act}/{loss}/{init}".encode()) % 1000)
    g, _ = check_gradients(net, X, y)
    # the output bias always gets a gradient; with non-zero weights every layer does
    assert np.any(g != 0)
    if init != "zeros":
        for s in net.slices:
            assert np.any(g[s.start:s.stop] != 0) or act == "relu", s.name


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("act", ACTS)
def test_backprop_with_l1_and_l2_penalties(act, loss):
    spec = small_spec(act, loss, "glorot_normal")
    l1, l2 = 0.03, 0.07
    net, X, y = build_checked(spec, seed=7, l1=l1)
    g_pen, _ = check_gradients(net, X, y, l1=l1, l2=l2)
    # the penalty gradient is exactly λ₁·sign(w) + 2λ₂·w on the weights and nothing on biases
    net.loss_and_grad(X, y, True, None)
    g0 = net.grads.copy()
    w = net.params[: net.n_weights]
    np.testing.assert_allclose(g_pen[: net.n_weights] - g0[: net.n_weights],
                               l1 * np.sign(w) + 2 * l2 * w, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(g_pen[net.n_weights:], g0[net.n_weights:])
    assert net.penalty(l1, l2) == pytest.approx(l1 * np.abs(w).sum() + l2 * (w**2).sum(), rel=1e-14)


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("act", ACTS)
def test_backprop_with_dropout_and_a_fixed_mask(act, loss):
    spec = small_spec(act, loss, "he_uniform", dropout=0.4)
    drop_seed = 99
    net, X, y = build_checked(spec, seed=11, n=6, drop_seed=drop_seed)
    check_gradients(net, X, y, drop_seed=drop_seed, l2=0.01)
    # the mask really drops something and scales the kept outputs by 1/(1 − p)
    net.forward(X, True, np.random.default_rng(drop_seed))
    masks = [layer.dropout.mask for layer in net.layers[:-1]]
    allm = np.concatenate([m.ravel() for m in masks])
    assert np.any(allm == 0) and np.any(allm != 0)
    np.testing.assert_allclose(allm[allm != 0], 1 / 0.6, rtol=1e-15)
    for layer, m in zip(net.layers[:-1], masks):
        np.testing.assert_allclose(layer.out, layer.a * m, rtol=1e-15)


def test_dropout_is_off_when_not_training():
    spec = small_spec("tanh", "mse", "he_uniform", dropout=0.5)
    net = Network(spec, 0)
    X = np.random.default_rng(0).normal(size=(6, 3))
    a = net.forward(X, False, np.random.default_rng(1))
    b = net.forward(X)
    np.testing.assert_array_equal(a, b)
    for layer in net.layers[:-1]:
        np.testing.assert_array_equal(layer.out, layer.a)
    c = net.forward(X, True, np.random.default_rng(1))
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("act", ["leaky_relu", "elu"])
@pytest.mark.parametrize("alpha", [0.2, 1.7])
def test_backprop_with_a_custom_alpha(act, alpha):
    spec = small_spec(act, "mse", "he_normal", alpha=alpha)
    net, X, y = build_checked(spec, seed=3, n=8)
    # make sure some pre-activations are negative, where α matters
    assert any(np.any(layer.z < 0) for layer in net.layers[:-1])
    check_gradients(net, X, y)


@pytest.mark.parametrize("delta", [0.3, 2.0])
def test_backprop_huber_with_other_deltas(delta):
    spec = small_spec("tanh", "huber", "glorot_uniform").replace(huber_delta=delta)
    net, X, y = build_checked(spec, seed=21, n=10)
    check_gradients(net, X, y)


def test_backprop_on_a_bigger_batch_with_mixed_scales():
    spec = NetworkSpec(n_inputs=3, hidden=(LayerSpec(5, "softplus"), LayerSpec(4, "gelu")),
                       task="multiclass", n_outputs=4, loss="cce")
    net, X, y = build_checked(spec, seed=0, n=40)
    check_gradients(net, X * 3.0, y)


@st.composite
def architectures(draw):
    depth = draw(st.integers(0, 4))
    loss = draw(st.sampled_from(list(LOSSES)))
    task, k = LOSSES[loss]
    if task == "multiclass":
        k = draw(st.integers(2, 4))
    hidden = tuple(
        LayerSpec(draw(st.integers(1, 6)), draw(st.sampled_from(ACTS)),
                  draw(st.sampled_from([i for i in INITS if i != "zeros"])),
                  bias_init=draw(st.sampled_from([0.0, 0.1, -0.3])))
        for _ in range(depth)
    )
    spec = NetworkSpec(n_inputs=draw(st.integers(1, 5)), hidden=hidden, task=task, n_outputs=k,
                       loss=loss, output_init=draw(st.sampled_from(INITS)))
    return spec, draw(st.integers(0, 2**32 - 1)), draw(st.sampled_from([0.0, 0.01])), draw(st.integers(2, 7))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(architectures())
def test_backprop_random_architectures(arch):
    spec, seed, l2, n = arch
    try:
        net, X, y = build_checked(spec, seed=seed % 10**6, n=n)
    except AssertionError:
        # a chain that always has a unit sitting exactly on a kink (e.g. a dead single ReLU
        # feeding a ReLU with bias 0): finite differences cannot check it; not a failure
        assume(False)
    check_gradients(net, X, y, l2=l2)
    assert net.grads.shape == (spec.n_parameters,)
