"""DataSpec, split, prepare and the bundled data sets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.data import (
    BUNDLED,
    FEATURE_MAPS,
    GENERATORS,
    DataSpec,
    Dataset,
    PreparedData,
    generate,
    load_bundled,
    prepare,
    resource_dir,
    split,
)
from nnstudio.core.errors import DataError, SpecError

# ------------------------------------------------------------------------- DataSpec


def test_defaults_and_to_dict_uses_plain_json_types():
    spec = DataSpec()
    d = spec.to_dict()
    assert d["features"] == ["x1", "x2"] and d["name"] == "spiral" and d["n_samples"] == 400
    assert DataSpec.from_dict(json.loads(json.dumps(d))) == spec
    assert DataSpec.from_dict({}) == spec


@settings(max_examples=60, deadline=None)
@given(
    source=st.sampled_from(["generator", "bundled", "csv", "inline"]),
    generator=st.sampled_from([g for g in GENERATORS if GENERATORS[g].task != "multiclass"]),
    n_samples=st.integers(20, 1_000_000),
    noise=st.floats(0, 1),
    seed=st.integers(0, 2**63 - 1),
    fraction=st.floats(0, 0.99),
    features=st.lists(st.sampled_from(list(FEATURE_MAPS)), min_size=1, unique=True),
    standardize=st.booleans(),
    n_classes=st.integers(3, 10),
    slope=st.floats(-1e6, 1e6),
    target=st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=8)),
    categorical=st.sampled_from([None, True, False]),
)
def test_data_spec_round_trips_through_json(
    source, generator, n_samples, noise, seed, fraction, features, standardize, n_classes, slope, target, categorical
):
    spec = DataSpec(
        source=source,
        name={"generator": generator, "bundled": "digits"}.get(source, "anything"),
        n_samples=n_samples,
        noise=noise,
        seed=seed,
        validation_fraction=fraction,
        features=tuple(features),
        standardize=standardize,
        n_classes=n_classes,
        slope=slope,
        csv_path="data/my file.csv",
        target_column=target,
        categorical_target=categorical,
    )
    back = DataSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert back == spec and isinstance(back.features, tuple)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(name="moons"), "circle, xor, gaussians, spiral"),
        (dict(source="bundled", name="mnist"), "iris, digits"),
        (dict(source="web"), "generator, bundled, csv, inline"),
        (dict(source="csv"), "choose a CSV file"),
        (dict(n_samples=3), "number of samples"),
        (dict(n_samples=1_000_001), "1,000,000"),
        (dict(n_samples=100.0), "whole number"),
        (dict(noise=1.01), "noise"),
        (dict(noise=-0.5), "noise"),
        (dict(noise="high"), "noise must be a number"),
        (dict(seed=-1), "seed"),
        (dict(validation_fraction=1.0), "less than 1"),
        (dict(validation_fraction=-0.1), "at least 0"),
        (dict(features=("x1", "x3")), "'x3'; choose from: x1, x2, x1^2"),
        (dict(features=()), "at least one"),
        (dict(standardize="yes"), "standardize"),
        (dict(n_classes=2), "number of classes"),
        (dict(name="blobs", n_samples=10, n_classes=6), "at least 12 samples"),
        (dict(slope=float("nan")), "slope"),
        (dict(target_column=1.5), "target column"),
        (dict(categorical_target=1), "categorical_target"),
    ],
)
def test_invalid_settings_are_spec_errors_naming_the_setting(kwargs, fragment):
    with pytest.raises(SpecError) as info:
        DataSpec(**kwargs)
    assert fragment in str(info.value)


def test_from_dict_names_an_unknown_key():
    with pytest.raises(SpecError, match="unknown data setting 'n_sample'"):
        DataSpec.from_dict({"n_sample": 100})
    with pytest.raises(SpecError):
        DataSpec.from_dict(["spiral"])


def test_ints_are_accepted_for_float_settings():
    spec = DataSpec(noise=1, validation_fraction=0, slope=3)
    assert spec.noise == 1.0 and isinstance(spec.noise, float) and spec.slope == 3.0


# ---------------------------------------------------------------------------- split


def labelled(counts: list[int]) -> Dataset:
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.arange(2 * len(y), dtype=float).reshape(-1, 2)
    return Dataset(X, y, "binary" if len(counts) == 2 else "multiclass", ("a", "b"))


def check_partition(train, val, n):
    assert train.dtype == np.int64 and val.dtype == np.int64
    assert len(np.intersect1d(train, val)) == 0
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(n))


@pytest.mark.parametrize("n, f, n_val", [(400, 0.2, 80), (401, 0.2, 80), (10, 0.25, 3), (5, 0.01, 1), (7, 0.99, 6)])
def test_split_sizes(n, f, n_val):
    ds = generate("plane", n, seed=0)
    train, val = split(ds, f, seed=1)
    check_partition(train, val, n)
    assert len(val) == n_val and len(train) == n - n_val


def test_split_without_validation_keeps_everything_for_training():
    train, val = split(generate("circle", 50), 0.0, seed=3)
    check_partition(train, val, 50)
    assert len(val) == 0


def test_split_is_stratified_and_exact_in_total():
    train, val = split(labelled([90, 10]), 0.2, seed=0)
    check_partition(train, val, 100)
    y = labelled([90, 10]).y
    assert np.bincount(y[val]).tolist() == [18, 2]
    _, val = split(labelled([34, 33, 33]), 0.3, seed=5)  # quotas 10.2, 9.9, 9.9 -> 30 in all
    assert len(val) == 30 and np.bincount(labelled([34, 33, 33]).y[val]).tolist() == [10, 10, 10]


def test_split_puts_every_class_in_both_parts_when_possible():
    ds = labelled([50, 2, 1])
    train, val = split(ds, 0.1, seed=2)
    check_partition(train, val, 53)
    assert set(ds.y[val]) == {0, 1} and set(ds.y[train]) == {0, 1, 2}


def test_split_is_deterministic_per_seed_and_shuffled():
    ds = generate("spiral", 200)
    a, b, c = split(ds, 0.2, 4), split(ds, 0.2, 4), split(ds, 0.2, 5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    assert not np.array_equal(a[0], np.sort(a[0]))
    train, val = split(generate("plane", 200), 0.2, 4)
    assert not np.array_equal(val, np.sort(val)) and not np.array_equal(train, np.sort(train))
    assert not np.array_equal(np.sort(val), np.arange(40))


def test_split_refuses_a_bad_fraction():
    with pytest.raises(SpecError):
        split(generate("spiral", 20), 1.0, 0)


# -------------------------------------------------------------------------- prepare


def test_prepare_generator_default():
    p = prepare(DataSpec())
    assert isinstance(p, PreparedData)
    assert p.X_train.shape == (320, 2) and p.X_val.shape == (80, 2)
    assert p.y_train.shape == (320,) and p.y_val.dtype == np.int64
    assert p.task == "binary" and p.n_classes == 2 and p.class_names == ("-1", "+1")
    assert p.input_names == ("x1", "x2") and p.n_inputs == 2
    assert p.mean is None and p.scale is None
    assert p.domain == ((-6.0, 6.0), (-6.0, 6.0))
    assert np.array_equal(p.X_train, p.raw.X[p.train_index])
    assert np.array_equal(p.y_val, p.raw.y[p.val_index])
    for a in (p.X_train, p.y_train, p.X_val, p.y_val, p.train_index):
        assert not a.flags.writeable


def test_prepare_is_deterministic():
    spec = DataSpec(name="xor", noise=0.3, seed=11, standardize=True)
    a, b = prepare(spec), prepare(spec)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.val_index, b.val_index)


def test_prepare_applies_feature_maps_in_order():
    p = prepare(DataSpec(name="circle", features=("x1", "x2", "x1^2", "x1*x2", "sin(x2)")))
    assert p.input_names == ("x1", "x2", "x1²", "x1·x2", "sin(x2)")
    assert p.feature_keys == ("x1", "x2", "x1^2", "x1*x2", "sin(x2)")
    raw = p.raw.X[p.train_index]
    x1, x2 = raw[:, 0], raw[:, 1]
    assert np.array_equal(p.X_train, np.column_stack([x1, x2, x1 * x1, x1 * x2, np.sin(x2)]))


def test_standardisation_uses_training_statistics_only():
    p = prepare(DataSpec(name="gaussians", noise=0.5, features=("x1", "x2", "x1^2"), standardize=True))
    assert np.allclose(p.X_train.mean(axis=0), 0.0, atol=1e-12)
    assert np.allclose(p.X_train.std(axis=0), 1.0, atol=1e-12)
    assert np.all(np.abs(p.X_val.mean(axis=0)) > 1e-6)  # validation rows were not used
    train_raw = p.raw.X[p.train_index]
    assert np.allclose(p.mean[:2], train_raw.mean(axis=0), rtol=0, atol=1e-15)
    assert not np.allclose(p.mean[:2], p.raw.X.mean(axis=0), rtol=0, atol=1e-9)


def test_constant_input_is_not_divided_by_zero():
    X = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    ds = Dataset(X, np.arange(10.0), "regression", ("a", "b"))
    p = prepare(DataSpec(source="inline", standardize=True), inline=ds)
    assert p.scale[1] == 1.0 and np.all(p.X_train[:, 1] == 0.0)


def test_transform_of_raw_rows_equals_the_prepared_rows():
    p = prepare(DataSpec(name="spiral", features=("x1", "x2", "x2^2", "sin(x1)"), standardize=True))
    assert np.array_equal(p.transform(p.raw.X[p.train_index]), p.X_train)
    assert np.array_equal(p.transform(p.raw.X[p.val_index]), p.X_val)
    grid = np.stack(np.meshgrid(np.linspace(-6, 6, 7), np.linspace(-6, 6, 5)), axis=-1).reshape(-1, 2)
    assert p.transform(grid).shape == (35, 4)
    with pytest.raises(DataError, match=r"shape \(m, 2\)"):
        p.transform(np.zeros((3, 3)))


def test_one_dimensional_data_uses_the_raw_column():
    p = prepare(DataSpec(name="line", n_samples=50, noise=0.1, standardize=True))
    assert p.input_names == ("x",) and p.feature_keys == () and p.X_train.shape == (40, 1)
    assert np.array_equal(p.transform(p.raw.X[p.val_index, 0]), p.X_val)  # (m,) accepted when d == 1
    lo, hi = p.raw.X.min(), p.raw.X.max()
    pad = 0.1 * (hi - lo)
    assert p.domain == ((lo - pad, hi + pad),)
    with pytest.raises(SpecError, match="only work with 2 input columns"):
        prepare(DataSpec(name="line", features=("x1",)))


def test_no_validation_set_gives_empty_arrays_of_the_right_width():
    p = prepare(DataSpec(validation_fraction=0.0, features=("x1", "x2", "x1^2")))
    assert p.X_val.shape == (0, 3) and p.y_val.shape == (0,) and p.X_train.shape == (400, 3)


def test_prepare_multiclass_generator_passes_n_classes():
    p = prepare(DataSpec(name="blobs", n_classes=5, n_samples=100, validation_fraction=0.2))
    assert p.task == "multiclass" and p.n_classes == 5
    assert np.bincount(p.y_val).tolist() == [4, 4, 4, 4, 4]


def test_prepare_bundled_and_feature_rule_for_other_dimensions():
    p = prepare(DataSpec(source="bundled", name="iris", validation_fraction=0.2, standardize=True))
    assert p.X_train.shape == (120, 4) and p.input_names == p.raw.feature_names
    assert np.bincount(p.y_val).tolist() == [10, 10, 10]
    lo, hi = p.raw.X.min(axis=0), p.raw.X.max(axis=0)
    assert np.allclose([d[0] for d in p.domain], lo - 0.1 * (hi - lo))
    with pytest.raises(SpecError, match="this data has 4"):
        prepare(DataSpec(source="bundled", name="iris", features=("x1", "x2", "x1^2")))


def test_prepare_csv(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text("u,v,label\n" + "".join(f"{i},{i % 3 * 1.5},{'ab'[i % 2]}\n" for i in range(20)))
    p = prepare(DataSpec(source="csv", csv_path=str(path), features=("x1", "x1*x2")))
    assert p.task == "binary" and p.class_names == ("a", "b")
    assert p.input_names == ("u", "u·v")  # the raw column names replace x1 and x2
    assert p.domain != ((-6.0, 6.0), (-6.0, 6.0))
    with pytest.raises(DataError, match="does not exist"):
        prepare(DataSpec(source="csv", csv_path=str(tmp_path / "missing.csv")))


def test_prepare_inline_points():
    X = np.array([[0, 0], [1, 1], [-1, 2], [2, -3], [4, 4], [-5, 1]], dtype=float)
    ds = Dataset(X, np.array([0, 1, 0, 1, 0, 1]), "binary", ("x1", "x2"), ("-1", "+1"))
    p = prepare(DataSpec(source="inline", validation_fraction=0.0), inline=ds)
    assert p.raw is ds and p.domain == ((-6.0, 6.0), (-6.0, 6.0)) and p.X_train.shape == (6, 2)
    with pytest.raises(DataError, match="no points yet"):
        prepare(DataSpec(source="inline"))
    one_class = Dataset(X, np.ones(6), "binary", ("x1", "x2"), ("-1", "+1"))
    with pytest.raises(DataError, match="every data point is of class '\\+1'"):
        prepare(DataSpec(source="inline"), inline=one_class)
    with pytest.raises(DataError, match="only 3 data points"):
        prepare(DataSpec(source="inline"), inline=Dataset(X[:3], np.arange(3.0), "regression", ()))


# -------------------------------------------------------------------------- bundled


def test_iris():
    ds = load_bundled("iris")
    assert ds.X.shape == (150, 4) and ds.task == "multiclass"
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    assert np.bincount(ds.y).tolist() == [50, 50, 50]
    assert ds.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert ds.X[0].tolist() == [5.1, 3.5, 1.4, 0.2]


def test_digits():
    ds = load_bundled("digits")
    assert ds.X.shape == (1797, 64) and ds.n_classes == 10
    assert ds.class_names == tuple(str(i) for i in range(10))
    assert ds.X.min() == 0 and ds.X.max() == 16 and np.array_equal(ds.X, np.round(ds.X))
    assert np.bincount(ds.y).min() >= 170
    assert ds.feature_names[:2] == ("pixel_0_0", "pixel_0_1") and ds.feature_names[-1] == "pixel_7_7"


def test_bundled_names_descriptions_and_files():
    assert set(BUNDLED) == {"iris", "digits"}
    assert "Fisher" in BUNDLED["iris"] and "Alpaydin" in BUNDLED["digits"]
    folder = resource_dir()
    assert (folder / "ATTRIBUTION.md").is_file()
    with pytest.raises(SpecError, match="iris, digits"):
        load_bundled("mnist")
