"""Compare…: the learner changes run B's settings in the form or as text; the preview names
B's legend and starting weights; only valid changes can be started, and what the dialog
returns makes exactly the B asked for."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QDialog, QFrame, QLabel, QLineEdit, QPushButton

from nnstudio.app.compare_dialog import EMPTY_HINT, SAME_AS_A, CompareDialog
from nnstudio.app.compare_text import changes_text, value_text
from nnstudio.app.document import default_state
from nnstudio.core.run_changes import RunChanges
from nnstudio.core.safetext import MESSAGE_LIMIT
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig

from comparison_snapshots import comparison_for

SPEC = NetworkSpec()  # 2 inputs, 8-8 tanh, one sigmoid unit
CONFIG = TrainConfig()  # SGD, η 0.03, mini-batches of 10


def _dialog(qtbot, spec: NetworkSpec = SPEC, config: TrainConfig = CONFIG, **kw) -> CompareDialog:
    dialog = CompareDialog(spec, config, **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _edit(d: CompareDialog, key: str) -> QLineEdit:
    return d.findChild(QLineEdit, f"b:{key}")


def _combo(d: CompareDialog, key: str) -> QComboBox:
    return d.findChild(QComboBox, f"b:{key}")


def _tick(d: CompareDialog, key: str) -> QCheckBox:
    return d.findChild(QCheckBox, f"change:{key}")


def _click_tick(qtbot, d: CompareDialog, key: str) -> None:
    """Click the row's tick box (on the box itself: a short title leaves the cell's middle empty)."""
    box = _tick(d, key)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def _a(d: CompareDialog, key: str) -> str:
    return d.findChild(QLabel, f"a:{key}").text()


def _type(qtbot, edit: QLineEdit, text: str) -> None:
    """Click into the field, select what is there and type over it."""
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)


def _paste(qtbot, edit: QLineEdit, text: str) -> None:
    QApplication.clipboard().setText(text)
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def _choose(qtbot, combo: QComboBox, text: str) -> None:
    """Open the list and click the item, as a person does."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    rect = view.visualRect(view.model().index(index, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible())
    assert combo.currentText() == text


def _ok(d: CompareDialog) -> QPushButton:
    return d.ok_button


def _b(d: CompareDialog) -> tuple[NetworkSpec, TrainConfig]:
    """B's settings made from what the dialog returns, as the engine will make them."""
    return RunChanges.parse(d.changes_text()).apply(d.spec, d.config)


def _shown_error(d: CompareDialog) -> str:
    assert d.error.isVisible() and not d.ok_button.isEnabled() and d.changes_text() == ""
    assert not d.legend.isVisible()
    return d.error.text()


# ---------------------------------------------------------------------- opening
def test_every_row_shows_A_and_nothing_is_changed_yet(qtbot):
    spec = NetworkSpec(hidden=(LayerSpec(8, "tanh", "he_uniform", dropout=0.1), LayerSpec(8, "relu", "he_uniform")))
    config = TrainConfig(optimizer="momentum", learning_rate=0.05, momentum=0.8, l2=0.001, seed=3)
    d = _dialog(qtbot, spec, config)
    assert [_a(d, k) for k in ("learning_rate", "optimizer", "momentum", "batch_mode", "batch_size", "activation",
                               "init", "dropout", "l1", "l2", "hidden", "seed", "loss")] == [
        "0.05", "Momentum", "0.8", "Mini-batch", "10", "Tanh, ReLU", "He / Kaiming uniform", "0.1, 0", "0",
        "0.001", "8, 8", "3", "One sigmoid unit (bce)"]
    assert [_edit(d, k).text() for k in ("learning_rate", "momentum", "dropout", "hidden", "seed")] == [
        "0.05", "0.8", "0.1,0", "8,8", "3"]
    assert _combo(d, "activation").currentText() == "Tanh, ReLU (per layer)"
    assert _combo(d, "optimizer").currentText() == "Momentum"
    assert not any(_tick(d, k).isChecked() for k in d.rows)
    assert d.note.text() == EMPTY_HINT and not d.error.isVisible()
    assert not _ok(d).isEnabled() and d.changes_text() == "" and d.changes() is None


