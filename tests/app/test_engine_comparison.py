"""The engine's side of a comparison, without a window: run B served over a pipe (by a
thread here, by a process in the app), driven in lockstep by :class:`EngineComparison`
and by the :class:`EngineLoop`'s commands. Checked against a headless Comparison."""
from __future__ import annotations

import multiprocessing
import threading

import numpy as np
import pytest

from nnstudio.app.document import default_state
from nnstudio.app.engine_comparison import EngineComparison
from nnstudio.app.engine_process import MAX_SPEED, EngineLoop
from nnstudio.app.remote_run import RemoteRun, RunLostError
from nnstudio.app.run_server import RunServer
from nnstudio.core.comparison import Comparison
from nnstudio.core.data import prepare
from nnstudio.core.errors import NNStudioError
from nnstudio.core.trainer import Trainer


def served():
    """A pipe whose far end a RunServer serves on a thread; (our end, thread)."""
    ours, theirs = multiprocessing.Pipe()
    thread = threading.Thread(target=RunServer(theirs).serve, daemon=True)
    thread.start()
    return ours, thread


def trainer() -> Trainer:
    st = default_state()
    return Trainer(st.network, st.config, prepare(st.data))


def reference(changes: str, iterations: int) -> Comparison:
    cmp = Comparison.fork(trainer(), changes)
    cmp.run(iterations=iterations)
    return cmp


def test_slices_in_parallel_equal_a_headless_comparison():
    conn, thread = served()
    ec = EngineComparison(trainer(), conn, "lr=0.3 optimizer=sgd")
    for n in (1, 7, 40, 3):
        ec.run_slice(n)
    ref = reference("lr=0.3 optimizer=sgd", 51)
    b = ec.remote.fetch()
    assert ec.a.iteration == b.iteration == 51 == ec.remote.iteration
    np.testing.assert_array_equal(ec.a.network.get_flat(), ref.a.network.get_flat())
    np.testing.assert_array_equal(b.network.get_flat(), ref.b.network.get_flat())
    np.testing.assert_array_equal(b.history.iterations.array(), ref.b.history.iterations.array())
    ec.close()
    thread.join(5)
    assert not thread.is_alive()


def test_a_whole_step_ends_both_runs_at_the_update_with_the_same_sample():
    conn, _ = served()
    ec = EngineComparison(trainer(), conn, "activation=relu")
    pa = ec.step("phase", 3)
    assert pa.phase == "forward" and ec.phase_b.phase == "forward"
    pa = ec.step("step", 3)
    assert pa.phase == "update" and ec.phase_b.phase == "update"
    assert ec.a.iteration == ec.remote.iteration == 1
    assert pa.sample == ec.phase_b.sample
    ec.close()


def test_a_run_that_diverges_alone_is_reported_once_and_the_other_goes_on():
    conn, _ = served()
    ec = EngineComparison(trainer(), conn, "lr=1e6 optimizer=sgd")
    for _ in range(20):
        ec.run_slice(25)
    assert ec.remote.stopped and not ec.a.stopped
    stops = ec.new_stops()
    assert len(stops) == 1 and stops[0][0] == "warning" and stops[0][1].startswith("B: η = 10⁶, Gradient descent (SGD) instead of Adam: the loss exploded")
    assert ec.new_stops() == []
    assert ec.a.iteration == 500 and not ec.stopped
    ec.close()


def test_bad_requests_are_refused_and_the_run_stays_served():
    conn, _ = served()
    remote = RemoteRun(conn, trainer())
    with pytest.raises(NNStudioError, match="cannot do"):
        remote._ask("method", "__class__", ())
    with pytest.raises(NNStudioError, match="unknown request"):
        remote._ask("format_disk")
    remote.run(iterations=5)
    assert remote.iteration == 5
    remote.close()


def test_a_lost_run_b_ends_the_comparison_with_a_message():
    events: list[tuple] = []
    loop = EngineLoop(lambda *e: events.append(e), lambda _t: None, max_fps=1000)
    st = default_state()
    loop.execute("load", st.network, st.config, prepare(st.data), None, 1)
    ours, theirs = multiprocessing.Pipe()
    thread = threading.Thread(target=RunServer(theirs).serve, daemon=True)
    thread.start()
    loop.execute("compare", 7, ours, "lr=0.3", None, "", "", 0)
    assert ("comparison", "B: η = 0.3", loop.comparison.note) in events
    assert [e for e in events if e[0] == "result"][-1][2] == "ok"
    loop.comparison.remote._ask("quit")  # B's server ends and its process goes: the next request finds it gone
    thread.join(5)
    theirs.close()
    loop.speed = MAX_SPEED
    loop.execute("play")
    try:
        loop._play_slice()
    except RunLostError as exc:
        loop._report(exc)
    assert loop.comparison is None
    assert ("comparison", None, None) in events
    assert any(e[0] == "message" and "Run B stopped unexpectedly" in e[2] for e in events)


def test_playing_lets_the_runs_drift_a_few_slices_and_a_pause_brings_both_to_the_same_iteration():
    conn, _ = served()
    ec = EngineComparison(trainer(), conn, "lr=0.3 optimizer=sgd")
    for _ in range(30):
        ec.play_slice(17)
        ec.remote.collect()
        assert -2 * 17 <= ec.a.iteration - ec.remote.iteration <= 4 * 17  # a few slices apart at most
    ec.sync()
    n = ec.a.iteration
    assert n == ec.remote.iteration and 30 * 17 <= n <= 32 * 17
    ref = reference("lr=0.3 optimizer=sgd", n)
    np.testing.assert_array_equal(ec.remote.fetch().network.get_flat(), ref.b.network.get_flat())
    np.testing.assert_array_equal(ec.a.network.get_flat(), ref.a.network.get_flat())
    ec.close()


