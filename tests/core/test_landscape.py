"""Loss landscapes: exactness against the network's own evaluate, directions, timing."""

from __future__ import annotations

import time

import numpy as np
import pytest

import nnstudio.core.landscape_plane as landscape_plane
import nnstudio.core.landscape_surface as landscape_surface
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.errors import SpecError
from nnstudio.core.landscape import (
    PlaneLosses,
    SurfaceResult,
    directions_params,
    directions_pca,
    directions_random,
    loss_line,
    loss_surface,
    loss_surface_steps,
    losses_on_plane,
    param_label,
    projection,
    surface_for_trainer,
)
from nnstudio.core.network import Network
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

# (id, spec, n_samples): every task and loss, several activations, the edge shapes that
# take different code paths (no hidden layer, >8 inputs, a layer wider than the batch)
ARCHS = [
    ("tanh-bce", NetworkSpec(), 40),
    ("softmax-cce", NetworkSpec(n_inputs=3, hidden=(LayerSpec(5, "relu"), LayerSpec(4, "sigmoid")),
                                task="multiclass", n_outputs=4), 33),
    ("mse-leaky", NetworkSpec(n_inputs=2, hidden=(LayerSpec(6, "leaky_relu", alpha=0.2),
                                                  LayerSpec(3, "elu", alpha=0.7)),
                              task="regression", loss="mse"), 25),
    ("huber-wide", NetworkSpec(n_inputs=12, hidden=(LayerSpec(64, "softplus"),), task="regression",
                               loss="huber", huber_delta=0.5), 20),
    ("mae-swish", NetworkSpec(n_inputs=4, hidden=(LayerSpec(7, "swish"), LayerSpec(7, "selu"),
                                                  LayerSpec(7, "linear")),
                              task="regression", loss="mae"), 30),
    ("linear-model", NetworkSpec(n_inputs=1, hidden=(), task="regression"), 15),
]
DTYPES = ["float64", "float32"]
RTOL = {"float64": 1e-10, "float32": 2e-5}


