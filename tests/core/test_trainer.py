"""The trainer: determinism, batching, schedules, stopping rules, rewind, phases, history."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.core.activations import ACTIVATIONS
from nnstudio.core.errors import SpecError
from nnstudio.core.history import DecimatingLog, History
from nnstudio.core.memory import checkpoint_bytes
from nnstudio.core.network import Network
from nnstudio.core.specs import OPTIMIZERS, LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import PHASES, Trainer


# ----------------------------------------------------------------- helpers
def make_data(task: str = "binary", n: int = 40, n_val: int = 12, d: int = 2, k: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + n_val, d))
    if task == "regression":
        y = np.sin(X[:, 0]) + 0.5 * X[:, -1]
    elif task == "binary":
        y = (X[:, 0] + 0.5 * X[:, -1] > 0).astype(np.int64)
    else:
        y = (np.floor((np.arctan2(X[:, 1], X[:, 0]) + np.pi) / (2 * np.pi) * k) % k).astype(np.int64)
    return SimpleNamespace(X_train=X[:n], y_train=y[:n], X_val=X[n:], y_val=y[n:], task=task,
                           n_classes=k if task == "multiclass" else (2 if task == "binary" else 0))


def make_spec(task: str = "binary", d: int = 2, k: int = 3, hidden=None, **kw) -> NetworkSpec:
    if hidden is None:
        hidden = (LayerSpec(5, "tanh"), LayerSpec(4, "relu", "he_uniform"))
    return NetworkSpec(n_inputs=d, hidden=hidden, task=task, n_outputs=k if task == "multiclass" else 1, **kw)


def rich_setup():
    """Minibatches, dropout, penalties and Adam: every source of randomness and state."""
    spec = make_spec(hidden=(LayerSpec(6, "tanh", dropout=0.3), LayerSpec(4, "elu", dropout=0.2)))
    cfg = TrainConfig(optimizer="adam", learning_rate=0.01, batch_mode="minibatch", batch_size=7,
                      l1=1e-4, l2=1e-3, seed=123)
    return spec, cfg, make_data(n=50)


def fresh(spec, cfg, data, iterations: int) -> Trainer:
    tr = Trainer(spec, cfg, data)
    for _ in range(iterations):
        tr.step()
    return tr


# ----------------------------------------------------------------- data checks
def test_trainer_refuses_data_that_does_not_fit():
    spec = make_spec()
    with pytest.raises(SpecError, match="2 input"):
        Trainer(spec, TrainConfig(), make_data(d=3))
    with pytest.raises(SpecError, match="the data is for regression"):
        Trainer(spec, TrainConfig(), make_data("regression"))
    with pytest.raises(SpecError, match="classes"):
        Trainer(make_spec("multiclass", k=4), TrainConfig(), make_data("multiclass", k=3))
    bad = make_data()
    bad.X_train = bad.X_train.copy()
    bad.X_train[3, 1] = np.nan
    with pytest.raises(SpecError, match="NaN"):
        Trainer(spec, TrainConfig(), bad)


def test_trains_on_prepared_data_from_the_data_package():
    data_mod = pytest.importorskip("nnstudio.core.data")
    data = data_mod.prepare(data_mod.DataSpec())
    spec = make_spec(data.task, d=data.X_train.shape[1], k=max(data.n_classes, 2))
    tr = Trainer(spec, TrainConfig(batch_mode="minibatch", batch_size=16, learning_rate=0.1), data)
    before = tr.evaluate()["loss"]
    tr.run(epochs=3)
    assert tr.epoch == 3
    assert tr.evaluate()["loss"] < before


# ----------------------------------------------------------------- determinism
def test_same_seed_and_config_give_bit_identical_runs_and_other_seeds_differ():
    spec, cfg, data = rich_setup()
    a = fresh(spec, cfg, data, 57)
    b = Trainer(spec, cfg, data)
    b.run(iterations=20)  # the fast path ...
    b.run_epoch()  # ... whole epochs ...
    while b.iteration < 57:  # ... and single steps must all be the same run
        b.step()
    assert a.iteration == b.iteration == 57 and a.epoch == b.epoch
    np.testing.assert_array_equal(a.network.params, b.network.params)
    np.testing.assert_array_equal(a.history.iterations.array(), b.history.iterations.array())
    np.testing.assert_array_equal(a.history.epochs.array(), b.history.epochs.array())
    for key in a.optimizer.state_names:
        np.testing.assert_array_equal(a.optimizer.state[key], b.optimizer.state[key])
    c = fresh(spec, cfg.replace(seed=124), data, 57)
    assert not np.array_equal(c.initial_params, a.initial_params)
    assert not np.array_equal(c.network.params, a.network.params)


def test_seed_streams_are_independent():
    # changing the batch mode (the shuffle stream) does not change the initial weights
    spec, cfg, data = rich_setup()
    a = Trainer(spec, cfg, data)
    b = Trainer(spec, cfg.replace(batch_mode="sgd"), data)
    np.testing.assert_array_equal(a.initial_params, b.initial_params)


# ----------------------------------------------------------------- one iteration
def test_one_iteration_is_one_update():
    spec = make_spec()
    cfg = TrainConfig(optimizer="sgd", learning_rate=0.1, batch_mode="minibatch", batch_size=8)
    tr = Trainer(spec, cfg, make_data())
    for i in range(1, 8):
        before = tr.network.params.copy()
        rec = tr.step()
        assert rec.iteration == i and tr.iteration == i
        assert not np.array_equal(before, tr.network.params)
        # SGD: exactly one step of −η·g with the gradient of that batch
        np.testing.assert_array_equal(tr.network.params, before - 0.1 * tr.network.grads)
        assert rec.lr == 0.1
        assert len(rec.grad_norms) == tr.network.n_layers == len(rec.update_norms)
        np.testing.assert_allclose(rec.update_norms[0], 0.1 * rec.grad_norms[0], rtol=1e-12)
        net = tr.network
        for li, layer in enumerate(net.layers):
            assert rec.grad_norms[li] == pytest.approx(np.linalg.norm(layer.gW), rel=1e-12)
            assert rec.bias_grad_norms[li] == pytest.approx(np.linalg.norm(layer.gb), rel=1e-12)
            assert rec.update_norms[li] == pytest.approx(
                np.linalg.norm(layer.W - before[net.slices[2 * li].start:net.slices[2 * li].stop].reshape(layer.W.shape)),
                rel=1e-9)
            per_sample = layer.delta * len(rec.batch)
            assert rec.delta_rms[li] == pytest.approx(np.sqrt(np.mean(per_sample**2)), rel=1e-12)
    assert tr.history.iterations.column("x").tolist() == list(range(1, 8))
    st = tr.status()
    assert st["iteration"] == 7 and st["epoch"] == 1 and st["iterations_per_epoch"] == 5 and st["lr"] == 0.1
    assert st["pos_in_epoch"] == 16 and st["stopped"] is None


def test_the_record_loss_is_the_batch_loss_before_the_update():
    spec = make_spec()
    cfg = TrainConfig(batch_mode="minibatch", batch_size=8, l2=0.01)
    tr = Trainer(spec, cfg, make_data())
    net = Network(spec, 0)
    net.set_flat(tr.network.params)
    rec = tr.step()
    X, y = tr.data.X_train[rec.batch], tr.data.y_train[rec.batch]
    assert rec.loss == pytest.approx(net.evaluate(X, y), rel=1e-14)
    assert rec.penalty == pytest.approx(net.penalty(0.0, 0.01), rel=1e-14)


# ----------------------------------------------------------------- epochs and batches
@pytest.mark.parametrize(
    "mode, n, b, per_epoch, last",
    [("full", 40, 10, 1, 40), ("sgd", 13, 10, 13, 1), ("minibatch", 320, 10, 32, 10),
     ("minibatch", 321, 10, 33, 1), ("minibatch", 5, 10, 1, 5)],
)
def test_iterations_per_epoch_and_every_sample_once(mode, n, b, per_epoch, last):
    spec = make_spec(hidden=(LayerSpec(3, "tanh"),))
    tr = Trainer(spec, TrainConfig(batch_mode=mode, batch_size=b), make_data(n=n))
    assert tr.iterations_per_epoch == per_epoch
    orders = []
    for epoch in range(3):
        batches = []
        for i in range(per_epoch):
            rec = tr.step()
            assert rec.epoch == epoch
            assert rec.epoch_end == (i == per_epoch - 1)
            batches.append(np.asarray(rec.batch).copy())
        assert len(batches[-1]) == last
        assert all(len(x) == min(b, n) if mode == "minibatch" else len(x) == (1 if mode == "sgd" else n)
                   for x in batches[:-1])
        order = np.concatenate(batches)
        np.testing.assert_array_equal(np.sort(order), np.arange(n))  # each sample exactly once
        orders.append(order)
        assert tr.epoch == epoch + 1
        assert tr.iteration == (epoch + 1) * per_epoch
    if mode == "full":
        for o in orders:
            np.testing.assert_array_equal(o, np.arange(n))
    elif n > 5:
        assert not np.array_equal(orders[0], orders[1])  # reshuffled every epoch
        assert not np.array_equal(orders[1], orders[2])


def test_run_epoch_and_run_epochs():
    spec = make_spec()
    tr = Trainer(spec, TrainConfig(batch_mode="minibatch", batch_size=6), make_data(n=40))
    rec = tr.run_epoch()
    assert tr.epoch == 1 and tr.iteration == 7 and rec.epoch_end and rec.iteration == 7
    assert rec.epoch_metrics["epoch"] == 1
    tr.run(epochs=2)
    assert tr.epoch == 3 and tr.iteration == 21
    tr.run(iterations=5)
    assert tr.iteration == 26
    assert len(tr.history.epochs) == 3
    np.testing.assert_array_equal(tr.history.epochs.column("iteration"), [7, 14, 21])


def test_epoch_metrics():
    spec = make_spec()
    data = make_data(n=30)
    tr = Trainer(spec, TrainConfig(batch_mode="minibatch", batch_size=10, learning_rate=0.05), data)
    losses = [tr.step().loss for _ in range(2)]
    rec = tr.step()
    losses.append(rec.loss)
    m = rec.epoch_metrics
    assert m["loss"] == pytest.approx(np.mean(losses), rel=1e-14)
    ev = tr.evaluate()
    assert m["val_loss"] == pytest.approx(ev["val_loss"], rel=1e-14)
    assert m["val_metric"] == pytest.approx(ev["val_metric"], rel=1e-14)
    row = tr.history.epochs.last()
    assert row[0] == 1 and row[1] == 3
    assert row[2] == pytest.approx(m["loss"]) and row[3] == pytest.approx(m["val_loss"])


# ----------------------------------------------------------------- schedules
@pytest.mark.parametrize("schedule", ["step", "exponential", "constant"])
def test_learning_rate_schedules(schedule):
    spec = make_spec()
    cfg = TrainConfig(optimizer="sgd", learning_rate=0.1, batch_mode="minibatch", batch_size=10,
                      schedule=schedule, decay_rate=0.5 if schedule == "step" else 0.9, decay_epochs=3)
    tr = Trainer(spec, cfg, make_data(n=30))  # 3 iterations per epoch
    for it in range(30):
        epoch = it // 3
        if schedule == "step":
            expected = 0.1 * 0.5 ** (epoch // 3)
        elif schedule == "exponential":
            expected = 0.1 * 0.9**epoch
        else:
            expected = 0.1
        assert tr.current_lr() == expected
        before = tr.network.params.copy()
        rec = tr.step()
        assert rec.lr == expected and rec.epoch == epoch
        np.testing.assert_array_equal(tr.network.params, before - expected * tr.network.grads)
    lrs = tr.history.epochs.column("lr")
    if schedule == "step":
        assert lrs.tolist() == [0.1] * 3 + [0.05] * 3 + [0.025] * 3 + [0.0125]
    assert tr.history.iterations.column("lr")[3] == lrs[1]


# ----------------------------------------------------------------- divergence
@pytest.mark.parametrize("act", ["tanh", "relu"])
@pytest.mark.parametrize("how", ["step", "run", "phases"])
def test_divergence_stops_with_a_message_and_finite_weights(act, how):
    spec = make_spec("regression", hidden=(LayerSpec(8, act, "he_normal"), LayerSpec(8, act, "he_normal")))
    data = make_data("regression", n=64)
    data.y_train = data.y_train * 100
    tr = Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=1e3, batch_mode="full"), data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if how == "run":
            tr.run(iterations=1000)
        elif how == "step":
            for _ in range(1000):
                if tr.stopped:
                    break
                tr.step()
        else:
            for _ in range(4000):
                if tr.stopped:
                    break
                tr.step_phase()
    assert tr.stopped is not None
    assert "iteration" in tr.stopped and "learning rate" in tr.stopped
    assert tr.stop_info["kind"] == "divergence"
    assert tr.iteration < 1000
    assert np.all(np.isfinite(tr.network.params))
    assert np.all(np.isfinite(tr.history.iterations.column("loss")))
    assert tr.last_record is not None and tr.last_record.stopped == tr.stopped
    with pytest.raises(SpecError, match="training has stopped"):
        tr.step()
    with pytest.raises(SpecError, match="training has stopped"):
        tr.step_phase()
    it = tr.iteration
    assert tr.stop_info["iteration"] == it + 1  # the update that failed was not applied
    assert tr.run(iterations=5) is None and tr.iteration == it
    ev = tr.evaluate()  # no warning, no exception
    assert isinstance(ev["loss"], float)
    tr.reset()
    assert tr.stopped is None and tr.iteration == 0


# ----------------------------------------------------------------- early stopping
def _val_u_shape_setup(**cfg_kw):
    """A linear model learning y = 2x, validated on y = x: the validation loss falls until
    the slope passes 1 and rises after, so the best epoch is in the middle."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 1))
    xv = rng.normal(size=(20, 1))
    data = SimpleNamespace(X_train=x, y_train=2 * x[:, 0], X_val=xv, y_val=xv[:, 0], task="regression",
                           n_classes=0)
    spec = NetworkSpec(n_inputs=1, hidden=(), task="regression", output_init="zeros")
    cfg = TrainConfig(optimizer="sgd", learning_rate=0.05, batch_mode="full", early_stopping="patience",
                      patience=4, **cfg_kw)
    return spec, cfg, data


