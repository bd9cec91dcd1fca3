"""The GUI's way of sending commands to the engine process without ever waiting for it.

A pipe holds about 64 KB. An engine that hangs (stopped by a signal, stuck) reads no
command, and the first command larger than what is left (new data, a run to load) made
``Connection.send`` block the GUI thread until the engine read again: the window froze
for good, before anything could say that the engine hung. :class:`CommandSender`
pickles each command at once, on the caller's thread (so what is sent is the object as
it is now, and a connection passed in a command can be closed right after), and writes
it on a thread of its own, in order. When the engine is gone its writes fail and the
thread ends, closing the pipe itself (never under a write under way).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any


class CommandSender:
    """Writes ``send()``'s messages to ``conn`` on a thread of its own."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="nnstudio-engine-writer", daemon=True)
        self._thread.start()

    def send(self, message: Any) -> None:
        """Queue ``message`` (pickled now); it is written after those before it."""
        self._queue.put(ForkingPickler.dumps(message))

    def close(self, timeout: float = 1.0) -> None:
        """No more messages: the thread writes those queued (failing at once if the engine
        is gone), closes the pipe and ends; waited for at most ``timeout`` seconds."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while True:
                buf = self._queue.get()
                if buf is None:
                    break
                try:
                    self.conn.send_bytes(buf)
                except (OSError, ValueError):
                    break  # the engine is gone: what it was sent is moot
        finally:
            with contextlib.suppress(OSError):
                self.conn.close()
