"""A long rewind in the engine: replayed a slice at a time between commands, on a copy of
the run, saying how far it is; meanwhile the run is read and saved as it stood and what
would change it is refused; Cancel leaves it bit for bit as it was; a rewind that ends
lands where one call of ``Trainer.rewind`` lands."""
from __future__ import annotations

import pytest

from nnstudio.app import engine_rewind
from nnstudio.app.document import default_state
from nnstudio.app.engine_process import REWINDING_BUSY, EngineLoop
from nnstudio.core import timeline
from nnstudio.core.comparison import Comparison
from nnstudio.core.data import prepare
from nnstudio.core.project import project_from_bytes, project_from_trainer, project_to_bytes, trainer_from_project
from nnstudio.core.run_changes import RunChanges
from nnstudio.core.trainer import Trainer
from test_engine_comparison import run_state, served


def reopened_loop(iterations: int) -> tuple[EngineLoop, list[tuple]]:
    """An engine loop on a run of ``iterations`` iterations that was saved and reopened
    (its timeline keeps only its start: a rewind replays from iteration 0); its events."""
    st = default_state()
    data = prepare(st.data)
    run = Trainer(st.network, st.config, data, data_recipe=1)
    run.run(iterations=iterations)
    back = trainer_from_project(project_from_bytes(project_to_bytes(project_from_trainer(run, st.data))), data=data)
    assert back.checkpoint_iterations[0] == 0 and back.replay_length(iterations // 2) == iterations // 2
    events: list[tuple] = []
    loop = EngineLoop(lambda *e: events.append(e), lambda _t: None, max_fps=1000)
    loop.execute("load", st.network, st.config, data, back, 1)
    events.clear()
    return loop, events


@pytest.fixture
def thin_slices(monkeypatch):
    """Slices of 64 iterations, and progress after each."""
    monkeypatch.setattr(timeline, "REWIND_SLICE_SECONDS", 0.0)
    monkeypatch.setattr(engine_rewind, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(engine_rewind, "PROGRESS_SECONDS", 0.0)


def results(events: list[tuple], request_id: int) -> list[tuple]:
    return [e[2:] for e in events if e[0] == "result" and e[1] == request_id]


def test_a_long_rewind_goes_in_slices_says_how_far_and_lands_where_one_call_lands(thin_slices):
    loop, events = reopened_loop(6000)
    one = loop.trainer.copy()
    one.rewind(3000)
    loop.execute("rewind", 3000, 5)
    assert loop.rewinding is not None and not results(events, 5)  # not in one go
    slices = 1
    while loop.rewinding is not None:
        loop._rewind_step()
        slices += 1
    progress = [e[1:] for e in events if e[0] == "rewinding"]
    assert slices == 3000 // 64 + 1 and len(progress) == slices - 1
    assert progress[0] == (3000, 64, 3000) and progress[-1] == (3000, 2944, 3000)
    assert results(events, 5) == [("ok", (loop.trainer.config, 1))]
    assert run_state(loop.trainer) == run_state(one)
    assert loop.trainer.furthest_iteration == 6000  # the future is kept, as after any rewind
    snaps = [e[1] for e in events if e[0] == "snapshot"]
    assert snaps[-1].iteration == 3000


def test_cancelling_a_long_rewind_leaves_the_run_as_it_was_and_nothing_moves_meanwhile(thin_slices):
    loop, events = reopened_loop(6000)
    loop.execute("save_state", 1)  # what undo keeps before a rewind
    run = loop.trainer
    before = run_state(run)
    loop.execute("rewind", 1000, 5)
    for _ in range(5):
        loop._rewind_step()
    # what would move or change the run is refused with a message; a rewind request is answered
    for command in (("play",), ("step",), ("phase",), ("epoch",), ("rewind", 10), ("reset",)):
        loop.execute(*command)
    loop.execute("rewind", 10, 6)
    refused = [e[1:] for e in events if e[0] == "message"]
    assert refused == [("warning", REWINDING_BUSY)] * 6
    assert [(s, str(v)) for s, v in results(events, 6)] == [("error", REWINDING_BUSY)]
    conn, thread = served()
    loop.execute("compare", 7, conn, "lr=0.3", None, "", "", 0)
    assert [(s, str(v)) for s, v in results(events, 7)] == [("error", REWINDING_BUSY)]
    thread.join(5)
    assert not loop.playing and loop.trainer is run
    # saving meanwhile saves the run as it stood before the rewind, never a half-replayed one
    loop.execute("state_now", 8)
    (status, (project, token)), = results(events, 8)
    assert status == "ok" and project.trainer_state.iteration == 6000 and token == 1
    loop.execute("cancel_rewind")
    (status, exc), = results(events, 5)
    assert status == "error" and str(exc) == "Going back was cancelled; the run is as it was."
    assert loop.rewinding is None and loop.trainer is run
    assert run_state(run) == before
    assert run.furthest_iteration == 6000 and run.earliest_iteration == 0
    assert run_state(loop.saved[1]) == before  # undo's copy untouched too
    loop.execute("cancel_rewind")  # nothing left to cancel: nothing happens
    assert len(results(events, 5)) == 1
    loop.execute("step")  # the run moves again, from where it was
    assert loop.trainer.iteration == 6001


def test_a_short_rewind_ends_in_its_first_slice_without_a_word():
    loop, events = reopened_loop(3000)
    loop.trainer.run(iterations=50)  # a checkpoint is near the end
    loop.execute("rewind", 3020, 5)
    assert loop.rewinding is None and loop.trainer.iteration == 3020
    assert results(events, 5) == [("ok", (loop.trainer.config, 1))]
    assert not [e for e in events if e[0] == "rewinding"]
    loop.execute("rewind", 9000, 6)  # out of reach: answered with the reason, nothing moves
    (status, exc), = results(events, 6)
    assert status == "error" and str(exc) == "can only rewind to an iteration between 0 and 3050"
    loop.execute("rewind", 3000)  # a plain command (no request) still works
    assert loop.trainer.iteration == 3000


def test_opening_another_run_or_quitting_while_rewinding_cancels_the_rewind(thin_slices):
    loop, events = reopened_loop(4000)
    loop.execute("rewind", 2000, 5)
    st = default_state()
    loop.execute("load", st.network, st.config, prepare(st.data), None, 2)
    assert loop.rewinding is None and loop.trainer.iteration == 0
    assert [(s, str(v)) for s, v in results(events, 5)] == [
        ("error", "Going back was cancelled: the run was replaced.")]
    loop, events = reopened_loop(4000)
    loop.execute("rewind", 2000, 6)
    assert loop.rewinding is not None
    loop.execute("quit")
    loop.run()
    assert [s for s, _ in results(events, 6)] == ["error"] and events[-1] == ("finished",)


def comparing_loop(iterations: int) -> tuple[EngineLoop, list[tuple], object]:
    """A reopened run compared with a run B of its own weights (trained from 0 with dense
    checkpoints): going back replays most of A's iterations and a few of B's."""
    loop, events = reopened_loop(iterations)
    conn, thread = served()
    loop.execute("compare", 7, conn, "hidden=5,3", None, "", "", 0)
    while loop.making is not None:
        loop._making_step()
    assert results(events, 7)[0][0] == "ok"
    return loop, events, thread


def test_with_run_b_open_both_runs_go_back_in_slices_to_where_one_call_takes_them(thin_slices):
    loop, events, thread = comparing_loop(4000)
    local = Comparison(loop.trainer.copy(), loop.comparison.remote.fetch(), RunChanges.parse("hidden=5,3"))
    b_replay = local.b.replay_length(2500)
    assert 0 < b_replay < 2500
    local.rewind(2500)
    loop.execute("rewind", 2500, 8)
    slices = 1
    while loop.rewinding is not None:
        loop._rewind_step()
        slices += 1
    assert slices > 2500 // 64  # A replays from its start, 64 iterations a slice
    progress = [e[1:] for e in events if e[0] == "rewinding"]
    totals = {total for _, _, total in progress}
    assert totals == {2500 + b_replay}  # A from its start, B from its nearest checkpoint
    assert results(events, 8) == [("ok", (loop.trainer.config, 1))]
    assert loop.comparison.a is loop.trainer
    assert run_state(loop.trainer) == run_state(local.a)
    assert run_state(loop.comparison.remote.fetch()) == run_state(local.b)
    assert loop.comparison.remote.iteration == 2500 and loop.comparison.remote.furthest_iteration == 4000
    loop.execute("rewind", 4000, 9)  # and forward again, into the kept futures
    while loop.rewinding is not None:
        loop._rewind_step()
    assert results(events, 9)[0][0] == "ok"
    assert loop.trainer.iteration == loop.comparison.remote.iteration == 4000
    loop.execute("step")  # both train on from there
    assert loop.trainer.iteration == loop.comparison.remote.iteration == 4001
    loop._end_comparison()
    thread.join(5)


def test_cancelling_a_rewind_of_two_runs_leaves_both_as_they_were(thin_slices):
    loop, events, thread = comparing_loop(4000)
    a_before = run_state(loop.trainer)
    b_before = run_state(loop.comparison.remote.fetch())
    loop.execute("rewind", 3000, 8)
    for _ in range(10):
        loop._rewind_step()
    loop.execute("state_now", 9)  # saving meanwhile saves both as they stood
    (status, (project, _token)), = results(events, 9)
    assert status == "ok" and project.trainer_state.iteration == 4000
    assert project.comparison.run.trainer_state.iteration == 4000
    loop.execute("cancel_rewind")
    (status, exc), = results(events, 8)
    assert status == "error" and str(exc) == "Going back was cancelled; the run is as it was."
    assert run_state(loop.trainer) == a_before and loop.comparison.a is loop.trainer
    assert run_state(loop.comparison.remote.fetch()) == b_before
    loop._end_comparison()
    thread.join(5)


def test_a_rewind_to_before_run_b_was_made_is_refused_at_once():
    loop, events = reopened_loop(2000)
    conn, thread = served()
    loop.execute("compare", 7, conn, "lr=0.3", None, "", "", 0)
    loop.execute("step")
    loop.execute("rewind", 100, 8)
    (status, exc), = results(events, 8)
    assert status == "error" and loop.rewinding is None
    assert str(exc) == "can only rewind the comparison to an iteration between 2000 (B was made at that iteration) and 2001"
    loop.execute("rewind", 2000, 9)  # a short one ends at once
    assert results(events, 9) == [("ok", (loop.trainer.config, 1))] and loop.rewinding is None
    assert loop.trainer.iteration == loop.comparison.remote.iteration == 2000
    loop._end_comparison()
    thread.join(5)
