"""Colours shared by every view, following the system's light or dark appearance.

The class colours are the ones learners know from TensorFlow Playground: orange for
the negative class, blue for the positive one. Multi-class data uses a qualitative
palette that stays distinguishable for the common forms of colour blindness.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QGuiApplication, QPalette

NEGATIVE = QColor(245, 147, 34)  # class 0 / negative weights
POSITIVE = QColor(8, 119, 189)  # class 1 / positive weights
#: Okabe–Ito, without black
CLASS_COLORS = [
    QColor(230, 159, 0), QColor(0, 114, 178), QColor(0, 158, 115), QColor(204, 121, 167),
    QColor(213, 94, 0), QColor(86, 180, 233), QColor(240, 228, 66), QColor(120, 120, 120),
    QColor(150, 75, 0), QColor(100, 60, 160),
]
TRAIN = QColor(8, 119, 189)
VALIDATION = QColor(230, 110, 20)
LAYER_COLORS = [QColor(c) for c in ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")]


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    pal = app.palette()  # type: ignore[attr-defined]
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def foreground() -> QColor:
    return QColor(220, 220, 220) if is_dark() else QColor(40, 40, 40)


def muted_text() -> QColor:
    """Secondary text (captions, hints): between the text and the background colour, but
    with a contrast of at least 4.5:1 against the background (WCAG AA) in light and dark."""
    app = QGuiApplication.instance()
    if app is None:
        return QColor(90, 90, 90)
    pal = app.palette()  # type: ignore[attr-defined]
    fg, bg = pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.Window)
    for t in (0.65, 0.75, 0.85, 1.0):
        c = QColor(round(bg.red() + (fg.red() - bg.red()) * t), round(bg.green() + (fg.green() - bg.green()) * t),
                   round(bg.blue() + (fg.blue() - bg.blue()) * t))
        if contrast(c, bg) >= 4.5:
            return c
    return fg


def ensure_readable_hints() -> None:
    """Give the application palette's placeholder-text colour (used for captions and
    hints) a contrast of at least 4.5:1; Qt's default is fainter."""
    app = QGuiApplication.instance()
    if app is None:
        return
    pal = app.palette()  # type: ignore[attr-defined]
    want = muted_text()
    if pal.color(QPalette.ColorRole.PlaceholderText) != want:
        pal.setColor(QPalette.ColorRole.PlaceholderText, want)
        app.setPalette(pal)  # type: ignore[attr-defined]


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 … 21)."""
    def lum(c: QColor) -> float:
        def ch(v: int) -> float:
            x = v / 255
            return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.red()) + 0.7152 * ch(c.green()) + 0.0722 * ch(c.blue())
    la, lb = sorted((lum(a), lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def background() -> QColor:
    app = QGuiApplication.instance()
    if app is None:
        return QColor("white")
    return app.palette().color(QPalette.ColorRole.Base)  # type: ignore[attr-defined]


def apply_pyqtgraph_theme() -> None:
    """Make new pyqtgraph plots match the application palette (call once at start-up
    and again when the system switches between light and dark)."""
    pg.setConfigOptions(antialias=True, background=background(), foreground=foreground())


def layer_color(i: int) -> QColor:
    return LAYER_COLORS[i % len(LAYER_COLORS)]


def class_color(i: int, n_classes: int) -> QColor:
    if n_classes <= 2:
        return NEGATIVE if i == 0 else POSITIVE
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def diverging_lut(n: int = 256) -> np.ndarray:
    """Orange → white → blue lookup table (n, 4) uint8, for values in [0, 1] (binary
    probabilities) or signed values mapped to [0, 1]."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    neg = np.array([NEGATIVE.red(), NEGATIVE.green(), NEGATIVE.blue()], float)
    pos = np.array([POSITIVE.red(), POSITIVE.green(), POSITIVE.blue()], float)
    mid = np.array([245.0, 245.0, 245.0]) if not is_dark() else np.array([60.0, 60.0, 60.0])
    lower = neg + (mid - neg) * (t / 0.5)
    upper = mid + (pos - mid) * ((t - 0.5) / 0.5)
    rgb = np.where(t < 0.5, lower, upper)
    return np.column_stack([rgb, np.full(n, 255.0)]).astype(np.uint8)
