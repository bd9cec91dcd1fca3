"""The open project as the GUI edits it, with undo and redo for every edit.

A :class:`Document` holds the three specs (network, training, data), the user's own
painted or imported points, and the data prepared from them. Every change goes through
:meth:`Document.edit`, which pushes an undoable command onto a ``QUndoStack``; undo
and redo re-apply whole states, so any combination of edits undoes exactly.

What an edit means for training is decided by what it changed, and the document says
so through its signals:

* ``sigNetworkChanged`` — the architecture changed: the network must be rebuilt
  (new weights);
* ``sigConfigChanged`` — only training settings changed: they apply live and the
  weights are kept;
* ``sigDataChanged`` — new data: it is swapped in, keeping the weights when the number
  of inputs and outputs still fits (otherwise the network changes too).

Undo never throws training away. An edit that changes the *run* — the architecture, the
data, a weight typed in, a rewind, new weights — is a *run edit*: before it happens the
:class:`RunKeeper` (the training session) keeps a copy of the whole run, and undoing it
puts that copy back (weights, optimizer, history, iteration), after keeping the run as
it is at that moment, which redo puts back in turn. Edits of training settings only
apply live and are undone live: the weights trained meanwhile stay.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..core.data import DataSpec, Dataset, PreparedData, prepare
from ..core.errors import NNStudioError
from ..core.memory import check_memory
from ..core.specs import LayerSpec, NetworkSpec, TrainConfig, fit_network_to_data


@dataclass(frozen=True)
class DocState:
    network: NetworkSpec
    config: TrainConfig
    data: DataSpec
    inline: Dataset | None = None


def default_state() -> DocState:
    """The example the app opens with: a noisy spiral and two tanh layers, ready to Play."""
    data = DataSpec(source="generator", name="spiral", n_samples=400, noise=0.1, seed=0,
                    validation_fraction=0.2)
    network = NetworkSpec(n_inputs=2, hidden=(LayerSpec(8, "tanh"), LayerSpec(8, "tanh")), task="binary")
    config = TrainConfig(optimizer="adam", learning_rate=0.01, batch_mode="minibatch", batch_size=10)
    return DocState(network, config, data)


class RunKeeper(Protocol):
    """What keeps copies of whole training runs for undo (the training session)."""

    def keep_run(self) -> int:
        """Keep a copy of the run as it is now; its id."""

    def swap_run(self, restore: int, keep_as: int) -> None:
        """Put the run kept as ``restore`` back, keeping the present one as ``keep_as``."""

    def new_run_id(self) -> int:
        """An id for a run to be kept later."""

    def forget_runs(self, ids: list[int]) -> None:
        """The runs kept under ``ids`` are no longer needed."""


class _EditCommand(QUndoCommand):
    def __init__(self, doc: "Document", before: DocState, after: DocState, text: str, merge_key: str | None,
                 before_run: int | None = None) -> None:
        super().__init__(text)
        self.doc, self.before, self.after = doc, before, after
        self.merge_key = merge_key
        #: run edits: the ids of the run before the edit and (once undone) after it
        self.before_run = before_run
        self.after_run: int | None = None
        self._first = True

    def id(self) -> int:  # noqa: A003 - Qt's name
        # consecutive edits of the same field (dragging a slider, spinning a box) merge
        return -1 if self.merge_key is None else (hash(self.merge_key) & 0x7FFFFFFF)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, _EditCommand) or other.merge_key != self.merge_key or self.merge_key is None:
            return False
        if (self.before_run is None) != (other.before_run is None):
            return False
        if other.before_run is not None and self.doc.keeper is not None:
            self.doc.keeper.forget_runs([other.before_run])  # the first edit's run is the one to go back to
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._first:  # the state was already applied by Document.edit
            self._first = False
            return
        if not self._allowed(self.after):
            return
        keeper = self.doc.keeper
        if self.before_run is not None and keeper is not None and self.after_run is not None:
            keeper.swap_run(self.after_run, self.before_run)
            self.doc._apply(self.after, quiet=True)
        else:
            self.doc._apply(self.after)

    def undo(self) -> None:
        if not self._allowed(self.before):
            return
        keeper = self.doc.keeper
        if self.before_run is not None and keeper is not None:
            if self.after_run is None:
                self.after_run = keeper.new_run_id()
            keeper.swap_run(self.before_run, self.after_run)
            self.doc._apply(self.before, quiet=True)
        else:
            self.doc._apply(self.before)


    def _allowed(self, target: DocState) -> bool:
        """Whether the document's guard lets this command go to ``target``; if not, the
        command leaves the stack (an old edit must not change a setting locked since)."""
        try:
            self.doc.check_guard(self.doc.state, target)
        except NNStudioError as exc:
            self.setObsolete(True)
            if self.doc.keeper is not None:
                self.doc.keeper.forget_runs([r for r in (self.before_run, self.after_run) if r is not None])
            self.doc.sigRefused.emit(str(exc))
            return False
        return True


class Document(QObject):
    """The project being edited. Read its state; change it only with :meth:`edit`."""

    sigNetworkChanged = Signal(object)  # NetworkSpec
    sigConfigChanged = Signal(object)  # TrainConfig
    sigDataChanged = Signal(object)  # PreparedData
    sigStateChanged = Signal(object)  # DocState (after any change)
    sigPreparedChanged = Signal(object)  # PreparedData, whenever the prepared data is another
    sigModifiedChanged = Signal(bool)
    sigPathChanged = Signal(str)
    sigRefused = Signal(str)  # an undo or redo the guard refused, and why

    def __init__(self, parent: QObject | None = None, state: DocState | None = None) -> None:
        super().__init__(parent)
        #: keeps whole runs for undo; None: edits are undone by their settings only
        self.keeper: RunKeeper | None = None
        #: called with (before, after) before every edit, undo and redo; raises an
        #: NNStudioError to refuse it (classroom mode's locked settings)
        self.guard: Callable[[DocState, DocState], None] | None = None
        #: further guards checked after ``guard`` (a comparison's lock)
        self.locks: list[Callable[[DocState, DocState], None]] = []
        self.undo_stack = QUndoStack(self)
        # a bound method (not a lambda) is disconnected by Qt when this object is destroyed
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.state = state or default_state()
        self.prepared: PreparedData = prepare(self.state.data, self.state.inline)
        self.state = replace(self.state, network=self._fit(self.state.network, self.prepared))
        self.path: str | None = None
        self._trained = False  # training has run since the last save

    def _on_clean_changed(self, _clean: bool) -> None:
        self.sigModifiedChanged.emit(self.modified)

    # -- reading ---------------------------------------------------------------------------
    @property
    def network(self) -> NetworkSpec:
        return self.state.network

    @property
    def config(self) -> TrainConfig:
        return self.state.config

    @property
    def data_spec(self) -> DataSpec:
        return self.state.data

    @property
    def inline(self) -> Dataset | None:
        return self.state.inline

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean() or self._trained

    @property
    def display_name(self) -> str:
        if self.path:
            from pathlib import Path

            return Path(self.path).name
        return "Untitled"

    # -- editing ---------------------------------------------------------------------------
    def edit(self, text: str, merge_key: str | None = None, **changes: Any) -> None:
        """Change ``network``, ``config``, ``data`` and/or ``inline`` as one undoable step.

        A change of architecture or data is a run edit (see the module notes). Raises
        the engine's SpecError/DataError (and changes nothing) if the new state is not
        valid, e.g. a CSV that cannot be read.
        """
        before = self.state
        after = replace(before, **changes)
        if after == before:
            return
        self.check_guard(before, after)
        prepared = self._prepare(after)  # may raise: then nothing changes
        network = self._fit(after.network, prepared)
        if (network, after.config, prepared) != (before.network, before.config, self.prepared):
            # every edit that could make training need more memory is checked here, once
            check_memory(network, after.config, len(prepared.X_train), len(prepared.X_val))
        run_edit = (after.data, after.inline) != (before.data, before.inline) or network != before.network
        before_run = self.keeper.keep_run() if run_edit and self.keeper is not None else None
        self._apply(after, prepared=prepared)
        self.undo_stack.push(_EditCommand(self, before, self.state, text, merge_key, before_run))

    def edit_run(self, text: str, action: Callable[[], DocState | None], new_run: bool = False,
                 **changes: Any) -> None:
        """A run edit: keep the run, apply the settings ``changes`` (if any), then do
        ``action()`` to the run — type in a weight, rewind, draw new weights, start a
        lesson's weights. If the action returns a DocState, the document takes it (a
        rewind goes back to the settings of the time). One undoable step.

        ``new_run``: the action starts a new run with the document's settings, so they
        are not sent to the run it replaces (whose answer, "settings applied; the weights
        are kept", came after the new run and was untrue)."""
        before = self.state
        after = replace(before, **changes)
        self.check_guard(before, after)
        prepared = self._prepare(after)
        before_run = self.begin_run_edit()
        self._apply(after, prepared=prepared, send_config=not new_run)
        self.finish_run_edit(text, before, before_run, action())

    def begin_run_edit(self) -> int | None:
        """Keep the run before a run edit whose outcome comes later (a long rewind, which
        the engine replays while the window goes on); the id goes to
        :meth:`finish_run_edit`, or to :meth:`abandon_run_edit` if it does not happen."""
        return self.keeper.keep_run() if self.keeper is not None else None

    def finish_run_edit(self, text: str, before: DocState, before_run: int | None, new: DocState | None) -> None:
        """End a run edit that began at ``before``: take ``new`` if given; one undoable step."""
        if new is not None:
            try:
                # a rewind goes back to the settings of the time: one the guard locks may differ
                self.check_guard(self.state, new)
            except NNStudioError:
                self._put_back(before, before_run)
                raise
            self._apply(new, quiet=True)
        self.undo_stack.push(_EditCommand(self, before, self.state, text, None, before_run))

    def abandon_run_edit(self, before_run: int | None) -> None:
        """A run edit begun with :meth:`begin_run_edit` did not happen (it was cancelled):
        the run kept for it can go."""
        if self.keeper is not None and before_run is not None:
            self.keeper.forget_runs([before_run])

    def _put_back(self, before: DocState, before_run: int | None) -> None:
        """Undo a run edit that was not pushed: the kept run comes back, nothing is kept."""
        keeper = self.keeper
        if keeper is not None and before_run is not None:
            spare = keeper.new_run_id()
            keeper.swap_run(before_run, spare)
            keeper.forget_runs([before_run, spare])
        self._apply(before, quiet=True)

    def edit_network(self, text: str, merge_key: str | None = None, **changes: Any) -> None:
        self.edit(text, merge_key, network=replace(self.network, **changes))

    def edit_config(self, text: str, merge_key: str | None = None, **changes: Any) -> None:
        self.edit(text, merge_key, config=replace(self.config, **changes))

    def edit_data(self, text: str, merge_key: str | None = None, **changes: Any) -> None:
        self.edit(text, merge_key, data=replace(self.data_spec, **changes))

    def edit_layer(self, index: int, text: str, merge_key: str | None = None, **changes: Any) -> None:
        hidden = list(self.network.hidden)
        hidden[index] = replace(hidden[index], **changes)
        self.edit(text, merge_key, network=replace(self.network, hidden=tuple(hidden)))

    def check_guard(self, before: DocState, after: DocState) -> None:
        """Raise the guard's NNStudioError if it refuses going from ``before`` to ``after``."""
        if self.guard is not None:
            self.guard(before, after)
        for lock in self.locks:
            lock(before, after)

    def _fit(self, network: NetworkSpec, prepared: PreparedData) -> NetworkSpec:
        return fit_network_to_data(network, prepared.n_inputs, prepared.task, prepared.n_classes)

    def _prepare(self, new: DocState) -> PreparedData:
        if (new.data, new.inline) != (self.state.data, self.state.inline):
            return prepare(new.data, new.inline)
        return self.prepared

    def _apply(self, new: DocState, quiet: bool = False, prepared: PreparedData | None = None,
               send_config: bool = True) -> None:
        """Make ``new`` the state. ``quiet``: the run already matches it (undo put a kept
        run back), so nothing is sent to training; ``send_config`` False: nor are new
        training settings (a new run with them follows)."""
        old = self.state
        if prepared is None:
            prepared = self._prepare(new)
        network = self._fit(new.network, prepared)
        new = replace(new, network=network)
        self.state = new
        data_changed = prepared is not self.prepared
        self.prepared = prepared
        if data_changed:
            self.sigPreparedChanged.emit(prepared)
        if not quiet:
            if network != old.network:
                self.sigNetworkChanged.emit(network)
            elif data_changed:
                self.sigDataChanged.emit(prepared)
            if new.config != old.config and network == old.network and send_config:
                self.sigConfigChanged.emit(new.config)
        self.sigStateChanged.emit(new)

    # -- whole-document changes (not undoable: they start a new history) ------------------------
    def replace_all(self, state: DocState, path: str | None) -> None:
        """Load another project: new state, empty undo history, clean."""
        prepared = prepare(state.data, state.inline)
        self.state = replace(state, network=self._fit(state.network, prepared))
        self.prepared = prepared
        self.sigPreparedChanged.emit(prepared)
        self.undo_stack.clear()
        self._trained = False
        self.set_path(path)
        self.sigStateChanged.emit(self.state)
        self.sigModifiedChanged.emit(self.modified)

    def set_path(self, path: str | None) -> None:
        self.path = path
        self.sigPathChanged.emit(path or "")

    def mark_trained(self) -> None:
        """Training changed the weights: the project has unsaved changes."""
        if not self._trained:
            self._trained = True
            self.sigModifiedChanged.emit(True)

    def mark_saved(self, path: str) -> None:
        self._trained = False
        self.undo_stack.setClean()
        self.set_path(path)
        self.sigModifiedChanged.emit(self.modified)
