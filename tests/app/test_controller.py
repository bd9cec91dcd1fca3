"""The background trainer, driven through the controller as the window drives it."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.app.controller import MAX_SPEED, TrainingController
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig


@pytest.fixture
def controller(qtbot):
    c = TrainingController()
    yield c
    assert c.shutdown()


@pytest.fixture
def spiral():
    data = prepare(DataSpec(name="spiral", n_samples=300, noise=0.1))
    spec = NetworkSpec(2, (LayerSpec(8, "tanh"), LayerSpec(8, "tanh")), "binary")
    return spec, TrainConfig(optimizer="adam", learning_rate=0.02), data


def wait_for(qtbot, controller, predicate, timeout=5000):
    """Wait until a snapshot handed to the views satisfies ``predicate``."""
    def check():
        controller.flush()
        snap = controller.snapshot
        assert snap is not None and predicate(snap)
    qtbot.waitUntil(check, timeout=timeout)
    return controller.snapshot


def test_step_runs_exactly_one_iteration_and_changes_the_weights(qtbot, controller, spiral):
    controller.load(*spiral)
    snap0 = wait_for(qtbot, controller, lambda s: s.iteration == 0)
    controller.step()
    snap1 = wait_for(qtbot, controller, lambda s: s.iteration == 1)
    assert snap1.iteration == 1
    changed = [not np.array_equal(a, b) for a, b in zip(snap0.weights, snap1.weights)]
    assert all(changed)


def test_play_makes_the_loss_fall_then_pause_freezes(qtbot, controller, spiral):
    controller.load(*spiral)
    first = wait_for(qtbot, controller, lambda s: s.iteration == 0)
    start_loss = first.grid is not None and first.probes.loss
    with qtbot.waitSignal(controller.sigPlaying, timeout=3000):
        controller.play()
    wait_for(qtbot, controller, lambda s: s.epoch >= 30, timeout=20000)
    with qtbot.waitSignal(controller.sigPlaying, timeout=3000):
        controller.pause()
    paused = wait_for(qtbot, controller, lambda s: not s.playing)
    assert paused.train_loss < 0.6 * start_loss
    qtbot.wait(200)
    controller.flush()
    assert controller.snapshot.iteration == paused.iteration  # frozen while paused


def test_phase_steps_go_forward_loss_backward_update(qtbot, controller, spiral):
    controller.load(*spiral)
    wait_for(qtbot, controller, lambda s: s.iteration == 0)
    seen = []
    for expected in ("forward", "loss", "backward", "update"):
        controller.step_phase()
        snap = wait_for(qtbot, controller, lambda s, e=expected: s.phase is not None and s.phase.phase == e)
        seen.append(snap.phase.phase)
    assert seen == ["forward", "loss", "backward", "update"]
    assert controller.snapshot.iteration == 1


def test_divergence_reaches_the_user_as_a_message(qtbot, controller):
    data = prepare(DataSpec(name="line", n_samples=100, noise=0.1))
    spec = NetworkSpec(1, (LayerSpec(8, "relu", "he_normal"),), "regression")
    controller.load(spec, TrainConfig(optimizer="sgd", learning_rate=50.0, batch_mode="full"), data)
    wait_for(qtbot, controller, lambda s: s.iteration == 0)
    with qtbot.waitSignal(controller.sigMessage, timeout=10000,
                          check_params_cb=lambda level, text: "learning rate" in text) as blocker:
        controller.play()
    level, text = blocker.args
    assert level == "warning" and "iteration" in text
    snap = wait_for(qtbot, controller, lambda s: s.stopped is not None)
    assert all(np.all(np.isfinite(w)) for w in snap.weights)


def test_speed_control_runs_about_that_many_iterations(qtbot, controller, spiral):
    controller.load(*spiral)
    wait_for(qtbot, controller, lambda s: s.iteration == 0)
    controller.set_speed(20)
    controller.play()
    qtbot.wait(1000)
    controller.pause()
    snap = wait_for(qtbot, controller, lambda s: not s.playing)
    assert 10 <= snap.iteration <= 30
    controller.set_speed(MAX_SPEED)


def test_shutdown_while_playing_stops_the_thread(qtbot, spiral):
    c = TrainingController()
    c.load(*spiral)
    c.play()
    qtbot.wait(300)
    assert c.shutdown()
    assert not c.thread.isRunning()


def test_shutdown_ends_the_engine_process(qtbot, spiral):
    c = TrainingController()
    c.load(*spiral)
    wait_for(qtbot, c, lambda s: s.iteration == 0)
    assert c.process.is_alive()
    assert c.shutdown()
    assert not c.process.is_alive() and c.process.exitcode == 0


def test_an_engine_that_dies_is_restarted_on_the_last_state_it_sent(qtbot, spiral):
    c = TrainingController()
    try:
        c.load(*spiral)
        c.step()
        c.step()
        wait_for(qtbot, c, lambda s: s.iteration == 2)
        qtbot.waitUntil(lambda: c.saved_state is not None and c.saved_state[0].trainer_state.iteration == 2)
        weights = c.saved_state[0].weights.copy()
        old = c.process
        with qtbot.waitSignal(c.sigEngineRestarted, timeout=10000) as restarted:
            old.kill()
        assert restarted.args == [2]
        assert c.process is not old and c.process.is_alive()
        snap = wait_for(qtbot, c, lambda s: s.iteration == 2)
        np.testing.assert_array_equal(np.concatenate([w.ravel() for w in snap.weights]
                                                     + [b.ravel() for b in snap.biases]), weights)
        c.step()  # the new engine trains on from there
        wait_for(qtbot, c, lambda s: s.iteration == 3)
    finally:
        assert c.shutdown()
    assert not old.is_alive() and not c.process.is_alive()


def test_a_dead_engine_still_leaves_a_state_to_save(qtbot, spiral):
    c = TrainingController()
    try:
        c.load(*spiral)
        c.step()
        wait_for(qtbot, c, lambda s: s.iteration == 1)
        project, token = c.fresh_state(2000)
        assert project.trainer_state.iteration == 1 and c.data_for(token) is spiral[2]
        c._restarts = [float("inf")] * 10  # no restart: the engine stays dead
        with qtbot.waitSignal(c.sigMessage, timeout=10000):
            c.process.kill()
        qtbot.waitUntil(lambda: not c.process.is_alive(), timeout=5000)
        import time
        t0 = time.monotonic()
        project, token = c.fresh_state(500)
        assert time.monotonic() - t0 < 1.0 and project.trainer_state.iteration == 1
    finally:
        c.shutdown()


def test_calls_run_in_the_engine_and_errors_come_back(qtbot, controller, spiral):
    import functools
    import operator

    from nnstudio.core.errors import SpecError

    controller.load(*spiral)
    wait_for(qtbot, controller, lambda s: s.iteration == 0)
    got = {}
    controller.call(operator.attrgetter("iteration"), lambda v: got.update(ok=v))
    controller.call(functools.partial(_raise_spec_error), lambda v: got.update(bad=v), lambda e: got.update(err=e))
    qtbot.waitUntil(lambda: "ok" in got and "err" in got)
    assert got["ok"] == 0 and isinstance(got["err"], SpecError) and "bad" not in got


def _raise_spec_error(trainer):
    from nnstudio.core.errors import SpecError

    raise SpecError("not allowed")