@pytest.mark.parametrize("restore", [True, False])
def test_patience_early_stopping_restores_the_best_weights(restore):
    spec, cfg, data = _val_u_shape_setup(restore_best=restore)
    tr = Trainer(spec, cfg, data)
    at_epoch = {0: tr.network.get_flat()}
    val = {}
    while not tr.stopped:
        rec = tr.run_epoch()
        at_epoch[tr.epoch] = tr.network.get_flat()
        val[tr.epoch] = rec.epoch_metrics["val_loss"]
        assert tr.epoch < 100
    best = min(val, key=val.get)
    assert 3 <= best  # really in the middle of the run
    assert tr.epoch == best + cfg.patience
    assert tr.stop_info["kind"] == "early_stopping" and tr.stop_info["best_epoch"] == best
    assert tr.best_epoch == best and tr.best_value == val[best]
    assert "early stopping" in tr.stopped
    if restore:
        np.testing.assert_array_equal(tr.network.params, at_epoch[best])
        np.testing.assert_array_equal(tr.network.params, tr.best_params)
        assert "restored" in tr.stopped
        # the weights at the end of the best epoch, evaluated at stop time
        assert tr.evaluate()["val_loss"] == val[best]
    else:
        assert not np.array_equal(tr.network.params, at_epoch[best])
        np.testing.assert_array_equal(tr.best_params, at_epoch[best])
    # changing the settings lets training go on
    tr.set_config(cfg.replace(early_stopping="off"))
    assert tr.stopped is None
    tr.step()


