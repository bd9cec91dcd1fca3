"""The loss-landscape view with two runs: B's path read through ``call_b``, both paths on
one plane, drawn in their colours with a legend, and back to one run when B closes.

The controller here is a stand-in with the two methods the view uses (``call`` runs a
function on run A's trainer, ``call_b`` on run B's), each function and answer passed
through pickle as the engine processes do; the numbers drawn are checked against
:func:`surface_for_pair` on the same comparison.
"""

from __future__ import annotations

import pickle
import types

import numpy as np
import pytest
from PySide6.QtCore import QObject, QTimer, Signal

from nnstudio.app.views.run_colors import RUN_B_COLOR, RUN_B_STYLE
from nnstudio.app.views.surface_compute import MAX_POINTS, SurfaceSettings
from nnstudio.app.views.surface_view import SurfaceView
from nnstudio.core.landscape import RunPath, projection, run_steps, surface_for_pair, surface_for_trainer
from nnstudio.core.snapshot import make_snapshot
from tests.app.comparison_snapshots import comparison_for, pair_snapshot


class TwoRuns(QObject):
    """What the view needs of the training controller, with run A's and run B's trainers."""

    sigSnapshot = Signal(object)

    def __init__(self, a, b) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.snapshot = None
        self.calls: list[str] = []

    def _run(self, trainer, fn, callback) -> None:
        fn = pickle.loads(pickle.dumps(fn))  # it crosses to another process
        value = fn(trainer)
        if isinstance(value, types.GeneratorType):
            value = run_steps(value)
        value = pickle.loads(pickle.dumps(value))
        QTimer.singleShot(0, lambda: callback(value))  # answers come later, on the GUI thread

    def call(self, fn, callback, errback=None) -> None:
        if getattr(fn, "__name__", "") != "parameter_labels":  # the names of the weights come first
            self.calls.append("A")
        self._run(self.a, fn, callback)

    def call_b(self, fn, callback, errback=None) -> None:
        self.calls.append("B")
        if self.b is None:  # B was closed meanwhile: its process does not answer
            QTimer.singleShot(0, lambda: errback(RuntimeError("run B has been closed")))
            return
        self._run(self.b, fn, callback)


def make_view(qtbot, controller) -> SurfaceView:
    v = SurfaceView(controller)
    v.auto_check.setChecked(False)
    qtbot.addWidget(v)
    v.resize(1000, 700)
    v.show()
    qtbot.waitExposed(v)
    return v


def wait_computed(qtbot, view, count):
    qtbot.waitUntil(lambda: view.computation is not None and not view.busy and len(view.controller.calls) >= count
                    and not view._pending, timeout=20000)


def full(**kw):
    s = SurfaceSettings()
    args = dict(mode=s.mode, resolution=s.resolution, span=s.span, i=s.i, j=s.j, ignore_biases=s.ignore_biases,
                seed=s.seed, max_points=MAX_POINTS)
    args.update(kw)
    return args


def curve(item):
    x, y = item.getData()
    return np.column_stack([x, y]) if x is not None else np.zeros((0, 2))


@pytest.fixture(scope="module")
def lr_runs():
    return comparison_for("lr=0.3", iterations=40)


def test_both_paths_on_the_shared_plane(qtbot, lr_runs):
    cmp, prepared = lr_runs
    ctl = TwoRuns(cmp.a, cmp.b)
    view = make_view(qtbot, ctl)
    snap = pair_snapshot(cmp, prepared)
    view.show_snapshot(snap)
    view.recompute()
    wait_computed(qtbot, view, 2)
    assert ctl.calls[:2] == ["B", "A"]  # B's path first, then A's surface on the shared plane
    want = surface_for_pair(cmp.a, RunPath.of(cmp.b), **full())
    res = view.result
    np.testing.assert_array_equal(res.loss, want.result.loss)
    np.testing.assert_array_equal(res.d1, want.result.d1)
    # what the map draws: A's path in white, B's in its own colour, dashed, both the core's numbers
    np.testing.assert_array_equal(curve(view.map.path_line), want.result.path)
    np.testing.assert_array_equal(curve(view.map.b_path_line), want.b_path)
    np.testing.assert_array_equal(view.b_path, want.b_path)
    bx, by = view.map.b_current_mark.getData()
    assert (bx[0], by[0]) == tuple(want.b_path[-1])
    pen = view.map.b_path_line.opts["pen"]
    assert pen.color().name() == RUN_B_COLOR.name() and pen.style() == RUN_B_STYLE
    assert view.map.legend_texts() == ["A", "B: η = 0.3"]
    text = view.explained_label.text()
    assert want.plane.startswith("PCA of both runs' paths: PC1 ")
    assert text == (f"{want.plane}: one plane for both runs. The red dot, A's weights now, is the plane's centre "
                    "(0, 0), the orange one B's. The colours are A's loss.")
    if view.gl is not None:  # under Xvfb: B's path over the 3-D surface too, at the core's heights
        qtbot.waitUntil(lambda: len(view.gl.b_path.pos) == len(want.b_path), timeout=3000)
        heights = np.log10(want.b_path_loss)  # the view's default log colours
        np.testing.assert_allclose(view.gl.b_path.pos[:, :2], view.gl.to_scene(want.b_path, heights)[:, :2],
                                   rtol=1e-6)
    # both paths are inside what the map shows
    (x0, x1), (y0, y1) = view.plot.vb.viewRange()
    for p in (want.result.path, want.b_path):
        assert x0 <= p[:, 0].min() and p[:, 0].max() <= x1 and y0 <= p[:, 1].min() and p[:, 1].max() <= y1

    # a lockstep step of both runs: each path grows by its run's new weights on the same plane
    cmp.step()
    snap2 = pair_snapshot(cmp, prepared)
    view.show_snapshot(snap2)
    qtbot.waitUntil(lambda: len(curve(view.map.b_path_line)) == len(want.b_path) + 1, timeout=3000)
    on_plane = projection(cmp.b.network.get_flat(), res.center, res.d1, res.d2)
    np.testing.assert_allclose(curve(view.map.b_path_line)[-1], on_plane, rtol=1e-12)
    np.testing.assert_allclose(curve(view.map.path_line)[-1],
                               projection(cmp.a.network.get_flat(), res.center, res.d1, res.d2), rtol=1e-12)

    # B closes: back to the single-run look at once, and a single-run surface when recomputed
    ctl.b = None
    alone = make_snapshot(cmp.a, None, None, None, 0.0, (cmp.a.iteration, cmp.a.evaluate()))
    view.show_snapshot(alone)
    assert len(curve(view.map.b_path_line)) == 0 and view.map.legend_texts() == []
    assert "both runs" not in view.explained_label.text()
    n = len(ctl.calls)
    view.recompute()
    wait_computed(qtbot, view, n + 1)
    assert ctl.calls[n:] == ["A"]
    single = surface_for_trainer(cmp.a, **full())
    np.testing.assert_array_equal(view.result.loss, single.loss)
    np.testing.assert_array_equal(curve(view.map.path_line), single.path)
    assert view.computation.pair is None and len(curve(view.map.b_path_line)) == 0


