"""A diverged run names what diverged it: the learning rate, an L1/L2 penalty, AdamW's
weight decay, or data / an activation's α that overflow before any update. Before,
every divergence told the learner to lower the learning rate, which cannot help when
the freshly drawn weights already overflow or when λ alone grows the weights."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.divergence import diagnose
from nnstudio.core.errors import SpecError
from nnstudio.core.snapshot import evaluate_grid
from nnstudio.core.project import load_project, project_from_trainer, save_project, trainer_from_project
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

CIRCLE = DataSpec(name="circle", n_samples=120, noise=0.1)


def _trainer(cfg: TrainConfig, hidden=(LayerSpec(8, "tanh"), LayerSpec(8, "tanh")), data=None) -> Trainer:
    spec = NetworkSpec(n_inputs=2, hidden=tuple(hidden))
    return Trainer(spec, cfg, data if data is not None else prepare(CIRCLE))


def _diverge(tr: Trainer, iterations: int = 300) -> Trainer:
    tr.run(iterations=iterations)
    assert tr.stop_info and tr.stop_info["kind"] == "divergence", tr.stopped
    return tr


def test_too_large_a_learning_rate_is_still_blamed_on_the_learning_rate():
    tr = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=1e4, batch_size=10),
                           hidden=(LayerSpec(8, "relu"),)))
    assert tr.stop_info["cause"] == "learning_rate"
    assert "the learning rate 10000 is too large" in tr.stopped and "try 1000)" in tr.stopped


def test_an_l2_penalty_past_the_largest_number_is_blamed_at_the_first_step():
    tr = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=0.03, l2=1e300, batch_size=10)))
    assert tr.stop_info["cause"] == "penalty" and tr.stop_info["iteration"] == 1
    assert "the L2 penalty λ = 10³⁰⁰ is too large" in tr.stopped and "(2λ·w)" in tr.stopped
    assert "learning rate" not in tr.stopped.split(":", 1)[1]
    assert "try 10²⁹⁹" in tr.stopped


def test_an_l1_penalty_past_the_largest_number_names_l1():
    tr = _diverge(_trainer(TrainConfig(optimizer="adam", learning_rate=0.01, l1=1e300, batch_size=10)))
    assert tr.stop_info["cause"] == "penalty"
    assert "the L1 penalty λ = 10³⁰⁰ is too large" in tr.stopped and "λ·sign(w)" in tr.stopped


def test_an_l2_pull_that_grows_the_weights_gives_the_factor():
    # SGD on λ·w²: w ← w·(1 − 2ηλ) = w·(1 − 2·0.03·10⁶) = −59999·w
    tr = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=0.03, l2=1e6, batch_size=10)))
    assert tr.stop_info["cause"] == "penalty" and tr.stop_info["iteration"] > 1
    assert "1 − 2ηλ = −59999" in tr.stopped and "lower λ (try 100000)" in tr.stopped


def test_momentum_tolerates_a_stronger_pull_than_plain_sgd():
    # 2ηλ = 3: beyond plain SGD's 2, within heavy ball's 2·(1 + 0.9) = 3.8
    args = dict(what="the loss exploded to 10⁹", iteration=40, lr=0.15, l2=10.0, loss=1e9, penalty=1.0)
    assert diagnose(optimizer="sgd", **args).cause == "penalty"
    assert diagnose(optimizer="momentum", momentum=0.9, **args).cause == "learning_rate"
    assert diagnose(optimizer="adam", **args).cause == "learning_rate"  # Adam's steps do not scale with λ


def test_adamw_weight_decay_that_flips_and_grows_the_weights():
    tr = _diverge(_trainer(TrainConfig(optimizer="adamw", learning_rate=0.1, weight_decay=1000.0, batch_size=10)))
    assert tr.stop_info["cause"] == "weight_decay"
    assert "1 − ηλ = −99" in tr.stopped and "lower the weight decay or the learning rate" in tr.stopped


def test_an_activation_alpha_that_overflows_before_any_update_is_not_the_learning_rate():
    hidden = (LayerSpec(8, "elu", alpha=1e300), LayerSpec(8, "elu", alpha=1e300))
    tr = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=0.03, batch_size=10), hidden=hidden))
    assert tr.stop_info["cause"] == "start" and tr.stop_info["iteration"] == 1
    assert "before any update, so the learning rate is not the cause" in tr.stopped
    assert tr.stopped.count("ELU's α = 10³⁰⁰") == 1  # said once for the two layers
    assert "Lower α" in tr.stopped


def test_inputs_that_overflow_before_any_update_are_named():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)) * 1e200
    # labels that no line through the origin separates: the very first batch overflows
    data = SimpleNamespace(X_train=X, y_train=rng.integers(0, 2, 40), X_val=X[:0], y_val=np.zeros(0, int),
                           task="binary", n_classes=2)
    tr = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=0.03, batch_size=8), data=data,
                           hidden=(LayerSpec(8, "relu"),)))
    assert tr.stop_info["cause"] == "start"
    biggest = float(np.abs(X).max())
    assert f"inputs up to {biggest / 10 ** 200:.1f}×10²⁰⁰" in tr.stopped
    assert "Make the inputs smaller (Standardize them)" in tr.stopped


def test_going_on_after_a_divergence_gives_the_cause_s_hint():
    tr = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=0.03, l2=1e300, batch_size=10)))
    with pytest.raises(SpecError, match=r"after lowering the penalty λ"):
        tr.step()
    lr = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=1e4, batch_size=10),
                           hidden=(LayerSpec(8, "relu"),)))
    with pytest.raises(SpecError, match=r"after lowering the learning rate"):
        lr.step()


def test_the_cause_is_kept_in_a_saved_project(tmp_path: Path):
    tr = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=0.03, l2=1e6, batch_size=10)))
    path = tmp_path / "p.nnproj"
    save_project(path, project_from_trainer(tr, CIRCLE))
    again = trainer_from_project(load_project(path))
    assert again.stop_info["cause"] == "penalty" and again.stopped == tr.stopped
    with pytest.raises(SpecError, match=r"after lowering the penalty λ"):
        again.step()


def test_huge_inputs_are_named_when_the_learning_rate_is_blamed():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)) * 1e200
    # the first batch is classified right (loss 0, no gradient): the next one overflows
    data = SimpleNamespace(X_train=X, y_train=(X[:, 0] > 0).astype(int), X_val=X[:0], y_val=np.zeros(0, int),
                           task="binary", n_classes=2)
    tr = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=0.03, batch_size=8), data=data,
                           hidden=(LayerSpec(8, "relu"),)))
    assert tr.stop_info["cause"] == "learning_rate"
    assert "standardized inputs would take a usual learning rate" in tr.stopped
    assert "The inputs reach " in tr.stopped and "×10²⁰⁰" in tr.stopped
    usual = _diverge(_trainer(TrainConfig(optimizer="sgd", learning_rate=1e4, batch_size=10),
                              hidden=(LayerSpec(8, "relu"),)))
    assert "inputs reach" not in usual.stopped


def test_neuron_maps_of_an_activation_past_float32_are_drawn_without_warnings():
    """An ELU with α = 10³⁰⁰ gives hidden outputs past float32's range: the boundary
    view's neuron maps used to be cast with an overflow RuntimeWarning (an error under
    the tests' filter, a crash risk inside a paint)."""
    prepared = prepare(CIRCLE)
    tr = _trainer(TrainConfig(optimizer="sgd", learning_rate=0.03, batch_size=10), data=prepared,
                  hidden=(LayerSpec(8, "elu", alpha=1e300),))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grid = evaluate_grid(tr, prepared.domain, prepared.transform, resolution=12)
    hidden = grid.neurons[0]
    assert hidden.dtype == np.float32 and np.isfinite(hidden).all()
    assert hidden.min() == -np.finfo(np.float32).max  # −α·(1 − eˣ) far below float32's range
