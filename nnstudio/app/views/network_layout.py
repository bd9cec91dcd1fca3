"""Where the network view puts its neurons: one size for all, as large as fits.

Pure geometry (no Qt), so it can be checked with numbers. The columns (inputs, each
hidden layer, the output) share the width between the input labels on the left and
the output labels on the right; the neurons are squares of one size, the largest for
which every column's neurons fit the height and leave room between the columns for
the connections. A column with more neurons than fit at :data:`MIN_NEURON` shows its
first ones and a row "… N more" — never rows that overlap, and labelled rows never
closer than a line of text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

MAX_NEURON = 72  # pixels: neurons stop growing here on big screens
MIN_NEURON = 12  # below this a column shows fewer neurons instead of smaller ones
ROW_STEP = 1.25  # distance between neuron centres in a column, in neuron sizes
COLUMN_GAP = 1.8  # distance between column centres, in neuron sizes (at least): room for the lines


@dataclass(frozen=True)
class NetworkLayout:
    """Positions for one viewport size. ``rows[c]`` are the centres (y) of the first
    ``visible[c]`` neurons of column ``c``; ``more_y[c]`` the centre of its "… N more"
    row, or None when every neuron is shown."""

    size: int
    xs: tuple[float, ...]
    rows: tuple[tuple[float, ...], ...]
    visible: tuple[int, ...]
    more_y: tuple[float | None, ...]
    top: float
    bottom: float


def column_spacing(width: float, left: float, right: float, ncol: int) -> float:
    """Distance between neighbouring column centres (about: before the neuron size is
    known), for choosing compact headings."""
    return max(0.0, width - left - right) / max(1, ncol - 1) if ncol > 1 else max(0.0, width - left - right)


def plan(width: float, height: float, counts: Sequence[int], totals: Sequence[int], left: float, right: float,
         top: float, bottom: float = 6.0, line: float = 14.0, labelled: Sequence[bool] = (),
         max_size: int = MAX_NEURON, min_size: int = MIN_NEURON) -> NetworkLayout:
    """Lay out ``len(counts)`` columns in a ``width × height`` viewport.

    Parameters
    ----------
    counts : neurons that can be drawn in each column (items that exist).
    totals : neurons each column really has (more than ``counts`` for a large layer).
    left, right : room for the labels left of the first and right of the last column.
    top, bottom : room above (steppers, headings) and below the neurons.
    line : height of a line of text; labelled columns (``labelled[c]``) space their
        rows at least a line apart so their labels never overlap.
    """
    ncol = len(counts)
    width = max(1.0, float(width))
    height = max(1.0, float(height))
    labelled = tuple(labelled) + (False,) * (ncol - len(labelled))
    avail_w = max(1.0, width - left - right)
    avail_h = max(1.0, height - top - bottom)
    wanted = [c + (1 if t > c else 0) for c, t in zip(counts, totals)]
    size_w = avail_w / (1 + COLUMN_GAP * max(0, ncol - 1)) if ncol > 1 else avail_w
    size_h = avail_h / (max(wanted, default=1) * ROW_STEP)
    size = int(max(1, math.floor(min(max_size, size_w, max(size_h, min_size)))))
    size = min(size, int(max(1, math.floor(min(size_w, avail_h)))))
    spread = width - left - right - size
    xs = tuple(left + size / 2 + (k * spread / (ncol - 1) if ncol > 1 else spread / 2) for k in range(ncol))
    rows: list[tuple[float, ...]] = []
    visible: list[int] = []
    more: list[float | None] = []
    for c in range(ncol):
        step = max(size * ROW_STEP, line + 2 if labelled[c] else 0.0)
        fit = max(1, int(avail_h // step))
        n_rows = wanted[c]
        if n_rows <= fit:
            shown = counts[c]
        else:
            shown = max(1, fit - 1)
            n_rows = shown + 1
        y0 = top + (avail_h - n_rows * step) / 2 + step / 2
        rows.append(tuple(y0 + r * step for r in range(shown)))
        visible.append(shown)
        more.append(y0 + shown * step if shown < totals[c] else None)
    return NetworkLayout(size, xs, tuple(rows), tuple(visible), tuple(more), top, bottom)


__all__ = ["COLUMN_GAP", "MAX_NEURON", "MIN_NEURON", "NetworkLayout", "ROW_STEP", "column_spacing", "plan"]
