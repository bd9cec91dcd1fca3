"""The main window's actions, menus and toolbars.

Every command a learner can give the window is a ``QAction`` made here once, with its
shortcut and icon, and put in the menus and on the toolbars: File, Edit, Training (play,
the step keys, run B), View (workspaces, views), Lessons and Help. What each one does
lives in the window's parts (the document, the session, the panels and views);
:class:`WindowActions` is the part of :class:`~nnstudio.app.main_window.MainWindow` that
builds them.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QSizePolicy, QToolBar, QToolButton, QWidget

from . import theme
from .banner import Banner
from .counters import Counters
from .speed_slider import SpeedSlider
from .timeline_slider import TimelineSlider
from .workspaces import EXPLORE, INSPECT


def toolbar_icon(name: str) -> QIcon:
    """The toolbar icon ``name`` (qtawesome), in the theme's text colour; none without it."""
    try:
        import qtawesome as qta

        return qta.icon(name, color=theme.foreground())
    except Exception:  # noqa: BLE001 - icons are decoration; a missing font must not stop the app
        return QIcon()


class WindowActions:
    """Builds the window's actions, menus and toolbars (a mixin of ``MainWindow``)."""

    def _action(self, text: str, slot: Callable[..., Any], shortcut: Any = None, icon: str | None = None,
                tip: str = "", checkable: bool = False) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if icon:
            act.setIcon(toolbar_icon(icon))
            self._icons.append((act, icon))
        if tip:
            act.setToolTip(f"{tip} ({act.shortcut().toString()})" if shortcut else tip)
            act.setStatusTip(tip)
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        self.addAction(act)  # shortcuts work wherever the focus is in the window
        return act

    def _build_actions(self) -> None:
        a = self._action
        f = self.files
        self.act_new = a("&New", f.new, QKeySequence.StandardKey.New, "mdi6.file-outline", "Start a new project")
        self.act_open = a("&Open…", f.open_dialog, QKeySequence.StandardKey.Open, "mdi6.folder-open-outline",
                          "Open a project")
        self.act_save = a("&Save", f.save, QKeySequence.StandardKey.Save, "mdi6.content-save-outline",
                          "Save the project")
        self.act_save_as = a("Save &As…", f.save_as, QKeySequence.StandardKey.SaveAs, tip="Save under a new name")
        self.act_export_keras = a("Keras code…", lambda: self.export_code("keras"))
        self.act_export_torch = a("PyTorch code…", lambda: self.export_code("pytorch"))
        self.act_quit = a("&Quit", self.close, QKeySequence.StandardKey.Quit, tip="Quit nnstudio")
        self.act_undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_undo.setStatusTip("Undo the last edit (a rewind and new weights too)")
        self.act_redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcut(QKeySequence.StandardKey.Redo)
        self.act_redo.setStatusTip("Redo what was undone")
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)
        c = self.controller
        self.act_play = a("&Play", self.play_or_stop, Qt.Key.Key_Space, "mdi6.play", "Train continuously / pause")
        self.act_step = a("Step &iteration", c.step, Qt.Key.Key_Right, "mdi6.step-forward",
                          "Run one iteration: one batch, one update (the step inspector shows all of it)")
        self.act_phase = a("Step p&hase", c.step_phase, QKeySequence("Shift+Right"), "mdi6.debug-step-into",
                           "Run one phase of an iteration: forward → loss → backward → update")
        self.act_epoch = a("Step &epoch", c.step_epoch, QKeySequence("Ctrl+Right"), "mdi6.skip-forward",
                           "Run until the end of the current epoch")
        self.act_compare = a("&Compare…", self.compare_dialog, QKeySequence("Ctrl+B"), "mdi6.compare-horizontal",
                             "Fork run B with settings you change, and train both side by side from here")
        self.act_close_b = a("C&lose run B", lambda: self.comparison.close_b(), tip="End the comparison, keeping run A")
        self.act_promote_b = a("&Make run B the main run", lambda: self.comparison.promote_b(),
                               tip="End the comparison, keeping run B and its settings (undo brings back A)")
        self.act_export_comparison = a("&Comparison as CSV…", self.export_comparison,
                                       tip="Both runs' loss curves, epochs and a summary, as CSV files")
        self._on_comparison(False)
        self.act_reset = a("&Reset weights", self.reset_weights, Qt.Key.Key_R, "mdi6.restart",
                           "New random weights from the seed; the history starts over (undoable)")
        self.act_focus_views = a("Focus the views", self.focus_views, Qt.Key.Key_Escape,
                                 tip="Give the keys back to training")
        self.act_explore = a("&Explore", lambda: self.workspaces.switch(EXPLORE), QKeySequence("Ctrl+1"),
                             tip="The data, the network, the decision view and the loss on one screen",
                             checkable=True)
        self.act_inspect = a("&Inspect", lambda: self.workspaces.switch(INSPECT), QKeySequence("Ctrl+2"),
                             tip="Step inspector, gradients, activations, loss surface and optimizer race",
                             checkable=True)
        group = QActionGroup(self)
        group.addAction(self.act_explore)
        group.addAction(self.act_inspect)
        self.act_reset_layout = a("Reset this workspace's layout", self.workspaces.reset,
                                  tip="Put the views of this workspace back where they start")
        self.act_shortcuts = a("&Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents,
                               tip="List every keyboard shortcut")
        self.act_about = a("&About nnstudio", self.about)
        t = self.teacher
        self.act_copy_config = a("&Copy configuration", t.sharing.copy, QKeySequence("Ctrl+Shift+C"),
                                 tip="Copy the network, data and settings as one line of text to share")
        self.act_paste_config = a("&Paste configuration", lambda: t.sharing.paste(), QKeySequence("Ctrl+Shift+V"),
                                  tip="Set the network, data and settings of a copied configuration (undoable)")
        self.act_classroom = a("Classroom &mode…", t.edit_restrictions,
                               tip="Choose which panels, views and controls learners see, and which are locked")
        self.act_lift = a("&Lift classroom restrictions", t.classroom.lift,
                          tip="Show and unlock everything for this session")
        self.act_save_lesson = a("Save as &Lesson…", t.save_as_lesson,
                                 tip="Turn this project, its workspace and a text you write into a lesson")
        self.act_open_lesson = a("&Open lesson file…", t.open_lesson_dialog, tip="Open a lesson from a file")

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([self.act_new, self.act_open])
        self.files.recent_menu = m.addMenu("Open &Recent")
        m.addSeparator()
        m.addActions([self.act_save, self.act_save_as, self.act_save_lesson])
        export = m.addMenu("&Export trained network as")
        export.addActions([self.act_export_keras, self.act_export_torch])
        m.addAction(self.act_export_comparison)
        m.addSeparator()
        m.addAction(self.act_quit)
        m = mb.addMenu("&Edit")
        m.addActions([self.act_undo, self.act_redo])
        m.addSeparator()
        m.addActions([self.act_copy_config, self.act_paste_config])
        m.addSeparator()
        m.addActions([self.act_classroom, self.act_lift])
        m = mb.addMenu("&Training")
        m.addActions([self.act_play, self.act_step, self.act_phase, self.act_epoch])
        m.addSeparator()
        m.addAction(self.act_reset)
        m.addSeparator()
        m.addActions([self.act_compare, self.act_close_b, self.act_promote_b])
        self.view_menu = mb.addMenu("&View")
        self.view_menu.addActions([self.act_explore, self.act_inspect])
        self.view_menu.addSeparator()
        for name in ("DataPanel", "NetworkPanel", "TrainingPanel", "LessonPanel", "NetworkView", "BoundaryView",
                     "LossView", "DigitGalleryView", "DrawingPadView", "RepresentationView", "HardestSamplesView",
                     "InspectorView", "GradientView",
                     "ActivationView", "SurfaceView", "RaceView"):
            self.view_menu.addAction(self.view_docks[name].toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.act_reset_layout)
        self.lessons_menu = mb.addMenu("&Lessons")
        self._fill_lessons_menu()
        m = mb.addMenu("&Help")
        m.addAction(self.act_shortcuts)
        m.addAction(self.act_about)
        self.files.refresh_recent_menu()

    def _fill_lessons_menu(self) -> None:
        self.teacher.fill_lessons_menu(self.lessons_menu, [self.act_open_lesson, self.act_save_lesson])

    def _build_toolbars(self) -> None:
        tb = QToolBar("Training", self)
        self.training_toolbar = tb
        tb.setObjectName("toolbar_training")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addActions([self.act_new, self.act_open, self.act_save])
        for act in (self.act_new, self.act_open, self.act_save):
            button = tb.widgetForAction(act)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        tb.addSeparator()
        tb.addActions([self.act_play, self.act_step, self.act_phase, self.act_epoch, self.act_reset])
        tb.addSeparator()
        tb.addAction(self.act_compare)
        tb.addSeparator()
        self.speed = SpeedSlider()
        with contextlib.suppress(TypeError, ValueError):
            self.speed.set_speed(float(self.settings.value("training/speed", self.speed.speed)))
        self.speed.sigSpeedChanged.connect(self.controller.set_speed)
        self.controller.set_speed(self.speed.speed)
        tb.addWidget(self.speed)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        tb.addActions([self.act_explore, self.act_inspect])
        self.addToolBar(tb)
        self.addToolBarBreak()
        tb = QToolBar("Progress", self)
        tb.setObjectName("toolbar_progress")
        tb.setMovable(False)
        self.counters = Counters()
        tb.addWidget(self.counters)
        tb.addSeparator()
        self.timeline = TimelineSlider()
        tb.addWidget(self.timeline)
        self.addToolBar(tb)
        self.addToolBarBreak()
        self.banner_bar = QToolBar("Messages", self)
        self.banner_bar.setObjectName("toolbar_messages")
        self.banner_bar.setMovable(False)
        self.banner = Banner()
        self.banner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.banner_bar.addWidget(self.banner)
        self.banner_bar.toggleViewAction().setVisible(False)
        self.banner.sigDismissed.connect(self.hide_banner)
        self.addToolBar(self.banner_bar)
        self.banner_bar.hide()


__all__ = ["WindowActions", "toolbar_icon"]