def late_loop(iterations: int = 2000) -> tuple[EngineLoop, list[tuple]]:
    """An engine loop whose run has trained ``iterations`` iterations; its events."""
    events: list[tuple] = []
    loop = EngineLoop(lambda *e: events.append(e), lambda _t: None, max_fps=1000)
    st = default_state()
    loop.execute("load", st.network, st.config, prepare(st.data), None, 1)
    loop.trainer.run(iterations=iterations)
    return loop, events


def run_state(t: Trainer) -> tuple:
    """Everything of a run that making or cancelling B must leave alone, as bytes."""
    opt = t.optimizer.get_state()
    return (t.iteration, t.epoch, t.pos, t.perm.tobytes(), t.network.params.tobytes(),
            t.history.iterations.array().tobytes(), t.history.layers.array().tobytes(),
            t.history.epochs.array().tobytes(), t.trajectory_array()[1].tobytes(),
            opt["step"], [opt[n].tobytes() for n in t.optimizer.state_names if n in opt],
            repr(t.shuffle_rng.bit_generator.state), repr(t.dropout_rng.bit_generator.state))


def test_making_a_run_b_with_its_own_weights_late_in_a_run_says_how_far_it_is(monkeypatch):
    import nnstudio.core.comparison as comparison

    monkeypatch.setattr(comparison, "PROGRESS_SECONDS", 0.0)
    loop, events = late_loop()
    conn, thread = served()
    loop.execute("compare", 7, conn, "hidden=5,3", None, "", "", 0)
    assert loop.making is not None and loop.comparison is None  # made a slice at a time, between commands
    assert not [e for e in events if e[0] == "result"]
    slices = 0
    while loop.making is not None:
        loop._making_step()
        slices += 1
    progress = [e[1:] for e in events if e[0] == "making_b"]
    assert progress[0] == (0, 2000) and len(progress) >= 2 and slices >= 2
    assert all(total == 2000 for _, total in progress) and progress[-1][0] < 2000
    assert [e for e in events if e[0] == "result"][-1][2] == "ok"
    assert loop.comparison.remote.iteration == loop.trainer.iteration == 2000
    loop._end_comparison()
    thread.join(5)


def test_cancelling_the_making_of_run_b_leaves_run_a_as_it_was_and_no_run_b():
    loop, events = late_loop(3000)
    before = run_state(loop.trainer)
    conn, thread = served()
    loop.execute("compare", 7, conn, "hidden=6,4", None, "", "", 0)
    loop._making_step()
    assert loop.making is not None
    # what would move run A, or needs B, is refused while B is being made; reading is not
    for command in (("play",), ("step",), ("phase",), ("epoch",), ("rewind", 10), ("reset",)):
        loop.execute(*command)
    refused = [e for e in events if e[0] == "message"]
    assert len(refused) == 6 and all(e[1:] == ("warning", "Run B is still being made: wait until it is ready, "
                                                          "or cancel it (Esc).") for e in refused)
    assert not loop.playing
    loop.execute("close_b", 8)
    assert [e[:3] for e in events if e[0] == "result"] == [("result", 8, "error")]
    loop.execute("state_now", 9)
    saved = [e for e in events if e[0] == "result" and e[1] == 9][0]
    assert saved[2] == "ok" and saved[3][0].comparison is None and saved[3][0].trainer_state.iteration == 3000
    loop.execute("cancel_b")
    answer = [e for e in events if e[0] == "result" and e[1] == 7]
    assert len(answer) == 1 and answer[0][2] == "error"
    assert str(answer[0][3]) == "Making run B was cancelled; run A is as it was."
    assert loop.making is None and loop.comparison is None
    thread.join(5)  # B's server saw its pipe close and ended
    assert not thread.is_alive()
    assert run_state(loop.trainer) == before
    loop.execute("cancel_b")  # nothing left to cancel: nothing happens
    loop.execute("step")  # run A alone moves again
    assert loop.trainer.iteration == 3001


def test_opening_another_run_or_quitting_while_run_b_is_made_cancels_it():
    loop, events = late_loop(3000)
    conn, thread = served()
    loop.execute("compare", 7, conn, "seed=9", None, "", "", 0)
    st = default_state()
    loop.execute("load", st.network, st.config, prepare(st.data), None, 2)
    assert loop.making is None and loop.trainer.iteration == 0
    answers = [e for e in events if e[0] == "result"]
    assert [e[2] for e in answers] == ["error"]
    assert str(answers[0][3]) == "Making run B was cancelled: the run it was made from was replaced."
    thread.join(5)
    loop.trainer.run(iterations=3000)
    conn, thread = served()
    loop.execute("compare", 8, conn, "seed=9", None, "", "", 0)
    loop.execute("quit")
    loop.run()
    assert [e[2] for e in events if e[0] == "result"] == ["error", "error"] and events[-1] == ("finished",)
    thread.join(5)
    assert not thread.is_alive()


def test_a_run_b_made_a_slice_at_a_time_is_bit_for_bit_the_one_call_result():
    loop, events = late_loop(2500)
    conn, thread = served()
    loop.execute("compare", 7, conn, "hidden=5,3 lr=0.2", None, "", "", 0)
    while loop.making is not None:
        loop._making_step()
    b = loop.comparison.remote.fetch()
    st = default_state()
    one = Trainer(b.spec, b.config, prepare(st.data))
    one.run(iterations=2500)  # the run B is, trained in one call
    assert b.network.params.tobytes() == one.network.params.tobytes()
    np.testing.assert_array_equal(b.history.iterations.array(), one.history.iterations.array())
    loop._end_comparison()
    thread.join(5)