"""With two runs the counters show run A's numbers over run B's, fit the window's row on
the learners' screens, and go back to one run's row when B closes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QToolBar

from comparison_snapshots import comparison_for, pair_snapshot
from nnstudio.app.counters import Counters
from nnstudio.app.main_window import MainWindow
from window_helpers import discard_and_close, wait_snapshot


@pytest.fixture(scope="module")
def pair():
    cmp, prepared = comparison_for("lr=0.3 batch_size=16", 70)
    return cmp, pair_snapshot(cmp, prepared)


def _shown(labels):
    return {key: label.text() for key, label in labels.items()}


def test_both_runs_numbers_are_the_engines(qtbot, pair):
    cmp, snap = pair
    c = Counters()
    qtbot.addWidget(c)
    c.show()
    ea, eb = cmp.a.evaluate(), cmp.b.evaluate()
    c.show_snapshot(snap)
    a, b = _shown(c.values), _shown(c.values_b)
    assert a["loss"] == f"{ea['loss']:.4g}" and b["loss"] == f"{eb['loss']:.4g}"
    assert a["val_loss"] == f"{ea['val_loss']:.4g}" and b["val_loss"] == f"{eb['val_loss']:.4g}"
    assert a["metric"] == f"{ea['metric']:.3g}" and b["metric"] == f"{eb['metric']:.3g}"
    assert a["val_metric"] == f"{ea['val_metric']:.3g}" and b["val_metric"] == f"{eb['val_metric']:.3g}"
    assert a["loss"] != b["loss"]
    # B's batches are 16 points: 70 iterations are 3 of its epochs (20 batches), 2 of A's (32)
    assert (a["iteration"], b["iteration"]) == ("70", "70")
    assert (a["epoch"], b["epoch"]) == (str(cmp.a.epoch), str(cmp.b.epoch)) == ("2", "3")
    assert b["ips"] == ""  # one speed: the runs train in lockstep
    assert all(v.isVisible() for v in c.values_b.values())
    names = [n.text() for n in c.run_names]
    assert "A</" not in names[0] and names[0].endswith(" A")
    assert names[1].endswith(" B: η = 0.3, batch siz…")
    assert c.run_box.isVisible()


def test_back_to_one_run(qtbot, pair):
    _, snap = pair
    c = Counters()
    qtbot.addWidget(c)
    c.show()
    single = replace(snap, b=None, b_label="")
    c.show_snapshot(single)
    qtbot.wait(10)
    one = (c.sizeHint(), [v.styleSheet() for v in c.values.values()], _shown(c.values))
    c.show_snapshot(snap)
    qtbot.wait(10)
    assert c.sizeHint() != one[0]
    assert all("10pt" in v.styleSheet() for v in c.values.values())
    c.show_snapshot(single)
    qtbot.wait(10)
    assert (c.sizeHint(), [v.styleSheet() for v in c.values.values()], _shown(c.values)) == one
    assert not c.run_box.isVisible() and not any(v.isVisible() for v in c.values_b.values())


def test_a_hostile_label_is_escaped_and_short(qtbot, pair):
    _, snap = pair
    c = Counters()
    qtbot.addWidget(c)
    c.show_snapshot(replace(snap, b_label="<img src=x>\u202e" + "z" * 300))
    text = c.run_names[1].text()
    assert "<img" not in text and "&lt;img" in text and "\u202e" not in text
    assert text.endswith("zzz…") and len(text) < 100
    assert "&lt;img" in c.run_box.toolTip() and "<img" not in c.run_box.toolTip()
    assert "z" * 150 in c.run_box.toolTip()  # the whole label (up to 200 characters) on hovering


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.show()
    qtbot.waitExposed(w)
    yield w
    discard_and_close(w)


def test_the_row_fits_the_learners_screens(qtbot, window, pair):
    _, snap = pair
    wait_snapshot(qtbot, window, lambda s: s.evaluation is not None)
    bar = window.findChild(QToolBar, "toolbar_progress")
    c = window.counters
    for size in ((1366, 768), (1280, 800)):
        window.resize(*size)
        c.show_snapshot(replace(snap, b=None))
        qtbot.wait(50)
        one_height = c.height()
        c.show_snapshot(snap)

        def laid_out() -> None:
            assert c.width() >= c.sizeHint().width()  # nothing squeezed
            labels = [c.run_names[1], *c.values.values(), *c.values_b.values(), *c.titles.values()]
            for label in labels:
                if label.isVisibleTo(window):
                    assert label.width() >= label.sizeHint().width(), label.text()
                    assert label.height() >= label.sizeHint().height(), label.text()

        qtbot.waitUntil(laid_out, timeout=2000)
        assert c.geometry().right() < bar.width()
        assert window.timeline.isVisibleTo(window) and window.timeline.width() >= 150
        assert c.height() <= one_height + 14  # two rows of numbers in a smaller font
        window.grab().save(f"/tmp/cmp-loss/counters_comparison_{size[0]}x{size[1]}.png")