def test_patience_with_min_delta_stops_earlier():
    spec, cfg, data = _val_u_shape_setup()
    a = Trainer(spec, cfg, data)
    a.run(epochs=200)
    b = Trainer(spec, cfg.replace(min_delta=0.05), data)
    b.run(epochs=200)
    assert a.stopped and b.stopped
    assert b.epoch < a.epoch


@pytest.mark.parametrize("metric, value", [("val_accuracy", 0.95), ("accuracy", 0.9), ("loss", 0.3)])
def test_target_metric_stops_when_reached(metric, value):
    spec = make_spec(hidden=(LayerSpec(4, "tanh"),))
    data = make_data(n=80, n_val=40)
    cfg = TrainConfig(optimizer="adam", learning_rate=0.05, batch_mode="full", early_stopping="target",
                      target_metric=metric, target_value=value)
    tr = Trainer(spec, cfg, data)
    tr.run(epochs=500)
    assert tr.stopped and "target reached" in tr.stopped
    col = {"val_accuracy": "val_metric", "accuracy": "metric", "loss": "loss"}[metric]
    hist = tr.history.epochs.column(col)
    if metric == "loss":
        assert hist[-1] <= value and np.all(hist[:-1] > value)
    else:
        assert hist[-1] >= value and np.all(hist[:-1] < value)
    assert tr.stop_info["best_epoch"] == tr.epoch == len(hist)


# ----------------------------------------------------------------- rewind
def test_rewind_equals_a_fresh_run():
    spec, cfg, data = rich_setup()
    tr = fresh(spec, cfg, data, 40)
    end = tr.network.get_flat()
    tr.rewind(23)
    ref = fresh(spec, cfg, data, 23)
    assert tr.iteration == 23 and tr.epoch == ref.epoch and tr.pos == ref.pos
    np.testing.assert_array_equal(tr.network.params, ref.network.params)
    np.testing.assert_array_equal(tr.history.iterations.array(), ref.history.iterations.array())
    np.testing.assert_array_equal(tr.history.epochs.array(), ref.history.epochs.array())
    for _ in range(17):
        tr.step()
    np.testing.assert_array_equal(tr.network.params, end)
    tr.rewind(0)
    np.testing.assert_array_equal(tr.network.params, tr.initial_params)
    assert tr.iteration == 0 and tr.epoch == 0
    assert tr.furthest_iteration == 40  # the abandoned future is kept ...
    tr.rewind(40)
    np.testing.assert_array_equal(tr.network.params, end)
    tr.rewind(0)
    tr.step()  # ... until training goes on from the earlier point
    assert tr.furthest_iteration == 1
    with pytest.raises(SpecError, match="between 0 and 1"):
        tr.rewind(2)
    with pytest.raises(SpecError):
        tr.rewind(-1)


