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
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..core.data import DataSpec, Dataset, PreparedData, prepare
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


class _EditCommand(QUndoCommand):
    def __init__(self, doc: "Document", before: DocState, after: DocState, text: str, merge_key: str | None) -> None:
        super().__init__(text)
        self.doc, self.before, self.after = doc, before, after
        self.merge_key = merge_key
        self._first = True

    def id(self) -> int:  # noqa: A003 - Qt's name
        # consecutive edits of the same field (dragging a slider, spinning a box) merge
        return -1 if self.merge_key is None else (hash(self.merge_key) & 0x7FFFFFFF)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, _EditCommand) or other.merge_key != self.merge_key or self.merge_key is None:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._first:  # the state was already applied by Document.edit
            self._first = False
            return
        self.doc._apply(self.after)

    def undo(self) -> None:
        self.doc._apply(self.before)


class Document(QObject):
    """The project being edited. Read its state; change it only with :meth:`edit`."""

    sigNetworkChanged = Signal(object)  # NetworkSpec
    sigConfigChanged = Signal(object)  # TrainConfig
    sigDataChanged = Signal(object)  # PreparedData
    sigStateChanged = Signal(object)  # DocState (after any change)
    sigModifiedChanged = Signal(bool)
    sigPathChanged = Signal(str)

    def __init__(self, parent: QObject | None = None, state: DocState | None = None) -> None:
        super().__init__(parent)
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

        Raises the engine's SpecError/DataError (and changes nothing) if the new state
        is not valid, e.g. a CSV that cannot be read.
        """
        before = self.state
        after = replace(before, **changes)
        if after == before:
            return
        self._apply(after)  # may raise: then nothing is pushed
        self.undo_stack.push(_EditCommand(self, before, after, text, merge_key))

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

    def _fit(self, network: NetworkSpec, prepared: PreparedData) -> NetworkSpec:
        return fit_network_to_data(network, prepared.n_inputs, prepared.task, prepared.n_classes)

    def _apply(self, new: DocState) -> None:
        old = self.state
        prepared = self.prepared
        if (new.data, new.inline) != (old.data, old.inline):
            prepared = prepare(new.data, new.inline)
        network = self._fit(new.network, prepared)
        new = replace(new, network=network)
        self.state = new
        data_changed = prepared is not self.prepared
        self.prepared = prepared
        if network != old.network:
            self.sigNetworkChanged.emit(network)
        elif data_changed:
            self.sigDataChanged.emit(prepared)
        if new.config != old.config and network == old.network:
            self.sigConfigChanged.emit(new.config)
        self.sigStateChanged.emit(new)

    # -- whole-document changes (not undoable: they start a new history) ------------------------
    def replace_all(self, state: DocState, path: str | None) -> None:
        """Load another project: new state, empty undo history, clean."""
        prepared = prepare(state.data, state.inline)
        self.state = replace(state, network=self._fit(state.network, prepared))
        self.prepared = prepared
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