def make_problem(spec: NetworkSpec, n: int, dtype: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    net = Network(spec, seed + 1, dtype)
    # non-zero biases so that bias directions are not trivially zero
    for layer in net.layers:
        layer.b[...] = rng.normal(scale=0.3, size=layer.b.shape)
    X = rng.normal(size=(n, spec.n_inputs))
    if spec.task == "regression":
        y = rng.normal(size=n)
    elif spec.task == "binary":
        y = rng.integers(0, 2, n)
    else:
        y = rng.integers(0, spec.n_outputs, n)
    return net, X, y


def reference(net: Network, theta: np.ndarray, X, y, l1=0.0, l2=0.0) -> float:
    """The loss the slow way: set the weights, evaluate, add the penalties."""
    saved = net.get_flat()
    net.set_flat(theta)
    try:
        return net.evaluate(np.asarray(X, dtype=net.dtype), y) + net.penalty(l1, l2)
    finally:
        net.set_flat(saved)


def check_grid(res: SurfaceResult, net, X, y, l1=0.0, l2=0.0, points=None, rtol=1e-10):
    na, nb = len(res.alphas), len(res.betas)
    assert res.loss.shape == (nb, na)
    if points is None:
        points = [(0, 0), (na - 1, nb - 1), (na // 2, 0), (1, nb - 2), (na - 2, nb // 2)]
    for i, j in points:
        theta = res.center + res.alphas[i] * res.d1 + res.betas[j] * res.d2
        ref = reference(net, theta, X, y, l1, l2)
        assert res.loss[j, i] == pytest.approx(ref, rel=rtol, abs=rtol), (i, j)


# --------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("arch", ARCHS, ids=[a[0] for a in ARCHS])
def test_grid_points_equal_evaluate_random_directions(arch, dtype):
    _, spec, n = arch
    net, X, y = make_problem(spec, n, dtype)
    before = net.get_flat()
    d1, d2 = directions_random(net, 3, ignore_biases=False)
    res = loss_surface(net, X, y, d1, d2, np.linspace(-1, 1, 7), np.linspace(-0.5, 1.5, 6))
    check_grid(res, net, X, y, rtol=RTOL[dtype])
    assert np.array_equal(net.params, before), "the network must not be changed"
    assert res.center_loss == pytest.approx(net.evaluate(X.astype(dtype), y), rel=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("arch", ARCHS, ids=[a[0] for a in ARCHS])
def test_grid_points_equal_evaluate_with_penalties(arch, dtype):
    _, spec, n = arch
    net, X, y = make_problem(spec, n, dtype, seed=4)
    d1, d2 = directions_random(net, 5, ignore_biases=True)
    l1, l2 = 0.003, 0.01
    res = loss_surface(net, X, y, d1, d2, np.linspace(-2, 2, 5), np.linspace(-1, 1, 4), l1=l1, l2=l2)
    check_grid(res, net, X, y, l1, l2, rtol=RTOL[dtype])
    assert res.center_loss == pytest.approx(
        net.evaluate(X.astype(dtype), y) + net.penalty(l1, l2), rel=RTOL[dtype])
    assert (res.l1, res.l2) == (l1, l2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_params_directions_in_a_later_layer(dtype):
    # only the last layers move: earlier layers are computed once for all points
    spec = NetworkSpec(n_inputs=3, hidden=(LayerSpec(6, "tanh"), LayerSpec(5, "relu")),
                       task="multiclass", n_outputs=3)
    net, X, y = make_problem(spec, 50, dtype)
    i = net.flat_index(1, "W", 2, 3)
    j = net.flat_index(2, "b", 1)
    d1, d2 = directions_params(net, i, j)
    res = loss_surface(net, X, y, d1, d2, np.linspace(-3, 3, 9), np.linspace(-2, 2, 5), l1=0.01, l2=0.02)
    check_grid(res, net, X, y, 0.01, 0.02, rtol=RTOL[dtype])


def test_directions_touching_no_layer_give_a_flat_surface():
    net, X, y = make_problem(NetworkSpec(), 20, "float64")
    zero = np.zeros(net.n_params)
    res = loss_surface(net, X, y, zero, zero, [-1.0, 0.0, 1.0], [0.0, 2.0])
    assert np.all(res.loss == res.center_loss)
    assert res.center_loss == pytest.approx(net.evaluate(X, y), rel=1e-12)


@pytest.mark.parametrize("min_rows, memory", [(8, 20_000), (16, 61_440)])
def test_chunked_paths_agree(monkeypatch, min_rows, memory):
    """Tiny memory settings force sample blocks and per-chunk weight stacks."""
    spec = NetworkSpec(n_inputs=3, hidden=(LayerSpec(9, "tanh"), LayerSpec(40, "gelu")),
                       task="multiclass", n_outputs=3)
    net, X, y = make_problem(spec, 97, "float64")
    d1, d2 = directions_random(net, 1, ignore_biases=False)
    al, be = np.linspace(-1, 1, 11), np.linspace(-1, 1, 7)
    full = loss_surface(net, X, y, d1, d2, al, be, l1=0.01)
    monkeypatch.setattr(landscape_plane, "CHUNK_BYTES", 64)
    monkeypatch.setattr(landscape_plane, "MIN_ROWS", min_rows)
    monkeypatch.setattr(landscape_plane, "MEMORY_BUDGET", memory)
    plane = PlaneLosses(net, X, y, net.get_flat(), d1, d2)
    assert plane.nb < len(X) and plane.g == 1 and plane._shared is None  # blocks, recomputed per chunk
    small = loss_surface(net, X, y, d1, d2, al, be, l1=0.01)
    np.testing.assert_allclose(small.loss, full.loss, rtol=1e-12)
    check_grid(small, net, X, y, l1=0.01)


def test_orientation_rows_follow_beta():
    net, X, y = make_problem(NetworkSpec(), 30, "float64")
    i, j = 0, 5
    d1, d2 = directions_params(net, i, j)
    al, be = np.linspace(-1, 2, 4), np.linspace(-3, 1, 9)
    res = loss_surface(net, X, y, d1, d2, al, be)
    assert res.loss.shape == (9, 4)
    theta = res.center.copy()
    theta[i] += al[3]
    theta[j] += be[1]
    assert res.loss[1, 3] == pytest.approx(reference(net, theta, X, y), rel=1e-12)
    jm, im = np.unravel_index(np.argmin(res.loss), res.loss.shape)
    assert res.min_at == (al[im], be[jm])
    assert res.loss_min == res.loss.min() and res.loss_max == res.loss.max()


def test_overflow_far_away_is_inf_not_an_error():
    # float32 squared errors overflow at absurd distances; that is data to plot
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(4, "linear"),), task="regression")
    net, X, y = make_problem(spec, 10, "float32")
    d1, d2 = directions_params(net, 0, 1)
    res = loss_surface(net, X, y, d1, d2, [0.0, 1e30], [0.0, 1e30])
    assert np.isfinite(res.loss[0, 0])
    assert not np.isfinite(res.loss[1, 1])
    assert res.loss_max == np.max(res.loss[np.isfinite(res.loss)])


def test_worker_threads_keep_the_callers_floating_point_settings(monkeypatch):
    """Threads start with NumPy's default error handling; the workers take the caller's,
    so an overflow far away is silent in any thread (warnings fail tests here)."""
    monkeypatch.setattr(landscape_plane, "CHUNK_BYTES", 256)  # many chunks: both workers busy
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(4, "linear"),), task="regression")
    net, X, y = make_problem(spec, 10, "float32")
    d1, d2 = directions_params(net, 0, 1)
    far = np.full(40, 1e30)
    plane = PlaneLosses(net, X, y.astype(np.float32), net.get_flat(), d1, d2, workers=2)
    assert len(range(0, 40, plane.g)) >= 4
    with np.errstate(all="ignore"):
        assert not np.any(np.isfinite(plane.losses(far, far)))
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        plane.losses(far, far)
    res = loss_surface(net, X, y, d1, d2, np.linspace(0, 1e30, 7), np.linspace(0, 1e30, 6))
    assert np.isfinite(res.loss[0, 0]) and not np.isfinite(res.loss[-1, -1])


def test_all_points_overflowing_gives_nan_extremes():
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(4, "linear"),), task="regression")
    net, X, y = make_problem(spec, 10, "float32")
    d1, d2 = directions_params(net, 0, 1)
    res = loss_surface(net, X, y, d1, d2, [1e30], [1e30])
    assert np.isnan(res.loss_min) and np.isnan(res.loss_max) and np.isnan(res.min_at[0])
    assert np.isfinite(res.center_loss)


