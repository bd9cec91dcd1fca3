"""A project keeps a comparison: both runs saved, both restored bit for bit, bad B parts refused."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.comparison import Comparison
from nnstudio.core.data import DataSpec, Dataset, prepare
from nnstudio.core.errors import ProjectError
from nnstudio.core.project import load_project, project_from_bytes, project_from_trainer, project_to_bytes, \
    save_project, trainer_from_project
from nnstudio.core.project_comparison import comparison_from_project, project_from_comparison
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

SPIRAL = DataSpec(name="spiral", n_samples=120, noise=0.1)
NET = NetworkSpec(n_inputs=2, hidden=(LayerSpec(6, "tanh", dropout=0.2), LayerSpec(5, "relu")))
CFG = TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=7, seed=3)


def _comparison(changes: str = "lr=0.05 activation=relu", before: int = 9, after: int = 25) -> Comparison:
    a = Trainer(NET, CFG, prepare(SPIRAL))
    a.run(iterations=before)
    cmp = Comparison.fork(a, changes)
    cmp.run(iterations=after)
    return cmp


def _reopen(tmp_path: Path, cmp: Comparison, data: DataSpec = SPIRAL, **kw) -> tuple[Comparison, Path]:
    path = tmp_path / "cmp.nnproj"
    save_project(path, project_from_comparison(cmp, data, **kw))
    project = load_project(path)
    a = trainer_from_project(project)
    back = comparison_from_project(project, a)
    assert back is not None
    return back, path


def _same(x: Trainer, y: Trainer) -> None:
    assert x.spec == y.spec and x.config == y.config and x.iteration == y.iteration
    assert x.network.params.tobytes() == y.network.params.tobytes()
    assert x.shuffle_rng.bit_generator.state == y.shuffle_rng.bit_generator.state
    assert x.dropout_rng.bit_generator.state == y.dropout_rng.bit_generator.state
    assert x.history.iterations.array().tobytes() == y.history.iterations.array().tobytes()


@pytest.mark.parametrize("changes", ["lr=0.05 activation=relu", "optimizer=sgd dropout=0", "hidden=4 lr=0.02"])
def test_both_runs_come_back_bit_for_bit_and_go_on_exactly(tmp_path, changes):
    cmp = _comparison(changes)
    back, _ = _reopen(tmp_path, cmp)
    _same(back.a, cmp.a)
    _same(back.b, cmp.b)
    assert (back.label, back.note, back.fork_iteration, back.changes) == \
        (cmp.label, cmp.note, cmp.fork_iteration, cmp.changes)
    assert back.b.data is back.a.data
    cmp.run(iterations=30)
    back.run(iterations=30)
    _same(back.a, cmp.a)
    _same(back.b, cmp.b)


def test_a_reopened_comparison_rewinds_exactly_to_where_b_was_made(tmp_path):
    cmp = _comparison(before=9, after=40)
    back, _ = _reopen(tmp_path, cmp)
    assert back.earliest_iteration == 9
    cmp.rewind(20)
    back.rewind(20)
    _same(back.a, cmp.a)
    _same(back.b, cmp.b)


def test_painted_data_is_stored_once_and_a_project_without_comparison_opens_as_before(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    ds = Dataset(X, (X[:, 0] > 0).astype(np.int64), "binary", ("x1", "x2"), ("no", "yes"))
    spec = DataSpec(source="inline")
    a = Trainer(NET, CFG, prepare(spec, inline=ds))
    cmp = Comparison.fork(a, "l2=0.01")
    cmp.run(iterations=5)
    back, path = _reopen(tmp_path, cmp, spec, inline_data=ds)
    _same(back.b, cmp.b)
    with zipfile.ZipFile(path) as zf:
        names = zipfile.ZipFile(io.BytesIO(zf.read("arrays.npz"))).namelist()
    assert "data_X.npy" in names and not any(n.startswith("b_data") for n in names)
    assert any(n.startswith("b_weights") for n in names)
    plain = project_from_bytes(project_to_bytes(project_from_trainer(a, spec, inline_data=ds)))
    assert plain.comparison is None and comparison_from_project(plain, a) is None


# ============================================================================ hostile B parts
def _parts(content: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        doc = json.loads(zf.read("project.json"))
        with np.load(io.BytesIO(zf.read("arrays.npz")), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    return doc, arrays


def _repack(doc: dict, arrays: dict[str, np.ndarray]) -> bytes:
    import hashlib
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k, a in arrays.items():
            with zf.open(k + ".npy", "w") as f:
                np.lib.format.write_array(f, a, allow_pickle=False)
    npz = buf.getvalue()
    doc = dict(doc)
    doc["arrays"] = {"sha256": hashlib.sha256(npz).hexdigest(), "size": len(npz),
                     "members": {k: {"dtype": str(a.dtype), "shape": list(a.shape)} for k, a in arrays.items()}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", npz)
    return out.getvalue()


@pytest.fixture(scope="module")
def good() -> bytes:
    return project_to_bytes(project_from_comparison(_comparison(before=3, after=10), SPIRAL))


def _refused(content: bytes, *fragments: str) -> str:
    with pytest.raises(ProjectError) as info:
        project_from_bytes(content)
    msg = str(info.value)
    assert len(msg) <= 400 and "\x1b" not in msg and "\n" not in msg
    for fragment in fragments:
        assert fragment in msg
    return msg


def _edit(good: bytes, fn) -> bytes:
    doc, arrays = _parts(good)
    fn(doc["comparison"], arrays)
    return _repack(doc, arrays)


def test_the_good_file_opens(good):
    assert project_from_bytes(_repack(*_parts(good))).comparison is not None


@pytest.mark.parametrize("edit, fragments", [
    (lambda c, a: c.__setitem__("network", {"hidden": "many"}), ("run B's network settings",)),
    (lambda c, a: c["train"].__setitem__("learning_rate", -1), ("run B's training settings", "greater than 0")),
    (lambda c, a: c.__setitem__("changes", {"colour": "\x1b[31mred"}), ("changes of run B", "unknown setting")),
    (lambda c, a: c.__setitem__("changes", {}), ("changes of run B", "at least one change")),
    (lambda c, a: c.__setitem__("label", 5), ("label of run B is not text",)),
    (lambda c, a: c.__setitem__("fork_iteration", -3), ("the iteration run B was made at",)),
    (lambda c, a: c.__setitem__("training", None), ("run B of the comparison has no training position",)),
    (lambda c, a: a.pop("b_weights"), ("weights of run B",)),
    (lambda c, a: a.__setitem__("b_weights", np.zeros(7)), ("the weights of run B", "(7,)")),
    (lambda c, a: a.__setitem__("b_perm", np.zeros(96, dtype=np.int64)), ("not a permutation",)),
    (lambda c, a: a.__setitem__("b_data_X", np.zeros((3, 2))), ("b_data_X",)),
    (lambda c, a: a.__setitem__("b_opt_velocity", np.zeros(3)), ("b_opt_velocity",)),
    (lambda c, a: c["network"].__setitem__("hidden", [{"units": 4096}] * 64),
     ("parameters",)),
])
def test_a_bad_b_part_is_refused_with_a_short_clear_message(good, edit, fragments):
    _refused(_edit(good, edit), *fragments)


def test_a_null_comparison_opens_as_none_and_a_non_object_is_refused(good):
    doc, arrays = _parts(good)
    plain = {k: a for k, a in arrays.items() if not k.startswith("b_")}
    assert project_from_bytes(_repack(dict(doc, comparison=None), plain)).comparison is None
    _refused(_repack(dict(doc, comparison=5), plain), "run B of the comparison is not valid")
    # B's arrays without B: refused, not ignored
    _refused(_repack(dict(doc, comparison=None), arrays), "b_")


def test_b_counts_against_the_memory_budget_before_anything_is_read(good, monkeypatch):
    import nnstudio.core.project_reader as reader
    doc, arrays = _parts(good)
    need_a = sum(a.nbytes for k, a in arrays.items() if not k.startswith("b_"))
    content = _repack(doc, arrays)
    from nnstudio.core.project_reader import read_project
    read_project(io.BytesIO(content), budget=sum(a.nbytes for a in arrays.values()) + 4096)
    with pytest.raises(reader.BadProjectFile, match="would unpack to|arrays would take"):
        read_project(io.BytesIO(content), budget=need_a + 4096)


def test_a_b_network_that_does_not_fit_the_data_is_refused_when_read(good):
    def edit(c, a):
        c["network"]["n_inputs"] = 3
        c["network"]["hidden"] = [{"units": 6}, {"units": 5}]
        a["b_weights"] = np.zeros(3 * 6 + 6 + 6 * 5 + 5 + 5 + 1)
    doc, arrays = _parts(good)
    for k in [k for k in arrays if k.startswith("b_") and k != "b_perm"
              and k not in ("b_hist_iterations_rows", "b_hist_epochs_rows", "b_hist_iterations_pending",
                            "b_hist_epochs_pending")]:
        del arrays[k]
    doc["comparison"]["timeline"] = None
    doc["comparison"]["training"]["optimizer_step"] = 0
    doc["comparison"]["history"].pop("layers", None)
    edit(doc["comparison"], arrays)
    # refused as soon as it is read: its changes (lr, activation) keep A's two inputs
    with pytest.raises(ProjectError, match="^cannot open the project: run B's network is not the one its changes "
                                           r"make of run A's \(3 → 6 → 5 → 1 instead of 2 → 6 → 5 → 1\): the file "
                                           "is damaged$"):
        project_from_bytes(_repack(doc, arrays))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["label", "note", "fork_iteration", "changes", "network", "train", "training",
                             "history", "timeline"]),
       value=st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                       st.text(max_size=30), st.lists(st.integers(), max_size=4),
                       st.dictionaries(st.text(max_size=8), st.integers(), max_size=3)))
def test_any_mutation_of_the_b_part_opens_or_is_refused_cleanly(good, path, value):
    content = _edit(good, lambda c, a: c.__setitem__(path, value))
    try:
        project = project_from_bytes(content)
    except ProjectError as exc:
        msg = str(exc)
        assert len(msg) <= 400 and "\n" not in msg and "unexpected" not in msg
        return
    if project.comparison is not None:  # what opens must also restore or say why not
        a = trainer_from_project(project)
        try:
            comparison_from_project(project, a)
        except ProjectError as exc:
            assert len(str(exc)) <= 400
