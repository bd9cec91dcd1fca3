"""Gradient magnitudes per layer: vanishing and exploding gradients made visible.

Three pictures of the same question, "how much gradient reaches each layer?":

* **over time** — one curve per layer on a log scale, from the trainer's per-layer log
  (RMS of the weight gradient ∂L/∂W, or of the back-propagated δ = ∂ℓ/∂z);
* **now** — one bar per layer from the latest probe, on a log scale, so a bar of 1e-8
  and one of 1e-1 are both visible, with what they mean written out;
* **activations over time** — the distribution of one layer's outputs for each of the
  last probes (time × value), where saturation or dying units show as bands. The window
  records the probes while the view is hidden too (:meth:`GradientView.record_probes`,
  :mod:`.probe_history`), so the image covers the run whichever view was showing.

Bars shrinking towards the input mean vanishing gradients (the first layers barely
learn); bars growing towards the input, gradients growing over time, or a run that
diverged mean exploding ones. :func:`~.gradient_verdict.verdict` puts this in a
sentence under the plots.

When two runs are compared (``snap.b``), each layer has two bars side by side, A's in
A's colour and B's in B's (:mod:`.run_colors`), B's curves are dashed, and there is one
verdict per run, each naming its run. The activation histogram stays run A's.
"""

from __future__ import annotations

import html
import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QComboBox, QGraphicsItem, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ...core.snapshot import Snapshot
from .. import theme
from .activation_history_plot import ActivationHistoryPlot
from .axes import LogAxis, ReadableAxis, power_of_ten
from .base import ViewBase
from .decade_grid import DecadeGrid, log10_or_nan
from .bar_value_labels import MIN_LABEL_SCALE, place_bar_labels
from .gradient_verdict import Verdict, fmt_ratio, fmt_value, growth, ratio_sentence, verdict
from .layer_ticks import layer_ticks
from .placeholder_stack import WAITING_FIRST
from .plot_note import PlotNote
from .probe_history import Entry, ProbeHistory
from .run_colors import RUN_A_COLOR, RUN_B_COLOR, RUN_B_STYLE

Array = np.ndarray

__all__ = ["DecadeGrid", "GradientView", "NO_GRADIENTS_YET", "Verdict", "fmt_ratio", "fmt_value", "growth",
           "log10_or_nan", "power_of_ten", "ratio_sentence", "verdict"]

#: (label, layer-log column prefix, probe attribute of the bars, bar axis label)
QUANTITIES = (
    ("weight gradient ∂L/∂W (RMS)", "g", "grad_w_mean_abs", "mean |∂L/∂W|"),
    ("back-propagated δ (RMS)", "d", "delta_rms", "RMS of δ"),
)
#: the layers' colours while two runs are compared: the layer colours without run A's
#: blue and the palette's orange (#ff7f0e), which reads as run B's
COMPARE_LAYER_COLORS = [c for c in theme.LAYER_COLORS
                        if c.name() not in (RUN_A_COLOR.name(), "#ff7f0e", RUN_B_COLOR.name())]
RUN_TIP = "Two runs: each layer has A's bar (left) and B's bar (right); B's curves are dashed."
HISTORY_PROBES = 200  # probes kept for the activation-histogram image
#: said over the empty "over time" plot until the first iteration (longest that fits first)
#: (the bars beside it show the gradients at the weights now, from iteration 0 on)
NO_GRADIENTS_YET = (
    "No curves yet: each layer's curve starts with the first iteration (the bars show the "
    "gradients now). Press Step iteration (→) or Play (Space).",
    "No curves yet: a curve per layer starts with the first iteration (→ or Play).",
    "No curves yet: press → or Play.",
    "No curves yet",
)


def layer_names(n: int) -> list[str]:
    """'hidden 1', …, 'output' for a network of ``n`` layers (0: none)."""
    return [f"hidden {i + 1}" for i in range(n - 1)] + ["output"] if n else []


def layer_slots(n: int, slots: int) -> Array:
    """Where a run's ``n`` layers stand on an axis of ``slots`` places: the hidden layers
    from the left, the output at the right end, so that two runs of different depths
    pair their first layers and their outputs."""
    return np.append(np.arange(n - 1, dtype=float), float(slots - 1)) if n else np.empty(0)


