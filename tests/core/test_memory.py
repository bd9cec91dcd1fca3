"""The training-memory estimate: checked against what real sessions allocate, and the limit."""

from __future__ import annotations

import gc
import time
import tracemalloc
from multiprocessing.reduction import ForkingPickler

import pytest

from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.errors import SpecError
from nnstudio.core.landscape import surface_for_trainer
from nnstudio.core.memory import (
    DEFAULT_LIMIT,
    MemoryLimitError,
    check_memory,
    checkpoint_bytes,
    checkpoint_capacity,
    estimate_training_memory,
    format_bytes,
    trajectory_capacity,
)
from nnstudio.core.snapshot import evaluate_grid, make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

MiB = 2**20


def spiral(**kw):
    options = dict(source="generator", name="spiral", n_samples=400, noise=0.1, seed=0, validation_fraction=0.2)
    return prepare(DataSpec(**{**options, **kw}))


def session_peak(spec, config, data, iterations, checkpoint_budget, trajectory_budget) -> int:
    """Peak bytes a training session allocates (tracemalloc traces NumPy's arrays too).

    What the app's engine does — build the trainer, train through epochs (validation
    passes), probe, evaluate the decision grid, snapshot — while the window holds the
    snapshot on show and unpickles the next one; then the loss surface, and more
    training. The command line's final evaluation on the training set is included.
    """

    def snapshot():
        probes = trainer.probe()
        grid = evaluate_grid(trainer, data.domain, data.transform, 64)
        return make_snapshot(trainer, grid, probes)

    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        trainer = Trainer(spec, config, data, checkpoint_budget=checkpoint_budget,
                          trajectory_budget=trajectory_budget, memory_limit=1 << 50)
        trainer.run(iterations=iterations)
        trainer.evaluate()
        shown = ForkingPickler.loads(ForkingPickler.dumps(snapshot()))  # the window's view of it
        received = bytes(ForkingPickler.dumps(snapshot()))  # the next one, arrived
        new = ForkingPickler.loads(received)
        engine_snapshot = snapshot()  # and the engine already sends the one after
        blob = ForkingPickler.dumps(engine_snapshot)
        del received, new, engine_snapshot, blob
        surface_for_trainer(trainer, "pca", resolution=5)
        trainer.run(iterations=20)
        assert shown.iteration == iterations
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


CASES = [
    # name, hidden layers, training settings, data options, iterations
    ("2-8-8-1 tanh, Adam", (LayerSpec(8, "tanh"),) * 2, TrainConfig(optimizer="adam"), {}, 1000),
    ("4×64 ReLU, SGD, batches of 32", (LayerSpec(64, "relu", "he_uniform"),) * 4,
     TrainConfig(batch_size=32), {}, 100),
    ("2×512 ReLU, Adam", (LayerSpec(512, "relu", "he_uniform"),) * 2, TrainConfig(optimizer="adam"), {}, 70),
    ("2×192 tanh, Adam, full batch", (LayerSpec(192, "tanh"),) * 2,
     TrainConfig(optimizer="adam", batch_mode="full"), {}, 70),
    ("1×1024 sigmoid, RMSProp, float32, early stopping", (LayerSpec(1024, "sigmoid"),),
     TrainConfig(optimizer="rmsprop", dtype="float32", early_stopping="patience"), {}, 100),
    ("3×96 ELU with dropout, momentum, float32", (LayerSpec(96, "elu", dropout=0.3),) * 3,
     TrainConfig(optimizer="momentum", batch_size=64, dtype="float32"), {}, 100),
    ("2×6 GELU, Nesterov, one sample per update", (LayerSpec(6, "gelu"),) * 2,
     TrainConfig(optimizer="nesterov", batch_mode="sgd"), {}, 100),
    ("2×128 swish, AdamW, 4 classes, 5 inputs", (LayerSpec(128, "swish"),) * 2,
     TrainConfig(optimizer="adamw", batch_size=16),
     dict(name="spiral_multi", n_classes=4, features=("x1", "x2", "x1^2", "x2^2", "x1*x2")), 100),
]


@pytest.mark.parametrize("name, hidden, config, data_options, iterations", CASES, ids=[c[0] for c in CASES])
def test_the_estimate_bounds_what_a_session_allocates(name, hidden, config, data_options, iterations):
    data = spiral(**data_options)
    spec = NetworkSpec(data.n_inputs, hidden, data.task, data.n_classes if data.task == "multiclass" else 1)
    n_train, n_val = len(data.X_train), len(data.X_val)
    # budgets of a few checkpoints and path points, which these iterations fill
    cb = 4 * checkpoint_bytes(spec.n_parameters, n_train)
    tb = 6 * 8 * spec.n_parameters
    t0 = time.perf_counter()
    measured = session_peak(spec, config, data, iterations, cb, tb)
    estimate = estimate_training_memory(spec, config, n_train, n_val, checkpoint_budget=cb, trajectory_budget=tb)
    detail = (f"{name}: measured {format_bytes(measured)}, estimated {format_bytes(estimate.total)} "
              f"({', '.join(f'{n} {format_bytes(b)}' for n, b in estimate.parts())})")
    assert measured <= estimate.total, detail
    # never far above: at most twice, plus what a full history and the fixed costs add
    assert estimate.total <= 2 * measured + 16 * MiB, detail
    # a guard against a case that would make the suite slow (traced allocations run several
    # times slower, and more so on a loaded machine), not a speed claim
    assert time.perf_counter() - t0 < 60


