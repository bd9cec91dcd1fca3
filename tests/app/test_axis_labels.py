"""Tick labels a learner can read: distinct, true to their ticks, apart, inside the plot.

The loss view is swept over window sizes and over the loss ranges training produces
(a spiral's 0.69 → 0.0001, a diverging 1 → 10⁶, a flat 0.3010 → 0.3012 …), on linear and
log axes, and every label pyqtgraph actually paints is checked.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFontMetricsF

from nnstudio.app.views.axes import ReadableAxis, drawn_tick_labels, label_value, linear_labels, log_ticks, \
    value_labels
from nnstudio.app.views.loss_view import LossView
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

#: (first loss, last loss, how it falls): what training runs show
RANGES = [(0.69, 0.0001, "geom"), (1e6, 1.0, "geom"), (0.3012, 0.3010, "lin"), (0.7, 0.05, "lin"),
          (0.25, 0.2, "lin"), (2e-3, 1e-3, "geom"), (0.9, 0.08, "geom"), (2.31, 2.3, "lin"), (0.35, 0.15, "geom")]
SIZES = [(w, h) for w in (250, 420, 640, 900) for h in (120, 160, 200, 260, 330, 400)]


def label_problems(axis: pg.AxisItem, log: bool) -> list[str]:
    """What is wrong with the labels ``axis`` paints: repeated texts, labels overlapping,
    a label more than 2.5 px from the tick whose value it reads, a label cut off."""
    items = drawn_tick_labels(axis)
    view = axis.scene().views()[0]
    visible = view.mapToScene(view.viewport().rect()).boundingRect().adjusted(-0.5, -0.5, 0.5, 0.5)
    texts = [t for _, t in items]
    out = []
    if len(set(texts)) != len(texts):
        out.append(f"repeated: {texts}")
    for (a, ta), (b, tb) in itertools.combinations(items, 2):
        both = a & b
        if both.width() > 1 and both.height() > 1:
            out.append(f"{ta!r} overlaps {tb!r}")
    r0, r1 = axis.range
    box = axis.mapRectFromParent(axis.geometry())
    vertical = axis.orientation in ("left", "right")
    length = box.height() if vertical else box.width()
    for rect, text in items:
        v = label_value(text)
        if log:
            v = math.log10(v) if v > 0 else math.nan
        along = (v - r0) / (r1 - r0) * length
        centre = length - rect.center().y() if vertical else rect.center().x()
        if not abs(along - centre) <= 2.5:
            out.append(f"{text!r} drawn {abs(along - centre):.1f} px from its value")
        if not visible.contains(axis.mapRectToScene(rect)):
            out.append(f"{text!r} cut off by the plot's edge")
    return out


def title_problems(axis: pg.AxisItem) -> list[str]:
    """An axis or its title's letters cut off by the canvas's edge, or a title longer than
    its axis (measured with the font's metrics)."""
    view = axis.scene().views()[0]
    visible = view.mapToScene(view.viewport().rect()).boundingRect().adjusted(-1, -1, 1, 1)
    out = []
    if not visible.contains(axis.mapRectToScene(axis.mapRectFromParent(axis.geometry()))):
        out.append("axis outside the canvas")
    if axis.label.isVisible() and axis.shown_title:
        margin = axis.label.document().documentMargin()
        letters = axis.label.boundingRect().adjusted(margin, margin, -margin, -margin)
        if not visible.contains(axis.label.mapRectToScene(letters)):
            out.append(f"title {axis.shown_title!r} cut off by the canvas")
        width = QFontMetricsF(axis.label.font()).horizontalAdvance(axis.shown_title)
        if width > axis.title_room() + 1:
            out.append(f"title {axis.shown_title!r} ({width:.0f} px) longer than its axis ({axis.title_room():.0f} px)")
    return out


@pytest.fixture(scope="module")
def snapshot():
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    trainer = Trainer(NetworkSpec(2, (LayerSpec(8, "tanh"),), "binary"),
                      TrainConfig(optimizer="adam", learning_rate=0.02), data)
    trainer.run(epochs=20)
    return make_snapshot(trainer)


def falling(snap, first: float, last: float, kind: str):
    """``snap`` with its losses replaced by a curve from ``first`` to ``last``."""
    il, el = snap.iter_log.copy(), snap.epoch_log.copy()

    def curve(n: int) -> np.ndarray:
        return np.geomspace(first, last, n) if kind == "geom" else np.linspace(first, last, n)

    il[:, 1] = curve(len(il))
    el[:, 2] = curve(len(el))
    el[:, 3] = el[:, 2] * 1.02
    return replace(snap, iter_log=il, epoch_log=el)


@pytest.mark.parametrize("log", [False, True], ids=["linear", "log"])
@pytest.mark.parametrize("first, last, kind", RANGES)
def test_loss_axis_labels_at_every_size(qtbot, snapshot, first, last, kind, log):
    view = LossView()
    qtbot.addWidget(view)
    view.show()
    view.set_log_y(log)
    snap = falling(snapshot, first, last, kind)
    problems = []
    for w, h in SIZES:
        view.resize(w, h)
        view.show_snapshot(snap)
        qtbot.wait(1)  # the resize, then the axes' new widths for their labels
        qtbot.wait(1)
        left = view.plot.getAxis("left")
        shown = [t for _, t in drawn_tick_labels(left)]
        if len(shown) < 2:
            problems.append(f"{w}×{h} loss axis: {shown}")
        for name, axis_log in (("left", log), ("right", False), ("bottom", False)):
            problems += [f"{w}×{h} {name}: {p}" for p in label_problems(view.plot.getAxis(name), axis_log)]
        # the axes and their titles are wholly inside the canvas: nothing cut off at its edge
        for name in ("left", "right", "bottom"):
            problems += [f"{w}×{h} {name}: {p}" for p in title_problems(view.plot.getAxis(name))]
    assert not problems, problems[:10]


def test_finer_levels_never_repeat_a_coarser_label():
    # pyqtgraph labels ticks 0.01 apart, then the ones between them: 1.915 is not "1.92"
    assert linear_labels([1.915, 1.925, 1.935, 1.945], 0.005) == ["1.915", "1.925", "1.935", "1.945"]
    assert linear_labels([0.25], 0.25) == ["0.25"]  # a lone tick still reads its value
    assert linear_labels([5e5, 7e5, 9e5, 1.1e6], 1e5) == ["5×10⁵", "7×10⁵", "9×10⁵", "1.1×10⁶"]
    assert linear_labels([0.0, 0.5, 1.0]) == ["0.0", "0.5", "1.0"]
    assert [label_value(t) for t in ("−0.25", "2.5×10⁶", "10⁻³", "100", "−10⁵")] == [-0.25, 2.5e6, 1e-3, 100, -1e5]


def test_log_ticks_keep_a_label_apart_and_give_a_scale():
    # less than a decade: evenly spaced numbers, labelled with the same decimals
    (step, ticks), = log_ticks(math.log10(0.3010), math.log10(0.3012), 200)
    assert step == 5e-5 and linear_labels([10 ** t for t in ticks], step) == \
        ["0.30100", "0.30105", "0.30110", "0.30115", "0.30120"]
    # 32,000 … 47,000 on a 60 px axis: 35000, 40000, 45000, not "40000" alone; on 30 px
    # there is room for one label only
    assert log_ticks(4.5078, 4.6747, 60)[0][0] == 5000 and len(log_ticks(4.5078, 4.6747, 60)[0][1]) == 3
    assert len(log_ticks(4.5078, 4.6747, 30)[0][1]) == 1
    # 0.003 … 230 on 45 px: 0.01, 1, 100
    assert log_ticks(-2.495, 2.366, 45)[0] == (2.0, [-2.0, 0.0, 2.0])
    # 0.0016 … 0.017 on 80 px: the minors that fit a label apart, not 2, 3, 4, 5, 6, 8 on top of each other
    for size in (60, 80, 120, 300):
        levels = log_ticks(-2.79, -1.78, size)
        ticks = sorted(t for _, level in levels for t in level)
        assert min(b - a for a, b in zip(ticks, ticks[1:])) * size / 1.01 >= 15, (size, ticks)
    # the decades' 2 and 5 as before
    assert value_labels([10 ** v for v in log_ticks(-0.1, 1.2, 300)[1][1]]) == ["2", "3", "5"]


def test_random_ranges_on_a_bare_axis(qtbot):
    """Any range a zoom can reach, linear and log, on plots 90 to 400 px high."""
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = widget.addPlot(axisItems={"left": ReadableAxis("left")})
    widget.show()
    rng = np.random.default_rng(7)
    problems = []
    for _ in range(400):
        log = bool(rng.integers(2))
        if log:
            c, span = rng.uniform(-5, 7), 10 ** rng.uniform(-1, 1.3)
        else:
            c = 10 ** rng.uniform(-4, 6) * rng.choice([1, 1, -1])
            span = abs(c) * 10 ** rng.uniform(-5, 0.5)
        plot.setLogMode(y=log)
        widget.resize(int(rng.integers(250, 900)), int(rng.integers(90, 400)))
        plot.vb.setRange(yRange=(c - span / 2, c + span / 2), xRange=(0, 1), padding=0)
        qtbot.wait(1)
        problems += [f"{plot.vb.viewRange()[1]}: {p}" for p in label_problems(plot.getAxis("left"), log)]
    assert not problems, problems[:10]


def test_the_legend_leaves_a_short_plot_and_comes_back(qtbot, snapshot):
    view = LossView()
    qtbot.addWidget(view)
    view.show()
    view.show_snapshot(falling(snapshot, 0.69, 0.0001, "geom"))
    # Explore's loss view at 1366×768 and 1280×800, and a maximised window on a laptop
    for size in ((677, 243), (634, 257), (677, 200)):
        view.resize(*size)
        qtbot.wait(5)
        assert view.legend.isVisible() and view.legend.scene() is not None, size
        assert view.plot.getAxis("bottom").shown_title == "iteration (parameter updates)"
        assert view.vb.height() >= view.COMPACT_PLOT
    view.resize(640, 150)  # a dock dragged small: the plot keeps the room
    qtbot.wait(5)
    assert not view.legend.isVisible() and view.legend.scene() is None
    assert view.plot.getAxis("bottom").shown_title == "" and view.vb.height() >= view.COMPACT_PLOT
    view.resize(640, 300)
    qtbot.wait(5)
    assert view.legend.isVisible() and [label.text for _, label in view.legend.items] == \
        ["batch loss", "training", "validation"]
