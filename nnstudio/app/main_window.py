"""The main window: docks, toolbar, menus, counters, projects, settings and autosave.

Data flows one way (see the package docstring of ``nnstudio.app``)::

    panels ──edits──▶ Document ──specs──▶ TrainingController ──commands──▶ worker thread
       ▲                                        │
       └──────── views ◀── Snapshot (≤ 60 Hz) ──┘
"""

from __future__ import annotations

import functools
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QByteArray, QEvent, QEventLoop, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSlider,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..core.errors import NNStudioError
from ..core.export import export_project
from ..core.project import (
    Project,
    load_project,
    prepare_project_data,
    project_from_trainer,
    save_project,
    trainer_from_project,
)
from ..core.snapshot import Snapshot
from ..core.trainer import Trainer
from . import theme
from .controller import MAX_SPEED, TrainingController
from .document import Document, DocState
from .lessons import Lesson, apply_step, lesson_state, restart_weights, trainer_for
from .paths import app_settings, autosave_path, resource_path
from .panels.data_panel import DataPanel
from .panels.lesson_panel import LessonPanel
from .panels.network_panel import NetworkPanel
from .panels.training_panel import TrainingPanel
from .views.activation_view import ActivationView
from .views.base import ViewBase
from .views.boundary_view import BoundaryView
from .views.gradient_view import GradientView
from .views.inspector_view import InspectorView
from .views.loss_view import LossView
from .views.network_view import NetworkView
from .views.race_view import RaceView
from .views.surface_view import SurfaceView

SPEEDS: list[tuple[str, float]] = [
    ("1 iteration / s", 1), ("2 iterations / s", 2), ("5 iterations / s", 5), ("10 iterations / s", 10),
    ("30 iterations / s", 30), ("100 iterations / s", 100), ("1000 iterations / s", 1000),
    ("As fast as possible", MAX_SPEED),
]
MAX_RECENT = 8
AUTOSAVE_MS = 60_000


def _icon(name: str) -> QIcon:
    try:
        import qtawesome as qta

        return qta.icon(name, color=theme.foreground())
    except Exception:  # noqa: BLE001 - icons are decoration; a missing font must not stop the app
        return QIcon()


