"""The digit gallery and the drawing pad show the engine's own answers for images.

Every prediction is checked against a headless ``Trainer``'s network holding the same
weights, fed through the same preprocessing; the pad is driven with the mouse."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.app.views.digit_gallery_view import TRAINING, DigitGalleryView
from nnstudio.app.views.drawing_pad_view import DrawingPadView
from nnstudio.app.views.image_data import image_side, pixel_range
from nnstudio.core.data import DataSpec, Dataset, prepare
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def _trained(data, epochs, dtype="float64", hidden=None):
    if hidden is None:
        hidden = (LayerSpec(16, "leaky_relu", alpha=0.3), LayerSpec(12, "tanh"))
    k = data.n_classes if data.task == "multiclass" else 1
    spec = NetworkSpec(data.n_inputs, hidden, data.task, k)
    config = TrainConfig(optimizer="adam", learning_rate=0.01, batch_mode="minibatch", batch_size=32, dtype=dtype)
    trainer = Trainer(spec, config, data)
    trainer.run(epochs=epochs)
    return trainer, make_snapshot(trainer)


@pytest.fixture(scope="module")
def digits():
    return prepare(DataSpec(source="bundled", name="digits", standardize=True, validation_fraction=0.2))


@pytest.fixture(scope="module")
def trained(digits):
    # float32, a leaky ReLU with a non-default α and a tanh layer: the pad must follow
    # the engine in each of them
    return _trained(digits, 1, dtype="float32")


@pytest.fixture
def pad(qtbot, digits, trained):
    v = DrawingPadView()
    qtbot.addWidget(v)
    v.resize(640, 420)
    v.set_data(digits)
    v.show_snapshot(trained[1])
    v.show()
    qtbot.waitExposed(v)
    return v


def _engine(trainer, X_raw, data):
    """The engine's output and hidden activations for raw pixels, through the engine's
    own preprocessing and network."""
    net = trainer.network
    X = np.asarray(data.transform(X_raw), dtype=net.dtype)
    probs = net.predict(X)
    return probs, [np.asarray(layer.out) for layer in net.layers[:-1]]


def _drag(qtbot, pad, cells, button=Qt.MouseButton.LeftButton):
    w = pad.pad
    points = [w.cell_center(r, c).toPoint() for r, c in cells]
    qtbot.mousePress(w, button, pos=points[0])
    for p in points[1:]:
        qtbot.mouseMove(w, p)
    qtbot.mouseRelease(w, button, pos=points[-1])


# -- which data are images ---------------------------------------------------------------------
def test_image_side_of_digits_a_square_csv_and_other_data(digits):
    assert image_side(digits) == 8
    assert pixel_range(digits) == (0.0, 16.0)
    assert image_side(prepare(DataSpec(source="bundled", name="iris"))) == 0
    assert image_side(prepare(DataSpec(name="spiral", n_samples=100))) == 0
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (40, 16))
    square = prepare(DataSpec(source="inline"), Dataset(X, (X[:, 0] > 0.5).astype(np.int64), "binary", ()))
    assert image_side(square) == 4
    not_square = prepare(DataSpec(source="inline"), Dataset(X[:, :15], (X[:, 0] > 0.5).astype(np.int64),
                                                             "binary", ()))
    assert image_side(not_square) == 0
    regression = prepare(DataSpec(source="inline"), Dataset(X, X[:, 0], "regression", ()))
    assert image_side(regression) == 0


# -- the drawing pad ---------------------------------------------------------------------------
def test_a_stroke_paints_exactly_the_brushed_pixels(qtbot, pad):
    _drag(qtbot, pad, [(2, 2), (2, 5)])  # one move across three cells: the line between is filled
    expected = np.zeros((8, 8))
    expected[1:4, 1:7] = 4.0  # the corner neighbours: a quarter of 16
    expected[1, 2:6] = expected[3, 2:6] = 8.0  # edge neighbours above and below: half
    expected[2, 1] = expected[2, 6] = 8.0  # and at both ends of the line
    expected[2, 2:6] = 16.0  # the cells the pointer crossed: full ink
    np.testing.assert_array_equal(pad.pad.pixels.reshape(8, 8), expected)

    _drag(qtbot, pad, [(2, 3)], button=Qt.MouseButton.RightButton)  # erase one cell
    erased = expected.copy()
    erased[2, 3] = 0.0
    erased[2, 2] = erased[2, 4] = 8.0  # edge neighbours at most half-inked
    erased[1:4, 2:5] = np.minimum(erased[1:4, 2:5], np.array([[12, 8, 12], [8, 0, 8], [12, 8, 12]]))
    np.testing.assert_array_equal(pad.pad.pixels.reshape(8, 8), erased)


def test_the_brush_stays_inside_the_grid_and_clear_blanks_it(qtbot, pad):
    _drag(qtbot, pad, [(0, 0)])
    img = pad.pad.pixels.reshape(8, 8)
    assert img[0, 0] == 16.0 and img[0, 1] == img[1, 0] == 8.0 and img[1, 1] == 4.0
    assert np.count_nonzero(img) == 4
    qtbot.mouseClick(pad.clear_button, Qt.MouseButton.LeftButton)
    assert not np.any(pad.pad.pixels)


def test_the_pads_prediction_is_the_engines_for_the_drawn_pixels(qtbot, pad, digits, trained):
    trainer = trained[0]
    _drag(qtbot, pad, [(1, 2), (1, 5), (6, 3)])  # a seven, roughly
    pixels = pad.pad.pixels.copy()
    assert np.count_nonzero(pixels) > 10
    probs, hidden = _engine(trainer, pixels[None, :], digits)
    np.testing.assert_array_equal(pad.probabilities, probs[0].astype(np.float64))
    assert pad.prediction == int(np.argmax(probs[0]))
    for mine, engine in zip(pad.activations, hidden, strict=True):
        np.testing.assert_array_equal(mine, engine[0].astype(np.float64))
    drawn = pad.layers_widget.values  # what the rows of squares show: each hidden layer, then the logits
    assert len(drawn) == 3 and drawn[0].tolist() == pad.activations[0].tolist()
    np.testing.assert_array_equal(drawn[2], trainer.network.layers[-1].out[0].astype(np.float64))
    # the preprocessing is the training set's standardisation, by hand
    np.testing.assert_allclose(pad.network_inputs()[0], (pixels - digits.mean) / digits.scale)
    assert pad.answer.text().startswith(f"The network says: {pad.prediction} (")
    assert pad.bars.probabilities.tolist() == pad.probabilities.tolist()


def test_a_loaded_sample_is_predicted_as_the_engine_predicts_it(qtbot, pad, digits, trained):
    trainer = trained[0]
    row = int(digits.val_index[7])
    pad.load_sample(row)
    np.testing.assert_array_equal(pad.pad.pixels, digits.raw.X[row])
    engine = trainer.network.predict(np.asarray(digits.X_val[7:8], dtype=trainer.network.dtype))
    np.testing.assert_array_equal(pad.probabilities, engine[0].astype(np.float64))
    # editing it changes the answer's inputs only where the brush went
    _drag(qtbot, pad, [(7, 7)])
    changed = np.flatnonzero(pad.pad.pixels != digits.raw.X[row])
    assert set(changed) <= {54, 55, 62, 63}


def test_first_layer_weights_as_images(qtbot, pad, trained):
    pad.weights_box.setChecked(True)
    images = pad.layers_widget.weight_images
    assert len(images) == 16 and all((im.width(), im.height()) == (8, 8) for im in images)
    W = np.asarray(trained[1].weights[0], dtype=np.float64)
    j = int(np.argmax(W.max(axis=0)))
    i = int(np.argmax(W[:, j]))  # the unit's most positive weight is drawn blue
    color = images[j].pixelColor(i % 8, i // 8)
    assert color.blue() > color.red()
    pad.weights_box.setChecked(False)
    assert pad.layers_widget.weight_images == []


def test_with_no_hidden_layer_the_output_weights_are_the_images(qtbot, digits):
    trainer, snap = _trained(digits, 1, hidden=())
    v = DrawingPadView()
    qtbot.addWidget(v)
    v.resize(600, 400)
    v.set_data(digits)
    v.show_snapshot(snap)
    v.weights_box.setChecked(True)
    v.load_sample(int(digits.train_index[0]))
    assert v.activations == []
    logits = trainer.network.forward(np.asarray(digits.X_train[:1]))[0]
    np.testing.assert_array_equal(v.logits, logits)
    np.testing.assert_array_equal(v.layers_widget.values[0], logits)  # the one row drawn: the logits
    assert len(v.layers_widget.weight_images) == 10  # one template per digit
    assert v.layers_widget.titles[0] == "Output layer: 10 neurons as their weights"
    v.weights_box.setChecked(False)
    assert v.layers_widget.titles[0] == "Output layer: 10 logits (before softmax)"


def test_a_snapshot_of_another_network_is_ignored(qtbot, pad, digits):
    iris = prepare(DataSpec(source="bundled", name="iris"))
    _trainer, other = _trained(iris, 1)
    before = pad.probabilities.copy()
    pad.show_snapshot(other)
    np.testing.assert_array_equal(pad.probabilities, before)


# -- the gallery ---------------------------------------------------------------------------------
@pytest.fixture
def gallery(qtbot, digits):
    v = DigitGalleryView()
    qtbot.addWidget(v)
    v.resize(600, 420)
    v.set_data(digits)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_the_gallery_shows_the_engines_predictions(qtbot, gallery, digits, trained):
    trainer, snap = trained
    assert (gallery.predicted_classes == -1).all()  # no weights yet: no predictions
    gallery.show_snapshot(snap)
    net = trainer.network
    engine = np.argmax(net.forward(np.asarray(digits.X_val, dtype=net.dtype)), axis=1)
    np.testing.assert_array_equal(gallery.predicted_classes, engine)
    np.testing.assert_array_equal(gallery.true_classes, digits.y_val)
    np.testing.assert_array_equal(gallery.rows, digits.val_index)
    wrong = engine != digits.y_val
    assert wrong.any() and (~wrong).any()  # one epoch: some of each
    labels = gallery.tiles.labels
    for k in (int(np.flatnonzero(wrong)[0]), int(np.flatnonzero(~wrong)[0])):
        t, p = str(digits.y_val[k]), str(engine[k])
        assert labels[k] == (f"{t}→{p}" if wrong[k] else t)
    right = int((~wrong).sum())
    assert gallery.summary.text().startswith(f"{right:,} of {len(wrong):,} right")

    gallery.set_box.setCurrentIndex(gallery.set_box.findData(TRAINING))
    engine = np.argmax(net.forward(np.asarray(digits.X_train, dtype=net.dtype)), axis=1)
    np.testing.assert_array_equal(gallery.predicted_classes, engine)
    np.testing.assert_array_equal(gallery.rows, digits.train_index)


def test_misclassified_first_puts_the_wrong_ones_first_in_set_order(qtbot, gallery, digits, trained):
    trainer, snap = trained
    gallery.show_snapshot(snap)
    net = trainer.network
    engine = np.argmax(net.forward(np.asarray(digits.X_val, dtype=net.dtype)), axis=1)
    wrong = engine != digits.y_val
    qtbot.mouseClick(gallery.wrong_first_box, Qt.MouseButton.LeftButton)
    assert gallery.wrong_first_box.isChecked()
    order = np.concatenate([np.flatnonzero(wrong), np.flatnonzero(~wrong)])
    np.testing.assert_array_equal(gallery.rows, digits.val_index[order])
    np.testing.assert_array_equal(gallery.predicted_classes, engine[order])
    n = int(wrong.sum())
    assert all("→" in t for t in gallery.tiles.labels[:n]) and not any("→" in t for t in gallery.tiles.labels[n:])
    qtbot.mouseClick(gallery.wrong_first_box, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(gallery.rows, digits.val_index)


def test_clicking_an_image_names_its_row_and_the_gallery_scrolls(qtbot, gallery, digits, trained):
    gallery.show_snapshot(trained[1])
    tiles = gallery.tiles
    assert tiles.height() > gallery.scroll.viewport().height()  # 359 images do not fit: it scrolls
    assert gallery.scroll.verticalScrollBar().maximum() > 0
    position = tiles.columns() + 1  # second row, second image
    with qtbot.waitSignal(gallery.sigSampleChosen) as got:
        qtbot.mouseClick(tiles, Qt.MouseButton.LeftButton, pos=tiles.tile_rect(position).center())
    assert got.args == [int(digits.val_index[position])]
    with qtbot.waitSignal(gallery.sigStatus) as status:
        qtbot.mouseMove(tiles, tiles.tile_rect(position).center())
    true, guess = digits.y_val[position], gallery.predicted_classes[position]
    assert status.args[0].startswith(f"Sample #{int(digits.val_index[position])}: a {true}; "
                                     f"the network says {guess}")


def test_views_for_data_that_are_not_images_say_so(qtbot):
    spiral = prepare(DataSpec(name="spiral", n_samples=100))
    for cls in (DigitGalleryView, DrawingPadView):
        v = cls()
        qtbot.addWidget(v)
        v.set_data(spiral)
        v.show()
        assert v.message.isVisible()
        assert "square image" in v.message.text()


def test_a_binary_square_image_csv_is_predicted_as_the_engine_does(qtbot):
    # 4×4 images, pixels −1..3, one sigmoid output: P(class 1) and the engine's z > 0 rule
    rng = np.random.default_rng(3)
    X = rng.integers(-1, 4, (80, 16)).astype(float)
    y = (X[:, :8].sum(axis=1) > X[:, 8:].sum(axis=1)).astype(np.int64)
    data = prepare(DataSpec(source="inline", standardize=True, validation_fraction=0.25),
                   Dataset(X, y, "binary", (), ("dark top", "dark bottom")))
    trainer, snap = _trained(data, 20, hidden=(LayerSpec(5, "elu", alpha=0.5),))
    v = DrawingPadView()
    qtbot.addWidget(v)
    v.resize(500, 360)
    v.set_data(data)
    v.show_snapshot(snap)
    v.show()
    qtbot.waitExposed(v)
    assert (v.pad.lo, v.pad.hi) == (-1.0, 3.0)
    _drag(qtbot, v, [(0, 0), (0, 3)])
    assert v.pad.pixels.reshape(4, 4)[0].tolist() == [3.0, 3.0, 3.0, 3.0]
    assert v.pad.pixels.reshape(4, 4)[1].tolist() == [1.0, 1.0, 1.0, 1.0]  # half way from −1 to 3
    p1 = trainer.network.predict(np.asarray(data.transform(v.pad.pixels[None, :])))[0, 0]
    np.testing.assert_array_equal(v.probabilities, [1.0 - p1, p1])
    z = trainer.network.forward(np.asarray(data.transform(v.pad.pixels[None, :])))[0, 0]
    assert v.prediction == int(z > 0)
    assert v.answer.text().startswith("The network says: dark " + ("bottom" if z > 0 else "top"))


def test_gallery_images_are_the_raw_pixels_made_only_when_painted(qtbot, gallery, digits):
    gallery.repaint()
    images = gallery.tiles.images
    shown = len(images._made)
    assert 0 < shown < len(digits.val_index)  # only the tiles in view were made
    k = 5
    image = images[k]
    raw = digits.raw.X[digits.val_index[k]].reshape(8, 8)
    gray = np.array([[image.pixelColor(x, y).red() for x in range(8)] for y in range(8)])
    np.testing.assert_array_equal(gray, np.round(255 * (1 - raw / 16)))  # ink 16 black, paper 0 white
    with pytest.raises(IndexError):
        images[len(digits.val_index)]


def test_two_softmax_units_give_the_engines_class_probabilities_in_order(qtbot):
    # the same 4×4 images with two softmax units (loss cce): P(class 0), P(class 1) are the
    # engine's softmax outputs in that order, not a sigmoid's (1 − p, p) of the first unit
    rng = np.random.default_rng(4)
    X = rng.integers(0, 4, (80, 16)).astype(float)
    y = (X[:, :8].sum(axis=1) > X[:, 8:].sum(axis=1)).astype(np.int64)
    data = prepare(DataSpec(source="inline", standardize=True, validation_fraction=0.25),
                   Dataset(X, y, "binary", (), ("dark top", "dark bottom")))
    spec = NetworkSpec(data.n_inputs, (LayerSpec(5, "tanh"),), "binary", 2, loss="cce")
    trainer = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01), data)
    trainer.run(epochs=20)
    snap = make_snapshot(trainer)
    v = DrawingPadView()
    qtbot.addWidget(v)
    v.resize(500, 360)
    v.set_data(data)
    v.show_snapshot(snap)
    v.show()
    qtbot.waitExposed(v)
    _drag(qtbot, v, [(3, 0), (3, 3)])
    p = trainer.network.predict(np.asarray(data.transform(v.pad.pixels[None, :])))[0]
    assert p.shape == (2,)
    np.testing.assert_allclose(v.probabilities, p, rtol=0, atol=1e-15)
    assert v.prediction == int(np.argmax(p))
