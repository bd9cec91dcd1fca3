"""Gradient magnitudes per layer: vanishing and exploding gradients made visible.

Three pictures of the same question, "how much gradient reaches each layer?":

* **over time** — one curve per layer on a log scale, from the trainer's per-layer log
  (RMS of the weight gradient ∂L/∂W, or of the back-propagated δ = ∂ℓ/∂z);
* **now** — one bar per layer from the latest probe, on a log scale, so a bar of 1e-8
  and one of 1e-1 are both visible, with what they mean written out;
* **activations over time** — the distribution of one layer's outputs for each of the
  last probes (time × value), where saturation or dying units show as bands.

Bars shrinking towards the input mean vanishing gradients (the first layers barely
learn); bars growing towards the input, gradients growing over time, or a run that
diverged mean exploding ones. :func:`verdict` puts this in a sentence under the plots.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QComboBox, QGraphicsItem, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ...core.probes import ProbeResult
from ...core.snapshot import Snapshot
from .. import theme
from .axes import LogAxis, ReadableAxis, power_of_ten
from .base import ViewBase

Array = np.ndarray

#: (label, layer-log column prefix, probe attribute of the bars, bar axis label)
QUANTITIES = (
    ("weight gradient ∂L/∂W (RMS)", "g", "grad_w_mean_abs", "mean |∂L/∂W|"),
    ("back-propagated δ (RMS)", "d", "delta_rms", "RMS of δ"),
)
HISTORY_PROBES = 200  # probes kept for the activation-histogram image
GRID_COLOR = (128, 128, 128, 70)
#: a layer's gradient this large (mean |∂L/∂W| or RMS of δ) is exploding whatever the
#: other layers do; from 10 up it is exploding when it grew ×100 during the run
HUGE = 1e6
LARGE = 10.0
GROWTH = 100.0
#: first/last layer ratio beyond which gradients vanish (or explode) across the layers
SPREAD = 100.0


class DecadeGrid(pg.PlotCurveItem):
    """Horizontal lines at every power of ten, drawn as one curve.

    (``PlotItem.showGrid`` repaints through the axes and costs several milliseconds per
    plot; one curve of line pairs costs next to nothing.)
    """

    def __init__(self) -> None:
        super().__init__(connect="pairs", pen=pg.mkPen(GRID_COLOR, width=1))
        self.setZValue(-20)

    def set_span(self, x0: float, x1: float, lo: float, hi: float) -> None:
        ks = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=float)
        if len(ks) == 0 or not (math.isfinite(x0) and math.isfinite(x1)):
            self.setData([], [])
            return
        self.setData(np.tile([x0, x1], len(ks)), np.repeat(ks, 2))


def log10_or_nan(values: Array) -> Array:
    """log10 of positive values; NaN for 0, negatives and non-finite values (not drawn)."""
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & (v > 0)
    out = np.full(v.shape, np.nan)
    out[ok] = np.log10(v[ok])
    return out


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


def verdict(values: Array, what: str, series: Array | None = None, times: Array | None = None,
            diverged_at: int | None = None, names: Sequence[str] | None = None) -> Verdict:
    """Say what the per-layer ``values`` (first hidden layer first) mean.

    Exploding gradients are told first, whatever the ratio of the layers: a run that
    diverged (``diverged_at``), a value that is not finite or beyond :data:`HUGE`, or a
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
        return Verdict("exploding", f"Exploding gradients: training diverged at iteration {diverged_at:,}. "
                                    f"The gradients grew to {size}, so every step overshot further than the "
                                    "last. Lower the learning rate and reset the weights.")
    if math.isfinite(peak) and peak >= LARGE and g >= GROWTH:
        since = f" since iteration {int(times[g_at]):,}" if times is not None and len(times) > g_at else ""
        return Verdict("exploding", f"Exploding gradients: the {what} grew ×{fmt_ratio(g)}{since} "
                                    f"to {size}. Lower the learning rate before training diverges.")
    if nonfinite or (math.isfinite(peak) and peak >= HUGE):
        return Verdict("exploding", f"Exploding gradients: the {what} is {size}. Steps this large "
                                    "throw the weights far away; lower the learning rate.")
    if n == 0 or not len(finite):
        return Verdict("unknown", "No layer statistics yet.")
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


