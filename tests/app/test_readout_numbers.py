"""Hover read-outs and run B's name write numbers as the axes and counters do: "6.5×10⁻⁵",
"η = 10⁶", not Python's "6.5e-05" and "1e+06"."""

from __future__ import annotations

import re

from nnstudio.app.views.loss_readout import fmt
from nnstudio.core.run_changes import RunChanges
from nnstudio.core.specs import NetworkSpec, TrainConfig

E_NOTATION = re.compile(r"\de[+-]?\d")


def test_the_loss_read_out_writes_small_and_large_losses_as_the_axes_do():
    assert fmt(6.5e-5) == "6.5×10⁻⁵"
    assert fmt(2.197e7) == "2.197×10⁷"
    assert fmt(0.6931) == "0.6931"
    assert fmt(float("inf")) == "–"


def test_run_b_is_named_without_e_notation():
    for text, want in [("lr=1e6", "B: η = 10⁶"), ("lr=0.00001", "B: η = 10⁻⁵"), ("lr=0.3", "B: η = 0.3"),
                       ("lr=2.5e-7", "B: η = 2.5×10⁻⁷")]:
        label = RunChanges.parse(text).label(NetworkSpec(), TrainConfig())
        assert label == want and not E_NOTATION.search(label), label


def test_lesson_steps_and_the_compare_dialog_name_settings_without_e_notation():
    from nnstudio.app.compare_text import display_value
    from nnstudio.app.lesson_text import _value_text

    assert _value_text("learning_rate", 1e-5) == "10⁻⁵"
    assert _value_text("l2", 2.5e-5) == "2.5×10⁻⁵"
    assert _value_text("learning_rate", 0.03) == "0.03"
    assert display_value("learning_rate", 1e-5) == "10⁻⁵"
