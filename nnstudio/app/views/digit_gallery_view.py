"""The data as images: every sample of the validation (or training) set with its true
class and the class the network gives it now, misclassified ones first on request.

For data whose inputs form a square image (:func:`.image_data.image_side`): the bundled
8×8 digits, or a CSV with 16, 25, 64 … pixel columns. The predictions are the engine's:
its own layers holding the snapshot's weights (:mod:`.snapshot_dense`) applied to the
inputs it trains on (``PreparedData.X_val`` / ``X_train``, already standardised). While
training plays the gallery follows a couple of times a second. Clicking an image puts it
on the drawing pad (``sigSampleChosen`` with its row of the data set).
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QScrollArea, QWidget

from ...core.data import PreparedData
from ...core.safetext import printable
from ...core.snapshot import Snapshot
from .base import ViewBase
from .digit_tiles_widget import DigitTilesWidget
from .image_data import RowImages, image_side, snapshot_fits
from .snapshot_dense import layer_outputs, predicted

VALIDATION, TRAINING = "validation", "training"


class DigitGalleryView(ViewBase):
    """Samples as images with their true and predicted classes."""

    title = "Digit gallery"
    caption = ("Each image is a sample, with its true class under it. In red: the ones the network gets wrong, "
               "as true → predicted. Click an image to put it on the drawing pad.")
    #: the predictions follow training a couple of times a second: enough to watch the
    #: red ones turn black, without repainting hundreds of tiles 30 times a second
    min_interval = 0.5
    paint_cost = 0.005
    caption_room = 260

    sigSampleChosen = Signal(int)  # a row of the raw data set

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.side = 0
        self.which = VALIDATION
        self._images: dict[str, RowImages] = {}
        #: what the gallery shows, in display order: rows of the raw data set, true and
        #: predicted classes (predicted: -1 before there are weights for this data)
        self.rows = np.zeros(0, dtype=np.intp)
        self.true_classes = np.zeros(0, dtype=np.intp)
        self.predicted_classes = np.zeros(0, dtype=np.intp)
        self._predicted_of: Snapshot | None = None

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        self.set_box = QComboBox()
        self.set_box.setToolTip("Which samples to show: the validation set (not trained on) or the training set")
        self.set_box.currentIndexChanged.connect(self._set_chosen)
        self.wrong_first_box = QCheckBox("Misclassified first")
        self.wrong_first_box.setToolTip("Put the samples the network gets wrong at the top")
        self.wrong_first_box.toggled.connect(lambda _on: self._show())
        self.summary = QLabel("")
        bar.addWidget(self.set_box)
        bar.addWidget(self.wrong_first_box)
        bar.addWidget(self.summary, 1)
        self.bar = QWidget()
        self.bar.setLayout(bar)
        self.add_widget(self.bar)

        self.message = QLabel("The gallery shows classes of images as pictures: data whose inputs form a "
                              "square image, such as the bundled 8×8 digits.")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.add_widget(self.message, 1)

        self.tiles = DigitTilesWidget()
        self.tiles.sigTileClicked.connect(self._tile_clicked)
        self.tiles.sigTileHovered.connect(self._tile_hovered)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(False)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.scroll.setWidget(self.tiles)
        self.scroll.viewport().installEventFilter(self)
        self.add_widget(self.scroll, 1)
        self.add_caption()
        self._set_shown(False)

    def _set_shown(self, images: bool) -> None:
        self.message.setVisible(not images)
        self.bar.setVisible(images)
        self.scroll.setVisible(images)
        self.set_caption(self.caption if images else "")
        if not images:
            self.caption_label.hide()

    # -- data and snapshots -----------------------------------------------------------------
    def set_data(self, data: PreparedData) -> None:
        super().set_data(data)
        self.side = image_side(data)
        self._images = {}
        self._predicted_of = None
        self._set_shown(bool(self.side))
        self.set_box.blockSignals(True)
        self.set_box.clear()
        if self.side:
            n_val, n_train = len(data.val_index), len(data.train_index)
            if n_val:
                self.set_box.addItem(f"Validation set ({n_val:,})", VALIDATION)
            self.set_box.addItem(f"Training set ({n_train:,})", TRAINING)
            self.which = VALIDATION if n_val else TRAINING
        self.set_box.blockSignals(False)
        if self.side and self.snapshot is not None:
            self.show_snapshot(self.snapshot)
        else:
            self._show()

    def _set_chosen(self, index: int) -> None:
        which = self.set_box.itemData(index)
        if which in (VALIDATION, TRAINING):
            self.which = which
            self._predicted_of = None
            self.scroll.verticalScrollBar().setValue(0)
            if self.snapshot is not None:
                self.show_snapshot(self.snapshot)
            else:
                self._show()

    def set_set(self, which: str) -> None:
        """Show the ``"validation"`` or ``"training"`` set (as the set box does); a set
        the data does not have (no validation set) is left as it is."""
        index = self.set_box.findData(which)
        if index >= 0:
            self.set_box.setCurrentIndex(index)

    def set_misclassified_first(self, on: bool) -> None:
        """Put the samples the network gets wrong first (as the check box does)."""
        self.wrong_first_box.setChecked(bool(on))

    def _parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows of the raw data, network inputs, true classes) of the chosen set."""
        d = self.data
        assert d is not None
        if self.which == VALIDATION and len(d.val_index):
            return d.val_index, d.X_val, d.y_val
        return d.train_index, d.X_train, d.y_train

    def _fits(self, snap: Snapshot) -> bool:
        return bool(self.side) and snapshot_fits(snap, self.data)

    def show_snapshot(self, snap: Snapshot) -> None:
        start = time.perf_counter()
        super().show_snapshot(snap)
        if self._fits(snap):
            self._predicted_of = snap
        self._show()
        # a large set (thousands of images, a wide first layer) takes tens of milliseconds
        # to predict: then the gallery follows training less often, never spending more
        # than about 2% of the window's time
        self.min_interval = max(type(self).min_interval, 50.0 * (time.perf_counter() - start))

    def _show(self) -> None:
        data = self.data
        if data is None or not self.side:
            self.rows = self.true_classes = self.predicted_classes = np.zeros(0, dtype=np.intp)
            self.tiles.set_tiles([], self.rows, [], np.zeros(0, dtype=bool))
            return
        rows, X, y = self._parts()
        images = self._images.get(self.which)
        if images is None:
            images = self._images[self.which] = RowImages(data, rows, self.side)
        y = np.asarray(y, dtype=np.intp)
        snap = self._predicted_of
        if snap is not None:
            pred = np.asarray(predicted(snap, layer_outputs(snap, X)[-1]), dtype=np.intp)
            wrong = pred != y
            right = int(np.count_nonzero(~wrong))
            self.summary.setText(f"{right:,} of {len(y):,} right ({right / max(1, len(y)):.0%})")
        else:
            pred = np.full(len(y), -1, dtype=np.intp)
            wrong = np.zeros(len(y), dtype=bool)
            self.summary.setText("no weights yet")
        order = np.arange(len(y))
        if self.wrong_first_box.isChecked():
            order = np.argsort(~wrong, kind="stable")  # the wrong ones, then the rest, each in set order
        names = [printable(n, 12) for n in data.class_names]
        self.rows = np.asarray(rows, dtype=np.intp)[order]
        self.true_classes = y[order]
        self.predicted_classes = pred[order]
        labels = [names[t] if not w else f"{names[t]}→{names[q]}"
                  for t, q, w in zip(self.true_classes, self.predicted_classes, wrong[order])]
        self.tiles.set_tiles(images, order, labels, wrong[order])

    # -- interaction ---------------------------------------------------------------------------
    def _tile_clicked(self, position: int) -> None:
        if 0 <= position < len(self.rows):
            self.sigSampleChosen.emit(int(self.rows[position]))

    def _tile_hovered(self, position: int) -> None:
        if self.data is None or not 0 <= position < len(self.rows):
            return
        names = self.data.class_names
        true, guess = int(self.true_classes[position]), int(self.predicted_classes[position])
        text = f"Sample #{int(self.rows[position])}: a {printable(names[true], 20)}"
        if guess >= 0:
            text += f"; the network says {printable(names[guess], 20)}" + ("" if guess == true else " (wrong)")
        self.sigStatus.emit(text + ". Click to put it on the drawing pad.")

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 - Qt's name
        if obj is self.scroll.viewport() and ev.type() == QEvent.Type.Resize:
            self.tiles.fit_width(self.scroll.viewport().width())
        return super().eventFilter(obj, ev)

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        if self.data is None or not len(self.rows):
            return (), ()
        names = self.data.class_names
        rows = [[int(r), printable(names[t], 40), printable(names[q], 40) if q >= 0 else ""]
                for r, t, q in zip(self.rows, self.true_classes, self.predicted_classes)]
        return ("row", "true class", "predicted class"), rows


__all__ = ["DigitGalleryView", "TRAINING", "VALIDATION"]