def test_subsampling_is_deterministic():
    net, X, y = make_problem(NetworkSpec(), 300, "float64")
    d1, d2 = directions_random(net, 0)
    al = np.linspace(-1, 1, 3)
    a = loss_surface(net, X, y, d1, d2, al, al, max_points=50, rng=7)
    b = loss_surface(net, X, y, d1, d2, al, al, max_points=50, rng=7)
    full = loss_surface(net, X, y, d1, d2, al, al)
    assert a.n_points == 50 and full.n_points == 300
    np.testing.assert_array_equal(a.loss, b.loss)
    assert not np.allclose(a.loss, full.loss)
    same = loss_surface(net, X, y, d1, d2, al, al, max_points=300)
    np.testing.assert_array_equal(same.loss, full.loss)


def test_losses_on_plane_matches_the_grid():
    net, X, y = make_problem(NetworkSpec(), 40, "float64")
    d1, d2 = directions_random(net, 2)
    al, be = np.linspace(-1, 1, 5), np.linspace(-1, 1, 3)
    res = loss_surface(net, X, y, d1, d2, al, be, l2=0.1)
    pts = losses_on_plane(net, X, y, d1, d2, [al[1], al[4]], [be[2], be[0]], l2=0.1)
    np.testing.assert_allclose(pts, [res.loss[2, 1], res.loss[0, 4]], rtol=1e-13)


@pytest.mark.parametrize("bad", [
    dict(alphas=[]), dict(alphas=[np.nan]), dict(d1=np.zeros(3)), dict(l1=-1.0),
    dict(max_points=0), dict(center=np.full(105, np.nan)),
])
def test_bad_arguments_raise_spec_error(bad):
    net, X, y = make_problem(NetworkSpec(), 10, "float64")
    args = dict(d1=np.ones(net.n_params), d2=np.zeros(net.n_params), alphas=[0.0], betas=[0.0])
    args.update(bad)
    with pytest.raises(SpecError):
        loss_surface(net, X, y, **args)


