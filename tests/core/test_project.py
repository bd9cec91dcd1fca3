"""Project files: round trips, exact resuming, refusing bad files, atomic writes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnstudio.core.project as project_mod
from nnstudio.core.data import GENERATORS, DataSpec, Dataset, prepare
from nnstudio.core.errors import NNStudioError, ProjectError
from nnstudio.core.history import DecimatingLog
from nnstudio.core.project import (
    SCHEMA_VERSION,
    LogState,
    Project,
    load_project,
    new_project,
    project_from_bytes,
    project_from_trainer,
    project_to_bytes,
    save_project,
    trainer_from_project,
)
from nnstudio.core.specs import ACTIVATIONS, INITIALIZERS, LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

SPIRAL = DataSpec(name="spiral", n_samples=120, noise=0.1)
NET = NetworkSpec(n_inputs=2, hidden=(LayerSpec(6, "tanh", dropout=0.2), LayerSpec(5, "relu")))


def _trainer(cfg: TrainConfig | None = None, spec: NetworkSpec = NET, data: DataSpec = SPIRAL) -> Trainer:
    return Trainer(spec, cfg or TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=7), prepare(data))


def _saved(tmp_path: Path, trainer: Trainer, data: DataSpec = SPIRAL, **kw) -> Path:
    path = tmp_path / "p.nnproj"
    save_project(path, project_from_trainer(trainer, data, **kw))
    return path


# ============================================================================ round trips
def test_round_trip_keeps_weights_bit_identical_and_everything_else(tmp_path):
    t = _trainer()
    t.run(iterations=37)
    ui = {"view": {"zoom": 1.5, "panels": ["loss", "boundary"]}, "dark": True}
    path = _saved(tmp_path, t, ui=ui, name="my spiral", description="a test")
    p = load_project(path)
    assert p.weights.dtype == np.float64
    assert np.array_equal(p.weights, t.network.params) and p.weights.tobytes() == t.network.params.tobytes()
    assert p.network == NET and p.train == t.config and p.data == SPIRAL
    assert p.ui == ui and p.name == "my spiral" and p.description == "a test"
    assert p.trainer_state.iteration == 37 and p.trainer_state.optimizer_step == 37
    assert np.array_equal(p.history["iterations"].rows, t.history.iterations.array())
    assert np.array_equal(p.history["epochs"].rows, t.history.epochs.array(), equal_nan=True)
    assert np.array_equal(p.history["layers"].rows, t.history.layers.array(), equal_nan=True)
    assert p.history["layers"].rows.shape[1] == 1 + 2 * 3
    assert p.app_version and p.saved_at.endswith("Z")
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["arrays.npz", "project.json"]
        doc = json.loads(zf.read("project.json"))
    assert doc["format"] == "nnstudio-project" and doc["schema_version"] == SCHEMA_VERSION


def test_float32_projects_keep_their_dtype(tmp_path):
    t = _trainer(TrainConfig(optimizer="rmsprop", learning_rate=0.01, dtype="float32"))
    t.run(iterations=5)
    p = load_project(_saved(tmp_path, t))
    assert p.weights.dtype == np.float32 and np.array_equal(p.weights, t.network.params)
    assert p.trainer_state.optimizer_arrays["square_avg"].dtype == np.float32


@pytest.mark.parametrize("cfg", [
    TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=7),
    TrainConfig(optimizer="momentum", learning_rate=0.05, batch_mode="sgd", l1=1e-3, l2=1e-3, dtype="float32"),
    TrainConfig(optimizer="nesterov", learning_rate=0.05, batch_size=32, schedule="step", decay_epochs=2,
                early_stopping="patience", patience=50, seed=7),
    TrainConfig(optimizer="adamw", learning_rate=0.02, batch_mode="full", schedule="exponential", decay_rate=0.9),
])
def test_train_save_load_train_equals_training_straight(tmp_path, cfg):
    straight = _trainer(cfg)
    straight.run(iterations=100)

    first = _trainer(cfg)
    first.run(iterations=50)
    path = _saved(tmp_path, first)
    resumed = trainer_from_project(load_project(path))
    assert resumed.iteration == 50 and resumed.epoch == first.epoch and resumed.pos == first.pos
    resumed.run(iterations=50)

    assert resumed.network.params.tobytes() == straight.network.params.tobytes()
    assert resumed.optimizer.get_state()["step"] == straight.optimizer.get_state()["step"]
    for k, v in straight.optimizer.get_state().items():
        if isinstance(v, np.ndarray):
            assert np.array_equal(resumed.optimizer.state[k], v)
    assert np.array_equal(resumed.history.iterations.array(), straight.history.iterations.array())
    assert np.array_equal(resumed.history.epochs.array(), straight.history.epochs.array(), equal_nan=True)
    assert np.array_equal(resumed.history.layers.array(), straight.history.layers.array(), equal_nan=True)
    assert len(straight.history.layers) > 0
    assert resumed.best_epoch == straight.best_epoch and resumed.wait == straight.wait
    assert resumed.stopped == straight.stopped


def test_rewinding_after_loading_replays_exactly(tmp_path):
    cfg = TrainConfig(optimizer="momentum", learning_rate=0.05, batch_size=9)
    t = _trainer(cfg)
    t.run(iterations=40)
    resumed = trainer_from_project(load_project(_saved(tmp_path, t)))
    resumed.run(iterations=30)
    t.run(iterations=30)
    for target in (55, 12):  # after, then before the point where it was saved
        resumed.rewind(target)
        t.rewind(target)
        assert resumed.iteration == target
        assert resumed.network.params.tobytes() == t.network.params.tobytes()


def test_a_stopped_run_stays_stopped_with_its_reason(tmp_path):
    cfg = TrainConfig(optimizer="adam", learning_rate=0.05, early_stopping="target",
                      target_metric="accuracy", target_value=0.0)
    t = _trainer(cfg)
    t.run(epochs=3)
    assert t.stopped and t.stop_info["kind"] == "early_stopping"
    r = trainer_from_project(load_project(_saved(tmp_path, t)))
    assert r.stopped == t.stopped and r.stop_info == t.stop_info


def test_trajectory_is_kept_and_thinned(tmp_path, monkeypatch):
    monkeypatch.setattr(project_mod, "MAX_TRAJECTORY_POINTS", 8)
    t = _trainer()
    t.run(iterations=40)
    p = load_project(_saved(tmp_path, t))
    st_ = p.trainer_state
    assert 2 <= len(st_.trajectory) <= 8 and st_.trajectory.shape[1] == NET.n_parameters
    assert all(i % st_.trajectory_stride == 0 for i in st_.trajectory_iterations)
    r = trainer_from_project(p)
    iters, pts = r.trajectory_array()
    assert iters[0] == 0 and iters[-1] == 40 and np.array_equal(pts[-1], t.network.params)


def test_history_partial_rows_of_a_decimated_log_survive():
    a = DecimatingLog(("x", "v"), capacity=4)
    for i in range(11):
        a.append((i + 1, float(i) ** 2))
    state = project_mod._log_state(a)
    assert state.stride > 1 and state.n_pending > 0
    b = DecimatingLog(("x", "v"), capacity=4)
    project_mod._load_log(b, state)
    for i in range(11, 20):
        a.append((i + 1, float(i) ** 2))
        b.append((i + 1, float(i) ** 2))
    assert np.array_equal(a.array(), b.array())


def test_weights_only_project_starts_from_those_weights():
    t = _trainer()
    t.run(iterations=3)
    p = Project(network=NET, train=t.config, data=SPIRAL, weights=t.network.get_flat())
    q = project_from_bytes(project_to_bytes(p))
    assert q.trainer_state is None and q.history is None
    r = trainer_from_project(q)
    assert r.iteration == 0 and np.array_equal(r.network.params, t.network.params)
    assert np.array_equal(r.initial_params, t.network.params)


def test_new_project_is_at_iteration_zero_with_the_seed_weights():
    cfg = TrainConfig(seed=3)
    p = new_project(NET, cfg, SPIRAL, name="n")
    fresh = Trainer(NET, cfg, prepare(SPIRAL))
    assert p.trainer_state.iteration == 0 and np.array_equal(p.weights, fresh.network.params)


# ============================================================================ data kinds
def _csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    f = tmp_path / "data.csv"
    rows = [f"{float(r[0])!r},{float(r[1])!r},{float(r[2])!r},{c}" for r, c in zip(X, y)]
    f.write_text("a,b,c,label\n" + "\n".join(rows) + "\n")
    return f


def test_csv_project_opens_and_resumes_exactly_after_the_file_moved(tmp_path):
    f = _csv(tmp_path)
    ds = DataSpec(source="csv", csv_path=str(f), standardize=True)
    spec = NetworkSpec(n_inputs=3, hidden=(LayerSpec(4),))
    cfg = TrainConfig(optimizer="adam", learning_rate=0.01)
    data = prepare(ds)
    t = Trainer(spec, cfg, data)
    t.run(iterations=20)
    path = _saved(tmp_path, t, ds)
    f.unlink()
    p = load_project(path)
    assert p.data.csv_path == str(f)
    assert np.array_equal(p.inline_data.X, data.raw.X) and p.inline_data.feature_names == ("a", "b", "c")
    r = trainer_from_project(p)
    assert np.array_equal(r.data.X_train, data.X_train) and r.data.domain == data.domain
    r.run(iterations=20)
    t.run(iterations=20)
    assert r.network.params.tobytes() == t.network.params.tobytes()


def test_reloading_a_changed_csv_keeps_the_weights_and_starts_the_epoch_over(tmp_path):
    f = _csv(tmp_path)
    ds = DataSpec(source="csv", csv_path=str(f))
    t = Trainer(NetworkSpec(n_inputs=3, hidden=(LayerSpec(4),)), TrainConfig(optimizer="adam"), prepare(ds))
    t.run(iterations=9)
    p = load_project(_saved(tmp_path, t, ds))
    f.write_text("\n".join(f.read_text().splitlines()[:41]) + "\n")  # 40 rows instead of 60
    r = trainer_from_project(p, reload_csv=True)
    assert r.n_train == 32 and r.pos == 0 and r.iteration == 9
    assert np.array_equal(r.network.params, t.network.params)
    assert r.optimizer.state["step"] == 9
    r.run(iterations=5)


def test_inline_points_are_stored(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.uniform(-5, 5, size=(30, 2))
    ds_points = Dataset(X, (X[:, 0] > 0).astype(int), "binary", ("x1", "x2"), ("no", "yes"), "painted")
    spec_data = DataSpec(source="inline", validation_fraction=0.0)
    t = Trainer(NET, TrainConfig(), prepare(spec_data, ds_points))
    t.run(iterations=4)
    p = load_project(_saved(tmp_path, t, spec_data))
    assert np.array_equal(p.inline_data.X, X) and p.inline_data.class_names == ("no", "yes")
    assert trainer_from_project(p).iteration == 4


def test_inline_data_without_points_cannot_be_saved():
    p = Project(data=DataSpec(source="inline"))
    with pytest.raises(ProjectError, match="points"):
        project_to_bytes(p)


# ============================================================================ hypothesis
layers = st.builds(
    LayerSpec,
    units=st.integers(1, 64),
    activation=st.sampled_from(list(ACTIVATIONS)),
    init=st.sampled_from(INITIALIZERS),
    bias_init=st.floats(-3, 3),
    dropout=st.floats(0, 0.9),
    alpha=st.none() | st.floats(0.001, 3),
)


@st.composite
def networks(draw):
    task = draw(st.sampled_from(["regression", "binary", "multiclass"]))
    loss = draw(st.sampled_from({"regression": ["mse", "mae", "huber"], "binary": ["bce", "cce"],
                                 "multiclass": ["cce"]}[task]))
    n_out = draw(st.integers(2, 6)) if task == "multiclass" else 2 if loss == "cce" else 1
    return NetworkSpec(n_inputs=draw(st.integers(1, 8)), hidden=tuple(draw(st.lists(layers, max_size=3))),
                       task=task, n_outputs=n_out, loss=loss, output_init=draw(st.sampled_from(INITIALIZERS)),
                       huber_delta=draw(st.floats(0.01, 10)))


configs = st.builds(
    TrainConfig,
    optimizer=st.sampled_from(["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]),
    learning_rate=st.floats(1e-6, 10),
    beta1=st.none() | st.floats(0, 0.99),
    eps=st.none() | st.floats(1e-12, 1e-2),
    batch_mode=st.sampled_from(["full", "sgd", "minibatch"]),
    batch_size=st.integers(1, 512),
    l1=st.floats(0, 1),
    l2=st.floats(0, 1),
    early_stopping=st.sampled_from(["off", "patience", "target"]),
    seed=st.integers(0, 2**63 - 1),
    dtype=st.sampled_from(["float64", "float32"]),
)
data_specs = st.builds(
    DataSpec,
    name=st.sampled_from([k for k in GENERATORS if GENERATORS[k].task != "multiclass"]),
    n_samples=st.integers(4, 10_000),
    noise=st.floats(0, 1),
    seed=st.integers(0, 2**32),
    validation_fraction=st.floats(0, 0.9),
    standardize=st.booleans(),
)
ui_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None)
@given(net=networks(), cfg=configs, data=data_specs, ui=st.dictionaries(st.text(max_size=8), ui_values, max_size=3),
       name=st.text(max_size=20), with_weights=st.booleans())
def test_hypothesis_round_trip_of_specs(net, cfg, data, ui, name, with_weights):
    weights = None
    if with_weights:
        weights = np.random.default_rng(0).normal(size=net.n_parameters).astype(cfg.dtype)
    p = Project(network=net, train=cfg, data=data, weights=weights, ui=ui, name=name)
    q = project_from_bytes(project_to_bytes(p))
    assert q.network == net and q.train == cfg and q.data == data and q.ui == ui and q.name == name
    if with_weights:
        assert q.weights.dtype == weights.dtype and q.weights.tobytes() == weights.tobytes()


# ============================================================================ refusing bad files
def _parts(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
        with np.load(io.BytesIO(zf.read("arrays.npz"))) as z:
            arrays = {k: z[k] for k in z.files}
    return doc, arrays


def _write(path: Path, doc: dict | bytes | None, arrays: dict | bytes | None, fix_sha: bool = True,
           extra: dict[str, bytes] | None = None) -> None:
    if isinstance(arrays, dict):
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        arrays = buf.getvalue()
    if isinstance(doc, dict):
        if fix_sha and arrays is not None:
            doc["arrays"]["sha256"] = hashlib.sha256(arrays).hexdigest()
            doc["arrays"].pop("members", None)
        doc = json.dumps(doc).encode()
    with zipfile.ZipFile(path, "w") as zf:
        if doc is not None:
            zf.writestr("project.json", doc)
        if arrays is not None:
            zf.writestr("arrays.npz", arrays)
        for k, v in (extra or {}).items():
            zf.writestr(k, v)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    t = _trainer(TrainConfig(optimizer="momentum", learning_rate=0.05, batch_size=10))
    t.run(iterations=12)
    path = tmp_path_factory.mktemp("good") / "good.nnproj"
    save_project(path, project_from_trainer(t, SPIRAL))
    return path


def _mutated(tmp_path, good, fn_doc=None, fn_arrays=None, fix_sha=True) -> Path:
    doc, arrays = _parts(good)
    if fn_doc:
        fn_doc(doc)
    if fn_arrays:
        fn_arrays(arrays)
    p = tmp_path / "bad.nnproj"
    _write(p, doc, arrays, fix_sha)
    return p


def _refused(path: Path, *fragments: str) -> str:
    before = path.read_bytes() if path.is_file() else None
    mtime = path.stat().st_mtime_ns if path.exists() else None
    with pytest.raises(ProjectError) as info:
        load_project(path)
    msg = str(info.value)
    for frag in fragments:
        assert frag in msg, msg
    if before is not None:
        assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    assert isinstance(info.value, NNStudioError) and isinstance(info.value, ValueError)
    return msg


def test_good_file_loads_and_is_not_modified(good):
    before, mtime = good.read_bytes(), good.stat().st_mtime_ns
    load_project(good)
    assert good.read_bytes() == before and good.stat().st_mtime_ns == mtime


def test_missing_file_and_folder_are_refused(tmp_path):
    _refused(tmp_path / "nope.nnproj", "there is no project file")
    _refused(tmp_path, "is a folder")


def test_unreadable_file_is_refused(tmp_path, good, monkeypatch):
    def deny(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(project_mod, "open", deny, raising=False)
    _refused(good, "cannot read", "Permission denied")


def test_not_a_zip_and_truncated_files_are_refused(tmp_path, good):
    p = tmp_path / "text.nnproj"
    p.write_text("hello, I am not a project")
    _refused(p, "not an nnstudio project", "not a ZIP")
    q = tmp_path / "cut.nnproj"
    q.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _refused(q, "cannot open")
    e = tmp_path / "empty.nnproj"
    e.write_bytes(b"")
    _refused(e, "not a ZIP")


def test_missing_members_are_refused(tmp_path, good):
    doc, arrays = _parts(good)
    p = tmp_path / "a.nnproj"
    _write(p, None, arrays)
    _refused(p, "project.json is missing")
    _write(p, doc, None)
    _refused(p, "arrays.npz is missing")


def test_invalid_json_is_refused(tmp_path, good):
    _, arrays = _parts(good)
    p = tmp_path / "j.nnproj"
    _write(p, b'{"format": "nnstudio-project", ', arrays)
    _refused(p, "not valid JSON", "line 1")
    _write(p, b"\xff\xfe\x00bad", arrays)
    _refused(p, "UTF-8")


def test_other_formats_and_versions_are_refused(tmp_path, good):
    _refused(_mutated(tmp_path, good, lambda d: d.update(format="something-else")), "not an nnstudio project")
    msg = _refused(_mutated(tmp_path, good, lambda d: d.update(schema_version=SCHEMA_VERSION + 1)),
                   "made by a newer nnstudio")
    assert "Update nnstudio" in msg
    _refused(_mutated(tmp_path, good, lambda d: d.update(schema_version="1")), "unknown file format version")
    _refused(_mutated(tmp_path, good, lambda d: d.update(schema_version=0)), "unknown file format version")


def test_invalid_specs_are_refused_with_the_spec_message(tmp_path, good):
    _refused(_mutated(tmp_path, good, lambda d: d["network"]["hidden"][0].update(units=0)),
             "network settings are not valid", "at least 1 neuron")
    _refused(_mutated(tmp_path, good, lambda d: d["train"].update(learning_rat=0.1)),
             "training settings are not valid", "learning_rat")
    _refused(_mutated(tmp_path, good, lambda d: d["data"].update(name="no_such_generator")),
             "data settings are not valid")
    _refused(_mutated(tmp_path, good, lambda d: d.update(network=[1, 2])), "network settings are not valid")


def test_tampered_arrays_are_refused(tmp_path, good):
    def tamper(a):
        a["weights"] = a["weights"] + 1e-3
    _refused(_mutated(tmp_path, good, fn_arrays=tamper, fix_sha=False), "checksum", "tampered")
    _refused(_mutated(tmp_path, good, lambda d: d["arrays"].pop("sha256"), fix_sha=False), "checksum")


def test_wrong_array_shapes_dtypes_and_values_are_refused(tmp_path, good):
    def short(a):
        a["weights"] = a["weights"][:-1]
    _refused(_mutated(tmp_path, good, fn_arrays=short), "the shape of the weights is (58,), not (59,)")

    def f32(a):
        a["weights"] = a["weights"].astype(np.float32)
    _refused(_mutated(tmp_path, good, fn_arrays=f32), "the weights is float32, but the project trains in float64")

    def nan(a):
        a["weights"][3] = np.nan
    _refused(_mutated(tmp_path, good, fn_arrays=nan), "NaN")

    def velocity(a):
        a["opt_velocity"] = np.zeros(7)
    _refused(_mutated(tmp_path, good, fn_arrays=velocity), "optimizer's velocity")

    def foreign(a):
        a["opt_exp_avg"] = np.zeros_like(a["weights"])
    _refused(_mutated(tmp_path, good, fn_arrays=foreign), "does not belong to momentum")

    def perm(a):
        a["perm"][0] = a["perm"][1]
    _refused(_mutated(tmp_path, good, fn_arrays=perm), "not a permutation")

    def history(a):
        a["hist_iterations_rows"] = np.zeros((3, 5))
    _refused(_mutated(tmp_path, good, fn_arrays=history), "iterations history")

    def pickled(a):
        a["weights"] = np.array([object()] * len(a["weights"]), dtype=object)
    _refused(_mutated(tmp_path, good, fn_arrays=pickled), "unsupported type object")

    def missing_weights(a):
        del a["weights"]
    _refused(_mutated(tmp_path, good, fn_arrays=missing_weights), "training position but no weights")


def test_bad_training_state_is_refused(tmp_path, good):
    _refused(_mutated(tmp_path, good, lambda d: d["training"]["shuffle_rng"].update(bit_generator="MT19937")),
             "shuffling generator")
    _refused(_mutated(tmp_path, good, lambda d: d["training"]["dropout_rng"].update(state="x")), "dropout generator")
    _refused(_mutated(tmp_path, good, lambda d: d["training"].update(pos=10**6)), "beyond the end")
    _refused(_mutated(tmp_path, good, lambda d: d["training"].update(iteration=-1)), "the iteration")
    _refused(_mutated(tmp_path, good, lambda d: d.update(ui=[1])), "view settings")


def test_zip_bombs_and_too_many_members_are_refused(tmp_path, good, monkeypatch):
    doc, arrays = _parts(good)
    p = tmp_path / "many.nnproj"
    _write(p, doc, arrays, extra={f"junk{i}": b"x" for i in range(20)})
    _refused(p, "members")

    # 20 MB of zeros compress to ~20 kB; with a 10 MB limit this is a bomb
    monkeypatch.setattr(project_mod, "MAX_UNCOMPRESSED", 10 << 20)
    bomb = tmp_path / "bomb.nnproj"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.json", b"{}")
        zf.writestr("arrays.npz", b"\0" * (20 << 20))
    assert bomb.stat().st_size < 1 << 20
    _refused(bomb, "unpack to", "limit")

    # the same inside arrays.npz
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("weights.npy", b"\0" * (20 << 20))
    monkeypatch.setattr(project_mod, "MAX_UNCOMPRESSED", 15 << 20)
    p2 = tmp_path / "bomb2.nnproj"
    _write(p2, doc, inner.getvalue())
    _refused(p2, "arrays.npz would unpack to")


def test_encrypted_members_are_refused(tmp_path, good):
    doc, arrays = _parts(good)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    doc["arrays"]["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    p = tmp_path / "locked.nnproj"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", buf.getvalue())
    raw = bytearray(p.read_bytes())
    # set the "encrypted" flag of arrays.npz in its local and central headers
    for sig, flags_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        i = raw.find(sig)
        while i >= 0:
            if raw[i + name_at:i + name_at + 10] == b"arrays.npz":
                raw[i + flags_at] |= 0x1
            i = raw.find(sig, i + 1)
    p.write_bytes(bytes(raw))
    _refused(p, "arrays.npz is damaged")


def test_lying_array_header_is_refused(tmp_path, good):
    doc, arrays = _parts(good)
    w = io.BytesIO()
    np.lib.format.write_array(w, arrays["weights"])
    raw = w.getvalue().replace(f"({len(arrays['weights'])},)".encode(), b"(10000000000,)".ljust(
        len(f"({len(arrays['weights'])},)"), b" "), 1)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        for k, v in arrays.items():
            if k == "weights":
                zf.writestr("weights.npy", raw)
            else:
                b = io.BytesIO()
                np.lib.format.write_array(b, v)
                zf.writestr(k + ".npy", b.getvalue())
    p = tmp_path / "lie.nnproj"
    _write(p, doc, inner.getvalue())
    _refused(p, "weights.npy")


# ============================================================================ saving
def test_save_is_atomic_when_writing_fails(tmp_path, good, monkeypatch):
    target = tmp_path / "keep.nnproj"
    target.write_bytes(good.read_bytes())
    before = target.read_bytes()

    def half_then_fail(f, content):
        f.write(content[: len(content) // 2])
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(project_mod, "_write_file", half_then_fail)
    t = _trainer()
    t.run(iterations=2)
    with pytest.raises(ProjectError, match="No space left"):
        save_project(target, project_from_trainer(t, SPIRAL))
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["keep.nnproj"]
    load_project(target)


def test_save_is_atomic_when_interrupted_or_rename_fails(tmp_path, good, monkeypatch):
    target = tmp_path / "keep.nnproj"
    target.write_bytes(good.read_bytes())
    before = target.read_bytes()
    proj = load_project(good)

    def interrupted(f, content):
        f.write(content[:100])
        raise KeyboardInterrupt
    monkeypatch.setattr(project_mod, "_write_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_project(target, proj)
    monkeypatch.undo()

    def no_rename(a, b):
        raise OSError(1, "Operation not permitted")
    monkeypatch.setattr(project_mod.os, "replace", no_rename)
    with pytest.raises(ProjectError, match="not permitted"):
        save_project(target, proj)
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["keep.nnproj"]


def test_save_replaces_an_old_file_and_keeps_its_permissions(tmp_path, good):
    target = tmp_path / "x.nnproj"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    save_project(target, load_project(good))
    assert (target.stat().st_mode & 0o777) == 0o640
    assert load_project(target).trainer_state.iteration == 12
    assert sorted(os.listdir(tmp_path)) == ["x.nnproj"]


def test_save_refuses_folders_missing_folders_and_unsavable_ui(tmp_path, good):
    proj = load_project(good)
    with pytest.raises(ProjectError, match="is a folder"):
        save_project(tmp_path, proj)
    with pytest.raises(ProjectError, match="does not exist"):
        save_project(tmp_path / "no" / "such.nnproj", proj)
    proj.ui = {"bad": float("nan")}
    with pytest.raises(ProjectError, match="view settings"):
        save_project(tmp_path / "ui.nnproj", proj)
    proj.ui = {"bad": object()}
    with pytest.raises(ProjectError, match="view settings"):
        save_project(tmp_path / "ui.nnproj", proj)
    assert not list(tmp_path.iterdir())


def test_nan_weights_are_not_saved(tmp_path):
    w = np.full(NET.n_parameters, np.nan)
    with pytest.raises(ProjectError, match="NaN"):
        save_project(tmp_path / "n.nnproj", Project(network=NET, data=SPIRAL, weights=w))


def test_same_arrays_give_the_same_npz_bytes():
    t = _trainer()
    t.run(iterations=3)
    p = project_from_trainer(t, SPIRAL)
    a = project_mod._write_npz({"w": p.weights})
    b = project_mod._write_npz({"w": p.weights.copy()})
    assert a == b


def test_log_state_type():
    assert LogState(np.zeros((0, 3))).stride == 1