def test_rewind_after_checkpoints_were_thinned():
    spec, cfg, data = rich_setup()
    # a budget of 8 checkpoints: they must be thinned many times over 1000 iterations
    tr = Trainer(spec, cfg, data, checkpoint_budget=8 * checkpoint_bytes(spec.n_parameters, len(data.X_train)))
    tr.run(iterations=1000)
    its = tr.checkpoint_iterations
    assert len(its) <= 9 and 0 in its
    assert min(np.diff(its)) > 16  # thinned
    end = tr.network.get_flat()
    for k in (999, 517, 333, 1):
        tr.rewind(k)
        ref = Trainer(spec, cfg, data)
        ref.run(iterations=k)
        assert tr.iteration == k
        np.testing.assert_array_equal(tr.network.params, ref.network.params)
        for key in ref.optimizer.state_names:
            np.testing.assert_array_equal(tr.optimizer.state[key], ref.optimizer.state[key])
    tr.run(iterations=999)
    np.testing.assert_array_equal(tr.network.params, end)


def _budget_bytes(tr) -> tuple[int, int]:
    """Bytes of the checkpoints and of the path, counting each array once and leaving out
    the initial weights, which the trainer keeps anyway and both share."""
    seen = {id(tr.initial_params)}

    def size(arrays) -> int:
        n = 0
        for a in arrays:
            if a is not None and id(a) not in seen:
                seen.add(id(a))
                n += a.nbytes
        return n

    ckpt = sum(size([c.params, c.perm, c.best_params, *(v for v in c.opt_state.values() if isinstance(v, np.ndarray))])
               for c in tr._checkpoints)
    return ckpt, size(tr._traj)


def test_a_big_network_keeps_its_checkpoint_and_path_budgets():
    # 2 × 2048 with Adam: one checkpoint (weights and Adam's two arrays) is 100 MB, over the
    # 64 MiB budget, and one path point 33.6 MB, over 32 MiB: none is kept after iteration 0
    import tracemalloc

    spec = make_spec(hidden=(LayerSpec(2048, "tanh"),) * 2)
    tr = Trainer(spec, TrainConfig(optimizer="adam", batch_size=8), make_data(n=40), memory_limit=8 * 2**30)
    assert tr.network.params.nbytes == 8 * 4_204_545
    assert tr._checkpoints[0].params is tr.initial_params and tr._traj[0] is tr.initial_params
    tr.run(iterations=2)  # Adam's arrays now exist
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(3):
            tr.run(iterations=6)
            ckpt, traj = _budget_bytes(tr)
            assert ckpt <= tr.checkpoint_budget and traj <= tr.trajectory_budget
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert tr.iteration == 20 and tr.checkpoint_iterations == [0]
    # nothing kept per iteration, only the layers' caches of a batch: the old budgets
    # kept up to 8 checkpoints of 100 MB and 16 path points of 33.6 MB
    assert grown < tr.network.params.nbytes // 8
    iters, path = tr.trajectory_array()
    assert list(iters) == [0, 20] and path.shape == (2, tr.network.n_params)


def test_checkpoints_and_path_fill_their_budgets_and_stay_within():
    spec = make_spec(hidden=(LayerSpec(40, "tanh"), LayerSpec(30, "relu", "he_uniform")))
    cfg = TrainConfig(optimizer="adam", batch_size=5, early_stopping="patience", patience=1000)
    n_params = spec.n_parameters
    budget = 5 * checkpoint_bytes(n_params, 40) + 100
    tr = Trainer(spec, cfg, make_data(n=40), checkpoint_budget=budget, trajectory_budget=10 * 8 * n_params + 7)
    assert tr._max_ckpts == 5 and tr._traj_max == 10
    most = (0, 0)
    for _ in range(60):
        tr.run(iterations=7)
        ckpt, traj = _budget_bytes(tr)
        assert ckpt <= budget and traj <= tr.trajectory_budget
        most = max(most[0], ckpt), max(most[1], traj)
        assert len(tr._traj) <= 10 and len(tr.checkpoint_iterations) <= 5
    assert most[0] > budget // 2 and most[1] > tr.trajectory_budget // 2  # they were used


def test_rewind_with_only_the_first_checkpoint_replays_exactly():
    spec, cfg, data = rich_setup()
    tr = Trainer(spec, cfg, data, checkpoint_budget=0, trajectory_budget=0)
    tr.run(iterations=70)
    assert tr.checkpoint_iterations == [0] and tr._traj_iters == [0]
    end = tr.network.get_flat()
    tr.rewind(41)
    ref = fresh(spec, cfg, data, 41)
    np.testing.assert_array_equal(tr.network.params, ref.network.params)
    for key in ref.optimizer.state_names:
        np.testing.assert_array_equal(tr.optimizer.state[key], ref.optimizer.state[key])
    tr.run(iterations=29)
    np.testing.assert_array_equal(tr.network.params, end)


def test_a_network_too_big_to_train_is_refused_before_it_is_built():
    import time
    import tracemalloc

    spec = make_spec(hidden=(LayerSpec(2048, "relu"),) * 50)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(SpecError) as info:
            Trainer(spec, TrainConfig(optimizer="adam"), make_data())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 1.0
    assert peak < 2**20  # its 1.6 GB of weights were never allocated
    message = str(info.value)
    assert message.startswith("this network would need about ") and " GB to train (" in message
    assert "the limit is 2 GB" in message
    # the limit is the trainer's to set
    with pytest.raises(SpecError, match="the limit is 1 MB"):
        Trainer(make_spec(), TrainConfig(), make_data(), memory_limit=2**20)


