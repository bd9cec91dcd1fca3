"""The names of a bar plot's layers, 1 … out, as many as the plot has room for."""

from __future__ import annotations

import math

from PySide6.QtGui import QFontMetrics


def layer_ticks(slots: int, width: float, metrics: QFontMetrics) -> list[tuple[int, str]]:
    """Ticks ``(place, name)`` for ``slots`` layers on a plot ``width`` pixels wide: every
    layer where the names stay apart, else every second, third … (at most 12), always
    the first and "out", the last (wider than a number: its neighbour leaves it room)."""
    if slots <= 0:
        return []
    room = max(metrics.horizontalAdvance(str(slots - 1)), metrics.horizontalAdvance("out") / 2 + 4) + 6
    per_slot = width / slots
    step = max(1, math.ceil(slots / 12), math.ceil(room / max(per_slot, 1.0)))
    ticks = [(i, str(i + 1)) for i in range(0, slots - 1, step)]
    while ticks and (slots - 1 - ticks[-1][0]) * per_slot < metrics.horizontalAdvance("out") / 2 + room / 2:
        ticks.pop()
    ticks.append((slots - 1, "out"))
    return ticks


__all__ = ["layer_ticks"]
