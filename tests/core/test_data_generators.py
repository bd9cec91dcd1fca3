"""Synthetic generators, feature maps and the Dataset container."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.data import FEATURE_MAPS, GENERATORS, Dataset, apply_features, feature_labels, generate
from nnstudio.core.errors import DataError, SpecError

PLAYGROUND_BINARY = ["circle", "xor", "gaussians", "spiral"]


def test_required_generators_exist_with_their_task_and_dimension():
    expected = {
        "circle": ("binary", 2),
        "xor": ("binary", 2),
        "gaussians": ("binary", 2),
        "spiral": ("binary", 2),
        "plane": ("regression", 2),
        "multi_gaussian": ("regression", 2),
        "spiral_multi": ("multiclass", 2),
        "blobs": ("multiclass", 2),
        "line": ("regression", 1),
        "sine": ("regression", 1),
    }
    for name, (task, d) in expected.items():
        task_, description, d_ = GENERATORS[name]
        assert (task_, d_) == (task, d), name
        assert isinstance(description, str) and description


@pytest.mark.parametrize("name", list(GENERATORS))
def test_shapes_dtypes_and_metadata(name):
    info = GENERATORS[name]
    ds = generate(name, 101, noise=0.3, seed=5)
    assert ds.X.shape == (101, info.n_features)
    assert ds.X.dtype == np.float64 and ds.y.shape == (101,)
    assert ds.task == info.task and ds.name == name
    assert len(ds.feature_names) == info.n_features
    assert np.all(np.isfinite(ds.X)) and np.all(np.isfinite(ds.y))
    if info.task == "regression":
        assert ds.y.dtype == np.float64 and ds.class_names == () and ds.n_classes == 0
    else:
        assert ds.y.dtype == np.int64
        assert ds.n_classes == len(ds.class_names) == (2 if info.task == "binary" else 3)
        assert set(np.unique(ds.y)) == set(range(ds.n_classes))


@pytest.mark.parametrize("name", PLAYGROUND_BINARY)
def test_binary_playground_sets_are_balanced_with_plus_minus_names(name):
    ds = generate(name, 401, noise=0.2, seed=0)
    assert ds.class_names == ("-1", "+1") and ds.feature_names == ("x1", "x2")
    assert sorted(np.bincount(ds.y).tolist()) == [200, 201]


@pytest.mark.parametrize("name", ["spiral_multi", "blobs"])
def test_multiclass_sets_have_n_classes_balanced_classes(name):
    ds = generate(name, 402, noise=0.1, seed=1, n_classes=4)
    assert ds.task == "multiclass" and ds.class_names == ("A", "B", "C", "D")
    assert np.bincount(ds.y).tolist() == [101, 101, 100, 100]


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_seed_same_data_and_other_seed_other_data(name):
    a = generate(name, 60, noise=0.4, seed=7)
    b = generate(name, 60, noise=0.4, seed=7)
    c = generate(name, 60, noise=0.4, seed=8)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", PLAYGROUND_BINARY + ["plane", "multi_gaussian", "spiral_multi", "blobs"])
def test_playground_points_stay_in_the_square_even_at_full_noise(name):
    ds = generate(name, 500, noise=1.0, seed=3)
    assert np.all(np.abs(ds.X) <= 6.0)


def test_noise_changes_the_data():
    for name in ["circle", "spiral", "plane", "line"]:
        clean = generate(name, 50, noise=0.0, seed=2)
        noisy = generate(name, 50, noise=0.5, seed=2)
        changed = not np.array_equal(clean.X, noisy.X) or not np.array_equal(clean.y, noisy.y)
        assert changed, name


def test_circle_without_noise_inner_class_is_inside_outer_class():
    ds = generate("circle", 400, noise=0.0, seed=4)
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    inner, outer = r[ds.y == 1], r[ds.y == 0]
    assert ds.class_names[1] == "+1"
    assert inner.max() < outer.min()


def test_xor_labels_match_the_sign_of_x1_times_x2():
    ds = generate("xor", 300, noise=0.0, seed=9)
    assert np.array_equal(ds.y, (ds.X[:, 0] * ds.X[:, 1] > 0).astype(np.int64))
    assert np.all(np.abs(ds.X) >= 0.3)  # the margin along the axes


@pytest.mark.parametrize("slope", [2.0, -1.5, 0.0])
def test_line_without_noise_is_exactly_the_line(slope):
    ds = generate("line", 100, noise=0.0, seed=0, slope=slope)
    assert ds.X.shape == (100, 1) and np.all(np.abs(ds.X) <= 1.0)
    assert np.array_equal(ds.y, slope * ds.X[:, 0])


def test_line_with_noise_keeps_the_same_x_and_scatters_y():
    clean = generate("line", 2000, noise=0.0, seed=3)
    noisy = generate("line", 2000, noise=0.5, seed=3)
    assert np.array_equal(clean.X, noisy.X)
    residual = noisy.y - 2.0 * noisy.X[:, 0]
    assert 0.45 < residual.std() < 0.55


def test_sine_and_plane_without_noise_follow_their_formula():
    sine = generate("sine", 80, seed=1)
    assert np.array_equal(sine.y, np.sin(sine.X[:, 0]))
    plane = generate("plane", 80, seed=1)
    assert np.allclose(plane.y, (plane.X[:, 0] + plane.X[:, 1]) / 12.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(name="moons", n_samples=100), "circle, xor"),
        (dict(name="circle", n_samples=3), "number of samples"),
        (dict(name="circle", n_samples=1_000_001), "1,000,000"),
        (dict(name="circle", n_samples=True), "whole number"),
        (dict(name="circle", n_samples=100, noise=1.5), "noise"),
        (dict(name="circle", n_samples=100, noise=-0.1), "noise"),
        (dict(name="circle", n_samples=100, seed=-1), "seed"),
        (dict(name="blobs", n_samples=100, n_classes=2), "number of classes"),
        (dict(name="blobs", n_samples=10, n_classes=6), "at least 12 samples"),
        (dict(name="line", n_samples=100, slope=float("inf")), "slope"),
        (dict(name="line", n_samples=100, colour="red"), "'colour'"),
    ],
)
def test_bad_generator_arguments_raise_spec_error(kwargs, fragment):
    with pytest.raises(SpecError, match=None) as info:
        generate(**kwargs)
    assert fragment in str(info.value)


# ------------------------------------------------------------------------ features


def test_feature_maps_are_computed_exactly():
    X = np.array([[1.5, -2.0], [0.0, 3.0], [-0.5, 0.25]])
    a, b = X[:, 0], X[:, 1]
    keys = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert list(FEATURE_MAPS) == keys
    Z = apply_features(X, keys)
    assert Z.shape == (3, 7) and Z.dtype == np.float64
    expected = np.column_stack([a, b, a * a, b * b, a * b, np.sin(a), np.sin(b)])
    assert np.array_equal(Z, expected)
    assert np.array_equal(apply_features(X, ["x1*x2", "x1"]), np.column_stack([a * b, a]))


def test_feature_labels():
    assert feature_labels(["x1", "x2", "x1^2", "x1*x2", "sin(x2)"]) == ("x1", "x2", "x1²", "x1·x2", "sin(x2)")
    assert [FEATURE_MAPS[k].label for k in ("x2^2", "sin(x1)")] == ["x2²", "sin(x1)"]
    # named raw columns replace x1/x2, and a name containing "x2" is not rewritten again
    assert feature_labels(["x1^2", "x1*x2"], ("ax2", "w")) == ("ax2²", "ax2·w")


@pytest.mark.parametrize(
    "names, fragment",
    [(["x3"], "'x3'"), (["x1", "x1"], "twice"), ([], "at least one")],
)
def test_bad_feature_names(names, fragment):
    with pytest.raises(SpecError) as info:
        apply_features(np.zeros((2, 2)), names)
    assert fragment in str(info.value)
    if fragment == "'x3'":
        assert "x1^2" in str(info.value)  # lists the valid ones


def test_feature_maps_need_two_columns():
    with pytest.raises(SpecError, match="exactly 2 input columns"):
        apply_features(np.zeros((5, 3)), ["x1"])


# ------------------------------------------------------------------------- Dataset


def test_dataset_converts_copies_and_freezes_its_arrays():
    X = np.array([[1, 2], [3, 4], [5, 6]])
    y = np.array([0.0, 1.0, 1.0])
    ds = Dataset(X, y, "binary", ("a", "b"))
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64
    assert ds.class_names == ("0", "1") and ds.n_classes == 2
    X[0, 0] = 99
    assert ds.X[0, 0] == 1.0
    with pytest.raises(ValueError):
        ds.X[0, 0] = 5.0
    assert Dataset(X, y, "regression", ()).feature_names == ("x1", "x2")


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((np.zeros((3, 2)), np.zeros(4), "regression", ()), "one value per row"),
        ((np.zeros(3), np.zeros(3), "regression", ()), "shape (n, d)"),
        ((np.zeros((3, 2)), np.zeros(3), "clustering", ()), "unknown task"),
        ((np.zeros((3, 2)), np.array([0, 1, 2]), "binary", ()), "exactly 2 classes"),
        ((np.zeros((3, 2)), np.array([0, 1, 5]), "multiclass", (), ("a", "b", "c")), "out of range"),
        ((np.zeros((3, 2)), np.array([0, 0.5, 1]), "binary", ()), "row 2"),
        ((np.array([[0, 1], [np.nan, 2]]), np.zeros(2), "regression", ()), "row 2, input 1"),
        ((np.zeros((3, 2)), np.zeros(3), "regression", ("a",)), "feature names"),
    ],
)
def test_dataset_refuses_inconsistent_data(args, fragment):
    with pytest.raises(DataError) as info:
        Dataset(*args)
    assert fragment in str(info.value)
