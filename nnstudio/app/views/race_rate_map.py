"""The race's rate map: how fast momentum converges on the bowl, for every setting.

After Goh, "Why Momentum Really Works" (Distill, 2017). Across: the learning rate η;
up: the momentum μ. Each pixel is coloured by the rate ``ρ`` at which the error shrinks
per step with those settings (:func:`nnstudio.core.momentum_theory.rate_map`), shown as
the steps it takes to make the error 10 times smaller; the grey region diverges (ρ ≥ 1),
bounded by the dashed line ``η = 2(1 + μ)/λₙ``. The bottom edge, μ = 0, is plain
gradient descent.

The app's momentum is PyTorch's ``v ← μ·v + g``, ``w ← w − η·v``, which is Goh's
``z ← β·z + ∇f``, ``w ← w − α·z`` with ``α = η`` and ``β = μ``: the map's numbers are
the race's settings unchanged.

Marks: the star is the best setting (α*, β*), the ring the Momentum racer's setting,
the square SGD's learning rate (on μ = 0). Clicking the map picks η and μ for the
Momentum racer (:attr:`RateMapWidget.sigPicked`); a click within a few pixels of the
star picks the optimum exactly.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QResizeEvent, QTextDocument
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...core.momentum_theory import heavy_ball_rate, optimal_heavy_ball, rate_map, steps_per_decade
from .axes import ReadableAxis
from .race_racers import RACERS

Array = np.ndarray

#: grid cells per axis
CELLS = 160
#: the map reaches this multiple of 4/λₙ, the largest learning rate any μ < 1 survives
LR_SPAN = 1.1
#: the highest momentum drawn
MU_TOP = 0.999
#: colour scale: 1 to 10⁴ steps per 10× smaller error (log10 of it from 0 to 4)
DECADES = 4.0
#: the colour of settings that diverge
DIVERGED = QColor(200, 200, 200)
#: a click this close to the star (pixels) picks the optimum exactly
SNAP_PIXELS = 9
#: the plot keeps at least this height before the read-out under it is shown
PLOT_ROOM = 110
COLORS = dict(RACERS)


def _cmap_lut() -> Array:
    """Dark = fast, light = slow; the last entry is the divergence grey."""
    lut = np.asarray(pg.colormap.get("viridis").getLookupTable(nPts=255), dtype=np.uint8)[:, :3]
    grey = np.array([[DIVERGED.red(), DIVERGED.green(), DIVERGED.blue()]], dtype=np.uint8)
    return np.vstack([lut, grey])


def _rate_text(rate: float) -> str:
    if not math.isfinite(rate) or rate >= 1.0:
        return "diverges" if rate > 1.0 else "does not converge"
    steps = float(steps_per_decade(rate))
    return f"×{rate:.4f} per step ({steps:.3g} steps per 10×)"


def _rate_cell(rate: float) -> str:
    """The read-out's rate column: the factor per step."""
    if not math.isfinite(rate) or rate >= 1.0:
        return "<b>diverges</b>" if rate > 1.0 else "stays"
    return f"×{rate:.4f}"


