"""Open a CSV file safely and hand out its text line by line.

A learner may pick any file: a pipe, a device, a folder, a spreadsheet workbook, a
file that grows while it is read, or one made to break the loader. This module
refuses those before reading much, and never holds more than the raw bytes of the
file plus one block of decoded text:

* only regular files are opened (checked with ``stat`` before opening, and with
  ``fstat`` on the open file, which is opened without blocking so a pipe swapped in
  between cannot hang the program);
* the size declared by ``stat`` and the bytes actually read are both held to the limit,
  and so is the number of lines (:data:`MAX_LINES`);
* a first quick pass over the bytes refuses binary files (NUL bytes, or many control
  characters at the start) and picks the encoding: UTF-16 when the file starts with
  its byte-order mark, else UTF-8 (with or without BOM) when every byte decodes, else
  Windows-1252, else Latin-1 (which decodes anything);
* the second pass decodes while reading, as a text stream opened with ``newline=""``
  (lines end at ``\\r``, ``\\n`` or ``\\r\\n``, kept), as the ``csv`` module expects.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path

from ..errors import DataError
from ..safetext import printable

#: bytes read at a time in the first pass
BLOCK = 1 << 20
#: characters at the start of the text used to guess the separator
HEAD_CHARS = 65536
#: at most this share of control characters in the first block of a text file
MAX_CONTROL_SHARE = 0.05
#: more lines than this would need gigabytes once split, standardised and plotted, and
#: would not train at a useful speed; counted in the first pass, so refused at once
MAX_LINES = 2_000_000

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# bytes that Windows-1252 leaves undefined: a file holding one is read as Latin-1
_CP1252_HOLES = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
# C0 controls other than tab, newline, form feed and carriage return, and DEL
_CONTROLS = bytes([*range(0x01, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])

Progress = Callable[[float], None]
Cancel = Callable[[], bool]


class LoadCancelled(DataError):
    """The caller asked to stop loading (its ``cancel`` check returned True)."""

    def __init__(self) -> None:
        super().__init__("loading the file was cancelled")


def size_text(n_bytes: int) -> str:
    """Human-readable size in decimal units: 2_300_000_000 -> '2.3 GB'."""
    if n_bytes < 1000:
        return f"{n_bytes} bytes"
    value = float(n_bytes)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError("unreachable")


def shown_path(p: Path | str) -> str:
    """A path as it may appear in a message: controls escaped, long ones cut."""
    return printable(str(p), 120)


def not_text_error() -> DataError:
    return DataError(
        "this is not a text file (it looks binary: an Excel workbook, a zip or an image?); "
        "save it as CSV first"
    )


def too_many_lines(name: str) -> DataError:
    return DataError(f"the file '{printable(name, 80)}' has more than {MAX_LINES:,} lines; that is more "
                     "than this program can train on at a useful speed: take a sample of it")


def _line_breaks(chunk: bytes | str) -> int:
    """Line ends in ``chunk`` (``\\n``, and ``\\r`` not followed by ``\\n``)."""
    if isinstance(chunk, bytes):
        return chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
    return chunk.count("\n") + chunk.count("\r") - chunk.count("\r\n")


def check_regular_file(path: str | os.PathLike) -> tuple[Path, int]:
    """``(path, size)`` of an existing regular file, or a DataError saying what it is instead."""
    try:
        p = Path(os.fspath(path))
    except TypeError:
        raise DataError(f"{printable(repr(path), 80)} is not a file name") from None
    try:
        st = p.stat()
    except FileNotFoundError:
        raise DataError(f"the file '{shown_path(p)}' does not exist") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DataError(f"cannot open '{shown_path(p)}': {printable(reason, 80)}") from None
    _check_mode(st.st_mode, p)
    return p, st.st_size


def _check_mode(mode: int, p: Path) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise DataError(f"'{shown_path(p)}' is a folder, not a file")
    if stat.S_ISFIFO(mode):
        kind = "a pipe"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "not a regular file"
        raise DataError(f"'{shown_path(p)}' is {kind}")
    raise DataError(f"'{shown_path(p)}' is {kind}, not a regular file")


def open_regular(p: Path) -> io.BufferedReader:
    """Open ``p`` for reading without blocking, and make sure it is a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except PermissionError:
        raise DataError(f"you do not have permission to read '{shown_path(p)}'") from None
    except OSError as exc:
        raise DataError(f"cannot read '{shown_path(p)}': {printable(exc.strerror or exc, 80)}") from None
    try:
        _check_mode(os.fstat(fd).st_mode, p)
    except BaseException:
        os.close(fd)
        raise
    return open(fd, "rb", closefd=True)  # noqa: SIM115 - the caller closes it


