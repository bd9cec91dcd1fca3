"""An engine that hangs while training (stopped: it sends nothing and reads no command)
is noticed: the banner says training seems stuck and offers to restart the engine from
the last state it sent; the window never freezes. A slow but working engine is never
taken for a hung one, and one that goes on again takes the message back."""

from __future__ import annotations

import os
import signal
import time

import pytest
from PySide6.QtCore import Qt

from nnstudio.app import engine_watchdog
from window_helpers import discard_and_close, open_window, wait_snapshot

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs SIGSTOP")


def saved_iteration(w):
    state = w.controller.saved_state
    return state[0].trainer_state.iteration if state is not None else None


def test_a_hung_engine_is_noticed_and_restarted_from_its_last_state(qtbot):
    w = open_window(qtbot)
    engine = w.controller.process
    try:
        w.act_play.trigger()
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > 200)
        os.kill(engine.pid, signal.SIGSTOP)  # it hangs
        t0 = time.monotonic()
        qtbot.waitUntil(lambda: "seems stuck" in w.banner.label.text(), timeout=30000)
        noticed = time.monotonic() - t0
        assert engine_watchdog.STALL_SECONDS - 1 <= noticed <= engine_watchdog.STALL_SECONDS + 4
        said = w.banner.label.text()
        shown = w.controller.snapshot.iteration
        assert f"iteration {shown:,}" in said and len(said) < 200
        assert w.counters.values["iteration"].text() == f"{shown:,}"  # the counters say the same
        button = w.banner.action_button
        kept = saved_iteration(w)
        assert button.isVisible() and button.text() == f"Restart from iteration {kept:,}"
        t1 = time.monotonic()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert time.monotonic() - t1 < 1  # no freeze
        qtbot.waitUntil(lambda: w.controller.process is not engine and w.controller.alive, timeout=15000)
        assert not engine.is_alive()  # the hung one is gone, not left stopped
        snap = wait_snapshot(qtbot, w, lambda s: not s.playing and s.iteration == kept)
        assert len(snap.iter_log) > 0 and w.doc.modified
        text = w.banner.label.text()
        assert "stopped answering" in text and f"restarted at iteration {kept:,}" in text
        assert not button.isVisible()
        assert w.act_play.text() == "&Play"
        w.act_play.trigger()  # training goes on from there
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > kept + 50)
        w.controller.pause()
    finally:
        if engine.is_alive():
            engine.kill()
        discard_and_close(w)


def test_an_engine_that_goes_on_again_takes_the_message_back(qtbot, monkeypatch):
    monkeypatch.setattr(engine_watchdog, "STALL_SECONDS", 3.0)
    w = open_window(qtbot)
    engine = w.controller.process
    try:
        w.act_play.trigger()
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > 50)
        os.kill(engine.pid, signal.SIGSTOP)
        qtbot.waitUntil(lambda: "seems stuck" in w.banner.label.text(), timeout=15000)
        os.kill(engine.pid, signal.SIGCONT)  # it was only stopped for a while
        qtbot.waitUntil(lambda: w.banner_bar.isHidden(), timeout=10000)
        assert w.controller.process is engine and engine.is_alive()
        first = w.controller.snapshot.iteration
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > first + 50)
        w.controller.pause()
    finally:
        if engine.is_alive():
            os.kill(engine.pid, signal.SIGCONT)
        discard_and_close(w)


def test_settings_changed_while_the_engine_hung_reach_the_restarted_engine(qtbot, monkeypatch):
    monkeypatch.setattr(engine_watchdog, "STALL_SECONDS", 3.0)
    w = open_window(qtbot)
    engine = w.controller.process
    try:
        w.act_play.trigger()
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > 50)
        os.kill(engine.pid, signal.SIGSTOP)
        w.doc.edit_config("Learning rate", learning_rate=0.0456)  # the engine never reads it
        qtbot.waitUntil(lambda: "seems stuck" in w.banner.label.text(), timeout=15000)
        kept = saved_iteration(w)
        qtbot.mouseClick(w.banner.action_button, Qt.MouseButton.LeftButton)
        snap = wait_snapshot(qtbot, w, lambda s: w.controller.process is not engine and s.iteration == kept
                             and s.config.learning_rate == 0.0456)
        assert w.doc.config.learning_rate == 0.0456 and snap.iteration == kept  # the run kept, the setting too
    finally:
        if engine.is_alive():
            engine.kill()
        discard_and_close(w)


