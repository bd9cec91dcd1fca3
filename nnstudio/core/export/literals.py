"""Values written into generated Python source, each as a literal that reads back as itself.

A name in a project, a CSV header or a file path may hold anything: quotes, backslashes,
newlines, ``\"\"\"``, NUL, line separators, lone surrogates, bidi overrides. Pasted raw into a
program, such text can end a string or a comment early and turn the rest into code that
runs when the learner runs the exported file. So nothing from a user reaches generated
source except through these functions:

* :func:`text` and :func:`text_list` — a string (list of strings) as a ``repr`` literal;
* :func:`number` and :func:`integer` — numbers that read back exactly;
* :func:`docstring` — a whole triple-quoted string, every quote and backslash escaped;
* :func:`comment` — a ``#`` comment on one line, line breaks and controls escaped;
* :func:`prose` — a user's value made one safe, bounded line for a docstring or comment.
"""

from __future__ import annotations

import math
import operator
from typing import Iterable

from ..errors import SpecError
from ..safetext import escape_controls, printable

#: longest user value (characters) quoted in a docstring or comment
PROSE_LIMIT = 200


def text(value: object) -> str:
    """``value`` as a Python string literal: ``str.__repr__``, which escapes quotes,
    backslashes and every non-printable character, so the literal is one line (in
    double quotes when the text has no quote)."""
    s = value if isinstance(value, str) else str(value)
    # str.__repr__, not repr(): a str subclass cannot substitute its own __repr__
    r = str.__repr__(s)
    if r[0] == "'" and '"' not in s:
        # no quote of either kind inside: the same escapes read the same between "…"
        r = f'"{r[1:-1]}"'
    return r


def text_list(values: Iterable[object]) -> str:
    """A list of strings as a literal, ``['a', 'b']``."""
    return "[" + ", ".join(text(v) for v in values) + "]"


def number(x: float) -> str:
    """A float literal that reads back bit for bit (``repr``)."""
    x = float(x)
    if not math.isfinite(x):
        raise SpecError(f"cannot export the non-finite number {x}")
    return repr(x)


def integer(n: int) -> str:
    """An int literal; refuses anything that is not an integer (a float, a string)."""
    return str(int(operator.index(n)))


def prose(value: object, limit: int = PROSE_LIMIT) -> str:
    """A user's value as one line of plain text: controls (newlines included) escaped,
    at most ``limit`` characters. Fit for :func:`docstring` and :func:`comment`."""
    return printable(value, limit)


def docstring(body: str, indent: str = "") -> str:
    """``body`` as a triple-quoted string literal.

    Every backslash and double quote is escaped, so no text can close the literal;
    characters other than printable ones and ``\\n`` are written as escapes. Lines after
    the first are indented by ``indent`` (empty lines stay empty).
    """
    lines = []
    for line in body.split("\n"):
        safe = escape_controls(line).replace("\\", "\\\\").replace('"', '\\"')
        lines.append(safe)
    joined = ("\n").join(lines[:1] + [indent + x if x else x for x in lines[1:]])
    return f'"""{joined}"""'


def comment(line: str) -> str:
    """``# line`` as a single-line comment: line breaks and controls become escapes."""
    return "# " + escape_controls(line)


__all__ = ["PROSE_LIMIT", "comment", "docstring", "integer", "number", "prose", "text", "text_list"]
