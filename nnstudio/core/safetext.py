"""Text from files, made safe to show: control characters escaped, length bounded.

Anything a user opens (a CSV header, a project's name, a lesson's title) may hold
bytes meant to confuse a terminal (ESC sequences), a dialog (bidi overrides) or a
save routine (lone surrogates), and may be enormous. Every message that quotes such
text goes through :func:`printable` (one value) or :func:`bounded` (a whole message),
so that the GUI and the CLI always show a short line a person can read.
"""

from __future__ import annotations

#: the longest message an error may carry (characters)
MESSAGE_LIMIT = 300

_ELLIPSIS = "…"


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape_controls(text: str) -> str:
    """``text`` with every control, format or surrogate character written as an escape
    (``\\x1b``, ``\\u202e``, ``\\ud800``); ordinary text, accents and emoji stay."""
    if text.isprintable():  # the common case, in C
        return text
    # not printable: C0/C1 controls and DEL, lone surrogates (not encodable as UTF-8),
    # format characters such as bidi overrides, separators other than the space, and
    # unassigned code points
    return "".join(ch if ch.isprintable() else _escape_char(ch) for ch in text)


def printable(value: object, limit: int = 60) -> str:
    """A short, safe rendering of one value quoted in a message: ``str(value)`` with
    controls escaped and at most ``limit`` characters (an ellipsis marks a cut)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > 4 * limit:  # never escape megabytes only to cut them
        text = text[: 4 * limit]
    text = escape_controls(text)
    if len(text) > limit:
        text = text[: max(1, limit - 1)] + _ELLIPSIS
    return text


def bounded(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """A whole message made safe to show: controls escaped (newlines and tabs kept),
    at most ``limit`` characters."""
    if len(message) > 4 * limit:
        message = message[: 4 * limit]
    lines = [escape_controls(line.replace("\t", " ")) for line in message.split("\n")]
    text = "\n".join(lines)
    if len(text) > limit:
        text = text[: max(1, limit - 1)] + _ELLIPSIS
    return text


__all__ = ["MESSAGE_LIMIT", "bounded", "escape_controls", "printable"]
