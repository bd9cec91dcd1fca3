"""Projects save the timeline: a reopened run rewinds exactly, and a broken timeline is refused."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.errors import ProjectError
from nnstudio.core.project import load_project, project_from_trainer, save_project, trainer_from_project
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

SPEC = NetworkSpec(2, (LayerSpec(6, "tanh", dropout=0.1), LayerSpec(4, "relu", "he_uniform")), "binary")
CFG = TrainConfig(optimizer="adam", learning_rate=0.02, batch_mode="minibatch", batch_size=8, seed=11)


def run_with_changes(data_spec: DataSpec) -> Trainer:
    tr = Trainer(SPEC, CFG, prepare(data_spec))
    tr.run(iterations=20)
    tr.set_config(CFG.replace(learning_rate=0.2))
    tr.run(iterations=15)
    tr.step_phase()
    tr.step_phase()
    tr.set_config(CFG.replace(learning_rate=0.05, optimizer="momentum"))  # in the middle of iteration 36
    tr.step()
    tr.set_weights([3, 7], [0.5, -0.25])
    tr.run(iterations=12)
    return tr


def flat(tr: Trainer) -> bytes:
    return tr.network.get_flat().tobytes()


def test_a_reopened_run_rewinds_across_its_changes_exactly(tmp_path):
    data_spec = DataSpec(name="xor", n_samples=120, seed=2)
    tr = run_with_changes(data_spec)
    path = tmp_path / "run.nnproj"
    save_project(path, project_from_trainer(tr, data_spec))
    back = trainer_from_project(load_project(path))
    assert back.iteration == tr.iteration == 48 and flat(back) == flat(tr)
    assert back.earliest_iteration == 0 and len(back.timeline) == 3
    for k in (10, 30, 36, 40, 48, 5):
        tr.rewind(k)
        back.rewind(k)
        assert flat(back) == flat(tr), k
        assert back.config == tr.config and back.optimizer.key == tr.optimizer.key


def test_after_a_data_change_the_saved_timeline_starts_there(tmp_path):
    first = DataSpec(name="xor", n_samples=120, seed=2)
    second = DataSpec(name="circle", n_samples=100, seed=4)
    tr = Trainer(SPEC, CFG, prepare(first))
    tr.run(iterations=17)
    tr.set_data(prepare(second))
    tr.run(iterations=9)
    tr.set_config(CFG.replace(learning_rate=0.1))
    tr.run(iterations=8)
    path = tmp_path / "data.nnproj"
    save_project(path, project_from_trainer(tr, second))
    back = trainer_from_project(load_project(path))
    assert back.earliest_iteration == 17
    with pytest.raises(Exception, match="between 17 and 34"):
        back.rewind(3)
    for k in (20, 26, 30, 17, 34):
        tr.rewind(k)
        back.rewind(k)
        assert flat(back) == flat(tr), k


def _rewrite(path, tmp_path, change) -> object:
    """The file with its project.json changed by ``change`` (the arrays keep their checksum)."""
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
        npz = zf.read("arrays.npz")
    change(doc)
    out = tmp_path / "edited.nnproj"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("project.json", json.dumps(doc).encode(), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("arrays.npz", npz, compress_type=zipfile.ZIP_STORED)
    out.write_bytes(buf.getvalue())
    return out


@pytest.mark.parametrize("change, words", [
    (lambda d: d["timeline"]["changes"].reverse(), "out of order"),
    (lambda d: d["timeline"]["changes"][0].update(iteration=10**6), "out of order"),
    (lambda d: d["timeline"]["changes"][-1].update(weights=5), "missing"),
    (lambda d: d["timeline"]["changes"][-1].update(weights=1), "no change uses"),
    (lambda d: d["timeline"]["changes"][0].update(phase="sideways"), "not valid"),
    (lambda d: d["timeline"].update(changes="x" * 10), "list"),
    (lambda d: d.update(timeline=[1]), "timeline is not valid"),
])
def test_a_broken_timeline_is_refused_with_a_message(tmp_path, change, words):
    data_spec = DataSpec(name="xor", n_samples=120, seed=2)
    path = tmp_path / "run.nnproj"
    save_project(path, project_from_trainer(run_with_changes(data_spec), data_spec))
    with pytest.raises(ProjectError, match=words) as err:
        trainer_from_project(load_project(_rewrite(path, tmp_path, change)))
    assert len(str(err.value)) <= 300