class FileText:
    """The text of a CSV file, checked and ready to be read.

    Use as a context manager; :meth:`stream` may be read once.

    Attributes
    ----------
    name : str
        The file's name without its folder (for messages).
    size : int
        Bytes in the file.
    encoding : str
        The codec chosen by the first pass.
    head : str
        The first :data:`HEAD_CHARS` characters of the text (without a BOM).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        max_bytes: int,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> None:
        p, size = check_regular_file(path)
        self.path = p
        self.name = p.name
        self.max_bytes = max_bytes
        if size > max_bytes:
            raise DataError(
                f"the file '{printable(p.name, 80)}' is {size_text(size)}; the limit is {size_text(max_bytes)}"
            )
        if size == 0:
            raise DataError(f"the file '{printable(p.name, 80)}' is empty")
        self._progress = progress
        self._cancel = cancel
        self._text: io.TextIOWrapper | None = None
        self._file = open_regular(p)
        try:
            self.size, self.encoding, first = self._first_pass(size)
            self.head = first.decode(self.encoding, errors="replace")[:HEAD_CHARS]
        except BaseException:
            self._file.close()
            raise

    # -- the first pass: size, binary or text, encoding ---------------------------------------------
    def _too_large(self) -> DataError:
        return DataError(f"the file '{printable(self.name, 80)}' is larger than the limit of "
                         f"{size_text(self.max_bytes)}")

    def _read_block(self) -> bytes:
        try:
            return self._file.read(BLOCK)
        except OSError as exc:
            raise DataError(f"cannot read '{printable(self.name, 80)}': "
                            f"{printable(exc.strerror or exc, 80)}") from None

    def _first_pass(self, declared: int) -> tuple[int, str, bytes]:
        first = self._read_block()
        utf16 = first.startswith(_UTF16_BOMS)
        if not utf16 and (b"\x00" in first or looks_binary(first)):
            raise not_text_error()
        decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8")()
        decodes, cp1252 = True, True
        total, lines, block = 0, 0, first
        while block:
            total += len(block)
            if total > self.max_bytes:
                raise self._too_large()
            text = ""
            if decodes:
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError:
                    decodes = False
            if utf16:
                lines += _line_breaks(text)
            else:
                if b"\x00" in block:
                    raise not_text_error()
                cp1252 = cp1252 and not any(h in block for h in _CP1252_HOLES)
                lines += _line_breaks(block)
            if lines > MAX_LINES:
                raise too_many_lines(self.name)
            self._tick(0.05 * min(1.0, total / max(1, declared)))
            block = self._read_block()
        if decodes:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                decodes = False
        if total == 0:
            raise DataError(f"the file '{printable(self.name, 80)}' is empty")
        if utf16:
            if not decodes:
                raise DataError("the file says it is UTF-16 text but cannot be decoded as such")
            encoding = "utf-16"
        elif decodes:
            encoding = "utf-8-sig"
        else:
            # older spreadsheets on Windows write Windows-1252; Latin-1 decodes any byte
            encoding = "cp1252" if cp1252 else "latin-1"
        return total, encoding, first

    def _tick(self, fraction: float) -> None:
        if self._cancel is not None and self._cancel():
            raise LoadCancelled()
        if self._progress is not None:
            self._progress(min(1.0, max(0.0, fraction)))

    # -- the second pass: lines ------------------------------------------------------------------
    def fraction(self) -> float:
        """How far the second pass has read, 0 to 1 (the first pass counts for 5%)."""
        return 0.05 + 0.95 * min(1.0, self._position() / max(1, self.size))

    def _position(self) -> int:
        try:
            return self._file.tell()
        except (OSError, ValueError):
            return 0

    def stream(self) -> io.TextIOBase:
        """The text, decoded while it is read, lines split as with ``newline=""``.
        Reading may raise UnicodeDecodeError or OSError: :meth:`read_error` turns them
        into messages."""
        self._file.seek(0)
        self._text = io.TextIOWrapper(self._file, encoding=self.encoding, newline="")
        return self._text

    def read_error(self, exc: Exception) -> DataError:
        """The message for an error raised while iterating :meth:`lines`."""
        if isinstance(exc, UnicodeDecodeError):
            return DataError(f"the file '{printable(self.name, 80)}' changed while it was read; try again")
        reason = getattr(exc, "strerror", None) or str(exc)
        return DataError(f"cannot read '{printable(self.name, 80)}': {printable(reason, 80)}")

    def check(self) -> None:
        """Between chunks: stop if cancelled or if the file grew past the limit; report progress."""
        if self._position() > self.max_bytes:
            raise self._too_large()
        self._tick(self.fraction())

    def close(self) -> None:
        if self._text is not None:
            self._text.close()  # closes the file too
        else:
            self._file.close()

    def __enter__(self) -> FileText:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class StringText:
    """Text already in memory, offered like :class:`FileText` (for :func:`parse_csv_text`)."""

    def __init__(self, text: str, name: str = "", progress: Progress | None = None,
                 cancel: Cancel | None = None) -> None:
        self.name = name
        self.text = text.removeprefix("\ufeff")
        if _line_breaks(self.text) > MAX_LINES:
            raise too_many_lines(name or "text")
        self.head = self.text[:HEAD_CHARS]
        self._progress = progress
        self._cancel = cancel
        self._stream = io.StringIO(self.text, newline="")

    def fraction(self) -> float:
        return self._stream.tell() / max(1, len(self.text))

    def stream(self) -> io.TextIOBase:
        return self._stream

    def read_error(self, exc: Exception) -> DataError:
        return DataError(f"the text cannot be read: {printable(exc, 80)}")

    def check(self) -> None:
        if self._cancel is not None and self._cancel():
            raise LoadCancelled()
        if self._progress is not None:
            self._progress(self.fraction())

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> StringText:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def looks_binary(start: bytes) -> bool:
    """Whether the first bytes of a file (not UTF-16) are those of a binary file."""
    start = start[:HEAD_CHARS]
    controls = len(start) - len(start.translate(None, _CONTROLS))
    # a short text with a stray escape or two is still text; nothing but controls is not
    return b"\x00" in start or controls > MAX_CONTROL_SHARE * max(len(start), 200) or controls == len(start) > 0


def decode_start(data: bytes) -> str:
    """The first bytes of a file as text for a preview: like the loader's choice of
    encoding, but replacing what does not decode (the cut may split a character)."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    if looks_binary(data) or b"\x00" in data:
        raise not_text_error()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:  # only a character cut at the end
            return data[: exc.start].decode("utf-8-sig")
    return data.decode("cp1252" if not any(h in data for h in _CP1252_HOLES) else "latin-1", errors="replace")