def test_rewind_over_an_early_stop():
    spec, cfg, data = _val_u_shape_setup()
    tr = Trainer(spec, cfg, data)
    tr.run(epochs=100)
    assert tr.stopped
    stop_it = tr.iteration
    final = tr.network.get_flat()
    tr.rewind(3)
    assert tr.stopped is None and tr.iteration == 3
    tr.run(epochs=100)
    assert tr.stopped and tr.iteration == stop_it
    np.testing.assert_array_equal(tr.network.params, final)


# ----------------------------------------------------------------- phases
def _phase_setup(**kw):
    spec = make_spec(hidden=(LayerSpec(3, "sigmoid"), LayerSpec(2, "tanh")))
    cfg = TrainConfig(optimizer="sgd", learning_rate=0.2, batch_mode="minibatch", batch_size=4, **kw)
    return spec, cfg, make_data(n=12)


def test_four_phases_show_one_sample_and_compute_the_iteration():
    spec, cfg, data = _phase_setup()
    tr = Trainer(spec, cfg, data)
    W0 = [layer.W.copy() for layer in tr.network.layers]
    b0 = [layer.b.copy() for layer in tr.network.layers]
    target = int(tr.perm[2])  # the third sample of the first batch
    phases = []
    for i in range(4):
        phases.append(tr.step_phase(inspect=target))
        if i < 3:
            assert tr.phase_in_progress == PHASES[i]
            assert tr.iteration == 0
    assert tr.phase_in_progress is None and tr.iteration == 1
    assert [p.phase for p in phases] == list(PHASES) == ["forward", "loss", "backward", "update"]
    for p in phases:
        assert p.sample == target and p.iteration == 1
        np.testing.assert_array_equal(p.batch, phases[0].batch)
        np.testing.assert_array_equal(p.x, data.X_train[target])
        assert p.y == data.y_train[target]
    # forward: z = a_prev·W + b, a = f(z), by hand
    fwd = phases[0]
    a = data.X_train[target]
    for layer_i, (W, b) in enumerate(zip(W0, b0)):
        z = a @ W + b
        np.testing.assert_allclose(fwd.z[layer_i], z, rtol=1e-13, atol=1e-15)
        if layer_i < 2:
            a = ACTIVATIONS[spec.hidden[layer_i].activation].f(z)
        else:
            a = 1 / (1 + np.exp(-z))
        np.testing.assert_allclose(fwd.a[layer_i], a, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(fwd.output, a, rtol=1e-13)
    # loss: the batch loss of the record, and the sample's own loss
    loss = phases[1]
    rec = phases[3].record
    assert loss.batch_loss == rec.loss
    t = data.y_train[target]
    assert loss.sample_loss == pytest.approx(-(t * np.log(a[0]) + (1 - t) * np.log(1 - a[0])), rel=1e-12)
    # backward: the batch gradients, and the sample's δ at the output = ŷ − y
    back = phases[2]
    ref = Network(spec, 0)
    for layer, W, b in zip(ref.layers, W0, b0):
        layer.W[...] = W
        layer.b[...] = b
    ref.loss_and_grad(data.X_train[back.batch], data.y_train[back.batch])
    for i, layer in enumerate(ref.layers):
        np.testing.assert_allclose(back.grad_W[i], layer.gW, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(back.grad_b[i], layer.gb, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(back.delta[-1], a - t, rtol=1e-12)
    # update: W_after = W_before − lr·∂L/∂W for SGD
    up = phases[3]
    assert up.lr == 0.2
    for i in range(3):
        np.testing.assert_array_equal(up.W_before[i], W0[i])
        np.testing.assert_array_equal(up.W_after[i], W0[i] - 0.2 * up.grad_W[i])
        np.testing.assert_array_equal(up.b_after[i], b0[i] - 0.2 * up.grad_b[i])
        np.testing.assert_array_equal(up.W_after[i], tr.network.layers[i].W)
    assert rec.iteration == 1


def test_inspecting_a_sample_outside_the_batch_shows_that_sample_and_without_a_choice_the_first():
    spec, cfg, data = _phase_setup()
    tr = Trainer(spec, cfg, data)
    outside = int(tr.perm[-1])
    ph = tr.step_phase(inspect=outside)
    assert ph.sample == outside and not ph.in_batch
    tr.step()
    ph = tr.step_phase()
    assert ph.sample == int(ph.batch[0]) and ph.in_batch


@pytest.mark.parametrize("opt", ["sgd", "adam", "nesterov"])
def test_phase_by_phase_is_bit_identical_to_step(opt):
    spec = make_spec(hidden=(LayerSpec(4, "gelu", dropout=0.25), LayerSpec(3, "selu")))
    cfg = TrainConfig(optimizer=opt, learning_rate=0.05, batch_mode="minibatch", batch_size=5, l1=1e-3,
                      l2=1e-3, seed=9)
    data = make_data(n=23)
    a, b = Trainer(spec, cfg, data), Trainer(spec, cfg, data)
    for _ in range(13):
        for _ in range(4):
            a.step_phase()
        b.step()
    assert a.iteration == b.iteration == 13 and a.epoch == b.epoch
    np.testing.assert_array_equal(a.network.params, b.network.params)
    np.testing.assert_array_equal(a.history.iterations.array(), b.history.iterations.array())


def test_step_in_the_middle_of_a_phase_iteration_finishes_it():
    spec, cfg, data = _phase_setup(l2=0.01)
    a, b = Trainer(spec, cfg, data), Trainer(spec, cfg, data)
    a.step_phase()
    a.step_phase()
    rec = a.step()
    assert rec.iteration == 1 and a.iteration == 1 and a.phase_in_progress is None
    b.step()
    np.testing.assert_array_equal(a.network.params, b.network.params)
    ph = a.step_phase()
    assert ph.phase == "forward" and ph.iteration == 2
    a.run(iterations=3)  # run() finishes it too, then does 3 more
    b.run(iterations=4)
    assert a.iteration == b.iteration == 5
    np.testing.assert_array_equal(a.network.params, b.network.params)


# ----------------------------------------------------------------- live settings
def test_changing_the_learning_rate_keeps_weights_and_optimizer_state():
    spec, cfg, data = rich_setup()
    cfg = cfg.replace(optimizer="momentum", l1=0.0, l2=0.0)
    tr = fresh(spec, cfg, data, 5)
    p = tr.network.get_flat()
    v = tr.optimizer.state["velocity"].copy()
    opt = tr.optimizer
    msg = tr.set_config(cfg.replace(learning_rate=0.5))
    assert isinstance(msg, str) and msg
    assert tr.optimizer is opt and tr.optimizer.lr == 0.5
    np.testing.assert_array_equal(tr.network.params, p)
    np.testing.assert_array_equal(tr.optimizer.state["velocity"], v)
    assert tr.optimizer.state["step"] == 5
    tr.step()
    g = tr.network.grads
    np.testing.assert_allclose(tr.network.params, p - 0.5 * (0.9 * v + g), rtol=1e-14, atol=1e-16)


def test_changing_the_optimizer_resets_its_state_but_keeps_the_weights():
    spec, cfg, data = rich_setup()
    tr = fresh(spec, cfg, data, 5)
    p = tr.network.get_flat()
    msg = tr.set_config(cfg.replace(optimizer="rmsprop"))
    assert "memory" in msg
    assert tr.optimizer.key == "rmsprop" and tr.optimizer.state == {"step": 0}
    np.testing.assert_array_equal(tr.network.params, p)
    tr.step()
    assert tr.optimizer.state["step"] == 1


def test_switching_to_float32_and_back():
    spec, cfg, data = rich_setup()
    tr = fresh(spec, cfg, data, 5)
    p = tr.network.get_flat()
    m = tr.optimizer.state["exp_avg"].copy()
    msg = tr.set_config(cfg.replace(dtype="float32"))
    assert "float32" in msg
    net = tr.network
    assert net.params.dtype == np.float32 and net.grads.dtype == np.float32
    np.testing.assert_array_equal(net.params, p.astype(np.float32))
    assert tr.X.dtype == np.float32
    assert tr.optimizer.state["exp_avg"].dtype == np.float32
    np.testing.assert_array_equal(tr.optimizer.state["exp_avg"], m.astype(np.float32))
    assert tr.optimizer.state["step"] == 5
    tr.run(iterations=10)
    assert tr.network.params.dtype == np.float32 and np.all(np.isfinite(tr.network.params))
    assert tr.optimizer.state["exp_avg"].dtype == np.float32
    for layer in tr.network.layers:
        assert layer.z.dtype == np.float32
    tr.set_config(cfg)
    assert tr.network.params.dtype == np.float64
    tr.step()
    assert tr.iteration == 16


def test_float32_training_is_reproducible_and_close_to_float64():
    spec, cfg, data = rich_setup()
    cfg32 = cfg.replace(dtype="float32", l1=0.0)
    a, b = fresh(spec, cfg32, data, 20), fresh(spec, cfg32, data, 20)
    np.testing.assert_array_equal(a.network.params, b.network.params)
    c = fresh(spec, cfg.replace(l1=0.0), data, 20)
    np.testing.assert_allclose(a.network.params, c.network.params, rtol=1e-3, atol=1e-4)


def test_reset_gives_a_new_run():
    spec, cfg, data = rich_setup()
    tr = fresh(spec, cfg, data, 10)
    first = tr.initial_params.copy()
    tr.reset()
    assert tr.iteration == 0 and len(tr.history.iterations) == 0
    np.testing.assert_array_equal(tr.network.params, first)
    tr.reset(seed=5)
    assert tr.config.seed == 5 and not np.array_equal(tr.network.params, first)


# ----------------------------------------------------------------- history
@pytest.mark.parametrize("n", [1, 7, 8, 9, 16, 17, 31, 64, 100, 1000])
def test_decimating_log_capacity_and_exact_means(n):
    log = DecimatingLog(("x", "v", "w"), capacity=8)
    vals = np.random.default_rng(n).normal(size=n)
    for i, v in enumerate(vals, start=1):
        log.append((i, v, 2 * v))
        assert len(log) <= 8
    rows = log.array()
    assert np.all(np.diff(rows[:, 0]) > 0)
    assert rows[-1, 0] <= n
    prev = 0
    for x, v, w in rows:
        x = int(x)
        assert x - prev == log.stride  # evenly spaced, x = the last merged row's
        assert v == pytest.approx(vals[prev:x].mean(), rel=1e-12, abs=1e-15)
        assert w == pytest.approx(2 * v, rel=1e-15)
        prev = x
    assert n - prev < log.stride  # only the rows of an unfinished stride are pending
    assert log.stride == 1 if n <= 8 else log.stride >= 2


class _NumpyAccumulatingLog(DecimatingLog):
    """The log as it was written before its sums became Python floats: the pending rows
    added with NumPy, their mean taken with NumPy."""

    def append(self, row):
        if self.stride == 1 and self._n < self.capacity:
            return super().append(row)
        self._np_acc = getattr(self, "_np_acc", np.zeros(len(self.columns)))
        self._np_acc += row
        self._acc_n += 1
        if self._acc_n < self.stride:
            return
        if self._n == self.capacity:
            self._thin()
            return
        mean = self._np_acc / self.stride
        mean[0] = row[0]
        self._data[self._n] = mean
        self._n += 1
        self._np_acc[:] = 0.0
        self._acc_n = 0


@pytest.mark.parametrize("n", [100, 1000, 5000])
def test_decimating_log_means_are_bit_identical_to_numpy_sums(n):
    rng = np.random.default_rng(n)
    fast, ref = DecimatingLog(("x", "v", "w"), capacity=16), _NumpyAccumulatingLog(("x", "v", "w"), capacity=16)
    for i in range(1, n + 1):
        row = (i, float(rng.lognormal(0, 3)), rng.normal())  # a float and a NumPy float, as the trainer gives
        fast.append(row)
        ref.append(row)
    assert fast.stride == ref.stride and fast.array().tobytes() == ref.array().tobytes()


def test_decimating_log_truncate_clear_and_persistence():
    log = DecimatingLog(("x", "v"), capacity=8)
    for i in range(1, 30):
        log.append((i, float(i)))
    xs = log.column("x")
    log.truncate(xs[2])
    np.testing.assert_array_equal(log.column("x"), xs[:3])
    log.truncate(xs[1] + 0.5)
    np.testing.assert_array_equal(log.column("x"), xs[:2])
    arrays = log.to_arrays()
    other = DecimatingLog(("x", "v"), capacity=8)
    other.load_arrays(arrays["rows"], int(arrays["stride"]))
    np.testing.assert_array_equal(other.array(), log.array())
    assert other.stride == log.stride
    with pytest.raises(ValueError):
        other.load_arrays(np.zeros((9, 2)), 1)
    with pytest.raises(ValueError):
        DecimatingLog(("x",), capacity=7)
    log.clear()
    assert len(log) == 0 and log.stride == 1 and log.last() is None


def test_sampling_log_keeps_evenly_spaced_rows():
    log = DecimatingLog(("x", "v"), capacity=8, reduce="sample")
    for i in range(1, 500):
        if log.due(i):
            log.append((i, -i))
        assert len(log) <= 8
    xs = log.column("x")
    assert np.all(xs % log.stride == 0)
    assert np.all(np.diff(xs) == log.stride)
    np.testing.assert_array_equal(log.column("v"), -xs)


@pytest.mark.slow
def test_trainer_history_stays_bounded_and_exact():
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(2, "tanh"),), task="regression")
    data = make_data("regression", n=8, n_val=0)
    tr = Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=0.01, batch_mode="minibatch", batch_size=4),
                 data)
    tr.history = History(tr.network.n_layers, capacity=16)
    losses = np.array([tr.step().loss for _ in range(3000)])
    for log in (tr.history.iterations, tr.history.epochs, tr.history.layers):
        assert len(log) <= 16
    log = tr.history.iterations
    assert log.stride >= 128
    prev = 0
    for x, v, lr in log.array():
        assert int(x) - prev == log.stride
        assert v == pytest.approx(losses[prev:int(x)].mean(), rel=1e-12)
        assert lr == pytest.approx(0.01, rel=1e-14)
        prev = int(x)
    tr.run(iterations=100_000)
    assert tr.iteration == 103_000
    for log in (tr.history.iterations, tr.history.epochs, tr.history.layers):
        assert len(log) <= 16 and log.last()[0] <= tr.iteration
    assert tr.history.iterations.stride >= 2**13
    # rewind checkpoints and the trajectory stay bounded too
    assert len(tr.checkpoint_iterations) <= 257
    iters, points = tr.trajectory_array()
    assert len(iters) <= 2049 and points.shape == (len(iters), tr.network.n_params)
    assert iters[-1] == tr.iteration and np.all(np.diff(iters) > 0)