def test_b_closed_while_its_path_was_asked_for_gives_a_alone(qtbot, lr_runs):
    cmp, prepared = lr_runs
    ctl = TwoRuns(cmp.a, None)
    view = make_view(qtbot, ctl)
    view.show_snapshot(pair_snapshot(cmp, prepared))
    view.recompute()
    wait_computed(qtbot, view, 2)
    assert ctl.calls[:2] == ["B", "A"]
    assert view.message == "" and view.computation.pair is None
    np.testing.assert_array_equal(view.result.loss, surface_for_trainer(cmp.a, **full()).loss)
    assert len(curve(view.map.b_path_line)) == 0


def test_b_with_another_architecture_is_said_on_the_view(qtbot):
    cmp, prepared = comparison_for("hidden=5", iterations=20)
    ctl = TwoRuns(cmp.a, cmp.b)
    view = make_view(qtbot, ctl)
    view.show_snapshot(pair_snapshot(cmp, prepared))
    view.recompute()
    wait_computed(qtbot, view, 2)
    want = surface_for_pair(cmp.a, RunPath.of(cmp.b), **full())
    assert want.b_path is None
    assert len(curve(view.map.b_path_line)) == 0 and view.map.legend_texts() == []
    text = view.explained_label.text()
    assert want.plane.startswith("PCA of A's path") and want.plane in text
    assert want.notes[0] in text and "cannot be drawn on A's plane" in want.notes[0]
    np.testing.assert_array_equal(curve(view.map.path_line), want.result.path)


def test_random_directions_are_stated_and_b_is_on_them(qtbot, lr_runs):
    cmp, prepared = lr_runs
    ctl = TwoRuns(cmp.a, cmp.b)
    view = make_view(qtbot, ctl)
    view.show_snapshot(pair_snapshot(cmp, prepared))
    view.set_mode("random")
    view.recompute()
    qtbot.waitUntil(lambda: view.computation is not None and view.computation.mode == "random" and not view.busy,
                    timeout=20000)
    want = surface_for_pair(cmp.a, RunPath.of(cmp.b), **full(mode="random"))
    np.testing.assert_array_equal(curve(view.map.b_path_line), want.b_path)
    assert "Fixed random directions (seed 0), filter-normalised to A's weights" in view.explained_label.text()


def test_screenshot_of_a_comparison(qtbot, lr_runs, tmp_path):
    cmp, prepared = lr_runs
    ctl = TwoRuns(cmp.a, cmp.b)
    view = make_view(qtbot, ctl)
    view.show_snapshot(pair_snapshot(cmp, prepared))
    view.recompute()
    wait_computed(qtbot, view, 2)
    qtbot.wait(50)
    img = view.grab().toImage()
    assert not img.isNull() and img.width() == 1000


def test_the_run_key_follows_run_b(lr_runs):
    from dataclasses import replace

    from nnstudio.app.views.surface_compute import run_key

    cmp, prepared = lr_runs
    snap = pair_snapshot(cmp, prepared)
    key = run_key(snap)
    assert run_key(replace(snap, b=None)) != key  # B closed
    w = [a.copy() for a in snap.b.weights]
    w[0][1, 2] += 1e-6  # one weight of B
    assert run_key(replace(snap, b=replace(snap.b, weights=w))) != key
    assert run_key(replace(snap, b_label="B: η = 0.5")) == key  # a label alone does not move the plane
