"""JSON from files a user opens, parsed within limits that are checked before anything is built.

``json.loads`` on its own trusts the text it is given:

* nesting recurses: ``[[[[…]]]]`` a thousand deep ends in a ``RecursionError`` (and every
  later walk over the result recurses too). :func:`loads` measures the depth of the text
  first, without recursing, and refuses more than ``max_depth`` levels;
* an integer of thousands of digits costs quadratic time to convert, and past 4,300
  digits Python refuses it with a ``ValueError``; numbers here are limited to
  :data:`MAX_INT_DIGITS` digits (2**64 has 20; the 128-bit states of random generators are
  written as strings) and :data:`MAX_NUMBER_CHARS` characters;
* ``1e400`` becomes ``inf``, and ``NaN``/``Infinity`` are read although JSON has no such
  numbers: both are refused, so every number read is finite;
* ``"\\ud800"`` is a lone surrogate, a string that cannot be written as UTF-8 (saving it
  again, or printing it, would fail): lone surrogates become U+FFFD "�".

Problems with limits raise :class:`JSONLimitError`; malformed text raises
``json.JSONDecodeError`` as usual (its line and column are what a person needs).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Callable

import numpy as np

from .safetext import printable

#: deepest nesting of objects and lists accepted (project and lesson files nest 5–7 deep)
MAX_DEPTH = 32
#: most digits of an integer
MAX_INT_DIGITS = 30
#: most characters of one number (Python writes any float in at most 24)
MAX_NUMBER_CHARS = 64

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]|[\ud800-\udfff]")


class JSONLimitError(ValueError):
    """The text goes beyond a limit of :func:`loads`; ``str()`` says which, for a person."""


class DuplicateKeyError(JSONLimitError):
    """An object of the text has the same key twice (``key``: which)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key '{printable(_utf8_safe(key), 40)}' appears twice in one object (which one "
                         "counts is not clear)")
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An ``object_pairs_hook`` for :func:`loads` that refuses a key given twice in one object
    (``json.loads`` keeps the last silently; another reader may keep the first)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(key)
        out[key] = value
    return out


def nesting_depth(text: str) -> int:
    """How deeply objects and lists nest in ``text``, counted without parsing it.

    Brackets inside strings do not count. In text that is not JSON (an unterminated
    string) the count may be too high; such text is refused by the parser anyway.
    """
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not skeleton:
        return 0
    b = np.frombuffer(skeleton.encode("ascii"), dtype=np.uint8)
    steps = np.where((b == ord("[")) | (b == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def _parse_int(s: str) -> int:
    digits = len(s) - s.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise JSONLimitError(f"a whole number has {digits:,} digits ({s[:12]}…); "
                             f"at most {MAX_INT_DIGITS} are allowed")
    return int(s)


def _parse_float(s: str) -> float:
    if len(s) > MAX_NUMBER_CHARS:
        raise JSONLimitError(f"a number is written with {len(s):,} characters ({s[:12]}…); "
                             f"at most {MAX_NUMBER_CHARS} are allowed")
    x = float(s)
    if not math.isfinite(x):
        raise JSONLimitError(f"the number {s} is too large")
    return x


def _parse_constant(name: str) -> Any:
    raise JSONLimitError(f"{name} is not a number JSON allows")


def _utf8_safe(s: str) -> str:
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        # UTF-16 joins valid surrogate pairs and turns the lone ones into U+FFFD
        return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean_strings(value: Any) -> Any:
    """``value`` with every string (and key) made writable as UTF-8; containers are fixed
    in place, without recursion."""
    if isinstance(value, str):
        return _utf8_safe(value)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, str):
                    node[i] = _utf8_safe(v)
                elif isinstance(v, (list, dict)):
                    stack.append(v)
        elif isinstance(node, dict):
            for k in list(node):
                v = node[k]
                if isinstance(k, str) and _utf8_safe(k) != k:
                    del node[k]
                    k = _utf8_safe(k)
                    node[k] = v
                if isinstance(v, str):
                    node[k] = _utf8_safe(v)
                elif isinstance(v, (list, dict)):
                    stack.append(v)
    return value


def loads(text: str, max_depth: int = MAX_DEPTH,
          object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None) -> Any:
    """Parse ``text`` as strict JSON within the limits of this module.

    Raises
    ------
    JSONLimitError
        Nesting deeper than ``max_depth``, a number too long or too large, NaN or Infinity.
    json.JSONDecodeError
        The text is not JSON.
    """
    depth = nesting_depth(text)
    if depth > max_depth:
        raise JSONLimitError(f"it nests {depth:,} levels deep; at most {max_depth} are allowed")
    value = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant,
                       object_pairs_hook=object_pairs_hook)
    if _SURROGATE.search(text):
        value = clean_strings(value)
    return value


__all__ = ["DuplicateKeyError", "JSONLimitError", "MAX_DEPTH", "MAX_INT_DIGITS", "MAX_NUMBER_CHARS", "clean_strings", "loads",
           "nesting_depth", "unique_keys"]
