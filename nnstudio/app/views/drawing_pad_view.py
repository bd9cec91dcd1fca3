"""Draw a digit and watch the network answer: the drawing pad view.

The learner paints on the image grid (the left button paints, the right one erases),
clears it, or loads a sample (from the gallery, or at random) to edit it. On every
stroke the pixels go through exactly what the engine does to its inputs
(:meth:`PreparedData.transform`: the training set's standardisation) and through the
engine's own layers holding the newest snapshot's weights (:mod:`.snapshot_dense`); the
view shows the answer, each class's probability, every hidden layer's activations and
the output layer's logits.
The first layer's neurons can be shown as the images of their weights.

Only for data whose inputs form a square image (:func:`.image_data.image_side`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ...core.data import PreparedData
from ...core.layers import Dense
from ...core.safetext import printable
from ...core.snapshot import Snapshot
from .. import theme
from .base import ViewBase
from .class_bars_widget import ClassBarsWidget
from .drawing_pad_widget import DrawingPadWidget
from .image_data import image_side, pixel_range, signed_image, snapshot_fits
from .layer_activations_widget import LayerActivationsWidget
from .snapshot_dense import class_probabilities, dense_layers, layer_outputs, predicted

#: training rows whose activations set each layer's colour scale
SCALE_ROWS = 200


class DrawingPadView(ViewBase):
    """Draw an image; the network's prediction, probabilities and activations follow."""

    title = "Draw a digit"
    caption = ("Draw with the mouse: the left button paints, the right one erases. The network's answer, "
               "each class's probability and every layer's neurons follow as you draw.")
    #: new weights a few times a second while training plays; strokes redraw at once
    min_interval = 0.25
    paint_cost = 0.002
    caption_room = 300

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.side = 0
        self.lo, self.hi = 0.0, 16.0
        self.class_names: tuple[str, ...] = ()
        self._layers: list[Dense] | None = None
        self._layers_of: Snapshot | None = None
        self._scales: list[float] = []
        self._images_of: tuple[Snapshot, list] | None = None
        self._rng = np.random.default_rng(0)
        #: what the view shows now (None until there are weights for this data)
        self.probabilities: np.ndarray | None = None
        self.prediction: int | None = None
        self.activations: list[np.ndarray] = []  # each hidden layer's, (units,)
        self.logits: np.ndarray | None = None  # the output layer's, before softmax or σ

        self.message = QLabel("The drawing pad is for classes of images: data whose inputs form a "
                              "square image, such as the bundled 8×8 digits.")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.add_widget(self.message, 1)

        self.body = QWidget()
        row = QHBoxLayout(self.body)
        row.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        self.pad = DrawingPadWidget()
        self.pad.sigChanged.connect(lambda _pixels: self.update_prediction())
        left.addWidget(self.pad, 1)
        buttons = QHBoxLayout()
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Blank paper")
        self.clear_button.clicked.connect(self.clear)
        self.sample_button = QPushButton("Load a sample")
        self.sample_button.setToolTip("A sample of the data, drawn at random, to look at and edit "
                                      "(or click an image in the digit gallery)")
        self.sample_button.clicked.connect(self.load_random_sample)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.sample_button)
        left.addLayout(buttons)
        self.source_label = QLabel("")
        self.source_label.setWordWrap(True)
        self.source_label.setForegroundRole(self.caption_label.foregroundRole())
        left.addWidget(self.source_label)
        row.addLayout(left, 2)

        right = QVBoxLayout()
        self.answer = QLabel("")
        font = QFont(self.answer.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.answer.setFont(font)
        self.answer.setWordWrap(True)
        right.addWidget(self.answer)
        self.bars = ClassBarsWidget()
        right.addWidget(self.bars, 2)
        self.weights_box = QCheckBox("First layer's weights as images")
        self.weights_box.setToolTip("Draw each neuron of the first layer (the output layer when there is no "
                                    "hidden layer) as the image of its weights, one per pixel: blue pixels raise "
                                    "its input, orange ones lower it; the frame around it has its activation's colour.")
        self.weights_box.toggled.connect(lambda _on: self._show_layers())
        right.addWidget(self.weights_box)
        self.layers_widget = LayerActivationsWidget()
        right.addWidget(self.layers_widget, 3)
        row.addLayout(right, 3)
        self.body.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.add_widget(self.body, 1)
        self.add_caption()
        self.body.hide()

    # -- data and snapshots -----------------------------------------------------------------
    def set_data(self, data: PreparedData) -> None:
        super().set_data(data)
        self.side = image_side(data)
        self.message.setVisible(not self.side)
        self.body.setVisible(bool(self.side))
        self.set_caption(self.caption if self.side else "")
        if not self.side:
            self.caption_label.hide()
        self._layers = self._layers_of = self._images_of = None
        self.probabilities, self.prediction, self.activations, self.logits = None, None, [], None
        self.source_label.setText("")
        if not self.side:
            return
        self.lo, self.hi = pixel_range(data)
        self.class_names = tuple(data.class_names)
        self.pad.set_geometry(self.side, self.lo, self.hi)
        self.weights_box.setText(f"First layer's weights as images ({self.side}×{self.side})")
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)
        else:
            self.update_prediction()

    def _fits(self, snap: Snapshot) -> bool:
        """Whether ``snap`` is of a network for the current data (while data change, a
        snapshot of the old network can still arrive)."""
        return bool(self.side) and snapshot_fits(snap, self.data)

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        if not self._fits(snap) or self.data is None:
            return
        self._layers = dense_layers(snap)
        self._layers_of = snap
        X = self.data.X_train
        rows = np.linspace(0, len(X) - 1, min(len(X), SCALE_ROWS)).round().astype(np.intp)
        outs = layer_outputs(snap, X[rows], self._layers)
        # the 99th percentile, so that one extreme sample does not wash every colour out
        self._scales = [float(np.percentile(np.abs(np.nan_to_num(a)), 99)) if a.size else 1.0 for a in outs]
        self.update_prediction()

    # -- drawing -----------------------------------------------------------------------------
    def clear(self) -> None:
        self.source_label.setText("")
        self.pad.clear()

    def load_sample(self, row: int) -> None:
        """Put row ``row`` of the raw data on the pad, to look at and edit."""
        data = self.data
        row = int(row)  # a lesson's whole number may come as 3.0
        if data is None or not self.side or not 0 <= row < data.raw.n_samples:
            return
        name = printable(data.class_names[int(data.raw.y[row])], 20)
        self.source_label.setText(f"Sample #{row} of the data set (a {name}); draw on it to edit it.")
        self.pad.set_pixels(data.raw.X[row])

    def load_random_sample(self) -> None:
        data = self.data
        if data is None or not self.side:
            return
        rows = data.val_index if len(data.val_index) else data.train_index
        self.load_sample(int(rows[self._rng.integers(len(rows))]))

    def show_weights(self, on: bool) -> None:
        """Show the first layer's neurons as the images of their weights (as the check box does)."""
        self.weights_box.setChecked(bool(on))

    def network_inputs(self) -> np.ndarray:
        """The pad's pixels as the network receives them, (1, n_inputs): transformed
        exactly as the training data was."""
        assert self.data is not None
        return self.data.transform(self.pad.pixels[None, :])

    def update_prediction(self) -> None:
        snap = self._layers_of
        if self.data is None or not self.side:
            return
        if snap is None or self._layers is None:
            self.answer.setText("Waiting for the network's weights…")
            self.bars.set_probabilities(np.zeros(0), ())
            self.layers_widget.set_layers([], [], [])
            return
        outs = layer_outputs(snap, self.network_inputs(), self._layers)
        self.probabilities = class_probabilities(snap, outs[-1])[0].astype(np.float64)
        self.prediction = int(predicted(snap, outs[-1])[0])
        self.activations = [np.asarray(a[0], dtype=np.float64) for a in outs[:-1]]
        self.logits = np.asarray(outs[-1][0], dtype=np.float64)
        name = printable(self.class_names[self.prediction], 20) if self.prediction < len(self.class_names) \
            else str(self.prediction)
        blank = bool(np.all(self.pad.pixels == self.lo))
        sure = float(self.probabilities[self.prediction])
        note = " — on blank paper" if blank else " — untrained weights" if snap.iteration == 0 else ""
        self.answer.setText(f"The network says: {name} ({sure:.0%}){note}")
        self.bars.set_probabilities(self.probabilities, self.class_names)
        self._show_layers()

    def _show_layers(self) -> None:
        snap = self._layers_of
        if snap is None or self.logits is None:
            return
        values = [*self.activations, self.logits]
        titles = [f"Layer {i + 1}: {len(a)} {snap.activations[i]} neurons" for i, a in enumerate(self.activations)]
        # with no hidden layer the output layer's weights are the images: one template per class
        titles.append(f"Output layer: {len(self.logits)} logit{'s' if len(self.logits) > 1 else ''} "
                      f"(before {'softmax' if snap.task == 'multiclass' else 'σ'})")
        images = []
        if self.weights_box.isChecked() and snap.weights:
            images = self._weight_images(snap)
            first = "Output layer" if not self.activations else "Layer 1"
            titles[0] = f"{first}: {len(images)} neurons as their weights"
        self.layers_widget.set_layers(values, self._scales, titles, images)

    def _weight_images(self, snap: Snapshot) -> list:
        """The first layer's weights as one image per neuron (made once per snapshot:
        strokes do not change them)."""
        if self._images_of is not None and self._images_of[0] is snap:
            return self._images_of[1]
        W = np.nan_to_num(np.asarray(snap.weights[0], dtype=np.float64))
        # the 99th percentile: a few large weights would leave every other one pale
        scale = float(np.percentile(np.abs(W), 99)) or 1.0
        lut = theme.diverging_lut()
        images = [signed_image(W[:, j], self.side, scale, lut) for j in range(W.shape[1])]
        self._images_of = (snap, images)
        return images

    # -- export and theme ----------------------------------------------------------------------
    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        if self.probabilities is None:
            return (), ()
        rows: list[list[float | str]] = [[printable(n, 40), float(p)] for n, p in
                                         zip(self.class_names, self.probabilities)]
        return ("class", "probability"), rows

    def apply_theme(self) -> None:
        self._images_of = None  # their colours follow the theme
        self.layers_widget.apply_theme()
        super().apply_theme()


__all__ = ["DrawingPadView"]
