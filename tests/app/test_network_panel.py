"""The network designer, driven as a learner drives it; the document is the judge."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnstudio.app.document import Document
from nnstudio.app.panels.network_panel import ARCHITECTURE_NOTE, NetworkPanel
from nnstudio.core.memory import estimate_training_memory, format_bytes


@pytest.fixture
def doc(qtbot):
    d = Document()
    yield d
    d.undo_stack.clear()  # while everything is alive, not from the destructor


@pytest.fixture
def panel(qtbot, doc):
    p = NetworkPanel(doc)
    qtbot.addWidget(p)
    p.resize(360, 900)
    p.show()
    qtbot.waitExposed(p)
    return p


def type_into(qtbot, spin, text: str) -> None:
    """Select the spin box's text, type ``text`` and press Enter, as a person would."""
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def units(doc):
    return [h.units for h in doc.network.hidden]


def totals(doc) -> str:
    """The line under the output: parameters and the memory training takes."""
    est = estimate_training_memory(doc.network, doc.config, len(doc.prepared.X_train), len(doc.prepared.X_val))
    return f"{doc.network.n_parameters:,} parameters · about {format_bytes(est.total)} to train"


def test_shows_the_default_network_and_the_architecture_note(panel, doc):
    assert len(panel.cards) == 2
    assert panel.cards[0].units.value() == 8
    assert panel.params_label.text() == totals(doc)
    assert ARCHITECTURE_NOTE in panel.note.text()
    assert "sigmoid" in panel.output_text.text() and "binary" in panel.output_text.text()
    assert panel.loss_text.text() == "Binary cross-entropy"
    assert not panel.loss_combo.isVisible()


def test_add_layer_after_the_last_then_undo(qtbot, panel, doc):
    qtbot.mouseClick(panel.connectors[-1].button, Qt.MouseButton.LeftButton)
    assert units(doc) == [8, 8, 8]
    assert len(panel.cards) == 3
    assert panel.cards[2].title.text() == "Layer 3"
    assert panel.params_label.text() == totals(doc)
    doc.undo_stack.undo()
    assert units(doc) == [8, 8]
    assert panel.layers_box.count() == 5  # connector + 2 × (card, connector)
    assert len(panel.cards) == 2


def test_insert_layer_at_the_front_copies_its_neighbour(qtbot, panel, doc):
    doc.edit_layer(0, "units", units=3)
    qtbot.mouseClick(panel.first_connector.button, Qt.MouseButton.LeftButton)
    assert units(doc) == [3, 3, 8]


def test_remove_layer_then_undo(qtbot, panel, doc):
    doc.edit_layer(1, "units", units=5)
    qtbot.mouseClick(panel.cards[0].remove_button, Qt.MouseButton.LeftButton)
    assert units(doc) == [5]
    assert len(panel.cards) == 1 and panel.cards[0].units.value() == 5
    doc.undo_stack.undo()
    assert units(doc) == [8, 5]
    assert [c.units.value() for c in panel.cards] == [8, 5]