def test_wrong_data_shape_raises_spec_error():
    net, X, y = make_problem(NetworkSpec(), 10, "float64")
    d = np.ones(net.n_params)
    with pytest.raises(SpecError, match="input"):
        loss_surface(net, X[:, :1], y, d, d, [0.0], [0.0])
    with pytest.raises(SpecError, match="target"):
        loss_surface(net, X, y[:5], d, d, [0.0], [0.0])


# --------------------------------------------------------------------------- loss_line
@pytest.mark.parametrize("dtype", DTYPES)
def test_loss_line_ends_equal_the_losses_at_both_weights(dtype):
    spec = ARCHS[1][1]
    net, X, y = make_problem(spec, 30, dtype)
    theta0 = net.get_flat().astype(np.float64)
    theta1 = theta0 + np.random.default_rng(3).normal(scale=0.5, size=net.n_params)
    ts, losses = loss_line(net, X, y, theta0, theta1, n=11, extend=0.5)
    assert ts.shape == losses.shape == (11,)
    assert ts[0] == -0.5 and ts[-1] == 1.5
    # 0 and 1 are not on linspace(-0.5, 1.5, 11); they are snapped onto it
    assert 0.0 in ts and 1.0 in ts and np.all(np.diff(ts) > 0)
    k0, k1 = int(np.flatnonzero(ts == 0.0)[0]), int(np.flatnonzero(ts == 1.0)[0])
    assert losses[k0] == pytest.approx(reference(net, theta0, X, y), rel=RTOL[dtype])
    assert losses[k1] == pytest.approx(reference(net, theta1, X, y), rel=RTOL[dtype])
    mid = 0.3 * theta0 + 0.7 * theta1
    t = losses_on_plane(net, X, y, theta1 - theta0, None, [0.7], [0.0], center=theta0)
    assert t[0] == pytest.approx(reference(net, mid, X, y), rel=RTOL[dtype])


def test_loss_line_validates():
    net, X, y = make_problem(NetworkSpec(), 10, "float64")
    t = net.get_flat()
    with pytest.raises(SpecError):
        loss_line(net, X, y, t, t, n=1)
    with pytest.raises(SpecError):
        loss_line(net, X, y, t, t, extend=-0.1)


# (id, spec, n_samples, which layers the directions move): the fast evaluation against a
# loop over single points (set the weights, evaluate), to 1e-12
LOOP_CASES = [
    ("10-128-128-128-4 tanh, every layer", NetworkSpec(n_inputs=10, hidden=(LayerSpec(128),) * 3,
                                                        task="multiclass", n_outputs=4), 300, "all"),
    ("2-8-8-1 tanh, every layer", NetworkSpec(), 500, "all"),
    ("3-16-12-1 relu/sigmoid, middle layer only", NetworkSpec(n_inputs=3, hidden=(LayerSpec(16, "relu"),
                                                                                   LayerSpec(12, "sigmoid"))),
     200, "middle"),
    ("5-20-3 regression, output layer only", NetworkSpec(n_inputs=5, hidden=(LayerSpec(20, "elu", alpha=0.5),),
                                                         task="regression", loss="huber"), 150, "last"),
]


def _layer_only(net: Network, d: np.ndarray, keep: int) -> np.ndarray:
    """``d`` with every layer's part but layer ``keep``'s set to zero."""
    out = np.zeros_like(d)
    for s in net.slices:
        if s.layer == keep:
            out[s.start:s.stop] = d[s.start:s.stop]
    return out


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("case", LOOP_CASES, ids=[c[0] for c in LOOP_CASES])
def test_fast_plane_equals_a_loop_over_points(case, workers):
    _, spec, n, moving = case
    net, X, y = make_problem(spec, n, "float64", seed=7)
    d1, d2 = directions_random(net, 2, ignore_biases=False)
    if moving != "all":
        keep = 1 if moving == "middle" else len(net.layers) - 1
        d1, d2 = _layer_only(net, d1, keep), _layer_only(net, d2, keep)
    theta = net.get_flat()
    rng = np.random.default_rng(3)
    a, b = rng.uniform(-1.5, 1.5, 23), rng.uniform(-1.5, 1.5, 23)
    plane = PlaneLosses(net, np.ascontiguousarray(X), y, theta, d1, d2, workers=workers)
    fast = plane.losses(a, b)
    slow = np.array([reference(net, theta + ak * d1 + bk * d2, X, y) for ak, bk in zip(a, b)])
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=0)
    assert np.array_equal(net.get_flat(), theta)
    # any split into calls gives the same numbers
    np.testing.assert_array_equal(np.concatenate([plane.losses(a[:5], b[:5]), plane.losses(a[5:], b[5:])]), fast)


