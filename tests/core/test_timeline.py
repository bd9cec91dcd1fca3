"""The timeline: changes made while training are replayed at their moments, so rewinding
is exact in both directions, and the abandoned future is kept until training goes on."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import SpecError
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def make_data(n: int = 30, seed: int = 0, shift: float = 0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + 8, 2)) + shift
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return SimpleNamespace(X_train=X[:n], y_train=y[:n], X_val=X[n:], y_val=y[n:], task="binary", n_classes=2)


SPEC = NetworkSpec(n_inputs=2, hidden=(LayerSpec(5, "tanh", dropout=0.2), LayerSpec(3, "relu", "he_uniform")),
                   task="binary")
CFG = TrainConfig(optimizer="adam", learning_rate=0.02, batch_mode="minibatch", batch_size=4, l2=1e-3, seed=7)


def state(tr: Trainer) -> tuple:
    """Everything that decides the run's future, as comparable values."""
    return (tr.iteration, tr.epoch, tr.pos, tr.network.get_flat().tobytes(), tr.config,
            tuple(sorted((k, v.tobytes() if isinstance(v, np.ndarray) else v)
                         for k, v in tr.optimizer.get_state().items())),
            tr.perm.tobytes(), str(tr.shuffle_rng.bit_generator.state), str(tr.dropout_rng.bit_generator.state),
            tr.stopped, id(tr.data))


def test_rewinding_across_a_learning_rate_change_uses_the_rate_of_the_time():
    tr = Trainer(SPEC, CFG, make_data())
    tr.run(iterations=60)
    tr.set_config(CFG.replace(learning_rate=0.3))
    tr.run(iterations=20)
    tr.rewind(50)
    ref = Trainer(SPEC, CFG, make_data())
    ref.run(iterations=50)
    assert tr.config.learning_rate == 0.02
    np.testing.assert_array_equal(tr.network.params, ref.network.params)
    lr = tr.history.iterations.array()
    assert np.all(lr[lr[:, 0] <= 50, 2] == 0.02)  # the history shows the rate used then


def test_a_weight_typed_in_survives_a_rewind_past_it():
    data = make_data()
    tr = Trainer(SPEC, CFG, data)
    tr.run(iterations=20)
    tr.set_weights([3], [1.5])
    tr.run(iterations=20)
    tr.rewind(25)
    ref = Trainer(SPEC, CFG, data)
    ref.run(iterations=20)
    ref.network.params[3] = 1.5
    ref.run(iterations=5)
    assert state(tr)[:4] == state(ref)[:4]
    tr.rewind(20)  # the edit was made at iteration 20: the state there includes it
    assert tr.network.params[3] == 1.5


def test_a_change_made_in_the_middle_of_a_phase_stepped_iteration_replays_there():
    data = make_data()
    tr = Trainer(SPEC, CFG, data)
    tr.run(iterations=33)
    tr.step_phase()
    tr.step_phase()  # forward and loss of iteration 34 shown; the batch is drawn
    tr.set_config(CFG.replace(learning_rate=0.5, batch_size=7))
    tr.step_phase()
    tr.step_phase()  # backward and update with the new rate
    tr.run(iterations=6)
    want = state(tr)
    tr.rewind(20)
    tr.rewind(40)  # from the checkpoint at 32, through the change
    assert state(tr) == want


def test_a_data_change_is_replayed_with_the_data_of_the_time():
    old, new = make_data(), make_data(n=26, seed=3, shift=0.5)
    tr = Trainer(SPEC, CFG, old)
    tr.run(iterations=15)
    tr.set_data(new, recipe="painted")
    tr.run(iterations=15)
    want = state(tr)
    tr.rewind(10)
    assert tr.data is old and tr.n_train == 30
    tr.rewind(30)
    assert tr.data is new and state(tr) == want
    assert [c.recipe for c in tr.timeline if c.kind == "data"] == ["painted"]


def test_dropout_checkpoints_taken_while_stepping_phases_replay_exactly():
    data = make_data()
    tr = Trainer(SPEC, CFG, data)
    tr.run(iterations=15)
    for _ in range(4):  # iteration 16 ends on a checkpoint, inside the phase generator
        tr.step_phase()
    tr.run(iterations=10)
    want = state(tr)
    tr.rewind(17)
    tr.rewind(26)
    assert state(tr) == want


def test_the_kept_future_goes_when_training_goes_on_or_a_change_is_made():
    tr = Trainer(SPEC, CFG, make_data())
    tr.run(iterations=40)
    tr.rewind(10)
    assert tr.furthest_iteration == 40
    tr.set_config(CFG.replace(learning_rate=0.1))  # a change in the past starts a new future
    assert tr.furthest_iteration == 10 and len(tr.timeline) == 1
    with pytest.raises(SpecError, match="between 0 and 10"):
        tr.rewind(11)
    tr.run(iterations=5)
    tr.rewind(12)
    tr.step_phase()
    assert tr.furthest_iteration == 12


