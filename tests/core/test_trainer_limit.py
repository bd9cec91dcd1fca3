"""A run stops at the most iterations a project can hold (project_limits.MAX_ITERATIONS):
past it, it could be saved but the file would be refused when opened."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import nnstudio.core.trainer as trainer_module
from nnstudio.core.errors import SpecError
from nnstudio.core.project_limits import MAX_ITERATIONS
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def make_trainer() -> Trainer:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    data = SimpleNamespace(X_train=X, y_train=(X[:, 0] > 0).astype(int), X_val=X[:0], y_val=np.zeros(0, int),
                           task="binary", n_classes=2)
    spec = NetworkSpec(2, (LayerSpec(3, "tanh"),), "binary")
    return Trainer(spec, TrainConfig(batch_size=8), data)


def test_the_limit_is_the_one_project_files_keep():
    assert trainer_module.MAX_ITERATIONS == MAX_ITERATIONS == 10**10


@pytest.mark.parametrize("how", ["run", "run_epochs", "step"])
def test_a_run_stops_exactly_at_the_limit_and_says_why(monkeypatch, how):
    monkeypatch.setattr(trainer_module, "MAX_ITERATIONS", 23)
    tr = make_trainer()
    tr.run(iterations=20)
    assert not tr.stopped
    if how == "run":
        rec = tr.run(iterations=100)
        assert rec is not None and rec.iteration == 23 and rec.stopped == tr.stopped
    elif how == "run_epochs":
        tr.run(epochs=10)
    else:
        for _ in range(3):
            tr.step()
        with pytest.raises(SpecError, match="23 iterations, the most a run can have"):
            tr.step()
    assert tr.iteration == 23
    assert tr.stopped == "it reached 23 iterations, the most a run can have and still be saved and opened again"
    assert tr.stop_info["kind"] == "limit"
    before = tr.network.params.copy()
    assert tr.run(iterations=5) is None or tr.iteration == 23
    assert tr.iteration == 23 and np.array_equal(before, tr.network.params)


def test_rewinding_below_the_limit_trains_again(monkeypatch):
    monkeypatch.setattr(trainer_module, "MAX_ITERATIONS", 23)
    tr = make_trainer()
    tr.run(iterations=40)
    assert tr.iteration == 23 and tr.stopped
    tr.rewind(10)
    assert not tr.stopped
    tr.run(iterations=5)
    assert tr.iteration == 15 and not tr.stopped