def test_surface_in_steps_equals_the_surface_at_once():
    spec = NetworkSpec(n_inputs=4, hidden=(LayerSpec(16), LayerSpec(16)), task="multiclass", n_outputs=3)
    net, X, y = make_problem(spec, 120, "float64")
    d1, d2 = directions_random(net, 4)
    al, be = np.linspace(-1, 1, 31), np.linspace(-2, 1, 29)
    whole = loss_surface(net, X, y, d1, d2, al, be, l1=0.01)
    steps = loss_surface_steps(net, X, y, d1, d2, al, be, l1=0.01)
    landscape_surface.SLICE_SECONDS = 0.0  # one smallest slice per step
    try:
        n_steps = 0
        while True:
            try:
                next(steps)
            except StopIteration as done:
                res = done.value
                break
            n_steps += 1
    finally:
        landscape_surface.SLICE_SECONDS = 0.04
    assert n_steps > 10
    np.testing.assert_array_equal(res.loss, whole.loss)
    assert res.center_loss == whole.center_loss
    with pytest.raises(SpecError):  # bad input is refused before the first step
        loss_surface_steps(net, X, y, d1, d2, [np.nan], be)


# --------------------------------------------------------------------------- directions
def test_filter_normalisation_matches_column_norms():
    spec = NetworkSpec(n_inputs=3, hidden=(LayerSpec(6), LayerSpec(4)), task="multiclass", n_outputs=3)
    net, _, _ = make_problem(spec, 5, "float64")
    net.layers[0].W[:, 2] = 0.0  # a dead neuron: nothing to match, zero direction
    theta = net.get_flat()
    for ignore in (True, False):
        d1, d2 = directions_random(net, 11, ignore_biases=ignore)
        assert not np.allclose(d1, d2)
        for d in (d1, d2):
            for s in net.slices:
                dv, tv = d[s.start:s.stop], theta[s.start:s.stop]
                if s.kind == "W":
                    np.testing.assert_allclose(np.linalg.norm(dv.reshape(s.shape), axis=0),
                                               np.linalg.norm(tv.reshape(s.shape), axis=0), rtol=1e-12)
                elif ignore:
                    assert np.all(dv == 0)
                else:
                    assert np.linalg.norm(dv) == pytest.approx(np.linalg.norm(tv), rel=1e-12)
        assert np.all(d1[net.slices[0].start:net.slices[0].stop].reshape(3, 6)[:, 2] == 0)


def test_random_directions_bias_rule_is_the_reference_codes():
    """Li et al.'s normalize_directions_for_weights: with biases not ignored, a bias
    direction is a copy of the bias itself (``d.copy_(w)``); ignored, it is zero. The
    weights' part is the filter-normalised draw, the same for both rules."""
    spec = NetworkSpec(n_inputs=3, hidden=(LayerSpec(4),), task="multiclass", n_outputs=3)
    net, _, _ = make_problem(spec, 5, "float64")
    theta = net.get_flat()
    # hand-built: two draws of every parameter, each W column scaled to θ's column norm
    g = np.random.default_rng(9)
    expected = []
    for _ in range(2):
        d = g.standard_normal(net.n_params)
        for s in net.slices:
            if s.kind == "W":
                D = d[s.start:s.stop].reshape(s.shape)
                T = theta[s.start:s.stop].reshape(s.shape)
                for k in range(s.shape[1]):
                    D[:, k] *= np.sqrt(np.sum(T[:, k] ** 2)) / np.sqrt(np.sum(D[:, k] ** 2))
            else:
                d[s.start:s.stop] = theta[s.start:s.stop]
        expected.append(d)
    kept = directions_random(net, 9, ignore_biases=False)
    fixed = directions_random(net, 9, ignore_biases=True)
    for got, want, zero in zip(kept, expected, fixed):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
        np.testing.assert_array_equal(got[net.n_weights:], theta[net.n_weights:])  # exactly the biases
        np.testing.assert_array_equal(zero[:net.n_weights], got[:net.n_weights])
        assert np.all(zero[net.n_weights:] == 0)
    # moving along both directions scales every bias by 1 + α + β
    moved = theta + 0.3 * kept[0] - 0.5 * kept[1]
    np.testing.assert_allclose(moved[net.n_weights:], 0.8 * theta[net.n_weights:], rtol=1e-15)


