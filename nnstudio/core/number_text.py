"""Numbers written as the app writes them: plain decimals from 0.0001 to 999,999, and
m×10ᵏ beyond ("1.608×10⁻⁵", not Python's "1.608e-05"), with a real minus sign. The
plots' axes, the counters and the engine's messages (which the command line prints too)
share them."""

from __future__ import annotations

import math

import numpy as np

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: values written as plain decimals; outside, as m×10ᵏ
PLAIN_LOW, PLAIN_HIGH = 1e-4, 1e6


def power_of_ten(k: int) -> str:
    """10^k written for a reader: 1, 10, 10⁻³."""
    if k == 0:
        return "1"
    if k == 1:
        return "10"
    return "10" + str(k).translate(_SUPERSCRIPT)


def scientific(v: float, digits: int) -> str:
    """``v`` as m×10ᵏ with ``digits`` decimals in m (10ᵏ alone when m is 1)."""
    if v == 0:
        return "0"
    k = math.floor(math.log10(abs(v)))
    m = v / 10.0 ** k
    text = f"{m:.{digits}f}"
    if abs(float(text)) >= 10:  # 9.99 rounded up to 10.0
        k += 1
        text = f"{v / 10.0 ** k:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    sign = "−" if text.startswith("-") else ""
    text = text.lstrip("-")
    return f"{sign}{power_of_ten(k)}" if text == "1" else f"{sign}{text}×{power_of_ten(k)}"


def number_text(v: float, digits: int = 4) -> str:
    """``v`` in ``digits`` significant digits as the app writes numbers: "0.004251",
    "−0.3", "1.608×10⁻⁵" (not Python's "1.608e-05"), "2.5×10⁶"; "–" when not finite."""
    v = float(v)
    if not math.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    if PLAIN_LOW <= abs(v) < PLAIN_HIGH:
        return real_minus(np.format_float_positional(v, precision=digits, unique=False, fractional=False, trim="-"))
    return scientific(float(f"{v:.{digits}g}"), digits - 1)


def real_minus(text: str) -> str:
    """A real minus sign, and no "−0"."""
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "−")