def test_two_classes_offer_only_their_two_outputs_and_many_classes_none(qtbot):
    d = _dialog(qtbot)
    combo = _combo(d, "loss")
    assert [combo.itemText(i) for i in range(combo.count())] == ["One sigmoid unit (bce)", "Two softmax units (cce)"]
    multi = _dialog(qtbot, NetworkSpec(task="multiclass", n_outputs=3))
    assert _combo(multi, "loss") is None and _tick(multi, "loss") is None
    reg = _dialog(qtbot, NetworkSpec(task="regression"))
    combo = _combo(reg, "loss")
    assert [combo.itemData(i) for i in range(combo.count())] == ["mse", "mae", "huber"]


# ---------------------------------------------------------------------- the form
def test_typing_a_learning_rate_makes_it_B_s_change(qtbot):
    d = _dialog(qtbot)
    _type(qtbot, _edit(d, "learning_rate"), "0.3")
    assert _tick(d, "learning_rate").isChecked() and _tick(d, "learning_rate").font().bold()
    assert d.text.text() == "lr=0.3" and d.changes_text() == "lr=0.3"
    assert d.legend.text() == "B: η = 0.3"
    assert d.note.text() == ("A's weights: B goes on from A's present weights and sees the same batches "
                             "in the same order.")
    assert _ok(d).isEnabled()
    assert _b(d) == (SPEC, CONFIG.replace(learning_rate=0.3))


def test_typing_A_s_value_back_or_unticking_takes_the_change_back(qtbot):
    d = _dialog(qtbot)
    edit = _edit(d, "learning_rate")
    _type(qtbot, edit, "0.3")
    _type(qtbot, edit, "0.030")  # A's η written another way
    assert not _tick(d, "learning_rate").isChecked() and d.text.text() == ""
    assert not _ok(d).isEnabled() and d.note.text() == EMPTY_HINT
    _type(qtbot, _edit(d, "l2"), "0.01")
    _type(qtbot, edit, "0.1")
    assert d.changes_text() == "lr=0.1 l2=0.01"
    _click_tick(qtbot, d, "learning_rate")  # untick: A's η again
    assert edit.text() == "0.03" and d.changes_text() == "l2=0.01" and d.legend.text() == "B: L2 λ = 0.01"
    assert _b(d) == (SPEC, CONFIG.replace(l2=0.01))
    _click_tick(qtbot, d, "l2")
    _click_tick(qtbot, d, "seed")  # ticked but still A's seed
    assert _tick(d, "seed").isChecked() and d.text.text() == "seed=0"
    assert _shown_error(d) == SAME_AS_A


def test_momentum_is_offered_with_an_optimizer_that_uses_it(qtbot):
    d = _dialog(qtbot)
    assert not _edit(d, "momentum").isEnabled()  # SGD has no μ
    _choose(qtbot, _combo(d, "optimizer"), "Nesterov momentum")
    assert _edit(d, "momentum").isEnabled()
    _type(qtbot, _edit(d, "momentum"), "0.5")
    assert d.changes_text() == "optimizer=nesterov momentum=0.5"
    assert d.legend.text() == "B: Nesterov momentum instead of Gradient descent (SGD), μ = 0.5"
    assert d.note.text().endswith("; its optimizer (Nesterov momentum) starts with empty memory.")
    assert _b(d) == (SPEC, CONFIG.replace(optimizer="nesterov", momentum=0.5))


def test_batch_mode_and_size(qtbot):
    d = _dialog(qtbot)
    _type(qtbot, _edit(d, "batch_size"), "32")
    assert _b(d) == (SPEC, CONFIG.replace(batch_size=32))
    _click_tick(qtbot, d, "batch_size")
    _choose(qtbot, _combo(d, "batch_mode"), "Full batch")
    assert not _edit(d, "batch_size").isEnabled()  # a full batch has no size to choose
    assert d.legend.text() == "B: full batch instead of mini-batch"
    assert _b(d) == (SPEC, CONFIG.replace(batch_mode="full"))


def test_a_new_architecture_and_activation_give_new_weights(qtbot):
    d = _dialog(qtbot, iteration=120)
    _type(qtbot, _edit(d, "hidden"), "16, 16, 4")
    _choose(qtbot, _combo(d, "activation"), "ReLU")
    assert d.changes_text() == "activation=relu hidden=16,16,4"
    assert d.legend.text() == "B: ReLU instead of Tanh, hidden 16–16–4 instead of 8–8"
    assert d.note.text() == ("New weights: B has another architecture, drawn afresh from seed 0 and trained "
                             "with its settings from iteration 0 to iteration 120.")
    spec_b, config_b = _b(d)
    assert spec_b == SPEC.replace(hidden=(LayerSpec(16, "relu"), LayerSpec(16, "relu"), LayerSpec(4, "relu")))
    assert config_b == CONFIG


