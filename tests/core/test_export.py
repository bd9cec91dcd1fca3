"""Exported Keras / PyTorch programs: they compile, and they compute what nnstudio computes."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.core.activations import ACTIVATIONS
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.errors import SpecError
from nnstudio.core.export import EMBED_LIMIT, export_code, write_export
from nnstudio.core.network import Network
from nnstudio.core.specs import OPTIMIZERS, LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

HAS_KERAS = importlib.util.find_spec("keras") is not None and importlib.util.find_spec("torch") is not None


def _load(code: str, folder: Path, name: str):
    """Import the exported program as a module (its __main__ block does not run)."""
    path = folder / f"{name}.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"exported_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _spec(task: str, hidden: tuple[LayerSpec, ...], n_inputs: int = 3, loss: str | None = None) -> NetworkSpec:
    n_out = 4 if task == "multiclass" else 1
    return NetworkSpec(n_inputs=n_inputs, hidden=hidden, task=task, n_outputs=n_out, loss=loss, huber_delta=0.7)


def _net(spec: NetworkSpec, seed: int = 0) -> Network:
    net = Network(spec, seed)
    rng = np.random.default_rng(seed + 1)
    # non-zero biases so that a wrong bias mapping shows
    for layer in net.layers:
        layer.b[...] = rng.normal(0, 0.5, layer.b.shape)
    return net


ARCHS = [
    pytest.param(_spec("binary", tuple(LayerSpec(5, a, alpha=0.2 if a in ("leaky_relu", "elu") else None)
                                       for a in list(ACTIVATIONS)[:5])), id="binary-first-5-activations"),
    pytest.param(_spec("multiclass", tuple(LayerSpec(6, a, dropout=0.3 if i == 1 else 0.0)
                                           for i, a in enumerate(list(ACTIVATIONS)[5:]))), id="multiclass-rest"),
    pytest.param(_spec("regression", (LayerSpec(7, "leaky_relu"), LayerSpec(4, "elu")), loss="huber"),
                 id="regression-huber-default-alphas"),
    pytest.param(_spec("regression", (), n_inputs=1, loss="mae"), id="linear-model"),
    pytest.param(_spec("binary", (LayerSpec(8, "gelu", dropout=0.5), LayerSpec(3, "swish"))), id="gelu-dropout"),
]


# ============================================================================ text
@pytest.mark.parametrize("framework", ["pytorch", "keras"])
@pytest.mark.parametrize("spec", [a.values[0] for a in ARCHS])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_combination_compiles(spec, framework, optimizer):
    cfg = TrainConfig(optimizer=optimizer, l1=0.01, schedule="step", early_stopping="patience")
    for weights in (None, _net(spec).params):
        code = export_code(spec, cfg, weights, framework, DataSpec())
        compile(code, f"export_{framework}.py", "exec")
        assert ("WEIGHTS = [" in code) == (weights is not None)


def test_weights_are_embedded_as_exact_repr_floats():
    spec = ARCHS[0].values[0]
    w = _net(spec).params
    code = export_code(spec, TrainConfig(), w, "pytorch")
    ns: dict = {}
    start = code.index("WEIGHTS = [")
    end = code.index("\n]\n", start) + 2
    exec(code[start:end], ns)
    flat_W = np.concatenate([np.asarray(W).ravel() for W, _ in ns["WEIGHTS"]])
    flat_b = np.concatenate([np.asarray(b) for _, b in ns["WEIGHTS"]])
    assert np.concatenate([flat_W, flat_b]).tobytes() == w.tobytes()


def test_keras_text_maps_the_optimizers_and_notes_differences():
    spec = ARCHS[2].values[0]
    code = export_code(spec, TrainConfig(optimizer="rmsprop", eps=1e-6, rho=0.95), None, "keras")
    assert "RMSprop(learning_rate=LEARNING_RATE, rho=0.95, momentum=0.0, epsilon=1e-12)" in code
    assert "inside the square root" in code
    code = export_code(spec, TrainConfig(optimizer="adagrad"), None, "keras")
    assert "initial_accumulator_value=0.0" in code and "epsilon=1e-20" in code
    code = export_code(spec, TrainConfig(optimizer="momentum", momentum=0.8), None, "keras")
    assert "SGD(learning_rate=LEARNING_RATE, momentum=0.8)" in code and "constant" in code
    code = export_code(spec, TrainConfig(optimizer="adam"), None, "keras")
    assert "epsilon=1e-08" in code and "√(1 − β₂ᵗ)" in code
    code = export_code(spec, TrainConfig(optimizer="adamw", weight_decay=0.05, l2=0.1), None, "keras")
    assert "weight_decay=0.05" in code and "L1L2(l1=L1, l2=L2)" in code and "L2 = 0.1" in code
    assert "Huber(delta=0.7)" in code


def test_pytorch_text_maps_the_settings():
    spec = ARCHS[0].values[0]
    cfg = TrainConfig(optimizer="nesterov", momentum=0.7, batch_mode="sgd", schedule="exponential",
                      decay_rate=0.9, early_stopping="target", target_metric="val_accuracy", target_value=0.95)
    code = export_code(spec, cfg, None, "pytorch", epochs=7)
    assert "torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=0.7, nesterov=True)" in code
    assert "ExponentialLR(optimizer, gamma=0.9)" in code and "BATCH_SIZE = 1" in code
    assert "EPOCHS = 7" in code and 'row["val_metric"] >= 0.95' in code
    assert "nn.LeakyReLU(negative_slope=0.2)" in code and "nn.ELU" not in code
    assert "BCEWithLogitsLoss" in code


def test_bad_arguments_are_refused():
    spec = ARCHS[0].values[0]
    with pytest.raises(SpecError, match="choose one of"):
        export_code(spec, TrainConfig(), None, "tensorflow")
    with pytest.raises(SpecError, match="parameters"):
        export_code(spec, TrainConfig(), np.zeros(3), "pytorch")
    w = _net(spec).params.copy()
    w[0] = np.nan
    with pytest.raises(SpecError, match="NaN"):
        export_code(spec, TrainConfig(), w, "keras")


# ============================================================================ PyTorch, run
@pytest.mark.parametrize("spec", ARCHS)
def test_pytorch_model_predicts_what_nnstudio_predicts(spec, tmp_path):
    pytest.importorskip("torch")
    net = _net(spec)
    mod = _load(export_code(spec, TrainConfig(), net.params, "pytorch"), tmp_path, "m")
    model = mod.build_model()
    mod.load_trained_weights(model)
    X = np.random.default_rng(5).normal(0, 2, size=(50, spec.n_inputs))
    np.testing.assert_allclose(mod.predict(model, X), net.predict(X), rtol=1e-6, atol=1e-12)


def _full_batch_data(task: str, n_inputs: int, n: int = 40, seed: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_inputs))
    if task == "regression":
        y = X.sum(axis=1) + rng.normal(0, 0.1, n)
    elif task == "binary":
        y = (X[:, 0] > 0).astype(np.int64)
    else:
        y = rng.integers(0, 4, n)
    return SimpleNamespace(X_train=X, y_train=y, X_val=X[:0], y_val=y[:0], task=task,
                           n_classes=4 if task == "multiclass" else (2 if task == "binary" else 0))


STEP_CASES = [
    ("sgd", "binary", {}),
    ("momentum", "regression", {"l2": 0.01}),
    ("nesterov", "multiclass", {"l1": 0.01}),
    ("adam", "binary", {"l1": 0.003, "l2": 0.02}),
    ("adagrad", "regression", {}),
    ("rmsprop", "multiclass", {}),
    ("adamw", "binary", {"weight_decay": 0.1}),
]


@pytest.mark.parametrize("optimizer,task,extra", STEP_CASES)
def test_pytorch_training_steps_match_the_trainer(optimizer, task, extra, tmp_path):
    pytest.importorskip("torch")
    spec = _spec(task, (LayerSpec(5, "tanh"), LayerSpec(4, "softplus")), n_inputs=3)
    cfg = TrainConfig(optimizer=optimizer, learning_rate=0.05, batch_mode="full", **extra)
    data = _full_batch_data(task, 3)
    trainer = Trainer(spec, cfg, data)
    start = trainer.network.get_flat()
    mod = _load(export_code(spec, cfg, start, "pytorch"), tmp_path, f"s_{optimizer}")
    model = mod.build_model()
    mod.load_trained_weights(model)
    history = mod.train(model, data.X_train, data.y_train, epochs=3, verbose=False)
    trainer.run(iterations=3)
    assert len(history) == 3
    got = np.concatenate([p.detach().numpy().T.ravel() for p in model.parameters() if p.ndim == 2]
                         + [p.detach().numpy() for p in model.parameters() if p.ndim == 1])
    np.testing.assert_allclose(got, trainer.network.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(history[0]["loss"], trainer.history.iterations.array()[0, 1], rtol=1e-10)


def test_pytorch_program_reproduces_the_input_pipeline(tmp_path):
    pytest.importorskip("torch")
    ds = DataSpec(name="circle", n_samples=80, features=("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)"),
                  standardize=True)
    data = prepare(ds)
    spec = NetworkSpec(n_inputs=6, hidden=(LayerSpec(3),))
    net = _net(spec)
    mod = _load(export_code(spec, TrainConfig(), net.params, "pytorch", ds, prepared=data), tmp_path, "pipe")
    raw = np.random.default_rng(0).uniform(-6, 6, size=(20, 2))
    np.testing.assert_array_equal(mod.prepare_inputs(raw), data.transform(raw))
    assert mod.INPUT_NAMES == list(data.input_names) and mod.CLASS_NAMES == list(data.class_names)


def test_large_networks_write_a_companion_npz_that_the_program_reads(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    import nnstudio.core.export.program as export_mod

    monkeypatch.setattr(export_mod, "EMBED_LIMIT", 20)
    spec = _spec("binary", (LayerSpec(6, "relu"),))
    net = _net(spec)
    files = write_export(tmp_path / "big.py", spec, TrainConfig(), net.params, "pytorch")
    assert [f.name for f in files] == ["big.py", "big_weights.npz"]
    code = files[0].read_text()
    assert "WEIGHTS = [" not in code and "big_weights.npz" in code
    spec_ = importlib.util.spec_from_file_location("big_export", files[0])
    mod = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(mod)
    model = mod.build_model()
    mod.load_trained_weights(model)
    X = np.random.default_rng(1).normal(size=(9, 3))
    np.testing.assert_allclose(mod.predict(model, X), net.predict(X), rtol=1e-12)
    assert EMBED_LIMIT == 200_000


def test_exported_programs_run_as_scripts(tmp_path, capsys):
    pytest.importorskip("torch")
    import runpy

    ds = DataSpec(name="spiral", n_samples=40)
    spec = NetworkSpec()
    trained = tmp_path / "trained.py"
    write_export(trained, spec, TrainConfig(), _net(spec).params, "pytorch", ds, prepared=prepare(ds))
    out = subprocess.run([sys.executable, str(trained)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("[") >= 2
    fresh = tmp_path / "fresh.py"
    write_export(fresh, spec, TrainConfig(), None, "pytorch", ds)
    runpy.run_path(str(fresh), run_name="__main__")
    assert capsys.readouterr().out.count("[") >= 2


# ============================================================================ Keras, run
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
    X = np.array(case["X"])
    result = {"predict": mod.predict(model, X).tolist()}
    if case.get("train"):
        mod.train(model, X, np.array(case["y"]), epochs=case["train"], verbose=False)
        result["weights"] = [[w.tolist() for w in layer.get_weights()] for layer in mod.dense_layers(model)]
    out[name] = result
json.dump(out, open(sys.argv[2], "w"))
"""


