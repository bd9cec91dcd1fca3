"""Two runs side by side: forking B, lockstep, rewinding, closing, labels."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.comparison import Comparison, ForkCancelled
from nnstudio.core.errors import SpecError
from nnstudio.core.run_changes import RunChanges
from nnstudio.core.specs import LayerSpec, TrainConfig
from nnstudio.core.trainer import Trainer

from types import SimpleNamespace

from nnstudio.core.specs import NetworkSpec


def make_data(task: str = "binary", n: int = 40, n_val: int = 12, d: int = 2):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n + n_val, d))
    y = np.sin(X[:, 0]) + 0.5 * X[:, -1] if task == "regression" else (X[:, 0] + 0.5 * X[:, -1] > 0).astype(np.int64)
    return SimpleNamespace(X_train=X[:n], y_train=y[:n], X_val=X[n:], y_val=y[n:], task=task,
                           n_classes=2 if task == "binary" else 0)


def make_spec(task: str = "binary", hidden=None) -> NetworkSpec:
    if hidden is None:
        hidden = (LayerSpec(5, "tanh"), LayerSpec(4, "relu", "he_uniform"))
    return NetworkSpec(n_inputs=2, hidden=hidden, task=task, n_outputs=1)


def rich_setup():
    """Minibatches, dropout, penalties and Adam: every source of randomness and state."""
    spec = make_spec(hidden=(LayerSpec(6, "tanh", dropout=0.3), LayerSpec(4, "elu", dropout=0.2)))
    cfg = TrainConfig(optimizer="adam", learning_rate=0.01, batch_mode="minibatch", batch_size=7,
                      l1=1e-4, l2=1e-3, seed=123)
    return spec, cfg, make_data(n=50)


def _batches(run: Trainer, n: int) -> list[np.ndarray]:
    return [run.step().batch.copy() for _ in range(n)]


def _same_state(x: Trainer, y: Trainer) -> None:
    assert x.iteration == y.iteration and x.epoch == y.epoch
    np.testing.assert_array_equal(x.network.params, y.network.params)
    np.testing.assert_array_equal(x.perm, y.perm)
    assert x.pos == y.pos
    assert x.shuffle_rng.bit_generator.state == y.shuffle_rng.bit_generator.state
    assert x.dropout_rng.bit_generator.state == y.dropout_rng.bit_generator.state


# ----------------------------------------------------------------- forking
@pytest.mark.parametrize("at", [0, 13])
def test_b_starts_from_a_s_weights_and_sees_the_same_batches(at):
    spec, cfg, data = rich_setup()
    a = Trainer(spec, cfg, data)
    a.run(iterations=at)
    cmp = Comparison.fork(a, "lr=0.3")
    b = cmp.b
    _same_state(a, b)  # bit for bit: weights, sample order, both random streams
    assert b.config.learning_rate == 0.3 and b.optimizer.lr == 0.3
    assert b.optimizer.get_state()["step"] == a.optimizer.get_state()["step"]  # Adam's memory kept
    for key in ("m", "v"):
        if key in a.optimizer.get_state():
            np.testing.assert_array_equal(a.optimizer.get_state()[key], b.optimizer.get_state()[key])
    batches_a, batches_b = [], []
    for _ in range(12):
        ra, rb = cmp.step()
        batches_a.append(ra.batch.copy())
        batches_b.append(rb.batch.copy())
    assert all(np.array_equal(x, y) for x, y in zip(batches_a, batches_b))
    assert not np.array_equal(a.network.params, b.network.params)  # η made a difference
    assert "iteration %d" % at in cmp.note and "same batches" in cmp.note


def test_a_inside_a_comparison_is_bit_identical_to_a_alone():
    spec, cfg, data = rich_setup()
    alone = Trainer(spec, cfg, data)
    alone.run(iterations=5)
    a = Trainer(spec, cfg, data)
    a.run(iterations=5)
    cmp = Comparison.fork(a, "activation=relu,elu dropout=0 optimizer=sgd")
    cmp.step()
    cmp.step_phase(3)
    cmp.step_phase(3)
    cmp.run(iterations=20)
    cmp.run_epoch()
    alone.step()
    alone.step()
    alone.run(iterations=19)  # the half-stepped iteration counts as the first of the 20
    alone.run_epoch()
    _same_state(alone, a)
    assert a.history.iterations.array().tobytes() == alone.history.iterations.array().tobytes()
    assert a.iteration == cmp.b.iteration


def test_only_eta_changed_b_equals_a_headless_trainer_with_that_eta():
    spec, cfg, data = rich_setup()
    a = Trainer(spec, cfg, data)
    a.run(iterations=8)
    ref = a.copy()  # the same state, then η = 0.3 set on it by hand
    ref.set_config(cfg.replace(learning_rate=0.3))
    cmp = Comparison.fork(a, RunChanges((("learning_rate", 0.3),)))
    cmp.run(iterations=10)
    ref.run(iterations=10)
    assert cmp.b.iteration == ref.iteration == 18
    np.testing.assert_array_equal(cmp.b.network.params, ref.network.params)
    assert cmp.b.last_record.loss == ref.last_record.loss
    assert cmp.b.evaluate() == ref.evaluate()


def test_an_unchanged_optimizer_keeps_its_memory_a_new_one_starts_empty():
    spec, _, data = rich_setup()
    a = Trainer(spec, TrainConfig(optimizer="momentum", learning_rate=0.05, seed=2), data)
    a.run(iterations=6)
    kept = Comparison.fork(a, "momentum=0.5").b
    np.testing.assert_array_equal(kept.optimizer.get_state()["velocity"], a.optimizer.get_state()["velocity"])
    fresh = Comparison.fork(a, "optimizer=adam")
    assert fresh.b.optimizer.get_state()["step"] == 0
    assert "starts with empty memory" in fresh.note


def test_a_new_architecture_starts_from_the_seed_and_is_trained_to_a_s_iteration():
    spec, cfg, data = make_spec(), TrainConfig(seed=4, batch_size=8), make_data()
    a = Trainer(spec, cfg, data)
    a.run(iterations=7)
    cmp = Comparison.fork(a, "hidden=6,6,3")
    b = cmp.b
    assert b.spec.layer_sizes == (2, 6, 6, 3, 1)
    assert b.iteration == 7 and b.earliest_iteration == 0
    ref = Trainer(b.spec, cfg, data)
    ref.run(iterations=7)
    np.testing.assert_array_equal(b.network.params, ref.network.params)
    assert "another architecture" in cmp.note and "seed 4" in cmp.note
    # the same seed and batch settings: B saw the batches A saw
    a0 = Trainer(spec, cfg, data)
    assert all(np.array_equal(x, y) for x, y in zip(_batches(a0, 9), _batches(Trainer(b.spec, cfg, data), 9)))


def test_a_new_initialiser_draws_new_weights_of_the_same_shape():
    spec, cfg, data = make_spec(), TrainConfig(seed=1), make_data()
    a = Trainer(spec, cfg, data)
    cmp = Comparison.fork(a, "init=he_normal")
    ref = Trainer(cmp.b.spec, cfg, data)
    np.testing.assert_array_equal(cmp.b.network.params, ref.network.params)
    assert not np.array_equal(cmp.b.network.params, a.network.params)
    assert "other initial weights" in cmp.note


# ----------------------------------------------------------------- lockstep, rewind
def test_rewinding_both_and_replaying_is_exact():
    spec, cfg, data = rich_setup()
    a = Trainer(spec, cfg, data)
    a.run(iterations=3)
    cmp = Comparison.fork(a, "lr=0.02 l2=0.01")
    cmp.run(iterations=40)
    pa, pb = a.network.get_flat(), cmp.b.network.get_flat()
    mid_a = Trainer(spec, cfg, data)
    mid_a.run(iterations=20)
    cmp.rewind(20)
    np.testing.assert_array_equal(a.network.params, mid_a.network.params)
    assert a.iteration == cmp.b.iteration == 20
    cmp.rewind(43)  # forward again through the kept future
    np.testing.assert_array_equal(a.network.params, pa)
    np.testing.assert_array_equal(cmp.b.network.params, pb)
    cmp.rewind(20)
    cmp.run(iterations=23)  # replaying by training is exact too
    assert a.network.params.tobytes() == pa.tobytes() and cmp.b.network.params.tobytes() == pb.tobytes()
    with pytest.raises(SpecError, match="between 3 .*and 43"):
        cmp.rewind(2)  # before B was made


def test_run_epoch_keeps_both_at_a_s_iteration_count_with_other_batch_sizes():
    spec, cfg, data = make_spec(), TrainConfig(batch_size=10), make_data(n=40)
    cmp = Comparison.fork(Trainer(spec, cfg, data), "batch_size=3")
    cmp.run_epoch()
    assert cmp.a.iteration == cmp.b.iteration == 4 and cmp.a.epoch == 1
    cmp.run(epochs=2)
    assert cmp.a.iteration == cmp.b.iteration == 12


def test_a_run_that_diverges_stays_while_the_other_goes_on():
    spec, cfg, data = make_spec(task="regression"), TrainConfig(batch_mode="full", learning_rate=0.01), \
        make_data("regression")
    cmp = Comparison.fork(Trainer(spec, cfg, data), "lr=1e6")
    cmp.run(iterations=30)
    assert cmp.b.stopped and "learning rate" in cmp.b.stopped
    assert cmp.a.iteration == 30 and cmp.b.iteration < 30
    ra, rb = cmp.step()
    assert ra is not None and rb is None and cmp.a.iteration == 31


def test_a_branch_of_a_stopped_run_says_it_has_stopped_too():
    spec, data = make_spec(task="regression"), make_data("regression")
    a = Trainer(spec, TrainConfig(batch_mode="full", learning_rate=1e9), data)
    a.run(iterations=5)
    assert a.stopped
    cmp = Comparison.fork(a, "lr=0.01")
    assert cmp.b.stopped == a.stopped and "B has stopped as A had" in cmp.note
    with pytest.raises(SpecError, match="both runs have stopped"):
        cmp.step()
    fresh = Comparison.fork(a, "seed=9 lr=0.01")  # new weights: B trains from iteration 0
    assert not fresh.b.stopped and fresh.b.iteration == a.iteration


def test_close_and_promote_end_the_comparison():
    spec, cfg, data = make_spec(), TrainConfig(), make_data()
    a = Trainer(spec, cfg, data)
    cmp = Comparison.fork(a, "lr=0.1")
    b = cmp.b
    assert cmp.promote_b() is b
    with pytest.raises(SpecError, match="has ended"):
        cmp.step()
    cmp2 = Comparison.fork(a, "lr=0.1")
    assert cmp2.close_b() is a


# ----------------------------------------------------------------- labels and bad changes
@pytest.mark.parametrize("text, label", [
    ("lr=0.3", "B: η = 0.3"),
    ("activation=relu", "B: ReLU instead of Tanh, ReLU"),
    ("optimizer=adam eta=0.01", "B: Adam instead of Gradient descent (SGD), η = 0.01"),
    ("batch_mode=full", "B: full batch instead of mini-batch"),
    ("l2=0.001;dropout=0.2", "B: L2 λ = 0.001, dropout = 0.2"),
    ("hidden=16,16", "B: hidden 16–16 instead of 5–4"),
    ("init=he_uniform", "B: He / Kaiming uniform init instead of Glorot / Xavier uniform, He / Kaiming uniform"),
])
def test_the_label_names_the_difference(text, label):
    spec = make_spec()
    assert RunChanges.parse(text).label(spec, TrainConfig()) == label


@pytest.mark.parametrize("text, fragment", [
    ("", "at least one change"),
    ("lr", "write setting=value"),
    ("colour=red", "unknown setting 'colour'"),
    ("lr=fast", "learning_rate must be a number"),
    ("lr=-1", "learning rate must be greater than 0"),
    ("lr=0.1 eta=0.2", "changed twice"),
    ("activation=sparkle", "unknown activation"),
    ("dropout=0.1,0.2,0.3", "3 values but the network has 2"),
    ("hidden=4,x", "layer sizes like 16,16"),
    ("optimizer=\x1b[31m", "unknown optimizer"),
])
def test_bad_changes_are_refused_with_a_clear_message(text, fragment):
    a = Trainer(make_spec(), TrainConfig(), make_data())
    with pytest.raises(SpecError, match=fragment) as info:
        Comparison.fork(a, text)
    assert "\x1b" not in str(info.value)


def test_changes_round_trip_through_json():
    ch = RunChanges.parse("lr=0.3 activation=relu,tanh hidden=3 restore_best=false beta1=none")
    assert RunChanges.from_dict(ch.to_dict()) == ch
    assert ch.to_dict() == {"learning_rate": 0.3, "activation": ["relu", "tanh"], "hidden": [3],
                            "restore_best": False, "beta1": None}


@pytest.mark.parametrize("to", ["cce", "bce"])
def test_two_classes_compare_one_sigmoid_unit_with_two_softmax_units(to):
    # Glorot & Bengio's comparison: the same network with the other two-class output
    frm = "bce" if to == "cce" else "cce"
    spec, cfg, data = make_spec().with_two_class_output(frm), TrainConfig(seed=4, batch_size=8), make_data()
    a = Trainer(spec, cfg, data)
    a.run(iterations=5)
    cmp = Comparison.fork(a, f"loss={to}")
    assert cmp.b.spec == spec.with_two_class_output(to)
    assert cmp.b.spec.n_outputs == (2 if to == "cce" else 1) and cmp.b.iteration == 5
    ref = Trainer(cmp.b.spec, cfg, data)  # a new output layer: B's weights are drawn from the seed
    ref.run(iterations=5)
    np.testing.assert_array_equal(cmp.b.network.params, ref.network.params)
    names = {"bce": "one sigmoid unit (bce)", "cce": "two softmax units (cce)"}
    assert cmp.label == f"B: {names[to]} instead of {names[frm]}"


def test_a_long_catch_up_says_how_far_it_is_and_gives_the_run_one_call_would(monkeypatch):
    import nnstudio.core.comparison as comparison

    monkeypatch.setattr(comparison, "PROGRESS_SECONDS", 0.0)  # report after every slice
    spec, cfg, data = make_spec(), TrainConfig(seed=4, batch_size=8), make_data()
    a = Trainer(spec, cfg, data)
    a.run(iterations=3000)
    told: list[tuple[int, int]] = []
    cmp = Comparison.fork(a, "hidden=6,6,3", progress=lambda done, total: told.append((done, total)))
    assert told[0] == (0, 3000) and len(told) >= 3
    assert all(total == 3000 for _, total in told)
    assert [d for d, _ in told] == sorted({d for d, _ in told}) and told[-1][0] < 3000
    quiet = Comparison.fork(a, "hidden=6,6,3")
    assert cmp.b.iteration == quiet.b.iteration == 3000
    assert cmp.b.network.params.tobytes() == quiet.b.network.params.tobytes()
    np.testing.assert_array_equal(cmp.b.history.iterations.array(), quiet.b.history.iterations.array())
    np.testing.assert_array_equal(cmp.b.history.layers.array(), quiet.b.history.layers.array())
    np.testing.assert_array_equal(cmp.b.trajectory_array()[1], quiet.b.trajectory_array()[1])
    # a B that goes on from A's weights needs no catch-up, and says nothing
    told.clear()
    Comparison.fork(a, "lr=0.3", progress=lambda done, total: told.append((done, total)))
    assert told == []


def fingerprint(t: Trainer) -> tuple:
    """Everything of a run that making run B (or cancelling it) must leave alone, as bytes."""
    opt = t.optimizer.get_state()
    return (t.iteration, t.epoch, t.pos, t.perm.tobytes(), t.network.params.tobytes(), t.initial_params.tobytes(),
            t.history.iterations.array().tobytes(), t.history.layers.array().tobytes(),
            t.history.epochs.array().tobytes(), t.trajectory_array()[1].tobytes(), t.earliest_iteration,
            t.furthest_iteration, opt["step"], [opt[n].tobytes() for n in t.optimizer.state_names if n in opt],
            repr(t.shuffle_rng.bit_generator.state), repr(t.dropout_rng.bit_generator.state), t.stopped)


@pytest.mark.parametrize("after", [1, 3])
def test_cancelling_a_long_catch_up_leaves_run_a_bit_for_bit_as_it_was(monkeypatch, after):
    import nnstudio.core.comparison as comparison

    monkeypatch.setattr(comparison, "SLICE_SECONDS", 0.001)  # many slices
    spec = make_spec()
    a = Trainer(spec, TrainConfig(seed=4, batch_size=8, optimizer="adam", learning_rate=0.01), make_data())
    a.run(iterations=4000)
    before = fingerprint(a)
    asked: list[int] = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) >= after

    told: list[tuple[int, int]] = []
    with pytest.raises(ForkCancelled, match="^Making run B was cancelled; run A is as it was.$"):
        Comparison.fork(a, "hidden=6,6,3 seed=5", progress=lambda d, t: told.append((d, t)), cancel=cancel)
    assert len(asked) == after and told[0] == (0, 4000) if after > 1 else told == []
    assert fingerprint(a) == before
    # A trains on exactly as if B had never been asked for
    ref = Trainer(spec, TrainConfig(seed=4, batch_size=8, optimizer="adam", learning_rate=0.01), make_data())
    ref.run(iterations=4100)
    a.run(iterations=100)
    assert a.network.params.tobytes() == ref.network.params.tobytes()


def test_forking_a_slice_at_a_time_gives_the_run_one_call_would_and_leaves_a_alone(monkeypatch):
    import nnstudio.core.comparison as comparison

    monkeypatch.setattr(comparison, "SLICE_SECONDS", 0.001)
    spec, cfg, data = make_spec(), TrainConfig(seed=4, batch_size=8), make_data()
    a = Trainer(spec, cfg, data)
    a.run(iterations=3000)
    before = fingerprint(a)
    job = Comparison.forking(a, "hidden=6,6,3")
    seen = []
    while True:
        try:
            seen.append(next(job))
        except StopIteration as done:
            cmp = done.value
            break
    assert seen[0] == (0, 3000) and len(seen) >= 5 and all(t == 3000 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    one = Trainer(cmp.b.spec, cmp.b.config, data)
    one.run(iterations=3000)  # one call
    assert cmp.b.iteration == 3000 and cmp.b.network.params.tobytes() == one.network.params.tobytes()
    np.testing.assert_array_equal(cmp.b.history.iterations.array(), one.history.iterations.array())
    np.testing.assert_array_equal(cmp.b.trajectory_array()[1], one.trajectory_array()[1])
    assert fingerprint(a) == before and cmp.a is a and cmp.fork_iteration == 0
    # a B that goes on from A's weights is ready at the first step
    with pytest.raises(StopIteration):
        next(Comparison.forking(a, "lr=0.3"))
    # bad changes are refused at the first step, before anything is made
    with pytest.raises(SpecError):
        next(Comparison.forking(a, "lr=-1"))
