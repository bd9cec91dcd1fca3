"""The loss landscape: the loss over a plane through the current weights, with the path.

A network's loss depends on all of its weights at once, far too many dimensions to
draw. This view draws a 2-D slice through the current weights ``θ``::

    L(α, β) = L(θ + α·d₁ + β·d₂)

along two directions chosen in one of three ways (see :mod:`nnstudio.core.landscape`):
the two directions in which training moved most (principal components of the path),
two random filter-normalised directions, or two single weights the learner picks.

It shows

* a contour map: a heatmap of the loss (optionally on a log colour scale, since losses
  span orders of magnitude) with contour lines at a handful of levels;
* the same surface in 3-D (``pyqtgraph.opengl``), when OpenGL is available;
* the optimizer's path on both, growing live between recomputations (each snapshot's
  weights are projected onto the plane of the last computed surface);
* the 1-D slice along the straight line from the initial to the current weights.

The surface is computed on the worker thread, which owns the trainer, through
:meth:`TrainingController.call`; at most one computation is in flight at a time, and
while training runs it is redone at most every :data:`AUTO_INTERVAL` seconds.
"""

from __future__ import annotations

import contextlib

import functools

import math
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QVector3D
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton,
                               QSpinBox, QSplitter, QWidget)

from ...core.errors import NNStudioError
from ...core.landscape import SurfaceResult, loss_line, param_label, projection, surface_for_trainer
from ...core.snapshot import Snapshot
from .. import theme
from .base import ViewBase

try:  # shiboken tells whether the C++ side of a widget still exists
    from shiboken6 import isValid as _alive
except ImportError:  # pragma: no cover
    def _alive(obj: object) -> bool:
        return True

Array = np.ndarray

#: seconds between automatic recomputations while training runs
AUTO_INTERVAL = 0.5
#: while training, the worker spends at most 1 / (1 + this) of its time on surfaces: after
#: a computation that took t seconds the next automatic one waits at least this × t
AUTO_IDLE_FACTOR = 4.0
#: contour lines drawn on the map
N_LEVELS = 10
#: height of the 3-D surface in scene units (the plane spans −1..1 on both axes)
Z_HEIGHT = 1.0
#: the path floats this far above the 3-D surface so it is not hidden in it
PATH_LIFT = 0.025
#: seconds between redraws of the live path (it grows at snapshot rate, up to 60 a second)
PATH_INTERVAL = 0.1
#: data points the loss is averaged over (a fixed random subset of the training set)
MAX_POINTS = 2000
#: points of the 1-D line from the initial to the current weights
LINE_POINTS = 61

MODE_NAMES = {
    "pca": "Principal directions of the path",
    "random": "Random directions",
    "params": "Two weights",
}

COLORMAP = "viridis"


def _label(axis: pg.AxisItem, text: str) -> None:
    """Label an axis without pyqtgraph's automatic "(x0.001)" rescaling of its numbers."""
    axis.setLabel(text, siPrefixEnableRanges=())


# -- pure helpers (no Qt) ---------------------------------------------------------------------
def display_values(loss: Array, log: bool) -> Array:
    """What the colours and heights show: the loss, or its base-10 logarithm.

    Non-finite losses (overflow far from the weights) are drawn as the largest finite
    value; on the log scale losses of exactly 0 are drawn as the smallest positive one.
    """
    v = np.asarray(loss, dtype=np.float64)
    finite = np.isfinite(v)
    if log:
        pos = finite & (v > 0)
        floor = float(v[pos].min()) if pos.any() else 1e-12
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log10(np.where(pos, v, floor))
    else:
        out = v.copy()
    if not finite.all():
        top = float(out[finite].max()) if finite.any() else 0.0
        out[~finite] = top
    return out


def flat_weights(snap: Snapshot) -> Array:
    """The snapshot's parameters as one flat vector, in the engine's order.

    The engine lays the parameters out as every layer's ``W`` (row-major), then every
    layer's ``b`` (see :func:`nnstudio.core.network.flat_index`).
    """
    parts = [np.ravel(w) for w in snap.weights] + [np.ravel(b) for b in snap.biases]
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)


def contour_lines(Z: Array, xs: Array, ys: Array, level: float) -> tuple[Array, Array]:
    """The contour line ``Z = level`` in data coordinates, pieces separated by NaN.

    ``Z[j, i]`` is the value at ``(xs[i], ys[j])`` on a uniform grid. Returns ``x, y``
    ready for a curve drawn with ``connect="finite"``.
    """
    # pyqtgraph's marching squares takes data[x, y] and puts sample k at k + 0.5
    pieces = pg.functions.isocurve(np.asarray(Z, dtype=np.float64).T, level, connected=True,
                                   extendToEdge=False)
    if not pieces:
        return np.zeros(0), np.zeros(0)
    dx = (xs[-1] - xs[0]) / (len(xs) - 1)
    dy = (ys[-1] - ys[0]) / (len(ys) - 1)
    xo, yo = [], []
    for piece in pieces:
        p = np.asarray(piece, dtype=np.float64)
        xo.append(xs[0] + (p[:, 0] - 0.5) * dx)
        yo.append(ys[0] + (p[:, 1] - 0.5) * dy)
        xo.append(np.array([np.nan]))
        yo.append(np.array([np.nan]))
    return np.concatenate(xo), np.concatenate(yo)


