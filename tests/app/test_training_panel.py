"""The training settings panel: each control lands in doc.config and undoes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnstudio.app.document import Document
from nnstudio.app.panels.training_panel import LIVE_HINT, TrainingPanel
from nnstudio.app.panels.widgets import LogSpinBox


@pytest.fixture
def doc(qtbot):
    d = Document()
    yield d
    d.undo_stack.clear()  # while everything is alive, not from the destructor


@pytest.fixture
def panel(qtbot, doc):
    p = TrainingPanel(doc)
    qtbot.addWidget(p)
    p.resize(360, 900)
    p.show()
    qtbot.waitExposed(p)
    return p


def type_into(qtbot, edit, text: str) -> None:
    line = edit.lineEdit() if hasattr(edit, "lineEdit") else edit
    edit.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def choose(combo, key) -> None:
    combo.setCurrentIndex(combo.findData(key))


def test_live_hint_and_defaults(panel, doc):
    assert panel.live_hint.text() == LIVE_HINT
    assert panel.optimizer.currentData() == "adam"
    assert panel.lr.value() == pytest.approx(0.01)
    assert panel.beta1.placeholderText() == "default 0.9"
    assert panel.beta2.placeholderText() == "default 0.999"
    assert "β₁" in panel.optimizer.toolTip()


@pytest.mark.parametrize("optimizer, shown, hidden", [
    ("sgd", [], ["momentum", "beta1", "beta2", "rho", "eps", "weight_decay"]),
    ("momentum", ["momentum"], ["beta1", "beta2", "rho", "eps", "weight_decay"]),
    ("nesterov", ["momentum"], ["beta1", "rho", "eps"]),
    ("adagrad", ["eps"], ["momentum", "beta1", "rho"]),
    ("rmsprop", ["rho", "eps"], ["momentum", "beta1", "beta2", "weight_decay"]),
    ("adam", ["beta1", "beta2", "eps"], ["momentum", "rho", "weight_decay"]),
    ("adamw", ["beta1", "beta2", "eps", "weight_decay"], ["momentum", "rho"]),
])
def test_optimizer_shows_only_its_settings(panel, doc, optimizer, shown, hidden):
    choose(panel.optimizer, optimizer)
    assert doc.config.optimizer == optimizer
    for name in shown:
        assert panel.is_shown(name), name
        assert getattr(panel, name).isVisible(), name
    for name in hidden:
        assert not panel.is_shown(name), name


def test_optimizer_change_undoes_with_its_widgets(panel, doc):
    choose(panel.optimizer, "momentum")
    assert panel.momentum.isVisible()
    doc.undo_stack.undo()
    assert doc.config.optimizer == "adam"
    assert panel.optimizer.currentData() == "adam"
    assert not panel.momentum.isVisible() and panel.beta1.isVisible()


def test_learning_rate_typed_lands_in_the_config(qtbot, panel, doc):
    type_into(qtbot, panel.lr.spin, "0.3")
    assert doc.config.learning_rate == pytest.approx(0.3)
    assert panel.lr.slider.value() == panel.lr.spin.ladder.index(0.2)  # the nearest step, on a log scale
    doc.undo_stack.undo()
    assert doc.config.learning_rate == pytest.approx(0.01)
    assert panel.lr.spin.value() == pytest.approx(0.01)
    assert panel.lr.spin.text() == "0.01"


def test_learning_rate_steps_one_two_five_and_merges(qtbot, panel, doc):
    panel.lr.spin.stepBy(1)
    assert doc.config.learning_rate == pytest.approx(0.02)
    panel.lr.spin.stepBy(1)
    assert doc.config.learning_rate == pytest.approx(0.05)
    panel.lr.slider.setValue(panel.lr.spin.ladder.index(0.1))
    assert doc.config.learning_rate == pytest.approx(0.1)
    doc.undo_stack.undo()  # one step for the whole series
    assert doc.config.learning_rate == pytest.approx(0.01)


def test_log_spin_box_ladder_and_zero():
    box = LogSpinBox(1e-6, 1.0, allow_zero=True)
    box.setValue(0.0)
    assert box.text() == "0 (off)"
    box.stepBy(1)
    assert box.value() == pytest.approx(1e-6)
    box.setValue(0.003)
    box.stepBy(1)
    assert box.value() == pytest.approx(0.005)
    box.stepBy(-2)
    assert box.value() == pytest.approx(0.001)


def test_momentum_and_optional_betas(qtbot, panel, doc):
    type_into(qtbot, panel.beta1, "0.8")
    assert doc.config.beta1 == pytest.approx(0.8)
    panel.beta1.setFocus()
    panel.beta1.clear()
    qtbot.keyClick(panel.beta1, Qt.Key.Key_Return)
    assert doc.config.beta1 is None
    type_into(qtbot, panel.beta2, "two")
    assert doc.config.beta2 is None
    assert "not a number" in panel.optimizer_error.text()
    type_into(qtbot, panel.beta2, "1.5")
    assert doc.config.beta2 is None
    assert "below 1" in panel.optimizer_error.text()
    assert panel.beta2.text() == ""
    choose(panel.optimizer, "momentum")
    type_into(qtbot, panel.momentum, "0.5")
    assert doc.config.momentum == pytest.approx(0.5)
    doc.undo_stack.undo()
    assert panel.momentum.value() == pytest.approx(0.9)


def test_schedule_settings(qtbot, panel, doc):
    assert not panel.is_shown("decay_rate")
    choose(panel.schedule, "step")
    assert panel.is_shown("decay_rate") and panel.is_shown("decay_epochs")
    type_into(qtbot, panel.decay_epochs, "50")
    assert doc.config.decay_epochs == 50
    assert "every 50 epochs" in panel.schedule_formula.text()
    choose(panel.schedule, "exponential")
    assert panel.is_shown("decay_rate") and not panel.is_shown("decay_epochs")


def test_batch_mode_minibatch_with_size_32(qtbot, panel, doc):
    choose(panel.batch_mode, "full")
    assert doc.config.batch_mode == "full"
    assert not panel.batch_size.isVisible()
    assert "320 of the 320" in panel.batch_text.text()
    choose(panel.batch_mode, "minibatch")
    assert panel.batch_size.isVisible()
    type_into(qtbot, panel.batch_size, "32")
    assert (doc.config.batch_mode, doc.config.batch_size) == ("minibatch", 32)
    assert "10 updates per epoch" in panel.batch_text.text()
    doc.undo_stack.undo()
    assert panel.batch_size.value() == 10
    choose(panel.batch_mode, "sgd")
    assert "Each update uses 1 of" in panel.batch_text.text()


def test_regularisation(qtbot, panel, doc):
    type_into(qtbot, panel.l2, "0.001")
    panel.l1.stepBy(1)
    assert doc.config.l2 == pytest.approx(0.001)
    assert doc.config.l1 == pytest.approx(1e-6)
    doc.undo_stack.undo()
    assert doc.config.l1 == 0.0 and panel.l1.text() == "0 (off)"


def test_early_stopping_patience_settings(qtbot, panel, doc):
    assert not panel.is_shown("patience")
    choose(panel.stopping, "patience")
    assert panel.patience.isVisible() and panel.min_delta.isVisible() and panel.restore_best.isVisible()
    assert not panel.is_shown("target_value")
    type_into(qtbot, panel.patience, "50")
    type_into(qtbot, panel.min_delta, "0.001")
    qtbot.mouseClick(panel.restore_best, Qt.MouseButton.LeftButton)
    c = doc.config
    assert (c.early_stopping, c.patience, c.min_delta, c.restore_best) == ("patience", 50, pytest.approx(0.001), False)
    doc.undo_stack.undo()
    assert panel.restore_best.isChecked()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert panel.patience.value() == 20
    doc.undo_stack.undo()
    assert doc.config.early_stopping == "off" and not panel.patience.isVisible()


def test_early_stopping_target(qtbot, panel, doc):
    choose(panel.stopping, "target")
    assert panel.target_metric.isVisible() and not panel.patience.isVisible()
    choose(panel.target_metric, "val_loss")
    type_into(qtbot, panel.target_value, "0.05")
    assert (doc.config.target_metric, doc.config.target_value) == ("val_loss", pytest.approx(0.05))


def test_seed_and_precision_float32(qtbot, panel, doc):
    type_into(qtbot, panel.seed, "42")
    choose(panel.dtype, "float32")
    assert (doc.config.seed, doc.config.dtype) == (42, "float32")
    doc.undo_stack.undo()
    assert panel.dtype.currentData() == "float64"
    qtbot.mouseClick(panel.new_seed, Qt.MouseButton.LeftButton)
    assert doc.config.seed != 42


def test_a_setting_that_would_need_too_much_memory_is_refused(qtbot):
    from nnstudio.app.document import Document
    from nnstudio.core.errors import SpecError
    from nnstudio.core.specs import LayerSpec

    doc = Document()
    doc.edit_network("Wide", hidden=(LayerSpec(1000, "tanh"),) * 3)
    doc.edit_config("Full batch", batch_mode="full")  # fine on 400 points
    before = doc.state
    with pytest.raises(SpecError, match="the limit is"):
        doc.edit_data("Many points", n_samples=200_000)  # every point through 3 × 1000 at once
    assert doc.state == before