def test_random_directions_zero_bias_vector_and_seed():
    net = Network(NetworkSpec(), 0)  # biases initialised to 0
    d1, _ = directions_random(net, 5, ignore_biases=False)
    assert np.all(d1[net.n_weights:] == 0)
    a = directions_random(net, 5)
    b = directions_random(net, np.random.default_rng(5))
    np.testing.assert_array_equal(a[0], b[0])
    c = directions_random(net, 6)
    assert not np.allclose(a[0], c[0])


def test_params_directions_and_labels():
    net = Network(NetworkSpec(), 0)
    i = net.flat_index(1, "W", 3, 5)
    d1, d2 = directions_params(net, i, net.n_params - 1)
    assert d1[i] == 1.0 and d1.sum() == 1.0 and d2[-1] == 1.0 and d2.sum() == 1.0
    assert param_label(net, i) == "W2[3,5]"
    assert param_label(net, net.n_params - 1) == "b3[0]"
    for bad in [(0, 0), (-1, 2), (0, net.n_params), (0.5, 1)]:
        with pytest.raises(SpecError):
            directions_params(net, *bad)


def test_pca_orthonormal_and_planar_path_reconstructed():
    rng = np.random.default_rng(0)
    n = 40
    base = rng.normal(size=n)
    u, v = rng.normal(size=n), rng.normal(size=n)  # not orthogonal, not unit
    t = np.linspace(0, 3, 25)
    coords = np.stack([np.cos(t) * (3 - t), np.sin(2 * t)], axis=1)
    traj = base + coords[:, :1] * u + coords[:, 1:] * v
    d1, d2, ev = directions_pca(traj)
    D = np.stack([d1, d2])
    np.testing.assert_allclose(D @ D.T, np.eye(2), atol=1e-12)
    assert ev.shape == (2,) and ev[0] >= ev[1] > 0
    assert ev.sum() == pytest.approx(1.0, abs=1e-12)  # the path is exactly planar
    P = projection(traj, traj[-1], d1, d2)
    np.testing.assert_allclose(traj[-1] + P @ D, traj, atol=1e-12)
    np.testing.assert_allclose(P[-1], 0.0, atol=1e-12)
    # axes point the way training went: the start is at negative coordinates
    assert P[0, 0] < 0 and P[0, 1] <= 0


def _svd_of_centred(traj: np.ndarray):
    """What the reference does: PCA (centred) of θ_t − θ_final, by a full SVD here."""
    M = traj - traj[-1]
    Mc = M - M.mean(axis=0)
    _, s, vt = np.linalg.svd(Mc, full_matrices=False)
    return s, vt, M


@pytest.mark.parametrize("shape", [(60, 9), (12, 40), (2, 5), (300, 300)])
def test_pca_is_centred_and_equals_an_svd_of_the_centred_path(shape):
    m, n = shape
    rng = np.random.default_rng(m + n)
    # a drifting, curving path with noise: its mean is far from its end, so centring matters
    t = np.linspace(0, 1, m)[:, None]
    traj = (rng.normal(size=n) + 3 * t * rng.normal(size=n) + np.sin(4 * t) * rng.normal(size=n)
            + 0.05 * rng.normal(size=(m, n)))
    d1, d2, ev = directions_pca(traj)
    s, vt, M = _svd_of_centred(traj)
    for d, v in zip((d1, d2), vt[:2]):
        sign = np.sign(d @ v)
        np.testing.assert_allclose(d, sign * v, atol=1e-9)
        assert M[0] @ d <= 0  # oriented the way training went
    np.testing.assert_allclose(ev, s[:2] ** 2 / np.sum(s ** 2), rtol=1e-10, atol=1e-15)
    if m > 2:  # not what the uncentred factorisation gives
        _, s_unc, _ = np.linalg.svd(M, full_matrices=False)
        assert not np.allclose(ev, s_unc[:2] ** 2 / np.sum(s_unc ** 2), rtol=1e-3)
    # the plane is still centred on the final point: it projects to the origin
    np.testing.assert_allclose(projection(traj[-1], traj[-1], d1, d2), 0.0, atol=0)


