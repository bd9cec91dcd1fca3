"""The trainer's fast path computes exactly what its general path computes.

``Trainer.run`` trains through :class:`~nnstudio.core.train_step.TrainStep` (buffers
allocated once) and an inlined loop for the iterations that need no record; the
inspector's phase-by-phase steps go through the allocating ``Network.forward`` /
``loss.value_and_grad`` / ``backward``. Rewinding, the timeline and the inspector rely on
both giving the same bits, so these tests compare them with ``array_equal``, not with a
tolerance, and check that what the records say equals what is recomputed from the arrays.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.core.losses import get_loss
from nnstudio.core.network import Network
from nnstudio.core.optimizers import make_optimizer
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def make_data(task: str, n: int, d: int = 3, k: int = 3, seed: int = 0) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + 9, d))
    if task == "regression":
        y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    elif task == "binary":
        y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    else:
        y = rng.integers(0, k, n + 9)
    return SimpleNamespace(X_train=X[:n], y_train=y[:n], X_val=X[n:], y_val=y[n:], task=task,
                           n_classes=k if task == "multiclass" else (2 if task == "binary" else 0))


CASES = [
    # task, hidden layers, optimizer, dtype, batch mode, batch size, l2
    ("binary", (("tanh", 4, 0.0), ("tanh", 2, 0.0)), "sgd", "float64", "minibatch", 10, 0.0),
    ("binary", (("relu", 6, 0.0), ("sigmoid", 3, 0.0)), "adam", "float32", "minibatch", 7, 0.0),
    ("binary", (("tanh", 5, 0.3), ("elu", 4, 0.2)), "momentum", "float64", "minibatch", 8, 1e-3),
    ("multiclass", (("relu", 8, 0.0), ("relu", 5, 0.0)), "sgd", "float32", "minibatch", 16, 0.0),
    ("multiclass", (("leaky_relu", 6, 0.0),), "nesterov", "float64", "sgd", 1, 0.0),
    ("multiclass", (("gelu", 5, 0.0), ("tanh", 4, 0.1)), "rmsprop", "float64", "minibatch", 9, 0.0),
    ("regression", (("tanh", 6, 0.0), ("relu", 3, 0.0)), "sgd", "float64", "minibatch", 12, 0.0),
    ("regression", (("swish", 5, 0.0),), "adagrad", "float32", "full", 0, 0.0),
    ("binary", (("softplus", 4, 0.0),), "adamw", "float64", "minibatch", 13, 0.0),
]


def setup(case, loss: str | None = None):
    task, hidden, opt, dtype, mode, batch, l2 = case
    layers = tuple(LayerSpec(units, act, "he_uniform" if "relu" in act else "glorot_uniform", dropout=p)
                   for act, units, p in hidden)
    spec = NetworkSpec(3, layers, task, n_outputs=3 if task == "multiclass" else 1, loss=loss)
    cfg = TrainConfig(optimizer=opt, learning_rate=0.05, batch_mode=mode, batch_size=max(batch, 1),
                      dtype=dtype, l2=l2, seed=11)
    return spec, cfg, make_data(task, 61)


def by_phases(tr: Trainer, iterations: int) -> None:
    """The general path: every iteration stepped phase by phase (allocating arrays)."""
    for _ in range(iterations):
        while tr.step_phase().phase != "update":
            pass


def assert_same_run(a: Trainer, b: Trainer) -> None:
    assert (a.iteration, a.epoch, a.pos, a.stopped) == (b.iteration, b.epoch, b.pos, b.stopped)
    assert a.network.params.tobytes() == b.network.params.tobytes()
    sa, sb = a.optimizer.get_state(), b.optimizer.get_state()
    assert sa.keys() == sb.keys()
    for k in sa:
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k, strict=True)
    for name in ("iterations", "epochs", "layers"):
        np.testing.assert_array_equal(getattr(a.history, name).array(), getattr(b.history, name).array(),
                                      err_msg=name, strict=True)
    assert (a._epoch_loss_sum, a._epoch_batches, a._epoch_correct, a._epoch_seen, a._epoch_ssr) == \
           (b._epoch_loss_sum, b._epoch_batches, b._epoch_correct, b._epoch_seen, b._epoch_ssr)
    assert str(a.dropout_rng.bit_generator.state) == str(b.dropout_rng.bit_generator.state)


def assert_both_paths_stop_alike(spec, cfg, data, iterations: int) -> None:
    """A diverging run stops at the same iteration, for the same reason, with the same
    last finite weights, whether run fast or stepped one iteration at a time."""
    fast, slow = Trainer(spec, cfg, data), Trainer(spec, cfg, data)
    fast.run(iterations=iterations)
    for _ in range(iterations):
        if slow.stopped:
            break
        slow.step()
    assert fast.stopped and fast.stopped == slow.stopped
    assert fast.stop_info == slow.stop_info
    assert np.all(np.isfinite(fast.network.params))
    assert_same_run(fast, slow)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[2]}-{c[3]}-{c[4]}")
def test_the_fast_run_equals_the_phase_by_phase_run_bit_for_bit(case):
    spec, cfg, data = setup(case)
    fast, slow = Trainer(spec, cfg, data), Trainer(spec, cfg, data)
    n = 300
    fast.run(iterations=n)
    by_phases(slow, n)
    assert_same_run(fast, slow)
    # and the two go on alike after a mixture of both (the fast path's buffers carry
    # nothing from one iteration to the next)
    fast.step()
    fast.run(iterations=37)
    slow.run(iterations=38)
    assert_same_run(fast, slow)


def test_the_fast_run_keeps_its_records_where_the_general_path_would():
    # long enough for the layer log to thin (stride > 1) and for many checkpoints
    spec, cfg, data = setup(CASES[0])
    fast, slow = Trainer(spec, cfg, data), Trainer(spec, cfg, data)
    fast.history.layers = type(fast.history.layers)(fast.history.layers.columns, 64, reduce="sample")
    slow.history.layers = type(slow.history.layers)(slow.history.layers.columns, 64, reduce="sample")
    fast.run(iterations=700)
    for _ in range(700):
        slow.step()
    assert slow.history.layers.stride > 1
    assert_same_run(fast, slow)
    assert fast.checkpoint_iterations == slow.checkpoint_iterations
    np.testing.assert_array_equal(fast.trajectory_array()[1], slow.trajectory_array()[1])


@pytest.mark.parametrize("lr", [1e3, 1e150, 1e306])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_divergence_stops_the_fast_run_where_the_general_path_stops(lr, optimizer):
    spec, cfg, data = setup(CASES[6])
    cfg = cfg.replace(learning_rate=lr, optimizer=optimizer)
    assert_both_paths_stop_alike(spec, cfg, data, 200)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[2]}-{c[3]}-{c[4]}")
def test_a_train_step_equals_forward_loss_backward_bit_for_bit(case):
    spec, cfg, data = setup(case)
    a = Network(spec, 3, cfg.dtype)
    b = Network(spec, 3, cfg.dtype)
    rng = np.random.default_rng(5)
    y_all = data.y_train.astype(cfg.dtype).reshape(-1, 1) if spec.task != "multiclass" else data.y_train
    for n in (1, 7, 7, 20, 7):
        idx = rng.choice(len(data.X_train), n, replace=False)
        X, y = data.X_train[idx].astype(cfg.dtype), y_all[idx]
        drop_a, drop_b = np.random.default_rng(n), np.random.default_rng(n)
        loss_a, step = a.train_step(X, y, drop_a)
        z = b.forward(X, True, drop_b)
        loss_b, dz = b.loss.value_and_grad(z, y)
        b.backward(dz)
        assert loss_a == loss_b
        assert a.grads.tobytes() == b.grads.tobytes()
        for la, lb, d in zip(a.layers, b.layers, step.delta):
            np.testing.assert_array_equal(la.z, lb.z, strict=True)
            np.testing.assert_array_equal(la.out, lb.out, strict=True)
            np.testing.assert_array_equal(d, lb.delta, strict=True)
        a.params -= 0.1 * a.grads  # move on together
        b.params -= 0.1 * b.grads


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("key", ["bce", "cce", "mse", "mae", "huber"])
def test_the_loss_into_buffers_equals_the_allocating_loss_bit_for_bit(key, dtype):
    rng = np.random.default_rng(0)
    loss = get_loss(key, 0.7)
    # cce: a row maximum from a transposed copy from 32 rows and up to 32 classes
    for n, k in ((1, 4), (5, 4), (33, 4), (128, 10), (128, 2), (257, 33)):
        k = k if key == "cce" else 1
        z = (rng.normal(size=(n, k)) * 30).astype(dtype)
        if key == "cce":
            y = rng.integers(0, k, n)
        elif key == "bce":
            y = rng.integers(0, 2, (n, 1)).astype(dtype)
        else:
            y = rng.normal(size=(n, 1)).astype(dtype)
        value, grad = loss.value_and_grad(z, y)
        g = np.empty_like(z)
        assert loss.value_and_grad_into(z, y, g, loss.workspace(n, k, np.dtype(dtype))) == value
        np.testing.assert_array_equal(g, grad, strict=True)


def reference_update(key: str, p, g, s: dict, t: int, lr: float) -> None:
    """The optimizers' formulas written as plain expressions (what the in-place
    kernels must reproduce bit for bit)."""
    if key == "sgd":
        p -= lr * g
    elif key in ("momentum", "nesterov"):
        v = s["velocity"]
        v *= 0.9
        v += g
        p -= lr * v if key == "momentum" else lr * (g + 0.9 * v)
    elif key == "adagrad":
        s["sum_sq"] += g * g
        p -= lr * g / (np.sqrt(s["sum_sq"]) + 1e-10)
    elif key == "rmsprop":
        sq = s["square_avg"]
        sq *= 0.99
        sq += (1.0 - 0.99) * (g * g)
        p -= lr * g / (np.sqrt(sq) + 1e-8)
    else:
        if key == "adamw":
            p *= 1.0 - lr * 0.01
        m, v = s["exp_avg"], s["exp_avg_sq"]
        m *= 0.9
        m += (1.0 - 0.9) * g
        v *= 0.999
        v += (1.0 - 0.999) * (g * g)
        denom = np.sqrt(v)
        denom /= math.sqrt(1.0 - 0.999**t)
        denom += 1e-8
        p -= lr / (1.0 - 0.9**t) * (m / denom)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("key", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"])
def test_the_optimizers_in_place_updates_equal_their_formulas_bit_for_bit(key, dtype):
    rng = np.random.default_rng(1)
    p = rng.normal(size=57).astype(dtype)
    q = p.copy()
    opt = make_optimizer(key, 0.03)
    state = {name: np.zeros_like(p) for name in ("velocity", "sum_sq", "square_avg", "exp_avg", "exp_avg_sq")}
    for t in range(1, 60):
        g = rng.normal(size=57).astype(dtype)
        opt.step(p, g)
        reference_update(key, q, g, state, t, 0.03)
        assert p.tobytes() == q.tobytes(), f"step {t}"


def test_the_records_equal_what_the_arrays_say_on_a_network_large_enough_for_dot_norms():
    # ≥ 65,536 parameters: the norms are one BLAS dot per segment
    spec = NetworkSpec(300, (LayerSpec(256, "relu", "he_uniform"),), "multiclass", n_outputs=4)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(90, 300))
    data = SimpleNamespace(X_train=X, y_train=rng.integers(0, 4, 90), X_val=X[:0], y_val=np.zeros(0, int),
                           task="multiclass", n_classes=4)
    for dtype, rel in (("float64", 1e-12), ("float32", 1e-5)):
        tr = Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=0.01, batch_size=32, dtype=dtype), data)
        assert tr.network.n_params >= Trainer.DOT_NORMS_FROM
        tr.run(iterations=5)
        before = tr.network.params.copy()
        rec = tr.step()
        net = tr.network
        for li, layer in enumerate(net.layers):
            gW64, gb64 = layer.gW.astype(np.float64), layer.gb.astype(np.float64)
            assert rec.grad_norms[li] == pytest.approx(np.linalg.norm(gW64), rel=rel)
            assert rec.bias_grad_norms[li] == pytest.approx(np.linalg.norm(gb64), rel=rel)
            s = net.slices[2 * li]
            moved = layer.W.astype(np.float64) - before[s.start:s.stop].reshape(layer.W.shape)
            assert rec.update_norms[li] == pytest.approx(np.linalg.norm(moved), rel=1e-4 if dtype == "float32" else 1e-9)
            per_sample = layer.delta.astype(np.float64) * len(rec.batch)
            assert rec.delta_rms[li] == pytest.approx(np.sqrt(np.mean(per_sample**2)), rel=rel)
        losses = tr.history.iterations.column("loss")
        assert len(losses) == 6 and losses[-1] == rec.loss
        # the batch loss recorded is the loss of that batch at the weights before its update
        idx = rec.batch
        z = Network(spec, 0, dtype)
        z.set_flat(before)
        assert rec.loss == pytest.approx(z.evaluate(tr.X[idx], tr.y[idx]), rel=rel)


def test_chunked_batches_hold_the_rows_of_the_epoch_order():
    spec, cfg, data = setup(CASES[3])
    tr = Trainer(spec, cfg, data)
    tr.CHUNK_BYTES = 3 * 16 * tr.X[:1].nbytes  # three batches per gather: several gathers per epoch
    seen = []
    for pos in range(0, tr.n_train, tr._b):
        idx, Xb, yb = tr._batch(pos)
        np.testing.assert_array_equal(Xb, tr.X[tr.perm[pos:pos + tr._b]], strict=True)
        np.testing.assert_array_equal(yb, tr._yt[tr.perm[pos:pos + tr._b]], strict=True)
        np.testing.assert_array_equal(idx, tr.perm[pos:pos + tr._b])
        seen.extend(idx.tolist())
    assert sorted(seen) == list(range(tr.n_train))
    # a new order (a new epoch, a rewind) is gathered anew
    tr.perm = tr.perm[::-1].copy()
    np.testing.assert_array_equal(tr._batch(0)[1], tr.X[tr.perm[:tr._b]])


def large_case(dtype: str, lr: float = 0.01, optimizer: str = "sgd", task: str = "multiclass"):
    """A network of ≥ 65,536 parameters (its Σg² is a sum over segments, and the plain
    path's SGD scales g in place), on data whose epochs end every few batches."""
    k = 4 if task == "multiclass" else 1
    spec = NetworkSpec(300, (LayerSpec(200, "relu", "he_uniform"), LayerSpec(30, "tanh")), task, n_outputs=k)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(100, 300))
    y = rng.integers(0, k, 100) if task == "multiclass" else X[:, 0] - X[:, 1]
    data = SimpleNamespace(X_train=X, y_train=y, X_val=X[:0], y_val=y[:0], task=task,
                           n_classes=k if task == "multiclass" else 0)
    cfg = TrainConfig(optimizer=optimizer, learning_rate=lr, batch_size=32, dtype=dtype, seed=4)
    return spec, cfg, data


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_large_network_runs_fast_exactly_as_phase_by_phase(dtype):
    spec, cfg, data = large_case(dtype)
    fast, slow = Trainer(spec, cfg, data), Trainer(spec, cfg, data)
    assert fast.network.n_params >= Trainer.DOT_NORMS_FROM
    fast.run(iterations=90)
    by_phases(slow, 90)
    assert_same_run(fast, slow)
    # the plain steps scale g in place; what a run leaves in the gradients is its last
    # iteration's ∂L/∂θ, as the phase-by-phase path leaves it
    assert fast.network.grads.tobytes() == slow.network.grads.tobytes()
    np.testing.assert_array_equal(fast.history.layers.array(), slow.history.layers.array(), strict=True)


