"""Review of issue 12 (two runs): a project whose two runs do not stand at the same
iteration, although neither has stopped, is refused when opened; lockstep would
otherwise make the run behind catch up in one go (run A at 20 and B at 10⁹: the first
Play trains A for 10⁹ iterations and the engine stops answering)."""
from __future__ import annotations

import pytest

from nnstudio.core.comparison import Comparison
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.errors import ProjectError
from nnstudio.core.project import load_project, save_project, trainer_from_project
from nnstudio.core.project_comparison import comparison_from_project, project_from_comparison
from nnstudio.core.run_changes import RunChanges
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

XOR = DataSpec(name="xor", n_samples=100, noise=0.1)
NET = NetworkSpec(n_inputs=2, hidden=(LayerSpec(4, "relu"),))


def _reopened(tmp_path, cmp: Comparison) -> Comparison | None:
    path = tmp_path / "two.nnproj"
    save_project(path, project_from_comparison(cmp, XOR))
    project = load_project(path)
    return comparison_from_project(project, trainer_from_project(project))


def test_runs_at_different_iterations_that_have_not_stopped_are_refused(tmp_path):
    a = Trainer(NET, TrainConfig(learning_rate=0.1), prepare(XOR))
    b = Trainer(NET, TrainConfig(learning_rate=0.3), a.data)
    a.run(iterations=20)
    b.run(iterations=500)
    with pytest.raises(ProjectError) as info:
        _reopened(tmp_path, Comparison(a, b, RunChanges.parse("lr=0.3")))
    msg = str(info.value)
    assert "run B of the comparison is at iteration 500 and run A at 20" in msg and "damaged" in msg
    assert len(msg) < 300
    # the other way round too
    a.run(iterations=600)
    with pytest.raises(ProjectError, match="is at iteration 500 and run A at 620"):
        _reopened(tmp_path, Comparison(a, b, RunChanges.parse("lr=0.3")))


@pytest.mark.parametrize("a_lr, changes", [(1e6, "lr=0.1"), (0.1, "lr=1e6")])
def test_a_run_that_stopped_behind_the_other_opens(tmp_path, a_lr, changes):
    a = Trainer(NET, TrainConfig(learning_rate=a_lr), prepare(XOR))
    cmp = Comparison.fork(a, changes)
    cmp.run(iterations=40)
    behind, ahead = (cmp.a, cmp.b) if a_lr > 1 else (cmp.b, cmp.a)
    assert behind.stopped and behind.iteration < ahead.iteration == 40
    back = _reopened(tmp_path, cmp)
    assert back is not None and (back.a.iteration, back.b.iteration) == (cmp.a.iteration, cmp.b.iteration)
    assert bool(back.a.stopped) == bool(cmp.a.stopped) and bool(back.b.stopped) == bool(cmp.b.stopped)