def test_the_two_class_output_and_per_layer_dropout(qtbot):
    d = _dialog(qtbot)
    _choose(qtbot, _combo(d, "loss"), "Two softmax units (cce)")
    _type(qtbot, _edit(d, "dropout"), "0, 0.25")
    assert d.changes_text() == "dropout=0,0.25 loss=cce"
    assert d.legend.text() == ("B: dropout = 0, 0.25, two softmax units (cce) instead of one sigmoid unit (bce)")
    assert d.note.text().startswith("New weights: B has another architecture")
    assert _b(d) == (SPEC.replace(hidden=(LayerSpec(8), LayerSpec(8, dropout=0.25)), loss="cce", n_outputs=2),
                     CONFIG)


def test_the_seed_and_initialiser_give_other_initial_weights(qtbot):
    d = _dialog(qtbot)
    _choose(qtbot, _combo(d, "init"), "He / Kaiming normal")
    _type(qtbot, _edit(d, "seed"), "7")
    assert d.note.text() == "New weights: B has other initial weights, drawn afresh from seed 7."
    assert _b(d) == (SPEC.replace(hidden=(LayerSpec(8, init="he_normal"),) * 2), CONFIG.replace(seed=7))


def test_quick_changes_fill_the_form_from_A_s_values(qtbot):
    d = _dialog(qtbot, config=CONFIG.replace(optimizer="adam", learning_rate=0.002))
    assert not d.preset_buttons["Adam"].isEnabled()  # A already uses Adam
    for _ in range(2):  # ten times A's η, however often it is pressed
        qtbot.mouseClick(d.preset_buttons["η × 10"], Qt.MouseButton.LeftButton)
    assert _edit(d, "learning_rate").text() == "0.02" and _tick(d, "learning_rate").isChecked()
    qtbot.mouseClick(d.preset_buttons["ReLU + He"], Qt.MouseButton.LeftButton)
    assert _combo(d, "activation").currentText() == "ReLU"
    assert _combo(d, "init").currentText() == "He / Kaiming uniform"
    assert d.changes_text() == "lr=0.02 activation=relu init=he_uniform"
    spec_b, config_b = _b(d)
    assert spec_b.hidden == (LayerSpec(8, "relu", "he_uniform"),) * 2 and config_b.learning_rate == 0.02
    qtbot.mouseClick(d.preset_buttons["L2 = 0.01"], Qt.MouseButton.LeftButton)
    assert _b(d)[1].l2 == 0.01
    qtbot.mouseClick(d.clear_button, Qt.MouseButton.LeftButton)
    assert d.changes_text() == "" and d.text.text() == "" and not any(_tick(d, k).isChecked() for k in d.rows)
    assert _edit(d, "learning_rate").text() == "0.002" and not _ok(d).isEnabled()


def test_quick_changes_that_do_not_apply_are_disabled(qtbot):
    d = _dialog(qtbot, NetworkSpec(hidden=()), CONFIG.replace(l2=0.01, batch_mode="full"))
    off = {name for name, button in d.preset_buttons.items() if not button.isEnabled()}
    assert off == {"ReLU + He", "Dropout 0.2", "L2 = 0.01", "Full batch"}
    assert _a(d, "activation") == "no hidden layer" and not _combo(d, "activation").isEnabled()
    _type(qtbot, _edit(d, "hidden"), "4")  # with a hidden layer, its settings can change
    assert _combo(d, "activation").isEnabled()
    _choose(qtbot, _combo(d, "activation"), "Sigmoid")
    assert _b(d)[0].hidden == (LayerSpec(4, "sigmoid"),)


