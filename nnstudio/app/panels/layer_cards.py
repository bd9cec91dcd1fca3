"""The network designer's cards: one per hidden layer (its neurons, activation, weights,
bias and dropout), the *All hidden layers* row above them and the connectors between.

When an activation changes, a layer's initialiser follows it if it was the one suited
to the old activation (:func:`init_after_activation_change`); one the user chose
otherwise stays.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.activations import ACTIVATIONS
from ...core.initializers import INIT_NAMES
from ...core.number_text import number_text
from ...core.specs import INITIALIZERS, LayerSpec
from .. import theme
from .widgets import (
    ComboBox,
    DoubleSpinBox,
    ErrorLabel,
    SpinBox,
    blocked,
    icon,
)

if TYPE_CHECKING:
    from .network_panel import NetworkPanel

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


#: what the weights chooser's box shows: its list has the full names (INIT_NAMES, with
#: Xavier and Kaiming, PyTorch's names), too long for the box in a narrow panel
INIT_SHORT = {"zeros": "Zeros", "standard": "Standard", "glorot_uniform": "Glorot uniform",
              "glorot_normal": "Glorot normal", "he_uniform": "He uniform", "he_normal": "He normal",
              "lecun_normal": "LeCun normal"}
#: how each initialiser draws the weights (n_in, n_out: the layer's inputs and outputs)
INIT_TIPS = {
    "zeros": "every weight 0: the neurons of a layer stay identical (why not to)",
    "standard": "uniform in [−1/√n_in, 1/√n_in], the classic default",
    "glorot_uniform": "uniform in ±√(6/(n_in + n_out)), for tanh, softsign, sigmoid (PyTorch's xavier_uniform_)",
    "glorot_normal": "normal with variance 2/(n_in + n_out), for tanh, softsign, sigmoid (PyTorch's xavier_normal_)",
    "he_uniform": "uniform in ±√(6/n_in), for the ReLU family (PyTorch's kaiming_uniform_)",
    "he_normal": "normal with variance 2/n_in, for the ReLU family (PyTorch's kaiming_normal_)",
    "lecun_normal": "normal with variance 1/n_in, for SELU",
}


def init_chooser() -> ComboBox:
    """The weights chooser: short names in the box, full names and how they draw in the list."""
    combo = ComboBox()
    for key in INITIALIZERS:
        combo.add(INIT_NAMES[key], key, f"{INIT_NAMES[key]}: {INIT_TIPS[key]}", short=INIT_SHORT[key])
    return combo


def init_tip(key: str) -> str:
    """The chooser's tooltip names the current initialiser in full (its box may show it short)."""
    return f"{INIT_NAMES[key]}: {INIT_TIPS[key]}."


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


def card_frame(accent: QColor | str) -> QFrame:
    frame = QFrame()
    frame.setObjectName("card")
    color = accent.name() if isinstance(accent, QColor) else accent
    frame.setStyleSheet(_CARD_STYLE.format(accent=color))
    return frame


def tool_button(icon_name: str, tooltip: str) -> QToolButton:
    b = QToolButton()
    b.setIcon(icon(icon_name))
    b.setToolTip(tooltip)
    b.setAutoRaise(True)
    b.setIconSize(QSize(16, 16))
    return b


def bold_label(text: str = "") -> QLabel:
    label = QLabel(text)
    f = label.font()
    f.setBold(True)
    label.setFont(f)
    return label


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


class Connector(QWidget):
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
        self.title = bold_label()
        self.strip = NeuronStrip(theme.layer_color(index))
        self.remove_button = tool_button("mdi6.close", "Remove this layer")
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
        self.minus = tool_button("mdi6.minus", "One neuron fewer")
        self.units = SpinBox(1, MAX_UNITS)
        self.units.setToolTip("Neurons in this layer (1 to 4096); type a number or use − and +")
        self.units.setAccelerated(True)
        self.plus = tool_button("mdi6.plus", "One neuron more")
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

        self.init = init_chooser()
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
            # each exactly as the network is built with it, also beyond a box's usual
            # range or decimals (a project's bias 50 or dropout 0.125)
            self.units.show_value(layer.units)
            self.activation.set_current_data(layer.activation)
            self.alpha.show_value(a.default_param if layer.alpha is None else layer.alpha)
            self.init.set_current_data(layer.init)
            self.bias.show_value(layer.bias_init)
            self.dropout.show_value(layer.dropout)
        self.activation.setToolTip(f"{a.name}: {a.formula}")
        self.init.setToolTip(init_tip(layer.init) + "\nHow the weights of this layer are drawn when the network "
                             "is built. " + FOLLOW_NOTE)
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
        self._edit(f"Layer {self.index + 1}: α = {number_text(v, 6)}", f"layer{self.index}.alpha", alpha=float(v))

    def _init_chosen(self, i: int) -> None:
        key = self.init.itemData(i)
        self._edit(f"Layer {self.index + 1}: {INIT_NAMES[key]} weights", None, init=key)

    def _bias_changed(self, v: float) -> None:
        self._edit(f"Layer {self.index + 1}: bias {number_text(v, 6)}", f"layer{self.index}.bias", bias_init=float(v))

    def _dropout_changed(self, v: float) -> None:
        self._edit(f"Layer {self.index + 1}: dropout {number_text(v, 6)}", f"layer{self.index}.dropout", dropout=float(v))


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
        self.title = bold_label("All hidden layers")
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
        self.init = init_chooser()
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
        self.init.setToolTip(init_tip(next(iter(inits))) + "\nEvery hidden layer draws its weights so"
                             if len(inits) == 1 else
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

