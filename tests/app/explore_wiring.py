"""How the window connects the Explore views' requests to the document (for tests and
screenshots until ``MainWindow._connect`` does it itself; the same lines go there)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import SIGNAL

from nnstudio.core.errors import NNStudioError


def wire_explore(window: Any) -> None:
    """Connect the network view's edit requests, the decision view's sample clicks and
    the data panel's painted draft, as ``MainWindow._connect`` should."""
    doc, nv, bv = window.doc, window.network_view, window.boundary_view
    if nv.receivers(SIGNAL("sigSetUnits(int,int)")):
        return  # the window connects them itself now: connecting twice would edit twice

    def design(*_args: Any) -> None:
        nv.set_design(doc.network, doc.data_spec)

    def edit(fn: Any, *args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except NNStudioError as exc:
            window.statusBar().showMessage(str(exc), 6000)

    doc.sigStateChanged.connect(design)
    design()
    nv.sigSetUnits.connect(lambda layer, units: edit(doc.edit_layer, layer, f"Layer {layer + 1}: {units} neurons",
                                                     f"layer{layer}.units", units=units))
    nv.sigAddLayer.connect(lambda: window.network_panel.add_layer(len(doc.network.hidden)))
    nv.sigRemoveLayer.connect(window.network_panel.remove_layer)
    nv.sigSetFeatures.connect(lambda features: edit(doc.edit_data, "Input features", features=features))
    bv.sigSampleClicked.connect(window.controller.set_inspected_sample)
    window.data_panel.sigDraftChanged.connect(bv.set_draft)
