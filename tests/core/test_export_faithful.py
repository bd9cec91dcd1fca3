"""An exported program predicts what nnstudio predicts, from raw data.

Each case trains with the engine for a few epochs, exports through
:func:`export_project` (the call of the app's File › Export and of ``nnstudio export
-o``), and compares the program's ``predict(model, prepare_inputs(X_raw))`` with the
engine's prediction on the same raw points: the program has to reproduce the feature
maps and the standardisation with the training data's numbers, and carry the names.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.export import export_project
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig, fit_network_to_data
from nnstudio.core.trainer import Trainer

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_KERAS = HAS_TORCH and importlib.util.find_spec("keras") is not None

CASES = {
    "iris-standardised": (DataSpec(source="bundled", name="iris", standardize=True), "float64"),
    "iris-raw": (DataSpec(source="bundled", name="iris", standardize=False), "float64"),
    "circle-features-standardised": (
        DataSpec(name="circle", n_samples=200, noise=0.1,
                 features=("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"), standardize=True),
        "float64"),
    "circle-features-raw": (DataSpec(name="circle", n_samples=200, noise=0.1, features=("x1^2", "x2^2")),
                            "float64"),
    "plane-regression-float32": (DataSpec(name="plane", n_samples=100, noise=0.1, standardize=True), "float32"),
}


def _trained(data: DataSpec, dtype: str):
    prepared = prepare(data)
    spec = fit_network_to_data(NetworkSpec(hidden=(LayerSpec(6, "tanh"), LayerSpec(4, "relu"))),
                               prepared.n_inputs, prepared.task, prepared.n_classes)
    config = TrainConfig(optimizer="adam", learning_rate=0.05, batch_mode="minibatch", batch_size=16,
                         dtype=dtype)
    trainer = Trainer(spec, config, prepared)
    trainer.run(epochs=5)
    return spec, config, prepared, trainer


def _raw_points(prepared) -> np.ndarray:
    """Every raw row of the data set, and points around and beyond its range."""
    lo = np.array([a for a, _ in prepared.domain])
    hi = np.array([b for _, b in prepared.domain])
    rng = np.random.default_rng(7)
    extra = rng.uniform(lo - (hi - lo), hi + (hi - lo), size=(40, len(lo)))
    return np.vstack([prepared.raw.X, extra])


def _export(tmp_path: Path, framework: str, name: str, spec, config, data, prepared, trainer) -> Path:
    files = export_project(tmp_path / f"{name}_{framework}.py", framework, network=spec, config=config,
                           data=data, prepared=prepared, weights=trainer.network.get_flat())
    return files[0]


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("case", list(CASES))
def test_pytorch_program_predicts_like_the_engine_from_raw_data(case, tmp_path):
    data, dtype = CASES[case]
    spec, config, prepared, trainer = _trained(data, dtype)
    mod = _import(_export(tmp_path, "pytorch", case.replace("-", "_"), spec, config, data, prepared, trainer))
    model = mod.build_model()
    mod.load_trained_weights(model)
    X_raw = _raw_points(prepared)
    got = mod.predict(model, mod.prepare_inputs(X_raw))
    want = trainer.network.predict(prepared.transform(X_raw))
    tol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    # the program carries what the app shows
    assert mod.INPUT_NAMES == list(prepared.input_names)
    if prepared.task != "regression":
        assert mod.CLASS_NAMES == list(prepared.class_names)
    assert hasattr(mod, "MEAN") == data.standardize
    if data.standardize:
        np.testing.assert_array_equal(mod.MEAN, prepared.mean)
        np.testing.assert_array_equal(mod.SCALE, prepared.scale)


def test_a_standardised_export_differs_without_the_standardisation(tmp_path):
    """The check above can fail: dropping the standardisation (as the app's export once
    did) moves Iris probabilities by far more than the tolerance."""
    pytest.importorskip("torch")
    data, dtype = CASES["iris-standardised"]
    spec, config, prepared, trainer = _trained(data, dtype)
    files = export_project(tmp_path / "lost.py", "pytorch", network=spec, config=config, data=data,
                           prepared=None, weights=trainer.network.get_flat())
    code = files[0].read_text()
    assert "MEAN" not in code and "standardised the inputs" in code  # it says what is missing
    mod = _import(files[0])
    model = mod.build_model()
    mod.load_trained_weights(model)
    X_raw = prepared.raw.X
    gap = np.abs(mod.predict(model, mod.prepare_inputs(X_raw)) - trainer.network.predict(prepared.transform(X_raw)))
    assert gap.max() > 0.1


KERAS_DRIVER = r"""
import importlib.util, json, sys
import numpy as np
cases = json.load(open(sys.argv[1]))
out = {}
for name, case in cases.items():
    spec = importlib.util.spec_from_file_location(name, case["file"])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.build_model()
    mod.load_trained_weights(model)
    X = mod.prepare_inputs(np.array(case["X"]))
    out[name] = {"predict": mod.predict(model, X).tolist(), "inputs": mod.INPUT_NAMES,
                 "classes": getattr(mod, "CLASS_NAMES", None)}
json.dump(out, open(sys.argv[2], "w"))
"""


@pytest.mark.skipif(not HAS_KERAS, reason="keras (with the torch backend) is not installed")
def test_keras_program_predicts_like_the_engine_from_raw_data(tmp_path):
    cases, expected = {}, {}
    for case, (data, dtype) in CASES.items():
        spec, config, prepared, trainer = _trained(data, dtype)
        name = case.replace("-", "_")
        path = _export(tmp_path, "keras", name, spec, config, data, prepared, trainer)
        X_raw = _raw_points(prepared)
        cases[name] = {"file": str(path), "X": X_raw.tolist()}
        expected[name] = (trainer.network.predict(prepared.transform(X_raw)), prepared)
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "driver.py").write_text(KERAS_DRIVER)
    env = dict(os.environ, KERAS_BACKEND="torch")
    run = subprocess.run([sys.executable, str(tmp_path / "driver.py"), str(tmp_path / "cases.json"),
                          str(tmp_path / "out.json")], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    for name, (want, prepared) in expected.items():
        # Keras' torch backend multiplies matrices in float32 even with floatx float64
        np.testing.assert_allclose(np.array(out[name]["predict"]), want, rtol=1e-5, atol=1e-6, err_msg=name)
        assert out[name]["inputs"] == list(prepared.input_names)
        if prepared.task != "regression":
            assert out[name]["classes"] == list(prepared.class_names)
