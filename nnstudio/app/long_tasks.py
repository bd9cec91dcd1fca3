"""The engine's long tasks as the window shows them: making run B with its own weights
late in a run, and going back a long way in a reopened run.

While one is under way, a strip in the status bar says how far it is (with Cancel), the
toolbar's Play reads Stop, and Stop, Esc or Cancel cancel it. While going back, what
would change the run waits: the panels, the rewind slider, undo and Compare are
disabled (edits from the views are refused by the document with the reason).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from .task_progress import (MAKING_B_ABOUT, MAKING_B_CANCEL, REWINDING_ABOUT, REWINDING_CANCEL, TaskProgressStrip,
                            making_text, rewinding_text)

if TYPE_CHECKING:
    from .main_window import MainWindow


class LongTasks(QObject):
    """Progress, Cancel and the locks of a window's long engine tasks."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self.strip = TaskProgressStrip()
        self._play_tip: str | None = None  # Play's own tooltip while it reads Stop
        self._rewind_locked: list[Any] | None = None  # what a long rewind disabled
        window.statusBar().addPermanentWidget(self.strip)
        self.strip.sigCancel.connect(self.cancel)
        window.controller.sigMakingB.connect(self._on_making_progress)
        window.comparison.sigMaking.connect(self._on_making)
        window.controller.sigRewinding.connect(self._on_rewind_progress)
        window.session.sigRewinding.connect(self._on_rewinding)

    @property
    def busy(self) -> bool:
        """Whether the strip shows a task (Play reads Stop meanwhile)."""
        return self._play_tip is not None

    def cancel(self) -> bool:
        """Cancel what the strip shows (making run B, or going back); False when nothing
        is under way."""
        w = self.window
        return w.comparison.cancel() or w.session.cancel_rewind()

    # -- making run B ---------------------------------------------------------------------------
    def _on_making_progress(self, done: int, total: int) -> None:
        """Run B with its own weights is being trained up to A's iteration: how far."""
        if not self.window.comparison.making:
            return  # a progress report that crossed a Cancel
        self._show(making_text(done, total), done, total, MAKING_B_ABOUT, MAKING_B_CANCEL)

    def _on_making(self, making: bool) -> None:
        w = self.window
        w.act_compare.setEnabled(not (making or w.comparison.active))
        if not making:
            self._ended()

    # -- going back -----------------------------------------------------------------------------
    def _on_rewind_progress(self, target: int, done: int, total: int) -> None:
        """A long rewind replays in the engine: where to, how far."""
        w = self.window
        if w.session.rewinding_to != target:
            return  # a progress report that crossed a Cancel
        snap = w.controller.snapshot
        ahead = snap is not None and target > snap.iteration
        if self._rewind_locked is None:
            self._lock_for_rewind()
        self._show(rewinding_text(target, done, total, ahead), done, total, REWINDING_ABOUT, REWINDING_CANCEL)

    def _lock_for_rewind(self) -> None:
        """While a long rewind replays, what would change the run waits (a short rewind is
        over before this)."""
        w = self.window
        self._rewind_locked = [x for x in (*w.panels_locked_by_comparison(), w.timeline, w.act_undo, w.act_redo,
                                           w.act_compare) if x.isEnabled()]
        for x in self._rewind_locked:
            x.setEnabled(False)

    def _on_rewinding(self, target: int | None) -> None:
        w = self.window
        if target is not None:
            # undo would put another run in the engine's place: it waits from the start
            w.act_undo.setEnabled(False)
            w.act_redo.setEnabled(False)
            return
        for x in self._rewind_locked or []:
            x.setEnabled(True)
        self._rewind_locked = None
        # what the stack and the comparison allow now (an undo step may have been added)
        stack = w.doc.undo_stack
        locked = w.comparison.active or w.comparison.making
        w.act_undo.setEnabled(stack.canUndo() and not locked)
        w.act_redo.setEnabled(stack.canRedo() and not locked)
        self._ended()

    # -- the strip and Play ---------------------------------------------------------------------
    def _show(self, text: str, done: int, total: int, about: str, cancel_tip: str) -> None:
        w = self.window
        self.strip.show_progress(text, done, total, about, cancel_tip)
        if self._play_tip is None:
            self._play_tip = w.act_play.toolTip()
            # a word about an earlier task ("… was cancelled") is not about this one
            w.statusBar().clearMessage()
        w.act_play.setText("&Stop")
        w.act_play.setToolTip(cancel_tip)
        w.set_play_icon("mdi6.stop")

    def _ended(self) -> None:
        w = self.window
        self.strip.hide()
        if self._play_tip is not None:
            w.act_play.setToolTip(self._play_tip)
            self._play_tip = None
        w.show_playing(w.controller.playing)
