"""The probes behind the Gradients view's activation histogram, as the window records them
from every snapshot: each probe once (snapshots cross a process boundary, so a repeated
probe is a new object), an abandoned future dropped on rewinding, a new run starting over."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from nnstudio.app.views.probe_history import ProbeHistory
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


@pytest.fixture(scope="module")
def circle():
    return prepare(DataSpec(name="circle", n_samples=200))


def trainer(circle, layers: int = 2, seed: int = 0) -> Trainer:
    spec = NetworkSpec(2, tuple(LayerSpec(8, "tanh") for _ in range(layers)), "binary")
    return Trainer(spec, TrainConfig(learning_rate=0.3, seed=seed), circle)


def sent(x):
    """What the window receives: a copy made by pickling, as across the engine's pipe."""
    return pickle.loads(pickle.dumps(x))


def iterations(h: ProbeHistory) -> list[int]:
    return [it for it, _, _ in h.entries]


def test_a_probe_repeated_by_later_snapshots_is_kept_once_at_the_iteration_it_came_with(circle):
    t, h = trainer(circle), ProbeHistory(50)
    for _ in range(4):
        t.run(iterations=5)
        p = t.probe()
        assert h.record(t.iteration, sent(p))
        for later in (1, 2, 3):  # the engine probes a few times a second, snapshots go out 30
            assert not h.record(t.iteration + later, sent(p))
    assert iterations(h) == [5, 10, 15, 20]
    np.testing.assert_array_equal(h.entries[-1][1][0], p.layers[0].a_counts)
    np.testing.assert_array_equal(h.entries[-1][2][1], p.layers[1].a_edges)


def test_rewinding_drops_the_abandoned_future_and_keeps_the_past(circle):
    t, h = trainer(circle), ProbeHistory(50)
    for _ in range(6):
        t.run(iterations=4)
        last = t.probe()
        h.record(t.iteration, sent(last))
    assert iterations(h) == [4, 8, 12, 16, 20, 24]
    t.rewind(14)
    # the first snapshot there may still carry the last probe: the future goes anyway
    assert h.record(t.iteration, sent(last))
    assert iterations(h) == [4, 8, 12]
    h.record(t.iteration, sent(t.probe()))
    assert iterations(h) == [4, 8, 12, 14]
    t.rewind(8)  # onto an entry: the same weights probed again add nothing
    h.record(t.iteration, sent(t.probe()))
    assert iterations(h) == [4, 8]
    t.run(iterations=4)
    h.record(t.iteration, sent(t.probe()))
    assert iterations(h) == [4, 8, 12]


def test_a_new_run_or_another_network_starts_over(circle):
    t, h = trainer(circle), ProbeHistory(50)
    h.record(0, sent(t.probe()))
    t.run(iterations=10)
    h.record(10, sent(t.probe()))
    fresh = trainer(circle, seed=5)  # new weights: iteration 0 again
    h.record(0, sent(fresh.probe()))
    assert len(h) == 1
    np.testing.assert_array_equal(h.entries[0][1][0], fresh.probe().layers[0].a_counts)
    fresh.run(iterations=3)
    h.record(3, sent(fresh.probe()))
    deeper = trainer(circle, layers=4)  # a loaded project of another depth, further on
    deeper.run(iterations=7)
    h.record(7, sent(deeper.probe()))
    assert iterations(h) == [7] and len(h.entries[0][1]) == 5


def test_after_clear_a_late_snapshot_of_the_old_run_is_not_taken_for_the_new_one(circle):
    t, h = trainer(circle), ProbeHistory(50)
    t.run(iterations=10)
    p = t.probe()
    h.record(10, sent(p))
    h.clear()  # undo put another run in the engine
    assert not h.record(11, sent(p))  # a snapshot of the old run still on its way
    assert len(h) == 0
    other = trainer(circle, seed=3)
    other.run(iterations=40)
    assert h.record(40, sent(other.probe()))
    assert iterations(h) == [40]


def test_the_history_is_bounded(circle):
    t, h = trainer(circle), ProbeHistory(3)
    for _ in range(5):
        t.run(iterations=1)
        h.record(t.iteration, sent(t.probe()))
    assert iterations(h) == [3, 4, 5]
    assert not h.record(5, None)  # a snapshot without a probe (the engine's first) changes nothing
