"""The optimizer race: gradient-descent methods side by side on 2-D test functions.

No network is involved: each racer is one of the engine's optimizers
(:func:`nnstudio.core.optimizers.make_optimizer`) moving a point ``p = (x, y)`` downhill
on one of the engine's test functions (:data:`nnstudio.core.testfunctions.TEST_FUNCTIONS`)::

    g ← ∇f(p);  optimizer.step(p, g)

All racers start from the same point (drag the start marker, or click the map) and
take their steps together, one per tick of a timer, so momentum's overshoot,
AdaGrad's shrinking steps and Adam's even pace are seen side by side. A racer stops,
keeping its path, when its point stops being finite or leaves the region
:func:`~nnstudio.core.testfunctions.race_bound` — the same rules as
:func:`~nnstudio.core.testfunctions.race`, whose paths this view reproduces exactly.

On the elongated bowl ``½·(x² + κ·y²)`` the condition number κ (1 to 1000) is a box
beside the formula, and two tabs beside the racers' table show why momentum works
(after Goh, Distill 2017; the closed forms are :mod:`nnstudio.core.momentum_theory`):
*Directions* (:class:`.race_directions.DirectionsWidget`), one racer's error along the
slow and the fast direction with the predicted rates, and *Rate map*
(:class:`.race_rate_map.RateMapWidget`), momentum's rate over (η, μ), whose click gives
the Momentum racer those settings and reruns the race. The racers' table is
:class:`.race_table.RacerTable`; a racer's run, :class:`.race_racers.Racer`.

The view fits any dock from about 360 × 300 pixels, in one of four arrangements
(:meth:`RaceView.arrangement`): *wide*, the racers' whole table beside the map and the
controls in one row; *compact* (a short dock), a table of just the racers, their η
and f beside the map, the other settings waiting for a larger view; *slim* (a short
dock too narrow for that: the smallest window's, about 450 × 300), the racers and their
f alone beside the map; *narrow*, the whole table under the map (scrolling if it
must). All but wide put the controls in two rows.
"""

from __future__ import annotations

import html
import math
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from ...core.testfunctions import TEST_FUNCTIONS, TestFunction, quadratic_bowl, race_bound
from .axes import readable_axes
from .base import ViewBase
from .race_directions import DirectionsWidget
from .race_racers import RACERS, SETTINGS, Racer, _fmt
from .race_table import RacerTable
from .race_rate_map import RateMapWidget
from .surface_view import _label, contour_levels, contour_lines

Array = np.ndarray

#: steps a race may run before it pauses by itself
MAX_STEPS = 20_000
#: timer ticks per second at most; faster speeds take several steps per tick
MAX_TICKS = 60
#: grid points per axis of the contour map
GRID = 200
#: contour lines on the map
N_LEVELS = 14
#: paths with more points than this are drawn without a marker per step
MARKERS_UP_TO = 400
#: the map keeps at least this width beside the whole table
MAP_WIDTH_BESIDE = 340
#: … and this width beside the compact table
MAP_WIDTH_COMPACT = 260
#: … and this width beside the slim table (just the racers and their f)
MAP_WIDTH_SLIM = 200
#: a view at least this tall has room for the whole table under the map
TALL = 560
ARRANGEMENTS = ("wide", "compact", "slim", "narrow")
#: below this height the function's description goes to a tooltip, leaving the map the room
ABOUT_HEIGHT = 540
#: the bowl's condition numbers a learner can choose
KAPPA_RANGE = (1, 1000)
#: the side tabs: the racers' table, and (on the bowl) the two views of Goh's analysis
TABS = ("racers", "directions", "rates")
#: contour pictures kept (one per function, and per κ of the bowl)
PICTURES_KEPT = 8
#: grid, display values and contour lines per function name, shared by every race view
#: (a second window, or a function chosen again, draws at once: the contours of one
#: function take about 0.2 s)
_PICTURES: dict[str, tuple[Array, Array, Array, list[tuple[Array, Array]]]] = {}


