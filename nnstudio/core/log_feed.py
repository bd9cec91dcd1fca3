"""Sending a training history across a pipe: only what changed since the last time.

The history logs of a long run hold thousands of rows; a snapshot sent 30 times a
second with all of them would move megabytes a second between the engine and the
window, mostly rows the window already has. A :class:`LogFeed` on the engine's side
remembers, for each log, which object it last sent, how many rows and after how many
edits (see ``DecimatingLog.edits``): while a log only grows it sends the new rows, and
after a thinning, rewind or another run it sends the whole log again. A
:class:`LogMirror` on the window's side applies those pieces in order and hands out
complete arrays, so the views see exactly the log the engine has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray


@dataclass
class LogPiece:
    """The rows of one log to add (``reset``: after dropping every row held)."""

    reset: bool
    rows: Array


class LogFeed:
    """Engine side: what each log needs to send next."""

    def __init__(self) -> None:
        self._sent: dict[str, tuple[Any, int, int]] = {}  # name → (log, edits, rows sent)

    def piece(self, name: str, log: Any) -> LogPiece:
        sent = self._sent.get(name)
        n = len(log)
        if sent is not None and sent[0] is log and sent[1] == log.edits and sent[2] <= n:
            piece = LogPiece(False, log.rows_from(sent[2]))
        else:
            piece = LogPiece(True, log.rows_from(0))
        self._sent[name] = (log, log.edits, n)
        return piece

    def forget(self) -> None:
        """The receiver starts over (a new reader): send everything next time."""
        self._sent.clear()


class LogMirror:
    """Window side: the logs rebuilt from the pieces, in the order they were sent."""

    def __init__(self) -> None:
        self._logs: dict[str, Array] = {}

    def apply(self, name: str, piece: LogPiece) -> Array:
        old = self._logs.get(name)
        if piece.reset or old is None or (len(piece.rows) and old.shape[1:] != piece.rows.shape[1:]):
            new = piece.rows
        elif not len(piece.rows):
            new = old
        else:
            new = np.concatenate([old, piece.rows])
        self._logs[name] = new
        return new
