"""Opening a file a user names: only regular files, never blocking, never reading without a limit.

A name typed or double-clicked may point at something that is not a file: a named pipe
(FIFO), whose ``open`` and ``read`` wait for a writer that never comes; ``/dev/zero`` or
``/dev/urandom``, which never end; a folder; a socket. The loaders of project and lesson
files therefore look at what the name is (``os.stat``, following symbolic links) before
opening it, open it without blocking (``O_NONBLOCK``, so a FIFO swapped in after the
check cannot make ``open`` wait), and look again at what was opened (``os.fstat``).
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

#: bytes read per call when a whole file is read
CHUNK = 1 << 20


def kind_of(mode: int) -> str | None:
    """None for a regular file, otherwise what the file is, in words ("a folder")."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a device"
    if stat.S_ISBLK(mode):
        return "a disk device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def nonblocking_opener(path: str, flags: int) -> int:
    """An ``opener`` for :func:`open`: opening a FIFO returns at once instead of waiting."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0), 0o666)


def opened_kind(f: BinaryIO) -> str | None:
    """What an opened file is (see :func:`kind_of`): it may have been replaced since it was looked at."""
    return kind_of(os.fstat(f.fileno()).st_mode)


def read_limited(f: BinaryIO, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``f``, read in chunks (one byte more tells a caller the
    file is larger than ``limit`` without reading all of it)."""
    parts = []
    left = limit + 1
    while left > 0:
        part = f.read(min(CHUNK, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


__all__ = ["CHUNK", "kind_of", "nonblocking_opener", "opened_kind", "read_limited"]
