"""What per-layer gradient magnitudes mean, in words: vanishing, exploding, uneven or even.

Bars shrinking towards the input mean vanishing gradients (the first layers barely
learn); bars growing towards the input, gradients growing over time, or a run that
diverged mean exploding ones. :func:`verdict` puts this in a sentence; :func:`fmt_value`
and :func:`fmt_ratio` write the numbers as the sentences and the bars show them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .axes import power_of_ten

Array = np.ndarray

#: a layer's gradient this large (mean |∂L/∂W| or RMS of δ) is exploding whatever the
#: other layers do; from 10 up it is exploding when it grew ×100 during the run
HUGE = 1e6
LARGE = 10.0
GROWTH = 100.0
#: first/last layer ratio beyond which gradients vanish (or explode) across the layers
SPREAD = 100.0


def fmt_value(v: float) -> str:
    """A gradient magnitude in 2 significant digits: 0.084, 2.9×10⁻⁹, ∞."""
    if math.isnan(v):
        return "—"
    if math.isinf(v):
        return "∞"
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e4:
        return f"{v:.2g}" if abs(v) < 100 else f"{v:.0f}"
    mant, exp = f"{v:.1e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return power_of_ten(int(exp)) if mant == "1" else f"{mant}×{power_of_ten(int(exp))}"


def fmt_ratio(r: float) -> str:
    """A ratio rounded to 2 significant digits, with thousands separators: 12,000; 4.6."""
    if r >= 1e9:
        return fmt_value(r)
    r2 = float(f"{r:.2g}")
    return f"{int(r2):,}" if r2 >= 100 else f"{r2:g}"


def ratio_sentence(first: float, last: float, what: str) -> str:
    """'first layer's δ is 1/12,000 of the last layer's', with what it means."""
    if not (math.isfinite(first) and math.isfinite(last)) or last <= 0 or first < 0:
        return f"The {what} of the first and last layers cannot be compared yet."
    if first == 0:
        return (f"The first layer's {what} is exactly 0: no gradient reaches it "
                "(dead units, or all inputs of the layer zero), so it cannot learn.")
    r = last / first
    if r >= 1.5:
        text = f"The first layer's {what} is 1/{fmt_ratio(r)} of the last layer's"
        if r >= SPREAD:
            text += (": vanishing gradients — the layers near the input receive almost no "
                     "learning signal, so they barely change.")
        else:
            text += "."
        return text
    if r <= 1 / 1.5:
        text = f"The first layer's {what} is {fmt_ratio(1 / r)}× the last layer's"
        if r <= 1 / SPREAD:
            text += ": exploding gradients — the early layers take huge steps."
        else:
            text += "."
        return text
    return (f"The first layer's {what} is about the same as the last layer's (×{fmt_ratio(1 / r)}): "
            "the learning signal reaches every layer.")


@dataclass(frozen=True)
class Verdict:
    """What the bars say: ``kind`` is "exploding", "vanishing", "uneven", "even",
    "dead" or "unknown"; ``text`` says it in a sentence or two."""

    kind: str
    text: str


def growth(series: Array) -> tuple[float, int]:
    """How much the largest layer's value grew during the run: its newest value over
    the smallest typical value before it (the median of the first quarter, or of the
    earliest rows), and the column where that early stretch starts."""
    s = np.asarray(series, dtype=float)
    if s.ndim != 2 or s.shape[1] < 2:
        return 1.0, 0
    with np.errstate(all="ignore"):
        top = np.nanmax(np.where(np.isfinite(s), s, np.nan), axis=0)
    ok = np.isfinite(top) & (top > 0)
    if ok.sum() < 2:
        return 1.0, 0
    idx = np.flatnonzero(ok)
    early = idx[: max(1, len(idx) // 4)]
    base = float(np.median(top[early]))
    return (float(top[idx[-1]]) / base if base > 0 else 1.0), int(early[0])


def _diverged_text(at: int, size: str, cause: str | None) -> str:
    """The verdict on a run that diverged at iteration ``at``, by its cause."""
    if cause == "start":
        return (f"Training stopped at iteration {at:,}, before any update: the freshly drawn weights already give "
                f"gradients of {size} on this data, so the learning rate is not the cause. Make the inputs (or the "
                "activation's α) smaller and reset the weights.")
    if cause == "penalty":
        return (f"Exploding gradients: training diverged at iteration {at:,}. The penalty λ is too large: its "
                f"pull on the weights made the gradients {size}. Lower λ and reset the weights.")
    if cause == "weight_decay":
        return (f"Exploding gradients: training diverged at iteration {at:,}. AdamW's weight decay flips and "
                f"grows the weights at every step; the gradients reached {size}. Lower the weight decay or the "
                "learning rate and reset the weights.")
    return (f"Exploding gradients: training diverged at iteration {at:,}. The gradients grew to {size}, so every "
            "step overshot further than the last. Lower the learning rate and reset the weights.")


def verdict(values: Array, what: str, series: Array | None = None, times: Array | None = None,
            diverged_at: int | None = None, names: Sequence[str] | None = None, cause: str | None = None) -> Verdict:
    """Say what the per-layer ``values`` (first hidden layer first) mean.

    Exploding gradients are told first, whatever the ratio of the layers: a run that
    diverged (``diverged_at``, for the ``cause`` its stop information gives: see
    :mod:`nnstudio.core.divergence`), a value that is not finite or beyond :data:`HUGE`, or a
    large value (beyond :data:`LARGE`) that grew ×:data:`GROWTH` over ``series`` (rows
    = layers, columns = ``times``). Then the first/last ratio (vanishing when the first
    layer's is 1/:data:`SPREAD` of the last's), and a layer in between far below the
    others.
    """
    v = np.asarray(values, dtype=float)
    n = len(v)
    names = list(names) if names is not None else [f"layer {i + 1}" for i in range(n)]
    finite = v[np.isfinite(v)]
    seen = [finite]
    g, g_at = 1.0, 0
    if series is not None and np.size(series):
        s = np.asarray(series, dtype=float)
        seen.append(s[np.isfinite(s)])
        g, g_at = growth(s)
    both = np.concatenate([np.ravel(a) for a in seen])
    peak = float(both.max()) if len(both) else math.nan
    nonfinite = bool(np.isinf(v).any())
    size = f"about {fmt_value(peak)}" if math.isfinite(peak) else "infinite"
    if diverged_at is not None:
        return Verdict("exploding", _diverged_text(diverged_at, size, cause))
    if math.isfinite(peak) and peak >= LARGE and g >= GROWTH:
        since = f" since iteration {int(times[g_at]):,}" if times is not None and len(times) > g_at else ""
        return Verdict("exploding", f"Exploding gradients: the {what} grew ×{fmt_ratio(g)}{since} "
                                    f"to {size}. Lower the learning rate before training diverges.")
    if nonfinite or (math.isfinite(peak) and peak >= HUGE):
        return Verdict("exploding", f"Exploding gradients: the {what} is {size}. Steps this large "
                                    "throw the weights far away; lower the learning rate.")
    if n == 0 or not len(finite):
        return Verdict("unknown", "No layer statistics yet.")
    if n == 1 and v[0] == 0:
        return Verdict("dead", f"The network has one layer, the output: its {what} is exactly 0, so its weights "
                               "do not change (every sample already fits, or no input reaches it).")
    if n == 1 and math.isfinite(float(v[0])) and v[0] > 0:
        # no first and last layer to compare ("the first layer's … is about the same as
        # the last layer's" said of one layer reads as a mistake)
        return Verdict("even", f"The network has one layer, the output: its {what} is {fmt_value(float(v[0]))}. "
                               "With no layer in front of it, the learning signal cannot fade or grow on its "
                               "way back; add hidden layers to compare them.")
    text = ratio_sentence(float(v[0]), float(v[-1]), what)
    if "vanishing" in text:
        return Verdict("vanishing", "Vanishing gradients: " + text[0].lower() + text[1:].replace(
            ": vanishing gradients — the", ": the"))
    if "exploding" in text:
        return Verdict("exploding", "Exploding gradients: " + text[0].lower() + text[1:].replace(
            ": exploding gradients — the", ": the"))
    if "exactly 0" in text:
        return Verdict("dead", text)
    if "cannot be compared" in text:
        return Verdict("unknown", text)
    # a layer in between can starve even when both ends look alike
    pos = np.where(np.isfinite(v) & (v > 0), v, np.nan)
    if n > 2 and np.isfinite(pos).sum() >= 2:
        lo = int(np.nanargmin(pos))
        spread = float(np.nanmax(pos)) / float(pos[lo])
        if spread >= SPREAD and 0 < lo < n - 1:
            return Verdict("uneven", text.rstrip(".").split(":")[0] + f", but {names[lo]}'s is "
                                     f"1/{fmt_ratio(spread)} of the largest: the learning signal nearly "
                                     "vanishes there.")
    return Verdict("even", text)