def contour_levels(Z: Array, n: int = N_LEVELS) -> Array:
    """``n`` levels evenly spaced strictly between the smallest and largest value."""
    lo, hi = float(np.min(Z)), float(np.max(Z))
    if not hi > lo:
        return np.zeros(0)
    return np.linspace(lo, hi, n + 2)[1:-1]


def grid_interpolate(xs: Array, ys: Array, Z: Array, px: Array, py: Array) -> Array:
    """Bilinear interpolation of ``Z[j, i]`` (uniform grid) at points, clamped to the grid."""
    px, py = np.asarray(px, dtype=np.float64), np.asarray(py, dtype=np.float64)
    fx = np.clip((px - xs[0]) / (xs[-1] - xs[0]) * (len(xs) - 1), 0, len(xs) - 1)
    fy = np.clip((py - ys[0]) / (ys[-1] - ys[0]) * (len(ys) - 1), 0, len(ys) - 1)
    i0 = np.minimum(fx.astype(int), len(xs) - 2)
    j0 = np.minimum(fy.astype(int), len(ys) - 2)
    tx, ty = fx - i0, fy - j0
    return ((1 - tx) * (1 - ty) * Z[j0, i0] + tx * (1 - ty) * Z[j0, i0 + 1]
            + (1 - tx) * ty * Z[j0 + 1, i0] + tx * ty * Z[j0 + 1, i0 + 1])


def best_azimuth(z: Array) -> float:
    """A camera azimuth (degrees) looking at a surface ``z[x, y]`` over −1..1 from its lower
    side, so that high walls stand behind the valley instead of hiding it."""
    nx, ny = z.shape
    X, Y = np.meshgrid(np.linspace(-1, 1, nx), np.linspace(-1, 1, ny), indexing="ij")
    best, best_mean = -50.0, math.inf
    for az in (-50.0, 40.0, 130.0, 220.0):
        r = math.radians(az)
        near = X * math.cos(r) + Y * math.sin(r) > 0.2  # the part of the surface nearest the camera
        m = float(np.mean(z[near]))
        if m < best_mean - 1e-9:
            best, best_mean = az, m
    return best


# -- what the worker sends back ------------------------------------------------------------------
@dataclass
class SurfaceSettings:
    """What to compute: the arguments of :func:`surface_for_trainer`."""

    mode: str = "pca"
    resolution: int = 51
    span: float | None = None  # None = automatic
    i: int = 0
    j: int = 1
    ignore_biases: bool = True
    seed: int = 0

    def kwargs(self) -> dict[str, Any]:
        return dict(mode=self.mode, resolution=self.resolution, span=self.span, i=self.i, j=self.j,
                    ignore_biases=self.ignore_biases, seed=self.seed, max_points=MAX_POINTS)


@dataclass
class SurfaceComputation:
    """A surface computed on the worker, with the 1-D line from the initial weights."""

    settings: SurfaceSettings
    result: SurfaceResult | None
    iteration: int
    line_t: Array = field(default_factory=lambda: np.zeros(0))
    line_loss: Array = field(default_factory=lambda: np.zeros(0))
    error: str | None = None
    seconds: float = 0.0


def compute_surface(trainer: Any, settings: SurfaceSettings) -> SurfaceComputation:
    """Run on the worker thread: the landscape around ``trainer``'s weights.

    Never raises: problems a learner can act on (train first, pick two different
    weights …) come back as ``error`` text.
    """
    if trainer is None:
        return SurfaceComputation(settings, None, 0, error="Load a data set and a network first.")
    t0 = time.perf_counter()
    try:
        with np.errstate(all="ignore"):
            res = surface_for_trainer(trainer, **settings.kwargs())
            net = trainer.network
            ts, ls = loss_line(net, trainer.X, trainer.y, trainer.initial_params, net.get_flat(),
                               n=LINE_POINTS, l1=float(trainer.config.l1), l2=float(trainer.config.l2),
                               max_points=MAX_POINTS, rng=settings.seed)
    except NNStudioError as exc:
        return SurfaceComputation(settings, None, int(trainer.iteration), error=str(exc))
    except Exception as exc:  # noqa: BLE001 - a surprise: say so in words, keep the view working
        return SurfaceComputation(settings, None, int(trainer.iteration),
                                  error=f"The loss surface could not be computed: {exc}")
    return SurfaceComputation(settings, res, int(trainer.iteration), ts, ls,
                              seconds=time.perf_counter() - t0)


def parameter_labels(trainer: Any) -> tuple[tuple[int, ...], list[str]] | None:
    """Run on the worker thread: the network's layer sizes and every parameter's name."""
    if trainer is None:
        return None
    net = trainer.network
    return tuple(trainer.spec.layer_sizes), [param_label(net, k) for k in range(net.n_params)]


#: the 3-D views alive in this process (see :func:`_prepare_gl_caches`)
_GL_VIEWS: "weakref.WeakSet[Any]" = weakref.WeakSet()


def _prepare_gl_caches() -> None:
    """Let a new 3-D view start from clean shader caches when it needs to.

    pyqtgraph 0.14 compiles each shader program once and keeps its id at class level. An
    OpenGL context that shares nothing with the one those ids came from cannot use them:
    after the first 3-D view is closed, the next one fails to draw (GL "invalid value")
    or crashes. With ``Qt.AA_ShareOpenGLContexts`` set before the application starts, all
    contexts share their programs and nothing needs doing; otherwise, when no other 3-D
    view is alive, the caches are cleared so the new view compiles its own.
    """
    if QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts):
        return
    if any(_alive(v) for v in list(_GL_VIEWS)):
        return
    import pyqtgraph.opengl as gl
    from pyqtgraph.opengl import shaders

    for name in ("GLLinePlotItem", "GLScatterPlotItem", "GLImageItem", "GLVolumeItem"):
        cls = getattr(gl, name, None)
        if cls is not None and hasattr(cls, "_shaderProgram"):
            cls._shaderProgram = None
    for program in shaders.ShaderProgram.names.values():
        program.prog = None