@pytest.mark.skipif(not HAS_KERAS, reason="keras (with the torch backend) is not installed")
def test_keras_programs_predict_and_train_like_nnstudio(tmp_path):
    cases, expected = {}, {}
    for i, param in enumerate(ARCHS):
        spec = param.values[0]
        net = _net(spec)
        f = tmp_path / f"k{i}.py"
        f.write_text(export_code(spec, TrainConfig(), net.params, "keras"), encoding="utf-8")
        X = np.random.default_rng(i).normal(0, 2, size=(30, spec.n_inputs))
        cases[f"k{i}"] = {"file": str(f), "X": X.tolist()}
        expected[f"k{i}"] = net.predict(X)
    trainers = {}
    for optimizer in ("sgd", "momentum", "nesterov"):
        spec = _spec("binary", (LayerSpec(4, "tanh"),))
        cfg = TrainConfig(optimizer=optimizer, learning_rate=0.1, batch_mode="full", l2=0.01)
        data = _full_batch_data("binary", 3, n=24)
        trainer = Trainer(spec, cfg, data)
        f = tmp_path / f"t_{optimizer}.py"
        f.write_text(export_code(spec, cfg, trainer.network.params, "keras"), encoding="utf-8")
        cases[f"t_{optimizer}"] = {"file": str(f), "X": data.X_train.tolist(), "y": data.y_train.tolist(),
                                   "train": 3}
        expected[f"t_{optimizer}"] = trainer.network.predict(data.X_train)
        trainer.run(iterations=3)
        trainers[f"t_{optimizer}"] = trainer
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "driver.py").write_text(KERAS_DRIVER)
    env = dict(os.environ, KERAS_BACKEND="torch")
    run = subprocess.run([sys.executable, str(tmp_path / "driver.py"), str(tmp_path / "cases.json"),
                          str(tmp_path / "out.json")], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    for name, want in expected.items():
        # Keras' torch backend multiplies matrices in float32 even with floatx float64
        np.testing.assert_allclose(np.array(out[name]["predict"]), want, rtol=1e-5, atol=1e-6, err_msg=name)
    for name, trainer in trainers.items():
        layers = out[name]["weights"]
        for layer, (W, b) in zip(trainer.network.layers, layers):
            np.testing.assert_allclose(np.array(W), layer.W, rtol=1e-5, atol=1e-6, err_msg=name)
            np.testing.assert_allclose(np.array(b), layer.b, rtol=1e-5, atol=1e-6, err_msg=name)
