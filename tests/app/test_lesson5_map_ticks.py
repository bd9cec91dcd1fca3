"""Lesson 5 in the smallest window (1024×700), step 'Stochastic': after 30 epochs of
SGD the loss landscape's map, about 110 px wide, labelled its W1[0,0] axis
"−1 0 1 2 3 4 5" with "−1" and "0" touching: it read "−10 1 2 3 4 5". The finer level
of ticks (every 1, between the labelled 0 and 5) was drawn however crowded."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app.views.axes import drawn_tick_labels
from window_helpers import discard_and_close, open_window, wait_snapshot

#: the least room between two tick labels: about a space
GAP = 4


def crowded(axis) -> list[str]:
    vertical = axis.orientation in ("left", "right")
    labels = sorted(drawn_tick_labels(axis), key=lambda r: r[0].top() if vertical else r[0].left())
    out = []
    for (r1, t1), (r2, t2) in zip(labels, labels[1:]):
        gap = r2.top() - r1.bottom() if vertical else r2.left() - r1.right()
        if gap < (0 if vertical else GAP):
            out.append(f"{t1!r} and {t2!r} {gap:.1f} px apart")
    return out


def test_the_maps_tick_labels_stay_apart(qtbot):
    w = open_window(qtbot, 1024, 700)
    try:
        lesson5 = next(a for a in w.lessons_menu.actions() if a.text().startswith("5."))
        lesson5.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 5, timeout=10000)
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        assert "Stochastic" in panel.step_title.text()
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and s.iterations_per_epoch == 50)
        w.activateWindow()
        for _ in range(30):  # to epoch 30
            qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
            qtbot.wait(20)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1500)
        view = w.view_for("SurfaceView")
        # the full surface after the draft
        qtbot.waitUntil(lambda: "51 × 51 grid" in view.status_label.text() and not view.busy, timeout=30000)
        problems = []
        for width in range(1024, 1125, 10):  # the smallest windows: the map is 100-130 px wide
            w.resize(width, 700)
            qtbot.wait(100)
            QApplication.processEvents()
            for name in ("bottom", "left"):
                axis = view.map.plot.getAxis(name)
                if len(drawn_tick_labels(axis)) < 2:
                    problems.append(f"{width}: {name} axis has fewer than 2 labels")
                problems += [f"{width}: {name} axis: {c}" for c in crowded(axis)]
        assert problems == []
    finally:
        discard_and_close(w)