def opengl_problem() -> str | None:
    """Why a 3-D view cannot be shown here, or None if it can."""
    platform = QGuiApplication.platformName()
    if platform in ("offscreen", "minimal"):
        return (f"3-D view needs OpenGL, which is not available on this display ({platform} "
                f"platform); the contour map shows the same surface.")
    try:
        import pyqtgraph.opengl  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means no 3-D
        return (f"3-D view needs OpenGL, which could not be loaded ({exc}); the contour map "
                f"shows the same surface.")
    return None


# -- the view -----------------------------------------------------------------------------------
class SurfaceView(ViewBase):
    """The loss over a plane through the current weights, in 2-D and 3-D, with the path."""

    title = "Loss landscape"
    caption = ("The loss around the current weights, along two directions in weight space: "
               "valleys are dark, ridges bright. The white line is the path training took, the "
               "red dot the weights now. Below: the loss on the straight line from the initial "
               "weights (t = 0) to the current ones (t = 1).")

    #: emitted on the GUI thread when a computation finished (the SurfaceComputation)
    sigComputed = Signal(object)

    def __init__(self, controller: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: Any = None
        self.settings = SurfaceSettings()
        self.computation: SurfaceComputation | None = None
        self.result: SurfaceResult | None = None
        self.heatmap: Array | None = None  # what the image shows (loss or log10 loss)
        self.path: Array = np.zeros((0, 2))  # the drawn path, in axis units
        self.path_iterations: Array = np.zeros(0, dtype=np.int64)
        self.current: Array | None = None
        self.line_t: Array = np.zeros(0)
        self.line_loss: Array = np.zeros(0)
        self.message = ""
        self._labels: list[str] = []
        self._layout_key: tuple[int, ...] | None = None
        self._labels_pending = False
        self._pending = False  # a computation is in flight
        self._again = False  # recompute as soon as it lands (asked for while busy)
        self._last_request = -math.inf
        self._last_done = -math.inf
        self._last_cost = 0.0
        self._computed_for: tuple[int, SurfaceSettings] | None = None
        self._zrange = (0.0, 1.0)
        self._camera_key: tuple[Any, ...] | None = None
        self._auto_timer = QTimer(self)
        self._auto_timer.setSingleShot(True)
        self._auto_timer.timeout.connect(self._maybe_auto)
        self._path_timer = QTimer(self)
        self._path_timer.setSingleShot(True)
        self._path_timer.setInterval(int(PATH_INTERVAL * 1000))
        self._path_timer.timeout.connect(self._draw_path)

        self._build_controls()
        self._build_plots()
        self.add_caption()
        self._sync_mode_widgets()
        self.set_controller(controller)

    # ------------------------------------------------------------------ building
    def _build_controls(self) -> None:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Directions:"))
        self.mode_box = QComboBox()
        for key, name in MODE_NAMES.items():
            self.mode_box.addItem(name, key)
        self.mode_box.setToolTip(
            "Principal directions: the plane in which training moved most, so the path lies in it.\n"
            "Random directions: two random directions, each neuron's weights scaled to their own size "
            "(Li et al. 2018).\nTwo weights: the loss as two chosen weights change, all others fixed.")
        self.mode_box.currentIndexChanged.connect(self._on_mode_box)
        row.addWidget(self.mode_box)

        # params mode: which two weights
        self.params_box = QWidget()
        pr = QHBoxLayout(self.params_box)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(QLabel("x:"))
        self.i_box = QComboBox()
        self.i_box.setToolTip("The weight along the horizontal axis (W2[3,0] = from neuron 3 of "
                              "layer 1 to neuron 0 of layer 2; b = bias)")
        pr.addWidget(self.i_box)
        pr.addWidget(QLabel("y:"))
        self.j_box = QComboBox()
        self.j_box.setToolTip("The weight along the vertical axis")
        pr.addWidget(self.j_box)
        for b in (self.i_box, self.j_box):
            b.setMaxVisibleItems(20)
            b.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            b.currentIndexChanged.connect(self._on_params_box)
        row.addWidget(self.params_box)

        # random mode: seed and biases
        self.random_box = QWidget()
        rr = QHBoxLayout(self.random_box)
        rr.setContentsMargins(0, 0, 0, 0)
        self.ignore_biases_check = QCheckBox("ignore biases")
        self.ignore_biases_check.setChecked(True)
        self.ignore_biases_check.setToolTip("Keep the biases fixed and move only the weights")
        self.ignore_biases_check.toggled.connect(self._on_setting)
        rr.addWidget(self.ignore_biases_check)
        rr.addWidget(QLabel("seed:"))
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 999_999)
        self.seed_spin.setToolTip("Another seed draws two other random directions")
        self.seed_spin.valueChanged.connect(self._on_setting)
        rr.addWidget(self.seed_spin)
        row.addWidget(self.random_box)

        # pca mode: how much of the path the plane captures
        self.explained_label = QLabel("")
        self.explained_label.setToolTip("How much of the path's movement lies in the plane drawn")
        row.addWidget(self.explained_label)
        row.addStretch(1)
        self.add_widget(bar)

        bar2 = QWidget()
        row2 = QHBoxLayout(bar2)
        row2.setContentsMargins(0, 0, 0, 0)
        row2.addWidget(QLabel("Grid:"))
        self.resolution_spin = QSpinBox()
        self.resolution_spin.setRange(21, 101)
        self.resolution_spin.setSingleStep(10)
        self.resolution_spin.setValue(self.settings.resolution)
        self.resolution_spin.setSuffix(" × n")
        self.resolution_spin.setToolTip("Points per axis: the loss is computed n² times")
        self.resolution_spin.valueChanged.connect(self._on_setting)
        row2.addWidget(self.resolution_spin)
        row2.addWidget(QLabel("Range ±"))
        self.span_auto = QCheckBox("auto")
        self.span_auto.setChecked(True)
        self.span_auto.setToolTip("Choose the range to show the whole path (principal directions, "
                                  "two weights) or ±1 (random directions)")
        self.span_auto.toggled.connect(self._on_setting)
        row2.addWidget(self.span_auto)
        self.span_spin = QDoubleSpinBox()
        self.span_spin.setDecimals(4)
        self.span_spin.setRange(1e-4, 1000.0)
        self.span_spin.setValue(1.0)
        self.span_spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.span_spin.setToolTip("Half-width of each axis around the current weights")
        self.span_spin.valueChanged.connect(self._on_setting)
        row2.addWidget(self.span_spin)
        self.log_check = QCheckBox("log colours")
        self.log_check.setChecked(True)
        self.log_check.setToolTip("Colour and height by log₁₀(loss): losses often span several orders "
                                  "of magnitude, and the valley floor would otherwise look flat")
        self.log_check.toggled.connect(self._redraw_all)
        row2.addWidget(self.log_check)
        self.show3d_check = QCheckBox("3-D")
        self.show3d_check.setChecked(True)
        self.show3d_check.setToolTip("Show the surface in 3-D beside the contour map (drag to turn it)")
        self.show3d_check.toggled.connect(self._on_show3d)
        row2.addWidget(self.show3d_check)
        row2.addStretch(1)
        self.auto_check = QCheckBox("auto-update while training")
        self.auto_check.setChecked(True)
        self.auto_check.setToolTip(f"Recompute at most every {AUTO_INTERVAL:g} s while the weights change")
        self.auto_check.toggled.connect(self._maybe_auto)
        row2.addWidget(self.auto_check)
        self.recompute_button = QPushButton("Recompute")
        self.recompute_button.setToolTip("Compute the surface around the current weights now")
        self.recompute_button.clicked.connect(self.recompute)
        row2.addWidget(self.recompute_button)
        self.add_widget(bar2)

        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setObjectName("surfaceStatus")
        self.add_widget(self.status_label)

    def _build_plots(self) -> None:
        fg = theme.foreground()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)

        # -- contour map -------------------------------------------------------------------
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setMinimumSize(240, 200)
        self.plot: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        _label(self.plot.getAxis("bottom"), "α")
        _label(self.plot.getAxis("left"), "β")
        self.cmap = pg.colormap.get(COLORMAP)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), width=12, interactive=False, colorMap=self.cmap,
                                        colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.colorbar.axis.setWidth(62)  # room for "−0.25" and the axis name beside it
        iso_pen = pg.mkPen(QColor(255, 255, 255, 110), width=1)
        self.contours = [pg.PlotCurveItem(pen=iso_pen, connect="finite") for _ in range(N_LEVELS)]
        for c in self.contours:
            self.plot.addItem(c)
        white = QColor(255, 255, 255)
        self.path_line = pg.PlotDataItem(pen=pg.mkPen(white, width=2))
        self.path_marks = pg.ScatterPlotItem(size=4, brush=pg.mkBrush(white), pen=None)
        self.start_mark = pg.ScatterPlotItem(size=11, symbol="s", brush=pg.mkBrush(white),
                                             pen=pg.mkPen(QColor(30, 30, 30), width=1.5))
        self.current_mark = pg.ScatterPlotItem(size=15, symbol="o", brush=pg.mkBrush(QColor(230, 40, 40)),
                                               pen=pg.mkPen(white, width=2))
        for item in (self.path_line, self.path_marks, self.start_mark, self.current_mark):
            self.plot.addItem(item)
        self.current_mark.setZValue(10)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.splitter.addWidget(self.plot_widget)

        # -- 3-D surface, or why there is none ------------------------------------------------
        self.gl_view: Any = None
        self.gl_surface: Any = None
        self.gl_path: Any = None
        self.gl_start: Any = None
        self.gl_current: Any = None
        self.gl_texts: list[Any] = []
        self.gl_message = QLabel("")
        self.gl_message.setWordWrap(True)
        self.gl_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.gl_message.setObjectName("glMessage")
        problem = opengl_problem()
        if problem is None:
            try:
                self._build_gl()
            except Exception as exc:  # noqa: BLE001 - no OpenGL context, old driver …
                self.gl_view = None
                problem = (f"3-D view needs OpenGL, which is not available here ({exc}); the contour "
                           f"map shows the same surface.")
        if problem is not None:
            # one line above the map, which then gets the whole width
            self.gl_message.setText(problem)
            self.gl_message.setAlignment(Qt.AlignmentFlag.AlignLeft)
            self.gl_message.setStyleSheet("QLabel#glMessage { color: palette(mid); font-style: italic; }")
            self.add_widget(self.gl_message)
            self.show3d_check.setEnabled(False)
            self.show3d_check.setChecked(False)
            self.show3d_check.setToolTip(problem)
        else:
            self.splitter.addWidget(self.gl_view)
            self.splitter.setSizes([500, 500])
        self.add_widget(self.splitter, 1)

        # -- the line from the initial to the current weights --------------------------------------
        self.line_widget = pg.PlotWidget()
        self.line_widget.setFixedHeight(130)
        self.line_plot: pg.PlotItem = self.line_widget.getPlotItem()
        self.line_plot.setMenuEnabled(False)
        self.line_plot.hideButtons()
        self.line_plot.showGrid(x=True, y=True, alpha=0.15)
        _label(self.line_plot.getAxis("bottom"), "t   (0 = initial weights, 1 = current weights)")
        _label(self.line_plot.getAxis("left"), "loss")
        self.line_curve = self.line_plot.plot(pen=pg.mkPen(theme.POSITIVE, width=2))
        self.line_ends = self.line_plot.plot(pen=None, symbol="o", symbolSize=9,
                                             symbolBrush=[pg.mkBrush(fg), pg.mkBrush(QColor(230, 40, 40))],
                                             symbolPen=None)
        self.add_widget(self.line_widget)

    def _build_gl(self) -> None:
        import pyqtgraph.opengl as gl

        _prepare_gl_caches()
        view = gl.GLViewWidget()
        _GL_VIEWS.add(view)
        view.setMinimumSize(200, 200)
        view.setBackgroundColor(theme.background())
        view.setCameraPosition(pos=QVector3D(0.0, 0.0, 0.35 * Z_HEIGHT), distance=3.9, elevation=32,
                               azimuth=-50)
        surface = gl.GLSurfacePlotItem(computeNormals=False, smooth=False, glOptions="opaque",
                                       showGrid=True, lineColor=(0, 0, 0, 0.18), lineWidth=1.0)
        view.addItem(surface)
        self.gl_path = gl.GLLinePlotItem(pos=np.zeros((0, 3)), color=(1, 1, 1, 1), width=2.5,
                                         antialias=True, mode="line_strip")
        self.gl_start = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), color=(1, 1, 1, 1), size=10, pxMode=True)
        self.gl_current = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), color=(0.9, 0.16, 0.16, 1), size=16,
                                               pxMode=True)
        for item in (self.gl_path, self.gl_start, self.gl_current):
            item.setGLOptions("translucent")
            view.addItem(item)
        fg = theme.foreground()
        # names of the α axis (along the y = −1 edge), the β axis (x = −1) and the height
        for pos in ((0.0, -1.35, 0.0), (-1.35, 0.0, 0.0), (-1.1, -1.1, Z_HEIGHT + 0.15)):
            t = gl.GLTextItem(pos=np.array(pos), text="", color=fg)
            view.addItem(t)
            self.gl_texts.append(t)
        self.gl_view = view
        self.gl_surface = surface

    # ------------------------------------------------------------------ public
    def set_controller(self, controller: Any) -> None:
        """Attach the training controller the surface is computed through (or None)."""
        if self.controller is controller:
            return
        if self.controller is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
                self.controller.sigSnapshot.disconnect(self._on_controller_snapshot)
        self.controller = controller
        self._pending = False
        self._again = False
        self._computed_for = None
        self._layout_key = None
        self._labels_pending = False
        if controller is not None:
            controller.sigSnapshot.connect(self._on_controller_snapshot)
            if controller.snapshot is not None:
                self.show_snapshot(controller.snapshot)

    @property
    def mode(self) -> str:
        return self.settings.mode

    def set_mode(self, mode: str) -> None:
        """``"pca"``, ``"random"`` or ``"params"``; recomputes."""
        k = self.mode_box.findData(mode)
        if k < 0:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODE_NAMES)}")
        self.mode_box.setCurrentIndex(k)  # → _on_mode_box

    def set_params(self, i: int, j: int) -> None:
        """Pick the two weights of the ``"params"`` mode (flat indices); recomputes."""
        self.settings.i, self.settings.j = int(i), int(j)
        for box, k in ((self.i_box, i), (self.j_box, j)):
            box.blockSignals(True)
            idx = box.findData(int(k))
            if idx >= 0:
                box.setCurrentIndex(idx)
            box.blockSignals(False)
        self._settings_changed()

    def set_span(self, span: float | None) -> None:
        """Half-width of the axes, or None for automatic."""
        self.span_auto.blockSignals(True)
        self.span_spin.blockSignals(True)
        self.span_auto.setChecked(span is None)
        if span is not None:
            self.span_spin.setValue(float(span))
        self.span_auto.blockSignals(False)
        self.span_spin.blockSignals(False)
        self._on_setting()

    def recompute(self) -> None:
        """Compute the surface around the current weights now (after the one in flight)."""
        if self.controller is None:
            self._show_message("Connect this view to a training session to compute the landscape.")
            return
        if self._pending:
            self._again = True
            return
        self._request()

    @property
    def busy(self) -> bool:
        """A computation is in flight."""
        return self._pending

    def show_snapshot(self, snap: Snapshot) -> None:
        if snap is self.snapshot:
            return  # the same snapshot from the window and from the controller
        self.snapshot = snap
        key = tuple(snap.layer_sizes)
        if key != self._layout_key and not self._labels_pending and self.controller is not None:
            self._request_labels()
        self._grow_path(snap)
        self._maybe_auto()

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        res = self.result
        if res is None:
            return ("alpha", "beta", "loss"), []
        rows = [(float(a), float(b), float(res.loss[j, i]))
                for j, b in enumerate(res.betas) for i, a in enumerate(res.alphas)]
        return ("alpha", "beta", "loss"), rows

    # ------------------------------------------------------------------ settings
    def _on_mode_box(self, _index: int = 0) -> None:
        self.settings.mode = str(self.mode_box.currentData())
        self._sync_mode_widgets()
        self._settings_changed()

    def _on_params_box(self, _index: int = 0) -> None:
        i, j = self.i_box.currentData(), self.j_box.currentData()
        if i is None or j is None:
            return
        self.settings.i, self.settings.j = int(i), int(j)
        self._settings_changed()

    def _on_setting(self, *_: Any) -> None:
        s = self.settings
        s.resolution = int(self.resolution_spin.value())
        s.span = None if self.span_auto.isChecked() else float(self.span_spin.value())
        s.ignore_biases = self.ignore_biases_check.isChecked()
        s.seed = int(self.seed_spin.value())
        self.span_spin.setEnabled(not self.span_auto.isChecked())
        self._settings_changed()

    def _sync_mode_widgets(self) -> None:
        m = self.settings.mode
        self.params_box.setVisible(m == "params")
        self.random_box.setVisible(m == "random")
        self.explained_label.setVisible(m == "pca")
        self.span_spin.setEnabled(not self.span_auto.isChecked())

    def _settings_changed(self) -> None:
        """New settings: recompute (if there is anything to compute on)."""
        if self.controller is not None and self.snapshot is not None:
            self.recompute()

    def _on_show3d(self, on: bool) -> None:
        if self.gl_view is not None:
            self.gl_view.setVisible(bool(on))

    # ------------------------------------------------------------------ worker traffic
    def _request(self) -> None:
        settings = SurfaceSettings(**vars(self.settings))
        self._pending = True
        self._again = False
        self._last_request = time.monotonic()
        self.status_label.setText(self.status_label.text() if self.result is not None else "Computing…")
        self.recompute_button.setText("Computing…")
        # the engine runs in another process: send a picklable partial, not a lambda
        self.controller.call(functools.partial(compute_surface, settings=settings), self._on_computed)

    def _request_labels(self) -> None:
        self._labels_pending = True
        self.controller.call(parameter_labels, self._on_labels)

    def _on_labels(self, value: Any) -> None:
        if not _alive(self):
            return
        self._labels_pending = False
        if value is None:
            return
        key, labels = value
        self._layout_key = key
        if labels == self._labels:
            return
        self._labels = list(labels)
        n = len(labels)
        s = self.settings
        if n >= 2 and not (0 <= s.i < n and 0 <= s.j < n and s.i != s.j):
            s.i, s.j = 0, 1
        for box, k in ((self.i_box, s.i), (self.j_box, s.j)):
            box.blockSignals(True)
            box.clear()
            for idx, name in enumerate(labels):
                box.addItem(name, idx)
            if 0 <= k < n:
                box.setCurrentIndex(k)
            box.blockSignals(False)
        # the network changed: redo a "two weights" plot with the (new) labels
        if s.mode == "params" and self.result is not None:
            self.recompute()

    def _on_computed(self, comp: SurfaceComputation) -> None:
        if not _alive(self):
            return
        self._pending = False
        self._last_done = time.monotonic()
        self._last_cost = comp.seconds
        self.recompute_button.setText("Recompute")
        self._computed_for = (comp.iteration, comp.settings)
        self.computation = comp
        if comp.error is not None:
            self._clear()
            self._show_message(comp.error)
        elif comp.settings == self.settings:
            self._show_result(comp)
        self.sigComputed.emit(comp)
        if self._again or comp.settings != self.settings:
            self._again = False
            self._request()
        else:
            self._maybe_auto()

    def _maybe_auto(self, *_: Any) -> None:
        """Recompute if training moved on, no computation is in flight and enough time passed."""
        if not self.auto_check.isChecked() or self.controller is None or self._pending:
            return
        if not self.is_shown():  # a hidden view costs the worker nothing; showEvent catches up
            return
        snap = self.snapshot
        if snap is None:
            return
        if self._computed_for is not None and self._computed_for == (snap.iteration, self.settings):
            return
        now = time.monotonic()
        # a few times a second at most, and leave the worker mostly to training
        wait = max(AUTO_INTERVAL - (now - self._last_request),
                   AUTO_IDLE_FACTOR * self._last_cost - (now - self._last_done))
        if wait > 0:
            if not self._auto_timer.isActive():
                self._auto_timer.start(int(wait * 1000) + 1)
            return
        self._request()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._maybe_auto()

    def _on_controller_snapshot(self, snap: Snapshot) -> None:
        if _alive(self):
            self.show_snapshot(snap)

    # ------------------------------------------------------------------ drawing
    def _show_message(self, text: str) -> None:
        self.message = text
        self.status_label.setText(text)
        self.status_label.setStyleSheet("QLabel#surfaceStatus { color: rgb(200, 40, 40); font-weight: bold; }")

    def _clear(self) -> None:
        self.result = None
        self.heatmap = None
        self.path = np.zeros((0, 2))
        self.path_iterations = np.zeros(0, dtype=np.int64)
        self.current = None
        self.image.clear()
        for c in self.contours:
            c.setData([], [])
        for item in (self.path_line,):
            item.setData([], [])
        for item in (self.path_marks, self.start_mark, self.current_mark):
            item.setData([], [])
        self.line_curve.setData([], [])
        self.line_ends.setData([], [])
        self.explained_label.setText("")
        if self.gl_surface is not None:
            self.gl_surface.setVisible(False)
            for item in (self.gl_path, self.gl_start, self.gl_current):
                item.setData(pos=np.zeros((0, 3)))

    def _show_result(self, comp: SurfaceComputation) -> None:
        res = comp.result
        assert res is not None
        self.result = res
        self.message = ""
        self.path = np.array(res.path, dtype=np.float64) if res.path is not None else np.zeros((0, 2))
        self.path_iterations = (np.asarray(res.path_iterations).astype(np.int64)
                                if res.path_iterations is not None else np.zeros(0, dtype=np.int64))
        self.current = np.array(res.current, dtype=np.float64) if res.current is not None else None
        self.line_t, self.line_loss = np.asarray(comp.line_t), np.asarray(comp.line_loss)
        la, lb = res.axis_labels
        _label(self.plot.getAxis("bottom"), la)
        _label(self.plot.getAxis("left"), lb)
        if res.explained_variance is not None:
            ev = res.explained_variance
            self.explained_label.setText(f"the plane holds {100 * (ev[0] + ev[1]):.1f} % of the path's "
                                         f"movement (PC1 {100 * ev[0]:.1f} %, PC2 {100 * ev[1]:.1f} %)")
        self.status_label.setStyleSheet("")
        self.status_label.setText(
            f"Iteration {comp.iteration:,}: loss {res.center_loss:.4g} at the current weights; "
            f"{len(res.alphas)} × {len(res.betas)} grid, lowest {res.loss_min:.4g} "
            f"(computed in {1000 * comp.seconds:.0f} ms on {res.n_points} training points).")
        self._redraw_all()
        self.plot.setRange(QRectF(float(res.alphas[0]), float(res.betas[0]),
                                  float(res.alphas[-1] - res.alphas[0]), float(res.betas[-1] - res.betas[0])),
                           padding=0.0)
        self.plot.disableAutoRange()

    def _redraw_all(self, *_: Any) -> None:
        """Redraw everything from the stored result (new result, or the log toggle)."""
        res = self.result
        if res is None:
            return
        log = self.log_check.isChecked()
        heat = display_values(res.loss, log)
        self.heatmap = heat
        xs, ys = np.asarray(res.alphas, float), np.asarray(res.betas, float)
        lo, hi = float(heat.min()), float(heat.max())
        if not hi > lo:
            hi = lo + 1.0
        self._zrange = (lo, hi)
        dx = (xs[-1] - xs[0]) / (len(xs) - 1)
        dy = (ys[-1] - ys[0]) / (len(ys) - 1)
        self.image.setImage(heat, autoLevels=False)
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        self.colorbar.setLevels((lo, hi))
        _label(self.colorbar.axis, "log₁₀ loss" if log else "loss")
        levels = contour_levels(heat, N_LEVELS)
        for k, c in enumerate(self.contours):
            if k < len(levels):
                cx, cy = contour_lines(heat, xs, ys, float(levels[k]))
                c.setData(cx, cy)
            else:
                c.setData([], [])
        if len(self.line_t):
            self.line_curve.setData(self.line_t, np.where(np.isfinite(self.line_loss), self.line_loss, np.nan))
            ends = [k for k, t in enumerate(self.line_t) if t in (0.0, 1.0)]
            self.line_ends.setData(self.line_t[ends], self.line_loss[ends])
        self._draw_surface3d()
        self._draw_path()

    def _grid_geometry(self) -> tuple[float, float, float, float]:
        """Centre and half-width of both axes of the current result."""
        res = self.result
        assert res is not None
        a0, a1 = float(res.alphas[0]), float(res.alphas[-1])
        b0, b1 = float(res.betas[0]), float(res.betas[-1])
        return 0.5 * (a0 + a1), 0.5 * (a1 - a0), 0.5 * (b0 + b1), 0.5 * (b1 - b0)

    def _to_scene(self, xy: Array, heights: Array) -> Array:
        """Axis units and display heights → 3-D scene coordinates (plane −1..1, height 0..Z_HEIGHT)."""
        ca, ha, cb, hb = self._grid_geometry()
        lo, hi = self._zrange
        out = np.empty((len(xy), 3), dtype=np.float32)
        out[:, 0] = (xy[:, 0] - ca) / ha
        out[:, 1] = (xy[:, 1] - cb) / hb
        out[:, 2] = (heights - lo) / (hi - lo) * Z_HEIGHT
        return out

    def _draw_surface3d(self) -> None:
        if self.gl_surface is None or self.result is None or self.heatmap is None:
            return
        res = self.result
        lo, hi = self._zrange
        t = (self.heatmap - lo) / (hi - lo)  # rows β, columns α
        ca, ha, cb, hb = self._grid_geometry()
        x = ((np.asarray(res.alphas, float) - ca) / ha).astype(np.float32)
        y = ((np.asarray(res.betas, float) - cb) / hb).astype(np.float32)
        z = (t.T * Z_HEIGHT).astype(np.float32)  # GLSurfacePlotItem wants z[x, y]
        # one colour per vertex, in the item's vertex order (x-major, as z[x, y] flattened)
        colors = np.asarray(self.cmap.map(t.T.ravel(), mode="float"), dtype=np.float32).reshape(-1, 4)
        self.gl_surface.setData(x=x, y=y, z=z, colors=colors)
        self.gl_surface.setVisible(True)
        s = self.computation.settings if self.computation is not None else self.settings
        camera_key = (s.mode, s.i, s.j, s.seed, s.ignore_biases)
        if camera_key != self._camera_key:  # a new kind of plot: look at it from its low side
            self._camera_key = camera_key
            self.gl_view.setCameraPosition(azimuth=best_azimuth(z), elevation=32)
        la, lb = (lab.split(" (")[0] for lab in res.axis_labels)
        if res.mode == "random":
            la, lb = "dir 1", "dir 2"
        names = (la, lb, "log₁₀ loss" if self.log_check.isChecked() else "loss")
        for item, name in zip(self.gl_texts, names):
            item.setData(text=name)

    def _path_heights(self) -> Array:
        """Display heights of the path: the engine's ``path_loss`` where known, else the grid's."""
        res = self.result
        assert res is not None and self.heatmap is not None
        n = len(self.path)
        known = 0 if res.path_loss is None else min(len(res.path_loss), n)
        h = np.empty(n)
        if known:
            # same transform as the grid; the floor of the log scale comes from the grid
            both = display_values(np.concatenate([np.ravel(res.loss), np.asarray(res.path_loss[:known])]),
                                  self.log_check.isChecked())
            h[:known] = both[res.loss.size:]
        if known < n:
            h[known:] = grid_interpolate(res.alphas, res.betas, self.heatmap,
                                         self.path[known:, 0], self.path[known:, 1])
        return h

    def _draw_path(self) -> None:
        self._path_timer.stop()
        if self.result is None:
            return
        p = self.path
        if len(p) == 0:
            for item in (self.path_line,):
                item.setData([], [])
            for item in (self.path_marks, self.start_mark, self.current_mark):
                item.setData([], [])
            return
        self.path_line.setData(p[:, 0], p[:, 1])
        step = max(1, len(p) // 80)  # at most ~80 markers: they show the step sizes
        marks = p[::step]
        self.path_marks.setData(marks[:, 0], marks[:, 1])
        self.start_mark.setData([p[0, 0]], [p[0, 1]])
        cur = self.current if self.current is not None else p[-1]
        self.current_mark.setData([cur[0]], [cur[1]])
        if self.gl_path is None:
            return
        pts = self._to_scene(p, self._path_heights())
        pts[:, 2] += PATH_LIFT
        inside = np.all(np.abs(pts[:, :2]) <= 1.0 + 1e-6, axis=1)
        self.gl_path.setData(pos=pts[inside] if inside.sum() >= 2 else np.zeros((0, 3), np.float32))
        self.gl_start.setData(pos=pts[:1] if inside[0] else np.zeros((0, 3), np.float32))
        self.gl_current.setData(pos=pts[-1:] + np.array([0, 0, PATH_LIFT], np.float32)
                                if inside[-1] else np.zeros((0, 3), np.float32))

    def _grow_path(self, snap: Snapshot) -> None:
        """Put the snapshot's weights on the plane of the last surface, so the path grows
        at snapshot rate between recomputations (and shrinks back after a rewind)."""
        res = self.result
        if res is None or len(self.path_iterations) == 0:
            return
        it = int(snap.iteration)
        last = int(self.path_iterations[-1])
        if it == last:
            return
        flat = flat_weights(snap)
        if flat.shape != res.center.shape:
            return  # another network: the plane means nothing for it until recomputed
        if res.mode == "params":
            s = self.computation.settings if self.computation is not None else self.settings
            point = flat[[s.i, s.j]]
        else:
            point = projection(flat, res.center, res.d1, res.d2)
        if not np.all(np.isfinite(point)):
            return
        if it < last:  # rewound or reset: drop what lies in the future
            keep = self.path_iterations < it
            self.path = self.path[keep]
            self.path_iterations = self.path_iterations[keep]
        self.path = np.vstack([self.path, point[None, :]])
        self.path_iterations = np.append(self.path_iterations, it)
        self.current = np.asarray(point, dtype=np.float64)
        # the data is current at once; the drawing catches up a few times a second, since a
        # repaint of the 3-D scene costs more than a snapshot interval on software OpenGL
        if not self._path_timer.isActive():
            self._path_timer.start()

    def _hover(self, pos: QPointF) -> None:
        res = self.result
        if res is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        p = self.plot.vb.mapSceneToView(pos)
        a, b = p.x(), p.y()
        if not (res.alphas[0] <= a <= res.alphas[-1] and res.betas[0] <= b <= res.betas[-1]):
            return
        i = int(np.argmin(np.abs(res.alphas - a)))
        j = int(np.argmin(np.abs(res.betas - b)))
        la, lb = (s.split(" (")[0] for s in res.axis_labels)
        self.sigStatus.emit(f"{la} = {res.alphas[i]:.4g}, {lb} = {res.betas[j]:.4g}: "
                            f"loss {res.loss[j, i]:.4g}")


__all__ = ["SurfaceView", "SurfaceComputation", "SurfaceSettings", "compute_surface", "contour_lines",
           "best_azimuth", "contour_levels", "display_values", "flat_weights", "grid_interpolate", "opengl_problem"]
