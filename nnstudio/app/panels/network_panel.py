"""The network designer: inputs at the top, one card per hidden layer, the output at the bottom.

The panel reads the project from the :class:`~nnstudio.app.document.Document` and
changes it only through the document's edit methods, one undoable step per edit
(consecutive changes of one number merge into one step). When the document changes —
an edit here, elsewhere, or undo/redo — the panel copies the new state into its
widgets with their signals blocked, so refreshing never makes a new edit.

Above the cards, *All hidden layers* sets the activation or the initialiser of every
hidden layer in one edit; a card still overrides it for its own layer. When an
activation changes, here or on a card, the layer's initialiser follows it if it was the
one suited to the old activation (:func:`init_after_activation_change`); one the user
chose otherwise stays.

Under the totals the panel shows what training the network would take in memory
(:mod:`nnstudio.core.memory`); an edit that would take it over the limit is refused
with the estimate, before the network is rebuilt.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.activations import ACTIVATIONS
from ...core.data import FEATURE_MAPS, feature_labels
from ...core.errors import NNStudioError
from ...core.initializers import INIT_NAMES
from ...core.losses import LOSS_NAMES, get_loss
from ...core.memory import (
    DEFAULT_LIMIT,
    MemoryEstimate,
    check_memory,
    estimate_training_memory,
    format_bytes,
    memory_message,
)
from ...core.specs import INITIALIZERS, LOSSES_BY_TASK, LayerSpec, NetworkSpec
from .. import theme
from ..document import Document
from .widgets import (
    Chip,
    ComboBox,
    DoubleSpinBox,
    ErrorLabel,
    SpinBox,
    blocked,
    caption,
    icon,
)

MAX_UNITS = 4096
ARCHITECTURE_NOTE = "Changing the architecture rebuilds the network with new weights."
MIXED = "mixed"
FOLLOW_NOTE = ("When the activation changes, the weights follow it (He for the ReLU family, Glorot for "
               "tanh, softsign, sigmoid, softplus and linear, LeCun for SELU) unless you chose others.")

#: The initialiser suited to each activation: the one that keeps the variance of the
#: signal (and of the gradient) the same from layer to layer at the start.
#:
#: * He et al. (2015), Var w = 2/fan_in, for the ReLU family (ReLU, leaky ReLU, ELU, GELU,
#:   Swish), which pass about half of their inputs on;
#: * Glorot & Bengio (2010), Var w = 2/(fan_in + fan_out), for activations that are close
#:   to linear around 0 (tanh, softsign, sigmoid, softplus, linear), the case it was derived
#:   for (softsign is one of the activations that paper compares);
#: * LeCun normal, Var w = 1/fan_in, for SELU, whose self-normalisation needs it
#:   (Klambauer et al., 2017).
SUITED_INIT = {
    "relu": "he_uniform", "leaky_relu": "he_uniform", "elu": "he_uniform", "gelu": "he_uniform",
    "swish": "he_uniform", "tanh": "glorot_uniform", "softsign": "glorot_uniform", "sigmoid": "glorot_uniform",
    "softplus": "glorot_uniform", "linear": "glorot_uniform", "selu": "lecun_normal",
}
#: the (uniform, normal) variants of each suited initialiser (LeCun's only as a normal)
_VARIANTS = {"he_uniform": ("he_uniform", "he_normal"), "glorot_uniform": ("glorot_uniform", "glorot_normal"),
             "lecun_normal": ("lecun_normal", "lecun_normal")}


def init_after_activation_change(init: str, old_activation: str, new_activation: str) -> str:
    """The initialiser a layer gets when its activation changes.

    If ``init`` is the one suited to the old activation (either variant, uniform or
    normal), the layer gets the one suited to the new activation, of the same variant
    where there is one: He uniform on ReLU becomes Glorot uniform on tanh, Glorot normal
    becomes He normal. Any other choice (LeCun on tanh, zeros, standard) was the user's
    and stays.
    """
    if init not in _VARIANTS[SUITED_INIT[old_activation]]:
        return init
    return _VARIANTS[SUITED_INIT[new_activation]][1 if init.endswith("_normal") else 0]
_CARD_STYLE = """
    QFrame#card {{
        background: palette(alternate-base);
        border: 1px solid palette(mid);
        border-left: 4px solid {accent};
        border-radius: 6px;
    }}
