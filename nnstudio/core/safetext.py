"""Text from files, made safe to show: control characters escaped, length bounded.

Anything a user opens (a CSV header, a project's name, a lesson's title) may hold
bytes meant to confuse a terminal (ESC sequences), a dialog (bidi overrides) or a
save routine (lone surrogates), and may be enormous. Every message that quotes such
text goes through :func:`printable` (one value) or :func:`bounded` (a whole message),
so that the GUI and the CLI always show a short line a person can read.

Names shown as they are (a lesson's title in the status bar, a project's file name in
the window title) keep their right-to-left letters, which Arabic and Hebrew titles
need, but go through :func:`isolate`: Unicode's bidirectional algorithm (UAX #9) then
lays them out on their own, so that neither their letters nor an override character
(U+202E makes "Lesson ‮evil: 3 steps" read backwards after it) reorders the interface
text around them. :func:`isolate_html` does the same for rich-text labels, escaped.

The command line quotes names with :func:`terminal`: every control and format character
escaped as :func:`printable` does (bidi overrides, embeddings and isolates of the file
become visible ``\u202e`` … ``\u2069``), and a value that still holds right-to-left
letters or Arabic digits wrapped in FSI … PDI as the window does. Terminals that lay out
bidirectional text (VTE, Konsole, mlterm) then keep the name from pulling the rest of
the line (``"שלום 3 steps"``) into its direction; terminals that do not show the two
marks as nothing (format characters take no column), and text without such letters is
printed as it is. A whole message (an error quoting a file name or a CSV column) goes
through :func:`isolate_phrases` once it is :func:`bounded`: each right-to-left phrase in it
is isolated where it stands.
"""

from __future__ import annotations

import html
import re
import unicodedata

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


# -- bidirectional text ------------------------------------------------------------------------
#: the explicit directional formatting characters of UAX #9: embeddings and overrides
#: (closed by PDF) and isolates (closed by PDI)
LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_EMBEDDINGS = frozenset(LRE + RLE + LRO + RLO)
_ISOLATES = frozenset(LRI + RLI + FSI)
_CONTROLS = _EMBEDDINGS | _ISOLATES | {PDF, PDI}
#: paragraph separators (bidi class B): every embedding and isolate ends at one
_PARAGRAPH_ENDS = frozenset("\n\r\x1c\x1d\x1e\x85\u2029")
_PARAGRAPH = re.compile("([\n\r\x1c\x1d\x1e\x85\u2029])")
#: the bidirectional classes that can reorder text around them: right-to-left letters
#: (and the RLM mark), Arabic digits, and the explicit controls
_REORDERING = frozenset({"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})


def _closers(stack: list[str]) -> str:
    return "".join(PDI if opener in _ISOLATES else PDF for opener in reversed(stack))


def balance_bidi(text: str) -> str:
    """``text`` with its explicit embeddings, overrides and isolates balanced, so that
    none reaches past its end: a PDF or PDI that closes nothing is dropped, and whatever
    is still open at the end of a line (a paragraph) is closed there.

    As UAX #9 (rules X6a, X7): a PDF closes only an embedding or override opened after
    the innermost isolate still open; a PDI closes the innermost isolate and everything
    opened inside it (written out here as PDFs before it)."""
    if text.isascii() or _CONTROLS.isdisjoint(text):
        return text
    out: list[str] = []
    stack: list[str] = []  # the openers still open, innermost last
    for ch in text:
        if ch in _EMBEDDINGS or ch in _ISOLATES:
            stack.append(ch)
        elif ch == PDF:
            if not stack or stack[-1] not in _EMBEDDINGS:
                continue  # closes nothing: an override could otherwise end an outer one
            stack.pop()
        elif ch == PDI:
            if _ISOLATES.isdisjoint(stack):
                continue  # closes nothing: it would end the isolate this text is put in
            while stack[-1] not in _ISOLATES:
                out.append(PDF)
                stack.pop()
            stack.pop()
        elif ch in _PARAGRAPH_ENDS:
            out.append(_closers(stack))
            stack.clear()
        out.append(ch)
    out.append(_closers(stack))
    return "".join(out)


def isolate(text: str) -> str:
    """``text`` ready to be embedded in a line of interface text: its controls balanced
    (:func:`balance_bidi`) and each of its lines wrapped in FIRST STRONG ISOLATE …
    POP DIRECTIONAL ISOLATE (U+2068 … U+2069), which lays it out in its own direction
    without reordering anything around it. Text that cannot reorder anything (no
    right-to-left letters, Arabic digits or explicit controls) is returned as it is."""
    if text.isascii() or _REORDERING.isdisjoint(map(unicodedata.bidirectional, text)):
        return text
    parts = _PARAGRAPH.split(balance_bidi(text))
    # the odd parts are the separators; an empty line stays empty
    return "".join(part if i % 2 or not part else FSI + part + PDI for i, part in enumerate(parts))


def terminal(value: object, limit: int = 60) -> str:
    """One value quoted in a line of terminal output: :func:`printable` (every control
    and format character escaped, at most ``limit`` characters), then :func:`isolate` (a
    value with right-to-left letters or Arabic digits in FSI … PDI)."""
    return isolate(printable(value, limit))


#: a right-to-left phrase: from a right-to-left letter or Arabic digit to the last one
#: before the next left-to-right letter (the neutrals and numbers between belong to it)
_RTL_CLASSES = frozenset({"R", "AL", "AN"})


def _phrases(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = last = -1
    for i, ch in enumerate(line):
        cls = unicodedata.bidirectional(ch)
        if cls in _RTL_CLASSES:
            if start < 0:
                start = i
            last = i
        elif cls == "L" and start >= 0:
            spans.append((start, last + 1))
            start = -1
    if start >= 0:
        spans.append((start, last + 1))
    return spans


def isolate_phrases(text: str) -> str:
    """``text`` (a whole message, :func:`bounded` already) with each right-to-left phrase
    in FSI … PDI, so that it cannot pull the numbers and punctuation after it, or the rest
    of the line, into its direction. Text that cannot reorder anything is returned as it
    is; text that still holds explicit bidi controls is isolated line by line instead."""
    if text.isascii() or _REORDERING.isdisjoint(map(unicodedata.bidirectional, text)):
        return text
    if not _CONTROLS.isdisjoint(text):
        return isolate(text)
    out = []
    for part in _PARAGRAPH.split(text):
        pieces, end = [], 0
        for a, b in _phrases(part):
            pieces += [part[end:a], FSI, part[a:b], PDI]
            end = b
        out.append("".join(pieces) + part[end:])
    return "".join(out)


def isolate_html(text: str) -> str:
    """:func:`isolate`, then HTML-escaped: for a label that shows rich text."""
    return html.escape(isolate(text), quote=True)


__all__ = ["FSI", "MESSAGE_LIMIT", "PDF", "PDI", "RLO", "balance_bidi", "bounded", "escape_controls", "isolate",
           "isolate_html", "isolate_phrases", "printable", "terminal"]