# ---------------------------------------------------------------------- the text
def test_typed_text_fills_the_form(qtbot):
    d = _dialog(qtbot)
    _type(qtbot, d.text, "eta=0.3; optimiser=adam beta1=0.8")
    assert _edit(d, "learning_rate").text() == "0.3" and _tick(d, "learning_rate").isChecked()
    assert _combo(d, "optimizer").currentText() == "Adam" and _tick(d, "optimizer").isChecked()
    assert d.legend.text() == "B: η = 0.3, Adam instead of Gradient descent (SGD), β₁ = 0.8"
    assert d.text.text() == "eta=0.3; optimiser=adam beta1=0.8"  # what is typed stays as typed
    assert d.changes_text() == "lr=0.3 optimizer=adam beta1=0.8"
    assert _b(d) == (SPEC, CONFIG.replace(learning_rate=0.3, optimizer="adam", beta1=0.8))
    # a setting without a row stays in the text when the form changes
    _type(qtbot, _edit(d, "l1"), "0.001")
    assert d.text.text() == "lr=0.3 optimizer=adam l1=0.001 beta1=0.8"
    # taking a setting out of the text unticks its row
    _type(qtbot, d.text, "l1=0.001")
    assert not _tick(d, "learning_rate").isChecked() and _edit(d, "learning_rate").text() == "0.03"
    assert _combo(d, "optimizer").currentText() == "Gradient descent (SGD)"
    assert _b(d) == (SPEC, CONFIG.replace(l1=0.001))


def test_per_layer_values_typed_as_text_show_in_the_form(qtbot):
    d = _dialog(qtbot)
    _type(qtbot, d.text, "activation=relu,sigmoid")
    assert _combo(d, "activation").currentText() == "ReLU, Sigmoid (per layer)"
    assert _b(d)[0].hidden == (LayerSpec(8, "relu"), LayerSpec(8, "sigmoid"))
    _choose(qtbot, _combo(d, "activation"), "ELU")
    assert d.changes_text() == "activation=elu"


def test_the_text_is_read_back_exactly(qtbot):
    d = _dialog(qtbot)
    _type(qtbot, d.text, "lr=0.30000000000000004 l2=1e-05 dropout=0.1,0.2 alpha=none hidden=4,4 seed=12")
    changes = RunChanges.parse(d.changes_text())
    assert changes == d.changes()
    assert dict(changes.items)["learning_rate"] == 0.1 + 0.2  # not rounded to 0.3
    assert d.changes_text() == "lr=0.30000000000000004 l2=1e-05 dropout=0.1,0.2 alpha=none hidden=4,4 seed=12"
    assert changes_text(changes) == d.changes_text()
    assert value_text(()) == "none" and RunChanges.parse("hidden=none").items == (("hidden", ()),)


# ---------------------------------------------------------------------- refusals
@pytest.mark.parametrize("typed, message", [
    ("lr=abc", "learning_rate must be a number, not 'abc'"),
    ("lr=-1", "the learning rate must be greater than 0, not -1.0"),
    ("hidden=8,0", "a layer needs at least 1 neuron"),
    ("hidden=5000", "a layer can have at most 4096 neurons, not 5000"),
    ("dropout=1", "dropout is the probability of dropping a neuron: it must be at least 0 and below 1, not 1.0"),
    ("dropout=0.1,0.2,0.3", "dropout has 3 values but the network has 2 hidden layer(s)"),
    ("colour=red", "unknown setting 'colour' to compare"),
    ("lr", "'lr' is not a change; write setting=value, e.g. lr=0.3"),
    ("lr=0.3 lr=0.4", "learning_rate is changed twice"),
    ("lr=0.03", SAME_AS_A),
    ("loss=mse", "the mse loss does not fit a binary task"),
])
def test_invalid_text_is_said_inline_and_cannot_be_started(qtbot, typed, message):
    d = _dialog(qtbot)
    _type(qtbot, d.text, typed)
    assert _shown_error(d).startswith(message)
    qtbot.keyClick(d.text, Qt.Key.Key_Return)  # Enter does not start an invalid B
    assert d.isVisible() and d.result() == 0
    _type(qtbot, d.text, "lr=0.3")  # fixed: valid again
    assert _ok(d).isEnabled() and not d.error.isVisible() and d.legend.text() == "B: η = 0.3"