def test_an_over_the_limit_network_is_refused_with_its_estimate():
    spec = NetworkSpec(2, (LayerSpec(2048, "relu"),) * 50, "binary")
    with pytest.raises(MemoryLimitError) as info:
        check_memory(spec, TrainConfig(optimizer="adam"), 320, 80)
    message = str(info.value)
    assert isinstance(info.value, SpecError)
    estimate = estimate_training_memory(spec, TrainConfig(optimizer="adam"), 320, 80)
    assert message.startswith(f"this network would need about {format_bytes(estimate.total)} to train (")
    for part, n in estimate.parts()[:3]:  # the three largest parts, with their sizes
        assert f"{part} {format_bytes(n)}" in message
    assert "the limit is 2 GB" in message
    assert "use fewer or smaller layers" in message
    assert len(message) <= 300


def test_the_limit_is_a_parameter_and_the_estimate_is_returned():
    spec = NetworkSpec(2, (LayerSpec(8, "tanh"),) * 2, "binary")
    est = check_memory(spec, TrainConfig(), 320, 80)
    assert est.total < 64 * MiB < DEFAULT_LIMIT
    with pytest.raises(MemoryLimitError, match="the limit is 1 MB"):
        check_memory(spec, TrainConfig(), 320, 80, limit=MiB)


def test_a_batch_that_is_too_big_says_so():
    spec = NetworkSpec(2, (LayerSpec(4096, "tanh"),) * 2, "binary")
    with pytest.raises(MemoryLimitError, match="fewer samples per batch"):
        check_memory(spec, TrainConfig(batch_mode="full", dtype="float32"), 200_000, 0, limit=40 * 2**30)


def test_parts_follow_the_settings():
    spec = NetworkSpec(2, (LayerSpec(512, "tanh"),) * 3, "binary")
    sgd = estimate_training_memory(spec, TrainConfig(optimizer="sgd"), 320, 80)
    adam = estimate_training_memory(spec, TrainConfig(optimizer="adam"), 320, 80)
    P = spec.n_parameters
    # Adam keeps two arrays of P more, and its snapshots carry them: 2·8·P (1 + 6 copies) more
    assert adam.optimizer - sgd.optimizer == (2 + 3 - 1) * 8 * P
    assert adam.views - sgd.views == 6 * 2 * 8 * P
    f32 = estimate_training_memory(spec, TrainConfig(optimizer="adam", dtype="float32"), 320, 80)
    assert f32.optimizer * 2 == adam.optimizer
    small = estimate_training_memory(spec, TrainConfig(batch_size=10), 320, 80)
    full = estimate_training_memory(spec, TrainConfig(batch_mode="full"), 320, 80)
    assert full.activations > 20 * small.activations and full.batch == 320 and small.batch == 10


def test_capacities_keep_the_budgets():
    # a small network: the old caps
    assert checkpoint_capacity(105, 320, 64 * MiB) == 256
    assert trajectory_capacity(105, 32 * MiB) == 2048
    # 2 × 2048 (4.2 million weights): no checkpoint nor path point fits besides iteration 0's
    assert checkpoint_capacity(4_204_545, 320, 64 * MiB) == 1
    assert trajectory_capacity(4_204_545, 32 * MiB) == 1
    # in between: as many as fit, the path's an even number
    n = 200_000
    assert checkpoint_capacity(n, 320, 64 * MiB) == 64 * MiB // checkpoint_bytes(n, 320) == 10
    assert trajectory_capacity(n, 32 * MiB) == 20  # 20.97 → 20
    assert trajectory_capacity(n, 30 * MiB - 1) == 18  # 19.6 → 19 → even: 18
    assert checkpoint_capacity(n, 320, 0) == trajectory_capacity(n, -5) == 1


@pytest.mark.parametrize("n, text", [(0, "0 kB"), (850 * 1024, "850 kB"), (2 * MiB + 1, "2 MB"),
                                     (int(9.96 * MiB), "10 MB"), (int(3.14 * 2**30), "3.1 GB"),
                                     (2 * 2**30, "2 GB"), (123 * MiB, "123 MB")])
def test_format_bytes(n, text):
    assert format_bytes(n) == text


def test_every_activation_and_optimizer_is_known_to_the_estimate():
    from nnstudio.core.activations import ACTIVATIONS
    from nnstudio.core.specs import OPTIMIZERS

    for key in ACTIVATIONS:
        for dtype in ("float64", "float32"):
            spec = NetworkSpec(2, (LayerSpec(16, key, dropout=0.1),), "binary")
            assert estimate_training_memory(spec, TrainConfig(dtype=dtype), 100, 20).activations > 0
    for key in OPTIMIZERS:
        est = estimate_training_memory(NetworkSpec(), TrainConfig(optimizer=key), 100, 20)
        assert est.optimizer > 0 and est.parts()[0][1] >= est.parts()[-1][1]
