"""The main window: it puts the pieces together.

Data flows one way (see ``shared/DESIGN.md``)::

    panels ──edits──▶ Document ──▶ TrainingSession ──▶ TrainingController ──commands──▶ engine process
       ▲                                                       │
       └──────── views ◀── ViewScheduler ◀── Snapshot (≤ 60 Hz) ┘

What lives where: the views and panels in ``views/`` and ``panels/``; their two
arrangements in :mod:`.workspaces`; projects, autosave and recovery in
:mod:`.project_files` and :mod:`.autosave`; what an edit means for training, undo of
whole runs and rewinding in :mod:`.session`; lessons in :mod:`.lesson_presenter`;
keys and the wheel in :mod:`.input_policy`; the counters, the speed control, the
rewind slider and the message banner in their own modules. This class builds them,
connects them; its actions, menus and toolbars are made in :mod:`.window_actions`.
"""

from __future__ import annotations

import operator
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QEvent, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QWidget,
)

from .. import __version__
from ..core.errors import NNStudioError
from ..core.export import export_project
from ..core.restrictions import locked_message
from ..core.safetext import bounded, isolate, printable
from ..core.snapshot import Snapshot
from . import crash_guard, termination, theme
from .about_dialog import AboutDialog
from .blas_threads import limit_blas
from .controller import TrainingController
from .document import Document
from .engine_watchdog import EngineWatchdog
from .input_policy import InputPolicy
from .long_tasks import LongTasks
from .lesson_presenter import LessonPresenter
from .panels.data_panel import DataPanel
from .panels.lesson_panel import VIEW_TITLES, LessonPanel
from .panels.network_panel import NetworkPanel
from .panels.training_panel import TrainingPanel
from .paths import app_settings, resource_path
from .project_files import ProjectFiles
from .compare_dialog import CompareDialog
from .comparison_session import LOCKED, ComparisonSession
from .session import TrainingSession
from .shortcuts_dialog import ShortcutsDialog
from .teacher_tools import TeacherTools
from .view_scheduler import ViewScheduler
from .views.activation_view import ActivationView
from .views.base import ViewBase
from .views.boundary_view import BoundaryView
from .views.digit_gallery_view import DigitGalleryView
from .views.drawing_pad_view import DrawingPadView
from .views.gradient_view import GradientView
from .views.hardest_samples_view import HardestSamplesView
from .views.image_data import image_side
from .views.inspector_view import InspectorView
from .views.loss_view import LossView
from .views.network_view import NetworkView
from .views.race_view import RaceView
from .views.representation_view import RepresentationView
from .views.surface_view import SurfaceView
from .window_actions import WindowActions, toolbar_icon
from .workspaces import EXPLORE, IMAGE_VIEWS, TITLES, Workspaces

#: the smallest window (learners' laptops have 1366×768 and 1280×800 screens)
MIN_SIZE = (1024, 700)