def test_plus_and_minus_neurons_merge_into_one_undo_step(qtbot, panel, doc):
    card = panel.cards[0]
    qtbot.mouseClick(card.plus, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(card.plus, Qt.MouseButton.LeftButton)
    assert units(doc) == [10, 8]
    assert card.units.value() == 10
    assert doc.network.n_inputs == 2 and doc.network.n_parameters == 2 * 10 + 10 + 10 * 8 + 8 + 8 + 1
    doc.undo_stack.undo()
    assert units(doc) == [8, 8]
    assert card.units.value() == 8
    qtbot.mouseClick(panel.cards[1].minus, Qt.MouseButton.LeftButton)
    assert units(doc) == [8, 7]


def test_minus_stops_at_one_neuron(qtbot, panel, doc):
    doc.edit_layer(0, "units", units=1)
    assert not panel.cards[0].minus.isEnabled()


def test_typing_the_number_of_neurons(qtbot, panel, doc):
    type_into(qtbot, panel.cards[1].units, "32")
    assert units(doc) == [8, 32]
    doc.undo_stack.undo()
    assert panel.cards[1].units.value() == 8


def test_activation_change_and_alpha_for_leaky_relu(qtbot, panel, doc):
    card = panel.cards[0]
    assert not card.alpha.isVisible()
    card.activation.setCurrentIndex(card.activation.findData("leaky_relu"))
    assert doc.network.hidden[0].activation == "leaky_relu"
    assert card.alpha.isVisible() and card.alpha.value() == pytest.approx(0.01)
    assert "α" in card.activation.toolTip()
    type_into(qtbot, card.alpha, "0.2")
    assert doc.network.hidden[0].alpha == pytest.approx(0.2)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.network.hidden[0].activation == "tanh"
    assert card.activation.currentData() == "tanh"
    assert not card.alpha.isVisible()


def test_initialiser_and_bias(qtbot, panel, doc):
    card = panel.cards[1]
    card.init.setCurrentIndex(card.init.findData("he_normal"))
    type_into(qtbot, card.bias, "0.1")
    assert doc.network.hidden[1].init == "he_normal"
    assert doc.network.hidden[1].bias_init == pytest.approx(0.1)


def test_dropout_then_undo(qtbot, panel, doc):
    type_into(qtbot, panel.cards[0].dropout, "0.3")
    assert doc.network.hidden[0].dropout == pytest.approx(0.3)
    doc.undo_stack.undo()
    assert doc.network.hidden[0].dropout == 0.0
    assert panel.cards[0].dropout.value() == 0.0


def test_toggle_an_input_feature_and_n_inputs_follows(qtbot, panel, doc):
    chip = panel.chips["x1^2"]
    assert not chip.isChecked()
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert doc.data_spec.features == ("x1", "x2", "x1^2")
    assert doc.network.n_inputs == 3
    assert panel.inputs_count.text() == "3 inputs"
    doc.undo_stack.undo()
    assert doc.network.n_inputs == 2
    assert not chip.isChecked()


def test_the_last_input_cannot_be_switched_off(qtbot, panel, doc):
    qtbot.mouseClick(panel.chips["x1"], Qt.MouseButton.LeftButton)
    assert doc.data_spec.features == ("x2",)
    qtbot.mouseClick(panel.chips["x2"], Qt.MouseButton.LeftButton)
    assert doc.data_spec.features == ("x2",)
    assert panel.chips["x2"].isChecked()
    assert "at least one input" in panel.input_error.text().lower()
    assert panel.input_error.isVisible()


def test_regression_loss_choice_and_huber_delta(qtbot, panel, doc):
    doc.edit_data("plane", name="plane")
    assert panel.loss_combo.isVisible() and not panel.loss_text.isVisible()
    assert "linear" in panel.output_text.text()
    assert not panel.huber.isVisible()
    panel.loss_combo.setCurrentIndex(panel.loss_combo.findData("huber"))
    assert doc.network.loss == "huber"
    assert panel.huber.isVisible()
    type_into(qtbot, panel.huber, "0.5")
    assert doc.network.huber_delta == pytest.approx(0.5)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.network.loss == "mse"
    assert panel.loss_combo.currentData() == "mse"
    assert not panel.huber.isVisible()


def test_data_with_more_columns_lists_its_inputs(qtbot, panel, doc):
    doc.edit_data("iris", source="bundled", name="iris")
    assert not panel.chip_box.isVisible()
    assert "petal_length" in panel.input_names.text()
    assert panel.inputs_count.text() == "4 inputs"
    assert "3 softmax units" in panel.output_text.text()


# ----------------------------------------------------------------- memory
def test_the_totals_say_how_much_memory_training_takes(panel, doc):
    import re

    assert re.fullmatch(r"105 parameters · about \d+(\.\d)? MB to train", panel.params_label.text())
    assert "weights and gradients" in panel.params_label.toolTip()
    assert not panel.memory_warning.isVisible()


def test_typing_too_many_neurons_is_refused_with_the_estimate(qtbot, panel, doc):
    doc.edit_layer(0, "units", units=4096)
    assert units(doc) == [4096, 8] and panel.params_label.text() == totals(doc)
    card = panel.cards[1]
    steps = doc.undo_stack.count()
    with qtbot.assertNotEmitted(doc.sigNetworkChanged):
        type_into(qtbot, card.units, "4096")
    assert units(doc) == [4096, 8] and doc.undo_stack.count() == steps  # not rebuilt, no step
    assert card.units.value() == 8  # back to what the network has
    assert card.error.isVisible()
    message = card.error.text()
    assert message.startswith("this network would need about ") and " GB to train (" in message
    assert "the limit is 2 GB: use fewer or smaller layers" in message
    # a size that fits is taken, and the message goes
    type_into(qtbot, card.units, "16")
    assert units(doc) == [4096, 16] and not card.error.isVisible()


def test_adding_a_layer_too_big_to_train_is_refused_under_the_totals(qtbot, panel, doc):
    doc.edit_layer(0, "units", units=2048)
    doc.edit_layer(1, "units", units=8)
    with qtbot.assertNotEmitted(doc.sigNetworkChanged):
        qtbot.mouseClick(panel.connectors[0].button, Qt.MouseButton.LeftButton)  # a copy of layer 1
    assert units(doc) == [2048, 8] and len(panel.cards) == 2
    assert panel.network_error.isVisible()
    assert panel.network_error.text().startswith("this network would need about ")
    qtbot.mouseClick(panel.connectors[-1].button, Qt.MouseButton.LeftButton)  # 8 more neurons fit
    assert units(doc) == [2048, 8, 8] and not panel.network_error.isVisible()


def test_other_settings_that_would_make_the_network_too_big_are_refused(qtbot, panel, doc):
    from nnstudio.core.memory import MemoryLimitError

    doc.edit_layer(0, "units", units=4096)
    doc.edit_data("more points", n_samples=4_000)
    before = doc.state
    with pytest.raises(MemoryLimitError, match="the limit is"):
        doc.edit_data("many more points", n_samples=50_000)  # 10,000 validation points through 4096 neurons
    assert doc.state == before and not panel.memory_warning.isVisible()


# ----------------------------------------------------------------- all hidden layers
def choose(qtbot, combo, key) -> None:
    """Pick ``key`` in a combo box as a person would: focus it, then choose the item."""
    combo.setFocus()
    combo.setCurrentIndex(combo.findData(key))


def test_one_choice_sets_every_hidden_layer_and_one_undo_restores_them(qtbot, panel, doc):
    for _ in range(4):
        qtbot.mouseClick(panel.connectors[-1].button, Qt.MouseButton.LeftButton)
    assert [(h.activation, h.init) for h in doc.network.hidden] == [("tanh", "glorot_uniform")] * 6
    combo = panel.all_layers.activation
    assert combo.currentData() == "tanh" and panel.all_layers.init.currentData() == "glorot_uniform"
    steps = doc.undo_stack.count()
    combo.setFocus()
    qtbot.keyClicks(combo, "R")  # the keyboard picks the first item starting with R: ReLU
    assert [(h.activation, h.init) for h in doc.network.hidden] == [("relu", "he_uniform")] * 6
    assert doc.undo_stack.count() == steps + 1 and doc.undo_stack.undoText() == "All layers: ReLU"
    assert [c.activation.currentData() for c in panel.cards] == ["relu"] * 6
    assert panel.all_layers.init.currentData() == "he_uniform"
    doc.undo_stack.undo()
    assert [(h.activation, h.init) for h in doc.network.hidden] == [("tanh", "glorot_uniform")] * 6
    assert combo.currentData() == "tanh"


def test_the_initialiser_for_all_layers(qtbot, panel, doc):
    choose(qtbot, panel.all_layers.init, "lecun_normal")
    assert [h.init for h in doc.network.hidden] == ["lecun_normal"] * 2
    assert doc.undo_stack.undoText() == "All layers: LeCun normal weights"


def test_an_initialiser_the_learner_chose_stays_when_the_activation_changes(qtbot, panel, doc):
    first, second = panel.cards
    choose(qtbot, first.init, "lecun_normal")  # chosen by hand for a tanh layer
    choose(qtbot, first.activation, "relu")
    assert (doc.network.hidden[0].activation, doc.network.hidden[0].init) == ("relu", "lecun_normal")
    choose(qtbot, second.activation, "relu")  # Glorot was tanh's own: it follows to He
    assert (doc.network.hidden[1].activation, doc.network.hidden[1].init) == ("relu", "he_uniform")
    choose(qtbot, panel.all_layers.activation, "elu")
    assert [(h.activation, h.init) for h in doc.network.hidden] == [("elu", "lecun_normal"), ("elu", "he_uniform")]
    assert first.init.currentData() == "lecun_normal"


def test_layers_that_differ_show_mixed(qtbot, panel, doc):
    combo = panel.all_layers.activation
    choose(qtbot, panel.cards[1].activation, "relu")
    assert combo.currentIndex() == -1 and combo.placeholderText() == "mixed"
    assert combo.findText("mixed") == -1  # a state shown, not a choice
    assert panel.all_layers.init.currentIndex() == -1  # the ReLU layer's weights followed to He
    assert "different activations" in combo.toolTip()
    choose(qtbot, panel.cards[1].activation, "tanh")
    assert combo.currentData() == "tanh" and panel.all_layers.init.currentData() == "glorot_uniform"
    # with no hidden layer there is nothing to set
    panel.remove_layer(0)
    panel.remove_layer(0)
    assert not panel.all_layers.isVisible()


@pytest.mark.parametrize("init, old, new, expected", [
    ("glorot_uniform", "tanh", "relu", "he_uniform"),
    ("glorot_normal", "sigmoid", "gelu", "he_normal"),
    ("he_normal", "relu", "tanh", "glorot_normal"),
    ("he_uniform", "leaky_relu", "selu", "lecun_normal"),
    ("lecun_normal", "selu", "swish", "he_normal"),
    ("glorot_uniform", "softplus", "linear", "glorot_uniform"),
    ("lecun_normal", "tanh", "relu", "lecun_normal"),  # chosen by hand
    ("he_uniform", "tanh", "relu", "he_uniform"),  # chosen by hand (He for tanh) and still kept
    ("zeros", "relu", "tanh", "zeros"),
    ("standard", "elu", "selu", "standard"),
])
def test_the_initialiser_follows_the_activation_unless_chosen(init, old, new, expected):
    from nnstudio.app.panels.layer_cards import SUITED_INIT, init_after_activation_change
    from nnstudio.core.activations import ACTIVATIONS

    assert set(SUITED_INIT) == set(ACTIVATIONS)
    assert init_after_activation_change(init, old, new) == expected


@pytest.mark.parametrize("width", [250, 265, 360])
def test_every_input_chip_shows_its_whole_label_in_a_narrow_panel(qtbot, panel, width):
    # 250–265 px is the panel's width in the Inspect workspace on a 1280×800 screen
    panel.resize(width, 900)
    qtbot.wait(50)
    assert panel.chip_box.isVisible()
    for key, chip in panel.chips.items():
        assert chip.isVisible()
        assert chip.width() >= chip.sizeHint().width(), f"{chip.text()!r} is cut: {chip.width()} px"