def _no_min_width(label: pg.LabelItem) -> None:
    """A plot title's size: its height as pyqtgraph's ``LabelItem.updateMin`` sets it, but
    no minimum width (the text is centred and may be cut at the edges of a narrow plot)."""
    bounds = label.itemRect()
    label.setMinimumWidth(0)
    label.setMinimumHeight(bounds.height())
    label._sizeHint = {Qt.SizeHint.MinimumSize: (0, bounds.height()),
                       Qt.SizeHint.PreferredSize: (bounds.width(), bounds.height()),
                       Qt.SizeHint.MaximumSize: (-1, -1), Qt.SizeHint.MinimumDescent: (0, 0)}
    label.updateGeometry()


class GradientView(ViewBase):
    """Per-layer gradient magnitudes over time and now, and activations over time."""

    paint_cost = 0.005  # seconds per update (see ViewBase.paint_cost)

    title = "Gradients"
    #: 15 redraws a second while training: the curves move slowly and the histogram
    #: changes only with a new probe (5 a second), so 30 would double the cost for nothing
    min_interval = 1.0 / 15.0
    caption = ("How much learning signal reaches each layer, on a log scale (each grid line is ×10). "
               "Bars shrinking towards the input: vanishing gradients, the first layers barely learn; "
               "growing towards the input, or growing over time: exploding gradients.")

    sigQuantityChanged = Signal(int)  # 0 = weight gradient, 1 = δ

    MAX_POINTS = 1000  # points per time curve drawn
    #: below this height the three plots stand in one row, and the caption goes to the tooltip
    TALL = 470
    CAPTION_HEIGHT = 420
    LABEL_PX = 20  # room above the tallest bar for its value

    def __init__(self, parent: QWidget | None = None, history: int = HISTORY_PROBES) -> None:
        super().__init__(parent)
        self.history = history
        self.n_layers = 0
        self.layer_names: list[str] = []
        #: time series drawn: iterations and per-layer values (rows = layers), raw (not log)
        self.times = np.empty(0)
        self.series = np.empty((0, 0))
        #: bars drawn: one value per layer
        self.bar_values = np.empty(0)
        self.verdict = Verdict("unknown", "")
        #: rolling buffer of (iteration, per-layer a_counts, per-layer a_edges)
        self.hist_buffer: deque[tuple[int, list[Array], list[Array]]] = deque(maxlen=history)
        self.hist_image = np.zeros((0, 0))  # (probes, bins) shares of the selected layer
        self._last_probes: ProbeResult | None = None
        self._curves: list[pg.PlotDataItem] = []
        self._bar_labels: list[pg.TextItem] = []
        self._brushes: list[QBrush] = []
        self._bar_x = (-0.6, 0.6)
        self._titles: dict[pg.PlotItem, str] = {}
        self._title_font = QFont(self.font())
        self._title_font.setPointSize(9)
        self._tall: bool | None = None

        # -- controls ---------------------------------------------------------------------
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Show"))
        self.quantity_combo = QComboBox()
        for label, *_ in QUANTITIES:
            self.quantity_combo.addItem(label)
        self.quantity_combo.setToolTip(
            "∂L/∂W: how strongly the loss pulls on each layer's weights. δ = ∂ℓ/∂z: the error signal "
            "back-propagated to each layer, before it is multiplied by the layer's inputs.")
        self.quantity_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.quantity_combo.setMinimumContentsLength(12)
        row.addWidget(self.quantity_combo, 1)
        row.addSpacing(8)
        row.addWidget(QLabel("Activations of"))
        self.hist_layer_combo = QComboBox()
        self.hist_layer_combo.setToolTip("The layer whose output distribution is drawn over time")
        self.hist_layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        row.addWidget(self.hist_layer_combo)
        row.addStretch(1)
        bar.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.add_widget(bar)

        # -- plots ------------------------------------------------------------------------
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setMinimumSize(160, 110)
        self.glw.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.time_plot = pg.PlotItem(axisItems={"left": LogAxis(), "bottom": ReadableAxis("bottom", integer=True)})
        self.legend_html = ""
        self.time_plot.setLabel("bottom", "iteration")
        self.time_grid = DecadeGrid()
        self.time_plot.addItem(self.time_grid, ignoreBounds=True)
        self.time_plot.setMenuEnabled(False)
        # the range is set with the data (autorange would settle it while painting and so
        # paint the plot twice per snapshot)
        self.time_plot.setMouseEnabled(x=False, y=False)
        self.time_plot.hideButtons()
        self.time_plot.disableAutoRange()

        self.bar_plot = pg.PlotItem(axisItems={"left": LogAxis()})
        self.bar_grid = DecadeGrid()
        self.bar_plot.addItem(self.bar_grid, ignoreBounds=True)
        self.bar_plot.setLabel("bottom", "layer (input side → output)")
        self.bar_plot.setMenuEnabled(False)
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bar_plot.hideButtons()
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, y0=0)
        self.bar_plot.addItem(self.bars)
        self.bar_plot.vb.sigResized.connect(self._on_bars_resized)

        self.hist_plot = pg.PlotItem()
        self.hist_plot.setLabel("left", "activation a")
        self.hist_plot.setLabel("bottom", "iteration")
        self.hist_plot.setMenuEnabled(False)
        self.hist_plot.setMouseEnabled(x=False, y=False)
        self.hist_plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        self.hist_plot.addItem(self.image)
        self.hist_empty = pg.TextItem("no probes yet", color=theme.foreground(), anchor=(0.5, 0.5))
        self.hist_plot.addItem(self.hist_empty, ignoreBounds=True)
        self.hist_plot.vb.sigResized.connect(self._fit_titles)
        for p in (self.time_plot, self.bar_plot, self.hist_plot):
            p.getAxis("left").setWidth(64)
            # rich text is slow to paint and these redraw many times a second: keep titles and
            # axis names as cached pixmaps (repainted only when their text changes)
            p.titleLabel.item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            for name in ("left", "bottom"):
                axis = p.getAxis(name)
                axis.label.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                # no "(×0.001)" prefixes: and re-writing the label at every range change costs
                axis.enableAutoSIPrefix(False)
        for p in (self.time_plot, self.bar_plot, self.hist_plot):
            # a long title must not hold its column wider than the window gives
            p.titleLabel.updateMin = lambda label=p.titleLabel: _no_min_width(label)
        self._arrange(tall=True)
        self.add_widget(self.glw, 1)

        self.ratio_label = QLabel()
        self.ratio_label.setWordWrap(True)
        self.ratio_label.setObjectName("verdict")
        self.ratio_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # two lines kept for it, so that a verdict of another length does not resize the plots
        # (a re-layout per snapshot doubles the cost of a redraw)
        self.ratio_label.setMinimumHeight(2 * self.ratio_label.fontMetrics().lineSpacing() + 2)
        self.add_widget(self.ratio_label)
        self.add_caption()
        self.caption_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self._apply_quantity_labels()
        self.quantity_combo.currentIndexChanged.connect(self._on_quantity_changed)
        self.hist_layer_combo.currentIndexChanged.connect(lambda _i: self._draw_hist())

    # ------------------------------------------------------------------ public API
    @property
    def quantity(self) -> int:
        """0 = weight gradient ∂L/∂W, 1 = back-propagated δ."""
        return self.quantity_combo.currentIndex()

    def set_quantity(self, index: int) -> None:
        self.quantity_combo.setCurrentIndex(index)

    def hist_layer(self) -> int:
        return max(0, self.hist_layer_combo.currentIndex())

    def set_hist_layer(self, layer: int) -> None:
        self.hist_layer_combo.setCurrentIndex(layer)

    def clear_history(self) -> None:
        """Forget the buffered activation histograms (a new run)."""
        self.hist_buffer.clear()
        self._draw_hist()

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        n = snap.n_layers
        if n != self.n_layers:
            self._setup_layers(n)
        probes = snap.probes
        if probes is not None and probes is not self._last_probes:
            if self.hist_buffer:
                last_iter = self.hist_buffer[-1][0]
                same_shape = len(self.hist_buffer[-1][1]) == len(probes.layers) and all(
                    len(c) == len(lp.a_counts) for c, lp in zip(self.hist_buffer[-1][1], probes.layers))
                if snap.iteration < last_iter or not same_shape:
                    self.hist_buffer.clear()  # rewound, reset or another network
            self.hist_buffer.append((snap.iteration, [np.asarray(lp.a_counts, float) for lp in probes.layers],
                                     [np.asarray(lp.a_edges, float) for lp in probes.layers]))
            self._last_probes = probes
        self._draw_time()
        self._draw_bars()
        self._draw_hist()

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        header = ("kind", "layer", "iteration", "quantity", "value")
        rows: list[list[float | str]] = []
        _, prefix, _, _ = QUANTITIES[self.quantity]
        qname = "grad_W_rms" if prefix == "g" else "delta_rms"
        for li, name in enumerate(self.layer_names):
            for t, v in zip(self.times, self.series[li] if len(self.series) else []):
                rows.append(["over time", name, float(t), qname, float(v)])
        probes = self.snapshot.probes if self.snapshot is not None else None
        if probes is not None:
            it = float(self.snapshot.iteration)  # type: ignore[union-attr]
            for lp in probes.layers:
                for attr in ("grad_w_mean_abs", "grad_w_rms", "grad_b_mean_abs", "delta_rms", "saturated"):
                    rows.append(["now", lp.name, it, attr, float(getattr(lp, attr))])
        return header, rows

    # ------------------------------------------------------------------ layout
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        h = event.size().height()
        self.caption_label.setVisible(h >= self.CAPTION_HEIGHT)
        # side by side where the dock is too short for two rows, or wide enough that each
        # plot still gets a square-ish cell
        w = event.size().width()
        self._arrange(tall=h >= self.TALL or (h >= 300 and w < 2.4 * h))

    def _arrange(self, tall: bool) -> None:
        """Tall: the time curves across the top, bars and histogram beneath. Short and
        wide (a dock in the Inspect workspace): all three side by side, each at full height."""
        if tall == self._tall:
            return
        self._tall = tall
        ci = self.glw.ci
        for p in (self.time_plot, self.bar_plot, self.hist_plot):
            if p in ci.items:
                ci.removeItem(p)
        lay = ci.layout
        for k in range(3):
            lay.setRowStretchFactor(k, 0)
            lay.setColumnStretchFactor(k, 0)
        if tall:
            ci.addItem(self.time_plot, row=0, col=0, colspan=2)
            ci.addItem(self.bar_plot, row=1, col=0)
            ci.addItem(self.hist_plot, row=1, col=1)
            lay.setRowStretchFactor(0, 1)
            lay.setRowStretchFactor(1, 1)
            lay.setColumnStretchFactor(0, 1)
            lay.setColumnStretchFactor(1, 1)
        else:
            ci.addItem(self.time_plot, row=0, col=0)
            ci.addItem(self.bar_plot, row=0, col=1)
            ci.addItem(self.hist_plot, row=0, col=2)
            lay.setRowStretchFactor(0, 1)
            lay.setColumnStretchFactor(0, 4)
            lay.setColumnStretchFactor(1, 3)
            lay.setColumnStretchFactor(2, 3)

    def _on_bars_resized(self) -> None:
        self._fit_titles()
        if self.snapshot is not None and self.n_layers:
            self._draw_bars()

    def _set_title(self, plot: pg.PlotItem, text: str) -> None:
        if self._titles.get(plot) != text:
            self._titles[plot] = text
            self._fit_titles()

    def _fit_titles(self) -> None:
        """The bar and histogram titles, cut to their plot's width with "…"."""
        metrics = QFontMetrics(self._title_font)
        for plot, text in self._titles.items():
            width = int(plot.width()) - 6 if plot.width() > 0 else 10_000
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(width, 10))
            if shown != plot.titleLabel.text:
                plot.setTitle(shown, size="9pt")

    # ------------------------------------------------------------------ internals
    def _setup_layers(self, n: int) -> None:
        """Make the per-layer items (curves, labels) for a network of ``n`` layers."""
        for c in self._curves:
            self.time_plot.removeItem(c)
        for t in self._bar_labels:
            self.bar_plot.removeItem(t)
        self.n_layers = n
        self.layer_names = [f"hidden {i + 1}" for i in range(n - 1)] + ["output"]
        self._curves = []
        for i, name in enumerate(self.layer_names):
            # jagged curves of up to MAX_POINTS points: without antialiasing, and at most a
            # few points per pixel (each bin's min and max), they paint several times faster
            curve = pg.PlotDataItem(pen=pg.mkPen(theme.layer_color(i), width=1), connect="finite", antialias=False)
            curve.opts["autoDownsampleFactor"] = 0.75
            curve.setDownsampling(auto=True, method="peak")
            self.time_plot.addItem(curve)
            self._curves.append(curve)
        self._set_legend()
        self._bar_labels = []
        for i in range(n):
            t = pg.TextItem("", color=theme.foreground(), anchor=(0.5, 1.0))
            self.bar_plot.addItem(t, ignoreBounds=True)
            self._bar_labels.append(t)
        self._brushes = [pg.mkBrush(theme.layer_color(i)) for i in range(n)]
        step = max(1, math.ceil(n / 12))
        ticks = [(i, "out" if i == n - 1 else str(i + 1)) for i in range(0, n, step)]
        if ticks[-1][0] != n - 1:
            ticks.append((n - 1, "out"))
        self.bar_plot.getAxis("bottom").setTicks([ticks, []])
        self.bar_plot.setXRange(-0.6, n - 0.4, padding=0)
        self._bar_x = (-0.6, n - 0.4)
        self.hist_layer_combo.blockSignals(True)
        keep = self.hist_layer_combo.currentIndex()
        self.hist_layer_combo.clear()
        self.hist_layer_combo.addItems(self.layer_names)
        self.hist_layer_combo.setCurrentIndex(keep if 0 <= keep < n else 0)
        self.hist_layer_combo.blockSignals(False)
        self.hist_buffer.clear()

    MAX_LEGEND = 12  # layers named in the legend line

    def _set_legend(self) -> None:
        """The time plot's title doubles as its legend: a coloured square per layer, in the
        colours of the bars below (compact, and it never covers a curve)."""
        n = self.n_layers
        shown = list(range(n)) if n <= self.MAX_LEGEND else [*range(self.MAX_LEGEND - 2), -1, n - 2, n - 1]
        parts = []
        for i in shown:
            if i < 0:
                parts.append("…")
                continue
            name = "out" if i == n - 1 else str(i + 1)
            parts.append(f'<span style="color:{theme.layer_color(i).name()}">■</span>{name}')
        self.legend_html = "layer&nbsp; " + " ".join(parts)
        self.time_plot.setTitle(self.legend_html, size="9pt")

    def _on_quantity_changed(self, index: int) -> None:
        self._apply_quantity_labels()
        if self.snapshot is not None:
            self._draw_time()
            self._draw_bars()
        self.sigQuantityChanged.emit(index)

    def _apply_quantity_labels(self) -> None:
        label, prefix, _attr, bar_label = QUANTITIES[self.quantity]
        self.time_plot.setLabel("left", "RMS of ∂L/∂W" if prefix == "g" else "RMS of δ")
        self.bar_plot.setLabel("left", bar_label)
        self._set_title(self.bar_plot, f"now: {bar_label} per layer")

    def _draw_time(self) -> None:
        snap = self.snapshot
        assert snap is not None
        log = snap.layer_log
        n = self.n_layers
        _, prefix, _, _ = QUANTITIES[self.quantity]
        if log.ndim != 2 or len(log) == 0 or log.shape[1] != 1 + 2 * n:
            self.times = np.empty(0)
            self.series = np.empty((n, 0))
        else:
            self.times = log[:, 0].copy()
            start = 1 if prefix == "g" else 1 + n
            self.series = log[:, start:start + n].T.copy()
        logs = log10_or_nan(self.series) if self.series.size else np.empty((n, 0))
        # the log holds up to 8192 rows (already one every `stride` iterations): draw at
        # most MAX_POINTS of them, evenly spaced, always with the newest
        rows = np.arange(len(self.times))
        if len(rows) > self.MAX_POINTS:
            step = math.ceil(len(rows) / self.MAX_POINTS)
            rows = np.unique(np.append(rows[::-1][::step], rows[-1]))
        for i, curve in enumerate(self._curves):
            if len(self.times):
                curve.setData(self.times[rows], logs[i][rows])
            else:
                curve.setData([], [])
        finite = logs[np.isfinite(logs)]
        if len(finite):
            lo, hi = float(finite.min()), float(finite.max())
            x0, x1 = float(self.times[0]), float(self.times[-1])
            self.time_grid.set_span(x0, x1, lo - 0.5, hi + 0.5)
            pad_x = 0.02 * (x1 - x0) if x1 > x0 else 1.0
            pad_y = max(0.05 * (hi - lo), 0.15)
            self.time_plot.setRange(xRange=(x0 - pad_x, x1 + pad_x), yRange=(lo - pad_y, hi + pad_y), padding=0)
        else:
            # nothing yet (a new run): a sane empty frame instead of pyqtgraph's ±10⁴
            self.time_grid.set_span(0.0, 0.0, 0.0, -1.0)
            self.time_plot.setRange(xRange=(0, 10), yRange=(-3, 0), padding=0)

    def _bar_top(self, base: float, hi: float) -> float:
        """The top of the bar plot: room for the tallest bar's value above it, in pixels."""
        top = max(hi, base + 1.0)
        h = float(self.bar_plot.vb.height()) or 200.0
        room = min(0.45, (self.LABEL_PX + 4) / max(h, 1.0))  # share of the height the label needs
        return top + (top - base) * room / (1.0 - room)

    def _draw_bars(self) -> None:
        snap = self.snapshot
        assert snap is not None
        probes = snap.probes
        n = self.n_layers
        _, _, attr, _ = QUANTITIES[self.quantity]
        what = "mean |∂L/∂W|" if attr == "grad_w_mean_abs" else "δ (RMS)"
        diverged = (snap.stop_info or {}).get("kind") == "divergence"
        diverged_at = int((snap.stop_info or {}).get("iteration", snap.iteration)) if diverged else None
        if probes is None or len(probes.layers) != n:
            self.bar_values = np.full(n, np.nan)
            self.bars.setOpts(x=np.arange(n), height=np.zeros(n), y0=0, brushes=self._brushes)
            for t in self._bar_labels:
                t.setText("")
            self._set_verdict(verdict(np.empty(0), what, self.series if self.series.size else None, self.times,
                                      diverged_at, self.layer_names))
            return
        self.bar_values = probes.column(attr)
        logs = log10_or_nan(self.bar_values)
        finite = logs[np.isfinite(logs)]
        # bars grow up from a baseline below the smallest value, so 1e-8 and 1e-1 both show
        base = float(math.floor(float(finite.min()) - 0.3)) if len(finite) else -1.0
        hi = float(finite.max()) if len(finite) else 0.0
        heights = np.where(np.isfinite(logs), logs - base, 0.0)
        self.bars.setOpts(x=np.arange(n), height=heights, y0=np.full(n, base), width=0.7,
                          brushes=self._brushes)
        top = self._bar_top(base, hi)
        self.bar_plot.setYRange(base, top, padding=0)
        self.bar_grid.set_span(-0.6, n - 0.4, base, top)
        # write every value when there is room, else those of the first and last layer
        width = self.bar_plot.vb.width() or 300.0
        roomy = width / max(1, n) >= 52
        x0, x1 = self._bar_x
        unit = (x1 - x0) / max(width, 1.0)  # x units per pixel
        for i, (t, v, lg) in enumerate(zip(self._bar_labels, self.bar_values, logs)):
            show = roomy or i in (0, n - 1)
            text = fmt_value(float(v)) if show else ""
            if text != t.textItem.toPlainText():
                t.setText(text)
            # centred over its bar, but never past the plot's edges
            half = 0.5 * t.textItem.boundingRect().width() * unit
            x = min(max(float(i), x0 + half), x1 - half) if 2 * half < x1 - x0 else float(i)
            t.setPos(x, float(lg) if math.isfinite(lg) else base)
        # the time series of the same quantity tells growth; the bars are the probe's
        self._set_verdict(verdict(self.bar_values, what, self.series if self.series.size else None,
                                  self.times, diverged_at, self.layer_names))

    def _set_verdict(self, v: Verdict) -> None:
        if v == self.verdict:
            return
        self.verdict = v
        self.ratio_label.setText(v.text)
        alarm = v.kind in ("exploding", "vanishing", "dead")
        self.ratio_label.setStyleSheet("QLabel#verdict { color: #c81e1e; font-weight: bold; }" if alarm else "")

    def _draw_hist(self) -> None:
        layer = self.hist_layer()
        if not self.hist_buffer or layer >= len(self.hist_buffer[-1][1]):
            self.hist_image = np.zeros((0, 0))
            self.image.clear()
            self.hist_empty.setText("no probes yet")
            self.hist_empty.setPos(0.5, 0.5)
            self.hist_plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            return
        self.hist_empty.setText("")
        counts = np.array([c[layer] for _, c, _ in self.hist_buffer])
        totals = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        self.hist_image = shares
        edges = self.hist_buffer[-1][2][layer]
        m = len(shares)
        # brightness ∝ √share, so a crowded bin (ReLU's 0 of off units) does not hide the rest
        shown = np.sqrt(shares)
        top = float(shown.max()) if shown.size else 1.0
        self.image.setImage(shown, levels=(0.0, top if top > 0 else 1.0), autoLevels=False)
        self.image.setRect(QRectF(0.0, float(edges[0]), float(m), float(edges[-1] - edges[0])))
        self.hist_plot.setRange(xRange=(0, max(m, 1)), yRange=(float(edges[0]), float(edges[-1])), padding=0)
        iters = [it for it, _, _ in self.hist_buffer]
        k = max(1, m // 3)
        ticks = [(i + 0.5, str(iters[i])) for i in range(0, m, k)]
        if m > 1 and ticks[-1][0] != m - 0.5:
            if m - 1 - (ticks[-1][0] - 0.5) < k / 2:
                ticks.pop()
            ticks.append((m - 0.5, str(iters[-1])))
        # several probes can share an iteration (stepping phase by phase): label it once
        ticks = [t for k, t in enumerate(ticks) if k == 0 or t[1] != ticks[k - 1][1]]
        self.hist_plot.getAxis("bottom").setTicks([ticks, []])
        self._set_title(self.hist_plot,
                        f"{self.layer_names[layer] if layer < len(self.layer_names) else ''} outputs (bright = many)")