class MainWindow(WindowActions, QMainWindow):
    """The nnstudio window. ``MainWindow(project_path=None)``; ``close()`` shuts training down.

    ``recover``: what to do with recovery files left by a window that crashed (None:
    ask). ``recovered``: open this recovery file as unsaved work (a second window).
    """

    sigSaved = Signal(str)

    def __init__(self, project_path: str | None = None, recover: bool | None = None,
                 recovered: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("nnstudio")
        self.setWindowIcon(QIcon(str(resource_path("icons", "nnstudio.svg"))))
        self.setDockNestingEnabled(True)
        self.setMinimumSize(*MIN_SIZE)
        self.setAcceptDrops(True)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            InputPolicy.install(app)
        self.settings = app_settings()
        theme.ensure_readable_hints()
        theme.apply_pyqtgraph_theme()
        self.doc = Document(self)
        self.controller = TrainingController(self)
        self.session = TrainingSession(self.doc, self.controller, self)
        self._closing = False
        self._counters_shown = 0.0
        self._run_status = ""  # the engine's or the comparison's last sentence in the status bar
        self._icons: list[tuple[QAction, str]] = []
        self._build_views()
        self._build_panels()
        self.workspaces = Workspaces(self, self.view_docks, self.settings)
        self.files = ProjectFiles(self, self.doc, self.session, self.settings, self.ui_state, self.apply_ui,
                                  self._on_project_replaced)
        self.lessons = LessonPresenter(self.lesson_panel, self.doc, self.session, self.workspaces, self.view_for,
                                       self.files.maybe_save, self)
        self.teacher = TeacherTools(self)
        self.comparison = ComparisonSession(self.doc, self.session, self, self.panels_locked_by_comparison)
        self.lessons.comparison = self.comparison
        self._build_actions()
        self.comparison.bind_undo_actions(self.act_undo, self.act_redo)
        self._build_menus()
        self._build_toolbars()
        self.scheduler = ViewScheduler(self.views, lambda: self.controller.snapshot, parent=self)
        self.statusBar().showMessage("Ready: press Space to train, → to step one iteration.")
        self._connect()
        self.teacher.classroom.attach()  # after the panels and views are connected: it redoes what they do
        self._restore_geometry()
        self.workspaces.restore_last()
        self.scheduler.start()
        self._update_title()
        #: a recovery file given as ``recovered`` was opened
        self.recovered_ok = False
        if recovered:
            if self.files.recover(recovered):
                self.recovered_ok = True
            else:
                self.session.start()
        elif project_path:
            if not self.files.open(project_path):
                self.session.start()
        else:
            self.session.start()
        self.files.offer_recovery(recover, open_elsewhere=self._open_recovered_window)

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
        self.gallery_view = DigitGalleryView()  # these two only for data that are images
        self.pad_view = DrawingPadView()
        self.representation_view = RepresentationView()
        self.hardest_view = HardestSamplesView()
        self.views: list[ViewBase] = [self.boundary_view, self.loss_view, self.network_view,
                                      self.activation_view, self.gradient_view, self.inspector_view,
                                      self.surface_view, self.gallery_view, self.pad_view,
                                      self.representation_view, self.hardest_view]
        # the docks fill the window; messages go in a banner strip under the toolbars
        placeholder = QWidget()
        placeholder.setMaximumSize(0, 0)
        placeholder.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCentralWidget(placeholder)
        self.view_docks: dict[str, QDockWidget] = {}
        for view in [*self.views, self.race_view]:
            self._make_dock(view)
        # a regression's fitted curve or surface is no decision boundary: the tab says so
        self.boundary_view.sigTitleChanged.connect(self.view_docks["BoundaryView"].setWindowTitle)

    def _make_dock(self, widget: QWidget, title: str | None = None) -> QDockWidget:
        dock = QDockWidget(title or getattr(widget, "title", widget.objectName()), self)
        dock.setObjectName(f"dock_{type(widget).__name__}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.view_docks[type(widget).__name__] = dock
        return dock

    def _build_panels(self) -> None:
        self.network_panel = NetworkPanel(self.doc)
        self.data_panel = DataPanel(self.doc)
        self.training_panel = TrainingPanel(self.doc)
        self.lesson_panel = LessonPanel()
        # a step names the view it brings forward by the tab's present name
        self.lesson_panel.view_title = lambda name: (self.view_docks[name].windowTitle() if name in self.view_docks
                                                     else VIEW_TITLES.get(name, name))
        self._make_dock(self.data_panel, "Data")
        self._make_dock(self.network_panel, "Design")
        self._make_dock(self.training_panel, "Training")
        self._make_dock(self.lesson_panel, "Lessons")

    def view_for(self, name: str) -> Any:
        dock = self.view_docks.get(name)
        return dock.widget() if dock is not None else None

    def _connect(self) -> None:
        c = self.controller
        c.sigSnapshot.connect(self._on_snapshot)
        # every snapshot, whichever view shows: the activation histogram covers the run
        c.sigSnapshot.connect(self.gradient_view.record_probes)
        self.session.sigRunReplaced.connect(lambda: self.gradient_view.clear_history(c.run_id))
        c.sigMessage.connect(self._show_run_message)
        c.sigPlaying.connect(self.show_playing)
        self.watchdog = EngineWatchdog(c, self)
        self._stall_text = ""
        self.watchdog.sigStalled.connect(self._on_engine_stalled)
        self.watchdog.sigResumed.connect(lambda: self.withdraw_message(self._stall_text))
        self.session.sigMessage.connect(self.show_message)
        self.session.sigRunReplaced.connect(self.hide_banner)  # its warnings were about the run replaced
        self.session.sigRunReplaced.connect(self._clear_run_status)  # and so was its last word
        self.lessons.sigMessage.connect(self.show_message)
        self.lessons.sigOpened.connect(self.teacher.lesson_opened)
        self.teacher.sigMessage.connect(self.show_message)
        self.teacher.sigLessonsChanged.connect(self._fill_lessons_menu)
        self.teacher.classroom.sigChanged.connect(self._on_classroom)
        self.statusBar().addPermanentWidget(self.teacher.classroom.indicator)
        self.doc.sigRefused.connect(lambda text: self.statusBar().showMessage(bounded(text), 8000))
        self._on_classroom()
        self.lessons.sigStatus.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.files.sigStatus.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.files.sigNotice.connect(lambda text: self.show_message("warning", text))
        self.files.sigNoticeWithdrawn.connect(self.withdraw_message)
        self.files.sigSaved.connect(self.sigSaved)
        self.files.sigRecovered.connect(self.lessons.reopen)  # back to the lesson the work came from
        self.files.sigComparisonOpened.connect(
            lambda cmp: self.comparison.resume(cmp.b, cmp.changes, cmp.label, cmp.note, cmp.fork_iteration))
        self.comparison.sigMessage.connect(self._show_run_message)
        self.comparison.sigChanged.connect(self._on_comparison)
        self.statusBar().addPermanentWidget(self.comparison_badge)
        self.long_tasks = LongTasks(self)
        self.task_progress = self.long_tasks.strip
        d = self.doc
        d.sigPreparedChanged.connect(self._on_prepared_changed)
        d.sigModifiedChanged.connect(lambda _m: self._update_title())
        d.sigPathChanged.connect(lambda _p: self._update_title())
        self.workspaces.sigChanged.connect(self._on_workspace)
        nv, bv = self.network_view, self.boundary_view
        nv.sigNeuronHovered.connect(bv.show_neuron)
        nv.sigWeightEdited.connect(self.session.set_weight)
        # Playground's edits on the network itself
        d.sigStateChanged.connect(lambda *_: nv.set_design(d.network, d.data_spec))
        nv.set_design(d.network, d.data_spec)
        nv.sigSetUnits.connect(lambda layer, units: self._try_edit(
            d.edit_layer, layer, f"Layer {layer + 1}: {units} neurons", f"layer{layer}.units", units=units))
        nv.sigAddLayer.connect(lambda: self._unless_comparing(
            lambda: self.network_panel.add_layer(len(d.network.hidden))))
        nv.sigRemoveLayer.connect(lambda index: self._unless_comparing(
            lambda: self.network_panel.remove_layer(index)))
        nv.sigSetFeatures.connect(lambda features: self._try_edit(d.edit_data, "Input features", features=features))
        # the step inspector follows the sample the learner clicks
        bv.sigSampleClicked.connect(self.inspect_sample)
        self.gallery_view.sigSampleChosen.connect(self.draw_sample)
        self.hardest_view.sigSampleClicked.connect(self.inspect_sample)
        bv.sigPointAdded.connect(self.data_panel.add_point)
        bv.sigPointRemoved.connect(self.data_panel.remove_point)
        self.data_panel.sigPaintModeChanged.connect(bv.set_paint_mode)
        self.data_panel.sigDraftChanged.connect(bv.set_draft)
        for view in self.views:
            view.sigStatus.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.timeline.sigRewind.connect(self.session.rewind)
        self.timeline.sigScrubbing.connect(lambda on: on and self.controller.pause())
        self._on_prepared_changed(self.doc.prepared)

    # ------------------------------------------------------------------ training
    def _on_prepared_changed(self, prepared: Any) -> None:
        for view in self.views:
            view.set_data(prepared)
        self.workspaces.set_available(IMAGE_VIEWS, image_side(prepared) > 0, front="DigitGalleryView")

    def draw_sample(self, row: int) -> None:
        """A sample clicked in the gallery goes on the drawing pad, to be looked at and edited."""
        self.pad_view.load_sample(row)
        self.workspaces.show_view("DrawingPadView")

    def _on_project_replaced(self) -> None:
        self.lesson_panel.set_opened(None)  # a project, not a lesson, is open now
        self.teacher.project_replaced()
        self.hide_banner()

    def _on_classroom(self) -> None:
        classroom = self.teacher.classroom
        self.act_lift.setEnabled(classroom.restrictions.active and not classroom.lifted)

    # ------------------------------------------------------------------ comparisons
    def panels_locked_by_comparison(self) -> list[QWidget]:
        return [self.network_panel, self.data_panel, self.training_panel]

    def _on_comparison(self, active: bool) -> None:
        self.act_compare.setEnabled(not active)
        self.act_close_b.setEnabled(active)
        self.act_promote_b.setEnabled(active)
        self.act_export_comparison.setEnabled(active)
        if not hasattr(self, "comparison_badge"):
            self.comparison_badge = QLabel()
            self.comparison_badge.setObjectName("comparison_badge")
        label = self.comparison.label if active else ""
        self.comparison_badge.setText(f"A vs {printable(label, 32)}" if active else "")
        # the note comes from the file when it was reopened: its right-to-left text kept to itself
        self.comparison_badge.setToolTip(f"A vs {isolate(printable(label, 200))}\n"
                                         f"{isolate(printable(self.comparison.note, 300))}" if active else "")
        self.comparison_badge.setVisible(active)
        if not active:
            self._clear_run_status()  # "Run B started …" no longer holds
        # views that draw one run say which (the others draw both)
        for name in self.RUN_A_ONLY_VIEWS:
            dock = self.view_docks.get(name)
            if dock is not None:
                title = getattr(dock.widget(), "title", dock.windowTitle())
                dock.setWindowTitle(f"{title} · run A" if active else title)
        if hasattr(self, "scheduler"):
            self.scheduler.refresh(everything=True)

    #: views that draw run A only while two runs are compared
    RUN_A_ONLY_VIEWS = ("HardestSamplesView", "RepresentationView", "DigitGalleryView", "DrawingPadView")

    def cancel_task(self) -> bool:
        """Cancel what the status bar's task strip shows (making run B, or going back);
        False when nothing is under way."""
        return self.long_tasks.cancel()

    def play_or_stop(self) -> None:
        """Space / Play: train or pause; while run B is made or the run goes back, stop that."""
        if not self.cancel_task():
            self.controller.toggle_play()

    def compare_dialog(self) -> None:
        """Training › Compare…: choose what run B changes, then fork it."""
        if self.comparison.active or self.comparison.making:
            return
        prepared = self.doc.prepared
        # B forks from where the learner asked for it, the iteration the dialog states (A
        # trained on while the dialog was open, 500 iterations a second)
        self.controller.pause()
        try:
            iteration = int(self.controller.call_and_wait(operator.attrgetter("iteration"), 2000))
        except (NNStudioError, AttributeError):
            iteration = self.controller.snapshot.iteration if self.controller.snapshot else 0
        dialog = CompareDialog(self.doc.network, self.doc.config, self, iteration=iteration,
                               data_sizes=(len(prepared.X_train), len(prepared.X_val)))
        screen = self.screen()
        if screen is not None:
            dialog.fit_height(screen.availableGeometry().height() - 40)
        self.compare_dialog_open = dialog
        try:
            accepted = dialog.exec() == CompareDialog.DialogCode.Accepted
        finally:
            self.compare_dialog_open = None
        text = dialog.changes_text()
        if not accepted or not text:
            return
        try:
            self.comparison.start(text)
        except NNStudioError as exc:
            self.show_message("error", bounded(f"Could not start run B: {exc}"))

    def export_comparison(self, path: str | None = None) -> None:
        """File › Comparison as CSV…: ``<stem>_loss.csv``, ``_epochs.csv`` and ``_summary.csv``."""
        if not self.comparison.active:
            return
        if path is None:
            start = str(Path(self.files._last_folder()) / "comparison.csv")
            path, _ = QFileDialog.getSaveFileName(self, "Export the comparison as CSV", start, "CSV files (*.csv)")
            if not path:
                return
        self.controller.export_comparison_csv(
            path, lambda files: self.statusBar().showMessage("Saved " + ", ".join(files), 8000),
            lambda exc: self.show_message("error", bounded(f"Could not export the comparison: {exc}")))

    def reset_weights(self) -> None:
        if not self.session.reset_weights():
            return
        self.hide_banner()
        self.statusBar().showMessage("New weights drawn from the seed; the history starts over (Ctrl+Z undoes it).",
                                     5000)

    #: while training plays, the counters and the rewind slider change at most this often
    #: (seconds): numbers changing 30 times a second cannot be read, and each change
    #: repaints the toolbar
    COUNTER_INTERVAL = 0.1

    def _on_snapshot(self, snap: Snapshot) -> None:
        now = time.monotonic()
        if not snap.playing or now - self._counters_shown >= self.COUNTER_INTERVAL:
            self._counters_shown = now
            self.counters.show_snapshot(snap)
            self.timeline.show_snapshot(snap)
        if not snap.playing:
            self.scheduler.refresh(everything=True)  # a manual step: show it everywhere at once

    def show_playing(self, playing: bool) -> None:
        if getattr(self, "long_tasks", None) is not None and self.long_tasks.busy:
            return  # Play reads Stop until the long task ends
        self.act_play.setText("&Pause" if playing else "&Play")
        self.set_play_icon("mdi6.pause" if playing else "mdi6.play")

    def set_play_icon(self, name: str) -> None:
        """The toolbar's Play shows icon ``name`` (kept when the theme changes)."""
        self.act_play.setIcon(toolbar_icon(name))
        self._icons = [(a, name if a is self.act_play else n) for a, n in self._icons]

    def _on_workspace(self, name: str) -> None:
        (self.act_explore if name == EXPLORE else self.act_inspect).setChecked(True)
        self.statusBar().showMessage(f"{TITLES[name]} workspace", 2000)
        self.scheduler.refresh(everything=True)

    def _try_edit(self, edit: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """An edit asked for by a view: refused ones say why in the status bar."""
        try:
            edit(*args, **kwargs)
        except NNStudioError as exc:
            self.statusBar().showMessage(bounded(str(exc)), 8000)

    def _unless_comparing(self, edit: Callable[[], None]) -> None:
        """An edit asked for by a view, refused while run B is open: the panel that would
        say why is disabled and often behind another tab."""
        if self.comparison.active:
            self.statusBar().showMessage(LOCKED, 8000)
        else:
            edit()

    def inspect_sample(self, index: int) -> None:
        """Follow training sample ``index`` in the step inspector (and ring it)."""
        self.controller.set_inspected_sample(index)
        self.boundary_view.set_inspected_sample(index)
        self.hardest_view.set_inspected_sample(index)
        self.statusBar().showMessage(f"The step inspector follows training point #{index} from the next iteration "
                                     "that uses it (Shift+→ steps phase by phase).", 6000)

    def focus_views(self) -> None:
        """Esc: stops making run B or going back if either is under way; else the focus
        leaves any text or number box, and training's keys work again."""
        if self.cancel_task():
            return
        target = self.network_view if self.workspaces.current == EXPLORE else self.inspector_view
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_message(self, level: str, text: str) -> None:
        text = bounded(text, 600)
        if level == "info":
            self.statusBar().showMessage(text, 6000)
            if self.banner_bar.isVisible() and self.banner.level == "info":
                self.hide_banner()
            return
        self.banner.show_message(level, text)
        self.banner_bar.show()

    def _show_run_message(self, level: str, text: str) -> None:
        # the engine and the comparison speak of the runs ("early stopping after epoch 47:
        # …", "Run B started …"): remembered, so that a new run does not start under the
        # old one's sentence, nor run A go on alone under B's
        self._run_status = bounded(text, 600) if level == "info" else ""
        self.show_message(level, text)

    def _clear_run_status(self) -> None:
        if self._run_status and self.statusBar().currentMessage() == self._run_status:
            self.statusBar().clearMessage()
        self._run_status = ""

    def _on_engine_stalled(self, seconds: int) -> None:
        """The engine sends nothing while it should be training: say so, and offer to end
        it and start a new one on the last state it sent (as when it dies)."""
        snap = self.controller.snapshot
        if snap is not None:  # the counters show the last numbers it sent (they skip some while playing)
            self.counters.show_snapshot(snap)
            self.timeline.show_snapshot(snap)
        state = self.controller.saved_state
        kept = state[0].trainer_state if state is not None else None
        at = f" at iteration {snap.iteration:,}" if snap is not None else ""
        self._stall_text = (f"Training seems stuck: the engine has sent nothing for {seconds} seconds, so the "
                            f"numbers shown stay{at}.")
        label = f"Restart from iteration {kept.iteration:,}" if kept is not None else "Restart the engine"
        self.banner.show_message("warning", self._stall_text, (label, self.controller.restart_hung))
        self.banner.action_button.setToolTip("End the training engine and start a new one from the last state it "
                                             "sent; the project is kept")
        self.banner_bar.show()

    def hide_banner(self) -> None:
        self.banner_bar.hide()

    def withdraw_message(self, text: str) -> None:
        """A message no longer holds: the banner goes if it still shows that one (not another)."""
        if not self.banner_bar.isHidden() and self.banner.label.text() == bounded(text, 600):
            self.hide_banner()

    # ------------------------------------------------------------------ project state in files
    def ui_state(self) -> dict[str, Any]:
        return {"window": {"speed": self.speed.index, "workspace": self.workspaces.current},
                **self.teacher.ui_state(), **self.lessons.ui_state()}

    def apply_ui(self, ui: dict[str, Any]) -> None:
        self.teacher.apply_ui(ui if isinstance(ui, dict) else {})
        window = ui.get("window", {}) if isinstance(ui, dict) else {}
        speed = window.get("speed") if isinstance(window, dict) else None
        if isinstance(speed, int) and not isinstance(speed, bool):
            self.speed.set_index(speed)

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
            QMessageBox.critical(self, "Export failed", "The code could not be exported.\n\n" + bounded(str(exc)))
            return
        self.statusBar().showMessage("Wrote " + ", ".join(str(p) for p in written), 6000)

    def _update_title(self) -> None:
        # a file name may be right-to-left, or hold an override that would turn "— nnstudio" round
        self.setWindowTitle(f"{isolate(self.doc.display_name)}[*] — nnstudio")
        self.setWindowModified(self.doc.modified)

    def _open_recovered_window(self, path: str) -> bool:
        """Recovered work in a window of its own; False (and no window) when it cannot be opened."""
        window = MainWindow(recovered=path, recover=False)
        if not window.recovered_ok:
            window.close()  # it said why; an empty second window would only confuse
            return False
        window.show()
        self._recovered_windows = [*getattr(self, "_recovered_windows", []), window]
        return True

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self._dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        path = self._dropped_file(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        if path.lower().endswith(".nnproj"):
            QTimer.singleShot(0, lambda: self.files.open(path, ask=True))
        elif self.teacher.classroom.effective.locks("dataset"):
            self.statusBar().showMessage(locked_message("dataset"), 8000)  # before the import dialog, not after
        elif self.comparison.active:
            self.statusBar().showMessage(LOCKED, 8000)
        else:
            QTimer.singleShot(0, lambda: self.data_panel.open_csv(path))

    @staticmethod
    def _dropped_file(event: QDragEnterEvent | QDropEvent) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        files = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if len(files) != 1:
            return None
        suffix = Path(files[0]).suffix.lower()
        return files[0] if suffix in (".nnproj", ".csv", ".tsv", ".txt") else None

    # ------------------------------------------------------------------ settings and closing
    def _restore_geometry(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1400, 900)
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Never larger than the screen's free area, and on it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        avail: QRect = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()
        width = min(self.width(), avail.width() - frame.width())
        height = min(self.height(), avail.height() - frame.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(max(width, MIN_SIZE[0]), max(height, MIN_SIZE[1]))
        x = min(max(self.x(), avail.left()), max(avail.left(), avail.right() - self.frameGeometry().width()))
        y = min(max(self.y(), avail.top()), max(avail.top(), avail.bottom() - self.frameGeometry().height()))
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)

    def _save_settings(self) -> None:
        self.workspaces.save()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("training/speed", self.speed.speed)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._closing:
            if not self.files.maybe_save():
                event.ignore()
                return
        self._closing = True
        self.scheduler.stop()
        self.watchdog.stop()
        self._save_settings()
        self.controller.shutdown()
        self.files.stop()
        event.accept()

    #: below this window width the training toolbar shows icons only (their tooltips and the
    #: Training menu name them), so that the workspace switch never goes into the overflow
    ICONS_ONLY_BELOW = 1200

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        tb = getattr(self, "training_toolbar", None)
        if tb is not None:
            style = (Qt.ToolButtonStyle.ToolButtonIconOnly if event.size().width() < self.ICONS_ONLY_BELOW
                     else Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            if tb.toolButtonStyle() != style:
                tb.setToolButtonStyle(style)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_theme()
        super().changeEvent(event)

    def apply_theme(self) -> None:
        """The system switched between light and dark: every icon, text and plot follows."""
        theme.ensure_readable_hints()
        theme.apply_pyqtgraph_theme()  # for plots made from now on
        for act, name in self._icons:
            act.setIcon(toolbar_icon(name))
        self.counters.apply_theme()
        for view in [*self.views, self.race_view]:
            view.apply_theme()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.actions(), self).exec()

    def about(self) -> None:
        AboutDialog(self).exec()


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
    project = next((a for a in args[1:] if a.lower().endswith(".nnproj")), None)
    limit_blas(1)  # the window's products are small; the cores go to the engine (see blas_threads)
    window = MainWindow(project)
    crash_guard.install(window.files.save)
    termination.install(app, keep_unsaved_work)
    window.show()
    return int(app.exec())


def keep_unsaved_work(timeout_ms: int) -> None:
    """nnstudio is being ended from outside (logout, shutdown): every window's unsaved work
    goes to its recovery file, offered back at the next start."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and not widget._closing:
            widget.files.write_autosave(timeout_ms)


__all__ = ["MainWindow", "run"]
