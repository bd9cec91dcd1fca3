"""Comparing two runs in the window: starting, locking, closing and promoting run B.

:class:`ComparisonSession` is the window's side of a comparison (the engine's is
:mod:`.engine_comparison`). ``start("lr=0.3")`` forks run B from the present run in the
engine; from then on Play, Step, Step phase, Step epoch and Rewind drive both runs and
every snapshot carries B's (``Snapshot.b``), which the views draw beside A's.

While B is open the settings are **locked**: the designer, data and training panels are
disabled, the document refuses edits (a lesson step, a paste, the network view's + and −)
and undo/redo wait, because each of them would change run A alone and the two runs would
no longer differ only in what B changes. A banner says so. Rewinding moves both runs.
Closing B asks first when B has trained (its training is discarded); making B the main
run is an undoable run edit (undo brings back run A as it was).

A run B with its own weights made late in a run is first trained up to A's iteration,
which may take minutes: meanwhile B is :attr:`~ComparisonSession.making`, the settings
are locked already, the engine refuses what would move run A (with a message), and
:meth:`~ComparisonSession.cancel` (the status bar's Cancel, Esc, the toolbar's Stop)
drops B, leaving run A as it was.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.comparison import ForkCancelled
from ..core.errors import NNStudioError
from ..core.memory import check_memory
from ..core.run_changes import RunChanges
from ..core.safetext import bounded, printable
from ..core.trainer import Trainer
from .controller import TrainingController
from .document import Document, DocState
from .session import TrainingSession


class ComparisonLockedError(NNStudioError):
    """An edit refused because run B is open."""


LOCKED = ("Run B is open: settings are locked so that the two runs differ only in what B changes. "
          "Close B or make it the main run (Training menu) to change them.")
MAKING = "Run B is still being made: wait until it is ready, or cancel it (Esc)."


class ComparisonSession(QObject):
    """Run B of the window: ``active``, ``label``, ``note``, ``changes``; ``start``, ``close_b``, ``promote_b``."""

    sigChanged = Signal(bool)  # a comparison started (True) or ended (False)
    sigMessage = Signal(str, str)  # level, text
    sigFailed = Signal(str)  # a comparison could not start, and why
    sigMaking = Signal(bool)  # run B started being made (True); it is ready, failed or was cancelled (False)

    def __init__(self, doc: Document, session: TrainingSession, parent_widget: QWidget | None = None,
                 locked_widgets: Callable[[], list[QWidget]] | None = None) -> None:
        super().__init__(parent_widget)
        self.doc = doc
        self.session = session
        self.controller: TrainingController = session.controller
        self.parent_widget = parent_widget
        self.locked_widgets = locked_widgets or (lambda: [])
        self.active = False
        self.label = ""
        self.note = ""
        #: what B changes while B is open (None otherwise): Save as lesson writes it
        self.changes: RunChanges | None = None
        #: the changes of the comparison last asked of the engine (the engine's answer,
        #: also after it restarts B itself, is about these)
        self._asked: RunChanges | None = None
        self._starting = False
        #: run B is being made (trained up to A's iteration when it has its own weights)
        self.making = False
        self._locked = False
        self._promoting = False
        #: B was started here and no project file holds it yet (closing it changes no file)
        self._b_unsaved = False
        self._disabled: list[QWidget] = []
        self.undo_actions: list[Any] = []
        self.controller.sigComparison.connect(self._on_engine)
        # a restarted engine was not making B (the run it restarts on is A alone)
        self.controller.sigEngineRestarted.connect(lambda _iteration: self._set_making(False))
        doc.locks.append(self.guard)
        doc.sigModifiedChanged.connect(self._on_modified)

    def bind_undo_actions(self, undo: Any, redo: Any) -> None:
        """Undo and Redo wait while B is open (each would change run A alone). Call after
        the stack made them, so that this runs after the stack enables them."""
        self.undo_actions = [undo, redo]
        self.doc.undo_stack.canUndoChanged.connect(self._undo_changed)
        self.doc.undo_stack.canRedoChanged.connect(self._redo_changed)

    # -- starting --------------------------------------------------------------------------------
    def check(self, changes: str | RunChanges) -> RunChanges:
        """``changes`` parsed and checked against the present network, settings and data
        (raises the SpecError or MemoryLimitError a learner reads)."""
        parsed = RunChanges.parse(changes) if isinstance(changes, str) else changes
        spec_b, config_b = parsed.apply(self.doc.network, self.doc.config)
        if self.doc.guard is not None:
            # B may become the main run: what classroom mode locks, B may not change either
            # (a lesson's comparison is checked so when the lesson is read)
            state = self.doc.state
            self.doc.guard(state, dataclasses.replace(state, network=spec_b, config=config_b))
        prepared = self.doc.prepared
        check_memory(spec_b, config_b, len(prepared.X_train), len(prepared.X_val))
        return parsed

    def start(self, changes: str | RunChanges) -> None:
        """Fork run B from the present run with ``changes`` ("lr=0.3 optimizer=adam").
        Raises NNStudioError at once when they are not valid; otherwise B starts in the
        engine and :attr:`sigChanged` (True) follows (``sigFailed`` if the engine refuses)."""
        parsed = self.check(changes)
        if self.making:
            raise NNStudioError(MAKING)
        if self.active:
            raise NNStudioError("run B is already open: close it first")
        self._starting = True
        self._b_unsaved = True
        self._asked = parsed
        self._set_making(True)
        self.controller.compare(parsed, lambda _value: self._set_making(False), self._on_failed)

    def cancel(self) -> bool:
        """Stop making run B (run A stays as it was); False when none is being made."""
        if not self.making:
            return False
        self.controller.cancel_b()
        return True

    def _set_making(self, on: bool) -> None:
        if on == self.making:
            return
        self.making = on
        if on:
            self._lock(True)
        elif not self.active:
            self._lock(False)
        self.sigMaking.emit(on)

    def resume(self, b: Trainer, changes: RunChanges, label: str, note: str, fork_iteration: int) -> None:
        """Run B of a reopened project, as it was saved."""
        self._starting = True
        self._b_unsaved = False
        self._asked = changes
        self.controller.compare(changes, lambda _value: None, self._on_failed, b, label, note, fork_iteration)

    def _on_failed(self, exc: BaseException) -> None:
        self._starting = False
        self._set_making(False)
        if isinstance(exc, ForkCancelled):
            self.sigMessage.emit("info", str(exc))
            return
        text = bounded(f"Could not start run B: {exc}")
        self.sigFailed.emit(text)
        self.sigMessage.emit("error", text)

    # -- the engine says a comparison started or ended ----------------------------------------------
    def _on_engine(self, label: Any, note: Any) -> None:
        if label is not None:
            self._starting = False
            self.active, self.label, self.note = True, str(label), str(note or "")
            self.changes = self._asked
            self._lock(True)
            self._set_making(False)
            # short: the status bar shares its line with the comparison's badge, whose
            # tooltip gives how B was made
            self.sigMessage.emit("info", "Run B started. Settings are locked while it is open "
                                         "(Training › Close run B).")
            self.sigChanged.emit(True)
        elif self.active:
            self.active, self.label, self.note = False, "", ""
            self.changes = None
            self._lock(False)
            self.sigChanged.emit(False)

    # -- ending ----------------------------------------------------------------------------------------
    def b_has_trained(self) -> bool:
        snap = self.controller.snapshot
        return snap is not None and snap.b is not None and snap.b.iteration > 0

    def close_b(self, ask: bool = True) -> bool:
        """End the comparison, keeping run A. Asks first when B has trained (``ask``)."""
        if not self.active:
            return False
        if ask and self.b_has_trained():
            # B's legend names it already ("B: η = 0.3"): "Run B: η = 0.3", not "Run B: B: …"
            label = printable(self.label, 80)
            answer = QMessageBox.question(
                self.parent_widget, "Close run B",
                "Close run B? Its training is discarded; run A stays as it is.\n\n"
                f"Run {label if label.startswith('B:') else 'B: ' + label}\n\n"
                "To keep B instead, choose Training › Make run B the main run.",
                QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Close:
                return False
        if not self._b_unsaved:
            # the project file holds B: without it the project has unsaved changes (else
            # quitting would not ask, and reopening the file would bring B back)
            self.doc.mark_trained()
        self.controller.close_b(lambda _v: None, lambda exc: self.sigMessage.emit("error", str(exc)))
        # the engine takes the commands in order: what the window sends next reaches run A alone
        self._on_engine(None, None)
        return True

    def promote_b(self) -> bool:
        """Make run B the main run (its settings become the document's); run A is kept for
        Undo. One undoable step."""
        if not self.active:
            return False

        def action() -> DocState:
            spec, config, _token = self.controller._wait_for(
                lambda done, failed: self.controller.promote_b(done, failed), 60_000)
            return dataclasses.replace(self.doc.state, network=spec, config=config)

        self._promoting = True
        try:
            self.doc.edit_run(f"Make {self.label[:60]} the main run", action)
        except NNStudioError as exc:
            self.sigMessage.emit("error", f"Could not make B the main run: {exc}")
            return False
        finally:
            self._promoting = False
        self._on_engine(None, None)
        self.sigMessage.emit("info", "Run B is now the main run, with its settings in the panels. "
                                     "Undo (Ctrl+Z) brings back run A as it was.")
        return True

    def _on_modified(self, modified: bool) -> None:
        if not modified and self.active:  # saved with B in the file
            self._b_unsaved = False

    # -- the lock ----------------------------------------------------------------------------------------
    def guard(self, before: DocState, after: DocState) -> None:
        """Part of the document's guard: no edit while B is open (but promoting B) or being made."""
        if self.making:
            raise ComparisonLockedError(MAKING)
        if self.active and not self._promoting:
            raise ComparisonLockedError(LOCKED)

    def _lock(self, on: bool) -> None:
        why = MAKING if self.making and not self.active else LOCKED
        if on and self._locked:
            for w in self._disabled:
                w.setToolTip(why)
        elif on:
            self._disabled = [w for w in self.locked_widgets() if w.isEnabled()]
            for w in self._disabled:
                w.setEnabled(False)
                w.setToolTip(why)
        elif self._locked:
            for w in self._disabled:
                w.setEnabled(True)
                w.setToolTip("")
            self._disabled = []
        self._locked = on
        self.session.comparing = on
        self._keep_undo_locked()

    def _keep_undo_locked(self) -> None:
        stack = self.doc.undo_stack
        self._undo_changed(stack.canUndo())
        self._redo_changed(stack.canRedo())

    def _undo_changed(self, can: bool) -> None:
        self._enable(0, can)

    def _redo_changed(self, can: bool) -> None:
        self._enable(1, can)

    def _enable(self, which: int, can: bool) -> None:
        # the stack says so while the window is being destroyed too
        if len(self.undo_actions) > which and shiboken6.isValid(self.undo_actions[which]):
            self.undo_actions[which].setEnabled(bool(can) and not (self.active or self.making))

__all__ = ["ComparisonLockedError", "ComparisonSession", "LOCKED"]
