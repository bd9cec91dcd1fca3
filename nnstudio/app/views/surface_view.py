"""The loss landscape: the loss over a plane through the current weights, with the path.

A network's loss depends on all of its weights at once, far too many dimensions to
draw. This view draws a 2-D slice through the current weights ``θ``::

    L(α, β) = L(θ + α·d₁ + β·d₂)

along two directions chosen in one of three ways (see :mod:`nnstudio.core.landscape`):
the two directions in which training moved the weights most (principal components of
the path), two random filter-normalised directions, or two single weights the learner
picks. It shows

* a map (:mod:`.surface_map`): colours for the loss, contour lines, the path;
* the same surface in 3-D (:mod:`.surface_3d`), when OpenGL is available, the path
  drawn over it;
* the loss on the straight line from the initial to the current weights (when the
  view is tall enough).

It works by itself: the surface is computed when the view is first shown and again
whenever the weights are new (a new run, a loaded project, undo, rewind, new data or
another network). The computation runs in the engine process through
:meth:`TrainingController.call` (:mod:`.surface_compute`), one at a time; while it
runs the engine does not train, so while training plays the view asks for a small
draft at most every :data:`AUTO_INTERVAL` seconds, and meanwhile puts each snapshot's
weights on the plane of the last surface: the path, the current point and the
header's iteration follow training at snapshot rate, and the plotted range grows to
keep them in view.

With a comparison (``snap.b`` set) the surface is still run A's, and run B's path is
drawn on the same plane in B's colour: the view first reads B's path in B's process
(``controller.call_b``), then asks A's engine for a plane shared by both paths
(:mod:`nnstudio.core.landscape_pair`); the sentence under the controls says what the
plane is. When B closes the view goes back to the single-run surface.
"""

from __future__ import annotations

import contextlib
import functools
import time
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QSplitter, QWidget

from ...core.landscape import SurfaceResult, projection, run_path
from ...core.snapshot import Snapshot
from .. import theme
from . import surface_3d
from .base import ViewBase
from .placeholder_stack import WAITING_FIRST
from .surface_controls import SurfaceControls
from .surface_3d import PATH_LIFT, Z_HEIGHT, Surface3D, best_azimuth
from .surface_compute import (LINE_POINTS, MAX_POINTS, MODE_NAMES, SurfaceComputation, SurfaceSettings,
                              compute_surface, compute_surface_steps, draft_size, flat_weights, parameter_labels,
                              run_key)
from .surface_line import InitialLinePlot
from .surface_map import (N_LEVELS, SurfaceMap, contour_levels, contour_lines, display_values,
                          grid_interpolate, label_axis)
from .surface_paths import LivePath
from .surface_words import AT_ORIGIN, header_text, pair_words, plane_words

try:  # shiboken tells whether the C++ side of a widget still exists
    from shiboken6 import isValid as _alive
except ImportError:  # pragma: no cover
    def _alive(obj: object) -> bool:
        return True

Array = np.ndarray

#: the optimizer race (race_view.py) labels its axes and draws contours with these
_label = label_axis

#: seconds between automatic recomputations while training plays
AUTO_INTERVAL = 1.0
#: while training, the engine spends at most 1 / (1 + this) of its time on surfaces: after
#: a computation that took t seconds the next automatic one waits at least this × t
AUTO_IDLE_FACTOR = 8.0
#: a draft should cost the engine about this long (it does not train meanwhile)
DRAFT_BUDGET = 0.06
#: seconds between redraws of the live path and the header (snapshots come up to 60 a second)
PATH_INTERVAL = 0.1
#: contour lines of a draft surface
DRAFT_LEVELS = 6
#: the view is this tall before it also draws the line from the initial weights
LINE_HEIGHT = 520
#: below this height the caption goes to the tooltip
CAPTION_HEIGHT = 640


def opengl_problem() -> str | None:
    """Why a 3-D view cannot be shown here, or None if it can (see :mod:`.surface_3d`)."""
    return surface_3d.opengl_problem()


