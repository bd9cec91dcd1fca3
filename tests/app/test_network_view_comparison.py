"""While two runs are compared, the network view says it draws run A."""

from __future__ import annotations

from comparison_snapshots import comparison_for, pair_snapshot
from nnstudio.app.views.network_view import NetworkView
from nnstudio.app.views.run_colors import RUN_A_COLOR
from nnstudio.core.snapshot import make_snapshot


def test_network_view_names_run_a_only_while_comparing(qtbot):
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    cmp, prepared = comparison_for("lr=0.3", iterations=5)
    view.set_data(prepared)
    single = make_snapshot(cmp.a, None, None)
    view.show_snapshot(single)
    assert not view.run_label.isVisibleTo(view)
    view.show_snapshot(pair_snapshot(cmp, prepared))
    qtbot.wait(20)
    assert view.run_label.isVisible() and view.run_label.text() == "run A"
    assert RUN_A_COLOR.name() in view.run_label.styleSheet()
    assert "B: η = 0.3" in view.run_label.toolTip()
    # in the header row, whole
    assert view.run_label.parentWidget() is view.header
    assert view.run_label.width() >= view.run_label.fontMetrics().horizontalAdvance("run A")
    view.show_snapshot(single)
    assert not view.run_label.isVisibleTo(view)
