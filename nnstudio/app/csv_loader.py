"""Read a CSV file and build its data set off the GUI thread, with progress and cancel.

A :class:`CsvLoader` (GUI thread) owns one ``QThread`` and a :class:`CsvLoadWorker`
moved onto it. Each job (read the table, then build a data set from it) runs the
engine's Qt-free functions with a progress callback, throttled to about 30 signals a
second at the source, and a cancel check that reads a per-job ``threading.Event``, so
Cancel stops a job within one chunk of the file (a few tens of milliseconds).

Results come back as signals, queued to the GUI thread; every job ends with exactly one
of ``sigDone``, ``sigFailed`` or ``sigCancelled``, tagged with its job number so that
a late answer from a cancelled job can be told apart. :meth:`CsvLoader.shutdown`
cancels, quits the thread and waits for it before the Python objects are dropped.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core.data import Dataset, LoadCancelled, read_csv_table
from ..core.data.csvtable import CsvTable
from ..core.errors import NNStudioError
from ..core.safetext import bounded

#: at most this many progress signals a second
PROGRESS_HZ = 30.0

Job = Callable[[Callable[[float], None], Callable[[], bool]], Any]


class CsvLoadWorker(QObject):
    """Runs one job at a time on the loader's thread."""

    sigProgress = Signal(int, float)  # job, fraction 0..1
    sigDone = Signal(int, object)  # job, result
    sigFailed = Signal(int, str)  # job, message for the learner
    sigCancelled = Signal(int)  # job

    @Slot(int, object, object)
    def run(self, job_id: int, job: Job, stop: threading.Event) -> None:
        last = [0.0]

        def progress(fraction: float) -> None:
            now = time.monotonic()
            if now - last[0] >= 1.0 / PROGRESS_HZ or fraction >= 1.0:
                last[0] = now
                self.sigProgress.emit(job_id, float(fraction))

        try:
            if stop.is_set():
                raise LoadCancelled()
            result = job(progress, stop.is_set)
        except LoadCancelled:
            self.sigCancelled.emit(job_id)
        except NNStudioError as exc:
            self.sigFailed.emit(job_id, str(exc))
        except MemoryError:
            self.sigFailed.emit(job_id, "there is not enough memory to load this file")
        except Exception as exc:  # noqa: BLE001 - a bug must not leave the dialog waiting forever
            self.sigFailed.emit(job_id, bounded(f"the file could not be loaded ({type(exc).__name__}: {exc})"))
        else:
            self.sigDone.emit(job_id, result)


class CsvLoader(QObject):
    """The GUI thread's handle on background CSV jobs.

    Signals carry the job number returned by :meth:`read_table` / :meth:`build_dataset`.
    """

    sigProgress = Signal(int, float)
    sigDone = Signal(int, object)
    sigFailed = Signal(int, str)
    sigCancelled = Signal(int)
    _sigRun = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._stops: dict[int, threading.Event] = {}
        self._thread = QThread()
        self._thread.setObjectName("nnstudio-csv-loader")
        self._worker = CsvLoadWorker()  # no parent: a QObject with a parent cannot move threads
        self._worker.moveToThread(self._thread)
        self._sigRun.connect(self._worker.run)
        self._worker.sigProgress.connect(self.sigProgress)
        self._worker.sigDone.connect(self._on_done)
        self._worker.sigFailed.connect(self._on_failed)
        self._worker.sigCancelled.connect(self._on_cancelled)
        self._thread.start()

    # -- jobs ------------------------------------------------------------------------------------
    def submit(self, job: Job) -> int:
        """Run ``job(progress, cancelled)`` on the loader's thread; returns its number."""
        job_id = next(self._ids)
        stop = threading.Event()
        self._stops[job_id] = stop
        self._sigRun.emit(job_id, job, stop)
        return job_id

    def read_table(self, path: str, max_bytes: int | None = None) -> int:
        """Read ``path`` into a :class:`CsvTable` (the result of ``sigDone``)."""
        kwargs = {} if max_bytes is None else {"max_bytes": max_bytes}
        return self.submit(lambda progress, cancel: read_csv_table(path, progress=progress, cancel=cancel,
                                                                   **kwargs))

    def build_dataset(self, table: CsvTable, target: int | None, categorical: bool | None,
                      skip_bad_rows: bool) -> int:
        """Build the :class:`Dataset` of ``table`` for this choice (the result of ``sigDone``)."""
        def job(_progress, _cancel) -> Dataset:
            return table.dataset(target, categorical, skip_bad_rows=skip_bad_rows)
        return self.submit(job)

    def cancel(self, job_id: int | None = None) -> None:
        """Ask a job (or every job) to stop; it ends with ``sigCancelled`` soon after."""
        for jid, stop in self._stops.items():
            if job_id is None or jid == job_id:
                stop.set()

    @property
    def busy(self) -> bool:
        return bool(self._stops)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel every job, end the thread and wait for it. Safe to call twice."""
        self.cancel()
        if self._thread.isRunning():
            self._thread.quit()
            if not self._thread.wait(timeout_ms):
                return False
        self._stops.clear()
        return True

    @property
    def thread(self) -> QThread:
        return self._thread

    # -- answers -----------------------------------------------------------------------------------
    def _finish(self, job_id: int) -> None:
        self._stops.pop(job_id, None)

    def _on_done(self, job_id: int, result: object) -> None:
        self._finish(job_id)
        self.sigDone.emit(job_id, result)

    def _on_failed(self, job_id: int, message: str) -> None:
        self._finish(job_id)
        self.sigFailed.emit(job_id, message)

    def _on_cancelled(self, job_id: int) -> None:
        self._finish(job_id)
        self.sigCancelled.emit(job_id)


__all__ = ["CsvLoadWorker", "CsvLoader", "PROGRESS_HZ"]