def test_a_bad_value_in_a_field_is_shown_in_its_row(qtbot):
    d = _dialog(qtbot)
    _type(qtbot, _edit(d, "learning_rate"), "abc")
    assert _shown_error(d) == "learning_rate must be a number, not 'abc'"
    assert _tick(d, "learning_rate").isChecked() and d.text.text() == "lr=abc"
    red = _edit(d, "learning_rate").palette().color(_edit(d, "learning_rate").foregroundRole())
    assert red != _edit(d, "l2").palette().color(_edit(d, "l2").foregroundRole())
    _type(qtbot, _edit(d, "learning_rate"), "0.3;seed=5")  # a field holds one value, never more changes
    assert _shown_error(d) == "Learning rate η must be one value, not '0.3;seed=5'"
    _type(qtbot, _edit(d, "learning_rate"), "")
    assert _shown_error(d) == "Learning rate η: type B's value"
    _type(qtbot, d.text, "lr=abc l2=0.5")  # typed text that fails shows what it can in the form
    assert _edit(d, "learning_rate").text() == "abc" and _edit(d, "l2").text() == "0.5"
    assert _shown_error(d) == "learning_rate must be a number, not 'abc'"


def test_no_hidden_layer_is_a_valid_B(qtbot):
    # hidden=0 (or none) is RunChanges' way to say "no hidden layer", as on the command line
    d = _dialog(qtbot)
    _type(qtbot, _edit(d, "hidden"), "0")
    assert d.legend.text() == "B: hidden no hidden layer instead of 8–8"
    assert not _combo(d, "activation").isEnabled()
    assert _b(d)[0].hidden == ()


def test_huge_and_hostile_text_is_refused_quickly_and_shown_escaped(qtbot):
    d = _dialog(qtbot)
    t0 = time.perf_counter()
    _paste(qtbot, d.text, "lr=0.3 " * 1500)  # 10,500 characters
    assert _shown_error(d) == "the changes to compare must be a short text like lr=0.3"
    _paste(qtbot, d.text, "x" * 10_000)
    assert _shown_error(d) == "the changes to compare must be a short text like lr=0.3"
    _paste(qtbot, d.text, "x" * 1999)
    assert _shown_error(d) == "'" + "x" * 39 + "…' is not a change; write setting=value, e.g. lr=0.3"
    assert time.perf_counter() - t0 < 2.0
    _paste(qtbot, _edit(d, "learning_rate"), "9" * 10_000)  # a field keeps a bounded value
    assert len(_edit(d, "learning_rate").text()) == 400
    assert len(_shown_error(d)) <= MESSAGE_LIMIT
    _paste(qtbot, d.text, "optimizer=\x1b[31madam\u202e<b>x</b>")
    error = _shown_error(d)
    assert error.startswith("unknown optimizer '\\x1b[31madam\\u202e<b>x</b>'")
    assert d.error.textFormat() == Qt.TextFormat.PlainText
    assert d.text.text() == "optimizer=\\x1b[31madam\\u202e<b>x</b>"  # seen as escapes, cannot reorder the line
    assert all(ch.isprintable() for ch in _combo(d, "optimizer").currentText())
    _paste(qtbot, _edit(d, "seed"), "5\x00\u200f")
    assert _edit(d, "seed").text() == "5\\x00\\u200f"
    assert _shown_error(d) == "seed must be a number, not '5\\x00\\u200f'"


def test_a_B_too_large_for_memory_is_refused_when_the_data_is_known(qtbot):
    d = _dialog(qtbot, data_sizes=(200, 100))
    _type(qtbot, d.text, "hidden=" + ",".join(["4096"] * 12))
    message = _shown_error(d)
    assert message.startswith("this network would need about") and "the limit is 2 GB" in message
    _type(qtbot, d.text, "hidden=64,64")
    assert _ok(d).isEnabled()


# ---------------------------------------------------------------------- keyboard
def test_tab_reaches_every_field_and_enter_starts_B(qtbot):
    d = _dialog(qtbot)
    d.activateWindow()
    _type(qtbot, _edit(d, "l2"), "0.01")  # a valid change: OK can take the focus
    first = _edit(d, "learning_rate")
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    seen = []
    for _ in range(60):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    expected = [w for key, row in d.rows.items() for w in (row.check, row.editor) if w.isEnabled()]
    expected += [b for b in d.preset_buttons.values() if b.isEnabled()] + [d.clear_button, d.text, d.ok_button]
    missing = [w.objectName() or w.text() for w in expected if w not in seen]
    assert not missing
    # Enter in the text starts B when it is valid
    _type(qtbot, d.text, "l2=0.01")
    with qtbot.waitSignal(d.accepted, timeout=2000):
        qtbot.keyClick(d.text, Qt.Key.Key_Return)
    assert d.result() == QDialog.DialogCode.Accepted and d.changes_text() == "l2=0.01"


