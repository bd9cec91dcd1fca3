"""The settings panels show exactly the values the run trains with.

A project file, a share string, a lesson or the command line can hold settings the core
accepts but a panel's box was not made for: beyond its usual range (a slope of 500 in a
box of ±20, a seed above 2³¹−1) or finer than its decimals (momentum 0.9995 in a box of
three decimals). The panels must show such a value as it is (not clipped or rounded), and
editing another setting must leave it as it is in the document.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from nnstudio.app.document import DocState, default_state
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.specs import LayerSpec, NetworkSpec

from window_helpers import discard_and_close, open_window

#: training settings the panel's boxes were not made for (field → value)
ODD_CONFIG = dict(learning_rate=50.0, momentum=0.9995, decay_rate=0.0005, min_delta=250.0,
                  target_value=2e6, l1=3.0, l2=1e-7, weight_decay=5.0, seed=2**40 + 3)
#: optimizer settings shown as text ("default" when empty)
ODD_OPTIONAL = dict(beta2=0.9999995, eps=1.23456789e-8)


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot)
    yield w
    discard_and_close(w)


def shown(widget) -> tuple[float, str]:
    """(the value a settings widget gives, the number its text shows)."""
    if hasattr(widget, "slider") and hasattr(widget, "label"):  # LabelledSlider
        return widget.value(), widget.label.text()
    if hasattr(widget, "spin"):  # LogControl
        widget = widget.spin
    text = widget.cleanText() if hasattr(widget, "cleanText") else widget.lineEdit().text()
    return widget.value(), text.replace(",", "")


def assert_shows(widget, expected: float, name: str) -> None:
    value, text = shown(widget)
    assert value == expected, f"{name}: the box holds {value!r}, the document {expected!r}"
    assert float(text) == expected, f"{name}: the box shows {text!r}, the document holds {expected!r}"


def odd_training_state() -> DocState:
    base = default_state()
    config = replace(base.config, optimizer="momentum", schedule="exponential", early_stopping="target",
                     **ODD_CONFIG, **ODD_OPTIONAL)
    return replace(base, config=config)


def odd_data_state() -> DocState:
    base = default_state()
    data = DataSpec(source="generator", name="line", n_samples=200, noise=0.125, seed=2**40 + 7,
                    validation_fraction=0.125, slope=500.0)
    network = NetworkSpec(n_inputs=1, hidden=(LayerSpec(8, "leaky_relu", "he_uniform", bias_init=50.0,
                                                        dropout=0.95, alpha=-0.5),
                                              LayerSpec(4, "tanh", bias_init=0.125, dropout=0.125)),
                          task="regression", loss="huber", huber_delta=5000.0)
    return replace(base, data=data, network=network)


def type_into(qtbot, box, text: str) -> None:
    line = box.lineEdit()
    box.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def press_enter_in(qtbot, box) -> None:
    """Focus a field and press Enter without typing: what it shows is taken again."""
    line = box.lineEdit() if hasattr(box, "lineEdit") else box
    box.setFocus()
    qtbot.keyClick(line, Qt.Key.Key_Return)


def check_training_panel(w) -> None:
    tp = w.training_panel
    boxes = {"learning_rate": tp.lr, "momentum": tp.momentum, "decay_rate": tp.decay_rate,
             "min_delta": tp.min_delta, "target_value": tp.target_value, "l1": tp.l1, "l2": tp.l2,
             "weight_decay": tp.weight_decay, "seed": tp.seed}
    for field, box in boxes.items():
        assert_shows(box, getattr(w.doc.config, field), field)
    for field in ODD_OPTIONAL:
        assert float(getattr(tp, field).text()) == getattr(w.doc.config, field), field


def test_training_panel_shows_values_beyond_its_boxes(window):
    window.doc.replace_all(odd_training_state(), None)
    assert window.doc.config.momentum == 0.9995  # the core keeps them
    check_training_panel(window)
    tp = window.training_panel
    assert tp.momentum.cleanText() == "0.9995"
    assert tp.seed.text() == str(2**40 + 3)
    assert tp.beta2.text() == "0.9999995" and tp.eps.text() == "1.23456789e-08"
    # the schedule's sentence too says the γ it decays by
    window.doc.replace_all(replace(odd_training_state(), config=replace(window.doc.config, decay_rate=0.1234567)),
                           None)
    assert tp.decay_rate.cleanText() == "0.1234567"
    assert "multiplied by 0.1234567 every epoch" in tp.schedule_formula.text()


def test_training_panel_values_survive_other_edits_and_enter(window, qtbot):
    """Editing the batch size, or pressing Enter in a field showing such a value, leaves
    every other setting as the document holds it."""
    w = window
    w.doc.replace_all(odd_training_state(), None)
    before = w.doc.config
    tp = w.training_panel
    type_into(qtbot, tp.batch_size, "32")
    assert w.doc.config == replace(before, batch_size=32)
    for box in (tp.lr.spin, tp.momentum, tp.decay_rate, tp.min_delta, tp.target_value, tp.l1, tp.l2,
                tp.weight_decay, tp.seed, tp.beta2, tp.eps):
        press_enter_in(qtbot, box)
    assert w.doc.config == replace(before, batch_size=32)
    check_training_panel(w)
    w.doc.undo_stack.undo()
    assert w.doc.config == before
    check_training_panel(w)


def test_a_learners_edit_goes_back_to_the_usual_box(window, qtbot):
    w = window
    w.doc.replace_all(odd_training_state(), None)
    tp = w.training_panel
    type_into(qtbot, tp.momentum, "0.5")
    assert w.doc.config.momentum == 0.5
    assert tp.momentum.cleanText() == "0.500" and tp.momentum.maximum() == 0.999
    w.doc.undo_stack.undo()
    assert tp.momentum.cleanText() == "0.9995"


def check_data_and_network(w) -> None:
    dp, np_ = w.data_panel, w.network_panel
    spec = w.doc.data_spec
    assert_shows(dp.noise, spec.noise, "noise")
    assert_shows(dp.seed, spec.seed, "data seed")
    assert_shows(dp.slope, spec.slope, "slope")
    value, text = shown(dp.validation)
    assert value / 100 == spec.validation_fraction and float(text) / 100 == spec.validation_fraction
    assert_shows(np_.huber, w.doc.network.huber_delta, "huber δ")
    for card, layer in zip(np_.cards, w.doc.network.hidden, strict=True):
        assert_shows(card.bias, layer.bias_init, "bias")
        assert_shows(card.dropout, layer.dropout, "dropout")
        if layer.alpha is not None:
            assert_shows(card.alpha, layer.alpha, "α")


def test_data_and_network_panels_show_values_beyond_their_boxes(window):
    w = window
    w.doc.replace_all(odd_data_state(), None)
    assert w.doc.data_spec.slope == 500.0 and w.doc.network.hidden[0].dropout == 0.95
    check_data_and_network(w)
    assert w.data_panel.noise.label.text() == "0.125"
    assert w.data_panel.validation.text() == "12.5 %"
    assert w.network_panel.cards[0].alpha.cleanText() == "-0.5"


def test_data_and_network_values_survive_other_edits(window, qtbot):
    w = window
    w.doc.replace_all(odd_data_state(), None)
    before = w.doc.state
    type_into(qtbot, w.data_panel.samples, "300")  # a data edit: the network is rebuilt
    assert w.doc.data_spec == replace(before.data, n_samples=300)
    assert w.doc.network == before.network
    card = w.network_panel.cards[1]
    type_into(qtbot, card.units, "6")
    assert w.doc.network.hidden[0] == before.network.hidden[0]
    assert w.doc.network.hidden[1] == replace(before.network.hidden[1], units=6)
    assert w.doc.network.huber_delta == 5000.0
    for box in (w.data_panel.slope, w.data_panel.validation, w.data_panel.seed, w.network_panel.huber,
                w.network_panel.cards[0].bias, w.network_panel.cards[0].dropout, w.network_panel.cards[0].alpha):
        press_enter_in(qtbot, box)
    assert w.doc.data_spec == replace(before.data, n_samples=300)
    assert w.doc.network.hidden[0] == before.network.hidden[0]
    check_data_and_network(w)


def test_values_from_a_project_file(window, tmp_path):
    """Through the real open path: a saved project with such values opens as it was."""
    w = window
    state = odd_data_state()
    # an edit, as a lesson or a pasted share string makes: the training engine takes it
    w.doc.edit("Odd values", network=state.network, data=state.data, config=odd_training_state().config)
    path = str(tmp_path / "odd.nnproj")
    assert w.files.save_to(path)
    w.doc.replace_all(default_state(), None)
    assert w.files.open(path)
    assert w.doc.config.momentum == 0.9995 and w.doc.data_spec.slope == 500.0
    check_training_panel(w)
    check_data_and_network(w)


def test_extreme_values_fit_the_panel(window):
    """A bias of 1e300 or a learning rate of 1e-300 is shown short, and does not widen the panel."""
    w = window
    base = odd_data_state()
    hidden = (replace(base.network.hidden[0], bias_init=1e300), base.network.hidden[1])
    config = replace(base.config, learning_rate=1e-300, target_value=-1.5e200, early_stopping="target")
    w.doc.replace_all(replace(base, network=replace(base.network, hidden=hidden), config=config), None)
    card = w.network_panel.cards[0]
    assert card.bias.cleanText() == "1e+300"
    assert w.training_panel.lr.spin.cleanText() == "1e-300"
    assert w.training_panel.target_value.cleanText() == "-1.5e+200"
    assert_shows(card.bias, 1e300, "bias")
    assert_shows(w.training_panel.target_value, -1.5e200, "target")
    for box in (card.bias, w.training_panel.target_value, w.training_panel.lr.spin):
        assert box.minimumSizeHint().width() <= 160  # a panel is 260 px wide at least


def test_a_seed_beyond_32_bits_can_be_typed(window, qtbot):
    w = window
    type_into(qtbot, w.training_panel.seed, str(2**63 - 1))
    assert w.doc.config.seed == 2**63 - 1
    assert w.training_panel.seed.text() == str(2**63 - 1)
    type_into(qtbot, w.data_panel.seed, str(2**40))
    assert w.doc.data_spec.seed == 2**40
    type_into(qtbot, w.training_panel.seed, "12x")  # a letter is refused as it is typed
    assert w.doc.config.seed == 12


def test_moving_the_noise_slider_takes_its_step(window, qtbot):
    """Between the slider's steps the label shows the exact noise; moving it takes a step."""
    w = window
    w.doc.replace_all(odd_data_state(), None)
    slider = w.data_panel.noise.slider
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert w.doc.data_spec.noise == 0.13
    assert w.data_panel.noise.label.text() == "0.13"
    w.doc.undo_stack.undo()
    assert w.data_panel.noise.label.text() == "0.125" and w.data_panel.noise.value() == 0.125