class SurfaceView(ViewBase):
    """The loss over a plane through the current weights, in 2-D and 3-D, with the path."""

    paint_cost = 0.004  # seconds per update (see ViewBase.paint_cost)

    title = "Loss landscape"
    caption = ("The loss around the current weights, along two directions in weight space: "
               "valleys are dark, ridges bright. The white line is the path training took, the "
               "red dot the weights now, the centre (0, 0) of a plane of principal or random "
               "directions. Random directions move each neuron's incoming weights by up to their own "
               "size; the biases stay fixed, or, with “ignore biases” off, each moves by its own value "
               "(Li et al.'s rule). Below: the loss on the straight line from the initial "
               "weights (t = 0) to the current ones (t = 1).")

    #: emitted on the GUI thread when a computation finished (the SurfaceComputation)
    sigComputed = Signal(object)

    def __init__(self, controller: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: Any = None
        self.settings = SurfaceSettings()
        self.computation: SurfaceComputation | None = None
        self.result: SurfaceResult | None = None
        self.heatmap: Array | None = None  # what the colours show (loss or log10 loss)
        self.live = LivePath()  # run A's path, in axis units
        self.live_b = LivePath()  # run B's, on the same plane, while a comparison runs
        #: the legend of run B (``snap.b_label``) while its path is drawn
        self.b_label = ""
        self.line_t: Array = np.zeros(0)
        self.line_loss: Array = np.zeros(0)
        self.message = ""
        #: the iteration of the newest weights on the path (the snapshot's, between surfaces)
        self.shown_iteration = -1
        self._labels: list[str] = []
        self._layout_key: tuple[int, ...] | None = None
        self._labels_pending = False
        self._pending = False  # a computation is in flight
        self._again = False  # recompute as soon as it lands (asked for while busy)
        self._force_full = False
        self._last_request = -float("inf")
        self._last_done = -float("inf")
        self._last_cost = 0.0
        self._draft: tuple[int, int, float] = (0, 0, 0.0)  # resolution, points, seconds of the last draft
        self._key: tuple[Any, ...] | None = None  # run_key of the newest snapshot
        self._requested: tuple[Any, ...] | None = None  # (key, settings, draft) of the last request
        self._done: tuple[Any, ...] | None = None  # the same, of the last computation that landed
        self._zrange = (0.0, 1.0)
        self._stage = 0  # drawing stages of a new surface still to run (the 3-D part comes later)
        self._auto_timer = QTimer(self)
        self._auto_timer.setSingleShot(True)
        self._auto_timer.timeout.connect(self._maybe_auto)
        self._path_timer = QTimer(self)
        self._path_timer.setSingleShot(True)
        self._path_timer.setInterval(int(PATH_INTERVAL * 1000))
        self._path_timer.timeout.connect(self._draw_path)

        self._build_controls()
        self._build_plots()
        # replaced by "Computing …" once there are weights to compute around
        self.status_label.setText(WAITING_FIRST + " Then the loss around the weights is computed and drawn here.")
        self.add_caption()
        self.caption_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._sync_mode_widgets()
        self.set_controller(controller)

    # ------------------------------------------------------------------ building
    def _build_controls(self) -> None:
        c = SurfaceControls(self.settings.resolution, AUTO_INTERVAL)
        self.controls = c
        # the widgets by their own names: lessons, tests and the methods below use them
        for name in ("mode_box", "params_box", "i_box", "j_box", "random_box", "seed_spin", "ignore_biases_check",
                     "options_button", "resolution_spin", "span_auto", "span_spin", "log_check", "show3d_check",
                     "line_check", "auto_check", "recompute_button", "explained_label", "status_label"):
            setattr(self, name, getattr(c, name))
        c.mode_box.currentIndexChanged.connect(self._on_mode_box)
        for box in (c.i_box, c.j_box):
            box.currentIndexChanged.connect(self._on_params_box)
        for widget in (c.seed_spin, c.resolution_spin, c.span_spin):
            widget.valueChanged.connect(self._on_setting)
        for check in (c.ignore_biases_check, c.span_auto):
            check.toggled.connect(self._on_setting)
        c.log_check.toggled.connect(self._redraw_all)
        c.show3d_check.toggled.connect(self._on_show3d)
        c.line_check.toggled.connect(lambda _on: self._fit_to_height(self.height()))
        c.auto_check.toggled.connect(self._maybe_auto)
        c.recompute_button.clicked.connect(self.recompute)
        self.add_widget(c)

    def _build_plots(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.map = SurfaceMap()
        self.map.plot.scene().sigMouseMoved.connect(self._hover)
        self.splitter.addWidget(self.map)

        self.gl: Surface3D | None = None
        self.gl_message = QLabel("")
        self.gl_message.setWordWrap(True)
        self.gl_message.setObjectName("glMessage")
        self.gl_message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        problem = opengl_problem()
        if problem is None:
            try:
                self.gl = Surface3D(self.map.cmap)
            except Exception as exc:  # noqa: BLE001 - no OpenGL context, old driver …
                self.gl = None
                problem = (f"3-D view needs OpenGL, which is not available here ({exc}); the map "
                           f"shows the same surface.")
        if problem is not None:
            # one line above the map, which then gets the whole width
            self.gl_message.setText(problem)
            self.gl_message.setStyleSheet("QLabel#glMessage { color: palette(mid); font-style: italic; }")
            self.add_widget(self.gl_message)
            self.show3d_check.setEnabled(False)
            self.show3d_check.setChecked(False)
            self.show3d_check.setToolTip(problem)
        else:
            assert self.gl is not None
            self.splitter.addWidget(self.gl.widget)
            self.splitter.setSizes([500, 500])
        self.add_widget(self.splitter, 1)

        self.line_widget = InitialLinePlot()
        self.line_plot: pg.PlotItem = self.line_widget.plot
        self.line_curve = self.line_widget.curve
        self.line_ends = self.line_widget.ends
        self.add_widget(self.line_widget)

    # -- run A's path, by its old names ------------------------------------------------------
    @property
    def path(self) -> Array:
        return self.live.path

    @property
    def path_iterations(self) -> Array:
        return self.live.iterations

    @property
    def current(self) -> Array | None:
        return self.live.current

    @property
    def b_path(self) -> Array:
        """Run B's path as drawn (axis units), empty without a comparison."""
        return self.live_b.path

    # -- what the map and the 3-D view hold, by their old names (tests, the benchmark) ----------
    @property
    def plot(self) -> pg.PlotItem:
        return self.map.plot

    @property
    def plot_widget(self) -> SurfaceMap:
        return self.map

    @property
    def image(self) -> pg.ImageItem:
        return self.map.image

    @property
    def contours(self) -> list[pg.PlotCurveItem]:
        return self.map.contours

    @property
    def path_line(self) -> pg.PlotDataItem:
        return self.map.path_line

    @property
    def current_mark(self) -> pg.ScatterPlotItem:
        return self.map.current_mark

    @property
    def gl_view(self) -> Any:
        return self.gl.widget if self.gl is not None else None

    @property
    def gl_surface(self) -> Any:
        return self.gl.surface if self.gl is not None else None

    @property
    def gl_path(self) -> Any:
        return self.gl.path if self.gl is not None else None

    @property
    def gl_current(self) -> Any:
        return self.gl.current if self.gl is not None else None

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
        self._requested = self._done = None
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
        """Compute the whole surface around the current weights now (after the one in flight)."""
        if self.controller is None:
            self._show_message("Connect this view to a training session to compute the landscape.")
            return
        self._force_full = True
        if self._pending:
            self._again = True
            return
        self._request(draft=False)

    @property
    def busy(self) -> bool:
        """A computation is in flight, or a new surface is still being drawn."""
        return self._pending or self._stage > 0

    def show_snapshot(self, snap: Snapshot) -> None:
        if snap is self.snapshot:
            # the same snapshot from the window and from the controller; the window hands it
            # over again once a hidden view is on screen (a dock raised from behind a tab)
            self._maybe_auto()
            return
        self.snapshot = snap
        flat = flat_weights(snap)
        self._key = run_key(snap, flat)
        key = tuple(snap.layer_sizes)
        if key != self._layout_key and not self._labels_pending and self.controller is not None:
            self._request_labels()
        if snap.b is None and (len(self.live_b) or self.b_label):
            self._drop_b()  # B closed: back to the single-run look at once
        self._grow_path(snap, flat)
        self._maybe_auto()

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        res = self.result
        if res is None:
            return ("alpha", "beta", "loss"), []
        rows = [(float(a), float(b), float(res.loss[j, i]))
                for j, b in enumerate(res.betas) for i, a in enumerate(res.alphas)]
        return ("alpha", "beta", "loss"), rows

    def apply_theme(self) -> None:
        super().apply_theme()
        if self.gl is not None:
            self.gl.set_background(theme.background())

    # ------------------------------------------------------------------ layout
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_to_height(event.size().height())

    def _fit_to_height(self, height: int) -> None:
        """The line plot and the caption only when the view is tall enough for them."""
        self.line_widget.setVisible(self.line_check.isChecked() and height >= LINE_HEIGHT)
        self.caption_label.setVisible(height >= CAPTION_HEIGHT)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        # a dock raised from behind a tab is laid out (and so "shown") only after this
        QTimer.singleShot(0, self._maybe_auto)
        QTimer.singleShot(150, self._maybe_auto)

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
        self.span_spin.setEnabled(not self.span_auto.isChecked())

    def _settings_changed(self) -> None:
        """New settings: recompute (if there is anything to compute on)."""
        if self.controller is not None and self.snapshot is not None:
            if self._pending:
                self._again = True
            else:
                self._maybe_auto(force=True)

    def _on_show3d(self, on: bool) -> None:
        if self.gl is not None:
            self.gl.widget.setVisible(bool(on))

    # ------------------------------------------------------------------ engine traffic
    def _settings_key(self) -> tuple[Any, ...]:
        return tuple(vars(self.settings).values())

    def _request(self, draft: bool) -> None:
        settings = SurfaceSettings(**vars(self.settings))
        if draft:
            res, pts, secs = self._draft if self._draft[0] else (0, 0, 0.0)
            resolution, points = draft_size(secs, res, pts, DRAFT_BUDGET)
            resolution = min(resolution, settings.resolution)
        else:
            resolution, points = settings.resolution, MAX_POINTS
        self._pending = True
        self._again = False
        self._force_full = False
        self._last_request = time.monotonic()
        self._requested = (self._key, self._settings_key(), draft)
        if self.result is None and not self.message:
            self.status_label.setText("Computing the loss around the weights…")
        # the engine runs in another process: send a picklable partial, not a lambda
        fn = functools.partial(compute_surface_steps, settings=settings, resolution=resolution, max_points=points)
        if self.snapshot is not None and self.snapshot.b is not None:
            # B's path first, read in B's process; then A's surface on a plane shared with it
            self.controller.call_b(run_path, functools.partial(self._on_b_path, fn),
                                   functools.partial(self._on_b_failed, fn))
        else:
            self.controller.call(fn, self._on_computed, self._on_failed)

    def _on_b_path(self, fn: functools.partial, path: Any) -> None:
        if not _alive(self):
            return
        if self.controller is None:  # detached meanwhile: nothing to compute with
            self._pending = False
            return
        self.controller.call(functools.partial(fn, b=path), self._on_computed, self._on_failed)

    def _on_b_failed(self, fn: functools.partial, _exc: BaseException) -> None:
        """B's process could not answer (B was just closed, say): A's surface alone."""
        if not _alive(self):
            return
        if self.controller is None:
            self._pending = False
            return
        self.controller.call(fn, self._on_computed, self._on_failed)

    def _request_labels(self) -> None:
        self._labels_pending = True
        self.controller.call(parameter_labels, self._on_labels, lambda _exc: self._on_labels(None))

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

    def _on_failed(self, exc: BaseException) -> None:
        """The engine could not answer (it stopped, or the call failed): say so, try later."""
        if not _alive(self):
            return
        self._pending = False
        self._show_message(f"The loss surface could not be computed: {exc}")

    def _on_computed(self, comp: SurfaceComputation) -> None:
        if not _alive(self):
            return
        self._pending = False
        self._last_done = time.monotonic()
        self._last_cost = comp.seconds
        if comp.draft and comp.error is None:
            self._draft = (comp.resolution, comp.max_points, comp.seconds)
        requested = self._requested
        same = comp.settings == self.settings
        self._done = requested if same else None
        if comp.error is not None:
            self.computation = comp
            self._clear()
            self._show_message(comp.error)
        elif same:
            self.computation = comp
            self._show_result(comp)
        self.sigComputed.emit(comp)
        if self._again or not same:
            self._again = False
            self._maybe_auto(force=True)
        else:
            self._maybe_auto()

    def _maybe_auto(self, *_: Any, force: bool = False) -> None:
        """Compute when the weights (or the settings) are new and nothing is in flight.

        Paused: at once, the whole surface (a draft first when the last request was very
        recent: someone holding →). Playing: a draft, at most every
        :data:`AUTO_INTERVAL` seconds and leaving the engine mostly to training.
        """
        if self.controller is None or self._pending or not _alive(self):
            return
        if not self.is_shown():  # a hidden view costs the engine nothing; showEvent catches up
            return
        snap = self.snapshot
        if snap is None:
            return
        first = self.computation is None
        playing = bool(snap.playing)
        done = self._done
        fresh = done is not None and done[:2] == (self._key, self._settings_key())
        if fresh and (playing or not done[2]) and not self._force_full:
            return  # up to date (a draft will do while training plays)
        upgrading = fresh and not playing  # a draft of these very weights is shown
        if not (first or force or self._force_full or upgrading or self.auto_check.isChecked()):
            return
        now = time.monotonic()
        if self._force_full:
            self._request(draft=False)
        elif playing:
            wait = max(AUTO_INTERVAL - (now - self._last_request),
                       AUTO_IDLE_FACTOR * self._last_cost - (now - self._last_done))
            if wait > 0 and not (first or force):
                if not self._auto_timer.isActive():
                    self._auto_timer.start(int(wait * 1000) + 1)
                return
            self._request(draft=True)
        elif upgrading:  # the full surface after a breath (someone may be holding →)
            wait = 0.5 * AUTO_INTERVAL - (now - self._last_request)
            if wait > 0:
                if not self._auto_timer.isActive():
                    self._auto_timer.start(int(wait * 1000) + 1)
                return
            self._request(draft=False)
        else:
            self._request(draft=not force and now - self._last_request < 0.5 * AUTO_INTERVAL)

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
        self.live.clear()
        self._drop_b()
        self._stage = 0
        self.map.clear_surface()
        self.line_widget.clear_line()
        self.explained_label.setText("")
        if self.gl is not None:
            self.gl.clear()

    def _show_result(self, comp: SurfaceComputation) -> None:
        res = comp.result
        assert res is not None
        self.result = res
        self.message = ""
        self.live.reset(res.path, res.path_iterations, res.current)
        pair, snap = comp.pair, self.snapshot
        # a comparison still open: its legend and words (with why B's path is missing, if it is)
        comparing = pair is not None and snap is not None and snap.b is not None
        self.b_label = (snap.b_label or "B") if comparing else ""
        if comparing and pair.b_drawn:
            self.live_b.reset(pair.b_path, pair.b_path_iterations, pair.b_path[-1])
        else:
            self.live_b.clear()
        self.line_t, self.line_loss = np.asarray(comp.line_t), np.asarray(comp.line_loss)
        self.shown_iteration = comp.iteration
        # a snapshot newer than the surface (training went on meanwhile): put it on the new plane
        if self.snapshot is not None and self.snapshot.iteration > comp.iteration:
            self._grow_path(self.snapshot, flat_weights(self.snapshot), draw=False)
        across, up, words = plane_words(comp, res.axis_labels)
        self.map.set_axis_labels(across, up)
        self.explained_label.setText(pair_words(comp) if self.b_label else words)
        self.status_label.setStyleSheet("")
        self._redraw_all()
        self.map.reset_range(self.path, self.current, self.b_path)

    def _drop_b(self) -> None:
        """Run B is gone: its path, legend and words go; A's plane words come back."""
        self.live_b.clear()
        had = bool(self.b_label)
        self.b_label = ""
        self.map.show_b_path(np.zeros((0, 2)), None, "")
        if self.gl is not None:
            self.gl.show_b_path(np.zeros((0, 2)), np.zeros(0))
        comp = self.computation
        if had and comp is not None and comp.result is not None:
            self.explained_label.setText(plane_words(comp, comp.result.axis_labels)[2])

    def _redraw_all(self, *_: Any) -> None:
        """Redraw everything from the stored result (a new result, or the log toggle): the
        map now, the 3-D surface and the line in the next pass of the event loop, so that
        neither paint holds the window up for long."""
        res = self.result
        if res is None:
            return
        log = self.log_check.isChecked()
        heat = display_values(res.loss, log)
        self.heatmap = heat
        xs, ys = np.asarray(res.alphas, float), np.asarray(res.betas, float)
        self._zrange = self.map.show_grid(xs, ys, heat, log)
        draft = self.computation is not None and self.computation.draft
        self.map.show_contours(xs, ys, heat, DRAFT_LEVELS if draft else N_LEVELS)
        self._draw_path()
        self._stage = 1
        QTimer.singleShot(0, self._draw_later)

    def _draw_later(self) -> None:
        if not _alive(self) or self._stage == 0 or self.result is None:
            self._stage = 0
            return
        self._stage = 0
        if len(self.line_t):
            self.line_widget.show_line(self.line_t, self.line_loss)
        self._draw_surface3d()
        self._draw_path()

    def _draw_surface3d(self) -> None:
        if self.gl is None or self.result is None or self.heatmap is None:
            return
        res = self.result
        comp = self.computation
        s = comp.settings if comp is not None else self.settings
        mode = comp.mode if comp is not None else s.mode
        if mode == "params":
            names = tuple(res.axis_labels)
        else:
            names = ("dir. 1", "dir. 2") if mode == "pca" else ("random 1", "random 2")
        height = "log₁₀ loss" if self.log_check.isChecked() else "loss"
        self.gl.show_surface(np.asarray(res.alphas, float), np.asarray(res.betas, float), self.heatmap,
                             self._zrange, (*names, height), (mode, s.i, s.j, s.seed, s.ignore_biases))

    def _path_heights(self, live: LivePath, known_loss: Array | None) -> Array:
        """Display heights of a path: the engine's losses under its first rows where known
        (``path_loss``), else the grid's."""
        res = self.result
        assert res is not None and self.heatmap is not None
        n = len(live)
        known = 0 if known_loss is None else min(len(known_loss), live.computed, n)
        h = np.empty(n)
        if known:
            # same transform as the grid; the floor of the log scale comes from the grid
            both = display_values(np.concatenate([np.ravel(res.loss), np.asarray(known_loss[:known])]),
                                  self.log_check.isChecked(), reference=res.loss)
            h[:known] = both[res.loss.size:]
        if known < n:
            h[known:] = grid_interpolate(res.alphas, res.betas, self.heatmap,
                                         live.path[known:, 0], live.path[known:, 1])
        return h

    def _draw_path(self) -> None:
        """The path and the current point on the map (and in 3-D), the range following
        them, and the header saying where training is."""
        self._path_timer.stop()
        self._update_header()
        if self.result is None:
            return
        self.map.show_path(self.path, self.current)
        self.map.show_b_path(self.b_path, self.live_b.current, self.b_label)
        self.map.follow(self.path, self.current, self.b_path)
        if self.gl is not None and self._stage == 0 and self.heatmap is not None:
            self.gl.show_path(self.path, self._path_heights(self.live, self.result.path_loss))
            pair = self.computation.pair if self.computation is not None else None
            self.gl.show_b_path(self.b_path, self._path_heights(self.live_b, pair.b_path_loss if pair else None))

    def _update_header(self) -> None:
        comp = self.computation
        if comp is None or comp.result is None or self.message:
            return
        text = header_text(comp, self.snapshot, self.shown_iteration)
        if text != self.status_label.text():
            self.status_label.setText(text)

    def _grow_path(self, snap: Snapshot, flat: Array, draw: bool = True) -> None:
        """Put the snapshot's weights (and run B's) on the plane of the last surface, so the
        paths grow at snapshot rate between recomputations (and shrink back after a rewind)."""
        res = self.result
        if res is None:
            return
        grown = self.live.grow(int(snap.iteration), self._on_plane(res, flat))
        if grown:
            self.shown_iteration = int(snap.iteration)
        if snap.b is not None and len(self.live_b):
            grown = self.live_b.grow(int(snap.b.iteration), self._on_plane(res, flat_weights(snap.b))) or grown
        # the data is current at once; the drawing catches up a few times a second, since a
        # repaint of the 3-D scene costs more than a snapshot interval on software OpenGL
        if grown and draw and not self._path_timer.isActive():
            self._path_timer.start()

    def _on_plane(self, res: SurfaceResult, flat: Array) -> Array:
        """Axis values of a weight vector on the last surface's plane (NaN for another network)."""
        if flat.shape != res.center.shape:
            return np.full(2, np.nan)  # the plane means nothing for it until recomputed
        comp = self.computation
        if comp is not None and comp.mode == "params":
            return flat[[comp.settings.i, comp.settings.j]]
        return projection(flat, res.center, res.d1, res.d2)

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
        la = self.plot.getAxis("bottom").labelText.split(":")[0].split(" (")[0]
        lb = self.plot.getAxis("left").labelText.split(":")[0].split(" (")[0]
        self.sigStatus.emit(f"{la} = {res.alphas[i]:.4g}, {lb} = {res.betas[j]:.4g}: "
                            f"loss {res.loss[j, i]:.4g}")


__all__ = ["AT_ORIGIN", "AUTO_INTERVAL", "LINE_POINTS", "MAX_POINTS", "PATH_LIFT", "SurfaceComputation",
           "SurfaceSettings", "SurfaceView", "Z_HEIGHT", "best_azimuth", "compute_surface", "contour_levels",
           "contour_lines", "display_values", "flat_weights", "grid_interpolate", "opengl_problem"]