# ----------------------------------------------------------------- trainer bugs (for the lead)
def test_switching_precision_in_the_middle_of_a_phase_iteration_starts_it_over():
    # the half-done iteration holds arrays of the old precision: it is dropped, unapplied
    spec, cfg, data = _phase_setup()
    tr = Trainer(spec, cfg, data)
    before = tr.network.params.copy()
    for _ in range(3):
        tr.step_phase()
    tr.set_config(cfg.replace(dtype="float32"))
    assert tr.iteration == 0 and tr.phase_in_progress is None
    np.testing.assert_array_equal(tr.network.params, before.astype(np.float32))
    phases = [tr.step_phase().phase for _ in range(4)]
    assert phases == ["forward", "loss", "backward", "update"] and tr.iteration == 1
    assert tr.network.params.dtype == np.float32


def test_rewind_across_a_precision_switch_is_exact_both_ways():
    spec, cfg, data = _phase_setup()
    cfg = cfg.replace(optimizer="momentum", batch_mode="full")
    tr = fresh(spec, cfg, data, 40)  # checkpoints at 16 and 32 hold float64 state
    tr.set_config(cfg.replace(dtype="float32"))
    tr.run(iterations=3)
    end_v, end_p = tr.optimizer.state["velocity"].copy(), tr.network.get_flat()
    tr.rewind(34)  # restore 32, replay 33 and 34 as they ran: in float64
    ref = fresh(spec, cfg, data, 34)
    assert tr.config.dtype == "float64" and tr.network.params.dtype == np.float64
    np.testing.assert_array_equal(tr.optimizer.state["velocity"], ref.optimizer.state["velocity"])
    np.testing.assert_array_equal(tr.network.params, ref.network.params)
    tr.rewind(43)  # forward again, through the switch at 40
    assert tr.config.dtype == "float32"
    np.testing.assert_array_equal(tr.optimizer.state["velocity"], end_v)
    np.testing.assert_array_equal(tr.network.params, end_p)


