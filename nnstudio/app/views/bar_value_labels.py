"""The values written over the Gradients view's bars.

Each bar's value stands over it when the plot has room, else those of the first and
last layers; of two that would overlap the earlier keeps its place. A value is shown
wholly inside the plot or not at all: one wider than the plot takes a smaller font (down
to :data:`MIN_LABEL_SCALE`), and is left out when even that is too wide (cut at the
plot's edge, 0.0046 read "0046").
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg

from .gradient_verdict import fmt_value

Array = np.ndarray

#: the smallest font a bar's value may take to fit a narrow plot (share of its own)
MIN_LABEL_SCALE = 0.75


def place_bar_labels(vb: pg.ViewBox, bar_x: tuple[float, float], n_slots: int, base: float, top: float,
                     runs: Sequence[tuple[list[pg.TextItem], Array, Array, Array]], point_size: float) -> None:
    """Write each bar's value over it when there is room, else those of the first and
    last layers; of two labels that would overlap, the earlier keeps its place (A's
    before B's, the first and last layers before the others). With two runs both
    values of a layer stand over the taller bar of its pair, B's above A's, so that
    neither covers the other run's bar.

    ``vb``: the bar plot's view box, whose x range is ``bar_x`` over ``n_slots``
    slots and y range ``base``…``top`` (log₁₀ of the values); ``runs``: per run, its
    labels, their bars' x, the values and their logs; ``point_size``: the labels'
    usual font size."""
    width = vb.width() or 300.0
    height = vb.height() or 200.0
    roomy = width / max(1, n_slots) >= 52
    x0, x1 = bar_x
    unit = (x1 - x0) / max(width, 1.0)  # x units per pixel
    yunit = (top - base) / max(height, 1.0)
    pair_top: dict[int, float] = {}
    if len(runs[1][1]):
        for _, xs, _, logs in runs:
            for x, lg in zip(xs, logs):
                if math.isfinite(lg):
                    slot = round(float(x))
                    pair_top[slot] = max(pair_top.get(slot, lg), float(lg))
    order = []
    for k, (labels, _, _, _) in enumerate(runs):
        n = len(labels)
        ends = [i for i in dict.fromkeys((0, n - 1)) if 0 <= i < n]
        order += [(0 if i in ends else 1, k, i) for i in range(n)]
    placed: list[tuple[float, float, float, float]] = []
    for rank, k, i in sorted(order):
        labels, xs, values, logs = runs[k]
        t, v, lg = labels[i], float(values[i]), float(logs[i])
        text = fmt_value(v) if roomy or rank == 0 else ""
        if text != t.textItem.toPlainText():
            t.setText(text)
        if not text:
            continue
        # a value wider than the plot takes a smaller font, or is not shown: clipped
        # at the plot's edge, 0.0046 read "0046" (two runs at 1024×700)
        if not fit_label(t, width, point_size):
            t.setText("")
            continue
        # centred over its bar, but never past the plot's edges
        box = t.textItem.boundingRect()
        half = 0.5 * box.width() * unit
        x = min(max(float(xs[i]), x0 + half), x1 - half)
        y = pair_top.get(round(float(xs[i])), lg) if math.isfinite(lg) else base
        if k == 1:
            y += box.height() * yunit  # stacked on A's
        y = min(y, top - box.height() * yunit)  # under the plot's top edge, not cut by it
        t.setPos(x, y)
        rect = (x - half, x + half, y, y + box.height() * yunit)
        if any(r[0] < rect[1] and rect[0] < r[1] and r[2] < rect[3] and rect[2] < r[3] for r in placed):
            t.setText("")
            continue
        placed.append(rect)

def fit_label(t: pg.TextItem, width: float, usual: float) -> bool:
    """Give a bar's value its ``usual`` font size, or a smaller one (down to
    :data:`MIN_LABEL_SCALE` of it) when it is wider than the plot (``width`` px);
    False when even that is too wide."""
    font = t.textItem.font()
    if font.pointSizeF() != usual:
        font.setPointSizeF(usual)
        t.setFont(font)
    room = width - 2.0
    wide = t.textItem.boundingRect().width()
    if wide <= room:
        return True
    margins = 2.0 * t.textItem.document().documentMargin()  # they keep their size
    scale = (room - margins) / max(wide - margins, 1.0)
    while scale >= MIN_LABEL_SCALE:  # (text widths do not scale exactly with the font)
        font.setPointSizeF(usual * scale)
        t.setFont(font)
        if t.textItem.boundingRect().width() <= room:
            return True
        scale *= 0.97
    return False


__all__ = ["MIN_LABEL_SCALE", "fit_label", "place_bar_labels"]
