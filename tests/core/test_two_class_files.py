"""The two-class output choice in project files, on the command line and in lessons.

A network for two classes has one sigmoid unit (loss ``bce``, the default) or two
softmax units (loss ``cce``). The choice is the network's loss, so it is saved with the
network, old files (always ``bce``) open as before, and a file whose output does not
add up is refused with a message that says why.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnstudio.app.lessons import LessonError, lesson_state, load_lesson, step_state
from nnstudio.cli import main
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.errors import NNStudioError, ProjectError
from nnstudio.core.export import export_project
from nnstudio.core.project import load_project, project_from_trainer, save_project, trainer_from_project
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

DATA = DataSpec(name="circle", n_samples=120, noise=0.1)
SOFTMAX = NetworkSpec(n_inputs=2, hidden=(LayerSpec(6, "softsign"),)).with_two_class_output("cce")


def _saved(tmp_path: Path, spec: NetworkSpec = SOFTMAX, iterations: int = 25) -> tuple[Path, Trainer]:
    t = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=8), prepare(DATA))
    t.run(iterations=iterations)
    path = tmp_path / "two.nnproj"
    save_project(path, project_from_trainer(t, DATA))
    return path, t


def _edited(path: Path, edit) -> Path:
    """``path`` with its project.json changed by ``edit(doc)`` (the arrays kept, checksum right)."""
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
        arrays = zf.read("arrays.npz")
    edit(doc)
    doc["arrays"]["sha256"] = hashlib.sha256(arrays).hexdigest()
    out = path.with_name("edited.nnproj")
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", arrays)
    return out


def _refused(path: Path, *fragments: str) -> None:
    with pytest.raises(ProjectError) as info:
        load_project(path)
    for frag in fragments:
        assert frag in str(info.value), str(info.value)
    assert isinstance(info.value, NNStudioError)


# ============================================================================ project files
def test_a_two_softmax_project_round_trips_and_resumes_exactly(tmp_path):
    path, t = _saved(tmp_path)
    with zipfile.ZipFile(path) as zf:
        net = json.loads(zf.read("project.json"))["network"]
    assert (net["task"], net["loss"], net["n_outputs"]) == ("binary", "cce", 2)
    assert net["hidden"][0]["activation"] == "softsign"
    p = load_project(path)
    assert p.network == SOFTMAX and p.network.two_way_softmax
    assert p.weights.tobytes() == t.network.params.tobytes()
    resumed = trainer_from_project(p)
    assert resumed.network.spec.layer_sizes == (2, 6, 2)
    resumed.run(iterations=15)
    t.run(iterations=15)
    assert resumed.network.params.tobytes() == t.network.params.tobytes()
    assert resumed.evaluate() == t.evaluate()


def test_an_old_project_without_the_choice_opens_with_one_sigmoid_unit(tmp_path):
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(6, "tanh"),))
    path, t = _saved(tmp_path, spec)

    def as_written_before(doc):  # files of earlier versions always said bce; a missing loss means the default
        del doc["network"]["loss"]
    p = load_project(_edited(path, as_written_before))
    assert p.network == spec and p.network.loss == "bce" and p.network.n_outputs == 1
    assert not p.network.two_way_softmax
    assert trainer_from_project(p).network.params.tobytes() == t.network.params.tobytes()


def test_hand_edited_outputs_that_do_not_add_up_are_refused(tmp_path):
    path, _ = _saved(tmp_path)
    _refused(_edited(path, lambda d: d["network"].update(n_outputs=1)),
             "network settings are not valid", "softmax output", "has 2 output units, one per class, not 1")
    _refused(_edited(path, lambda d: d["network"].update(loss="softmax")),
             "network settings are not valid", "the softmax loss does not fit a binary task; use one of: bce, cce")
    _refused(_edited(path, lambda d: d["network"].update(loss="cce\u202e\x1b[31m")),
             "network settings are not valid", "cce\\u202e\\x1b[31m")
    # the sigmoid output with these two-unit weights: the weights no longer fit the network
    with pytest.raises(ProjectError) as info:
        load_project(_edited(path, lambda d: d["network"].update(loss="bce", n_outputs=1)))
    assert "weights" in str(info.value)


# ============================================================================ command line
def test_cli_new_with_two_softmax_units_describes_trains_and_saves(tmp_path, capsys):
    path = tmp_path / "c.nnproj"
    assert main(["new", str(path), "--data", "circle", "--samples", "80", "--hidden", "5",
                 "--activation", "softsign", "--loss", "cce"]) == 0
    out = capsys.readouterr().out
    assert "2 → 5 softsign → 2 softmax (one per class)" in out
    p = load_project(path)
    assert (p.network.loss, p.network.n_outputs, p.network.hidden[0].activation) == ("cce", 2, "softsign")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 → 5 softsign → 2 softmax (one per class)" in out and "loss cce" in out
    assert main(["train", str(path), "--epochs", "3", "--save", "--quiet"]) == 0
    assert load_project(path).trainer_state.iteration > 0
    # the default stays one sigmoid unit
    plain = tmp_path / "p.nnproj"
    assert main(["new", str(plain), "--data", "circle", "--samples", "80", "--hidden", "5"]) == 0
    assert "→ 1 sigmoid" in capsys.readouterr().out
    assert (load_project(plain).network.loss, load_project(plain).network.n_outputs) == ("bce", 1)


def test_cli_refuses_a_two_class_loss_that_does_not_fit_the_data(tmp_path, capsys):
    assert main(["new", str(tmp_path / "r.nnproj"), "--data", "line", "--loss", "cce"]) == 2
    err = capsys.readouterr().err
    assert "nnstudio: error:" in err and "the cce loss does not fit a regression task" in err
    assert "Traceback" not in err
    assert main(["new", str(tmp_path / "b.nnproj"), "--data", "circle", "--loss", "hinge"]) == 2
    assert "the hinge loss does not fit a binary task; use one of: bce, cce" in capsys.readouterr().err
    assert not (tmp_path / "r.nnproj").exists() and not (tmp_path / "b.nnproj").exists()


def test_cli_help_names_both_two_class_outputs(capsys):
    assert main(["new", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "bce (one sigmoid output unit, the default) or cce (two softmax output units, one per class)" in text


def test_exported_two_softmax_program_predicts_like_the_engine(tmp_path):
    pytest.importorskip("torch")

    prepared = prepare(DATA)
    t = Trainer(SOFTMAX, TrainConfig(optimizer="adam", learning_rate=0.02), prepared)
    t.run(epochs=3)
    files = export_project(tmp_path / "two_softmax.py", "pytorch", network=SOFTMAX, config=t.config, data=DATA,
                           prepared=prepared, weights=t.network.get_flat())
    code = files[0].read_text()
    assert 'OUTPUT = "softmax"' in code and "nn.Softsign()" in code and "nn.CrossEntropyLoss()" in code
    ns: dict = {"__name__": "exported"}
    exec(compile(code, str(files[0]), "exec"), ns)
    model = ns["build_model"]()
    ns["load_trained_weights"](model)
    X = prepared.raw.X
    got = ns["predict"](model, ns["prepare_inputs"](X))
    np.testing.assert_allclose(got, t.network.predict(prepared.transform(X)), rtol=1e-12, atol=1e-14)
    # its own evaluate() agrees with the engine's loss and accuracy
    loss, acc = ns["evaluate"](model, ns["prepare_inputs"](prepared.raw.X[prepared.train_index]),
                               prepared.y_train)
    ev = t.evaluate()
    assert loss == pytest.approx(ev["loss"], rel=1e-12) and acc == pytest.approx(ev["metric"], abs=1e-15)


# ============================================================================ lessons
def test_a_lesson_may_choose_two_softmax_units_and_its_steps_follow_the_data(tmp_path):
    folder = Path(__file__).resolve().parents[2] / "resources" / "lessons"
    shutil.copytree(folder / "data", tmp_path / "data")
    raw = json.loads((folder / "04_learning_rate.json").read_text(encoding="utf-8"))
    raw["project"] = {"data": {"source": "generator", "name": "circle", "n_samples": 100},
                      "network": {"hidden": [{"units": 4, "activation": "softsign"}], "loss": "cce"},
                      "train": {"optimizer": "sgd", "learning_rate": 0.1}}
    raw["steps"][0]["apply"] = {"data": {"name": "blobs"}}  # three classes
    raw["steps"][1]["apply"] = {"data": {"name": "xor"}}  # two again, the loss not said
    raw["steps"][2]["apply"] = {"network": {"loss": "cce"}}
    path = tmp_path / "two.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    lesson = load_lesson(path)
    outputs = [(net.task, net.loss, net.n_outputs) for net, *_ in (step_state(lesson, i) for i in range(3))]
    assert outputs == [("multiclass", "cce", 3), ("binary", "bce", 1), ("binary", "cce", 2)]
    net, *_ = lesson_state(lesson)
    assert (net.task, net.loss, net.n_outputs, net.hidden[0].activation) == ("binary", "cce", 2, "softsign")
    # a loss that fits neither output is named with what would fit
    raw["project"]["network"]["loss"] = "mse"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(LessonError, match="the mse loss does not fit this data, which is for binary; use one of: "
                                          "bce, cce"):
        load_lesson(path)


KERAS_RUN = r"""
import importlib.util, json, sys
import numpy as np
spec = importlib.util.spec_from_file_location("two_softmax_keras", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
model = mod.build_model()
mod.load_trained_weights(model)
data = json.load(open(sys.argv[2]))
X = mod.prepare_inputs(np.array(data["X"]))
out = {"predict": mod.predict(model, X).tolist(), "targets": mod.as_targets(data["y"]).tolist(),
       "evaluate": [float(v) for v in model.evaluate(X, mod.as_targets(data["y"]), verbose=0)]}
json.dump(out, open(sys.argv[3], "w"))
"""


def test_exported_two_softmax_keras_program_predicts_and_scores_like_the_engine(tmp_path):
    if importlib.util.find_spec("keras") is None or importlib.util.find_spec("torch") is None:
        pytest.skip("keras with the torch backend is not installed")

    prepared = prepare(DATA)
    t = Trainer(SOFTMAX, TrainConfig(optimizer="adam", learning_rate=0.02), prepared)
    t.run(epochs=3)
    files = export_project(tmp_path / "two_softmax_keras.py", "keras", network=SOFTMAX, config=t.config, data=DATA,
                           prepared=prepared, weights=t.network.get_flat())
    code = files[0].read_text()
    assert 'OUTPUT = "softmax"' in code and '"softsign"' in code and "SparseCategoricalAccuracy" in code
    X = prepared.raw.X[prepared.train_index]
    (tmp_path / "data.json").write_text(json.dumps({"X": X.tolist(), "y": prepared.y_train.tolist()}))
    (tmp_path / "run.py").write_text(KERAS_RUN)
    run = subprocess.run([sys.executable, str(tmp_path / "run.py"), str(files[0]), str(tmp_path / "data.json"),
                          str(tmp_path / "out.json")], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, KERAS_BACKEND="torch"))
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    # Keras' torch backend multiplies in float32 even with floatx float64
    np.testing.assert_allclose(out["predict"], t.network.predict(prepared.transform(X)), rtol=1e-5, atol=1e-6)
    assert out["targets"] == prepared.y_train.tolist()  # class indices, as the softmax loss wants them
    ev = t.evaluate()
    loss, acc = out["evaluate"]
    assert loss == pytest.approx(ev["loss"], rel=1e-5) and acc == pytest.approx(ev["metric"], abs=1e-6)