def test_rewind_over_an_early_stop_that_a_new_rule_lifted():
    cfg = CFG.replace(early_stopping="patience", patience=1, min_delta=10.0)
    tr = Trainer(SPEC, cfg, make_data())
    tr.run(epochs=5)
    assert tr.stopped
    stop_at = tr.iteration
    tr.set_config(cfg.replace(early_stopping="off"))
    tr.run(iterations=12)
    want = state(tr)
    tr.rewind(stop_at)
    assert tr.stopped is None  # the rule was lifted at that very iteration
    tr.rewind(stop_at + 12)
    assert state(tr) == want


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("run"), st.integers(1, 9)),
        st.tuples(st.just("phase"), st.integers(1, 3)),
        st.tuples(st.just("lr"), st.sampled_from([0.005, 0.05, 0.2])),
        st.tuples(st.just("batch"), st.sampled_from([1, 3, 8])),
        st.tuples(st.just("optimizer"), st.sampled_from(["sgd", "momentum", "adam"])),
        st.tuples(st.just("weight"), st.integers(0, 20)),
        st.tuples(st.just("data"), st.integers(0, 2)),
        st.tuples(st.just("rewind"), st.floats(0, 1)),
    ),
    min_size=1, max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS, st.lists(st.floats(0, 1), min_size=1, max_size=4))
def test_any_history_of_changes_rewinds_exactly(actions, targets):
    datasets = [make_data(), make_data(n=22, seed=5, shift=0.3), make_data(n=35, seed=9)]
    tr = Trainer(SPEC, CFG, datasets[0])
    seen: dict[int, tuple] = {0: state(tr)}  # the state after all changes made at each iteration
    for kind, arg in actions:
        forks = kind != "rewind" and tr._future_end is not None
        at = tr.iteration
        if kind == "run":
            tr.run(iterations=arg)
        elif kind == "phase":
            for _ in range(arg):
                tr.step_phase()
        elif kind == "lr":
            tr.set_config(tr.config.replace(learning_rate=arg))
        elif kind == "batch":
            tr.set_config(tr.config.replace(batch_size=arg))
        elif kind == "optimizer":
            tr.set_config(tr.config.replace(optimizer=arg))
        elif kind == "weight":
            if tr.phase_in_progress:
                tr.step()
            tr.set_weights([arg], [0.25])
        elif kind == "data":
            tr.set_data(datasets[arg])
        else:
            tr.rewind(int(arg * tr.furthest_iteration))
        # a change or training from a rewound point drops the future it had
        seen = {k: v for k, v in seen.items() if k <= (at if forks else tr.furthest_iteration)}
        if tr.phase_in_progress is None:
            seen[tr.iteration] = state(tr)
    if tr.phase_in_progress:
        tr.step()
        seen[tr.iteration] = state(tr)
    for t in targets:  # every state seen lies on the present line, or its kept future
        k = sorted(seen)[int(t * (len(seen) - 1))]
        tr.rewind(k)
        assert state(tr) == seen[k], f"rewind to {k}"


def test_a_copy_is_independent_shares_the_data_and_rewinds_like_the_original():
    data = make_data()
    tr = Trainer(SPEC, CFG, data, data_recipe=1)
    tr.run(iterations=20)
    tr.set_config(CFG.replace(learning_rate=0.1))
    tr.run(iterations=3)
    tr.step_phase()
    tr.set_config(CFG.replace(learning_rate=0.2))  # during iteration 24, which the copy drops
    cp = tr.copy()
    assert cp.X is tr.X and cp.data is data and cp.network.params is not tr.network.params
    assert cp.iteration == 23 and cp.phase_in_progress is None and cp.config.learning_rate == 0.2
    want = state(cp)
    tr.run(iterations=5)  # the original goes on; the copy does not move
    assert state(cp)[:4] == want[:4]
    cp.run(iterations=10)
    after = state(cp)
    cp.rewind(23)
    assert state(cp)[:5] == want[:5]
    cp.rewind(33)
    assert state(cp) == after


def test_evaluating_between_phases_does_not_disturb_the_iteration():
    data = make_data()
    tr, ref = Trainer(SPEC, CFG, data), Trainer(SPEC, CFG, data)
    for _ in range(4):
        tr.step_phase()
        tr.evaluate()
        tr.probe()
    ref.step()
    np.testing.assert_array_equal(tr.network.params, ref.network.params)


def _loaded_copy(tr: Trainer) -> Trainer:
    """What reopening a saved run gives: a fresh trainer put at the same state, with the
    saved timeline (done here without a file; the project tests go through one)."""
    start, changes = tr.saveable_timeline()
    other = tr.copy()
    other._checkpoints = [c for c in other._checkpoints if c.iteration == other.iteration][-1:] or \
        [other._capture()]
    other.timeline, other._applied = [], 0
    other.load_timeline(start, changes)
    return other