def test_slow_training_is_not_taken_for_a_hung_engine(qtbot, monkeypatch):
    """At the slowest speed (one iteration a second) the engine still speaks every second:
    even a limit a quarter of the real one is not reached."""
    monkeypatch.setattr(engine_watchdog, "STALL_SECONDS", 3.0)
    w = open_window(qtbot)
    try:
        w.speed.set_index(0)
        w.act_play.trigger()
        wait_snapshot(qtbot, w, lambda s: s.playing)
        qtbot.wait(7000)
        assert not w.watchdog.stalled and "stuck" not in w.banner.label.text()
        assert w.controller.snapshot.iteration >= 4
        w.controller.pause()
    finally:
        discard_and_close(w)


def test_pause_answers_at_once_after_switching_to_a_much_larger_network(qtbot):
    """At full speed the engine trains in slices sized to a few milliseconds. After a tiny
    network's thousands of iterations a second, a much larger network's first slice ran
    as many of its own (seconds, minutes for a very large one) before the engine read
    Pause or sent anything, and the watchdog would have taken it for hung."""
    from nnstudio.app.speed_slider import SPEEDS
    from nnstudio.core.data import DataSpec
    from nnstudio.core.specs import LayerSpec

    w = open_window(qtbot)
    try:
        w.speed.set_index(len(SPEEDS) - 1)  # as fast as possible
        w.act_play.trigger()
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > 5000)
        w.act_play.trigger()
        wait_snapshot(qtbot, w, lambda s: not s.playing)
        w.doc.edit("Digits", data=DataSpec(source="bundled", name="digits", validation_fraction=0.2))
        w.doc.edit_network("Larger", hidden=(LayerSpec(512, "relu"), LayerSpec(512, "relu")))
        w.doc.edit_config("Full batch", batch_mode="full")
        first = wait_snapshot(qtbot, w, lambda s: len(s.weights) == 3 and s.weights[0].shape[1] == 512).iteration
        w.act_play.trigger()
        # the engine speaks within a second (before: its first slice ran for minutes, silent)
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > first, timeout=10000)
        t0 = time.monotonic()
        w.act_play.trigger()  # Pause
        qtbot.waitUntil(lambda: not w.controller.playing, timeout=120000)  # the engine says it paused
        assert time.monotonic() - t0 < 3.0
    finally:
        discard_and_close(w)


def test_an_edit_sending_much_to_a_hung_engine_does_not_freeze_the_window(qtbot, monkeypatch):
    """A pipe holds about 64 KB: new data for an engine that reads nothing used to block
    the window until the engine read again (for good, if it never did)."""
    import threading

    from nnstudio.core.data import DataSpec

    monkeypatch.setattr(engine_watchdog, "STALL_SECONDS", 3.0)
    w = open_window(qtbot)
    engine = w.controller.process
    wake = threading.Timer(20, lambda: os.kill(engine.pid, signal.SIGCONT))  # else the old code hangs the test
    try:
        w.act_play.trigger()
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > 50)
        os.kill(engine.pid, signal.SIGSTOP)
        wake.start()
        t0 = time.monotonic()
        w.doc.edit("Data: digits", data=DataSpec(source="bundled", name="digits", validation_fraction=0.2))
        assert time.monotonic() - t0 < 2
        qtbot.waitUntil(lambda: "seems stuck" in w.banner.label.text(), timeout=15000)
        qtbot.mouseClick(w.banner.action_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.controller.process is not engine and w.controller.alive, timeout=15000)
        assert not engine.is_alive()
        # the engine restarted on its last state, from before the edit: the edit is sent again,
        # so the run trains on what the panels show (the digits' 64 inputs, 10 classes)
        snap = wait_snapshot(qtbot, w, lambda s: s.weights[0].shape[0] == 64 and s.weights[-1].shape[1] == 10)
        assert snap.iteration == 0 and w.doc.prepared.n_inputs == 64
        assert "had not received your last change" in w.banner.label.text()
    finally:
        wake.cancel()
        if engine.is_alive():
            engine.kill()
        discard_and_close(w)
