"""Snapshots of a comparison made headless, as the engine sends them (for view tests)."""

from __future__ import annotations

from typing import Any

from nnstudio.app.document import DocState, default_state
from nnstudio.core.comparison import Comparison
from nnstudio.core.data import prepare
from nnstudio.core.snapshot import Snapshot, evaluate_grid, make_snapshot
from nnstudio.core.trainer import PhaseRecord, Trainer


def comparison_for(changes: str = "lr=0.3", iterations: int = 50, state: DocState | None = None,
                   fork_at: int = 0) -> tuple[Comparison, Any]:
    """A comparison of ``state`` (the default example) with ``changes``, forked at
    ``fork_at`` and trained in lockstep to ``iterations``; and the prepared data."""
    state = state or default_state()
    prepared = prepare(state.data, state.inline)
    a = Trainer(state.network, state.config, prepared)
    if fork_at:
        a.run(iterations=fork_at)
    cmp = Comparison.fork(a, changes)
    if iterations > cmp.iteration:
        cmp.run(iterations=iterations - cmp.iteration)
    return cmp, prepared


def pair_snapshot(cmp: Comparison, prepared: Any, resolution: int = 32, inspect: int | None = None,
                  phases: tuple[PhaseRecord | None, PhaseRecord | None] | None = None) -> Snapshot:
    """A's snapshot carrying B's, as the window receives it (probes and grids included);
    ``phases``: A's and B's phase records (from :meth:`Comparison.step_phase`), if any."""
    snaps = []
    for k, run in enumerate(cmp.runs):
        grid = None
        if prepared.raw.X.shape[1] in (1, 2):
            grid = evaluate_grid(run, prepared.domain, prepared.transform, resolution)
        ev = (run.iteration, run.evaluate())
        phase = phases[k] if phases is not None else None
        snaps.append(make_snapshot(run, grid, run.probe(), phase, 0.0, ev))
    a, b = snaps
    a.b, a.b_label, a.b_note = b, cmp.label, cmp.note
    return a