def test_switching_from_full_batch_to_minibatch_shuffles_the_next_epoch():
    spec = make_spec()
    cfg = TrainConfig(batch_mode="full")
    tr = Trainer(spec, cfg, make_data(n=30))
    tr.step()
    tr.set_config(cfg.replace(batch_mode="minibatch", batch_size=10))
    order = np.concatenate([tr.step().batch for _ in range(3)])
    np.testing.assert_array_equal(np.sort(order), np.arange(30))
    assert not np.array_equal(order, np.arange(30))


def test_r2_target_is_checked_on_large_training_sets():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5001, 1))
    data = SimpleNamespace(X_train=x, y_train=2 * x[:, 0], X_val=x[:0], y_val=x[:0, 0], task="regression",
                           n_classes=0)
    spec = NetworkSpec(n_inputs=1, hidden=(), task="regression")
    cfg = TrainConfig(optimizer="sgd", learning_rate=0.1, batch_mode="full", early_stopping="target",
                      target_metric="r2", target_value=0.5)
    tr = Trainer(spec, cfg, data)
    tr.run(epochs=50)
    assert tr.stopped is not None and tr.stopped.startswith("target reached")
    assert tr.epoch < 50
    r2 = tr.history.epochs.column("metric")[-1]
    assert 0.5 <= r2 < 1.0
    assert tr.stopped is not None and "target reached" in tr.stopped


