"""Edit › Copy configuration and Edit › Paste configuration: a share string through the clipboard.

Copying puts the open project's configuration (:mod:`nnstudio.core.share_string`: the
network, the data recipe and the training settings, not the weights) on the clipboard
as one line. Pasting reads the clipboard, refuses anything that is not a usable share
string with a short message, and otherwise sets the network, data and settings as one
undoable edit that also draws the weights from the pasted seed, so that training runs
as it did for whoever copied it (Ctrl+Z goes back; a locked setting in classroom mode
refuses the paste).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from ..core.data import prepare
from ..core.errors import NNStudioError
from ..core.memory import check_memory
from ..core.safetext import bounded
from ..core.share_string import decode, encode
from ..core.specs import NetworkSpec, fit_network_to_data
from .document import Document


class ConfigSharing(QObject):
    """Copies and pastes the configuration of ``doc``; ``restart()`` draws new weights
    from the seed (the training session's)."""

    sigMessage = Signal(str, str)  # level, text

    def __init__(self, doc: Document, restart: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.restart = restart

    def share_string(self) -> str:
        """The open project's share string (raises ShareStringError for painted or CSV data)."""
        return encode(self.doc.network, self.doc.config, self.doc.data_spec)

    def copy(self) -> bool:
        try:
            text = self.share_string()
        except NNStudioError as exc:
            self.sigMessage.emit("warning", f"The configuration cannot be copied: {bounded(str(exc))}")
            return False
        QGuiApplication.clipboard().setText(text)
        self.sigMessage.emit("info", f"Copied the configuration ({len(text):,} characters): paste it into "
                                     "nnstudio with Edit › Paste configuration.")
        return True

    def paste(self, text: str | None = None) -> bool:
        """Set the configuration of ``text`` (default: the clipboard's) as one undoable edit."""
        if text is None:
            text = QGuiApplication.clipboard().text()
        try:
            shared = decode(text)
            if (shared.network, shared.config, shared.data) == (self.doc.network, self.doc.config,
                                                                self.doc.data_spec):
                self.sigMessage.emit("info", "The pasted configuration is the one already open.")
                return True
            # what Document.edit checks, here too (a run edit does not): data that can be made,
            # and a network that fits in memory
            prepared = prepare(shared.data)
            network = fit_network_to_data(shared.network, prepared.n_inputs, prepared.task, prepared.n_classes)
            check_memory(network, shared.config, len(prepared.X_train), len(prepared.X_val))
            self.doc.edit_run("Paste configuration", self.restart, network=shared.network, config=shared.config,
                              data=shared.data, inline=None)
        except NNStudioError as exc:
            self.sigMessage.emit("warning", f"The configuration was not pasted: {bounded(str(exc))}")
            return False
        if network != shared.network:  # a string written by hand or by another program
            self.sigMessage.emit("info", f"Pasted the configuration, with the network fitted to the data: "
                                         f"{fitted_text(shared.network, network)} (Ctrl+Z goes back).")
            return True
        self.sigMessage.emit("info", "Pasted the configuration: the same network, data and settings "
                                     "(Ctrl+Z goes back).")
        return True


def fitted_text(given: NetworkSpec, fitted: NetworkSpec) -> str:
    """What fitting a network to the data changed, e.g. "2 inputs instead of 5"."""
    changes = []
    if fitted.n_inputs != given.n_inputs:
        changes.append(f"{fitted.n_inputs} input{'s' * (fitted.n_inputs != 1)} instead of {given.n_inputs}")
    if fitted.n_outputs != given.n_outputs:
        changes.append(f"{fitted.n_outputs} output{'s' * (fitted.n_outputs != 1)} instead of {given.n_outputs}")
    if fitted.task != given.task:
        changes.append(f"a {fitted.task} task instead of {given.task}")
    if fitted.loss != given.loss and fitted.task == given.task:
        changes.append("the task's usual loss")
    return ", ".join(changes) or "its input and output layers"


__all__ = ["ConfigSharing"]
