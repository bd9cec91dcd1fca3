"""The ZIP layer of a project file, read with limits: a member count and a list of members
checked from the archive's end record before :mod:`zipfile` parses that list; only stored or
deflate members, never encrypted; declared sizes and compression ratios checked before
anything is inflated; members inflated in chunks and never past what they declare.

:mod:`nnstudio.core.project_reader` builds the project on this layer (:mod:`nnstudio.core.project_limits`
explains each limit).
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any, BinaryIO

from .project_format import ARRAYS_MEMBER
from .safetext import printable

#: the largest list of members (central directory) of either archive (bytes)
MAX_DIRECTORY_BYTES = 64 << 10
#: the most a member may claim to inflate per compressed byte (deflate's own ceiling)
MAX_RATIO = 1032

_CHUNK = 1 << 20  # bytes inflated per read
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
            zipfile.ZIP_LZMA: "LZMA", 9: "deflate64", 93: "Zstandard", 98: "PPMd"}
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, NotImplementedError,
               RuntimeError, struct.error, KeyError, IndexError, OverflowError)


class BadProjectFile(Exception):
    """What is wrong with a project file's content; the caller adds which file it is."""


def size_text(n: int) -> str:
    """``1,000 bytes``, ``12.5 MB`` (binary megabytes, as the limits are set)."""
    return f"{n:,} bytes" if n < 1 << 20 else f"{n / 2**20:,.1f} MB"


class _Window(io.RawIOBase):
    """Bytes ``start … start + size`` of an open file, as a file of their own: the stored
    arrays.npz read in place, without a copy in memory."""

    def __init__(self, f: BinaryIO, start: int, size: int) -> None:
        super().__init__()
        self._f, self._start, self._size, self._pos = f, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b: Any) -> int:
        n = max(0, min(len(b), self._size - self._pos))
        if n == 0:
            return 0
        self._f.seek(self._start + self._pos)
        data = self._f.read(n)
        b[: len(data)] = data
        self._pos += len(data)
        return len(data)


def _open_zip(f: BinaryIO, what: str, max_members: int, not_zip: str) -> zipfile.ZipFile:
    """A ZipFile over ``f``, once the end record says its list of members is small."""
    end_record = getattr(zipfile, "_EndRecData", None)  # no public way to read it before zipfile parses the list
    rec = None
    if end_record is not None:
        try:
            rec = end_record(f)
        except (OSError, ValueError, struct.error, EOFError):
            rec = None
        f.seek(0)
    if rec is not None:
        n, size = int(rec[zipfile._ECD_ENTRIES_TOTAL]), int(rec[zipfile._ECD_SIZE])  # type: ignore[attr-defined]
        if n > max_members:
            raise BadProjectFile(f"{what} has {n:,} members; at most {max_members} are allowed")
        if size > MAX_DIRECTORY_BYTES:
            raise BadProjectFile(f"{what} is damaged: its list of members takes {size_text(size)} "
                                 f"(at most {size_text(MAX_DIRECTORY_BYTES)} are allowed)")
    try:
        return zipfile.ZipFile(f)
    except (*_ZIP_ERRORS, OSError):
        raise BadProjectFile(not_zip) from None


def _members(zf: zipfile.ZipFile, what: str, max_members: int, limit: int) -> dict[str, zipfile.ZipInfo]:
    """The members by name, once their count, sizes, methods and flags are acceptable."""
    infos = zf.infolist()
    if len(infos) > max_members:
        raise BadProjectFile(f"{what} has {len(infos):,} members; at most {max_members} are allowed")
    total = sum(i.file_size for i in infos)
    if total > limit:
        raise BadProjectFile(f"{what} would unpack to {size_text(total)}, more than the limit of {size_text(limit)}")
    out: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = printable(info.filename, 60)
        if info.filename in out:
            raise BadProjectFile(f"{what} holds two members named '{name}'")
        if info.flag_bits & 0x1:
            raise BadProjectFile(f"{name} is damaged: it is marked as encrypted, which nnstudio never writes")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
            raise BadProjectFile(f"{name} is compressed with {method}; nnstudio reads only stored or deflate "
                                 "members, as it writes them")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise BadProjectFile(f"{name} is damaged: its stored and unpacked sizes differ")
        if info.file_size > MAX_RATIO * info.compress_size + 1024:
            raise BadProjectFile(f"{name} claims to unpack {size_text(info.compress_size)} to "
                                 f"{size_text(info.file_size)}, more than deflate can: the file is damaged "
                                 "or made to exhaust memory")
        out[info.filename] = info
    return out


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, inflated in chunks; never more than it declares or than ``limit``."""
    name = printable(info.filename, 60)
    if info.file_size > limit:
        raise BadProjectFile(f"{name} is too large ({size_text(info.file_size)}; the limit is {size_text(limit)})")
    parts, n = [], 0
    try:
        with zf.open(info) as m:
            while True:
                part = m.read(_CHUNK)
                if not part:
                    break
                n += len(part)
                if n > info.file_size:
                    raise BadProjectFile(f"{name} is damaged: it unpacks to more than it declares")
                parts.append(part)
    except _ZIP_ERRORS as exc:
        raise BadProjectFile(f"{name} is damaged ({printable(exc, 80)})") from None
    if n != info.file_size:
        raise BadProjectFile(f"{name} is damaged: it unpacks to {n:,} bytes, not the {info.file_size:,} it declares")
    return b"".join(parts)


def _stored_offset(f: BinaryIO, info: zipfile.ZipInfo, file_size: int) -> int:
    """Where a stored member's bytes start in the file (after its local header)."""
    if not 0 <= info.header_offset < file_size:
        raise BadProjectFile(f"{ARRAYS_MEMBER} is damaged (its header is missing)")
    f.seek(info.header_offset)
    head = f.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise BadProjectFile(f"{ARRAYS_MEMBER} is damaged (its header is missing)")
    name_len, extra_len = struct.unpack("<2H", head[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    if start + info.compress_size > file_size:
        raise BadProjectFile(f"{ARRAYS_MEMBER} is damaged: the file ends before it does")
    return start