def _mark_points(curve: pg.PlotDataItem, on: bool) -> None:
    """Draw ``curve``'s points as dots in its line's colour (``on``), or the line alone."""
    if (curve.opts["symbol"] is not None) == on:
        return
    if on:
        color = curve.opts["pen"].color()
        curve.setSymbol("o")
        curve.setSymbolSize(7)
        curve.setSymbolBrush(color)
        curve.setSymbolPen(None)
    else:
        curve.setSymbol(None)


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
    TWO_ROWS = 300  # from this height up, two rows when the view is not too wide
    TWO_ROWS_COMPARED = 360  # the same with two runs
    LABEL_PX = 20  # room above the tallest bar for its value
    LEGEND_PX = 150  # at most this wide, run B's name in the legend
    SHORT_NAME = 24  # a run B's label up to this long names B's verdict, else "B"

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
        #: what the bars say; until the first snapshot, that there are none yet (a kind no
        #: snapshot's verdict has, so the first one replaces it)
        self.verdict = Verdict("waiting", WAITING_FIRST + " Then the size of each layer's gradients is drawn here.")
        #: the last probes of the run, fed by the window whether or not the view shows
        self.probe_history = ProbeHistory(history)
        self._curves: list[pg.PlotDataItem] = []
        self._bar_labels: list[pg.TextItem] = []
        self._brushes: list[QBrush] = []
        self._bar_x = (-0.6, 0.6)
        self._titles: dict[pg.PlotItem, str] = {}
        self._shorter: dict[pg.PlotItem, tuple[str, ...]] = {}  # shorter wordings of each title
        self._title_font = QFont(self.font())
        self._title_font.setPointSize(9)
        self._tall: bool | None = None
        #: run B's numbers when two runs are compared (``snap.b``); empty when one run trains
        self.n_layers_b = 0
        self.layer_names_b: list[str] = []
        self.n_slots = 0  # places on the bar plot's x axis: the deeper run's layers
        self.times_b = np.empty(0)
        self.series_b = np.empty((0, 0))
        self.bar_values_b = np.empty(0)
        self.verdict_b: Verdict | None = None
        self.b_label = ""
        self._verdict_label = ""  # the b_label the verdicts were written with
        self._arranged_for = (0, 0)  # (n_layers, n_layers_b) when the plots were last arranged
        self._legend_limit = self.MAX_LEGEND  # layers the time plot's legend names (as fit)
        self._curves_b: list[pg.PlotDataItem] = []
        self._bar_labels_b: list[pg.TextItem] = []
        self._brushes_b: list[QBrush] = []

        # -- controls ---------------------------------------------------------------------
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        #: which colour is which run, shown only while two runs are compared
        self.runs_label = QLabel()
        self.runs_label.setTextFormat(Qt.TextFormat.RichText)
        self.runs_label.hide()
        row.addWidget(self.runs_label)
        row.addWidget(QLabel("Show"))
        self.quantity_combo = QComboBox()
        for label, *_ in QUANTITIES:
            self.quantity_combo.addItem(label)
        self.quantity_combo.setToolTip(
            "∂L/∂W: how strongly the loss pulls on each layer's weights. δ = ∂ℓ/∂z: the error signal "
            "back-propagated to each layer, before it is multiplied by the layer's inputs.")
        # as wide as its longest choice where there is room (the room left over goes to the
        # combo first, so that it is not cut while blank space stands beside it), shorter in
        # a narrow dock
        self.quantity_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.quantity_combo.setMaximumWidth(self.quantity_combo.sizeHint().width())
        self.quantity_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.quantity_combo.setMinimumContentsLength(12)
        row.addWidget(self.quantity_combo, 1)
        row.addSpacing(8)
        row.addWidget(QLabel("Activations of"))
        self.hist_layer_combo = QComboBox()
        self.hist_layer_combo.setToolTip("The layer whose output distribution is drawn over time")
        self.hist_layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        row.addWidget(self.hist_layer_combo)
        row.addStretch(0)
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
        #: the empty frame's words until a first iteration has been logged
        self.time_note = PlotNote(self.time_plot, NO_GRADIENTS_YET)
        self.time_note.show_note(True)

        self.bar_plot = pg.PlotItem(axisItems={"left": LogAxis(), "bottom": ReadableAxis("bottom")})
        self.bar_grid = DecadeGrid()
        self.bar_plot.addItem(self.bar_grid, ignoreBounds=True)
        self.bar_plot.getAxis("bottom").set_titles("layer (input side → output)", "layer (input → output)", "layer")
        # "out", under the last bar, may reach a few pixels past the axis's end
        self.bar_plot.getAxis("bottom").setStyle(hideOverlappingLabels=16)
        self.bar_plot.setMenuEnabled(False)
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bar_plot.hideButtons()
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, y0=0)
        self.bar_plot.addItem(self.bars)
        self.bars_b = pg.BarGraphItem(x=[], height=[], width=0.36, y0=0)
        self.bars_b.hide()
        self.bar_plot.addItem(self.bars_b)
        self.bar_plot.vb.sigResized.connect(self._on_bars_resized)

        self.hist_plot = ActivationHistoryPlot()
        self.hist_plot.vb.sigResized.connect(self._fit_titles)
        self.time_plot.vb.sigResized.connect(self._fit_titles)
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
        self.ratio_label.setTextFormat(Qt.TextFormat.PlainText)
        self.ratio_label.setText(self.verdict.text)
        self.add_widget(self.ratio_label)
        self.ratio_label_b = QLabel()  # run B's verdict, while two runs are compared
        self.ratio_label_b.setWordWrap(True)
        self.ratio_label_b.setObjectName("verdict")
        self.ratio_label_b.setTextFormat(Qt.TextFormat.PlainText)
        self.ratio_label_b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.ratio_label_b.hide()
        self.add_widget(self.ratio_label_b)
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

    @property
    def hist_image(self) -> Array:
        """(probes, bins): the shares of the selected layer's outputs the image shows."""
        return self.hist_plot.shares

    @property
    def hist_buffer(self) -> Sequence[Entry]:
        """The probes the histogram image is made of: (iteration, per-layer a_counts,
        per-layer a_edges), oldest first."""
        return self.probe_history.entries

    def record_probes(self, snap: Snapshot) -> None:
        """Keep ``snap``'s probe for the activation histogram (no drawing): the window
        calls this for every snapshot it receives, while the view is hidden too."""
        self.probe_history.record(snap.iteration, snap.probes, snap.run_id)

    def clear_history(self, run_id: int | None = None) -> None:
        """Forget the buffered activation histograms: another run is in the engine (the
        window's ``run_id`` for it: snapshots of the run it replaced are no longer recorded)."""
        self.probe_history.clear(run_id)
        if self.is_shown():
            self._draw_hist()  # hidden: the next snapshot shown draws it

    @property
    def comparing(self) -> bool:
        """Whether the view shows two runs (the last snapshot carried run B's)."""
        return self.snapshot is not None and self.snapshot.b is not None

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        n = snap.n_layers
        n_b = snap.b.n_layers if snap.b is not None else 0
        if (n, n_b) != (self.n_layers, self.n_layers_b):
            self._setup_layers(n, n_b)
        self._show_runs(snap.b_label if snap.b is not None else "")
        if (n, n_b) != self._arranged_for:
            self._arranged_for = (n, n_b)
            self._rearrange()  # one run or two
        self.record_probes(snap)  # in the window a repeat, already recorded: nothing to do
        self._draw_time()
        self._draw_bars()
        self._draw_hist()

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        header = ("kind", "layer", "iteration", "quantity", "value")
        snap = self.snapshot
        if snap is None:
            return header, []
        rows = self._table_rows(snap, self.layer_names, self.times, self.series)
        if snap.b is None:
            return header, rows
        # two runs: one more column saying whose numbers a row holds
        rows_b = self._table_rows(snap.b, self.layer_names_b, self.times_b, self.series_b)
        return ("run", *header), [["A", *r] for r in rows] + [["B", *r] for r in rows_b]

    def _table_rows(self, snap: Snapshot, names: Sequence[str], times: Array,
                    series: Array) -> list[list[float | str]]:
        rows: list[list[float | str]] = []
        _, prefix, _, _ = QUANTITIES[self.quantity]
        qname = "grad_W_rms" if prefix == "g" else "delta_rms"
        for li, name in enumerate(names):
            for t, v in zip(times, series[li] if len(series) else []):
                rows.append(["over time", name, float(t), qname, float(v)])
        if snap.probes is not None:
            it = float(snap.iteration)
            for lp in snap.probes.layers:
                for attr in ("grad_w_mean_abs", "grad_w_rms", "grad_b_mean_abs", "delta_rms", "saturated"):
                    rows.append(["now", lp.name, it, attr, float(getattr(lp, attr))])
        return rows

    # ------------------------------------------------------------------ layout
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.caption_label.setVisible(event.size().height() >= self.CAPTION_HEIGHT)
        self._rearrange()

    def _rearrange(self) -> None:
        # side by side where the dock is too short for two rows, or wide enough that each
        # plot still gets a square-ish cell; verdicts longer than the two lines kept for
        # them (two runs) take their height from the plots. Two bars per layer read by
        # their heights: two rows need more room then
        w = self.width()
        h = self.height() - self._verdict_extra(w - 8)
        short = self.TWO_ROWS_COMPARED if self.n_layers_b else self.TWO_ROWS
        self._arrange(tall=h >= self.TALL or (h >= short and w < 2.4 * h))

    def _verdict_extra(self, width: int) -> int:
        """The height the verdicts need beyond the two lines kept for one (pixels)."""
        need = sum(max(label.minimumHeight(), label.heightForWidth(width))
                   for label in (self.ratio_label, self.ratio_label_b) if not label.isHidden() and label.text())
        return max(0, need - (2 * self.ratio_label.fontMetrics().lineSpacing() + 2))

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
            # the bars carry the most numbers (a value over each end, two runs' pairs of
            # bars): in a narrow dock they need as wide a column as the curves
            lay.setColumnStretchFactor(0, 2)
            lay.setColumnStretchFactor(1, 2)
            lay.setColumnStretchFactor(2, 1)
        # the columns share the width by their stretch alone (a plot's preferred width, its
        # title's, would otherwise keep the bars 40 px wide in the smallest window)
        for p in (self.time_plot, self.bar_plot, self.hist_plot):
            p.setPreferredWidth(p.minimumWidth())
        # re-adding the plots activates the layout at its own preferred size (16,777,215 px
        # wide after a row of three): give it back the view's rectangle
        ci.setGeometry(self.glw.range)

    def _set_bar_ticks(self) -> None:
        """The layers' names under the bars (see :func:`.layer_ticks.layer_ticks`)."""
        if self.n_slots:
            axis = self.bar_plot.getAxis("bottom")
            metrics = QFontMetrics(axis.style.get("tickFont") or axis.font())
            axis.setTicks([layer_ticks(self.n_slots, self.bar_plot.vb.width() or 300.0, metrics), []])

    def _on_bars_resized(self) -> None:
        self._set_bar_ticks()
        self._fit_titles()
        if self.snapshot is not None and self.n_layers:
            self._draw_bars()

    def _set_title(self, plot: pg.PlotItem, text: str, *shorter: str) -> None:
        """``text`` over ``plot``, or the first of the ``shorter`` wordings that fits."""
        if self._titles.get(plot) != text or self._shorter.get(plot) != shorter:
            self._titles[plot] = text
            self._shorter[plot] = shorter
            self._fit_titles()

    def _fit_titles(self) -> None:
        """The bar and histogram titles: the longest wording that fits their plot's width,
        the shortest cut with "…" when none does; the legend of the time plot names as many
        layers as fit."""
        metrics = QFontMetrics(self._title_font)
        for plot, text in self._titles.items():
            # a title is centred over the plot's box (not over the axis beside it)
            width = int(plot.vb.width()) - 4 if plot.vb.width() > 0 else 10_000
            wordings = (text, *self._shorter.get(plot, ()))
            fits = [t for t in wordings if metrics.horizontalAdvance(t) <= width]
            shown = fits[0] if fits else metrics.elidedText(wordings[-1], Qt.TextElideMode.ElideRight, max(width, 10))
            if shown != plot.titleLabel.text:
                plot.setTitle(shown, size="9pt")
        room = self.time_plot.vb.width()
        if room > 0:
            entry = metrics.horizontalAdvance("■8 ")
            fit = int((room - metrics.horizontalAdvance("layer  ")) // max(entry, 1))
            limit = max(4, min(self.MAX_LEGEND, fit - 3))  # "…" and "- - B" take entries' places
            if limit != self._legend_limit:
                self._legend_limit = limit
                self._set_legend()

    # ------------------------------------------------------------------ internals
    def _setup_layers(self, n: int, n_b: int = 0) -> None:
        """Make the per-layer items (curves, bar labels) for run A's ``n`` layers and run
        B's ``n_b`` (0 while one run trains)."""
        for c in self._curves + self._curves_b:
            self.time_plot.removeItem(c)
        for t in self._bar_labels + self._bar_labels_b:
            self.bar_plot.removeItem(t)
        new_a = n != self.n_layers
        self.n_layers, self.n_layers_b = n, n_b
        self.n_slots = slots = max(n, n_b)
        self.layer_names = layer_names(n)
        self.layer_names_b = layer_names(n_b)
        xa, xb = layer_slots(n, slots), layer_slots(n_b, slots)
        # a layer's curve has its place's colour in both runs; B's are dashed
        self._curves = [self._make_curve(self._layer_color(int(x)), dashed=False) for x in xa]
        self._curves_b = [self._make_curve(self._layer_color(int(x)), dashed=True) for x in xb]
        self._set_legend()
        # two runs: each value in its run's colour, as both stand over the pair of bars
        self._bar_labels = [self._make_bar_label(RUN_A_COLOR if n_b else theme.foreground()) for _ in range(n)]
        self._bar_labels_b = [self._make_bar_label(RUN_B_COLOR) for _ in range(n_b)]
        # one run: each bar in its layer's colour, as the curves; two: A's bars in A's
        # colour and B's in B's (a layer colour would read as a run)
        self._brushes = ([pg.mkBrush(RUN_A_COLOR)] * n if n_b else
                         [pg.mkBrush(theme.layer_color(int(x))) for x in xa])
        self._brushes_b = [pg.mkBrush(RUN_B_COLOR)] * n_b
        self._set_bar_ticks()
        self.bar_plot.setXRange(-0.6, slots - 0.4, padding=0)
        self._bar_x = (-0.6, slots - 0.4)
        self.bars_b.setVisible(n_b > 0)
        if new_a:
            self.hist_layer_combo.blockSignals(True)
            keep = self.hist_layer_combo.currentIndex()
            self.hist_layer_combo.clear()
            self.hist_layer_combo.addItems(self.layer_names)
            self.hist_layer_combo.setCurrentIndex(keep if 0 <= keep < n else 0)
            self.hist_layer_combo.blockSignals(False)

    def _layer_color(self, slot: int) -> QColor:
        """A layer's colour; while two runs are compared, not the runs' blue or orange
        (the first two layer colours), so that no curve reads as a run."""
        if self.n_layers_b:
            return COMPARE_LAYER_COLORS[slot % len(COMPARE_LAYER_COLORS)]
        return theme.layer_color(slot)

    def _make_curve(self, color: QColor, dashed: bool) -> pg.PlotDataItem:
        # jagged curves of up to MAX_POINTS points: without antialiasing, and at most a
        # few points per pixel (each bin's min and max), they paint several times faster
        pen = pg.mkPen(color, width=1)
        if dashed:
            pen.setStyle(RUN_B_STYLE)
        curve = pg.PlotDataItem(pen=pen, connect="finite", antialias=False)
        curve.opts["autoDownsampleFactor"] = 0.75
        curve.setDownsampling(auto=True, method="peak")
        self.time_plot.addItem(curve)
        return curve

    def _make_bar_label(self, color) -> pg.TextItem:  # type: ignore[no-untyped-def]
        t = pg.TextItem("", color=color, anchor=(0.5, 1.0))
        self._label_point_size = t.textItem.font().pointSizeF()
        t.setZValue(5)  # over the other run's bar beside it
        self.bar_plot.addItem(t, ignoreBounds=True)
        return t

    MAX_LEGEND = 12  # layers named in the legend line

    def _set_legend(self) -> None:
        """The time plot's title doubles as its legend: a coloured square per layer, in the
        colours of the bars below (compact, and it never covers a curve)."""
        n = self.n_slots
        most = self._legend_limit
        shown = list(range(n)) if n <= most else [*range(most - 2), -1, n - 2, n - 1]
        parts = []
        for i in shown:
            if i < 0:
                parts.append("…")
                continue
            name = "out" if i == n - 1 else str(i + 1)
            parts.append(f'<span style="color:{self._layer_color(i).name()}">■</span>{name}')
        self.legend_html = "layer&nbsp; " + " ".join(parts)
        if self.b_label:
            self.legend_html += "&nbsp; - - B"  # B's curves are dashed
        self.time_plot.setTitle(self.legend_html, size="9pt")

    def _show_runs(self, b_label: str) -> None:
        """The line naming the two runs' colours (hidden while one run trains)."""
        if b_label == self.b_label and self.runs_label.isVisible() == bool(b_label):
            return
        self.b_label = b_label
        if b_label:
            # a long label (several changes) is cut, whole in the tooltip
            shown = self.runs_label.fontMetrics().elidedText(b_label, Qt.TextElideMode.ElideRight,
                                                             self.LEGEND_PX)
            self.runs_label.setText(
                f'<span style="color:{RUN_A_COLOR.name()}">■</span>&nbsp;A &nbsp;'
                f'<span style="color:{RUN_B_COLOR.name()}">■</span>&nbsp;{html.escape(shown)}&nbsp;&nbsp;')
            self.runs_label.setToolTip(f"{RUN_TIP}\n{b_label}")
        self.runs_label.setVisible(bool(b_label))
        self.ratio_label_b.setVisible(bool(b_label))
        self._set_legend()
        # the two verdicts share the two lines kept for one
        line = self.ratio_label.fontMetrics().lineSpacing()
        self.ratio_label.setMinimumHeight((1 if b_label else 2) * line + 2)

    def _on_quantity_changed(self, index: int) -> None:
        self._apply_quantity_labels()
        if self.snapshot is not None:
            self._draw_time()
            self._draw_bars()
        self.sigQuantityChanged.emit(index)

    def _apply_quantity_labels(self) -> None:
        label, prefix, _attr, bar_label = QUANTITIES[self.quantity]
        # the plots may be a few dozen pixels high: shorter titles then (the full one in the tooltip)
        self.time_plot.getAxis("left").set_titles(*(("RMS of ∂L/∂W", "RMS ∂L/∂W", "∂L/∂W") if prefix == "g"
                                                    else ("RMS of δ", "RMS δ", "δ")))
        self.bar_plot.getAxis("left").set_titles(bar_label, bar_label.replace(" of ", " "),
                                                 bar_label.split(" ")[-1])
        self._set_title(self.bar_plot, f"now: {bar_label} per layer", f"{bar_label} now",
                        f"{bar_label.split(' ')[-1]} now")

    def _series_of(self, snap: Snapshot, n: int) -> tuple[Array, Array]:
        """A run's iterations and per-layer values (rows = layers) of the chosen quantity
        from its layer log."""
        log = snap.layer_log
        _, prefix, _, _ = QUANTITIES[self.quantity]
        if log.ndim != 2 or len(log) == 0 or log.shape[1] != 1 + 2 * n:
            return np.empty(0), np.empty((n, 0))
        start = 1 if prefix == "g" else 1 + n
        return log[:, 0].copy(), log[:, start:start + n].T.copy()

    def _draw_time(self) -> None:
        snap = self.snapshot
        assert snap is not None
        self.times, self.series = self._series_of(snap, self.n_layers)
        if snap.b is not None and self.n_layers_b:
            self.times_b, self.series_b = self._series_of(snap.b, self.n_layers_b)
        else:
            self.times_b, self.series_b = np.empty(0), np.empty((0, 0))
        finite = []
        for curves, times, series in ((self._curves, self.times, self.series),
                                      (self._curves_b, self.times_b, self.series_b)):
            logs = self._draw_curves(curves, times, series)
            finite.append(logs[np.isfinite(logs)])
        values = np.concatenate(finite)
        starts = [t[0] for t in (self.times, self.times_b) if len(t)]
        ends = [t[-1] for t in (self.times, self.times_b) if len(t)]
        if len(values):
            lo, hi = float(values.min()), float(values.max())
            x0, x1 = float(min(starts)), float(max(ends))
            self.time_grid.set_span(x0, x1, lo - 0.5, hi + 0.5)
            pad_x = 0.02 * (x1 - x0) if x1 > x0 else 1.0
            pad_y = max(0.05 * (hi - lo), 0.15)
            self.time_plot.setRange(xRange=(x0 - pad_x, x1 + pad_x), yRange=(lo - pad_y, hi + pad_y), padding=0)
            self.time_note.show_note(False)
        else:
            # nothing yet (a new run): a sane empty frame instead of pyqtgraph's ±10⁴
            self.time_grid.set_span(0.0, 0.0, 0.0, -1.0)
            self.time_plot.setRange(xRange=(0, 10), yRange=(-3, 0), padding=0)
            self.time_note.show_note(True)

    def _draw_curves(self, curves: list[pg.PlotDataItem], times: Array, series: Array) -> Array:
        """One run's curves; returns the log10 of its values."""
        logs = log10_or_nan(series) if series.size else np.empty((len(curves), 0))
        # the log holds up to 8192 rows (already one every `stride` iterations): draw at
        # most MAX_POINTS of them, evenly spaced, always with the newest
        rows = np.arange(len(times))
        if len(rows) > self.MAX_POINTS:
            step = math.ceil(len(rows) / self.MAX_POINTS)
            rows = np.unique(np.append(rows[::-1][::step], rows[-1]))
        for i, curve in enumerate(curves):
            # a line through one point draws nothing: the first iteration's values as dots
            _mark_points(curve, len(rows) == 1)
            if len(times):
                curve.setData(times[rows], logs[i][rows])
            else:
                curve.setData([], [])
        return logs

    def _bar_top(self, base: float, hi: float, labels: int = 1) -> float:
        """The top of the bar plot: room for the tallest bar's value above it (``labels``
        values stacked: two runs), in pixels."""
        top = max(hi, base + 1.0)
        h = float(self.bar_plot.vb.height()) or 200.0
        room = min(0.45, (labels * self.LABEL_PX + 4) / max(h, 1.0))  # share of the height the labels need
        return top + (top - base) * room / (1.0 - room)

    @staticmethod
    def _bar_values_of(snap: Snapshot | None, n: int, attr: str) -> Array:
        probes = snap.probes if snap is not None else None
        if probes is None or len(probes.layers) != n:
            return np.full(n, np.nan)
        return probes.column(attr)

    def _draw_bars(self) -> None:
        snap = self.snapshot
        assert snap is not None
        n, n_b, slots = self.n_layers, self.n_layers_b, self.n_slots
        _, _, attr, _ = QUANTITIES[self.quantity]
        self.bar_values = self._bar_values_of(snap, n, attr)
        self.bar_values_b = self._bar_values_of(snap.b, n_b, attr)
        logs, logs_b = log10_or_nan(self.bar_values), log10_or_nan(self.bar_values_b)
        # two runs: A's bar left of the layer's place, B's right of it
        half = 0.19 if n_b else 0.0
        width = 0.36 if n_b else 0.7
        xa, xb = layer_slots(n, slots) - half, layer_slots(n_b, slots) + half
        finite = np.concatenate([logs[np.isfinite(logs)], logs_b[np.isfinite(logs_b)]])
        if not len(finite):
            self.bars.setOpts(x=xa, height=np.zeros(n), y0=0, width=width, brushes=self._brushes)
            self.bars_b.setOpts(x=xb, height=np.zeros(n_b), y0=0, width=width, brushes=self._brushes_b)
            for t in self._bar_labels + self._bar_labels_b:
                t.setText("")
            self._set_verdicts()
            return
        # bars grow up from a baseline below the smallest value, so 1e-8 and 1e-1 both show
        base = float(math.floor(float(finite.min()) - 0.3))
        hi = float(finite.max())
        self.bars.setOpts(x=xa, height=np.where(np.isfinite(logs), logs - base, 0.0), y0=np.full(n, base),
                          width=width, brushes=self._brushes)
        self.bars_b.setOpts(x=xb, height=np.where(np.isfinite(logs_b), logs_b - base, 0.0),
                            y0=np.full(n_b, base), width=width, brushes=self._brushes_b)
        top = self._bar_top(base, hi, 2 if n_b else 1)
        self.bar_plot.setYRange(base, top, padding=0)
        self.bar_grid.set_span(-0.6, slots - 0.4, base, top)
        self._place_bar_labels(base, top, ((self._bar_labels, xa, self.bar_values, logs),
                                           (self._bar_labels_b, xb, self.bar_values_b, logs_b)))
        self._set_verdicts()

    #: the smallest font a bar's value may take to fit a narrow plot (share of its own)
    MIN_LABEL_SCALE = MIN_LABEL_SCALE

    def _place_bar_labels(self, base: float, top: float,
                          runs: Sequence[tuple[list[pg.TextItem], Array, Array, Array]]) -> None:
        """Each bar's value over it (see :func:`place_bar_labels`)."""
        place_bar_labels(self.bar_plot.vb, self._bar_x, self.n_slots, base, top, runs, self._label_point_size)

    def _set_verdicts(self) -> None:
        """Each run's verdict; while two runs are compared, each names its run."""
        snap = self.snapshot
        assert snap is not None
        _, _, attr, _ = QUANTITIES[self.quantity]
        what = "mean |∂L/∂W|" if attr == "grad_w_mean_abs" else "δ (RMS)"
        va = self._verdict_of(snap, self.bar_values, self.series, self.times, self.layer_names, what)
        vb = None
        if snap.b is not None:
            vb = self._verdict_of(snap.b, self.bar_values_b, self.series_b, self.times_b, self.layer_names_b, what)
        self._set_verdict(va, vb)

    @staticmethod
    def _verdict_of(snap: Snapshot, values: Array, series: Array, times: Array, names: list[str],
                    what: str) -> Verdict:
        info = snap.stop_info or {}
        diverged_at = int(info.get("iteration", snap.iteration)) if info.get("kind") == "divergence" else None
        # the time series of the same quantity tells growth; the bars are the probe's
        shown = values if np.isfinite(values).any() else np.empty(0)
        return verdict(shown, what, series if series.size else None, times, diverged_at, names, info.get("cause"))

    def _set_verdict(self, v: Verdict, v_b: Verdict | None = None) -> None:
        if (v, v_b, self.b_label) == (self.verdict, self.verdict_b, self._verdict_label):
            return
        self.verdict, self.verdict_b, self._verdict_label = v, v_b, self.b_label
        alarm_style = "QLabel#verdict { color: #c81e1e; font-weight: bold; }"
        name_b = self.b_label if len(self.b_label) <= self.SHORT_NAME else "B"
        for label, verdict_, name in ((self.ratio_label, v, "A"), (self.ratio_label_b, v_b, name_b)):
            if verdict_ is None:
                label.setText("")
                continue
            label.setText(f"{name} — {verdict_.text}" if v_b is not None else verdict_.text)
            alarm = verdict_.kind in ("exploding", "vanishing", "dead")
            label.setStyleSheet(alarm_style if alarm else "")
        if v_b is not None:
            self._rearrange()

    def _draw_hist(self) -> None:
        layer = self.hist_layer()
        entries = self.hist_buffer
        # entries of another network (its depth differs): none of this one's probes yet
        if not entries or len(entries[-1][1]) != self.n_layers or layer >= self.n_layers:
            self.hist_plot.draw((), layer)
            return
        self.hist_plot.draw(entries, layer)
        run = "A: " if self.comparing else ""  # the histogram is run A's only
        name = self.layer_names[layer] if layer < len(self.layer_names) else ""
        # not "output outputs": the output layer's values are the network's output
        whose = "network output" if name == "output" else f"{name} outputs"
        self._set_title(self.hist_plot, f"{run}{whose} (bright = many)", f"{run}{whose}", f"{run}{name}",
                        run.rstrip(": ") or name)
