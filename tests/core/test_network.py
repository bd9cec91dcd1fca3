"""The network: flat parameter layout, worked examples, initialisers, size, float32."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.initializers import INIT_NAMES, init_weights
from nnstudio.core.network import Network
from nnstudio.core.optimizers import OPTIMIZER_CLASSES, make_optimizer
from nnstudio.core.specs import INITIALIZERS, LayerSpec, NetworkSpec


def _sig(z):
    return 1.0 / (1.0 + math.exp(-z))


# ----------------------------------------------------------------- worked examples
def test_single_sigmoid_neuron_from_the_course_notes():
    spec = NetworkSpec(n_inputs=3, hidden=(), task="binary")
    net = Network(spec)
    net.param("W1")[:, 0] = [2.0, 3.0, -1.0]
    net.param("b1")[:] = 0.5
    X = np.array([[0.9, 0.2, 0.3]])
    z = net.forward(X)
    assert z.shape == (1, 1)
    assert abs(z[0, 0] - 2.6) <= 1e-12
    out = net.predict(X)[0, 0]
    assert round(out, 2) == 0.93
    assert out == pytest.approx(_sig(2.6), rel=1e-15)


def test_two_two_one_sigmoid_network_from_the_course_notes():
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(2, "sigmoid"),), task="binary")
    net = Network(spec)
    W1 = net.param("W1")  # (inputs, neurons): column j holds neuron j's weights
    W1[:, 0] = [3.7, 3.7]
    W1[:, 1] = [2.9, 2.9]
    net.param("b1")[:] = [-1.5, -4.5]
    net.param("W2")[:, 0] = [4.5, -5.2]
    net.param("b2")[:] = -2.0
    X = np.array([[1.0, 0.0]])
    out = net.predict(X)[0, 0]
    hidden = net.layers[0].a[0]
    assert [round(h, 2) for h in hidden] == [0.90, 0.17]
    assert round(out, 2) == 0.76
    h1, h2 = _sig(3.7 - 1.5), _sig(2.9 - 4.5)
    np.testing.assert_allclose(hidden, [h1, h2], rtol=1e-15)
    assert out == pytest.approx(_sig(4.5 * h1 - 5.2 * h2 - 2.0), rel=1e-14)
    np.testing.assert_allclose(net.layers[0].z[0], [2.2, -1.6], rtol=1e-14)


# ----------------------------------------------------------------- layout
def test_flat_layout_weights_first_then_biases_and_views():
    spec = NetworkSpec(n_inputs=3, hidden=(LayerSpec(4), LayerSpec(2)), task="multiclass", n_outputs=3)
    net = Network(spec, 0)
    assert net.n_params == spec.n_parameters == 3 * 4 + 4 * 2 + 2 * 3 + 4 + 2 + 3
    assert net.n_weights == 3 * 4 + 4 * 2 + 2 * 3
    assert [s.name for s in net.slices] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    starts = {s.name: (s.start, s.stop, s.shape) for s in net.slices}
    assert starts["W1"] == (0, 12, (3, 4))
    assert starts["W2"] == (12, 20, (4, 2))
    assert starts["W3"] == (20, 26, (2, 3))
    assert starts["b1"] == (26, 30, (4,))
    assert starts["b3"] == (32, 35, (3,))
    # layers' arrays are views into params/grads
    for layer in net.layers:
        assert np.shares_memory(layer.W, net.params) and np.shares_memory(layer.gW, net.grads)
        assert np.shares_memory(layer.b, net.params) and np.shares_memory(layer.gb, net.grads)
    net.params[:] = np.arange(net.n_params)
    np.testing.assert_array_equal(net.layers[1].W, np.arange(12, 20).reshape(4, 2))
    np.testing.assert_array_equal(net.param("b2"), [30, 31])
    assert net.params[net.flat_index(1, "W", 3, 1)] == net.layers[1].W[3, 1]
    assert net.params[net.flat_index(2, "b", 2)] == net.layers[2].b[2]
    assert net.flat_index(0, "W", 2, 3) == 11
    with pytest.raises(KeyError):
        net.param("W9")
    flat = net.get_flat()
    flat[0] = -1
    assert net.params[0] == 0  # a copy
    net.set_flat(np.zeros(net.n_params))
    assert not net.layers[0].W.any()


def test_biases_get_their_initial_values_and_weights_their_initialiser():
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(3, init="zeros", bias_init=0.25),
                                           LayerSpec(2, init="he_uniform", bias_init=-1.0)),
                       task="regression", output_init="zeros", output_bias_init=7.0)
    net = Network(spec, 3)
    assert not net.layers[0].W.any() and not net.layers[2].W.any()
    assert net.layers[1].W.any() and np.abs(net.layers[1].W).max() <= math.sqrt(6 / 3)
    np.testing.assert_array_equal(net.layers[0].b, 0.25)
    np.testing.assert_array_equal(net.layers[1].b, -1.0)
    np.testing.assert_array_equal(net.layers[2].b, 7.0)


def test_same_seed_same_weights_and_rng_or_int():
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(5),))
    a = Network(spec, 42)
    b = Network(spec, np.random.default_rng(42))
    c = Network(spec, 43)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_predict_and_evaluate():
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(4, "tanh"),), task="multiclass", n_outputs=3)
    net = Network(spec, 1)
    X = np.random.default_rng(0).normal(size=(10, 2))
    y = np.arange(10) % 3
    p = net.predict(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    z = net.forward(X)
    assert net.evaluate(X, y) == pytest.approx(net.loss.value(z, y), rel=1e-15)
    # loss_and_grad returns the same data loss (no dropout) plus the penalty
    lg = net.loss_and_grad(X, y, True, None, 0.1, 0.2)
    assert lg == pytest.approx(net.evaluate(X, y) + net.penalty(0.1, 0.2), rel=1e-14)


# ----------------------------------------------------------------- initialisers
UNIFORM_LIMITS = {
    "standard": lambda fi, fo: 1 / math.sqrt(fi),
    "glorot_uniform": lambda fi, fo: math.sqrt(6 / (fi + fo)),
    "he_uniform": lambda fi, fo: math.sqrt(6 / fi),
}
NORMAL_STD = {
    "glorot_normal": lambda fi, fo: math.sqrt(2 / (fi + fo)),
    "he_normal": lambda fi, fo: math.sqrt(2 / fi),
    "lecun_normal": lambda fi, fo: math.sqrt(1 / fi),
}


def test_every_initialiser_is_covered():
    assert set(INITIALIZERS) == set(UNIFORM_LIMITS) | set(NORMAL_STD) | {"zeros"} == set(INIT_NAMES)


@pytest.mark.parametrize("key", list(UNIFORM_LIMITS))
@pytest.mark.parametrize("fan", [(400, 300), (7, 900)])
def test_uniform_initialisers_bounds_and_spread(key, fan):
    fi, fo = fan
    lim = UNIFORM_LIMITS[key](fi, fo)
    w = init_weights(key, fi, fo, np.random.default_rng(0))
    assert w.shape == (fi, fo) and w.dtype == np.float64
    assert np.abs(w).max() <= lim
    assert np.abs(w).max() >= 0.999 * lim  # fills its range
    assert w.mean() == pytest.approx(0.0, abs=0.01 * lim)
    assert w.std() == pytest.approx(lim / math.sqrt(3), rel=0.01)


@pytest.mark.parametrize("key", list(NORMAL_STD))
@pytest.mark.parametrize("fan", [(400, 300), (7, 900)])
def test_normal_initialisers_std(key, fan):
    fi, fo = fan
    std = NORMAL_STD[key](fi, fo)
    w = init_weights(key, fi, fo, np.random.default_rng(1))
    assert w.std() == pytest.approx(std, rel=0.01)
    assert w.mean() == pytest.approx(0.0, abs=0.01 * std)
    assert np.abs(w).max() > 3.5 * std  # a plain normal, not truncated


def test_zeros_initialiser_and_dtype_and_unknown_key():
    assert not init_weights("zeros", 5, 6, np.random.default_rng(0)).any()
    for key in INITIALIZERS:
        w = init_weights(key, 30, 20, np.random.default_rng(0), np.float32)
        assert w.dtype == np.float32 and w.shape == (30, 20)
    with pytest.raises(SpecError, match="unknown initialiser 'kaiming'"):
        init_weights("kaiming", 2, 2, np.random.default_rng(0))


# ----------------------------------------------------------------- size
def _fd_check_some(net, X, y, indices, h=1e-6):
    net.loss_and_grad(X, y)
    g = net.grads.copy()
    for i in indices:
        p = net.params[i]
        net.params[i] = p + h
        lp = net.evaluate(X, y)
        net.params[i] = p - h
        lm = net.evaluate(X, y)
        net.params[i] = p
        num = (lp - lm) / (2 * h)
        assert abs(num - g[i]) <= 1e-6 * (abs(num) + abs(g[i])) + 1e-10, (i, num, g[i])
    return g


def test_a_twenty_layer_network_trains_its_first_layer():
    spec = NetworkSpec(n_inputs=3, hidden=tuple(LayerSpec(5, "tanh", "glorot_normal") for _ in range(20)),
                       task="regression")
    net = Network(spec, 0)
    assert net.n_layers == 21 and len(net.slices) == 42
    X = np.random.default_rng(0).normal(size=(8, 3))
    y = np.random.default_rng(1).normal(size=8)
    g = _fd_check_some(net, X, y, [0, 7, net.flat_index(10, "W", 2, 2), net.flat_index(0, "b", 1),
                                   net.n_params - 1])
    assert np.abs(g[:15]).max() > 0  # the first layer still gets a gradient


def test_thousand_unit_layers_work():
    spec = NetworkSpec(n_inputs=4, hidden=(LayerSpec(1000, "relu", "he_normal"), LayerSpec(1000, "tanh")),
                       task="multiclass", n_outputs=10)
    net = Network(spec, 0)
    assert net.n_params == 4 * 1000 + 1000 * 1000 + 1000 * 10 + 1000 + 1000 + 10
    X = np.random.default_rng(0).normal(size=(16, 4))
    y = np.arange(16) % 10
    loss = net.loss_and_grad(X, y)
    assert math.isfinite(loss)
    assert loss == pytest.approx(math.log(10), rel=0.5)
    rng = np.random.default_rng(5)
    idx = list(rng.integers(0, net.n_weights, 4)) + [net.n_weights + 3, net.n_params - 2]
    _fd_check_some(net, X, y, idx)


def test_spec_limits_allow_big_networks():
    NetworkSpec(n_inputs=2, hidden=(LayerSpec(4096),) * 2)
    NetworkSpec(n_inputs=2, hidden=(LayerSpec(2),) * 64)


# ----------------------------------------------------------------- float32
@pytest.mark.parametrize("task, loss, k", [("regression", "huber", 1), ("binary", "bce", 1),
                                           ("multiclass", "cce", 3), ("regression", "mae", 1)])
def test_float32_networks_stay_float32_end_to_end(task, loss, k):
    acts = ["sigmoid", "gelu", "leaky_relu", "elu", "selu", "swish", "softplus", "relu", "tanh", "linear"]
    spec = NetworkSpec(n_inputs=3, hidden=tuple(LayerSpec(4, a, dropout=0.2) for a in acts),
                       task=task, n_outputs=k, loss=loss)
    net = Network(spec, 0, "float32")
    net64 = Network(spec, 0, "float64")
    assert net.params.dtype == np.float32 and net.grads.dtype == np.float32
    np.testing.assert_array_equal(net.params, net64.params.astype(np.float32))
    X = np.random.default_rng(0).normal(size=(9, 3))  # float64 in
    y = np.arange(9) % (k if task == "multiclass" else 2)
    for layer in net.layers:
        assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    z = net.forward(X, True, np.random.default_rng(0))
    assert z.dtype == np.float32
    for layer in net.layers:
        assert layer.z.dtype == np.float32 and layer.out.dtype == np.float32
    loss_v = net.loss_and_grad(X, y, True, np.random.default_rng(0), 0.01, 0.01)
    assert isinstance(loss_v, float) and math.isfinite(loss_v)
    assert net.grads.dtype == np.float32
    for layer in net.layers:
        assert layer.delta.dtype == np.float32
    assert net.predict(X).dtype == np.float32
    # close to the float64 network
    g32 = net.grads.copy()
    net64.loss_and_grad(X, y, True, np.random.default_rng(0), 0.01, 0.01)
    np.testing.assert_allclose(g32, net64.grads, rtol=1e-3, atol=1e-5)
    for key in OPTIMIZER_CLASSES:
        p = net.params.copy()
        opt = make_optimizer(key, 0.01)
        for _ in range(3):
            opt.step(p, g32)
        assert p.dtype == np.float32, key
        for v in opt.state.values():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32, key


def test_describe_parameter_names_every_index_like_flat_index():
    from nnstudio.core.network import describe_parameter, flat_index

    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(3, "tanh"),), task="binary")
    sizes = spec.layer_sizes  # 2 → 3 → 1
    assert describe_parameter(spec, flat_index(sizes, 0, "W", 1, 2)) == "weight 2→3 of layer 1"
    assert describe_parameter(spec, flat_index(sizes, 1, "W", 2, 0)) == "weight 3→1 of the output layer"
    assert describe_parameter(spec, flat_index(sizes, 0, "b", 2)) == "bias of unit 3 of layer 1"
    assert describe_parameter(spec, flat_index(sizes, 1, "b", 0)) == "bias of unit 1 of the output layer"
    assert describe_parameter(spec, 99) == "a parameter"