def _row_width(widgets: Sequence[QWidget], spacing: int = 6) -> int:
    """The least width of ``widgets`` side by side in a row."""
    widths = [w.minimumWidth() or w.minimumSizeHint().width() for w in widgets]  # as a layout takes them
    return sum(widths) + spacing * (len(widths) - 1)


def _pale_colormap() -> pg.ColorMap:
    """Viridis washed towards white: the landscape stays readable under coloured paths."""
    base = pg.colormap.get("viridis")
    pos = np.linspace(0.0, 1.0, 16)
    rgba = np.asarray(base.map(pos, mode="float"), dtype=np.float64)
    rgba[:, :3] = 0.45 * rgba[:, :3] + 0.55
    return pg.ColorMap(pos, (rgba * 255).astype(np.uint8))


class RaceView(ViewBase):
    """Optimizers racing downhill on a 2-D test function, stepped together."""

    title = "Optimizer race"
    caption = ("Each dot is an optimizer walking downhill on a 2-D function, all from the same "
               "start (drag the ring or click the map to move it). Compare how far each step goes: "
               "momentum overshoots and swings back, AdaGrad's steps shrink, Adam keeps an even pace. "
               "On the elongated bowl, choose its condition number κ, and see in the Directions and Rate map "
               "tabs why momentum helps.")

    #: the caption needs this much room left for the controls, the map and a few racers
    caption_room = 500

    #: the race moved on (step count)
    sigStepped = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fn: TestFunction = TEST_FUNCTIONS["rosenbrock"]
        self.bound = race_bound(self.fn)
        self.start = np.array(self.fn.start, dtype=np.float64)
        self.steps = 0
        self.racers: dict[str, Racer] = {}
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._speed = 30

        self._build()
        self.add_caption()
        self.set_function(self.fn.key)

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        # -- controls: one row when wide, two when narrow (see _arrange) -----------------------
        self.function_label = QLabel("Function:")
        self.function_box = QComboBox()
        for key, fn in TEST_FUNCTIONS.items():
            # the bowl's κ is chosen beside its formula, so its name leaves it out
            self.function_box.addItem("Elongated bowl" if fn.curvatures else fn.name, key)
        self.function_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # whole names when there is room; on a narrow view the start of the name is enough
        self.function_box.setMinimumWidth(self.function_box.fontMetrics().horizontalAdvance("Elongated bowl") + 30)
        self.function_box.currentIndexChanged.connect(
            lambda _i: self.set_function(str(self.function_box.currentData())))
        self.play_button = QPushButton("▶ Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Step all racers together, continuously")
        self.play_button.toggled.connect(self._on_play_toggled)
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("One step of every racer")
        self.step_button.clicked.connect(lambda: self.step(1))
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to the start point, fresh optimizers")
        self.reset_button.clicked.connect(self.reset)
        for b, texts in ((self.play_button, ("▶ Play", "⏸ Pause")), (self.step_button, ("Step",)),
                         (self.reset_button, ("Reset",))):
            # a push button asks for 80 px whatever its text; its text is enough here
            b.setMinimumWidth(max(b.fontMetrics().horizontalAdvance(t) for t in texts) + 20)
            # clicked, it leaves the keys to the window: Space still plays training, not the race
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.speed_label = QLabel("speed:")
        self.speed_spin = QSpinBox()
        self.speed_spin.setRange(1, 1000)
        self.speed_spin.setValue(self._speed)
        self.speed_spin.setSuffix(" steps/s")
        self.speed_spin.setToolTip("Race steps per second while playing")
        self.speed_spin.valueChanged.connect(self.set_speed)
        self.step_label = QLabel("step 0")
        self.step_label.setMinimumWidth(self.step_label.fontMetrics().horizontalAdvance("step 20,000") + 4)
        self.step_label.setToolTip("Steps taken by every racer since the start")
        self.controls = bar = QWidget()
        bar.setObjectName("raceControls")
        rows = QVBoxLayout(bar)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(3)
        self._rows = (QHBoxLayout(), QHBoxLayout())
        for row in self._rows:
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(6)
            rows.addLayout(row)
        self.add_widget(bar)
        # -- the bowl's condition number, beside the formula it changes ----------------------
        self.kappa_label = QLabel("κ:")
        self.kappa_spin = QSpinBox()
        self.kappa_spin.setRange(*KAPPA_RANGE)
        self.kappa_spin.setValue(int(TEST_FUNCTIONS["bowl"].curvatures[1]))
        # typing 100 must not restart the race at 1 and at 10 on the way
        self.kappa_spin.setKeyboardTracking(False)
        self.kappa_spin.setToolTip("The bowl's condition number κ: how many times steeper it is across y than "
                                   "along x (1 to 1000). A new κ restarts the race with learning rates that "
                                   "suit the new bowl.")
        self.kappa_spin.valueChanged.connect(lambda k: self.set_kappa(float(k)))
        self.about_label = QLabel("")
        self.about_label.setWordWrap(True)
        # the sentence wraps to the view's width instead of setting a minimum for it
        self.about_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        about = QHBoxLayout()
        about.setContentsMargins(0, 0, 0, 0)
        about.setSpacing(4)
        about.addWidget(self.kappa_label)
        about.addWidget(self.kappa_spin)
        about.addWidget(self.about_label, 1)
        self._layout.addLayout(about)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)

        # -- the map ------------------------------------------------------------------------
        self.plot_widget = pg.PlotWidget(axisItems=readable_axes("left", "bottom"))
        self.plot_widget.setMinimumSize(200, 120)
        self.plot: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        _label(self.plot.getAxis("bottom"), "x")
        _label(self.plot.getAxis("left"), "y")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-20)
        self.cmap = _pale_colormap()
        self.image.setLookupTable(self.cmap.getLookupTable(nPts=256))
        self.plot.addItem(self.image)
        iso_pen = pg.mkPen(QColor(60, 60, 60, 90), width=1)
        self.contour_items = [pg.PlotCurveItem(pen=iso_pen, connect="finite") for _ in range(N_LEVELS)]
        for c in self.contour_items:
            c.setZValue(-10)
            self.plot.addItem(c)
        self.minima_item = pg.ScatterPlotItem(symbol="star", size=18, brush=pg.mkBrush(255, 255, 255),
                                              pen=pg.mkPen(QColor(20, 20, 20), width=1.2))
        self.saddle_item = pg.ScatterPlotItem(symbol="x", size=12, brush=pg.mkBrush(80, 80, 80), pen=None)
        self.plot.addItem(self.minima_item)
        self.plot.addItem(self.saddle_item)
        self.path_items: dict[str, pg.PlotDataItem] = {}
        self.head_items: dict[str, pg.ScatterPlotItem] = {}
        for key, color in RACERS:
            item = pg.PlotDataItem(pen=pg.mkPen(color, width=2), symbol="o", symbolSize=4,
                                   symbolBrush=pg.mkBrush(color), symbolPen=None)
            head = pg.ScatterPlotItem(size=13, brush=pg.mkBrush(color), pen=pg.mkPen("w", width=1.5))
            head.setZValue(5)
            self.plot.addItem(item)
            self.plot.addItem(head)
            self.path_items[key] = item
            self.head_items[key] = head
        self.start_target = pg.TargetItem(pos=tuple(self.start), size=16, symbol="o", movable=True,
                                          pen=pg.mkPen(QColor(20, 20, 20), width=2.5),
                                          brush=pg.mkBrush(255, 255, 255, 120),
                                          hoverPen=pg.mkPen(QColor(220, 30, 30), width=3),
                                          label="start", labelOpts={"color": QColor(20, 20, 20), "offset": (0, 14),
                                                                   "anchor": (0.5, 1.0)})
        self.start_target.setZValue(10)
        self.start_target.sigPositionChanged.connect(self._on_target_moved)
        self.plot.addItem(self.start_target)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.splitter.addWidget(self.plot_widget)

        # -- the racers: settings and legend ------------------------------------------------------
        panel = self.table_panel = RacerTable()
        panel.sigEnabled.connect(lambda k, on: self.set_racer(k, enabled=on))
        panel.sigLearningRate.connect(lambda k, v: self.set_racer(k, lr=v))
        panel.sigSetting.connect(lambda k, kw, v: self.set_racer(k, **{kw: v}))
        self.enable_checks, self.lr_spins = panel.enable_checks, panel.lr_spins
        self.value_labels, self.reasons_label = panel.value_labels, panel.reasons_label
        self._setting_widgets, self._setting_cells = panel.setting_widgets, panel.setting_cells
        for key, color in RACERS:
            self.racers[key] = Racer(key, color, 1e-3, {kw: d for kw, _l, d, _t in SETTINGS.get(key, ())})
        # the table keeps its natural size and scrolls when the view is too small for it,
        # so it never sets a minimum size for the whole view
        self.table_scroll = QScrollArea()
        self.table_scroll.setObjectName("raceTable")
        self.table_scroll.setWidget(panel)
        self.table_scroll.setWidgetResizable(True)
        self.table_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.table_scroll.setMinimumSize(120, 60)

        # -- beside the table, on the bowl: Goh's two pictures --------------------------------
        self.directions = DirectionsWidget()
        self.directions.sigRacerChosen.connect(lambda _k: self._show_theory())
        self.rate_map = RateMapWidget()
        self.rate_map.sigPicked.connect(self.pick_momentum)
        self.rate_map.sigStatus.connect(self.sigStatus)
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("raceSide")
        self.side_tabs.setDocumentMode(True)
        # like the table, the pictures give way on a small dock rather than set its minimum
        self.side_tabs.setMinimumSize(120, 60)
        self.side_tabs.addTab(self.table_scroll, "Racers")
        self.side_tabs.addTab(self.directions, "Directions")
        self.side_tabs.addTab(self.rate_map, "Rate map")
        self.side_tabs.setTabToolTip(1, "Each direction's error over the steps, for one racer (the bowl only)")
        self.side_tabs.setTabToolTip(2, "How fast momentum converges for every learning rate and momentum "
                                        "(the bowl only); click it to choose")
        self.side_tabs.currentChanged.connect(self._on_tab_changed)
        self.splitter.addWidget(self.side_tabs)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.add_widget(self.splitter, 1)
        self._table_widths: tuple[int, int, int] | None = None
        self.current_arrangement = ""
        self._arrange("wide")

    # ------------------------------------------------------------------ layout
    def table_widths(self) -> tuple[int, int, int]:
        """The width the racers' table needs: whole, without its settings column, and
        without its η column too."""
        if self._table_widths is None:
            shown = (self._setting_cells[0].isVisibleTo(self.table_panel),
                     self.table_panel.lr_cells[0].isVisibleTo(self.table_panel))
            widths = []
            for settings, lrs in ((True, True), (False, True), (False, False)):
                self._show_columns(settings, lrs)
                self.table_panel.layout().activate()
                widths.append(self.table_panel.sizeHint().width())
            self._show_columns(*shown)
            # the side's tab titles need their room too
            bar = self.side_tabs.tabBar().sizeHint().width()
            self._table_widths = (max(widths[0], bar), max(widths[1], bar), max(widths[2], bar))
        return self._table_widths

    def _show_columns(self, settings: bool, lrs: bool) -> None:
        for w in self._setting_cells:
            w.setVisible(settings)
        for w in self.table_panel.lr_cells:
            w.setVisible(lrs)

    def arrangement(self, width: int, height: int) -> str:
        """How a view of ``width`` × ``height`` pixels lays itself out: ``"wide"``,
        ``"compact"``, ``"slim"`` or ``"narrow"`` (see the module notes)."""
        whole, compact, slim = self.table_widths()
        if width >= MAP_WIDTH_BESIDE + whole + 16:
            return "wide"
        if height < TALL and width >= MAP_WIDTH_COMPACT + compact + 16:
            return "compact"
        if height < TALL and width >= MAP_WIDTH_SLIM + slim + 16:
            return "slim"
        return "narrow"

    def _arrange(self, how: str) -> None:
        """Controls in one row (wide) or two (the function and the step count, then the
        transport); the table beside the map (wide, compact, slim) or under it (narrow);
        the settings and η columns only where there is room for them."""
        if how == self.current_arrangement:
            return
        self.current_arrangement = how
        wide = how == "wide"
        self._show_columns(how in ("wide", "narrow"), how != "slim")
        first, second = self._rows
        for row in self._rows:
            while row.count():
                row.takeAt(0)
        first.addWidget(self.function_label)
        first.addWidget(self.function_box)
        transport = (self.play_button, self.step_button, self.reset_button, self.speed_label, self.speed_spin)
        if wide:
            first.addSpacing(12)
            for w in transport:
                first.addWidget(w)
            first.addWidget(self.step_label)
            first.addStretch(1)
        else:
            first.addWidget(self.step_label)
            first.addStretch(1)
            for w in transport:
                second.addWidget(w)
            second.addStretch(1)
        # the two-row width is the least the controls need: the view can always get narrow
        self.controls.setMinimumWidth(max(_row_width((self.function_label, self.function_box, self.step_label)),
                                          _row_width(transport)))
        beside = how in ("wide", "compact", "slim")
        self.splitter.setOrientation(Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical)
        self._size_table()

    def _size_table(self) -> None:
        """Give the table its natural size (beside the map: leaving the map at least
        MAP_WIDTH_BESIDE, MAP_WIDTH_COMPACT or MAP_WIDTH_SLIM; under it: at most 40 % of the height) and
        the map the rest."""
        hint = self.table_panel.sizeHint()
        bar = self.side_tabs.tabBar()
        bar_height = bar.sizeHint().height() if bar.isVisibleTo(self.side_tabs) else 0
        if self.splitter.orientation() == Qt.Orientation.Horizontal:
            room = self.splitter.width() - self.splitter.handleWidth()
            least = {"compact": MAP_WIDTH_COMPACT, "slim": MAP_WIDTH_SLIM}.get(self.current_arrangement,
                                                                              MAP_WIDTH_BESIDE)
            table = min(max(hint.width(), bar.sizeHint().width()) + 4, room - least)
        else:
            room = self.splitter.height() - self.splitter.handleWidth()
            if self.side_tabs.currentIndex() == 0:
                table = min(hint.height() + bar_height + 4, int(room * 0.4))
            else:  # a picture under the map: the two share the height
                table = int(room * 0.5)
        if room > 0:
            self.splitter.setSizes([room - table, table])

    def _show_about(self) -> None:
        """The function's formula, and its description when the view is tall enough
        (else the description is the label's tooltip)."""
        fn = self.fn
        formula, about = html.escape(fn.formula), html.escape(fn.description)
        if self.height() >= ABOUT_HEIGHT:
            self.about_label.setText(f"<b>{formula}</b> — {about}")
            self.about_label.setToolTip("")
        else:
            self.about_label.setText(f"<b>{formula}</b>")
            self.about_label.setToolTip(fn.description)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._show_about()
        how = self.arrangement(event.size().width(), event.size().height())
        if how != self.current_arrangement:
            self._arrange(how)
        else:
            self._size_table()

    # ------------------------------------------------------------------ public
    def set_function(self, key: str) -> None:
        """Race on test function ``key`` (a key of ``TEST_FUNCTIONS``; the bowl with its
        κ = 25) from its own start, with its recommended learning rates and every racer's
        default settings (μ, α, β), the racers' table in front."""
        fn = TEST_FUNCTIONS[key]
        if self.function_box.currentData() != key:
            self.function_box.blockSignals(True)
            self.function_box.setCurrentIndex(self.function_box.findData(key))
            self.function_box.blockSignals(False)
        for racer_key, widgets in self._setting_widgets.items():
            for kw, _name, default, _tip in SETTINGS.get(racer_key, ()):
                self.racers[racer_key].settings[kw] = default
                widgets[kw].blockSignals(True)
                widgets[kw].setValue(default)
                widgets[kw].blockSignals(False)
        self._use_function(fn)
        self.side_tabs.setCurrentIndex(0)
        self.set_start(fn.start)

    def set_kappa(self, kappa: float) -> None:
        """Race on the elongated bowl with condition number ``kappa`` (1 to 1000): the
        learning rates that suit it, the same start, and a restart."""
        k = float(min(max(float(kappa), KAPPA_RANGE[0]), KAPPA_RANGE[1]))
        if self.fn.key == "bowl" and self.fn.curvatures[1] == k:
            return
        if self.function_box.currentData() != "bowl":
            self.function_box.blockSignals(True)
            self.function_box.setCurrentIndex(self.function_box.findData("bowl"))
            self.function_box.blockSignals(False)
            start = TEST_FUNCTIONS["bowl"].start
        else:
            start = tuple(self.start)
        self._use_function(quadratic_bowl(k))
        self.set_start(start)

    @property
    def kappa(self) -> float | None:
        """The bowl's condition number, or None when the race is on another function."""
        return self.fn.curvatures[1] / self.fn.curvatures[0] if self.fn.curvatures else None

    def _use_function(self, fn: TestFunction) -> None:
        """Make ``fn`` the race's function with its own learning rates (no restart yet)."""
        self.fn = fn
        self.bound = race_bound(fn)
        self._show_about()
        for r in self.racers.values():
            r.lr = fn.default_lr(r.key)
            spin = self.lr_spins[r.key]
            spin.blockSignals(True)
            spin.setValue(r.lr)
            spin.blockSignals(False)
        bowl = bool(fn.curvatures)
        for w in (self.kappa_label, self.kappa_spin):
            w.setVisible(bowl)
        if bowl:
            self.kappa_spin.blockSignals(True)
            self.kappa_spin.setValue(int(round(self.kappa or 1)))
            self.kappa_spin.blockSignals(False)
            self.rate_map.set_curvatures(fn.curvatures)
        else:
            self.side_tabs.setCurrentIndex(0)
        for i in (1, 2):
            self.side_tabs.setTabVisible(i, bowl)
        self.side_tabs.tabBar().setVisible(bowl)
        self._size_table()
        self._draw_function()

    def show_tab(self, name: str) -> None:
        """Bring a side tab to the front: ``"racers"`` (the table), or on the bowl
        ``"directions"`` or ``"rates"`` (the rate map)."""
        index = TABS.index(name)
        if self.side_tabs.isTabVisible(index):
            self.side_tabs.setCurrentIndex(index)

    def follow(self, key: str) -> None:
        """Plot racer ``key``'s error along the two directions (the Directions tab)."""
        self.directions.set_racer(key)

    def pick_momentum(self, lr: float, momentum: float) -> None:
        """Give the Momentum racer learning rate ``lr`` and momentum ``momentum`` (as a
        click on the rate map does) and rerun the race from the start."""
        lr = float(min(max(lr, 1e-6), 10.0))
        momentum = float(min(max(momentum, 0.0), 0.9999))
        self.set_racer("momentum", enabled=True, lr=lr, momentum=momentum)
        if self.steps:
            self.reset()

    def set_start(self, point: Sequence[float]) -> None:
        """Move the start of every racer to ``point`` and restart the race there."""
        self.start = np.array([float(point[0]), float(point[1])], dtype=np.float64)
        tp = self.start_target.pos()
        if (tp.x(), tp.y()) != (self.start[0], self.start[1]):
            self.start_target.blockSignals(True)
            self.start_target.setPos(QPointF(self.start[0], self.start[1]))
            self.start_target.blockSignals(False)
        self.reset()

    def reset(self) -> None:
        """All racers back to the start with fresh optimizers; step 0."""
        self.steps = 0
        for r in self.racers.values():
            r.restart(self.start, self.fn)
        self._redraw()

    def step(self, n: int = 1) -> None:
        """``n`` steps of every enabled racer."""
        for _ in range(int(n)):
            if self.steps >= MAX_STEPS:
                self.pause()
                break
            self.steps += 1
            for r in self.racers.values():
                if r.enabled:
                    r.advance(self.fn, self.bound)
        self._redraw()
        self.sigStepped.emit(self.steps)

    def play(self) -> None:
        self.play_button.setChecked(True)

    def pause(self) -> None:
        self.play_button.setChecked(False)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def set_speed(self, steps_per_second: int) -> None:
        """Steps per second while playing."""
        self._speed = max(1, int(steps_per_second))
        if self.speed_spin.value() != self._speed:
            self.speed_spin.blockSignals(True)
            self.speed_spin.setValue(self._speed)
            self.speed_spin.blockSignals(False)
        self._timer.setInterval(max(1000 // MAX_TICKS, int(1000 / self._speed)))

    def set_racer(self, key: str, enabled: bool | None = None, lr: float | None = None,
                  **settings: float) -> None:
        """Change one racer. A new learning rate or setting restarts the race (so all
        racers compare from the same start); a racer switched on catches up with the others."""
        r = self.racers[key]
        if lr is not None and float(lr) != r.lr:
            r.lr = float(lr)
            spin = self.lr_spins[key]
            if spin.value() != r.lr:
                spin.blockSignals(True)
                spin.setValue(r.lr)
                spin.blockSignals(False)
            self.reset()
        changed = {k: float(v) for k, v in settings.items() if r.settings.get(k) != float(v)}
        if changed:
            r.settings.update(changed)
            for kw, v in changed.items():
                spin = self._setting_widgets[key].get(kw)
                if spin is not None and spin.value() != v:
                    spin.blockSignals(True)
                    spin.setValue(v)
                    spin.blockSignals(False)
            self.reset()
        if enabled is not None and bool(enabled) != r.enabled:
            r.enabled = bool(enabled)
            check = self.enable_checks[key]
            if check.isChecked() != r.enabled:
                check.blockSignals(True)
                check.setChecked(r.enabled)
                check.blockSignals(False)
            if r.enabled:
                r.restart(self.start, self.fn)
                with np.errstate(all="ignore"):
                    for _ in range(self.steps):
                        r.advance(self.fn, self.bound)
            self._redraw()

    def paths(self) -> dict[str, Array]:
        """Each enabled racer's path as :func:`race` returns it: ``(steps + 1, 2)``, the
        last point repeated after a stop."""
        out = {}
        for key, r in self.racers.items():
            if not r.enabled:
                continue
            p = r.path
            if len(p) < self.steps + 1:
                p = np.vstack([p, np.repeat(p[-1:], self.steps + 1 - len(p), axis=0)])
            out[key] = p
        return out

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        rows: list[tuple[int, str, float, float, float]] = []
        for r in self.racers.values():
            if not r.enabled:
                continue
            for t, (pt, v) in enumerate(zip(r.points, r.values)):
                rows.append((t, r.name, float(pt[0]), float(pt[1]), float(v)))
        return ("step", "racer", "x", "y", "f"), rows

    # ------------------------------------------------------------------ transport
    def _on_play_toggled(self, on: bool) -> None:
        if on:
            self.set_speed(self._speed)
            self._timer.start()
            self.play_button.setText("⏸ Pause")
        else:
            self._timer.stop()
            self.play_button.setText("▶ Play")

    def _tick(self) -> None:
        interval = max(1, self._timer.interval())
        n = max(1, int(round(self._speed * interval / 1000.0)))
        self.step(n)
        if all(r.stopped is not None for r in self.racers.values() if r.enabled):
            self.pause()

    # ------------------------------------------------------------------ the start point
    def _on_target_moved(self, *_: Any) -> None:
        p = self.start_target.pos()
        self.start = np.array([p.x(), p.y()], dtype=np.float64)
        self.reset()

    def _on_click(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double() or ev.isAccepted():
            return
        pos = ev.scenePos()
        if not self.plot.vb.sceneBoundingRect().contains(pos):
            return
        p = self.plot.vb.mapSceneToView(pos)
        (x0, x1), (y0, y1) = self.fn.domain
        if x0 <= p.x() <= x1 and y0 <= p.y() <= y1:
            self.set_start((p.x(), p.y()))

    def _hover(self, pos: QPointF) -> None:
        if not self.plot.vb.sceneBoundingRect().contains(pos):
            return
        p = self.plot.vb.mapSceneToView(pos)
        with np.errstate(all="ignore"):
            f = self.fn.value(np.array([p.x(), p.y()]))
        self.sigStatus.emit(f"x = {p.x():.4g}, y = {p.y():.4g}: f = {f:.4g}")

    # ------------------------------------------------------------------ drawing
    def _function_picture(self) -> tuple[Array, Array, Array, list[tuple[Array, Array]]]:
        """Grid, display values and contour lines of the current function (cached)."""
        key = self.fn.name
        pictures = _PICTURES
        if key not in pictures:
            if len(pictures) >= PICTURES_KEPT:
                pictures.pop(next(iter(pictures)))
            xs, ys, Z = self.fn.grid(GRID)
            if self.fn.log_scale:
                # f − min ≥ 0 spans many decades: colour by its logarithm
                shifted = np.maximum(Z - self.fn.min_value, 0.0)
                D = np.log10(shifted + 1e-3)
            else:
                D = np.asarray(Z, dtype=np.float64)
            lines = [contour_lines(D, xs, ys, float(lv)) for lv in contour_levels(D, N_LEVELS)]
            pictures[key] = (xs, ys, D, lines)
        return pictures[key]

    def _draw_function(self) -> None:
        xs, ys, D, lines = self._function_picture()
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.image.setImage(D, autoLevels=True)
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        for k, item in enumerate(self.contour_items):
            if k < len(lines):
                item.setData(*lines[k])
            else:
                item.setData([], [])
        mins = np.array(self.fn.minima, dtype=float).reshape(-1, 2)
        self.minima_item.setData(mins[:, 0], mins[:, 1])
        sad = np.array(self.fn.saddles, dtype=float).reshape(-1, 2)
        self.saddle_item.setData(sad[:, 0], sad[:, 1])
        (x0, x1), (y0, y1) = self.fn.domain
        self.plot.setRange(QRectF(x0, y0, x1 - x0, y1 - y0), padding=0.0)
        self.plot.disableAutoRange()

    def _redraw(self) -> None:
        self.step_label.setText(f"step {self.steps:,}")
        (x0, x1), (y0, y1) = self.fn.domain
        # a path that flew off is drawn towards where it went, not to 10³⁰
        wx, wy = 50.0 * (x1 - x0), 50.0 * (y1 - y0)
        reasons = []
        for key, r in self.racers.items():
            item, head = self.path_items[key], self.head_items[key]
            label = self.value_labels[key]
            if not r.enabled:
                item.setData([], [])
                head.setData([], [])
                label.setText("")
                continue
            p = r.path
            shown = np.column_stack([np.clip(p[:, 0], x0 - wx, x1 + wx), np.clip(p[:, 1], y0 - wy, y1 + wy)])
            item.setData(shown[:, 0], shown[:, 1], symbol="o" if len(p) <= MARKERS_UP_TO else None)
            head.setData([shown[-1, 0]], [shown[-1, 1]], symbol="x" if r.stopped else "o")
            f = r.values[-1] if r.values else math.nan
            if r.stopped:
                # leaving a function without a minimum is the expected end, not a failure
                bad = bool(self.fn.minima) or "NaN" in r.stopped
                color = "#be2828" if bad else "#707070"
                word = "stopped" if bad else "left"
                label.setText(f"<span style='color:{color}'>{word}</span> ({_fmt(f)})")
                label.setToolTip(r.stopped)
                reasons.append(f"<span style='color:{color}'><b>{r.name}</b> {html.escape(r.stopped)}.</span>")
            else:
                label.setText(_fmt(f))
                label.setToolTip(f"f at {r.name}'s point after {r.steps_done} steps")
        self.reasons_label.setText("<br>".join(reasons))
        self._show_theory()

    def _on_tab_changed(self, _index: int) -> None:
        if self.splitter.orientation() == Qt.Orientation.Vertical:
            self._size_table()
        self._show_theory()

    def _show_theory(self) -> None:
        """On the bowl: the rate map's marks, and the followed racer's error along the two
        directions when that tab is in front (a hidden plot is not drawn)."""
        if not self.fn.curvatures:
            return
        mom, sgd = self.racers["momentum"], self.racers["sgd"]
        self.rate_map.set_current(mom.lr, mom.settings.get("momentum", 0.9), sgd.lr if sgd.enabled else None)
        if self.side_tabs.currentWidget() is self.directions:
            r = self.racers[self.directions.key]
            self.directions.show_run(r.path, r.lr, r.settings, self.fn.curvatures)


__all__ = ["RaceView", "Racer", "RACERS"]