@pytest.mark.parametrize("lr", [30.0, 1e20, 1e36, 1e300])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_large_network_diverging_stops_where_the_general_path_stops(lr, dtype):
    spec, cfg, data = large_case(dtype, lr=lr, task="regression")
    assert_both_paths_stop_alike(spec, cfg, data, 120)


@pytest.mark.parametrize("margin, checked_steps", [(1.0001, 5), (1e6, 1)])
def test_the_plain_path_checks_the_step_once_the_carried_bound_nears_the_limit(margin, checked_steps):
    # instead of a dot of p at every step, the plain path carries a bound of ‖p‖
    # (‖p − η·g‖ ≤ ‖p‖ + η‖g‖); a step whose bound passes the overflow limit must go
    # through the optimizer's own step with a copy of the weights and a check after it
    # (a safe step is inlined). The last of the five is the general path's, always.
    spec, cfg, data = large_case("float32")
    rng = np.random.default_rng(1)
    data.X_train = rng.normal(size=(1000, 300))
    data.y_train = rng.integers(0, 4, 1000)
    tr = Trainer(spec, cfg, data)
    tr.run(iterations=2)
    p = tr.network.params.astype(np.float64)
    tr._pp_limit = float(p @ p) * margin ** 2
    calls = []
    step = tr.optimizer.step
    tr.optimizer.step = lambda p, g: (calls.append(1), step(p, g))
    with np.errstate(all="ignore"):
        tr._run_plain(5)
    assert tr.iteration == 7 and not tr.stopped
    assert len(calls) == checked_steps


