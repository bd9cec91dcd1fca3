"""Opening a file a user names: only regular files, never blocking, never reading without a limit;
writing one: only over a regular file, and atomically.

A name typed or double-clicked may point at something that is not a file: a named pipe
(FIFO), whose ``open`` and ``read`` wait for a writer that never comes; ``/dev/zero`` or
``/dev/urandom``, which never end; a folder; a socket. The loaders of project and lesson
files therefore look at what the name is (``os.stat``, following symbolic links) before
opening it, open it without blocking (``O_NONBLOCK``, so a FIFO swapped in after the
check cannot make ``open`` wait), and look again at what was opened (``os.fstat``).

The same names are given to write to (an exported program, tables of a comparison):
:func:`write_atomic` refuses one that is not a regular file (writing to a FIFO waits for
a reader forever), follows a symbolic link to the file it points to, and writes a
temporary file beside it that replaces it only once complete, so a full disk or a crash
never leaves the previous file cut short.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO

#: bytes read per call when a whole file is read
CHUNK = 1 << 20
#: why a file marked read-only is not replaced
READ_ONLY = "the file is read-only: save under another name, or make it writable first"


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


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Make ``data`` the content of ``path`` (a regular file, or none yet), atomically.

    Returns the path written (the file a symbolic link points to). The permissions of a
    file replaced are kept; a new one gets the user's default (0o666 less the umask). A
    file that nobody may write (marked read-only) is not replaced.

    Raises
    ------
    OSError
        Whose ``strerror`` says what went wrong for a person (``it is a folder``, ``it is a
        named pipe (FIFO), not a regular file``, ``No space left on device``, ...); the
        previous file, if any, is then as it was.
    """
    p = Path(path)
    if p.is_symlink():
        p = Path(os.path.realpath(p))
    try:
        st: os.stat_result | None = os.stat(p)
    except FileNotFoundError:
        st = None
    if st is not None and (kind := kind_of(st.st_mode)) is not None:
        raise OSError(errno.EISDIR if kind == "a folder" else errno.EINVAL,
                      f"it is {kind}" + ("" if kind == "a folder" else ", not a regular file"), str(path))
    if st is not None and not st.st_mode & 0o222:  # the rename would replace it in a writable folder
        raise OSError(errno.EACCES, READ_ONLY, str(path))
    tmp = p.with_name(f".{p.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:  # named after the file asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if st is not None:
            with contextlib.suppress(OSError):
                os.chmod(tmp, st.st_mode & 0o7777)
        os.replace(tmp, p)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    return p


__all__ = ["CHUNK", "READ_ONLY", "kind_of", "nonblocking_opener", "opened_kind", "read_limited", "write_atomic"]