def test_pca_explained_variance_is_sklearns_ratio():
    """scikit-learn's explained_variance_ratio_ written out: the variance (ddof=1) of the
    centred rows along each component over the total variance of every column."""
    rng = np.random.default_rng(5)
    traj = np.cumsum(rng.normal(size=(40, 7)) * [3, 2, 1, 0.5, 0.2, 0.1, 0.05], axis=0)
    d1, d2, ev = directions_pca(traj)
    M = traj - traj[-1]
    total = np.var(M, axis=0, ddof=1).sum()
    along = [np.var(M @ d, ddof=1) for d in (d1, d2)]
    np.testing.assert_allclose(ev, np.array(along) / total, rtol=1e-10)


def test_pca_errors():
    with pytest.raises(SpecError, match="one point"):
        directions_pca(np.zeros((1, 5)))
    with pytest.raises(SpecError, match="not moved"):
        directions_pca(np.ones((4, 5)))
    bad = np.zeros((3, 5))
    bad[0, 0] = np.nan
    with pytest.raises(SpecError, match="NaN"):
        directions_pca(bad)


def test_pca_of_a_straight_path():
    traj = np.outer(np.linspace(1, 0, 6), np.arange(1.0, 5.0))
    d1, d2, ev = directions_pca(traj)
    assert ev[0] == pytest.approx(1.0) and ev[1] == pytest.approx(0.0, abs=1e-12)  # Gram route: ~1e-17 of rounding
    assert abs(d1 @ d2) < 1e-12 and d2 @ d2 == pytest.approx(1.0)


def test_projection_least_squares_for_non_orthogonal_directions():
    rng = np.random.default_rng(1)
    c, d1, d2 = rng.normal(size=(3, 9))
    pts = rng.normal(size=(7, 9))
    P = projection(pts, c, d1, d2)
    ref = np.linalg.lstsq(np.stack([d1, d2], axis=1), (pts - c).T, rcond=None)[0].T
    np.testing.assert_allclose(P, ref, rtol=1e-10)
    assert projection(pts[0], c, d1, d2).shape == (2,)
    # exact for points that lie on the plane
    on = c + 0.3 * d1 - 1.7 * d2
    np.testing.assert_allclose(projection(on, c, d1, d2), [0.3, -1.7], atol=1e-12)


# --------------------------------------------------------------------------- trainer entry
@pytest.fixture(scope="module")
def trained():
    data = prepare(DataSpec(name="circle", n_samples=150, noise=0.1, seed=2))
    tr = Trainer(NetworkSpec(), TrainConfig(batch_mode="full", learning_rate=0.2, l2=0.001), data)
    tr.run(iterations=25)
    return tr


def test_surface_for_trainer_pca(trained):
    before = trained.network.get_flat()
    res = surface_for_trainer(trained, mode="pca", resolution=21)
    assert np.array_equal(trained.network.params, before)
    current = trained.network.evaluate(trained.X, trained.y) + trained.network.penalty(0, 0.001)
    assert res.center_loss == pytest.approx(current, rel=1e-12)
    assert res.loss.shape == (21, 21) and res.mode == "pca"
    assert res.path.shape == (26, 2) and res.path_iterations[-1] == 25
    np.testing.assert_allclose(res.path[-1], 0.0, atol=1e-12)
    np.testing.assert_array_equal(res.current, [0.0, 0.0])
    # the whole path is in view, with a margin
    assert np.all(np.abs(res.path[:, 0]) < res.alphas[-1])
    assert np.all(np.abs(res.path[:, 1]) < res.betas[-1])
    assert res.path_loss[-1] == pytest.approx(res.center_loss, rel=1e-12)
    assert res.explained_variance[0] > 0.5
    assert "PC1" in res.axis_labels[0]
    # the centre of an odd grid is the current point
    assert res.loss[10, 10] == pytest.approx(res.center_loss, rel=1e-12)
    fixed = surface_for_trainer(trained, mode="pca", resolution=5, span=0.25)
    assert fixed.alphas[-1] == 0.25 and fixed.betas[0] == -0.25


