"""Activation functions: f(z), its slope f′(z), and where a layer's units sit on them.

The top plot draws a layer's activation ``f`` and its derivative ``f′`` over z ∈ [−6, 6];
the plot beneath (linked on z) is the histogram of that layer's current
pre-activations z from the engine's probe. Units in the shaded band, where f′ is
below 5 % of its largest value, are *saturated*: backpropagation multiplies their
gradient by that almost-zero slope, so they barely learn.

Two runs compared (``Snapshot.b``): run B's histogram of the same layer is drawn over
A's bars as a dashed outline in B's colour (:mod:`.activation_run_b`), with a legend
line giving each run's saturated share; one run again when B is closed.

Without a network (or with "Any activation" chosen) the view is a plain function
explorer for the activations lesson: pick any activation, set α for leaky ReLU and
ELU, and overlay a second one to compare.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QWidget,
)

from ...core.activations import ACTIVATIONS
from ...core.probes import SATURATION_SHARE, Z_EDGES
from ...core.snapshot import Snapshot
from .. import theme
from .activation_run_b import RunBLayer
from .axes import ReadableAxis, readable_axes
from .base import ViewBase

Array = np.ndarray

#: the z over which the curves are drawn: the probe histogram's range, so the two line up
Z_MIN, Z_MAX = float(Z_EDGES[0]), float(Z_EDGES[-1])
N_POINTS = 601
EXPLORE = -1  # layer index meaning "no layer: any activation"

F_COLOR = QColor(31, 119, 180)
DF_COLOR = QColor(214, 39, 40)
SATURATED = QColor(214, 39, 40, 40)
HIST_COLOR = QColor(120, 120, 120, 170)
HIST_SATURATED = QColor(214, 39, 40, 170)
CMP_F_COLOR = QColor(44, 160, 44)
CMP_DF_COLOR = QColor(255, 127, 14)
MARK_COLOR = QColor(148, 0, 160)


@dataclass(frozen=True)
class Curve:
    """What the view needs of an activation: its functions, formulas and largest slope."""

    key: str
    name: str
    formula: str
    derivative_formula: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    max_slope: float
    note: str = ""


def curve_for(key: str, alpha: float | None = None, n_outputs: int = 2) -> Curve:
    """The :class:`Curve` of activation ``key`` (``"softmax"``: one output against
    ``n_outputs − 1`` other logits held at 0)."""
    if key == "softmax":
        others = max(1, n_outputs - 1)

        def f(z: Array) -> Array:
            # e^z / (e^z + K − 1), written to stay finite for large |z|
            return 1.0 / (1.0 + others * np.exp(-z))

        def df(z: Array) -> Array:
            s = f(z)
            return s * (1.0 - s)

        return Curve("softmax", "Softmax", "f(zᵢ) = e^zᵢ / Σⱼ e^zⱼ", "∂fᵢ/∂zᵢ = fᵢ·(1 − fᵢ)", f, df, 0.25,
                     note=f"drawn for one output with the other {others} logit(s) at 0")
    act = ACTIVATIONS[key]
    param = alpha if (act.has_param and alpha is not None) else None
    max_slope = act.max_slope
    if act.has_param and param is not None:
        # leaky ReLU's and ELU's slope on the left is α (α·e^z ≤ α): above 1 it is the max
        max_slope = max(1.0, float(param))
    return Curve(key, act.name, act.formula, act.derivative_formula,
                 lambda z: act.f(z, param), lambda z: act.df(z, param), max_slope)


def fmt_slope(v: float) -> str:
    """A slope for display: 3 significant digits (0.25, 1, 1.76)."""
    return f"{v:.3g}"


def saturated_runs(z: Array, df: Array, max_slope: float) -> list[tuple[float, float]]:
    """The z intervals of the grid where f′ < 5 % of its largest value."""
    mask = df < SATURATION_SHARE * max_slope
    runs: list[tuple[float, float]] = []
    if not mask.any():
        return runs
    edges = np.flatnonzero(np.diff(mask.astype(np.int8)))
    starts = [0] if mask[0] else []
    ends: list[int] = []
    for e in edges:
        if mask[e + 1]:
            starts.append(e + 1)
        else:
            ends.append(e)
    if mask[-1]:
        ends.append(len(mask) - 1)
    for s, e in zip(starts, ends):
        runs.append((float(z[s]), float(z[e])))
    return runs


class ActivationView(ViewBase):
    """f(z) and f′(z) of a layer's activation over the layer's current pre-activations."""

    paint_cost = 0.004  # seconds per update (see ViewBase.paint_cost)

    title = "Activations"
    min_interval = 1.0 / 30.0
    caption = ("The activation f(z) (blue) and its slope f′(z) (red); underneath, where this layer's "
               "pre-activations z are right now. Units in the shaded band have f′ ≈ 0: they pass "
               "almost no gradient back, so they barely learn.")

    sigSelectionChanged = Signal(int, str)  # layer index (−1 = any activation), activation key

    MAX_SATURATION_RUNS = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.z = np.round(np.linspace(Z_MIN, Z_MAX, N_POINTS), 10)
        self.curve: Curve = curve_for("sigmoid")
        self.compare: Curve | None = None
        self.f_values = np.empty(0)
        self.df_values = np.empty(0)
        self.hist_edges = np.asarray(Z_EDGES, dtype=float)
        self.hist_counts = np.zeros(len(self.hist_edges) - 1)
        self.saturated_share: float | None = None
        self.max_point: tuple[float, float] = (0.0, 0.0)
        self._layer_labels: list[str] = []
        self._layer_keys: list[str] = []
        self._n_outputs = 2
        #: points of interest a lesson marked: (z, label), and their drawn items
        self.marks: list[tuple[float, str]] = []
        self._mark_items: list[tuple[pg.ScatterPlotItem, pg.InfiniteLine, pg.InfiniteLine, pg.TextItem]] = []

        # -- controls ---------------------------------------------------------------------
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Show"))
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("A layer of the network, or any activation on its own")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer_combo.setMinimumContentsLength(16)
        row.addWidget(self.layer_combo)
        row.addWidget(QLabel("activation"))
        self.act_combo = QComboBox()
        for key, act in ACTIVATIONS.items():
            self.act_combo.addItem(act.name, key)
        self.act_combo.setToolTip("Pick any activation to see its curve and slope")
        row.addWidget(self.act_combo)
        self.alpha_label = QLabel("α")
        row.addWidget(self.alpha_label)
        self.alpha_spin = QDoubleSpinBox()
        self.alpha_spin.setRange(0.0, 3.0)
        self.alpha_spin.setDecimals(3)
        self.alpha_spin.setSingleStep(0.01)
        self.alpha_spin.setToolTip("α: the slope for z < 0 (leaky ReLU) or the depth of the negative part (ELU)")
        row.addWidget(self.alpha_spin)
        self.compare_combo = QComboBox()
        self.compare_combo.addItem("compare with…", "")
        for key, act in ACTIVATIONS.items():
            self.compare_combo.addItem(act.name, key)
        self.compare_combo.setToolTip("Overlay a second activation (dashed) to compare")
        row.addWidget(self.compare_combo)
        row.addStretch(1)
        bar.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.add_widget(bar)

        # -- plots ------------------------------------------------------------------------
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setMinimumSize(160, 120)
        self.glw.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.plot = self.glw.addPlot(row=0, col=0, axisItems=readable_axes("left", "bottom"))
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("left", "f(z), f′(z)")
        self.plot.getAxis("bottom").setStyle(showValues=False)
        self.plot.setMenuEnabled(False)
        self.legend = self.plot.addLegend(offset=(8, 8), labelTextSize="9pt")
        self._regions: list[tuple[pg.LinearRegionItem, pg.LinearRegionItem]] = []
        # counts: whole numbers only (no tick at "1.5" samples)
        self.hist_plot = self.glw.addPlot(row=1, col=0, axisItems={"left": ReadableAxis("left", integer=True),
                                                                   "bottom": ReadableAxis("bottom")})
        self.hist_plot.setLabel("bottom", "pre-activation z")
        self.hist_plot.setLabel("left", "count")
        self.hist_plot.setMenuEnabled(False)
        self.hist_plot.showGrid(x=True, y=False, alpha=0.2)
        self.glw.ci.layout.setRowStretchFactor(0, 3)
        self.glw.ci.layout.setRowStretchFactor(1, 2)
        for p in (self.plot, self.hist_plot):
            p.getAxis("left").setWidth(48)
            # both plots show z over the probe's fixed bins, aligned by the equal axis widths
            # (not linked: linking before the first layout shifts one of them)
            p.enableAutoRange(x=False)
            p.setXRange(Z_MIN, Z_MAX, padding=0.01)
            p.setMouseEnabled(x=False, y=False)
            p.hideButtons()
        self.plot.vb.sigResized.connect(self._on_plot_resized)
        for _ in range(self.MAX_SATURATION_RUNS):
            pair = []
            for p in (self.plot, self.hist_plot):
                reg = pg.LinearRegionItem((0, 0), movable=False, brush=pg.mkBrush(SATURATED),
                                          pen=pg.mkPen(None))
                reg.setZValue(-10)
                reg.hide()
                p.addItem(reg, ignoreBounds=True)
                pair.append(reg)
            self._regions.append((pair[0], pair[1]))

        self.zero_line = pg.InfiniteLine(0, angle=0, pen=pg.mkPen(theme.foreground(), width=1,
                                                                   style=Qt.PenStyle.DotLine))
        self.plot.addItem(self.zero_line, ignoreBounds=True)
        self.f_curve = self.plot.plot(name="f(z)", pen=pg.mkPen(F_COLOR, width=2.5))
        self.df_curve = self.plot.plot(name="f′(z)", pen=pg.mkPen(DF_COLOR, width=2.5))
        self.cmp_f_curve = self.plot.plot(name="f(z) compared",
                                          pen=pg.mkPen(CMP_F_COLOR, width=2, style=Qt.PenStyle.DashLine))
        self.cmp_df_curve = self.plot.plot(name="f′(z) compared",
                                           pen=pg.mkPen(CMP_DF_COLOR, width=2, style=Qt.PenStyle.DashLine))
        self.max_marker = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(DF_COLOR), pen=pg.mkPen("w", width=1))
        self.plot.addItem(self.max_marker)
        bg = theme.background()
        bg.setAlpha(200)
        self.max_label = pg.TextItem("", color=DF_COLOR, anchor=(0.5, 1.2), fill=pg.mkBrush(bg))
        self.plot.addItem(self.max_label, ignoreBounds=True)

        self.hist = pg.BarGraphItem(x0=self.hist_edges[:-1], x1=self.hist_edges[1:],
                                    height=self.hist_counts, brush=pg.mkBrush(HIST_COLOR),
                                    pen=pg.mkPen(None))
        self.hist_plot.addItem(self.hist)
        self.hist_note = pg.TextItem("", color=theme.foreground(), anchor=(0.5, 0.5))
        self.hist_plot.addItem(self.hist_note, ignoreBounds=True)
        #: run B's histogram (and activation) while two runs are compared
        self.run_b = RunBLayer(self.plot, self.hist_plot, self.legend, HIST_COLOR.name())
        self.add_widget(self.glw, 1)
        self.add_widget(self.run_b.label)

        self.formula_label = QLabel()
        self.formula_label.setWordWrap(True)
        self.formula_label.setTextFormat(Qt.TextFormat.RichText)
        self.add_widget(self.formula_label)
        self.saturation_label = QLabel()
        self.saturation_label.setWordWrap(True)
        self.add_widget(self.saturation_label)
        self.add_caption()
        for label in (self.formula_label, self.saturation_label, self.caption_label):
            # wrapped text follows the view's width instead of setting a minimum for it
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # two lines kept for the saturation numbers, so that new numbers of another length
        # do not resize the plots at every snapshot
        self.saturation_label.setMinimumHeight(2 * self.saturation_label.fontMetrics().lineSpacing() + 2)

        self._rebuild_layer_combo([], [])
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.act_combo.currentIndexChanged.connect(self._on_curve_settings_changed)
        self.alpha_spin.valueChanged.connect(self._on_curve_settings_changed)
        self.compare_combo.currentIndexChanged.connect(self._on_compare_changed)
        self.explore("sigmoid")

    #: below this height the caption goes to the tooltip, leaving the plots the room
    CAPTION_HEIGHT = 430

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.caption_label.setVisible(event.size().height() >= self.CAPTION_HEIGHT)

    # ------------------------------------------------------------------ public API
    def current_layer(self) -> int:
        """The layer shown (0 = first hidden layer), or :data:`EXPLORE` (−1)."""
        data = self.layer_combo.currentData()
        return EXPLORE if data is None else int(data)

    def current_activation(self) -> str:
        return self.curve.key

    def select_layer(self, layer: int) -> None:
        """Show layer ``layer`` of the last snapshot (−1 for the free explorer)."""
        i = self.layer_combo.findData(layer)
        if i >= 0:
            self.layer_combo.setCurrentIndex(i)

    def explore(self, key: str, alpha: float | None = None) -> None:
        """Free mode: show activation ``key`` (with its α) without a network."""
        self.layer_combo.setCurrentIndex(self.layer_combo.findData(EXPLORE))
        act = ACTIVATIONS[key]
        self.alpha_spin.blockSignals(True)
        self.alpha_spin.setValue(alpha if alpha is not None else act.default_param)
        self.alpha_spin.blockSignals(False)
        self.act_combo.setCurrentIndex(self.act_combo.findData(key))
        self._on_curve_settings_changed()

    def set_compare(self, key: str | None) -> None:
        """Overlay a second activation (dashed), or none."""
        self.compare_combo.setCurrentIndex(max(0, self.compare_combo.findData(key or "")))

    def mark(self, z: float, label: str = "") -> None:
        """Point at ``z`` on the activation and on its slope, with ``label`` beside it
        (default: the numbers, "z = 2.6: f(z) = 0.931, f′(z) = 0.0644").

        A lesson uses it to say "look here" (e.g. ``mark(2.6, "z = 2.6, σ(z) = 0.93")``).
        Marks stay until :meth:`clear_marks` or until another activation is shown; a ``z``
        beyond the plotted −6 … 6 is drawn at the edge, its label giving the real value.
        """
        z = float(z)
        if not math.isfinite(z):
            raise ValueError(f"a mark needs a finite z, not {z!r}")
        self.marks.append((z, str(label)))
        self._draw_marks()

    def clear_marks(self) -> None:
        """Remove every mark set with :meth:`mark`."""
        self.marks.clear()
        self._draw_marks()

    def mark_text(self, index: int = -1) -> str:
        """The text shown beside a mark (the last one by default)."""
        return self._mark_items[index][3].textItem.toPlainText()

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        self._n_outputs = int(snap.layer_sizes[-1]) if snap.layer_sizes else 2
        labels, keys = [], []
        n = len(snap.activations)
        for i, key in enumerate(snap.activations):
            name = "output" if i == n - 1 else f"hidden {i + 1}"
            act_name = ACTIVATIONS[key].name if key in ACTIVATIONS else key.capitalize()
            labels.append(f"{name} ({act_name})")
            keys.append(key)
        if labels != self._layer_labels:
            self._rebuild_layer_combo(labels, keys)
        self._refresh()

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        header = ("kind", "z", "f(z)", "f′(z)", "bin_left", "bin_right", "count")
        rows: list[list[float | str]] = []
        for z, f, d in zip(self.z, self.f_values, self.df_values):
            rows.append(["curve", float(z), float(f), float(d), "", "", ""])
        b = self.run_b.counts
        if b is not None and len(b) == len(self.hist_counts):
            header += ("count_B",)
            rows = [r + [""] for r in rows]
        if self.current_layer() != EXPLORE:
            for i, (lo, hi, c) in enumerate(zip(self.hist_edges[:-1], self.hist_edges[1:], self.hist_counts)):
                rows.append(["histogram", "", "", "", float(lo), float(hi), float(c)]
                            + ([float(b[i])] if len(header) > 7 and b is not None else []))
        return header, rows

    # ------------------------------------------------------------------ internals
    def _rebuild_layer_combo(self, labels: list[str], keys: list[str]) -> None:
        previous = self.current_layer() if self.layer_combo.count() else EXPLORE
        had_network = bool(self._layer_labels)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for i, label in enumerate(labels):
            self.layer_combo.addItem(label, i)
        self.layer_combo.addItem("Any activation", EXPLORE)
        self._layer_labels, self._layer_keys = labels, keys
        if labels and (previous == EXPLORE and not had_network):
            target = 0  # a network has arrived: show its first layer
        elif 0 <= previous < len(labels) or previous == EXPLORE:
            target = previous
        else:
            target = len(labels) - 1
        self.layer_combo.setCurrentIndex(self.layer_combo.findData(target))
        self.layer_combo.blockSignals(False)
        self._apply_layer()

    def _on_layer_changed(self, _index: int) -> None:
        self._apply_layer()
        self._refresh()
        self.sigSelectionChanged.emit(self.current_layer(), self.curve.key)

    def _apply_layer(self) -> None:
        layer = self.current_layer()
        explore = layer == EXPLORE
        self.act_combo.setEnabled(explore)
        if not explore:
            key = self._layer_keys[layer]
            self.act_combo.blockSignals(True)
            # softmax is not an element-wise activation: it is named but not in the list
            self.act_combo.setPlaceholderText(ACTIVATIONS[key].name if key in ACTIVATIONS else key.capitalize())
            self.act_combo.setCurrentIndex(self.act_combo.findData(key))
            self.act_combo.blockSignals(False)
            if key in ACTIVATIONS:
                self.alpha_spin.blockSignals(True)
                self.alpha_spin.setValue(ACTIVATIONS[key].default_param)
                self.alpha_spin.blockSignals(False)
            self._set_curve(key)
        else:
            if self.act_combo.currentIndex() < 0:  # it showed a layer's softmax
                self.act_combo.blockSignals(True)
                self.act_combo.setCurrentIndex(self.act_combo.findData("sigmoid"))
                self.act_combo.blockSignals(False)
            self._set_curve(self.act_combo.currentData())
        # a hidden plot keeps its row in the layout: take it out so the curves fill the view
        in_layout = self.hist_plot.scene() is not None and self.glw.ci.getItem(1, 0) is self.hist_plot
        if explore and in_layout:
            self.glw.removeItem(self.hist_plot)
        elif not explore and not in_layout:
            self.glw.addItem(self.hist_plot, row=1, col=0)
            self.glw.ci.layout.setRowStretchFactor(1, 2)
        self.plot.getAxis("bottom").setStyle(showValues=explore)
        self.plot.getAxis("bottom").setLabel("z" if explore else None)

    def _on_curve_settings_changed(self, *_args: object) -> None:
        layer = self.current_layer()
        key = self.act_combo.currentData() if layer == EXPLORE else self._layer_keys[layer]
        self._set_curve(key)
        self._refresh()
        self.sigSelectionChanged.emit(layer, self.curve.key)

    def _on_compare_changed(self, _index: int) -> None:
        key = self.compare_combo.currentData()
        self.compare = curve_for(key) if key else None
        self._draw_compare()

    def _set_curve(self, key: str) -> None:
        if key != self.curve.key and self.marks:
            self.marks.clear()  # the marks belong to the activation they were set on
        act = ACTIVATIONS.get(key)
        has_alpha = bool(act and act.has_param)
        self.alpha_label.setVisible(has_alpha)
        self.alpha_spin.setVisible(has_alpha)
        alpha = self.alpha_spin.value() if has_alpha else None
        self.curve = curve_for(key, alpha, self._n_outputs)
        self._draw_curve()

    def _draw_curve(self) -> None:
        c, z = self.curve, self.z
        with np.errstate(over="ignore"):
            self.f_values = np.asarray(c.f(z), dtype=float)
            self.df_values = np.asarray(c.df(z), dtype=float)
        self.f_curve.setData(z, self.f_values)
        self.df_curve.setData(z, self.df_values)
        self.legend.getLabel(self.f_curve).setText(f"f(z)  {c.name}")
        self.legend.getLabel(self.df_curve).setText(f"f′(z)  {c.name}")

        # the largest slope: the middle of the first stretch of z where f′ reaches it
        d = self.df_values
        top = float(np.max(d))
        at = np.flatnonzero(d >= top - 1e-12 * max(1.0, abs(top)))
        gaps = np.flatnonzero(np.diff(at) > 1)
        run_end = int(at[gaps[0]] if len(gaps) else at[-1])
        i = (int(at[0]) + run_end) // 2
        self.max_point = (float(z[i]), float(d[i]))
        self.max_marker.setData([self.max_point[0]], [self.max_point[1]])
        self.max_label.setText(f"max f′ = {fmt_slope(c.max_slope)}")
        self.max_label.setPos(*self.max_point)

        runs = saturated_runs(z, d, c.max_slope)
        step = float(z[1] - z[0])
        for k, (top_reg, hist_reg) in enumerate(self._regions):
            if k < len(runs):
                lo, hi = runs[k]
                lo, hi = max(Z_MIN, lo - step / 2), min(Z_MAX, hi + step / 2)
                for reg in (top_reg, hist_reg):
                    reg.setRegion((lo, hi))
                    reg.show()
            else:
                top_reg.hide()
                hist_reg.hide()
        centres = 0.5 * (self.hist_edges[:-1] + self.hist_edges[1:])
        with np.errstate(over="ignore"):
            sat_bins = np.asarray(c.df(centres), dtype=float) < SATURATION_SHARE * c.max_slope
        self._bin_brushes = [pg.mkBrush(HIST_SATURATED) if s else pg.mkBrush(HIST_COLOR) for s in sat_bins]
        self.hist.setOpts(brushes=self._bin_brushes)

        where = "for all z > 0" if run_end > at[0] and z[at[0]] > 0 else (
            "for every z" if run_end > at[0] else f"at z = {self.max_point[0]:.3g}")
        note = f"  <i>({c.note})</i>" if c.note else ""
        self.formula_label.setText(
            f"<b>{c.name}</b>: {c.formula} &nbsp;·&nbsp; {c.derivative_formula} &nbsp;·&nbsp; "
            f"largest slope <b>max f′ = {fmt_slope(c.max_slope)}</b> {where}{note}")
        self._draw_compare()
        self._draw_marks()

    def _on_plot_resized(self, *_: object) -> None:
        self._fit_y()
        if self.marks:
            self._draw_marks()

    def _fit_y(self) -> None:
        """The y range of the curves, with room above for the "max f′" label."""
        parts = [self.f_values, self.df_values]
        if self.compare is not None:
            parts += [self.cmp_f_curve.getData()[1], self.cmp_df_curve.getData()[1]]
        if self.run_b.other_activation:
            parts.append(self.run_b.f_curve.getData()[1])
        v = np.concatenate([np.asarray(p, dtype=float) for p in parts if p is not None])
        v = v[np.isfinite(v)]
        if not len(v):
            return
        lo, hi = float(v.min()), float(v.max())
        span = hi - lo if hi > lo else 1.0
        # room above the highest point for the label over it, in pixels of the plot's height
        h = float(self.plot.vb.height()) or 200.0
        room = min(0.45, 24.0 / max(h, 1.0))
        top = hi + 0.04 * span
        self.plot.setYRange(lo - 0.05 * span, top + (top - lo + 0.05 * span) * room / (1.0 - room), padding=0)

    def _draw_marks(self) -> None:
        """One set of items per mark: a dot on f and on f′, a dashed line through both
        plots and the label, placed so it stays inside the plot."""
        while len(self._mark_items) > len(self.marks):
            dots, line, hist_line, text = self._mark_items.pop()
            for item in (dots, line, text):
                self.plot.removeItem(item)
            self.hist_plot.removeItem(hist_line)
        while len(self._mark_items) < len(self.marks):
            pen = pg.mkPen(MARK_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
            dots = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(MARK_COLOR), pen=pg.mkPen("w", width=1.5))
            dots.setZValue(20)
            line, hist_line = pg.InfiniteLine(angle=90, pen=pen), pg.InfiniteLine(angle=90, pen=pen)
            bg = theme.background()
            bg.setAlpha(215)
            text = pg.TextItem("", color=MARK_COLOR, fill=pg.mkBrush(bg), border=pg.mkPen(MARK_COLOR))
            text.setZValue(21)
            for item in (line, dots, text):
                self.plot.addItem(item, ignoreBounds=item is not dots)
            self.hist_plot.addItem(hist_line, ignoreBounds=True)
            self._mark_items.append((dots, line, hist_line, text))
        c = self.curve
        for (z, label), (dots, line, hist_line, text) in zip(self.marks, self._mark_items):
            with np.errstate(all="ignore"):
                f = float(np.asarray(c.f(np.array([z])), dtype=float)[0])
                d = float(np.asarray(c.df(np.array([z])), dtype=float)[0])
            x = min(max(z, Z_MIN), Z_MAX)
            dots.setData([x, x], [f, d])
            line.setPos(x)
            hist_line.setPos(x)
            text.setText(label or f"z = {z:.3g}: f(z) = {f:.3g}, f′(z) = {d:.3g}")
            # beside the point on the side with room for it (or wherever it stays inside
            # the plot); above the curve in its lower half, below it in its upper half
            lo, hi = float(np.nanmin(self.f_values)), float(np.nanmax(self.f_values))
            upper = f > lo + 0.6 * (hi - lo) if hi > lo else False
            px = self.plot.vb.viewPixelSize()[0] if self.plot.vb.width() > 0 else 0.0
            gap, width = 6 * px, text.boundingRect().width() * px
            if x + gap + width <= Z_MAX and (x <= 0 or x - gap - width < Z_MIN):
                left = x + gap
            elif x - gap - width >= Z_MIN:
                left = x - gap - width
            else:
                left = max(Z_MIN, min(x - width / 2, Z_MAX - width))
            text.setAnchor((0.0, -0.15 if upper else 1.15))
            text.setPos(left, f)

    def _draw_compare(self) -> None:
        c = self.compare
        for item in (self.cmp_f_curve, self.cmp_df_curve):
            item.setVisible(c is not None)
        if c is None:
            self.cmp_f_curve.setData([], [])
            self.cmp_df_curve.setData([], [])
            for item in (self.cmp_f_curve, self.cmp_df_curve):
                self.legend.removeItem(item)
            self._fit_y()
            return
        with np.errstate(over="ignore"):
            self.cmp_f_curve.setData(self.z, np.asarray(c.f(self.z), dtype=float))
            self.cmp_df_curve.setData(self.z, np.asarray(c.df(self.z), dtype=float))
        for item, label in ((self.cmp_f_curve, f"f(z)  {c.name}"), (self.cmp_df_curve, f"f′(z)  {c.name}")):
            if self.legend.getLabel(item) is None:
                self.legend.addItem(item, label)
            else:
                self.legend.getLabel(item).setText(label)
        self._fit_y()

    def _refresh(self) -> None:
        """Histogram and saturation text of the selected layer from the last snapshot."""
        layer = self.current_layer()
        snap = self.snapshot
        probes = snap.probes if snap is not None else None
        if layer == EXPLORE:
            self.run_b.clear()
            self.saturated_share = None
            self.hist_counts = np.zeros(len(self.hist_edges) - 1)
            self.saturation_label.setText(
                "Explorer: no network. Where f′ is near 0 (shaded), a unit passes almost no gradient back.")
            return
        if probes is None or layer >= len(probes.layers):
            self.run_b.clear()
            self.saturated_share = None
            self.hist_counts = np.zeros(len(self.hist_edges) - 1)
            self.hist.setOpts(height=self.hist_counts)
            self.hist_note.setText("no statistics yet")
            self.hist_note.setPos(0.0, 0.5)
            self.saturation_label.setText("")
            return
        lp = probes.layers[layer]
        self.hist_edges = np.asarray(probes.z_edges, dtype=float)
        self.hist_counts = np.asarray(lp.z_counts, dtype=float)
        self.hist.setOpts(x0=self.hist_edges[:-1], x1=self.hist_edges[1:], height=self.hist_counts,
                          brushes=self._bin_brushes)
        self.hist_note.setText("")
        b = snap.b if snap is not None else None
        if b is not None:
            had = self.run_b.other_activation
            self.run_b.show(b.probes, snap.b_label, lp, self._layer_keys[layer], b.activations, self.z)
            if self.run_b.other_activation != had:
                self._fit_y()  # B's f(z) came or went
        else:
            had = self.run_b.other_activation
            self.run_b.clear()
            if had:
                self._fit_y()
        top = float(self.hist_counts.max()) if len(self.hist_counts) else 0.0
        top = max(top, self.run_b.top())
        self.hist_plot.setYRange(0.0, max(1.0, top) * 1.05, padding=0)
        self.saturated_share = float(lp.saturated)
        pct = 100.0 * self.saturated_share
        pct_text = f"{pct:.0f}" if pct >= 1 or pct == 0 else f"{pct:.1g}"
        text = (f"{pct_text} % of units saturated: f′ < {SATURATION_SHARE * 100:.0f} % of its max "
                f"({lp.name}: {lp.units} unit{'s' if lp.units != 1 else ''} × {probes.n_samples} samples; "
                f"z beyond ±{Z_MAX:g} counted in the end bins).")
        if layer == len(probes.layers) - 1 and snap is not None and snap.task != "regression":
            text += (" At the output, cross-entropy's δ = ŷ − y: f′ cancels out, so the output "
                     "layer itself does not stall.")
        if b is not None:
            text = "A: " + text
        self.saturation_label.setText(text)
