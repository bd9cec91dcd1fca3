"""A learner trains with another tab in front of the Gradients view, then clicks its tab: the
activation histogram over time covers the iterations trained meanwhile, as the loss curve
does (it used to fill only while its tab showed: one column, taken when it was opened).
Rewinding with the slider while it is hidden drops the probes of the abandoned future,
and new weights start it over."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTabBar

from nnstudio.app.main_window import MainWindow
from nnstudio.app.views.axes import label_value
from test_rewind_window import drag_slider_to
from window_helpers import discard_and_close, open_window, wait_snapshot

SHOTS = os.environ.get("NNSTUDIO_SHOTS")  # a folder: save the screenshots a reviewer looks at


def click_tab(qtbot, w: MainWindow, title: str) -> None:
    """Click the dock tab titled ``title``, as a learner does."""
    def bars() -> list[QTabBar]:
        return [b for b in w.findChildren(QTabBar) if b.parent() is w and b.isVisible()
                and w.rect().intersects(b.geometry()) and title in [b.tabText(i) for i in range(b.count())]]
    qtbot.waitUntil(lambda: len(bars()) == 1)
    bar = bars()[0]
    index = [bar.tabText(i) for i in range(bar.count())].index(title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    QApplication.processEvents()
    assert bar.currentIndex() == index


def shown_iterations(view) -> list[int]:
    """The iterations of the probes the histogram image is drawn from, one per column."""
    assert view.hist_image.shape[0] == len(view.hist_buffer)  # the image is the whole history
    return [it for it, _, _ in view.hist_buffer]


def test_the_histogram_covers_training_done_behind_another_tab(qtbot):
    w = open_window(qtbot)
    view = w.gradient_view
    try:
        w.workspaces.switch("inspect")
        click_tab(qtbot, w, "Activations")  # the Gradients view is behind it now
        qtbot.waitUntil(lambda: not view.is_shown())
        start = wait_snapshot(qtbot, w, lambda s: not s.playing).iteration
        w.speed.set_speed(0)
        w.controller.play()
        qtbot.wait(2000)  # the engine probes five times a second while playing
        w.controller.pause()
        end = wait_snapshot(qtbot, w, lambda s: not s.playing).iteration
        assert end > start + 1000
        assert not view.is_shown()

        click_tab(qtbot, w, "Gradients")
        qtbot.waitUntil(lambda: view.snapshot is not None and view.snapshot.iteration == end)
        its = shown_iterations(view)
        trained = [it for it in its if start < it <= end]
        assert len(trained) >= 5, f"the histogram shows {len(trained)} probes of iterations {start:,}–{end:,}: {its}"
        assert trained[0] < start + (end - start) / 2 and its[-1] == end
        assert its == sorted(its)
        assert view.hist_plot.empty.textItem.toPlainText() == ""
        axis = view.hist_plot.getAxis("bottom")
        # round iterations across the whole stretch, as the curves above label theirs
        ticks = axis._tickLevels[0]
        values = [label_value(label) for _, label in ticks]
        assert len(ticks) >= 2 and its[0] <= values[0] and values[-1] <= end
        assert values[-1] > end - 2 * (values[1] - values[0])
        assert all(0 <= x <= len(its) for x, _ in ticks)
        if SHOTS:
            for size in ((1366, 768), (1280, 800)):
                w.resize(*size)
                qtbot.wait(300)
                w.grab().save(os.path.join(SHOTS, f"gradients_after_hidden_{size[0]}x{size[1]}.png"))
            w.resize(1366, 768)
            qtbot.wait(300)

        # back behind another tab, the learner goes back to the middle of that stretch with
        # the slider: the probes of the abandoned future are dropped, the past kept
        click_tab(qtbot, w, "Activations")
        with qtbot.waitSignal(w.session.sigRewinding, timeout=20000):
            target = drag_slider_to(qtbot, w, 0.5)
        wait_snapshot(qtbot, w, lambda s: s.iteration == target and not s.playing, timeout=20000)
        click_tab(qtbot, w, "Gradients")
        qtbot.waitUntil(lambda: view.snapshot is not None and view.snapshot.iteration == target)
        its = shown_iterations(view)
        assert its and max(its) <= target, f"probes beyond iteration {target:,}: {its}"
        kept = [it for it in trained if it <= target]
        past = [it for it in its if start < it <= target]
        assert past[:len(kept)] == kept and past[len(kept):] in ([], [target])

        # new weights: the history starts over at iteration 0
        click_tab(qtbot, w, "Activations")
        w.reset_weights()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0)
        click_tab(qtbot, w, "Gradients")
        qtbot.waitUntil(lambda: view.snapshot is not None and view.snapshot.iteration == 0)
        assert shown_iterations(view) == [0]
    finally:
        discard_and_close(w)