def test_surface_for_trainer_params_axes_are_weight_values(trained):
    i, j = 4, 30
    theta = trained.network.get_flat()
    res = surface_for_trainer(trained, mode="params", resolution=11, i=i, j=j)
    np.testing.assert_array_equal(res.current, theta[[i, j]])
    assert res.alphas[5] == pytest.approx(theta[i]) and res.betas[5] == pytest.approx(theta[j])
    _, traj = trained.trajectory_array()
    np.testing.assert_allclose(res.path, traj[:, [i, j]], atol=1e-12)
    assert res.axis_labels == (param_label(trained.network, i), param_label(trained.network, j))
    # a grid value is the loss with those two weights set to the axis values
    t = theta.copy()
    t[i], t[j] = res.alphas[2], res.betas[8]
    ref = reference(trained.network, t, trained.X, trained.y, 0.0, 0.001)
    assert res.loss[8, 2] == pytest.approx(ref, rel=1e-10)
    assert res.alphas[-1] - res.alphas[0] >= 2.0  # default span at least ±1


def test_surface_for_trainer_random_and_errors(trained):
    res = surface_for_trainer(trained, mode="random", resolution=7, seed=3)
    assert res.alphas[0] == -1.0 and res.alphas[-1] == 1.0
    again = surface_for_trainer(trained, mode="random", resolution=7, seed=3)
    np.testing.assert_array_equal(res.loss, again.loss)
    assert res.path.shape[1] == 2
    with pytest.raises(SpecError, match="mode"):
        surface_for_trainer(trained, mode="hessian")
    with pytest.raises(SpecError, match="resolution"):
        surface_for_trainer(trained, resolution=1)
    with pytest.raises(SpecError, match="span"):
        surface_for_trainer(trained, span=0.0)


def test_surface_for_fresh_trainer_pca_explains_itself():
    data = prepare(DataSpec(name="xor", n_samples=40, seed=0))
    tr = Trainer(NetworkSpec(), TrainConfig(), data)
    with pytest.raises(SpecError, match="train"):
        surface_for_trainer(tr, mode="pca")
    assert surface_for_trainer(tr, mode="random", resolution=3).loss.shape == (3, 3)


# --------------------------------------------------------------------------- speed
def _best_time(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def test_surface_is_faster_than_a_loop_over_grid_points():
    """51×51 on 500 points, 2-8-8-1 tanh: the vectorised surface against a Python loop.

    The loop (set_flat + evaluate per point) is timed over a subset and extrapolated.
    Both spend much of their time in the same ~20 million tanh evaluations, so the
    speed-up is bounded (about 1.6× measured in float64, 2.5× in float32); the test
    guards against the vectorised path regressing to loop speed, and against absolute
    slowness. Timings are retried a few times so a busy machine does not fail it.
    """
    spec = NetworkSpec()
    net, X, y = make_problem(spec, 500, "float64")
    d1, d2 = directions_random(net, 0, ignore_biases=False)
    al = np.linspace(-1, 1, 51)
    theta = net.get_flat()
    A, B = np.meshgrid(al, al)
    pts = list(zip(A.ravel()[::9], B.ravel()[::9]))  # 290 of the 2601 points

    def loop():
        for a, b in pts:
            net.set_flat(theta + a * d1 + b * d2)
            net.evaluate(X, y)
        net.set_flat(theta)

    loss_surface(net, X, y, d1, d2, al, al)  # warm-up
    ratios = []
    for _ in range(4):
        t_vec = _best_time(lambda: loss_surface(net, X, y, d1, d2, al, al))
        t_loop = _best_time(loop) * (A.size / len(pts))
        ratios.append(t_loop / t_vec)
        if t_vec < 1.0 and ratios[-1] > 1.2:
            break
    assert t_vec < 1.0
    assert max(ratios) > 1.2, f"loop/vectorised time ratios {ratios}"
