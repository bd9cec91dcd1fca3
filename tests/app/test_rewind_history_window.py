"""Going back and then forward again with the rewind slider, as a learner scrubs through a run
trained in this session: the loss curve keeps every stretch of the run up to where it stands
(it used to jump in a straight line from the earlier point to the checkpoint the forward
replay started from)."""
from __future__ import annotations

import numpy as np

from test_rewind_window import drag_slider_to
from window_helpers import discard_and_close, open_window, wait_snapshot

TRAINED = 30_000


def drawn(w) -> np.ndarray:
    """The iterations of the loss curve's drawn points (the view thins them to its width)."""
    return np.asarray(w.loss_view.curve_iter.getData()[0])


def test_scrubbing_back_and_forward_keeps_the_loss_curve_whole(qtbot):
    w = open_window(qtbot)
    try:
        w.speed.set_speed(0)
        w.controller.play()
        wait_snapshot(qtbot, w, lambda s: s.iteration >= TRAINED, timeout=60000)
        w.controller.pause()
        snap = wait_snapshot(qtbot, w, lambda s: not s.playing)
        top, log_top = snap.iteration, snap.iter_log
        spacing = np.diff(log_top[:, 0]).max()  # the loss log merges rows as it fills
        for fraction in (0.2, 0.9):
            with qtbot.waitSignal(w.session.sigRewinding, timeout=20000):
                target = drag_slider_to(qtbot, w, fraction)
            snap = wait_snapshot(qtbot, w, lambda s: s.iteration == target, timeout=20000)
            x = snap.iter_log[:, 0]
            assert np.diff(x).max() <= spacing, f"the loss curve jumps at iteration {x[np.argmax(np.diff(x))]:g}"
            assert x[0] == log_top[0, 0] and target - spacing < x[-1] <= target
            # the curve drawn (the view thins it to its width) has no jump either
            qtbot.waitUntil(lambda: drawn(w)[-1] > x[-1] - 4 * spacing * len(x) / len(drawn(w)), timeout=5000)
            gaps = np.diff(drawn(w))
            assert gaps.max() < 0.01 * (x[-1] - x[0]), f"the drawn curve jumps at {drawn(w)[np.argmax(gaps)]:g}"
        assert 0.8 * top < target < top
        # up to where the forward replay started, the run's own curve, point for point
        kept = log_top[:, 0] <= x[-1] - 2048
        np.testing.assert_array_equal(snap.iter_log[:kept.sum()], log_top[kept])
    finally:
        discard_and_close(w)