class Banner(QFrame):
    """A message strip above the views: warnings and errors stay until dismissed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        lay.addWidget(self.label, 1)
        lay.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.level = ""
        self.hide()

    def show_message(self, level: str, text: str) -> None:
        self.level = level
        colors = {"error": ("#f8d7da", "#58151c"), "warning": ("#fff3cd", "#664d03"),
                  "info": ("#cfe2ff", "#052c65")}
        bg, fg = colors.get(level, colors["info"])
        self.setStyleSheet(f"QFrame#banner {{ background: {bg}; border-radius: 4px; }}"
                           f" QFrame#banner QLabel, QFrame#banner QToolButton {{ color: {fg}; }}")
        self.label.setText(text)
        self.show()


class Counters(QWidget):
    """Epoch, iteration, losses, accuracy and speed, large enough to read from afar."""

    FIELDS = (("epoch", "Epoch"), ("iteration", "Iteration"), ("loss", "Training loss"),
              ("val_loss", "Validation loss"), ("metric", "Accuracy"), ("ips", "Iterations/s"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(14)
        self.values: dict[str, QLabel] = {}
        self.titles: dict[str, QLabel] = {}
        for key, title in self.FIELDS:
            box = QVBoxLayout()
            box.setSpacing(0)
            t = QLabel(title)
            t.setStyleSheet("color: palette(mid); font-size: 8pt;")
            v = QLabel("–")
            v.setObjectName(f"counter_{key}")
            v.setStyleSheet("font-size: 13pt; font-weight: 600;")
            v.setMinimumWidth(64)
            box.addWidget(t)
            box.addWidget(v)
            lay.addLayout(box)
            self.values[key] = v
            self.titles[key] = t

    def show_snapshot(self, snap: Snapshot) -> None:
        def fmt(x: float, digits: int = 4) -> str:
            return "–" if not np.isfinite(x) else f"{x:.{digits}g}"

        self.values["epoch"].setText(f"{snap.epoch}")
        self.values["iteration"].setText(f"{snap.iteration:,}")
        loss = snap.train_loss if len(snap.epoch_log) else (snap.probes.loss if snap.probes else float("nan"))
        self.values["loss"].setText(fmt(loss))
        self.values["val_loss"].setText(fmt(snap.val_loss))
        self.titles["metric"].setText("R²" if snap.task == "regression" else "Val. accuracy")
        metric = snap.val_metric if np.isfinite(snap.val_metric) else snap.metric
        self.values["metric"].setText(fmt(metric, 3))
        self.values["ips"].setText(f"{snap.iterations_per_second:,.0f}" if snap.playing else "–")


class MainWindow(QMainWindow):
    """The nnstudio window. ``MainWindow(project_path=None)``; ``close()`` shuts training down."""

    sigSaved = Signal(str)
    #: seconds of view painting per timer tick while training plays
    REDRAW_BUDGET = 0.010

    def __init__(self, project_path: str | None = None, recover: bool | None = None) -> None:
        super().__init__()
        self.setWindowTitle("nnstudio")
        self.setWindowIcon(QIcon(str(resource_path("icons", "nnstudio.svg"))))
        self.setDockNestingEnabled(True)
        self.settings = app_settings()
        theme.apply_pyqtgraph_theme()
        self.doc = Document(self)
        self.controller = TrainingController(self)
        self._latest: Snapshot | None = None
        self._view_seen: dict[ViewBase, Snapshot] = {}
        self._view_time: dict[ViewBase, float] = {}
        self._closing = False
        self._loaded_iteration = 0
        self._scrubbing = False
        self._build_views()
        self._build_panels()
        self._build_actions()
        self._build_menus()
        self._build_toolbars()
        self.statusBar().showMessage("Ready: press Space to train, → to step one iteration.")
        self._connect()
        self.resize(1400, 900)
        self._default_layout = self.saveState()
        self._layout_restored = False
        self._shown_once = False
        self._restore_settings()
        self._view_timer = QTimer(self)
        self._view_timer.setInterval(15)
        self._view_timer.timeout.connect(self._refresh_views)
        self._view_timer.start()
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        self._update_title()
        if project_path:
            self._load_initial(project_path)
        else:
            self._start_training_session()
            self._offer_recovery(recover)

    # ------------------------------------------------------------------ building
    def _build_views(self) -> None:
        self.boundary_view = BoundaryView()
        self.loss_view = LossView()
        self.network_view = NetworkView()
        self.activation_view = ActivationView()
        self.gradient_view = GradientView()
        self.inspector_view = InspectorView()
        self.surface_view = SurfaceView(self.controller)
        self.race_view = RaceView()  # runs on its own: 2-D test functions, no network
        self.views: list[ViewBase] = [self.boundary_view, self.loss_view, self.network_view,
                                      self.activation_view, self.gradient_view, self.inspector_view,
                                      self.surface_view]
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(4, 4, 4, 4)
        self.banner = Banner()
        lay.addWidget(self.banner)
        lay.addWidget(self.boundary_view, 1)
        self.setCentralWidget(central)
        self.view_docks: dict[str, QDockWidget] = {}
        # right: the network itself; bottom strip: the loss curves beside the per-layer
        # views (gradients, activations, step inspector as tabs)
        self._add_dock(self.network_view, Qt.DockWidgetArea.RightDockWidgetArea)
        loss = self._add_dock(self.loss_view, Qt.DockWidgetArea.BottomDockWidgetArea)
        grads = self._add_dock(self.gradient_view, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(loss, grads, Qt.Orientation.Horizontal)
        self.tabifyDockWidget(grads, self._add_dock(self.activation_view, Qt.DockWidgetArea.BottomDockWidgetArea))
        self.tabifyDockWidget(grads, self._add_dock(self.inspector_view, Qt.DockWidgetArea.BottomDockWidgetArea))
        self.tabifyDockWidget(grads, self._add_dock(self.surface_view, Qt.DockWidgetArea.BottomDockWidgetArea))
        self.tabifyDockWidget(grads, self._add_dock(self.race_view, Qt.DockWidgetArea.BottomDockWidgetArea))
        grads.raise_()

    def _initial_dock_sizes(self) -> None:
        """Panels narrow on the left, the decision boundary large in the middle, loss and
        network on the right, the per-layer views in a short strip at the bottom."""
        docks = self.view_docks
        width = self.width()
        self.resizeDocks([docks["DataPanel"], docks["NetworkView"]], [340, max(380, width // 3)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([docks["LossView"], docks["GradientView"]], [width * 2 // 5, width * 3 // 5],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([docks["GradientView"]], [400], Qt.Orientation.Vertical)

    def _add_dock(self, widget: QWidget, area: Qt.DockWidgetArea, title: str | None = None) -> QDockWidget:
        dock = QDockWidget(title or getattr(widget, "title", widget.objectName()), self)
        dock.setObjectName(f"dock_{type(widget).__name__}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        self.view_docks[type(widget).__name__] = dock
        return dock

    def _build_panels(self) -> None:
        self.network_panel = NetworkPanel(self.doc)
        self.data_panel = DataPanel(self.doc)
        self.training_panel = TrainingPanel(self.doc)
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        d_data = self._add_dock(self.data_panel, left, "Data")
        d_net = self._add_dock(self.network_panel, left, "Network")
        d_train = self._add_dock(self.training_panel, left, "Training")
        self.tabifyDockWidget(d_data, d_net)
        self.tabifyDockWidget(d_net, d_train)
        self.lesson_panel = LessonPanel()
        self.tabifyDockWidget(d_train, self._add_dock(self.lesson_panel, left, "Lessons"))
        self.lesson_panel.sigOpenLesson.connect(self.open_lesson)
        self.lesson_panel.sigApplyStep.connect(self.apply_lesson_step)
        # the left panels (a lesson's text above all) run the window's full height
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        d_net.raise_()

    def _action(self, text: str, slot: Callable[..., Any], shortcut: Any = None, icon: str | None = None,
                tip: str = "", checkable: bool = False) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if icon:
            act.setIcon(_icon(icon))
        if tip:
            act.setToolTip(f"{tip} ({act.shortcut().toString()})" if shortcut else tip)
            act.setStatusTip(tip)
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        self.addAction(act)  # shortcuts work wherever the focus is in the window
        return act

    def _build_actions(self) -> None:
        a = self._action
        self.act_new = a("&New", self.new_project, QKeySequence.StandardKey.New, "mdi6.file-outline", "Start a new project")
        self.act_open = a("&Open…", self.open_project_dialog, QKeySequence.StandardKey.Open, "mdi6.folder-open-outline",
                          "Open a project")
        self.act_save = a("&Save", self.save, QKeySequence.StandardKey.Save, "mdi6.content-save-outline", "Save the project")
        self.act_save_as = a("Save &As…", self.save_as, QKeySequence.StandardKey.SaveAs)
        self.act_export_keras = a("Keras code…", lambda: self.export_code("keras"))
        self.act_export_torch = a("PyTorch code…", lambda: self.export_code("pytorch"))
        self.act_quit = a("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcut(QKeySequence.StandardKey.Redo)
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)
        self.act_play = a("&Play", self.controller.toggle_play, Qt.Key.Key_Space, "mdi6.play",
                          "Train continuously / pause")
        self.act_step = a("Step &iteration", self.controller.step, Qt.Key.Key_Right, "mdi6.step-forward",
                          "Run one iteration: one batch, one update")
        self.act_phase = a("Step p&hase", self.controller.step_phase, QKeySequence("Shift+Right"),
                           "mdi6.debug-step-into",
                           "Run one phase of an iteration: forward → loss → backward → update")
        self.act_epoch = a("Step &epoch", self.controller.step_epoch, QKeySequence("Ctrl+Right"),
                           "mdi6.skip-forward", "Run until the end of the current epoch")
        self.act_reset = a("&Reset weights", self.reset_weights, Qt.Key.Key_R, "mdi6.restart",
                           "New random weights from the seed; the history starts over")
        self.act_reset_layout = a("Reset window layout", self.reset_layout)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([self.act_new, self.act_open])
        self.recent_menu = m.addMenu("Open &Recent")
        m.addSeparator()
        m.addActions([self.act_save, self.act_save_as])
        export = m.addMenu("&Export trained network as")
        export.addActions([self.act_export_keras, self.act_export_torch])
        m.addSeparator()
        m.addAction(self.act_quit)
        m = mb.addMenu("&Edit")
        m.addActions([self.act_undo, self.act_redo])
        m = mb.addMenu("&Training")
        m.addActions([self.act_play, self.act_step, self.act_phase, self.act_epoch])
        m.addSeparator()
        m.addAction(self.act_reset)
        self.view_menu = mb.addMenu("&View")
        for dock in self.view_docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.act_reset_layout)
        self.lessons_menu = mb.addMenu("&Lessons")
        for lesson in self.lesson_panel.lessons:
            self.lessons_menu.addAction(lesson.label).triggered.connect(lambda _=False, le=lesson: self.open_lesson(le))
        m = mb.addMenu("&Help")
        m.addAction(self._action("&About nnstudio", self.about))
        self._refresh_recent_menu()

    def _build_toolbars(self) -> None:
        tb = QToolBar("Project", self)
        tb.setObjectName("toolbar_project")
        tb.addActions([self.act_new, self.act_open, self.act_save])
        self.addToolBar(tb)
        tb = QToolBar("Training", self)
        tb.setObjectName("toolbar_training")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addActions([self.act_play, self.act_step, self.act_phase, self.act_epoch, self.act_reset])
        tb.addSeparator()
        self.speed_combo = QComboBox()
        self.speed_combo.setToolTip("Training speed: from one iteration a second (to follow every step) "
                                    "to as fast as the computer goes")
        for label, value in SPEEDS:
            self.speed_combo.addItem(label, value)
        self.speed_combo.setCurrentIndex(len(SPEEDS) - 1)
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.controller.set_speed(float(self.speed_combo.itemData(i))))
        tb.addWidget(self.speed_combo)
        self.addToolBar(tb)
        self.addToolBarBreak()
        tb = QToolBar("Progress", self)
        tb.setObjectName("toolbar_progress")
        self.counters = Counters()
        tb.addWidget(self.counters)
        tb.addSeparator()
        rewind = QLabel(" Rewind ")
        rewind.setToolTip("Drag to go back to an earlier iteration; training replays it exactly")
        tb.addWidget(rewind)
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setObjectName("history_scrubber")
        self.scrubber.setMinimumWidth(160)
        self.scrubber.setRange(0, 0)
        self.scrubber.setToolTip(rewind.toolTip())
        self.scrubber.sliderPressed.connect(self._scrub_start)
        self.scrubber.sliderReleased.connect(self._scrub_end)
        self.scrubber.sliderMoved.connect(
            lambda v: self.statusBar().showMessage(f"Rewind to iteration {v:,}", 2000))
        tb.addWidget(self.scrubber)
        self.addToolBar(tb)

    def _connect(self) -> None:
        c = self.controller
        c.sigSnapshot.connect(self._on_snapshot)
        c.sigMessage.connect(self.show_message)
        c.sigPlaying.connect(self._on_playing)
        d = self.doc
        d.sigNetworkChanged.connect(self._on_network_changed)
        d.sigConfigChanged.connect(self.controller.apply_config)
        d.sigDataChanged.connect(self._on_data_changed)
        d.sigModifiedChanged.connect(lambda _m: self._update_title())
        d.sigPathChanged.connect(lambda _p: self._update_title())
        self.network_view.sigNeuronHovered.connect(self.boundary_view.show_neuron)
        self.network_view.sigWeightEdited.connect(self._on_weight_edited)
        self.boundary_view.sigPointAdded.connect(self.data_panel.add_point)
        self.boundary_view.sigPointRemoved.connect(self.data_panel.remove_point)
        self.data_panel.sigPaintModeChanged.connect(self.boundary_view.set_paint_mode)
        for view in self.views:
            view.sigStatus.connect(lambda text: self.statusBar().showMessage(text, 4000))

    # ------------------------------------------------------------------ training session
    def _start_training_session(self, trainer: Trainer | None = None) -> None:
        """Give the worker the document's network, settings and data (or a loaded trainer)."""
        for view in self.views:
            view.set_data(self.doc.prepared)
        self.controller.load(self.doc.network, self.doc.config, self.doc.prepared, trainer)
        self._loaded_iteration = trainer.iteration if trainer is not None else 0

    def _on_network_changed(self, _spec: Any) -> None:
        self._start_training_session()
        self.show_message("info", "The architecture changed, so the network was rebuilt with new weights "
                                  "(training starts over). Undo brings the old architecture back, with new weights.")

    def _on_data_changed(self, prepared: Any) -> None:
        for view in self.views:
            view.set_data(prepared)
        self.controller.set_data(prepared)

    def _on_weight_edited(self, flat_index: int, value: float) -> None:
        self.controller.set_weight(flat_index, value)
        self.doc.mark_trained()

    def reset_weights(self) -> None:
        self.controller.reset()
        self.banner.hide()
        self.statusBar().showMessage("New weights drawn from the seed; the history starts over.", 4000)

    def _on_snapshot(self, snap: Snapshot) -> None:
        self._latest = snap
        self.counters.show_snapshot(snap)
        if not self._scrubbing:
            self.scrubber.blockSignals(True)
            self.scrubber.setRange(0, snap.iteration)
            self.scrubber.setValue(snap.iteration)
            self.scrubber.blockSignals(False)
        if snap.iteration != self._loaded_iteration:
            self.doc.mark_trained()
        if not snap.playing:
            self._refresh_views(everything=True)  # a manual step: show it everywhere at once

    def _refresh_views(self, everything: bool = False) -> None:
        """Hand the newest snapshot to the visible views that are due, stalest first.

        Each view repaints at once, inside a time budget per tick, so one pass of the
        event loop never paints every plot (that would stall the GUI, and — pyqtgraph
        paints in Python — hold the GIL the training thread needs). Hidden views (closed
        docks, background tabs) are skipped and catch up when they are shown.
        """
        snap = self._latest
        if snap is None:
            return
        now = time.monotonic()
        due = [v for v in self.views
               if self._view_seen.get(v) is not snap and v.is_shown()
               and (everything or now - self._view_time.get(v, 0.0) >= v.min_interval)]
        if not due:
            return
        due.sort(key=lambda v: self._view_time.get(v, 0.0))
        start = time.perf_counter()
        for view in due:
            try:
                view.show_snapshot(snap)
            except Exception:  # noqa: BLE001 - one broken view must not take the window down
                traceback.print_exc()
            self._view_seen[view] = snap
            self._view_time[view] = now
            if not everything and time.perf_counter() - start > self.REDRAW_BUDGET:
                break

    def _on_playing(self, playing: bool) -> None:
        self.act_play.setText("&Pause" if playing else "&Play")
        self.act_play.setIcon(_icon("mdi6.pause" if playing else "mdi6.play"))

    def _scrub_start(self) -> None:
        self._scrubbing = True
        self.controller.pause()

    def _scrub_end(self) -> None:
        self._scrubbing = False
        self.controller.rewind(self.scrubber.value())

    def show_message(self, level: str, text: str) -> None:
        if level == "info":
            self.statusBar().showMessage(text, 6000)
            if self.banner.isVisible() and self.banner.level == "info":
                self.banner.hide()
            if "rebuilt" in text:
                self.banner.show_message(level, text)
        else:
            self.banner.show_message(level, text)

    # ------------------------------------------------------------------ projects
    def _run_on_worker(self, fn: Callable[[Trainer | None], Any], timeout_ms: int = 30_000) -> Any:
        """Run ``fn(trainer)`` in the engine (``fn`` picklable) and wait for its answer here."""
        loop = QEventLoop()
        box: dict[str, Any] = {}

        def done(value: Any) -> None:
            box["value"] = ("ok", value)
            loop.quit()

        def failed(exc: BaseException) -> None:
            box["value"] = ("error", exc)
            loop.quit()

        self.controller.call(fn, done, failed)
        QTimer.singleShot(timeout_ms, loop.quit)
        if "value" not in box:
            loop.exec()
        if "value" not in box:
            raise NNStudioError("the training engine did not answer in time")
        status, value = box["value"]
        if status == "error":
            raise value
        return value

    def current_project(self) -> Project:
        doc = self.doc
        ui = {"window": {"speed": self.speed_combo.currentIndex()}}
        name = Path(doc.path).stem if doc.path else ""
        return self._run_on_worker(functools.partial(project_from_trainer, data_spec=doc.data_spec,
                                                     inline_data=doc.inline, ui=ui, name=name))

    def save(self) -> bool:
        if not self.doc.path:
            return self.save_as()
        return self.save_to(self.doc.path)

    def save_as(self) -> bool:
        start = self.doc.path or str(Path.home() / "untitled.nnproj")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, "nnstudio projects (*.nnproj)")
        if not path:
            return False
        if not path.endswith(".nnproj"):
            path += ".nnproj"
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        try:
            save_project(path, self.current_project())
        except (NNStudioError, OSError) as exc:
            QMessageBox.critical(self, "Could not save", f"The project was not saved.\n\n{exc}")
            return False
        self.doc.mark_saved(path)
        self._add_recent(path)
        self.statusBar().showMessage(f"Saved {path}", 4000)
        self.sigSaved.emit(path)
        return True

    def open_project_dialog(self) -> None:
        if not self._maybe_save():
            return
        start = str(Path(self.doc.path).parent) if self.doc.path else str(resource_path("examples"))
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start, "nnstudio projects (*.nnproj)")
        if path:
            self.open_project(path)

    def open_project(self, path: str, as_untitled: bool = False) -> bool:
        """Load a project file. A broken file is refused with its reason; nothing changes."""
        try:
            project = load_project(path)
            prepared = prepare_project_data(project)
            trainer = trainer_from_project(project, data=prepared)
            state = DocState(project.network, project.train, project.data, project.inline_data)
        except (NNStudioError, OSError) as exc:
            QMessageBox.warning(self, "Could not open the project", f"{path}\n\n{exc}")
            return False
        self.controller.pause()
        self.doc.replace_all(state, None if as_untitled else path)
        self._start_training_session(trainer)
        speed = (project.ui or {}).get("window", {}).get("speed")
        if isinstance(speed, int) and 0 <= speed < len(SPEEDS):
            self.speed_combo.setCurrentIndex(speed)
        if not as_untitled:
            self._add_recent(path)
        self.lesson_panel.set_opened(None)  # a project, not a lesson, is open now
        self.banner.hide()
        self.statusBar().showMessage(f"Opened {path}", 4000)
        return True

    def _load_initial(self, path: str) -> None:
        if not self.open_project(path):
            self._start_training_session()

    def new_project(self) -> None:
        if not self._maybe_save():
            return
        from .document import default_state

        self.controller.pause()
        self.doc.replace_all(default_state(), None)
        self._start_training_session()
        self.lesson_panel.set_opened(None)  # the lesson's steps no longer apply to this project
        self.banner.hide()

    # -- lessons ----------------------------------------------------------------------------
    def open_lesson(self, lesson: Lesson) -> bool:
        """Load a lesson's project (after asking to save unsaved work), starting from the
        lesson's weights if it gives them, and show its views."""
        if not self._maybe_save():
            return False
        network, config, data, weights = lesson_state(lesson)
        try:
            self.controller.pause()
            self.doc.replace_all(DocState(network, config, data), None)
            self._start_training_session(trainer_for(self.doc.network, self.doc.config, self.doc.prepared, weights))
        except NNStudioError as exc:
            QMessageBox.warning(self, "Could not open the lesson", f"{lesson.label}\n\n{exc}")
            return False
        self.banner.hide()
        self.view_docks["LessonPanel"].show()
        self.view_docks["LessonPanel"].raise_()
        self._show_lesson_views(lesson.views, lesson.front, lesson.view_setup)
        self.lesson_panel.set_opened(lesson)
        self.statusBar().showMessage(f"Lesson {lesson.label}", 4000)
        return True

    def apply_lesson_step(self, lesson: Lesson, index: int) -> None:
        """A lesson step: its settings as one undoable edit, a restart if it asks for one, its view."""
        step = lesson.steps[index]
        try:
            network, config, data = apply_step(step, self.doc.network, self.doc.config, self.doc.data_spec)
            self.doc.edit(f"Lesson step: {step.title}", network=network, config=config, data=data)
            if step.restarts:
                self.controller.pause()
                weights = restart_weights(lesson, index, self.doc.network)
                self._start_training_session(trainer_for(self.doc.network, self.doc.config, self.doc.prepared,
                                                         weights))
                self.banner.hide()
        except NNStudioError as exc:
            self.show_message("error", f"This lesson step could not be applied: {exc}")
            return
        self._show_lesson_views((), step.view, step.view_setup)

    def _show_lesson_views(self, names: Any, front: str | None, calls: Any) -> None:
        for name in (*names, front):
            if name in self.view_docks:
                self.view_docks[name].show()
        for call in calls:
            dock = self.view_docks.get(call.view)
            view = dock.widget() if dock is not None else next(
                (v for v in self.views if type(v).__name__ == call.view), None)
            try:
                if view is not None:
                    getattr(view, call.call)(*call.args)
            except Exception:  # noqa: BLE001 - setting up a view is a convenience; the lesson goes on
                traceback.print_exc()
        if front in self.view_docks:
            self.view_docks[front].raise_()

    def export_code(self, framework: str) -> None:
        snap = self.controller.snapshot
        weights = None
        if snap is not None:
            weights = np.concatenate([w.ravel() for w in snap.weights] + [b.ravel() for b in snap.biases])
        suffix = "_keras.py" if framework == "keras" else "_pytorch.py"
        stem = Path(self.doc.path).stem if self.doc.path else "model"
        path, _ = QFileDialog.getSaveFileName(self, f"Export as {framework} code", str(Path.home() / (stem + suffix)),
                                              "Python files (*.py)")
        if not path:
            return
        try:
            # the same call as `nnstudio export -o`, so that the two write the same file
            written = export_project(path, framework, network=self.doc.network, config=self.doc.config,
                                     data=self.doc.data_spec, prepared=self.doc.prepared, weights=weights)
        except (NNStudioError, OSError) as exc:
            QMessageBox.critical(self, "Export failed", str(exc))
            return
        self.statusBar().showMessage("Wrote " + ", ".join(str(p) for p in written), 6000)

    def _maybe_save(self) -> bool:
        """Ask to save unsaved changes. False = the user cancelled."""
        if not self.doc.modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.doc.display_name}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return True

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.doc.display_name}[*] — nnstudio")
        self.setWindowModified(self.doc.modified)

    # -- recent files ---------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != path]
        recent.insert(0, path)
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for path in recent:
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.triggered.connect(lambda _=False, p=path: self._open_recent(p))
        self.recent_menu.setEnabled(bool(recent))

    def _open_recent(self, path: str) -> None:
        if self._maybe_save():
            self.open_project(path)

    # -- autosave and recovery ----------------------------------------------------------------
    def autosave(self) -> None:
        """Write the project to the recovery file if it has unsaved changes."""
        if not self.doc.modified or self._closing:
            return
        try:
            save_project(autosave_path(), self.current_project())
        except (NNStudioError, OSError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 6000)

    def _offer_recovery(self, recover: bool | None) -> None:
        path = autosave_path()
        if not path.exists():
            return
        if recover is None:
            if os.environ.get("NNSTUDIO_NO_RECOVERY_PROMPT"):
                return
            answer = QMessageBox.question(
                self, "Recover unsaved work?",
                "nnstudio did not close normally last time. Recover the project as it was at the last autosave?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
            recover = answer == QMessageBox.StandardButton.Yes
        if recover and self.open_project(str(path), as_untitled=True):
            self.doc.mark_trained()  # recovered work is unsaved work
            self.statusBar().showMessage("Recovered the autosaved project; save it to keep it.", 8000)
        path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ settings and closing
    def _restore_settings(self) -> None:
        geo = self.settings.value("window/geometry")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self._layout_restored = self.restoreState(state)
        speed = self.settings.value("training/speed")
        try:
            idx = int(speed) if speed is not None else len(SPEEDS) - 1
        except (TypeError, ValueError):
            idx = len(SPEEDS) - 1
        if 0 <= idx < len(SPEEDS):
            self.speed_combo.setCurrentIndex(idx)

    def _save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("training/speed", self.speed_combo.currentIndex())
        self.settings.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_layout)
        for dock in self.view_docks.values():
            dock.show()
        self._initial_dock_sizes()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if not self._layout_restored:
                # dock sizes only take once the window has its real size
                QTimer.singleShot(0, self._initial_dock_sizes)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._closing:
            if not self._maybe_save():
                event.ignore()
                return
        self._closing = True
        self._autosave.stop()
        self._view_timer.stop()
        self._save_settings()
        self.controller.shutdown()
        autosave_path().unlink(missing_ok=True)
        event.accept()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            theme.apply_pyqtgraph_theme()  # for plots made from now on
            for view in [*self.views, self.race_view]:
                view.apply_theme()
        super().changeEvent(event)

    def about(self) -> None:
        QMessageBox.about(self, "About nnstudio",
                          f"<h3>nnstudio {__version__}</h3><p>Learn how neural networks train by building one "
                          "and watching it learn.</p><p>Data sets: Iris (R. A. Fisher, 1936) and optical "
                          "handwritten digits (E. Alpaydin, C. Kaynak, 1998), UCI Machine Learning Repository, "
                          "CC BY 4.0.</p>")


def run(argv: list[str] | None = None) -> int:
    """Start the desktop app; ``argv`` may hold a project file to open."""
    args = list(sys.argv if argv is None else argv)
    # the 3-D views share OpenGL resources (pyqtgraph keeps its shaders per class)
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(args)
    app.setApplicationName("nnstudio")
    app.setOrganizationName("nnstudio")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("nnstudio")
    project = next((a for a in args[1:] if a.endswith(".nnproj")), None)
    window = MainWindow(project)
    window.show()
    return int(app.exec())
