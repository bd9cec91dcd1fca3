"""The training session: what ties the document being edited to the run in the engine.

:class:`TrainingSession` listens to the :class:`~nnstudio.app.document.Document` and
tells the :class:`~nnstudio.app.controller.TrainingController` what each edit means for
training: a new architecture starts a new run, new data is swapped into the run, new
settings apply live. It keeps whole runs for undo (it is the document's
:class:`~nnstudio.app.document.RunKeeper`), turns rewinds, weights typed in and new
weights into undoable run edits (a long rewind goes on in the engine while the window
stays responsive: the document takes it when the engine is there, and edits wait meanwhile),
and builds the :class:`~nnstudio.core.project.Project`
that Save writes — from the engine when it answers within a second, else from the
newest state the engine sent, so that a dead or hung engine never costs the project.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..core.data import Dataset, DataSpec
from ..core.errors import NNStudioError
from ..core.losses import LOSS_NAMES
from ..core.network import describe_parameter
from ..core.number_text import number_text
from ..core.project import Project
from ..core.rewind_job import RewindCancelled
from ..core.snapshot import Snapshot
from ..core.specs import TrainConfig
from ..core.trainer import Trainer
from .controller import TrainingController
from .document import Document, DocState
from .engine_rewind import REWINDING_BUSY


def _only_the_loss_differs(old: Any, new: Any) -> bool:
    """Whether two networks differ in their loss (or Huber's δ) and nothing else."""
    others = [f.name for f in dataclasses.fields(new) if f.name not in ("loss", "huber_delta")]
    return type(old) is type(new) and all(getattr(old, k) == getattr(new, k) for k in others)


class TrainingSession(QObject):
    """Applies the document's edits to the run, and keeps what undo and saving need."""

    sigMessage = Signal(str, str)  # level, text: for the window's banner or status bar
    sigRunReplaced = Signal()  # another run (a new architecture, a project, undo) is in the engine
    sigRewinding = Signal(object)  # the iteration a rewind goes to while the engine replays; None when it ends

    def __init__(self, doc: Document, controller: TrainingController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.controller = controller
        self._ids = itertools.count(1)
        self._kept: set[int] = set()
        #: data token → the settings and points that made it (for rewinds and saving)
        self._recipes: dict[int, tuple[DataSpec, Dataset | None]] = {}
        self.loaded_iteration = 0
        #: run B of a comparison is open: rewinds move both runs and are not undoable
        self.comparing = False
        #: the document's network before its latest change (what a change is told against):
        #: the document says a network changed before it says its state did
        self._network = doc.network
        doc.sigStateChanged.connect(lambda state: setattr(self, "_network", state.network))
        #: the iteration a rewind asked of the engine goes to, until it is there (or not)
        self.rewinding_to: int | None = None
        doc.keeper = self
        doc.locks.append(self._rewind_guard)
        doc.sigNetworkChanged.connect(self._on_network_changed)
        doc.sigDataChanged.connect(self._on_data_changed)
        doc.sigConfigChanged.connect(controller.apply_config)
        controller.sigSnapshot.connect(self._on_snapshot)
        controller.sigMissingState.connect(self._on_missing_state)
        controller.sigEngineRestarted.connect(self._on_engine_restarted)

    # -- starting runs ------------------------------------------------------------------------
    def start(self, trainer: Trainer | None = None) -> None:
        """A new run in the engine: the document's network, settings and data, with new
        weights from the seed or ``trainer`` as it is (a loaded project)."""
        doc = self.doc
        token = self.controller.load(doc.network, doc.config, doc.prepared, trainer)
        self._recipes[token] = (doc.data_spec, doc.inline)
        self.loaded_iteration = trainer.iteration if trainer is not None else 0
        self.sigRunReplaced.emit()

    def forget_all(self) -> None:
        """Another project is open: the runs kept for the old one's undo can go."""
        if self._kept:
            self.controller.drop_states(sorted(self._kept))
            self._kept.clear()

    def _on_network_changed(self, spec: Any) -> None:
        old = self._network
        self.start()
        if _only_the_loss_differs(old, spec):
            # lesson 12's steps: the same line ŷ = w·x + b, another loss; nothing in the
            # Network view changed, so "the architecture changed" sent the learner looking
            name = LOSS_NAMES.get(spec.loss, spec.loss)
            name = name if name == "Huber" else name[:1].lower() + name[1:]
            if spec.loss == "huber":
                name += f" (δ = {number_text(spec.huber_delta, 6)})"
            self.sigMessage.emit("info", f"The loss changed to {name}, so the network was rebuilt with new "
                                         "weights (training starts over). Undo brings back the trained network "
                                         "as it was.")
            return
        self.sigMessage.emit("info", "The architecture changed, so the network was rebuilt with new weights "
                                     "(training starts over). Undo brings back the trained network as it was.")

    def _on_data_changed(self, prepared: Any) -> None:
        token = self.controller.set_data(prepared)
        self._recipes[token] = (self.doc.data_spec, self.doc.inline)

    def _on_engine_restarted(self, iteration: int) -> None:
        """The engine was restarted on the last state it had sent. Edits made after that
        (while it hung, or just before it died) never reached it: the panels showed them
        while the run went on without them. They are sent again now, as they were made: a
        new architecture (or data that changes it) rebuilds the network, other data and
        training settings go to the restarted run."""
        state = self.controller.saved_state
        if iteration < 0 or state is None:
            return
        project, token = state
        doc = self.doc
        if project.network != doc.network:
            self.start()
            self.sigMessage.emit("warning", f"The training engine was restarted at iteration {iteration:,}, the last "
                                            "state it had sent, which had not received your last change of the "
                                            "network or data: the network was rebuilt for it, with new weights.")
            return
        if self._recipes.get(token) != (doc.data_spec, doc.inline):
            self._on_data_changed(doc.prepared)
        if project.train != doc.config:
            self.controller.apply_config(doc.config)

    def _on_snapshot(self, snap: Snapshot) -> None:
        if snap.iteration != self.loaded_iteration:
            self.doc.mark_trained()

    # -- the document's RunKeeper --------------------------------------------------------------
    def new_run_id(self) -> int:
        return next(self._ids)

    def keep_run(self) -> int:
        sid = self.new_run_id()
        self._kept.add(sid)
        self.controller.save_state(sid)
        return sid

    def swap_run(self, restore: int, keep_as: int) -> None:
        self._kept.add(keep_as)
        self.controller.restore_state(restore, keep_as)
        self.sigRunReplaced.emit()

    def forget_runs(self, ids: list[int]) -> None:
        ids = [i for i in ids if i in self._kept]
        if ids:
            self._kept.difference_update(ids)
            self.controller.drop_states(ids)

    def _on_missing_state(self, _sid: int) -> None:
        # undo restored the settings but the run they belong to was dropped (memory) or
        # lost with the engine: train those settings from new weights rather than run
        # one network under another's settings
        self.start()
        self.sigMessage.emit("warning", "The trained state of that step is no longer kept (it was dropped to "
                                        "save memory, or lost when the engine restarted), so the network starts "
                                        "from new weights.")

    # -- run edits -----------------------------------------------------------------------------
    def rewind(self, iteration: int) -> None:
        """Go back (or forward, within the kept future) to ``iteration``, exactly; undoable.

        Returns at once: the engine replays (a long replay a slice at a time, which
        :meth:`cancel_rewind` stops) and the document takes the settings of the time
        when it is there; :attr:`sigRewinding` says when it starts and ends."""
        if self.rewinding_to is not None:
            self.sigMessage.emit("warning", REWINDING_BUSY)
            return
        doc = self.doc
        before = doc.state
        # with run B open both runs go back (the engine refuses an iteration before B was
        # made), not undoably; the future each run had stays kept until training goes on
        if not self.comparing:
            try:
                doc.check_guard(before, before)
            except NNStudioError as exc:
                self.sigMessage.emit("error", f"Could not rewind: {exc}")
                return
        before_run = None if self.comparing else doc.begin_run_edit()
        self.rewinding_to = iteration
        self.sigRewinding.emit(iteration)
        self.controller.rewind(iteration, lambda settings: self._rewound(iteration, before, before_run, settings),
                               lambda exc: self._rewind_failed(before_run, exc))

    def cancel_rewind(self) -> bool:
        """Stop a rewind the engine is replaying (the run stays as it was); False when
        none is under way."""
        if self.rewinding_to is None:
            return False
        self.controller.cancel_rewind()
        return True

    def _rewind_guard(self, before: DocState, after: DocState) -> None:
        """Part of the document's guard: no edit while the engine is going back."""
        if self.rewinding_to is not None:
            raise NNStudioError(REWINDING_BUSY)

    def _end_rewinding(self) -> None:
        self.rewinding_to = None
        self.sigRewinding.emit(None)

    def _rewound(self, iteration: int, before: DocState, before_run: int | None, settings: Any) -> None:
        self._end_rewinding()
        new = self._state_for(*settings)
        if before_run is None:
            if new != self.doc.state:
                self.doc._apply(new, quiet=True)
            return
        try:
            self.doc.finish_run_edit(f"Rewind to iteration {iteration:,}", before, before_run, new)
        except NNStudioError as exc:
            self.sigMessage.emit("error", f"Could not rewind: {exc}")

    def _rewind_failed(self, before_run: int | None, exc: BaseException) -> None:
        self._end_rewinding()
        self.doc.abandon_run_edit(before_run)
        if isinstance(exc, RewindCancelled):
            self.sigMessage.emit("info", str(exc))
        else:
            self.sigMessage.emit("error", f"Could not rewind: {exc}")

    def _state_for(self, config: TrainConfig, token: Any) -> DocState:
        state = dataclasses.replace(self.doc.state, config=config)
        recipe = self._recipes.get(token) if token is not None else None
        if recipe is not None:
            state = dataclasses.replace(state, data=recipe[0], inline=recipe[1])
        return state

    def set_weight(self, flat_index: int, value: float) -> None:
        """A weight typed in by hand (recorded on the run's timeline); undoable."""
        name = describe_parameter(self.doc.network, flat_index)
        try:
            self.doc.edit_run(f"Set {name} to {number_text(value, 6)}", lambda: self.controller.set_weight(flat_index, value))
        except NNStudioError as exc:
            self.sigMessage.emit("warning", str(exc))

    def reset_weights(self) -> bool:
        """New weights from the seed, the history starts over; undoable. False if refused."""
        try:
            self.doc.edit_run("New weights", self.controller.reset)
        except NNStudioError as exc:
            self.sigMessage.emit("warning", str(exc))
            return False
        return True

    # -- saving --------------------------------------------------------------------------------
    def project(self, ui: dict[str, Any], name: str, timeout_ms: int = 1000) -> Project:
        """The project as it is now, to save: the run from the engine (waiting at most
        ``timeout_ms``; 0 = take the newest state it sent) and the document's data."""
        state = self.controller.fresh_state(timeout_ms) if timeout_ms > 0 else self.controller.saved_state
        if state is None:
            raise NNStudioError("the training engine has not reported the network yet; try again in a moment")
        project, token = state
        data_spec, inline = self._recipes.get(token, (self.doc.data_spec, self.doc.inline)) \
            if token is not None else (self.doc.data_spec, self.doc.inline)
        if data_spec.source in ("generator", "bundled"):
            inline = None
        elif inline is None:
            data = self.controller.data_for(token)
            inline = getattr(data, "raw", None)
        return dataclasses.replace(project, data=data_spec, inline_data=inline, ui=dict(ui), name=name)


__all__ = ["TrainingSession"]
