"""A rewind done a slice at a time (``Trainer.rewinding``, ``RewindJob``): it lands bit for
bit where one call of ``rewind`` lands — across settings, weights and data changed on the
way, phase-stepped iterations and a reopened run's sparse checkpoints — and a cancelled
job leaves the run exactly as it was."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core import timeline as timeline_module
from nnstudio.core.errors import SpecError
from nnstudio.core.rewind_job import RewindCancelled, RewindJob
from nnstudio.core.trainer import Trainer
from test_timeline import ACTIONS, CFG, SPEC, _loaded_copy, make_data, state


def whole(tr: Trainer) -> tuple:
    """``state`` plus what a rewind rebuilds: the history logs, the trajectory, the kept
    future, the timeline's place and the last record."""
    last = tr.last_record
    return (state(tr), tr.history.iterations.array().tobytes(), tr.history.layers.array().tobytes(),
            tr.history.epochs.array().tobytes(), tr.trajectory_array()[0].tobytes(),
            tr.trajectory_array()[1].tobytes(), tr.furthest_iteration, tr._applied, len(tr.timeline),
            tr.checkpoint_iterations, None if last is None else (last.iteration, last.loss),
            tr.best_value, tr.best_epoch, tr.wait)


@pytest.fixture
def every_iteration(monkeypatch):
    """Slices of one iteration each: the most a replay can be cut up."""
    monkeypatch.setattr(timeline_module, "REWIND_CLOCK_EVERY", 1)


def sliced(tr: Trainer, iteration: int) -> int:
    """Rewind ``tr`` in slices of one iteration; how many times it yielded."""
    n, last = 0, -1
    for done, total in tr.rewinding(iteration, slice_seconds=0.0):
        assert last < done < total  # progress goes forward and ends short of the total
        last = done
        n += 1
    return n


def run_with_changes() -> Trainer:
    """A run with a learning rate, a batch size, an optimizer, a weight and data changed
    on the way, one change made in the middle of a phase-stepped iteration."""
    datasets = [make_data(), make_data(n=22, seed=5, shift=0.3)]
    tr = Trainer(SPEC, CFG, datasets[0])
    tr.run(iterations=40)
    tr.set_config(CFG.replace(learning_rate=0.2))
    tr.run(iterations=17)
    tr.step_phase()
    tr.step_phase()
    tr.set_config(tr.config.replace(batch_size=7))  # during iteration 58
    tr.step()
    tr.run(iterations=12)
    tr.set_weights([3], [0.75])
    tr.run(iterations=25)
    tr.set_data(datasets[1])
    tr.run(iterations=30)
    tr.set_config(tr.config.replace(optimizer="momentum"))
    tr.run(iterations=33)
    return tr


@pytest.mark.parametrize("target", [0, 1, 39, 40, 57, 58, 70, 71, 94, 95, 96, 125, 126, 158])
def test_a_sliced_rewind_lands_where_one_call_lands(every_iteration, target):
    tr = run_with_changes()
    replay = tr.replay_length(target)
    start = target - replay
    crossed = sum(start <= c.iteration < target for c in tr.timeline)
    one = tr.copy()
    one.rewind(target)
    yields = sliced(tr, target)
    assert whole(tr) == whole(one)
    # it really was cut up: a slice per iteration replayed, but the last before each change
    assert max(0, replay - 1 - crossed) <= yields <= max(0, replay - 1)


def test_a_sliced_rewind_forward_into_the_kept_future_lands_where_one_call_lands(every_iteration):
    tr = run_with_changes()
    end = whole(tr)
    tr.rewind(30)
    one = tr.copy()
    one.rewind(120)
    sliced(tr, 120)
    assert whole(tr) == whole(one)
    sliced(tr, 158)  # back at the frontier: the same run as before any rewind
    assert whole(tr)[0] == end[0]


def test_a_reopened_run_rewinds_in_many_slices_to_the_state_it_had(every_iteration):
    tr = run_with_changes()
    seen = {}
    probe = run_with_changes()  # the same run, rewound by one call where it had checkpoints
    for k in (20, 80, 130):
        probe.rewind(k)
        seen[k] = whole(probe)[0]
    back = _loaded_copy(tr)
    assert back.checkpoint_iterations[0] == 95  # the saved timeline starts at the data change
    one = back.copy()
    one.rewind(130)
    assert sliced(back, 130) == 130 - 95 - 2  # no yield where the optimizer changed (125)
    assert whole(back) == whole(one)
    assert whole(back)[0][:-1] == seen[130][:-1]  # (another copy of the same data)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(ACTIONS, st.lists(st.floats(0, 1), min_size=1, max_size=3))
def test_any_history_of_changes_rewinds_the_same_in_slices(every_iteration, actions, targets):
    datasets = [make_data(), make_data(n=22, seed=5, shift=0.3), make_data(n=35, seed=9)]
    tr = Trainer(SPEC, CFG, datasets[0])
    for kind, arg in actions:
        if kind == "run":
            tr.run(iterations=arg * 3)
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
            sliced(tr, int(arg * tr.furthest_iteration))
    for t in targets:
        k = int(t * tr.furthest_iteration)
        one = tr.copy()
        one.rewind(k)
        sliced(tr, k)
        assert whole(tr) == whole(one), f"rewind to {k}"


def test_a_rewind_job_ends_with_the_rewound_run_and_leaves_the_original_alone(every_iteration):
    tr = run_with_changes()
    before = whole(tr)
    one = tr.copy()
    one.rewind(70)
    job = RewindJob(tr, 70, slice_seconds=0.0)
    assert job.total == 70 - 64  # from the checkpoint at 64
    out = [job.step() for _ in range(5)]
    assert out == [(k, 6) for k in range(1, 6)]
    done = job.step()
    assert isinstance(done, Trainer) and done is not tr
    assert whole(done) == whole(one)
    assert whole(tr) == before
    with pytest.raises(RewindCancelled):
        job.step()


def test_a_cancelled_rewind_job_leaves_the_run_bit_for_bit_as_it_was(every_iteration):
    tr = _loaded_copy(run_with_changes())
    tr.rewind(120)  # a kept future, so that the run has one to lose
    before = whole(tr)
    params = tr.network.params.copy()
    job = RewindJob(tr, 150, slice_seconds=0.0)
    for _ in range(20):
        assert isinstance(job.step(), tuple)
    job.cancel()
    assert whole(tr) == before
    assert tr.network.params.tobytes() == params.tobytes()
    with pytest.raises(RewindCancelled, match="the run is as it was"):
        job.step()
    tr.rewind(158)  # and the run still goes where it could go
    assert tr.iteration == 158


def test_a_rewind_out_of_reach_is_refused_before_anything_is_copied():
    tr = run_with_changes()
    back = _loaded_copy(tr)
    with pytest.raises(SpecError, match="between 95 and 158"):
        RewindJob(back, 50)
    with pytest.raises(SpecError, match="between 95 and 158"):
        back.rewinding(159)
    assert back.iteration == 158


def test_one_call_yields_nothing_and_a_slice_of_time_is_a_slice_of_time():
    tr = run_with_changes()
    back = _loaded_copy(tr)
    assert list(back.rewinding(150, slice_seconds=10.0)) == []  # all in the first slice
    assert back.iteration == 150
