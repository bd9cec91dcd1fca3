"""Optimizers: the first steps written out by hand, state, lr changes, (de)serialisation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.optimizers import (
    OPTIMIZER_CLASSES,
    OPTIMIZER_INFO,
    AdaGrad,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    RMSProp,
    SGD,
    apply_settings,
    make_optimizer,
    optimizer_from_config,
)
from nnstudio.core.specs import OPTIMIZERS, TrainConfig

P0 = np.array([0.5, -1.0, 2.0])
GRADS = [np.array([0.1, -0.2, 0.3]), np.array([-0.4, 0.5, 0.05]), np.array([0.2, 0.0, -0.6])]


def _run(opt, n=3):
    p = P0.copy()
    out = []
    for g in GRADS[:n]:
        opt.step(p, g)
        out.append(p.copy())
    return out


def test_gradient_descent_arithmetic_from_the_course_notes():
    # w_new = w_old − η·∂C/∂w with η·g = 0.22: 0.9 − 0.22 = 0.68
    w = np.array([0.9])
    SGD(0.5).step(w, np.array([0.44]))
    assert w[0] == pytest.approx(0.68, abs=1e-15)
    w = np.array([0.9])
    SGD(0.1).step(w, np.array([2.2]))
    assert w[0] == pytest.approx(0.68, abs=1e-15)


def test_sgd():
    lr = 0.1
    got = _run(SGD(lr))
    p = P0.copy()
    for k, g in enumerate(GRADS):
        p = p - lr * g
        np.testing.assert_array_equal(got[k], p)


def test_momentum_first_buffer_is_the_gradient():
    lr, mu = 0.1, 0.9
    opt = Momentum(lr, mu)
    got = _run(opt)
    g1, g2, g3 = GRADS
    v1 = g1  # PyTorch: the first buffer is a copy of the gradient
    p1 = P0 - lr * v1
    v2 = mu * v1 + g2
    p2 = p1 - lr * v2
    v3 = mu * v2 + g3
    p3 = p2 - lr * v3
    for a, b in zip(got, [p1, p2, p3]):
        np.testing.assert_allclose(a, b, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(opt.state["velocity"], v3, rtol=1e-15)
    assert opt.state["step"] == 3


def test_nesterov():
    lr, mu = 0.05, 0.8
    opt = Nesterov(lr, mu)
    got = _run(opt)
    g1, g2, g3 = GRADS
    v1 = g1
    p1 = P0 - lr * (g1 + mu * v1)
    v2 = mu * v1 + g2
    p2 = p1 - lr * (g2 + mu * v2)
    v3 = mu * v2 + g3
    p3 = p2 - lr * (g3 + mu * v3)
    for a, b in zip(got, [p1, p2, p3]):
        np.testing.assert_allclose(a, b, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(opt.state["velocity"], v3, rtol=1e-15)


def test_adagrad_eps_outside_the_root_and_accumulator_from_zero():
    lr, eps = 0.1, 1e-10
    opt = AdaGrad(lr)
    assert opt.eps == 1e-10
    got = _run(opt)
    G = np.zeros(3)
    p = P0.copy()
    for k, g in enumerate(GRADS):
        G = G + g * g
        p = p - lr * g / (np.sqrt(G) + eps)
        np.testing.assert_allclose(got[k], p, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(opt.state["sum_sq"], G, rtol=1e-15)
    # first step moves every coordinate by ≈ lr·sign(g)
    np.testing.assert_allclose(got[0] - P0, -lr * np.sign(GRADS[0]), rtol=1e-8)
    # a zero gradient with a zero accumulator does not move (0 / (0 + ε) = 0)
    q = np.array([1.0])
    AdaGrad(1.0).step(q, np.array([0.0]))
    assert q[0] == 1.0


def test_rmsprop():
    lr, alpha, eps = 0.01, 0.99, 1e-8
    opt = RMSProp(lr)
    assert (opt.alpha, opt.eps) == (0.99, 1e-8)
    got = _run(opt)
    s = np.zeros(3)
    p = P0.copy()
    for k, g in enumerate(GRADS):
        s = alpha * s + (1 - alpha) * g * g
        p = p - lr * g / (np.sqrt(s) + eps)
        np.testing.assert_allclose(got[k], p, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(opt.state["square_avg"], s, rtol=1e-15)
    # first step: |Δp| = lr·|g| / (0.1·|g| + ε) ≈ 10·lr
    np.testing.assert_allclose(np.abs(got[0] - P0), 10 * lr, rtol=1e-6)


def test_adam_bias_corrected():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    opt = Adam(lr)
    got = _run(opt)
    m = np.zeros(3)
    v = np.zeros(3)
    p = P0.copy()
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(got[t - 1], p, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(opt.state["exp_avg"], m, rtol=1e-15)
    np.testing.assert_allclose(opt.state["exp_avg_sq"], v, rtol=1e-15)
    assert opt.state["step"] == 3
    # the first step is ≈ lr·sign(g) thanks to the bias correction
    np.testing.assert_allclose(got[0] - P0, -lr * np.sign(GRADS[0]), rtol=1e-6)


def test_adamw_decoupled_weight_decay():
    lr, wd, b1, b2, eps = 0.01, 0.1, 0.9, 0.999, 1e-8
    opt = AdamW(lr, weight_decay=wd)
    got = _run(opt)
    m = np.zeros(3)
    v = np.zeros(3)
    p = P0.copy()
    for t, g in enumerate(GRADS, start=1):
        p = p * (1 - lr * wd)  # decay first, not through the gradient
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(got[t - 1], p, rtol=1e-14, atol=1e-16)
    assert AdamW(0.1).weight_decay == 0.01
    # with a zero gradient only the decay acts ... after Adam's 0/ε step of 0
    q = np.array([2.0])
    AdamW(0.5, weight_decay=0.2).step(q, np.array([0.0]))
    assert q[0] == 2.0 * (1 - 0.5 * 0.2)


def test_adamw_with_zero_decay_equals_adam():
    a, b = _run(Adam(0.02)), _run(AdamW(0.02, weight_decay=0.0))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_custom_hyperparameters_are_used():
    opt = Adam(0.1, beta1=0.5, beta2=0.6, eps=1e-3)
    p = np.array([1.0])
    g = np.array([2.0])
    opt.step(p, g)
    m, v = 0.5 * 2.0, 0.4 * 4.0
    assert p[0] == pytest.approx(1.0 - 0.1 * (m / 0.5) / (math.sqrt(v / 0.4) + 1e-3), rel=1e-15)
    r = RMSProp(0.1, alpha=0.5, eps=1e-3)
    p = np.array([1.0])
    r.step(p, g)
    assert p[0] == pytest.approx(1.0 - 0.1 * 2.0 / (math.sqrt(0.5 * 4.0) + 1e-3), rel=1e-15)
    a = AdaGrad(0.1, eps=0.5)
    p = np.array([1.0])
    a.step(p, g)
    assert p[0] == pytest.approx(1.0 - 0.1 * 2.0 / (2.0 + 0.5), rel=1e-15)


def test_state_names_and_initial_state():
    expected = {"sgd": (), "momentum": ("velocity",), "nesterov": ("velocity",), "adagrad": ("sum_sq",),
                "rmsprop": ("square_avg",), "adam": ("exp_avg", "exp_avg_sq"), "adamw": ("exp_avg", "exp_avg_sq")}
    assert set(OPTIMIZER_CLASSES) == set(OPTIMIZERS) == set(expected) == set(OPTIMIZER_INFO)
    for key, names in expected.items():
        opt = make_optimizer(key, 0.1)
        assert opt.key == key and opt.state_names == names
        assert opt.state == {"step": 0}
        p = np.zeros((2, 3))
        opt.step(p, np.ones((2, 3)))
        assert opt.state["step"] == 1
        for n in names:
            assert opt.state[n].shape == (2, 3)
        assert opt.describe() == OPTIMIZER_INFO[key][1]
        opt.reset()
        assert opt.state == {"step": 0}


@pytest.mark.parametrize("key", OPTIMIZERS)
def test_changing_lr_keeps_state(key):
    a, b = make_optimizer(key, 0.1), make_optimizer(key, 0.1)
    pa, pb = P0.copy(), P0.copy()
    a.step(pa, GRADS[0])
    b.step(pb, GRADS[0])
    a.lr = 0.05
    a.step(pa, GRADS[1])
    assert a.state["step"] == 2
    # same as an optimizer that had lr 0.05 for its second step with the same state
    c = make_optimizer(key, 0.05)
    c.set_state(b.get_state())
    c.step(pb, GRADS[1])
    np.testing.assert_array_equal(pa, pb)


@pytest.mark.parametrize("key", OPTIMIZERS)
def test_get_state_set_state_round_trip(key):
    a = make_optimizer(key, 0.03)
    pa = P0.copy()
    for g in GRADS[:2]:
        a.step(pa, g)
    st = a.get_state()
    # a copy: stepping further does not change it
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in st.items()}
    b = make_optimizer(key, 0.03)
    b.set_state(st)
    pb = pa.copy()
    a.step(pa, GRADS[2])
    b.step(pb, GRADS[2])
    np.testing.assert_array_equal(pa, pb)
    for k, v in before.items():
        np.testing.assert_array_equal(st[k], v)
    assert b.state["step"] == 3
    # set_state copies as well
    st2 = b.get_state()
    c = make_optimizer(key, 0.03)
    c.set_state(st2)
    for v in st2.values():
        if isinstance(v, np.ndarray):
            v[...] = 123.0
    for n in c.state_names:
        assert not np.any(c.state[n] == 123.0)


def test_make_optimizer_and_from_config():
    with pytest.raises(SpecError, match="unknown optimizer 'lion'"):
        make_optimizer("lion", 0.1)
    with pytest.raises(SpecError, match="learning rate"):
        SGD(0.0)
    with pytest.raises(SpecError, match="learning rate"):
        SGD(float("nan"))
    m = make_optimizer("momentum", 0.1, momentum=0.5, beta1=None)
    assert isinstance(m, Momentum) and m.momentum == 0.5
    assert make_optimizer("nesterov", 0.1).momentum == 0.9
    cfg = TrainConfig(optimizer="adamw", learning_rate=0.002, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay=0.3)
    o = optimizer_from_config(cfg)
    assert isinstance(o, AdamW)
    assert (o.lr, o.beta1, o.beta2, o.eps, o.weight_decay) == (0.002, 0.8, 0.95, 1e-6, 0.3)
    r = optimizer_from_config(TrainConfig(optimizer="rmsprop", rho=0.9, eps=1e-5))
    assert (r.alpha, r.eps) == (0.9, 1e-5)
    d = optimizer_from_config(TrainConfig(optimizer="adagrad"))
    assert d.eps == 1e-10


def test_apply_settings_changes_hyperparameters_in_place():
    o = optimizer_from_config(TrainConfig(optimizer="adam"))
    p = P0.copy()
    o.step(p, GRADS[0])
    state = o.get_state()
    apply_settings(o, TrainConfig(optimizer="adam", learning_rate=0.5, beta1=0.7, eps=1e-4))
    assert (o.lr, o.beta1, o.beta2, o.eps) == (0.5, 0.7, 0.999, 1e-4)
    assert o.state["step"] == 1
    np.testing.assert_array_equal(o.state["exp_avg"], state["exp_avg"])
    m = optimizer_from_config(TrainConfig(optimizer="nesterov"))
    apply_settings(m, TrainConfig(optimizer="nesterov", momentum=0.3))
    assert isinstance(m, Nesterov) and m.momentum == 0.3


@pytest.mark.parametrize("key", OPTIMIZERS)
def test_works_on_any_array_shape_in_place(key):
    opt = make_optimizer(key, 0.1)
    p = np.ones((2, 2))
    ident = id(p)
    opt.step(p, np.full((2, 2), 0.5))
    assert id(p) == ident and np.all(p < 1.0)
    # a 2-D point, as on a test function
    xy = np.array([-1.5, 2.0])
    opt2 = make_optimizer(key, 0.01)
    for _ in range(5):
        opt2.step(xy, 2 * xy)  # gradient of x² + y²
    assert np.linalg.norm(xy) < np.linalg.norm([-1.5, 2.0])


@pytest.mark.parametrize("key", ["momentum", "adam", "rmsprop", "adagrad"])
def test_state_of_another_precision_is_cast_not_dropped(key):
    # a state saved from float64 parameters, set on an optimizer now stepping float32 ones
    a = make_optimizer(key, 0.01)
    p64 = P0.copy()
    a.step(p64, GRADS[0])
    b = make_optimizer(key, 0.01)
    b.set_state(a.get_state())
    p32 = p64.astype(np.float32)
    b.step(p32, GRADS[1].astype(np.float32))
    a.step(p64, GRADS[1])
    assert p32.dtype == np.float32 and b.state["step"] == 2
    for n in b.state_names:
        assert b.state[n].dtype == np.float32
        np.testing.assert_allclose(b.state[n], a.state[n], rtol=1e-6)
    np.testing.assert_allclose(p32, p64, rtol=1e-6)
    # a different shape, on the other hand, starts a fresh state
    c = make_optimizer(key, 0.01)
    c.set_state(a.get_state())
    c.step(np.zeros(5), np.ones(5))
    for n in c.state_names:
        assert c.state[n].shape == (5,)
