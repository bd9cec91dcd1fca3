"""The network designer, driven as a learner drives it; the document is the judge."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnstudio.app.document import Document
from nnstudio.app.panels.network_panel import ARCHITECTURE_NOTE, NetworkPanel


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


def test_shows_the_default_network_and_the_architecture_note(panel, doc):
    assert len(panel.cards) == 2
    assert panel.cards[0].units.value() == 8
    assert panel.params_label.text() == f"{doc.network.n_parameters:,} parameters"
    assert ARCHITECTURE_NOTE in panel.note.text()
    assert "sigmoid" in panel.output_text.text() and "binary" in panel.output_text.text()
    assert panel.loss_text.text() == "Binary cross-entropy"
    assert not panel.loss_combo.isVisible()


def test_add_layer_after_the_last_then_undo(qtbot, panel, doc):
    qtbot.mouseClick(panel.connectors[-1].button, Qt.MouseButton.LeftButton)
    assert units(doc) == [8, 8, 8]
    assert len(panel.cards) == 3
    assert panel.cards[2].title.text() == "Layer 3"
    assert panel.params_label.text() == f"{doc.network.n_parameters:,} parameters"
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
