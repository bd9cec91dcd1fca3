"""The Data panel's thumbnails: a small picture of each data set (a scatter plot of its
points, or four of its handwritten digits) on the button that chooses it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QToolButton

from ...core.data import Dataset, generate, load_bundled
from ...core.errors import NNStudioError
from .. import theme

#: the thumbnails' size in pixels
THUMB = 52

THUMB_STYLE = """
    QToolButton#thumb { border: 1px solid transparent; border-radius: 6px; padding: 2px; }
    QToolButton#thumb:hover { border-color: palette(mid); }
    QToolButton#thumb:checked { border: 2px solid palette(highlight); background: palette(alternate-base); }
"""


def _value_color(t: float) -> QColor:
    """Orange (low) → grey → blue (high) for t in [0, 1]: regression targets."""
    neg, pos, mid = theme.NEGATIVE, theme.POSITIVE, QColor(150, 150, 150)
    a, b, u = (neg, mid, t / 0.5) if t < 0.5 else (mid, pos, (t - 0.5) / 0.5)
    return QColor(round(a.red() + (b.red() - a.red()) * u), round(a.green() + (b.green() - a.green()) * u),
                  round(a.blue() + (b.blue() - a.blue()) * u))


def dataset_pixmap(ds: Dataset, size: int, palette: QPalette, columns: tuple[int, int] = (0, 1),
                   domain: tuple[tuple[float, float], tuple[float, float]] | None = None) -> QPixmap:
    """A small scatter plot of ``ds``: classes in their colours, regression by value.

    2-D data plots ``columns`` against each other; 1-D data plots x against the target.
    """
    ratio = 2.0
    pm = QPixmap(int(size * ratio), int(size * ratio))
    pm.setDevicePixelRatio(ratio)
    pm.fill(palette.color(QPalette.ColorRole.Base))
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    X = np.asarray(ds.X, dtype=float)
    y = np.asarray(ds.y, dtype=float)
    if X.shape[1] >= 2:
        xs, ys = X[:, columns[0]], X[:, columns[1]]
    else:
        xs, ys = X[:, 0], y
    if domain is None:
        pad_x = 0.08 * (np.ptp(xs) or 1.0)
        pad_y = 0.08 * (np.ptp(ys) or 1.0)
        domain = ((xs.min() - pad_x, xs.max() + pad_x), (ys.min() - pad_y, ys.max() + pad_y))
    (x0, x1), (y0, y1) = domain
    m = 3.0
    sx = (size - 2 * m) / ((x1 - x0) or 1.0)
    sy = (size - 2 * m) / ((y1 - y0) or 1.0)
    if ds.task == "regression":
        lo, hi = float(y.min()), float(y.max())
        ts = (y - lo) / ((hi - lo) or 1.0)
        colors = [_value_color(float(t)) for t in ts]
    else:
        k = ds.n_classes
        cache = [theme.class_color(i, k) for i in range(k)]
        colors = [cache[int(c)] for c in y]
    p.setPen(Qt.PenStyle.NoPen)
    r = 1.7
    for px, py, c in zip(xs, ys, colors):
        p.setBrush(c)
        p.drawEllipse(QPointF(m + (px - x0) * sx, size - m - (py - y0) * sy), r, r)
    p.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    p.end()
    return pm


def digits_pixmap(ds: Dataset, size: int, palette: QPalette) -> QPixmap:
    """Four handwritten digits of the bundled set, 2 × 2, ink on the base colour."""
    ratio = 2.0
    pm = QPixmap(int(size * ratio), int(size * ratio))
    pm.setDevicePixelRatio(ratio)
    base = palette.color(QPalette.ColorRole.Base)
    ink = palette.color(QPalette.ColorRole.Text)
    pm.fill(base)
    p = QPainter(pm)
    cell = (size - 2) / 16.0
    picks = [int(np.flatnonzero(ds.y == d)[0]) for d in (1, 2, 3, 5) if np.any(ds.y == d)]
    for n, row in enumerate(picks[:4]):
        img = ds.X[row].reshape(8, 8) / 16.0
        ox, oy = 1 + (n % 2) * 8 * cell, 1 + (n // 2) * 8 * cell
        for i in range(8):
            for j in range(8):
                t = float(img[i, j])
                c = QColor(round(base.red() + (ink.red() - base.red()) * t),
                           round(base.green() + (ink.green() - base.green()) * t),
                           round(base.blue() + (ink.blue() - base.blue()) * t))
                p.fillRect(QRectF(ox + j * cell, oy + i * cell, cell + 0.3, cell + 0.3), c)
    p.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
    p.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    p.end()
    return pm


def generator_thumbnail(name: str, palette: QPalette) -> QPixmap:
    ds = generate(name, 200, 0.1, seed=0)
    domain = ((-6.0, 6.0), (-6.0, 6.0)) if ds.n_features == 2 else None
    return dataset_pixmap(ds, THUMB, palette, domain=domain)


def bundled_thumbnail(name: str, palette: QPalette) -> QPixmap:
    try:
        ds = load_bundled(name)
    except NNStudioError:
        pm = QPixmap(THUMB, THUMB)
        pm.fill(palette.color(QPalette.ColorRole.Base))
        return pm
    if name == "digits":
        return digits_pixmap(ds, THUMB, palette)
    return dataset_pixmap(ds, THUMB, palette, columns=(2, 3))  # iris: petal length vs width


def thumb_button(title: str, tooltip: str, pixmap: QPixmap) -> QToolButton:
    b = QToolButton()
    b.setObjectName("thumb")
    b.setStyleSheet(THUMB_STYLE)
    b.setCheckable(True)
    b.setText(title)
    b.setToolTip(tooltip)
    b.setIcon(QIcon(pixmap))
    b.setIconSize(QSize(THUMB, THUMB))
    b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    f = b.font()  # titles such as "Gaussians" fit a quarter of a narrow panel
    f.setPointSizeF(max(7.0, f.pointSizeF() * 0.85))
    b.setFont(f)
    return b
