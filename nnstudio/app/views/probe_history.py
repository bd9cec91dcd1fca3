"""The activation histograms of the last probes, in the order training made them.

The engine probes the network a few times a second (:mod:`nnstudio.core.probes`) and every
snapshot carries the newest probe, so consecutive snapshots mostly repeat one probe (each
snapshot crosses the process boundary as a new object: identity says nothing). The
window hands this history every snapshot it receives, whichever view is on screen, so
that the Gradients view's "activations over time" covers the run even when it was behind
another tab; recording is a comparison of a few dozen counts per layer, no drawing.

What the history keeps follows the run it is fed:

* a probe equal to the last one seen is a repeat and adds nothing;
* a snapshot at an earlier iteration than the newest entry (a rewind) drops the entries
  after it: that future was abandoned;
* a new probe at iteration 0 (new weights, a new network, a rewind to the start) or of
  another shape (layers or bins) starts the history over: nothing before it belongs to
  what is trained now;
* a snapshot of a run the history has left (``Snapshot.run_id`` below the run it follows:
  another run was put in the engine while that snapshot was on its way, an undo or a
  project loaded) adds nothing, and one of a later run starts the history over.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ...core.probes import ProbeResult

Array = np.ndarray

#: one probe: the iteration it was first seen at, each layer's activation counts and bin edges
Entry = tuple[int, list[Array], list[Array]]


class ProbeHistory:
    """The last ``maxlen`` distinct probes of one run (run A's while two are compared)."""

    def __init__(self, maxlen: int) -> None:
        self.entries: deque[Entry] = deque(maxlen=maxlen)
        self._last: ProbeResult | None = None  # the probe object seen last (a fast repeat test)
        self._last_counts: list[Array] | None = None  # and its counts, kept across clear()
        self._last_loss = float("nan")
        #: the run followed (``Snapshot.run_id``); snapshots of earlier runs are dropped
        self.run_id = 0

    def __len__(self) -> int:
        return len(self.entries)

    def clear(self, run_id: int | None = None) -> None:
        """Forget the entries: another run is in the engine, numbered ``run_id`` if given
        (snapshots of the runs before it, still on their way, are dropped). Without a
        number, a snapshot of the old run still on its way that repeats the last probe seen
        is not added (the last probe stays known); with one, the new run's first probe is
        added even if it equals that one (the same project loaded again)."""
        self.entries.clear()
        if run_id is not None:
            self._forget_last()
            self.run_id = max(self.run_id, int(run_id))

    def _forget_last(self) -> None:
        self._last, self._last_counts, self._last_loss = None, None, float("nan")

    def record(self, iteration: int, probes: ProbeResult | None, run_id: int = 0) -> bool:
        """Take a snapshot's iteration, probe and run number; True when the entries changed."""
        if run_id < self.run_id:
            return False  # a run left behind: its probes are not this run's
        changed = False
        if run_id > self.run_id:  # the first snapshot of another run
            self.run_id = run_id
            changed = bool(self.entries)
            self.entries.clear()
            self._forget_last()
        changed = self._follow(iteration) or changed
        if probes is None or probes is self._last:
            return changed
        counts = [np.asarray(lp.a_counts, float) for lp in probes.layers]
        if self._repeats(counts, probes.loss):
            self._last = probes
            return changed
        self._last, self._last_counts, self._last_loss = probes, counts, float(probes.loss)
        if self.entries and (iteration <= 0 or not self._same_shape(self.entries[-1][1], counts)):
            self.entries.clear()
        elif self.entries and self.entries[-1][0] == iteration and self._same(self.entries[-1][1], counts):
            return changed  # rewound to the newest entry kept: the same weights probed again
        self.entries.append((int(iteration), counts, [np.asarray(lp.a_edges, float) for lp in probes.layers]))
        return True

    def _follow(self, iteration: int) -> bool:
        """Drop the entries after ``iteration`` (rewound: an abandoned future)."""
        if not self.entries or self.entries[-1][0] <= iteration:
            return False
        while self.entries and self.entries[-1][0] > iteration:
            self.entries.pop()
        return True

    def _repeats(self, counts: list[Array], loss: float) -> bool:
        last = self._last_counts
        return (last is not None and np.array_equal([loss], [self._last_loss], equal_nan=True)
                and self._same(last, counts))

    @staticmethod
    def _same_shape(a: list[Array], b: list[Array]) -> bool:
        return len(a) == len(b) and all(x.shape == y.shape for x, y in zip(a, b))

    @classmethod
    def _same(cls, a: list[Array], b: list[Array]) -> bool:
        return cls._same_shape(a, b) and all(np.array_equal(x, y) for x, y in zip(a, b))