"""


def _card(accent: QColor | str) -> QFrame:
    frame = QFrame()
    frame.setObjectName("card")
    color = accent.name() if isinstance(accent, QColor) else accent
    frame.setStyleSheet(_CARD_STYLE.format(accent=color))
    return frame


def _tool_button(icon_name: str, tooltip: str) -> QToolButton:
    b = QToolButton()
    b.setIcon(icon(icon_name))
    b.setToolTip(tooltip)
    b.setAutoRaise(True)
    b.setIconSize(QSize(16, 16))
    return b


def _bold(text: str = "") -> QLabel:
    label = QLabel(text)
    f = label.font()
    f.setBold(True)
    label.setFont(f)
    return label


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


class NeuronStrip(QWidget):
    """A row of dots, one per neuron (the first few of a wide layer, then "+N")."""

    def __init__(self, color: QColor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.units = 1
        self.color = QColor(color)
        self.setMinimumSize(40, 14)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_units(self, units: int, color: QColor | None = None) -> None:
        self.units = units
        if color is not None:
            self.color = QColor(color)
        self.setToolTip(f"{units} neuron{'s' * (units != 1)}")
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, 14)

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        d, gap = 9.0, 3.0
        h = self.height()
        fits = max(1, int((self.width() + gap) // (d + gap)))
        shown = self.units
        if self.units > fits:  # leave room for "+N" (at most as wide as "+units")
            room = self.width() - self.fontMetrics().horizontalAdvance(f"+{self.units}") - gap
            shown = max(1, int((room + gap) // (d + gap)))
        rest = self.units - shown
        pen = QPen(self.palette().color(QPalette.ColorRole.WindowText))
        pen.setWidthF(0.8)
        p.setPen(pen)
        p.setBrush(self.color)
        y = (h - d) / 2
        for i in range(shown):
            p.drawEllipse(QRectF(i * (d + gap), y, d, d))
        if rest > 0:
            p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            p.drawText(QRectF(shown * (d + gap), 0, self.width() - shown * (d + gap), h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"+{rest}")
        p.end()


class _Connector(QWidget):
    """The line between two cards, with the button that inserts a layer there."""

    def __init__(self, position: int, panel: "NetworkPanel") -> None:
        super().__init__()
        self.position = position
        self.button = QToolButton()
        self.button.setText("Add layer")
        self.button.setIcon(icon("mdi6.plus"))
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setAutoRaise(True)
        self.button.clicked.connect(lambda: panel.add_layer(self.position))
        # the line runs down the middle; the button sits just right of it
        right = QWidget()
        rl = QHBoxLayout(right)
        rl.setContentsMargins(10, 0, 0, 0)
        rl.addWidget(self.button)
        rl.addStretch(1)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addStretch(1)
        lay.addWidget(right, 1)
        self.setFixedHeight(max(26, self.button.sizeHint().height()))

    def set_position(self, position: int) -> None:
        self.position = position
        where = "before the first layer" if position == 0 else f"after layer {position}"
        self.button.setToolTip(f"Insert a hidden layer {where}")

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.palette().color(QPalette.ColorRole.Mid))
        pen.setWidthF(1.5)
        p.setPen(pen)
        x = self.width() / 2
        p.drawLine(int(x), 0, int(x), self.height() - 4)
        p.drawLine(int(x) - 4, self.height() - 8, int(x), self.height() - 3)
        p.drawLine(int(x) + 4, self.height() - 8, int(x), self.height() - 3)
        p.end()


class LayerCard(QFrame):
    """One hidden layer: neurons, activation (and its α), initialiser, bias and dropout."""

    def __init__(self, panel: "NetworkPanel", index: int) -> None:
        super().__init__()
        self.panel = panel
        self.index = index
        self.setObjectName("card")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 6, 6, 8)
        outer.setSpacing(4)

        head = QHBoxLayout()
        self.title = _bold()
        self.strip = NeuronStrip(theme.layer_color(index))
        self.remove_button = _tool_button("mdi6.close", "Remove this layer")
        self.remove_button.clicked.connect(lambda: panel.remove_layer(self.index))
        head.addWidget(self.title)
        head.addSpacing(6)
        head.addWidget(self.strip, 1)
        head.addWidget(self.remove_button)
        outer.addLayout(head)

        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)

        units_row = QHBoxLayout()
        self.minus = _tool_button("mdi6.minus", "One neuron fewer")
        self.units = SpinBox(1, MAX_UNITS)
        self.units.setToolTip("Neurons in this layer (1 to 4096); type a number or use − and +")
        self.units.setAccelerated(True)
        self.plus = _tool_button("mdi6.plus", "One neuron more")
        units_row.addWidget(self.minus)
        units_row.addWidget(self.units, 1)
        units_row.addWidget(self.plus)
        self.minus.clicked.connect(lambda: self._set_units(self.units.value() - 1))
        self.plus.clicked.connect(lambda: self._set_units(self.units.value() + 1))
        self.units.valueChanged.connect(self._set_units)
        grid.addWidget(QLabel("Neurons"), 0, 0)
        grid.addLayout(units_row, 0, 1)

        self.activation = ComboBox()
        for key, a in ACTIVATIONS.items():
            self.activation.add(a.name, key, f"{a.formula}\n{a.derivative_formula}")
        self.activation.currentIndexChanged.connect(self._activation_chosen)
        self.alpha_label = QLabel("α")
        self.alpha_label.setToolTip("The activation's parameter α")
        self.alpha = DoubleSpinBox(0.0, 10.0, 0.01, 3)
        self.alpha.setToolTip("α of the activation: the slope for z < 0 (leaky ReLU) or the "
                              "value approached for very negative z (ELU)")
        self.alpha.valueChanged.connect(self._alpha_changed)
        grid.addWidget(QLabel("Activation"), 1, 0)
        grid.addWidget(self.activation, 1, 1)
        grid.addWidget(self.alpha_label, 2, 0)
        grid.addWidget(self.alpha, 2, 1)

        self.init = ComboBox()
        for key in INITIALIZERS:
            self.init.add(INIT_NAMES[key], key)
        self.init.setToolTip("How the weights of this layer are drawn when the network is built. " + FOLLOW_NOTE)
        self.init.currentIndexChanged.connect(self._init_chosen)
        grid.addWidget(QLabel("Weights"), 3, 0)
        grid.addWidget(self.init, 3, 1)

        bd_row = QHBoxLayout()
        self.bias = DoubleSpinBox(-10.0, 10.0, 0.1, 2)
        self.bias.setToolTip("The value every bias of this layer starts from")
        self.bias.valueChanged.connect(self._bias_changed)
        self.dropout = DoubleSpinBox(0.0, 0.9, 0.05, 2)
        self.dropout.setToolTip("Dropout: while training, each output of this layer is set to 0 "
                                "with this probability (0 = off)")
        self.dropout.setSpecialValueText("off")
        self.dropout.valueChanged.connect(self._dropout_changed)
        bd_row.addWidget(self.bias, 1)
        bd_row.addSpacing(4)
        bd_row.addWidget(QLabel("Dropout"))
        bd_row.addWidget(self.dropout, 1)
        grid.addWidget(QLabel("Bias"), 4, 0)
        grid.addLayout(bd_row, 4, 1)
        outer.addLayout(grid)

        self.error = ErrorLabel()
        outer.addWidget(self.error)
        self._layer: LayerSpec | None = None

    # -- from the document ---------------------------------------------------------------------
    def set_layer(self, index: int, layer: LayerSpec, n_layers: int) -> None:
        self.index = index
        self._layer = layer
        color = theme.layer_color(index)
        style = _CARD_STYLE.format(accent=color.name())
        if style != self.styleSheet():  # a new style sheet re-polishes the card: its error's colour would go
            self.setStyleSheet(style)
        self.title.setText(f"Layer {index + 1}")
        self.strip.set_units(layer.units, color)
        a = ACTIVATIONS[layer.activation]
        with blocked(self.units, self.activation, self.alpha, self.init, self.bias, self.dropout):
            self.units.setValue(layer.units)
            self.activation.set_current_data(layer.activation)
            self.alpha.setValue(a.default_param if layer.alpha is None else layer.alpha)
            self.init.set_current_data(layer.init)
            self.bias.setValue(layer.bias_init)
            self.dropout.setValue(layer.dropout)
        self.activation.setToolTip(f"{a.name}: {a.formula}")
        self.alpha_label.setVisible(a.has_param)
        self.alpha.setVisible(a.has_param)
        self.minus.setEnabled(layer.units > 1)
        self.plus.setEnabled(layer.units < MAX_UNITS)
        self.remove_button.setToolTip(f"Remove layer {index + 1}")

    # -- to the document -------------------------------------------------------------------------
    def _edit(self, text: str, key: str | None, **changes) -> None:
        self.panel._edit_layer(self, text, key, **changes)

    def _set_units(self, units: int) -> None:
        units = max(1, min(MAX_UNITS, int(units)))
        self._edit(f"Layer {self.index + 1}: {units} neurons", f"layer{self.index}.units", units=units)

    def _activation_chosen(self, i: int) -> None:
        key = self.activation.itemData(i)
        name = ACTIVATIONS[key].name
        layer = self.panel.doc.network.hidden[self.index]
        init = init_after_activation_change(layer.init, layer.activation, key)
        self._edit(f"Layer {self.index + 1}: {name}", None, activation=key, alpha=None, init=init)

    def _alpha_changed(self, v: float) -> None:
        self._edit(f"Layer {self.index + 1}: α = {v:g}", f"layer{self.index}.alpha", alpha=float(v))

    def _init_chosen(self, i: int) -> None:
        key = self.init.itemData(i)
        self._edit(f"Layer {self.index + 1}: {INIT_NAMES[key]} weights", None, init=key)

    def _bias_changed(self, v: float) -> None:
        self._edit(f"Layer {self.index + 1}: bias {v:g}", f"layer{self.index}.bias", bias_init=float(v))

    def _dropout_changed(self, v: float) -> None:
        self._edit(f"Layer {self.index + 1}: dropout {v:g}", f"layer{self.index}.dropout", dropout=float(v))


class AllLayersRow(QFrame):
    """One activation and one initialiser for every hidden layer at once.

    Each combo shows the layers' common choice, or "mixed" (a placeholder, not an item
    that can be chosen) when they differ.
    """

    def __init__(self, panel: "NetworkPanel") -> None:
        super().__init__()
        self.panel = panel
        self.setObjectName("allLayers")
        self.setStyleSheet("QFrame#allLayers { border: 1px dashed palette(mid); border-radius: 6px; }")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 6, 8, 8)
        outer.setSpacing(4)
        self.title = _bold("All hidden layers")
        self.title.setToolTip("Set every hidden layer at once; a layer's own card can still change it")
        outer.addWidget(self.title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        self.activation = ComboBox()
        for key, a in ACTIVATIONS.items():
            self.activation.add(a.name, key, f"{a.formula}\n{a.derivative_formula}")
        self.activation.setPlaceholderText(MIXED)
        self.activation.currentIndexChanged.connect(self._activation_chosen)
        self.init = ComboBox()
        for key in INITIALIZERS:
            self.init.add(INIT_NAMES[key], key)
        self.init.setPlaceholderText(MIXED)
        self.init.currentIndexChanged.connect(self._init_chosen)
        grid.addWidget(QLabel("Activation"), 0, 0)
        grid.addWidget(self.activation, 0, 1)
        grid.addWidget(QLabel("Weights"), 1, 0)
        grid.addWidget(self.init, 1, 1)
        outer.addLayout(grid)
        self.error = ErrorLabel()
        outer.addWidget(self.error)

    def set_layers(self, hidden: tuple[LayerSpec, ...]) -> None:
        """Show the layers' common activation and initialiser, or "mixed"."""
        self.setVisible(bool(hidden))
        acts = {h.activation for h in hidden}
        inits = {h.init for h in hidden}
        with blocked(self.activation, self.init):
            self.activation.setCurrentIndex(self.activation.findData(next(iter(acts))) if len(acts) == 1 else -1)
            self.init.setCurrentIndex(self.init.findData(next(iter(inits))) if len(inits) == 1 else -1)
        self.activation.setToolTip(
            ("Every hidden layer uses this activation. " if len(acts) == 1 else
             "The layers use different activations; choose one to set them all. ") + FOLLOW_NOTE)
        self.init.setToolTip("How the weights of every hidden layer are drawn" if len(inits) == 1 else
                             "The layers draw their weights differently; choose one for them all")

    def _activation_chosen(self, i: int) -> None:
        if i < 0:
            return
        key = self.activation.itemData(i)
        hidden = tuple(h if h.activation == key else
                       replace(h, activation=key, alpha=None,
                               init=init_after_activation_change(h.init, h.activation, key))
                       for h in self.panel.doc.network.hidden)
        self.panel._edit_network(self.error, f"All layers: {ACTIVATIONS[key].name}", hidden=hidden)

    def _init_chosen(self, i: int) -> None:
        if i < 0:
            return
        key = self.init.itemData(i)
        hidden = tuple(replace(h, init=key) for h in self.panel.doc.network.hidden)
        self.panel._edit_network(self.error, f"All layers: {INIT_NAMES[key]} weights", hidden=hidden)


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
        self.connectors: list[_Connector] = []

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
        self.input_card = _card("palette(mid)")
        ic = QVBoxLayout(self.input_card)
        ic.setContentsMargins(10, 6, 8, 8)
        ic.setSpacing(4)
        head = QHBoxLayout()
        head.addWidget(_bold("Inputs"))
        head.addStretch(1)
        self.inputs_count = QLabel()
        head.addWidget(self.inputs_count)
        ic.addLayout(head)
        self.chips: dict[str, Chip] = {}
        self.chip_box = QWidget()
        grid = QGridLayout(self.chip_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        for i, key in enumerate(FEATURE_MAPS):
            chip = Chip(FEATURE_MAPS[key].label)
            chip.toggled.connect(lambda on, k=key: self.set_feature(k, on))
            self.chips[key] = chip
            grid.addWidget(chip, i // 4, i % 4)
        for c in range(4):
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
        self.first_connector = _Connector(0, self)
        self.layers_box.addWidget(self.first_connector)

        # output
        self.output_card = _card("palette(mid)")
        oc = QVBoxLayout(self.output_card)
        oc.setContentsMargins(10, 6, 8, 8)
        oc.setSpacing(4)
        oc.addWidget(_bold("Output"))
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
        self.params_label = _bold()
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
            conn = _Connector(i + 1, self)
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
            self.huber.setValue(spec.huber_delta)
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
        self._edit_network(self.output_error, f"Huber δ = {v:g}", "network.huber_delta", huber_delta=float(v))
