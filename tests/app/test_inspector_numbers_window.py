"""The step inspector writes small numbers as the rest of the app does (6.254×10⁻⁵), not
as "6.254e−5": a learner stepping the backward phase with Shift+→ after some training
read "δ₂ = −0.2239 × f′(5.533) = −0.2239 × 6.254e−5 = −1.4e−5" beside axes, counters and
network tags that write ×10⁻⁵."""
from __future__ import annotations

import re

from PySide6.QtCore import Qt

from nnstudio.app.views.inspector_view import fmt, fmt_change, fmt_delta
from nnstudio.app.workspaces import INSPECT

from window_helpers import discard_and_close, open_window, wait_snapshot

E_NOTATION = re.compile(r"\de[-+−]?\d")


def test_inspector_text_has_no_e_notation_in_any_phase(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        w.workspaces.switch(INSPECT)
        for _ in range(40):
            w.activateWindow()
            qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
        wait_snapshot(qtbot, w, lambda s: s.iteration >= 40 * 32)
        shown = {}
        for phase in ("forward", "loss", "backward", "update"):
            w.activateWindow()
            qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
            wait_snapshot(qtbot, w, lambda s, p=phase: s.phase is not None and s.phase.phase == p)
            text = w.inspector_view.text()
            shown[phase] = text
            found = E_NOTATION.findall(text)
            assert not found, f"{phase}: e-notation in the inspector: {found[:3]}"
        # the backward phase of a saturated tanh network has numbers far below 10⁻⁴
        assert "×10⁻" in shown["backward"] + shown["update"]
    finally:
        discard_and_close(w)


def test_small_and_large_numbers_read_as_powers_of_ten():
    assert fmt(-1.23456e-5) == "−1.235×10⁻⁵"
    assert fmt(6.254e-5) == "6.254×10⁻⁵"
    assert fmt(123456.0) == "1.235×10⁵"
    assert fmt(0.0004251) == "0.0004251"
    assert fmt_delta(-1.5e-5) == "−1.5×10⁻⁵" and fmt_delta(2.4e-4) == "+0.00024"
    # two values that differ far down still show the digit where they part
    b, a = fmt_change(1.0e-6, 1.0001e-6)
    assert b != a and "e" not in b + a
