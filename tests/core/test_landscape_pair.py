"""Two runs on one loss-landscape plane: the shared directions, both projections, and what
the result says when B cannot be drawn or trains another objective."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from nnstudio.core.comparison import Comparison
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.errors import SpecError
from nnstudio.core.landscape import (RunPath, directions_pca, directions_pca_paths, directions_random,
                                     loss_surface, losses_on_plane, projection, run_path, surface_for_pair,
                                     surface_for_trainer)
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

RES = 9  # grid points per axis: the grids are compared exactly, a small one will do


def stacked_svd(a_traj: np.ndarray, b_traj: np.ndarray):
    """The reference: PCA of both paths' rows stacked, centred on their common mean, by a
    full SVD; the start of A's path measured from A's end orients the axes (a one-point A
    has no start: then the largest entry is positive)."""
    S = np.vstack([a_traj, b_traj])
    Mc = S - S.mean(axis=0)
    _, s, vt = np.linalg.svd(Mc, full_matrices=False)
    start = a_traj[0] - a_traj[-1]
    dirs = [-v if start @ v > 0 or (start @ v == 0 and v[np.argmax(np.abs(v))] < 0) else v for v in vt[:2]]
    return dirs[0], dirs[1], s[:2] ** 2 / np.sum(s ** 2)


def data():
    return prepare(DataSpec(name="spiral", n_samples=120, noise=0.1, seed=3))


def make_pair(changes: str, iterations: int = 30, fork_at: int = 0, spec: NetworkSpec | None = None,
              config: TrainConfig | None = None, prepared=None) -> Comparison:
    spec = spec or NetworkSpec(2, (LayerSpec(5, "tanh"), LayerSpec(4, "tanh")), "binary")
    config = config or TrainConfig(optimizer="adam", learning_rate=0.03, batch_mode="minibatch", batch_size=16)
    a = Trainer(spec, config, prepared or data())
    if fork_at:
        a.run(iterations=fork_at)
    cmp = Comparison.fork(a, changes)
    cmp.run(iterations=iterations - cmp.iteration)
    return cmp


@pytest.fixture(scope="module")
def lr_pair() -> Comparison:
    return make_pair("lr=0.3", iterations=30, fork_at=5)


# --------------------------------------------------------------------------- directions
@pytest.mark.parametrize("shape", [(40, 9, 25), (7, 30, 12), (1, 5, 3), (150, 150, 90)])
def test_pca_of_two_paths_equals_an_svd_of_both_stacked_and_centred(shape):
    ma, n, mb = shape
    rng = np.random.default_rng(ma + n + mb)
    start = rng.normal(size=n)
    ta = np.linspace(0, 1, ma)[:, None]
    tb = np.linspace(0, 1, mb)[:, None]
    # two runs from one start that drift apart: their common mean is far from A's end
    a = start + 2 * ta * rng.normal(size=n) + 0.05 * rng.normal(size=(ma, n))
    b = start + 3 * tb * rng.normal(size=n) + np.sin(3 * tb) * rng.normal(size=n) + 0.05 * rng.normal(size=(mb, n))
    d1, d2, ev = directions_pca_paths([a, b])
    r1, r2, rev = stacked_svd(a, b)
    np.testing.assert_allclose(d1, r1, atol=1e-9)
    np.testing.assert_allclose(d2, r2, atol=1e-9)
    np.testing.assert_allclose(ev, rev, rtol=1e-10)
    assert np.stack([d1, d2]) @ np.stack([d1, d2]).T == pytest.approx(np.eye(2), abs=1e-12)
    # not the directions of A's path alone
    if ma >= 2:
        a1, _, _ = directions_pca(a)
        assert abs(a1 @ d1) < 0.999


def test_pca_of_paths_refuses_what_cannot_share_a_plane():
    with pytest.raises(SpecError, match="same number of parameters"):
        directions_pca_paths([np.zeros((3, 4)), np.ones((3, 5))])
    with pytest.raises(SpecError, match="only one point"):
        directions_pca_paths([np.zeros((1, 4)), np.zeros((0, 4))])
    with pytest.raises(SpecError, match="NaN"):
        directions_pca_paths([np.zeros((3, 4)), np.full((2, 4), np.nan)])
    with pytest.raises(SpecError, match="not moved"):
        directions_pca_paths([np.ones((3, 4)), np.ones((2, 4))])
    with pytest.raises(SpecError, match="first path has no points"):
        directions_pca_paths([np.zeros((0, 4)), np.eye(4)])


# --------------------------------------------------------------------------- the pair surface
def test_pca_plane_of_both_runs_and_both_projections(lr_pair):
    a, b = lr_pair.runs
    bp = RunPath.of(b)
    pair = surface_for_pair(a, bp, mode="pca", resolution=RES)
    res = pair.result
    _, a_traj = a.trajectory_array()
    b_iters, b_traj = b.trajectory_array()
    r1, r2, rev = stacked_svd(a_traj, b_traj)
    np.testing.assert_allclose(res.d1, r1, atol=1e-9)
    np.testing.assert_allclose(res.d2, r2, atol=1e-9)
    np.testing.assert_allclose(res.explained_variance, rev, rtol=1e-9)
    theta = a.network.get_flat()
    np.testing.assert_array_equal(res.center, theta)  # the plane goes through A's present weights
    # both paths: plain dot products with the (orthonormal) directions, measured from A's weights
    D = np.stack([res.d1, res.d2], axis=1)
    np.testing.assert_allclose(res.path, (a_traj - theta) @ D, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pair.b_path, (b_traj - theta) @ D, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(pair.b_path_iterations, b_iters)
    np.testing.assert_allclose(res.path[-1], 0.0, atol=1e-12)
    # B went elsewhere: its end is off the centre, and both are inside the automatic span
    assert np.linalg.norm(pair.b_path[-1]) > 0.1
    for p in (res.path, pair.b_path):
        assert np.all(np.abs(p[:, 0]) <= res.alphas[-1]) and np.all(np.abs(p[:, 1]) <= res.betas[-1])
    # the surface is A's loss over that plane, computed as for any plane
    ref = loss_surface(a.network, a.X, a.y, res.d1, res.d2, res.alphas, res.betas, l1=a.config.l1,
                       l2=a.config.l2, max_points=2000, rng=0)
    np.testing.assert_array_equal(res.loss, ref.loss)
    heights = losses_on_plane(a.network, a.X, a.y, res.d1, res.d2, pair.b_path[:, 0], pair.b_path[:, 1],
                              max_points=2000, rng=0)
    np.testing.assert_allclose(pair.b_path_loss, heights, rtol=1e-12)
    assert pair.shared and pair.notes == ()
    quick = surface_for_pair(a, bp, mode="pca", resolution=RES, heights=False)
    assert quick.b_path_loss is None
    np.testing.assert_array_equal(quick.b_path, pair.b_path)
    np.testing.assert_array_equal(quick.result.loss, res.loss)
    assert pair.plane == f"PCA of both runs' paths: PC1 {100 * rev[0]:.1f} %, PC2 {100 * rev[1]:.1f} %"


def test_when_b_walked_a_s_path_a_s_path_is_the_single_run_one(lr_pair):
    a = lr_pair.a
    single = surface_for_trainer(a, mode="pca", resolution=RES)
    pair = surface_for_pair(a, RunPath.of(a), mode="pca", resolution=RES)
    res = pair.result
    # the stacked rows are A's twice: the same plane, up to the rounding of longer sums
    np.testing.assert_allclose(res.explained_variance, single.explained_variance, rtol=1e-10)
    np.testing.assert_allclose(res.d1, single.d1, atol=1e-12)
    np.testing.assert_allclose(res.d2, single.d2, atol=1e-12)
    np.testing.assert_allclose(res.path, single.path, rtol=1e-9, atol=1e-13)
    np.testing.assert_array_equal(res.path_iterations, single.path_iterations)
    np.testing.assert_allclose(res.alphas, single.alphas, rtol=1e-10)
    np.testing.assert_allclose(res.loss, single.loss, rtol=1e-9)
    np.testing.assert_allclose(pair.b_path, single.path, rtol=1e-9, atol=1e-13)


def test_fixed_random_directions_are_the_single_runs(lr_pair):
    a, b = lr_pair.runs
    single = surface_for_trainer(a, mode="random", resolution=RES, seed=4, ignore_biases=False)
    pair = surface_for_pair(a, RunPath.of(b), mode="random", resolution=RES, seed=4, ignore_biases=False)
    res = pair.result
    d1, d2 = directions_random(a.network, 4, False)
    np.testing.assert_array_equal(res.d1, d1)
    np.testing.assert_array_equal(res.d2, d2)
    # A's part is the single run's, bit for bit
    np.testing.assert_array_equal(res.path, single.path)
    np.testing.assert_array_equal(res.loss, single.loss)
    np.testing.assert_array_equal(res.path_loss, single.path_loss)
    # B's: least squares on the two (not orthogonal) directions
    _, b_traj = b.trajectory_array()
    theta = a.network.get_flat()
    ref = np.linalg.lstsq(np.stack([d1, d2], axis=1), (b_traj - theta).T, rcond=None)[0].T
    np.testing.assert_allclose(pair.b_path, ref, rtol=1e-9, atol=1e-12)
    assert not pair.shared
    assert pair.plane == ("Fixed random directions (seed 4), filter-normalised to A's weights, each bias moved "
                          "by its own value")


def test_two_chosen_weights_show_both_runs_values(lr_pair):
    a, b = lr_pair.runs
    i, j = 3, 17
    pair = surface_for_pair(a, RunPath.of(b), mode="params", i=i, j=j, resolution=RES)
    res = pair.result
    _, a_traj = a.trajectory_array()
    _, b_traj = b.trajectory_array()
    np.testing.assert_array_equal(res.path, a_traj[:, [i, j]])
    np.testing.assert_array_equal(pair.b_path, b_traj[:, [i, j]])
    np.testing.assert_array_equal(res.current, a.network.get_flat()[[i, j]])
    # the automatic span shows both runs' values
    for p in (res.path, pair.b_path):
        assert np.all((res.alphas[0] <= p[:, 0]) & (p[:, 0] <= res.alphas[-1]))
        assert np.all((res.betas[0] <= p[:, 1]) & (p[:, 1] <= res.betas[-1]))
    assert pair.plane == f"Two weights: {res.axis_labels[0]} across, {res.axis_labels[1]} up"


def test_b_with_another_architecture_is_said_and_a_is_drawn_alone():
    cmp = make_pair("hidden=7", iterations=20)
    a, b = cmp.runs
    bp = RunPath.of(b)
    assert bp.n_params != a.network.n_params
    pair = surface_for_pair(a, bp, mode="pca", resolution=RES)
    single = surface_for_trainer(a, mode="pca", resolution=RES)
    assert pair.b_path is None and not pair.b_drawn and not pair.shared
    np.testing.assert_array_equal(pair.result.path, single.path)
    np.testing.assert_array_equal(pair.result.loss, single.loss)
    assert pair.plane.startswith("PCA of A's path: PC1 ")
    assert pair.notes == (f"B's path cannot be drawn on A's plane: B's network has {bp.n_params:,} parameters and "
                          f"A's {a.network.n_params:,}, so their weights live in different spaces.",)


def test_b_with_another_objective_is_drawn_and_said():
    cmp = make_pair("l2=0.01 activation=relu", iterations=15)
    a, b = cmp.runs
    pair = surface_for_pair(a, RunPath.of(b), mode="pca", resolution=RES)
    assert pair.b_drawn and pair.shared
    assert pair.objective_note == ("The colours are A's objective, not B's (L2 λ: B 0.01, A 0; activations: B relu, "
                                   "relu, A tanh, tanh).")
    assert pair.notes == (pair.objective_note,) and pair.path_note == ""


def test_b_with_another_loss_is_said():
    prepared = prepare(DataSpec(name="plane", n_samples=60, noise=0.1, seed=1))
    spec = NetworkSpec(2, (LayerSpec(4, "tanh"),), "regression", loss="mse")
    cmp = make_pair("loss=mae", iterations=10, spec=spec, config=TrainConfig(learning_rate=0.05), prepared=prepared)
    pair = surface_for_pair(cmp.a, RunPath.of(cmp.b), mode="random", resolution=RES)
    assert pair.notes == ("The colours are A's objective, not B's (loss: B mae, A mse).",)


def test_a_diverged_b_is_drawn_up_to_where_it_was_finite(lr_pair):
    a, b = lr_pair.runs
    bp = RunPath.of(b)
    bp.params[-3:, 2] = np.inf
    pair = surface_for_pair(a, bp, mode="pca", resolution=RES)
    assert len(pair.b_path) == len(bp.params) - 3
    np.testing.assert_array_equal(pair.b_path_iterations, bp.iterations[:-3])
    assert pair.notes == (f"B's weights stopped being finite (B diverged): its path is drawn up to iteration "
                          f"{int(bp.iterations[-4]):,}.",)
    bp.params[:] = np.nan
    pair = surface_for_pair(a, bp, mode="pca", resolution=RES)
    assert pair.b_path is None and pair.notes == ("B's weights are not finite (B diverged): its path cannot be drawn.",)


def test_bad_b_paths_are_refused(lr_pair):
    a = lr_pair.a
    with pytest.raises(SpecError, match="did not answer"):
        surface_for_pair(a, None)
    bp = RunPath.of(lr_pair.b)
    bp.iterations = bp.iterations[:-1]
    with pytest.raises(SpecError, match="one iteration per row"):
        surface_for_pair(a, bp)
    with pytest.raises(SpecError, match="unknown landscape mode"):
        surface_for_pair(a, RunPath.of(lr_pair.b), mode="tsne")


def test_run_path_is_a_copy_that_crosses_processes():
    cmp = make_pair("lr=0.1", iterations=6)
    bp = run_path(cmp.b)
    assert run_path(None) is None
    iters, traj = cmp.b.trajectory_array()
    np.testing.assert_array_equal(bp.params, traj)
    np.testing.assert_array_equal(bp.iterations, iters)
    assert (bp.layer_sizes, bp.loss, bp.activations, bp.l1, bp.l2) == ((2, 5, 4, 1), "bce", ("tanh", "tanh"), 0.0, 0.0)
    cmp.run(iterations=3)
    assert len(bp.params) == len(traj)  # training on does not change it
    back = pickle.loads(pickle.dumps(bp))
    np.testing.assert_array_equal(back.params, bp.params)
    assert pickle.loads(pickle.dumps(run_path)) is run_path
    assert projection(bp.params[-1], bp.params[-1], np.eye(bp.n_params)[0], np.eye(bp.n_params)[1]).tolist() == [0, 0]
