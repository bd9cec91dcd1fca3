"""The network designer: inputs at the top, one card per hidden layer, the output at the bottom.

The panel reads the project from the :class:`~nnstudio.app.document.Document` and
changes it only through the document's edit methods, one undoable step per edit
(consecutive changes of one number merge into one step). When the document changes —
an edit here, elsewhere, or undo/redo — the panel copies the new state into its
widgets with their signals blocked, so refreshing never makes a new edit.

Above the cards, *All hidden layers* sets the activation or the initialiser of every
hidden layer in one edit; a card still overrides it for its own layer (the cards and
that row are in :mod:`.layer_cards`).

Under the totals the panel shows what training the network would take in memory
(:mod:`nnstudio.core.memory`); an edit that would take it over the limit is refused
with the estimate, before the network is rebuilt.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...core.data import FEATURE_MAPS, feature_labels
from ...core.errors import NNStudioError
from ...core.losses import LOSS_NAMES, get_loss
from ...core.number_text import number_text
from ...core.memory import (
    DEFAULT_LIMIT,
    MemoryEstimate,
    check_memory,
    estimate_training_memory,
    format_bytes,
    memory_message,
)
from ...core.specs import LOSSES_BY_TASK, LayerSpec, NetworkSpec
from ..document import Document
from .layer_cards import ARCHITECTURE_NOTE, AllLayersRow, Connector, LayerCard, bold_label, card_frame
from .widgets import (
    Chip,
    ComboBox,
    DoubleSpinBox,
    ErrorLabel,
    blocked,
    caption,
    icon,
)

#: the two ways a network can answer for two classes: (loss key, the choice, what it means).
#: The choice is short so that it fits a narrow panel; the loss is named under it.
TWO_CLASS_OUTPUTS = (
    ("bce", "One sigmoid unit",
     "ŷ = σ(z) is the probability of class 1; the loss is binary cross-entropy"),
    ("cce", "Two softmax units",
     "One unit per class, ŷ = softmax(z₁, z₂), as in a multi-class network; the loss is categorical "
     "cross-entropy. The decision view shows p(class 1), as for one sigmoid unit. (Glorot & Bengio's "
     "experiments use this output.)"),
)


def output_description(spec: NetworkSpec) -> str:
    """What the output layer is, in words: '1 sigmoid unit (binary)', '3 softmax units'."""
    if spec.two_way_softmax:
        return "2 softmax units (one probability per class; they sum to 1)"
    if spec.task == "binary":
        return "1 sigmoid unit (binary: the probability of class 1)"
    if spec.task == "multiclass":
        return f"{spec.n_outputs} softmax units (one probability per class)"
    return "1 linear unit (regression: the predicted value)"


def parameter_breakdown(spec: NetworkSpec) -> tuple[int, int]:
    """(weights, biases) of the whole network."""
    s = spec.layer_sizes
    weights = sum(a * b for a, b in zip(s[:-1], s[1:]))
    biases = sum(s[1:])
    return weights, biases


class NetworkPanel(QWidget):
    """Design the network; every change is one undoable edit of ``doc``.

    Public methods (used by the buttons, and handy for menus and tests):
    :meth:`add_layer`, :meth:`remove_layer`, :meth:`set_feature`.
    """

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setObjectName("NetworkPanel")
        self.cards: list[LayerCard] = []
        self.connectors: list[Connector] = []

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll = scroll
        body = QWidget()
        body.setMinimumWidth(260)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self._layout = lay = QVBoxLayout(body)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.setSpacing(0)

        self.all_layers = AllLayersRow(self)
        lay.addWidget(self.all_layers)
        lay.addSpacing(8)

        # inputs
        self.input_card = card_frame("palette(mid)")
        ic = QVBoxLayout(self.input_card)
        ic.setContentsMargins(10, 6, 8, 8)
        ic.setSpacing(4)
        head = QHBoxLayout()
        head.addWidget(bold_label("Inputs"))
        head.addStretch(1)
        self.inputs_count = QLabel()
        head.addWidget(self.inputs_count)
        ic.addLayout(head)
        self.chips: dict[str, Chip] = {}
        self.chip_box = QWidget()
        grid = QGridLayout(self.chip_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        # rows of four short chips (x1, x2, x1², x2²), then rows of three, which have the
        # room the longer labels need (sin(x1) was cut to "si…1)" in a narrow panel):
        # twelve equal columns, a chip spanning three or four of them
        keys = list(FEATURE_MAPS)
        for i, key in enumerate(keys):
            chip = Chip(FEATURE_MAPS[key].label)
            chip.toggled.connect(lambda on, k=key: self.set_feature(k, on))
            self.chips[key] = chip
            if i < 4:
                grid.addWidget(chip, 0, 3 * i, 1, 3)
            else:
                k = i - 4
                grid.addWidget(chip, 1 + k // 3, 4 * (k % 3), 1, 4)
        for c in range(12):
            grid.setColumnStretch(c, 1)
        ic.addWidget(self.chip_box)
        self.inputs_hint = caption(
            "Click a feature to feed it to the network or leave it out; at least one must stay on. "
            "x1², x1·x2 or sin x1 let even a small network draw curved boundaries.")
        ic.addWidget(self.inputs_hint)
        self.input_names = QLabel()
        self.input_names.setWordWrap(True)
        ic.addWidget(self.input_names)
        self.input_error = ErrorLabel()
        ic.addWidget(self.input_error)
        lay.addWidget(self.input_card)

        # hidden layers: connector, card, connector, card, ..., connector
        self.layers_box = QVBoxLayout()
        self.layers_box.setSpacing(0)
        lay.addLayout(self.layers_box)
        self.first_connector = Connector(0, self)
        self.layers_box.addWidget(self.first_connector)

        # output
        self.output_card = card_frame("palette(mid)")
        oc = QVBoxLayout(self.output_card)
        oc.setContentsMargins(10, 6, 8, 8)
        oc.setSpacing(4)
        oc.addWidget(bold_label("Output"))
        # two classes: one sigmoid unit or two softmax units (a new output layer: new weights)
        self.two_class_row = QWidget()
        tl = QHBoxLayout(self.two_class_row)
        tl.setContentsMargins(0, 0, 0, 0)
        self.two_class_combo = ComboBox()
        for key, text, tip in TWO_CLASS_OUTPUTS:
            self.two_class_combo.add(text, key, tip)
        self.two_class_combo.setToolTip("How the network answers for two classes: one sigmoid unit (binary "
                                        "cross-entropy) or two softmax units (categorical cross-entropy). "
                                        + ARCHITECTURE_NOTE)
        self.two_class_combo.currentIndexChanged.connect(self._two_class_output_chosen)
        tl.addWidget(self.two_class_combo, 1)
        oc.addWidget(self.two_class_row)
        self.output_text = QLabel()
        self.output_text.setWordWrap(True)
        oc.addWidget(self.output_text)
        loss_row = QHBoxLayout()
        loss_row.addWidget(QLabel("Loss"))
        self.loss_combo = ComboBox()
        for key in LOSSES_BY_TASK["regression"]:
            self.loss_combo.add(LOSS_NAMES[key], key, get_loss(key).formula)
        self.loss_combo.currentIndexChanged.connect(self._loss_chosen)
        loss_row.addWidget(self.loss_combo, 1)
        self.loss_text = QLabel()
        loss_row.addWidget(self.loss_text, 1)
        self.huber_label = QLabel("δ")
        self.huber = DoubleSpinBox(0.001, 1000.0, 0.1, 3)
        self.huber.setToolTip("Huber's δ: errors smaller than δ count squared, larger ones linearly")
        self.huber.valueChanged.connect(self._huber_changed)
        loss_row.addWidget(self.huber_label)
        loss_row.addWidget(self.huber)
        oc.addLayout(loss_row)
        self.loss_formula = caption()
        oc.addWidget(self.loss_formula)
        self.output_error = ErrorLabel()
        oc.addWidget(self.output_error)
        lay.addSpacing(0)
        lay.addWidget(self.output_card)

        # totals and the note
        lay.addSpacing(10)
        self.params_label = bold_label()
        self.params_label.setWordWrap(True)
        lay.addWidget(self.params_label)
        self.params_detail = caption()
        lay.addWidget(self.params_detail)
        # why an edit of the whole network (a layer added or removed) was refused
        self.network_error = ErrorLabel()
        lay.addWidget(self.network_error)
        # the network as it is needs more memory than the limit (settings changed elsewhere)
        self.memory_warning = ErrorLabel()
        lay.addWidget(self.memory_warning)
        lay.addSpacing(6)
        note_row = QHBoxLayout()
        note_icon = QLabel()
        note_icon.setPixmap(icon("mdi6.information-outline").pixmap(16, 16))
        note_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        note_row.addWidget(note_icon)
        self.note = caption(ARCHITECTURE_NOTE + " Training settings apply without a rebuild.")
        note_row.addWidget(self.note, 1)
        lay.addLayout(note_row)
        lay.addStretch(1)

        doc.sigStateChanged.connect(self.refresh)
        self.refresh()

    # -- reading the document -------------------------------------------------------------------
    def refresh(self, *_args) -> None:
        """Show the document's network (called on every change, undo and redo too)."""
        spec = self.doc.network
        self.network_error.clear_message()  # it was about the network before this change
        self._refresh_inputs(spec)
        self._sync_cards(len(spec.hidden))
        for i, (card, layer) in enumerate(zip(self.cards, spec.hidden)):
            card.set_layer(i, layer, len(spec.hidden))
        for i, conn in enumerate([self.first_connector, *self.connectors]):
            conn.set_position(i)
        self._refresh_output(spec)
        self.all_layers.set_layers(spec.hidden)
        w, b = parameter_breakdown(spec)
        est = self.memory_estimate(spec)
        self.params_label.setText(f"{spec.n_parameters:,} parameters · about {format_bytes(est.total)} to train")
        self.params_label.setToolTip("Memory training takes, largest parts first:\n" + "\n".join(
            f"{name}: {format_bytes(n)}" for name, n in est.parts() if n >= 1024))
        sizes = " → ".join(str(s) for s in spec.layer_sizes)
        self.params_detail.setText(f"{w:,} weights + {b:,} biases; layer sizes {sizes}")
        if est.total > DEFAULT_LIMIT:
            self.memory_warning.show_message(memory_message(est, DEFAULT_LIMIT))
        else:
            self.memory_warning.clear_message()
        self._fit_scroll()

    def _fit_scroll(self) -> None:
        # The scroll area resizes its content only when its own layout request comes round;
        # until then new cards would be painted squeezed into the old height. Ask it now.
        QCoreApplication.sendEvent(self.scroll, QEvent(QEvent.Type.LayoutRequest))

    def memory_estimate(self, spec: NetworkSpec) -> MemoryEstimate:
        """What training ``spec`` with the document's settings and data would take."""
        prepared = self.doc.prepared
        return estimate_training_memory(spec, self.doc.config, len(prepared.X_train), len(prepared.X_val))

    def _check_memory(self, spec: NetworkSpec) -> None:
        """Refuse (MemoryLimitError, with the estimate) a network too big to train, as the
        trainer would, before the document rebuilds it."""
        prepared = self.doc.prepared
        check_memory(spec, self.doc.config, len(prepared.X_train), len(prepared.X_val))

    def _refresh_inputs(self, spec: NetworkSpec) -> None:
        prepared = self.doc.prepared
        raw = prepared.raw
        two_d = raw.n_features == 2
        self.chip_box.setVisible(two_d)
        self.inputs_hint.setVisible(two_d)
        self.input_names.setVisible(not two_d)
        n = spec.n_inputs
        self.inputs_count.setText(f"{n} input{'s' * (n != 1)}")
        if two_d:
            chosen = set(self.doc.data_spec.features)
            labels = feature_labels(tuple(FEATURE_MAPS), raw.feature_names)
            for (key, chip), label in zip(self.chips.items(), labels):
                with blocked(chip):
                    chip.setChecked(key in chosen)
                chip.setText(label)
                chip.setToolTip(f"Feed {label} to the network")
        else:
            names = prepared.input_names
            shown = ", ".join(names[:8]) + (f", … ({len(names) - 8} more)" if len(names) > 8 else "")
            self.input_names.setText(shown)
            self.input_names.setToolTip("The data's columns, used as they are: " + ", ".join(names))

    def _sync_cards(self, n: int) -> None:
        while len(self.cards) < n:
            i = len(self.cards)
            card = LayerCard(self, i)
            conn = Connector(i + 1, self)
            self.layers_box.addWidget(card)
            self.layers_box.addWidget(conn)
            card.show()  # now, not from Qt's queue, so the layout counts it at once
            conn.show()
            self.cards.append(card)
            self.connectors.append(conn)
        while len(self.cards) > n:
            card, conn = self.cards.pop(), self.connectors.pop()
            for w in (card, conn):
                w.hide()
                self.layers_box.removeWidget(w)
                w.deleteLater()  # a button of this card may be mid-click

    def _refresh_output(self, spec: NetworkSpec) -> None:
        self.output_text.setText(output_description(spec))
        self.two_class_row.setVisible(spec.task == "binary")
        with blocked(self.two_class_combo):
            self.two_class_combo.set_current_data(spec.loss if spec.task == "binary" else "bce")
        regression = spec.task == "regression"
        self.loss_combo.setVisible(regression)
        self.loss_text.setVisible(not regression)
        self.huber_label.setVisible(regression and spec.loss == "huber")
        self.huber.setVisible(regression and spec.loss == "huber")
        loss = get_loss(spec.loss or LOSSES_BY_TASK[spec.task][0], spec.huber_delta)
        with blocked(self.loss_combo, self.huber):
            if regression:
                self.loss_combo.set_current_data(spec.loss)
            self.huber.show_value(spec.huber_delta)  # exactly, also beyond the box's usual range
        self.loss_text.setText(loss.name)
        self.loss_formula.setText(loss.formula)
        self.loss_combo.setToolTip(loss.formula)

    # -- editing --------------------------------------------------------------------------------
    def _try(self, error: ErrorLabel, fn, *args, **kwargs) -> bool:
        try:
            fn(*args, **kwargs)
        except NNStudioError as exc:
            self.refresh()  # put the widgets back to what the document holds
            error.show_message(str(exc))
            self._fit_scroll()
            return False
        error.clear_message()
        return True

    def _edit_layer(self, card: LayerCard, text: str, key: str | None, **changes) -> None:
        def edit() -> None:
            hidden = list(self.doc.network.hidden)
            hidden[card.index] = replace(hidden[card.index], **changes)
            self._check_memory(replace(self.doc.network, hidden=tuple(hidden)))
            self.doc.edit_layer(card.index, text, key, **changes)

        self._try(card.error, edit)

    def _edit_network(self, error: ErrorLabel, text: str, key: str | None = None, **changes) -> None:
        """One undoable edit of the network, refused if it would not fit in memory."""
        def edit() -> None:
            self._check_memory(replace(self.doc.network, **changes))
            self.doc.edit_network(text, key, **changes)

        self._try(error, edit)

    def add_layer(self, position: int) -> None:
        """Insert a hidden layer at ``position`` (0 = right after the inputs).

        The new layer copies the neurons and activation of the layer before it (or the
        one after it, or 4 tanh neurons) so the network stays similar.
        """
        hidden = list(self.doc.network.hidden)
        position = max(0, min(position, len(hidden)))
        like = hidden[position - 1] if position > 0 else (hidden[0] if hidden else None)
        new = LayerSpec(like.units, like.activation, like.init, alpha=like.alpha) if like else LayerSpec(4, "tanh")
        hidden.insert(position, new)
        self._edit_network(self.network_error, f"Add layer {position + 1}", hidden=tuple(hidden))

    def remove_layer(self, index: int) -> None:
        """Remove hidden layer ``index`` (0-based)."""
        hidden = list(self.doc.network.hidden)
        if not 0 <= index < len(hidden):
            return
        del hidden[index]
        self._edit_network(self.network_error, f"Remove layer {index + 1}", hidden=tuple(hidden))

    def set_feature(self, key: str, on: bool) -> None:
        """Feed input feature ``key`` (a key of FEATURE_MAPS) to the network, or not."""
        chosen = set(self.doc.data_spec.features)
        chosen = chosen | {key} if on else chosen - {key}
        if not chosen:
            self.input_error.show_message("At least one input must stay on: the network needs something to look at.")
            with blocked(self.chips[key]):
                self.chips[key].setChecked(True)
            return
        features = tuple(k for k in FEATURE_MAPS if k in chosen)
        label = FEATURE_MAPS[key].label
        text = f"{'Use' if on else 'Drop'} input {label}"

        def edit() -> None:
            self._check_memory(replace(self.doc.network, n_inputs=len(features)))
            self.doc.edit_data(text, features=features)

        self._try(self.input_error, edit)

    def _loss_chosen(self, i: int) -> None:
        key = self.loss_combo.itemData(i)
        self._edit_network(self.output_error, f"Loss: {LOSS_NAMES[key]}", loss=key)

    def set_two_class_output(self, loss: str) -> None:
        """Two classes: ``"bce"`` (one sigmoid unit) or ``"cce"`` (two softmax units); a
        change of the output layer, so the network is rebuilt (undoable)."""
        spec = self.doc.network
        if spec.task != "binary" or spec.loss == loss:
            return
        text = "Output: " + ("two softmax units" if loss == "cce" else "one sigmoid unit")

        def edit() -> None:
            new = spec.with_two_class_output(loss)
            self._check_memory(new)
            self.doc.edit_network(text, None, loss=new.loss, n_outputs=new.n_outputs)

        self._try(self.output_error, edit)

    def _two_class_output_chosen(self, i: int) -> None:
        if i >= 0:
            self.set_two_class_output(self.two_class_combo.itemData(i))

    def _huber_changed(self, v: float) -> None:
        self._edit_network(self.output_error, f"Huber δ = {number_text(v, 6)}", "network.huber_delta", huber_delta=float(v))