def test_a_saved_timeline_replays_changes_of_settings_and_weights_from_the_start():
    tr = Trainer(SPEC, CFG, make_data())
    tr.run(iterations=10)
    tr.set_config(CFG.replace(learning_rate=0.2))
    tr.run(iterations=10)
    tr.set_weights([4], [0.5])
    tr.run(iterations=10)
    start, changes = tr.saveable_timeline()
    assert start.iteration == 0 and [c.kind for c in changes] == ["config", "weights"]
    back = _loaded_copy(tr)
    back.rewind(15)
    ref = Trainer(SPEC, CFG, make_data())
    ref.run(iterations=10)
    ref.set_config(CFG.replace(learning_rate=0.2))
    ref.run(iterations=5)
    assert state(back)[:6] == state(ref)[:6]


def test_a_saved_timeline_starts_after_the_last_data_change():
    old, new = make_data(), make_data(n=26, seed=3, shift=0.5)
    tr = Trainer(SPEC, CFG, old)
    tr.run(iterations=12)
    tr.set_data(new)
    tr.set_config(CFG.replace(learning_rate=0.3))  # same iteration, after the data change
    tr.run(iterations=9)
    tr.set_config(CFG.replace(learning_rate=0.05))
    tr.run(iterations=4)
    want_end = state(tr)
    start, changes = tr.saveable_timeline()
    assert start.iteration == 12 and start.config.learning_rate == 0.3
    assert [c.iteration for c in changes] == [21]
    assert tr.saveable_timeline()[0] is start  # cached
    back = _loaded_copy(tr)
    assert back.earliest_iteration == 12
    with pytest.raises(SpecError, match="between 12 and 25"):
        back.rewind(11)
    back.rewind(14)
    back.rewind(25)
    assert state(back)[:10] == want_end[:10]


def _logs(tr: Trainer) -> dict[str, np.ndarray]:
    h = tr.history
    return {"iterations": h.iterations.array(), "epochs": h.epochs.array(), "layers": h.layers.array()}


@pytest.mark.parametrize("back, forward", [(3_000, 20_000), (3_001, 15_003), (0, 19_999), (17_000, 19_000)])
def test_going_back_then_forward_keeps_the_history_and_the_path_of_the_kept_future(back, forward):
    # 20,000 iterations thin the loss log twice (capacity 8192): strides up to 4
    tr = Trainer(SPEC, CFG, make_data())
    tr.run(iterations=20_000)
    logs, stride = _logs(tr), tr.history.iterations.stride
    path_iters, path = tr.trajectory_array()
    tr.rewind(back)
    tr.rewind(forward)
    assert tr.iteration == forward
    ckpt = max(c for c in tr.checkpoint_iterations if c <= forward)
    now = _logs(tr)
    for name, rows in logs.items():
        x = 1 if name == "epochs" else 0  # the epochs log is kept by the iteration they ended at
        # up to the checkpoint the replay started from: the very rows the run had
        np.testing.assert_array_equal(now[name][now[name][:, x] <= ckpt], rows[rows[:, x] <= ckpt], err_msg=name)
        # after it, replayed rows on the same grid up to the present, with no gap
        theirs, ours = rows[(rows[:, x] > ckpt) & (rows[:, x] <= forward)], now[name][now[name][:, x] > ckpt]
        assert len(ours) >= len(theirs) - 1, name
        np.testing.assert_allclose(ours[:len(theirs)], theirs[:len(ours)], rtol=1e-12, err_msg=name)
    x = now["iterations"][:, 0]
    assert x[0] <= stride and np.all(np.diff(x) <= stride)  # no jump in the loss curve
    # the path: every point of the run up to here, the present last
    its, pts = tr.trajectory_array()
    upto = path_iters <= forward
    np.testing.assert_array_equal(its[:-1], path_iters[upto][:len(its) - 1])
    np.testing.assert_array_equal(pts[:-1], path[upto][:len(its) - 1])
    assert its[-1] == forward


def test_back_at_the_furthest_iteration_the_history_is_the_run_s_own_again():
    tr = Trainer(SPEC, CFG, make_data())
    tr.run(iterations=9_000)
    logs = _logs(tr)
    path_iters, path = tr.trajectory_array()
    for target in (100, 4_000, 8_900, 9_000):
        tr.rewind(target)
    for name, rows in _logs(tr).items():
        np.testing.assert_array_equal(rows, logs[name], err_msg=name)
    its, pts = tr.trajectory_array()
    np.testing.assert_array_equal(its, path_iters)
    np.testing.assert_array_equal(pts, path)
    tr.run(iterations=10)  # going on from the frontier: nothing kept any more
    assert tr._kept_logs is None and tr.iteration == 9_010


def test_training_on_from_an_earlier_point_drops_the_kept_future_s_history():
    tr = Trainer(SPEC, CFG, make_data())
    tr.run(iterations=2_000)
    tr.rewind(500)
    tr.run(iterations=10)
    assert tr.furthest_iteration == 510 and tr._kept_logs is None
    x = tr.history.iterations.column("x")
    assert x[-1] == 510 and np.all(np.diff(x) == 1)