class RateMapWidget(QWidget):
    """Momentum's convergence rate over the (η, μ) plane for the bowl's curvatures."""

    #: a setting was clicked: (learning rate η, momentum μ)
    sigPicked = Signal(float, float)
    #: hover read-out for the status bar
    sigStatus = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.curvatures: tuple[float, ...] = (1.0, 25.0)
        self.current: tuple[float, float] = (0.02, 0.9)
        self.sgd_lr: float | None = None
        self.optimum: tuple[float, float, float] = optimal_heavy_ball(self.curvatures)
        self.rates: Array = np.zeros((CELLS, CELLS))
        self.lr_max = 1.0

        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        self.plot_widget = pg.PlotWidget(axisItems={"bottom": ReadableAxis("bottom"), "left": ReadableAxis("left")})
        self.plot_widget.setMinimumSize(160, 60)
        self.plot: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.getAxis("bottom").setLabel("learning rate η (Goh's α)", siPrefixEnableRanges=())
        self.plot.getAxis("left").setLabel("momentum μ (β)", siPrefixEnableRanges=())
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(_cmap_lut())
        self.image.setZValue(-20)
        self.plot.addItem(self.image)
        self.boundary = pg.PlotCurveItem(pen=pg.mkPen(QColor(90, 90, 90), width=1.5, style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.boundary)
        self.diverge_text = pg.TextItem("diverges", color=QColor(70, 70, 70), anchor=(1.0, 1.0))
        self.plot.addItem(self.diverge_text)
        self.key_text = pg.TextItem("darker = faster", color=QColor(30, 30, 30), anchor=(0.0, 1.0))
        self.plot.addItem(self.key_text)
        self.sgd_mark = pg.ScatterPlotItem(symbol="s", size=11, brush=pg.mkBrush(COLORS["sgd"]),
                                           pen=pg.mkPen("w", width=1.2))
        # the ring is larger than the star: on the optimum it circles it
        self.current_mark = pg.ScatterPlotItem(symbol="o", size=22, brush=pg.mkBrush(255, 255, 255, 40),
                                               pen=pg.mkPen(COLORS["momentum"], width=3))
        self.best_mark = pg.ScatterPlotItem(symbol="star", size=16, brush=pg.mkBrush(255, 255, 255),
                                            pen=pg.mkPen(QColor(20, 20, 20), width=1.2))
        for z, item in enumerate((self.sgd_mark, self.current_mark, self.best_mark)):
            item.setZValue(5 + z)
            self.plot.addItem(item)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self._about = (
            "Click to give the Momentum racer that learning rate η and momentum μ (the race restarts); "
            "click the star for the best setting. PyTorch's momentum v ← μ·v + g, w ← w − η·v is Goh's "
            "z ← β·z + ∇f, w ← w − α·z with α = η, β = μ.")
        self.plot_widget.setToolTip(self._about)
        col.addWidget(self.plot_widget, 1)
        self.readout = QLabel("")
        #: the read-out's wordings, longest first: the table of rates with the convention
        #: under it, the table alone, the table smaller (see _fit_readout)
        self._readouts: tuple[str, ...] = ("",)
        self.readout.setObjectName("rateReadout")
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        col.addWidget(self.readout)
        self.setMinimumHeight(60)
        self.set_curvatures(self.curvatures)

    # ------------------------------------------------------------------ public
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """On a short dock the read-out gives its lines to the plot (they stay the tooltip)."""
        super().resizeEvent(event)
        self._fit_readout()

    def _fit_readout(self) -> None:
        """The table of rates and the convention under it; on a smaller dock the table
        alone (the convention stays in the tooltip), smaller; where even that does not
        fit whole, none (a number cut at the edge would read as another)."""
        width = max(1, self.width())
        for text in self._readouts:
            if self.readout.text() != text:
                self.readout.setText(text)
            doc = QTextDocument()
            doc.setDefaultFont(self.readout.font())
            doc.setHtml(text)
            if (doc.idealWidth() <= width
                    and self.height() >= self.readout.heightForWidth(width) + PLOT_ROOM):
                self.readout.setVisible(True)
                return
        self.readout.setVisible(False)

    def set_curvatures(self, curvatures: Sequence[float]) -> None:
        """The bowl's eigenvalues (λ₁ … λₙ): recompute the map and the optimum."""
        self.curvatures = tuple(float(c) for c in curvatures)
        lam_max = max(self.curvatures)
        self.lr_max = LR_SPAN * 4.0 / lam_max
        self.optimum = optimal_heavy_ball(self.curvatures)
        dx, dy = self.lr_max / CELLS, MU_TOP / CELLS
        lrs = (np.arange(CELLS) + 0.5) * dx
        mus = (np.arange(CELLS) + 0.5) * dy
        self.rates = rate_map(self.curvatures, lrs, mus)
        with np.errstate(divide="ignore"):
            level = np.log10(steps_per_decade(np.minimum(self.rates, 0.999999999)))
        index = np.clip(np.round(level / DECADES * 254), 0, 254)
        index[self.rates >= 1.0] = 255
        self.image.setImage(index.astype(np.uint8), levels=(0, 255), autoLevels=False)
        self.image.setRect(QRectF(0.0, 0.0, self.lr_max, MU_TOP))
        mu = np.linspace(0.0, MU_TOP, 50)
        self.boundary.setData(2.0 * (1.0 + mu) / lam_max, mu)
        self.diverge_text.setPos(self.lr_max, 0.02)
        self.key_text.setPos(0.0, 0.02)
        # a little below μ = 0, so that SGD's square on the bottom edge shows whole
        self.plot.setRange(QRectF(0.0, -0.04, self.lr_max, 1.04), padding=0.0)
        a, b, _r = self.optimum
        self.best_mark.setData([a], [b])
        self._show_marks()

    def set_current(self, lr: float, momentum: float, sgd_lr: float | None = None) -> None:
        """Mark the Momentum racer's setting and SGD's learning rate (None: SGD is not racing)."""
        current, sgd = (float(lr), float(momentum)), None if sgd_lr is None else float(sgd_lr)
        if (current, sgd) == (self.current, self.sgd_lr):
            return  # called on every step of the race
        self.current, self.sgd_lr = current, sgd
        self._show_marks()

    def rate_at(self, lr: float, momentum: float) -> float:
        """Momentum's rate per step at (η, μ) on this bowl (the closed form)."""
        return float(heavy_ball_rate(lr, momentum, self.curvatures))

    def shown_rates(self) -> tuple[float, float, float | None]:
        """(current, optimum, SGD) rates as the read-out states them."""
        sgd = None if self.sgd_lr is None else self.rate_at(self.sgd_lr, 0.0)
        return self.rate_at(*self.current), self.optimum[2], sgd

    def pixel_of(self, lr: float, momentum: float) -> QPointF:
        """Where (η, μ) lies on the plot widget (for tests and lessons)."""
        scene = self.plot.vb.mapViewToScene(QPointF(lr, momentum))
        return QPointF(self.plot_widget.mapFromScene(scene))

    # ------------------------------------------------------------------ drawing
    def _show_marks(self) -> None:
        lr, mu = self.current
        # a setting off the map is drawn at its edge, in the direction it lies
        self.current_mark.setData([min(lr, self.lr_max)], [min(max(mu, 0.0), MU_TOP)])
        if self.sgd_lr is None:
            self.sgd_mark.setData([], [])
        else:
            self.sgd_mark.setData([min(self.sgd_lr, self.lr_max)], [0.0])
        cur, best, sgd = self.shown_rates()
        a, b, _r = self.optimum
        rows = [(f"<span style='color:{COLORS['momentum'].name()}'>●</span>&nbsp;Momentum", f"{lr:.4g}",
                 f"{mu:.3g}", _rate_cell(cur)),
                ("★&nbsp;best", f"{a:.4g}", f"{b:.3f}", _rate_cell(best))]
        tips = [f"Momentum: {_rate_text(cur)}", f"best (α*, β*): {_rate_text(best)}"]
        if sgd is not None and self.sgd_lr is not None:
            rows.append((f"<span style='color:{COLORS['sgd'].name()}'>■</span>&nbsp;SGD", f"{self.sgd_lr:.4g}", "0",
                         _rate_cell(sgd)))
            tips.append(f"SGD: {_rate_text(sgd)}")
        def table(last: str, pad: int, size: str = "") -> str:
            font = f" font-size:{size};" if size else ""
            cell = f"<td style='padding-right:{pad}px; white-space:nowrap;{font}'>{{}}</td>"
            html_rows = ["<tr>" + "".join(cell.format(f"<i>{h}</i>" if h else "") for h in ("", "η", "μ", last))
                         + "</tr>"]
            html_rows += ["<tr>" + "".join(cell.format(c) for c in row) + "</tr>" for row in rows]
            return "<table cellspacing='0' cellpadding='0'>" + "".join(html_rows) + "</table>"

        convention = ("<span style='font-size:small'>PyTorch's v ← μv + g, w ← w − ηv (this app's) is "
                      "Goh's rule with α = η, β = μ</span>")
        self._readouts = (table("error per step", 8) + convention, table("error per step", 8),
                          table("per step", 4, "small"))
        self.readout.setToolTip("\n".join(tips))
        self.plot_widget.setToolTip(self._about + "\n\n" + "\n".join(tips))
        self._fit_readout()

    # ------------------------------------------------------------------ mouse
    def _setting_at(self, scene_pos: QPointF) -> tuple[float, float] | None:
        if not self.plot.vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.plot.vb.mapSceneToView(scene_pos)
        lr, mu = float(p.x()), float(p.y())
        if not (0.0 < lr <= self.lr_max and 0.0 <= mu <= 1.0):
            return None
        return lr, min(mu, 0.9999)

    def _on_click(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        picked = self._setting_at(ev.scenePos())
        if picked is None:
            return
        a, b, _r = self.optimum
        star = self.plot.vb.mapViewToScene(QPointF(a, b))
        d = ev.scenePos() - star
        if math.hypot(d.x(), d.y()) <= SNAP_PIXELS:
            picked = (a, b)
        ev.accept()
        self.sigPicked.emit(picked[0], picked[1])

    def _hover(self, pos: QPointF) -> None:
        picked = self._setting_at(pos)
        if picked is not None:
            lr, mu = picked
            self.sigStatus.emit(f"η = {lr:.4g}, μ = {mu:.3f}: {_rate_text(self.rate_at(lr, mu))}")


__all__ = ["RateMapWidget"]
