"""The engine's side of run B's process (:mod:`.run_server`): a stand-in for its Trainer.

A :class:`RemoteRun` offers what :class:`~nnstudio.core.comparison.Comparison` asks of
a run (``step``, ``step_phase``, ``run``, ``run_epoch``, ``rewind``, ``set_data``, the
iteration counters and ``stopped``), so the engine drives a comparison whose run B lives
in another process exactly as it would drive two local trainers. The counters come from
the status every answer carries, so reading them costs nothing.

Training in parallel is split in two: :meth:`begin_run_to` sends the request and returns
at once, the engine trains run A meanwhile, and :meth:`finish` waits for B's answers
(:meth:`collect` takes those already there without waiting). Requests are answered in
the order they were sent; :meth:`begin_snapshot` queues a snapshot after them.
"""

from __future__ import annotations

import contextlib
from collections import deque

from multiprocessing.connection import Connection
from typing import Any, Callable

from ..core.errors import NNStudioError
from ..core.snapshot import Snapshot
from ..core.specs import NetworkSpec, TrainConfig
from ..core.trainer import Trainer

#: seconds to wait for run B's answer before calling its process lost
ANSWER_TIMEOUT = 600.0


class RunLostError(NNStudioError):
    """Run B's process stopped answering."""


class RemoteRun:
    """Run B, served by another process over ``conn``; ``trainer`` is sent there."""

    def __init__(self, conn: Connection, trainer: Trainer) -> None:
        self.conn = conn
        self.status: dict[str, Any] = {}
        self._kinds: deque[str] = deque()  # the requests sent and not yet answered, oldest first
        #: a snapshot B has answered with that nobody has taken yet (:meth:`take_snapshot`)
        self.unclaimed: Snapshot | None = None
        #: a snapshot was dropped unseen: the next one must carry B's whole logs
        self.logs_lost = False
        self.closed = False
        self._ask("load", trainer)

    # -- requests ---------------------------------------------------------------------------
    def _send(self, name: str, *args: Any) -> None:
        if self.closed:
            raise RunLostError("run B has been closed")
        try:
            self.conn.send((name, *args))
        except (BrokenPipeError, OSError) as exc:
            self.closed = True
            raise RunLostError("run B's process has stopped") from exc
        self._kinds.append(name)

    @property
    def pending(self) -> int:
        """Requests sent and not yet answered."""
        return len(self._kinds)

    def pending_of(self, kind: str) -> int:
        """How many requests of ``kind`` ("run_to", "snapshot" …) are not answered yet."""
        return sum(1 for k in self._kinds if k == kind)

    def _receive(self, timeout: float) -> Any:
        kind = self._kinds.popleft()
        try:
            if not self.conn.poll(timeout):
                self.closed = True
                raise RunLostError("run B's process did not answer")
            status, value, run_status = self.conn.recv()
        except (EOFError, OSError) as exc:
            self.closed = True
            raise RunLostError("run B's process has stopped") from exc
        if run_status:
            self.status = run_status
        if status == "error":
            raise value
        if kind == "snapshot":
            if self.unclaimed is not None:
                self.logs_lost = True  # its log pieces never reach the window
            self.unclaimed = value
        return value

    def finish(self) -> Any:
        """Wait for every request sent; the answer to the last one (raises the first error)."""
        value = None
        while self._kinds:
            value = self._receive(ANSWER_TIMEOUT)
        return value

    def collect(self) -> None:
        """Take the answers that have come, without waiting (raises the first error)."""
        while self._kinds and self.conn.poll(0):
            self._receive(0)

    def wait_snapshot(self) -> Snapshot | None:
        """Wait for the snapshot asked for last (answers before it are taken on the way)
        and take it; None if none was asked for."""
        while self.unclaimed is None and "snapshot" in self._kinds:
            self._receive(ANSWER_TIMEOUT)
        return self.take_snapshot()

    def take_snapshot(self) -> Snapshot | None:
        """The snapshot B answered with, once (None if there is none)."""
        snap, self.unclaimed = self.unclaimed, None
        return snap

    def drop_snapshot(self) -> None:
        """Forget an unclaimed snapshot: the next one sends B's whole logs."""
        if self.take_snapshot() is not None:
            self.logs_lost = True

    def _ask(self, name: str, *args: Any) -> Any:
        self._send(name, *args)
        return self.finish()

    def _method(self, name: str, *args: Any) -> Any:
        return self._ask("method", name, args)

    # -- what Comparison uses -------------------------------------------------------------------
    @property
    def iteration(self) -> int:
        return int(self.status.get("iteration", 0))

    @property
    def epoch(self) -> int:
        return int(self.status.get("epoch", 0))

    @property
    def stopped(self) -> str | None:
        return self.status.get("stopped")

    @property
    def stop_info(self) -> dict[str, Any] | None:
        return self.status.get("stop_info")

    @property
    def phase_in_progress(self) -> str | None:
        return self.status.get("phase_in_progress")

    @property
    def earliest_iteration(self) -> int:
        return int(self.status.get("earliest_iteration", 0))

    @property
    def furthest_iteration(self) -> int:
        return int(self.status.get("furthest_iteration", 0))

    @property
    def config(self) -> TrainConfig:
        return self.status["config"]

    @property
    def spec(self) -> NetworkSpec:
        return self.status["spec"]

    @property
    def data_recipe(self) -> Any:
        return self.status.get("data_recipe")

    def step(self) -> Any:
        return self._method("step")

    def step_phase(self, inspect: int | None = None) -> Any:
        return self._method("step_phase", inspect)

    def run(self, iterations: int | None = None, epochs: int | None = None) -> Any:
        return self._method("run", iterations, epochs)

    def run_epoch(self) -> Any:
        return self._method("run_epoch")

    def rewind(self, iteration: int) -> None:
        self._method("rewind", int(iteration))

    def replace(self, trainer: Trainer) -> None:
        """Serve ``trainer`` from now on in place of run B (a rewound copy of it)."""
        self.drop_snapshot()
        self._ask("load", trainer)

    def set_data(self, data: Any, recipe: Any = None) -> None:
        self._method("set_data", data, recipe)

    def set_config(self, config: TrainConfig) -> str:
        return str(self._method("set_config", config))

    def evaluate(self) -> dict[str, float]:
        return dict(self._method("evaluate"))

    # -- in parallel with run A ---------------------------------------------------------------
    def begin_run_to(self, target: int) -> None:
        """Start training B to iteration ``target``; :meth:`finish` waits for it."""
        self._send("run_to", int(target))

    def begin_snapshot(self, resolution: int, probe: bool, evaluate: bool, phase: Any, ips: float) -> None:
        """Ask for B's snapshot (queued after what B is doing); :meth:`wait_snapshot` takes it.
        After a snapshot was dropped unseen, this one carries B's whole logs."""
        whole, self.logs_lost = self.logs_lost, False
        self._send("snapshot", int(resolution), bool(probe), bool(evaluate), phase, float(ips), whole)

    def snapshot(self, resolution: int, probe: bool, evaluate: bool, phase: Any, ips: float) -> Snapshot:
        """B's snapshot now, after everything asked before it."""
        self.drop_snapshot()
        self.begin_snapshot(resolution, probe, evaluate, phase, ips)
        snap = self.wait_snapshot()
        assert snap is not None
        return snap

    # -- the whole run -------------------------------------------------------------------------
    def call(self, fn: Callable[[Trainer], Any]) -> Any:
        """``fn(trainer)`` in B's process (``fn`` must be picklable: a module-level function)."""
        return self._ask("call", fn)

    def fetch(self) -> Trainer:
        """A copy of run B's trainer, as it is now."""
        return self._ask("get")

    def close(self) -> None:
        """End B's process (it answers, then stops)."""
        if self.closed:
            return
        with contextlib.suppress(NNStudioError):
            self._ask("quit")
        self.closed = True
        with contextlib.suppress(OSError):
            self.conn.close()

__all__ = ["ANSWER_TIMEOUT", "RemoteRun", "RunLostError"]
