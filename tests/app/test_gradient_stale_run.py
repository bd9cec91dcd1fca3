"""After an undo or a project load puts another run in the engine, a snapshot of the run it
replaced may still be on its way to the window. The Gradients view's activation histogram
over time used to take it: one column of the old run in the new run's history (undo the
new activation of a trained network, and iteration 1 of the untrained one sat before the
trained run's probes). Each snapshot now says which run it is of (``Snapshot.run_id``,
the window's number for each run it puts in the engine) and the history drops the runs
it has left."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.app.document import default_state
from nnstudio.app.views.probe_history import ProbeHistory
from nnstudio.core.data import prepare
from nnstudio.core.probes import ProbeResult
from nnstudio.core.trainer import Trainer
from test_gradient_hidden_history import click_tab
from window_helpers import discard_and_close, open_window, wait_snapshot


def _iterations(view) -> list[int]:
    return [it for it, _, _ in view.hist_buffer]


def test_a_snapshot_of_the_replaced_run_arriving_after_undo_adds_no_column(qtbot):
    w = open_window(qtbot)
    view = w.gradient_view
    try:
        w.speed.set_speed(0)
        w.controller.play()
        wait_snapshot(qtbot, w, lambda s: s.iteration >= 300, timeout=30000)
        w.controller.pause()
        end = wait_snapshot(qtbot, w, lambda s: not s.playing).iteration
        trained_run = w.controller.run_id
        # another activation: a new run with new weights, stepped twice
        card = w.network_panel.cards[0]
        card.activation.setCurrentIndex(card.activation.findData("relu"))  # as picking it does
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and s.activations[0] == "relu")
        assert w.controller.run_id > trained_run
        old = []
        for i in (1, 2):
            w.act_step.trigger()
            old.append(wait_snapshot(qtbot, w, lambda s, i=i: s.iteration == i))
        assert _iterations(view)[-3:] == [0, 1, 2]
        assert old[0].run_id == old[1].run_id == w.controller.run_id

        # Ctrl+Z: the trained network is back in the engine (another run); the relu run's
        # snapshot of iteration 1, still on its way, comes in after the history was cleared
        w.activateWindow()
        qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert w.controller.run_id > old[0].run_id
        assert len(view.hist_buffer) == 0
        w.controller._on_snapshot(old[0])  # as the engine reader hands the window a snapshot
        w.controller.flush()
        assert len(view.hist_buffer) == 0, _iterations(view)
        restored = wait_snapshot(qtbot, w, lambda s: s.iteration == end and s.activations[0] == "tanh")
        assert restored.run_id == w.controller.run_id
        qtbot.waitUntil(lambda: len(view.hist_buffer) > 0)
        assert _iterations(view) == [end]

        # shown, the image is of the restored run alone: one column
        w.workspaces.switch("inspect")
        click_tab(qtbot, w, "Gradients")
        qtbot.waitUntil(lambda: view.is_shown() and view.hist_image.shape[0] == 1)
    finally:
        discard_and_close(w)


def _probe(loss: float, like: ProbeResult) -> ProbeResult:
    return ProbeResult(like.layers, like.n_samples, loss)


def test_the_history_follows_the_newest_run_it_is_told_of():
    """Without a window: snapshots of a run left behind add nothing; the first snapshot of a
    later run starts the history over; the same probe as the last one seen is taken when a
    new run starts with it (the same project loaded again)."""
    state = default_state()
    probe = Trainer(state.network, state.config, prepare(state.data, state.inline)).probe()
    h = ProbeHistory(10)
    assert h.record(5, probe, run_id=1)
    assert h.record(6, _probe(0.5, probe), run_id=1)
    h.clear(run_id=2)
    assert not h.record(7, _probe(0.4, probe), run_id=1) and len(h) == 0  # the run left
    assert h.record(5, probe, run_id=2) and [e[0] for e in h.entries] == [5]  # equal to one seen: a new run
    assert h.record(6, _probe(0.3, probe), run_id=3) and [e[0] for e in h.entries] == [6]  # a later run
    assert not h.record(8, _probe(0.2, probe), run_id=2) and [e[0] for e in h.entries] == [6]


def test_making_run_b_the_main_run_starts_the_histogram_over(qtbot):
    """After Training › Make run B the main run, the activation histogram over time showed
    run A's columns with run B's after them, as if one run: B is another run."""
    w = open_window(qtbot)
    view = w.gradient_view
    try:
        with qtbot.waitSignal(w.comparison.sigChanged, timeout=20000) as blocker:
            w.comparison.start("lr=0.3")
        assert blocker.args == [True]
        for i in (1, 2, 3):
            w.act_step.trigger()
            wait_snapshot(qtbot, w, lambda s, i=i: s.b is not None and s.iteration == i)
        assert _iterations(view)[-3:] == [1, 2, 3]  # run A's probes
        before = w.controller.run_id
        assert w.comparison.promote_b()
        promoted = wait_snapshot(qtbot, w, lambda s: s.b is None and s.config.learning_rate == 0.3)
        assert w.controller.run_id > before and promoted.run_id == w.controller.run_id
        qtbot.waitUntil(lambda: len(view.hist_buffer) > 0)
        assert _iterations(view) == [3]  # run B's, alone
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 4)
        assert _iterations(view) == [3, 4]
    finally:
        discard_and_close(w)
