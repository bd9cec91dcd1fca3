"""Only the engine process dies (killed, crashed): the window says so shortly, keeps the
learner's trained run, and training goes on, even after the engine kept stopping."""

from __future__ import annotations

import time

from window_helpers import discard_and_close, open_window, wait_snapshot


def saved_iteration(w):
    state = w.controller.saved_state
    return state[0].trainer_state.iteration if state is not None else None


def test_killing_the_engine_while_training_keeps_the_run_and_training_goes_on(qtbot):
    w = open_window(qtbot)
    try:
        w.doc.edit_config("Learning rate", learning_rate=0.0321)
        w.act_play.trigger()
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > 300)
        old = w.controller.process
        old.kill()
        qtbot.waitUntil(lambda: w.controller.process is not old and w.controller.alive, timeout=15000)
        kept = saved_iteration(w)
        assert kept and kept > 0
        snap = wait_snapshot(qtbot, w, lambda s: not s.playing and s.iteration == kept)
        assert snap.config.learning_rate == 0.0321 and w.doc.config.learning_rate == 0.0321
        assert len(snap.iter_log) > 0  # the loss history came back with the weights
        assert w.banner_bar.isVisible() and "restarted at iteration" in w.banner.label.text()
        assert len(w.banner.label.text()) < 250 and "Traceback" not in w.banner.label.text()
        assert w.act_play.text() == "&Play" and w.doc.modified
        w.act_play.trigger()  # training goes on from there
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > kept + 100)
        w.controller.pause()
    finally:
        discard_and_close(w)


def test_play_starts_the_engine_again_after_it_kept_stopping(qtbot):
    w = open_window(qtbot)
    try:
        for _ in range(3):
            w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 3)
        qtbot.waitUntil(lambda: saved_iteration(w) == 3)
        c = w.controller
        c._restarts = [time.monotonic()] * 3  # it stopped three times this minute already
        c.process.kill()
        qtbot.waitUntil(lambda: "keeps stopping" in w.banner.label.text(), timeout=15000)
        assert not c.alive
        said = w.banner.label.text()
        w.act_play.trigger()  # the learner presses Play: the engine starts again on the run kept
        qtbot.waitUntil(lambda: c.alive, timeout=15000)
        wait_snapshot(qtbot, w, lambda s: s.iteration > 3)
        assert "started again at iteration 3" in w.banner.label.text()
        assert "press Play" in said  # the message had said how to go on
        c.pause()
        snap = wait_snapshot(qtbot, w, lambda s: not s.playing)
        assert snap.iteration > 3 and w.doc.modified
    finally:
        discard_and_close(w)


def test_closing_with_a_hung_engine_does_not_freeze_the_window_long(qtbot):
    import os
    import signal

    if not hasattr(signal, "SIGSTOP"):
        return
    w = open_window(qtbot)
    try:
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        engine = w.controller.process
        os.kill(engine.pid, signal.SIGSTOP)  # it hangs: reads no command, sends nothing
        t0 = time.monotonic()
        discard_and_close(w)  # the question was answered: closing ends the hung engine
        assert time.monotonic() - t0 < 8
        assert not engine.is_alive() and not w.controller.thread.isRunning()
    finally:
        if w.controller.process.is_alive():
            w.controller.process.kill()