# epochs of whole batches (60 samples in batches of 10, 12 and 20, mostly ending off the
# checkpoint grid of 16 iterations), so the plain path ends
# them itself: rates that change per epoch, early stopping (restoring the best weights)
# and a target reached, which all happen where an epoch ends
EPOCH_END_CASES = [
    (CASES[0], dict(batch_size=10, schedule="step", decay_rate=0.5, decay_epochs=2)),
    (CASES[1], dict(batch_size=12, schedule="exponential", decay_rate=0.9)),
    (CASES[3], dict(batch_size=12, early_stopping="patience", patience=2, restore_best=True)),
    (CASES[6], dict(batch_size=20, early_stopping="patience", patience=3, restore_best=False, min_delta=1e-3)),
    (CASES[0], dict(batch_size=10, early_stopping="target", target_metric="accuracy", target_value=0.7)),
    (CASES[5], dict(batch_size=20, early_stopping="target", target_metric="loss", target_value=1.06)),
]


@pytest.mark.parametrize("case, settings", EPOCH_END_CASES, ids=lambda c: str(c) if isinstance(c, dict) else c[2])
def test_epochs_of_whole_batches_end_in_the_fast_run_as_phase_by_phase(case, settings):
    spec, cfg, _ = setup(case)
    cfg = cfg.replace(**settings)
    data = make_data(case[0], 60)
    fast, slow = Trainer(spec, cfg, data), Trainer(spec, cfg, data)
    fast.run(iterations=600)
    for _ in range(600):
        if slow.stopped:
            break
        slow.step()
    assert fast.epoch >= 2
    assert_same_run(fast, slow)
    assert fast.stop_info == slow.stop_info
    assert fast.optimizer.lr == slow.optimizer.lr
    assert fast.checkpoint_iterations == slow.checkpoint_iterations
    np.testing.assert_array_equal(fast.trajectory_array()[0], slow.trajectory_array()[0])
    np.testing.assert_array_equal(fast.trajectory_array()[1], slow.trajectory_array()[1])
