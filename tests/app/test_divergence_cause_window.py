"""A learner who turns the L2 penalty up to 1 with plain SGD at η = 3 sees training
diverge. The message and the Gradients view's verdict said to lower the learning rate;
the penalty's own pull (each step multiplies the weights by 1 − 2ηλ = −5) is what grows
the weights, and they now say so."""
from __future__ import annotations

from PySide6.QtCore import Qt

from window_helpers import discard_and_close, open_window, wait_snapshot


def _type_into(qtbot, box, text: str) -> None:
    line = box.lineEdit()
    box.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_a_divergence_from_the_l2_penalty_is_blamed_on_it(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        tp = w.training_panel
        tp.optimizer.setFocus()
        tp.optimizer.setCurrentIndex(tp.optimizer.findData("sgd"))
        _type_into(qtbot, tp.lr.spin, "3")
        _type_into(qtbot, tp.l2, "1")
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and s.lr == 3.0)
        assert w.doc.config.optimizer == "sgd" and w.doc.config.l2 == 1.0
        w.activateWindow()
        qtbot.keyClick(w, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: w.banner.isVisible() and "penalty" in w.banner.label.text(), timeout=15000)
        text = w.banner.label.text()
        assert "the L2 penalty λ = 1 is too large for the learning rate 3" in text, text
        assert "1 − 2ηλ = −5" in text and "lower λ (try 0.1) or the learning rate" in text, text
        snap = wait_snapshot(qtbot, w, lambda s: bool(s.stop_info))
        assert snap.stop_info["cause"] == "penalty"
        gradients = w.gradient_view
        gradients.show_snapshot(snap)
        verdict = gradients.ratio_label.text()
        assert "penalty λ is too large" in verdict and "Lower λ" in verdict, verdict
        assert "Lower the learning rate" not in verdict
    finally:
        discard_and_close(w)