def test_enter_on_a_field_starts_B_and_escape_cancels(qtbot):
    d = _dialog(qtbot)
    _type(qtbot, _edit(d, "learning_rate"), "1")
    with qtbot.waitSignal(d.accepted, timeout=2000):
        qtbot.keyClick(_edit(d, "learning_rate"), Qt.Key.Key_Return)
    assert d.changes_text() == "lr=1"
    c = _dialog(qtbot)
    _choose(qtbot, _combo(c, "optimizer"), "RMSProp")
    with qtbot.waitSignal(c.accepted, timeout=2000):  # Enter on a closed list
        qtbot.keyClick(_combo(c, "optimizer"), Qt.Key.Key_Return)
    assert c.changes_text() == "optimizer=rmsprop"
    e = _dialog(qtbot)
    _type(qtbot, _edit(e, "l2"), "0.1")
    with qtbot.waitSignal(e.rejected, timeout=2000):
        qtbot.keyClick(_edit(e, "l2"), Qt.Key.Key_Escape)
    assert e.result() == QDialog.DialogCode.Rejected


# ---------------------------------------------------------------------- agreement with the engine
@pytest.mark.parametrize("typed", ["lr=0.3", "optimizer=momentum", "beta1=0.8", "hidden=16,16", "init=he_normal", "loss=cce",
                                   "activation=relu dropout=0.1"])
def test_the_preview_says_what_the_fork_will_do(qtbot, typed):
    state = default_state()
    cmp, _ = comparison_for(typed, iterations=30, state=state, fork_at=30)
    d = _dialog(qtbot, state.network, state.config, iteration=30)
    _type(qtbot, d.text, typed)
    assert d.legend.text() == cmp.label
    fresh = cmp.note.startswith("B has")  # the fork drew new weights
    note = d.note.text()
    assert note.startswith("New weights" if fresh else "A's weights")
    for words in ("another architecture", "other initial weights", f"seed {cmp.b.config.seed}",
                  "to iteration 30", "same batches in the same order", "starts with empty memory",
                  "keeps the optimizer's memory"):
        assert (words in note) == (words in cmp.note), words
    assert (cmp.b.spec, cmp.b.config) == _b(d)


# ---------------------------------------------------------------------- size
def test_it_fits_a_small_screen(qtbot):
    d = _dialog(qtbot, iteration=100, initial="hidden=16,16 activation=relu loss=cce lr=0.3 optimizer=momentum")
    assert d.width() <= 1024 and d.height() + 48 <= 700
    assert d.legend.isVisible() and d.legend.height() >= d.legend.heightForWidth(d.legend.width())
    d.fit_height(420)
    qtbot.waitUntil(lambda: d.height() <= 420)
    assert d.form_scroll.verticalScrollBar().maximum() > 0  # the form scrolls
    assert d.ok_button.isVisible() and d.ok_button.geometry().bottom() < d.height()


def test_a_long_preview_is_shown_whole(qtbot):
    d = _dialog(qtbot, iteration=420)
    _type(qtbot, d.text, "hidden=16,16 activation=relu loss=cce")  # two lines of legend, two of note
    for label in (d.legend, d.note):
        assert label.heightForWidth(label.width()) > label.fontMetrics().lineSpacing()
        qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()), timeout=1000)
    assert d.note.mapTo(d, d.note.rect().bottomLeft()).y() < d.buttons.geometry().top()
    spacing = d.layout().spacing()
    top = lambda w: w.mapTo(d, w.rect().topLeft()).y()  # noqa: E731
    bottom = lambda w: w.mapTo(d, w.rect().bottomLeft()).y()  # noqa: E731
    assert top(d.text) - bottom(d.form_scroll) > spacing  # nothing squeezed together
    assert top(d.buttons) - bottom(d.findChild(QFrame, "preview")) > spacing
    _type(qtbot, d.text, "optimizer=" + "q" * 1500)  # the longest message there is
    assert len(d.error.text()) == MESSAGE_LIMIT
    qtbot.waitUntil(lambda: d.error.height() >= d.error.heightForWidth(d.error.width()), timeout=1000)