@pytest.mark.parametrize("mode", ["full", "sgd", "minibatch"])
def test_run_step_and_phases_are_the_same_run(mode):
    spec = make_spec(hidden=(LayerSpec(4, "swish", dropout=0.2),))
    cfg = TrainConfig(optimizer="nesterov", learning_rate=0.05, batch_mode=mode, batch_size=6, l2=1e-3, seed=3)
    data = make_data(n=20)
    a, b, c = Trainer(spec, cfg, data), Trainer(spec, cfg, data), Trainer(spec, cfg, data)
    a.run(iterations=45)
    for _ in range(45):
        b.step()
        for _ in range(4):
            c.step_phase()
    for t in (b, c):
        assert t.iteration == a.iteration == 45 and t.epoch == a.epoch and t.pos == a.pos
        np.testing.assert_array_equal(t.network.params, a.network.params)
        np.testing.assert_array_equal(t.history.iterations.array(), a.history.iterations.array())
        np.testing.assert_array_equal(t.history.epochs.array(), a.history.epochs.array())


def test_starting_from_given_weights():
    spec, cfg, data = rich_setup()
    net = Network(spec, 77)
    tr = Trainer(spec, cfg.replace(dtype="float32"), data, network=net)
    np.testing.assert_array_equal(tr.network.params, net.params.astype(np.float32))
    assert tr.network is not net
    with pytest.raises(SpecError, match="do not fit"):
        Trainer(spec, cfg, data, network=Network(make_spec(hidden=(LayerSpec(3),)), 0))


@pytest.mark.parametrize("how", ["step", "run", "phases"])
def test_weights_overflowing_in_one_update_are_rolled_back(how):
    spec = make_spec("regression", hidden=(LayerSpec(4, "tanh"),))
    data = make_data("regression", n=16)
    data.y_train = data.y_train * 1e3
    tr = Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=1e308, batch_mode="full"), data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if how == "step":
            rec = tr.step()
        elif how == "run":
            rec = tr.run(iterations=3)
        else:
            rec = [tr.step_phase() for _ in range(4)][-1].record
    assert tr.stopped and "weights became infinite at iteration 1" in tr.stopped
    assert "learning rate" in tr.stopped
    assert tr.iteration == 0 and rec.stopped == tr.stopped
    np.testing.assert_array_equal(tr.network.params, tr.initial_params)  # the last finite weights


def test_divergence_in_float32():
    spec = make_spec("regression", hidden=(LayerSpec(8, "relu", "he_normal"),))
    data = make_data("regression", n=64)
    data.y_train = data.y_train * 1e4
    tr = Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=10.0, batch_mode="full", dtype="float32"), data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr.run(iterations=2000)
    assert tr.stopped and "learning rate" in tr.stopped
    assert tr.network.params.dtype == np.float32 and np.all(np.isfinite(tr.network.params))


def test_optimizers_all_train():
    spec = make_spec()
    data = make_data(n=60)
    for key in OPTIMIZERS:
        lr = 0.01 if key in ("adam", "adamw", "rmsprop") else 0.1
        tr = Trainer(spec, TrainConfig(optimizer=key, learning_rate=lr, batch_mode="minibatch", batch_size=10),
                     data)
        before = tr.evaluate()["loss"]
        tr.run(epochs=20)
        assert tr.evaluate()["loss"] < before, key
        assert math.isfinite(tr.evaluate()["loss"])


def test_a_saved_run_keeps_the_budgets_when_loaded(tmp_path):
    from nnstudio.core.data import DataSpec, prepare
    from nnstudio.core.memory import NEVER
    from nnstudio.core.project import load_project, project_from_trainer, save_project, trainer_from_project

    data_spec = DataSpec(source="generator", name="xor", n_samples=60, seed=1)
    data = prepare(data_spec)
    spec = NetworkSpec(2, (LayerSpec(6, "tanh"),), "binary")
    cfg = TrainConfig(optimizer="adam", batch_size=4, seed=3)
    budgets = dict(checkpoint_budget=0, trajectory_budget=0)  # room for iteration 0's alone
    tr = Trainer(spec, cfg, data, **budgets)
    tr.run(iterations=37)
    path = tmp_path / "run.nnproj"
    save_project(path, project_from_trainer(tr, data_spec))
    back = trainer_from_project(load_project(path), **budgets)
    assert back.iteration == 37 and back.checkpoint_iterations == [0]
    assert back._checkpoints[0].params is back.initial_params
    assert back._traj_stride == NEVER and len(back._traj) <= 1
    back.run(iterations=20)
    assert back.checkpoint_iterations == [0] and len(back._traj) <= 1
    tr.run(iterations=20)
    np.testing.assert_array_equal(back.network.params, tr.network.params)
    back.rewind(45)  # replayed from iteration 0, exactly
    ref = Trainer(spec, cfg, data)
    ref.run(iterations=45)
    np.testing.assert_array_equal(back.network.params, ref.network.params)


def test_a_chosen_sample_outside_the_batch_shows_its_own_numbers():
    spec, cfg, data = _phase_setup()
    tr = Trainer(spec, cfg, data)
    batch = set(int(i) for i in tr.perm[:cfg.batch_size])
    chosen = next(i for i in range(tr.n_train) if i not in batch)
    ref = Trainer(spec, cfg, data)
    fwd = tr.step_phase(chosen)
    assert fwd.sample == chosen and not fwd.in_batch
    # its own forward pass, by hand
    inputs = [data.X_train[chosen], *fwd.a[:-1]]
    for layer, a_prev, z in zip(tr.network.layers, inputs, fwd.z):
        np.testing.assert_allclose(z, a_prev @ layer.W + layer.b, rtol=1e-12)
    np.testing.assert_allclose(fwd.a[0], 1 / (1 + np.exp(-fwd.z[0])), rtol=1e-12)  # sigmoid, no dropout
    np.testing.assert_allclose(fwd.a[1], np.tanh(fwd.z[1]), rtol=1e-12)
    tr.step_phase(chosen)
    back = tr.step_phase(chosen)
    # δ of the output for BCE from the logit: ŷ − y
    np.testing.assert_allclose(back.delta[-1], fwd.output - data.y_train[chosen], rtol=1e-12)
    tr.step_phase(chosen)
    ref.step()
    np.testing.assert_array_equal(tr.network.params, ref.network.params)  # the batch's update, untouched
