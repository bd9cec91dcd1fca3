"""Epoch ends: the early-stopping messages write numbers as the rest of the app does
("loss = 9.8×10⁻⁶ ≤ 10⁻⁵", "best 1.2×10⁻⁵"), not Python's "9.8e-06 ≤ 1e-05"."""

from __future__ import annotations

import re

from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.specs import NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

E_NOTATION = re.compile(r"\de[+-]?\d")


def line_trainer(**train) -> Trainer:
    data = prepare(DataSpec(name="line", n_samples=40, noise=0.0, seed=1))
    spec = NetworkSpec(n_inputs=data.n_inputs, hidden=(), task="regression")
    return Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=0.3, batch_mode="full", **train), data)


def test_a_small_target_reached_is_written_as_the_app_writes_numbers():
    t = line_trainer(early_stopping="target", target_metric="loss", target_value=1e-5)
    t.run(epochs=5000)
    assert t.stopped.startswith("target reached after epoch"), t.stopped
    assert "≤ 10⁻⁵" in t.stopped and not E_NOTATION.search(t.stopped), t.stopped


def test_patience_names_a_small_best_loss_as_the_app_writes_numbers():
    # the loss stops improving by min_delta when it is about as small
    t = line_trainer(early_stopping="patience", patience=3, min_delta=1e-6)
    t.run(epochs=5000)
    assert t.stopped.startswith("early stopping after epoch"), t.stopped
    assert t.best_value < 1e-4 and "×10⁻" in t.stopped and not E_NOTATION.search(t.stopped), t.stopped
