"""Run B of a comparison in a process of its own, so that the two runs train at once.

The engine process (:mod:`.engine_process`) trains run A; when the learner compares,
run B is sent to a second process running :func:`serve_run`, and the engine drives it
through one duplex pipe (:class:`~nnstudio.app.remote_run.RemoteRun` is its side). Two
processes use the machine's two cores: each run trains at about the speed one run has
alone, where one process taking turns would give each half of it.

Every request is ``(name, *args)`` and gets one answer, ``("ok", value, status)`` or
``("error", exception, status)``, where ``status`` is :func:`run_status` of the run
after the request: what the engine needs to keep the two runs in lockstep without
asking again. Requests:

``load (trainer,)``
    the run to serve (a :class:`~nnstudio.core.trainer.Trainer`, with its data);
``run_to (target,)``
    train until the iteration count is ``target`` or the run stops
    (:func:`~nnstudio.core.comparison.advance_to`);
``method (name, args)``
    ``trainer.<name>(*args)`` for the trainer methods in :data:`METHODS`;
``call (fn,)``
    ``fn(trainer)``: a module-level function of this program (surface paths, saving);
``snapshot (resolution, probe, evaluate, phase, ips, whole_logs)``
    a :class:`~nnstudio.core.snapshot.Snapshot` of the run, its logs as pieces (the
    whole logs after one was dropped);
``get ()``
    the trainer itself (to save it, or to make it the main run);
``quit ()``
    end.

Only this program's own objects cross the pipe; nothing a user opens is unpickled here.
"""

from __future__ import annotations

import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from ..core.comparison import advance_to
from ..core.errors import NNStudioError
from ..core.log_feed import LogFeed
from ..core.probes import ProbeResult
from ..core.snapshot import Snapshot, evaluate_grid, make_snapshot
from ..core.trainer import Trainer
from .blas_threads import engine_threads, limit_blas

#: the trainer methods a request may call
METHODS = frozenset({"step", "step_phase", "run", "run_epoch", "rewind", "set_data", "set_config",
                     "set_weights", "evaluate", "probe"})


def run_status(trainer: Trainer | None) -> dict[str, Any]:
    """What the engine keeps of run B between requests."""
    if trainer is None:
        return {}
    return {"iteration": trainer.iteration, "epoch": trainer.epoch, "stopped": trainer.stopped,
            "stop_info": dict(trainer.stop_info) if trainer.stop_info else None,
            "phase_in_progress": trainer.phase_in_progress, "earliest_iteration": trainer.earliest_iteration,
            "furthest_iteration": trainer.furthest_iteration, "config": trainer.config, "spec": trainer.spec,
            "data_recipe": trainer.data_recipe}


class RunServer:
    """Serves one run over ``conn`` until told to quit or the engine goes away."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.trainer: Trainer | None = None
        self.feed = LogFeed()
        self._probes: ProbeResult | None = None
        self._evaluation: tuple[int, dict[str, float]] | None = None

    def serve(self) -> None:
        while True:
            try:
                request = self.conn.recv()
            except (EOFError, OSError):
                return  # the engine closed its end
            name, *args = request
            if name == "quit":
                self._answer("ok", None)
                return
            try:
                value = self.handle(name, *args)
            except Exception as exc:  # noqa: BLE001 - the engine reports it; this run stays served
                if not isinstance(exc, NNStudioError):
                    traceback.print_exc()
                    exc = NNStudioError(f"run B: internal error: {type(exc).__name__}: {exc}")
                self._answer("error", exc)
            else:
                self._answer("ok", value)

    def _answer(self, status: str, value: Any) -> None:
        try:
            self.conn.send((status, value, run_status(self.trainer)))
        except (BrokenPipeError, OSError):
            return

    def handle(self, name: str, *args: Any) -> Any:
        if name == "load":
            self.trainer = args[0]
            self.feed = LogFeed()
            self._probes = None
            self._evaluation = None
            return None
        trainer = self.trainer
        if trainer is None:
            raise NNStudioError("run B has not been loaded")
        if name == "run_to":
            advance_to(trainer, int(args[0]))
            return None
        if name == "method":
            method, method_args = args
            if method not in METHODS:
                raise NNStudioError(f"run B cannot do {method!r}")
            return getattr(trainer, method)(*method_args)
        if name == "call":
            return args[0](trainer)
        if name == "snapshot":
            return self.snapshot(*args)
        if name == "get":
            return trainer
        raise NNStudioError(f"unknown request to run B: {name!r}")

    def snapshot(self, resolution: int, probe: bool, evaluate: bool, phase: Any, ips: float,
                 whole_logs: bool = False) -> Snapshot:
        trainer = self.trainer
        assert trainer is not None
        if whole_logs:  # the engine dropped a snapshot: the window's copy of the logs is behind
            self.feed.forget()
        data = trainer.data
        grid = None
        domain = getattr(data, "domain", None)
        if domain is not None and data.raw.X.shape[1] in (1, 2):
            grid = evaluate_grid(trainer, domain, data.transform, resolution)
        if probe or self._probes is None:
            self._probes = trainer.probe()
        if evaluate and (self._evaluation is None or self._evaluation[0] != trainer.iteration):
            self._evaluation = (trainer.iteration, trainer.evaluate())
        snap = make_snapshot(trainer, grid, self._probes, phase, ips, self._evaluation, self.feed)
        snap.time = time.monotonic()
        return snap


def serve_run(conn: Connection) -> None:
    """Entry point of run B's process."""
    limit_blas(engine_threads())  # as the engine's (see blas_threads)
    try:
        RunServer(conn).serve()
    finally:
        conn.close()


__all__ = ["METHODS", "RunServer", "run_status", "serve_run"]
