"""Run B's layer on the activation view, while two runs are compared.

Run A's pre-activations stay the grey (and red, where saturated) bars; run B's
histogram of the same layer is drawn over them as an outline in B's colour, dashed, so
both can be read on the same bins. When B's layer has another activation (B changed
it), B's f(z) is drawn dashed in B's colour over A's curves, named in their legend. A legend line under the
plots names the runs and says how many of each run's units are saturated.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from ...core.activations import ACTIVATIONS
from ...core.probes import LayerProbe, ProbeResult
from .run_colors import RUN_B_STYLE, run_color

Array = np.ndarray


def activation_name(key: str) -> str:
    return ACTIVATIONS[key].name if key in ACTIVATIONS else key.capitalize()


def percent(share: float) -> str:
    """A share of units as the view writes it: 22 %, 0.4 %, 0 %."""
    pct = 100.0 * share
    return f"{pct:.0f} %" if pct >= 1 or pct == 0 else f"{pct:.1g} %"


class RunBLayer:
    """Run B's histogram (and, if it differs, activation) on ``hist_plot`` and ``curve_plot``."""

    def __init__(self, curve_plot: pg.PlotItem, hist_plot: pg.PlotItem, legend: pg.LegendItem,
                 a_color: str) -> None:
        pen = pg.mkPen(run_color("B"), width=2, style=RUN_B_STYLE)
        #: B's counts per bin, drawn as a step outline over A's bars
        self.hist = pg.PlotDataItem(stepMode="center", pen=pen)
        self.hist.setZValue(5)
        hist_plot.addItem(self.hist)
        #: B's f(z), when B's layer has another activation than A's
        self.f_curve = pg.PlotDataItem(pen=pg.mkPen(run_color("B"), width=2, style=RUN_B_STYLE))
        self.f_curve.setZValue(4)
        curve_plot.addItem(self.f_curve)
        self._legend = legend
        self._a_color = a_color
        #: the legend line: which run is which, and each run's saturated share
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setVisible(False)
        #: B's counts of the layer shown (None: not comparing, or B has no such layer)
        self.counts: Array | None = None
        self.saturated: float | None = None
        #: B's activation of the layer shown, when it differs from A's; else ""
        self.other_activation = ""

    def clear(self) -> None:
        """Not comparing: nothing of B is drawn."""
        self.counts = None
        self.saturated = None
        self._set_other_activation("")
        self.hist.setData([], [])
        self.label.setVisible(False)

    def _set_other_activation(self, key: str, z: Array | None = None) -> None:
        """Draw B's f(z) for activation ``key`` (named in the curves' legend), or none ("")."""
        self.other_activation = key
        if key and key in ACTIVATIONS and z is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                self.f_curve.setData(z, np.asarray(ACTIVATIONS[key].f(z, None), dtype=float))
            text = f"f(z)  {activation_name(key)} (B)"
            if self._legend.getLabel(self.f_curve) is None:
                self._legend.addItem(self.f_curve, text)
            else:
                self._legend.getLabel(self.f_curve).setText(text)
        else:
            self.f_curve.setData([], [])
            self._legend.removeItem(self.f_curve)

    def show(self, probes: ProbeResult | None, label: str, a_probe: LayerProbe | None,
             a_key: str, b_keys: tuple[str, ...] | list[str], z: Array) -> None:
        """Draw B's layer of the same name as A's ``a_probe`` (of activation ``a_key``)
        from B's ``probes``; ``label`` names run B, ``b_keys`` are
        B's activations per layer and ``z`` the curve's grid."""
        # the layer of the same name ("hidden 2", "output"): with another architecture
        # B's layer at the same index can be another one
        want = a_probe.name if a_probe is not None else None
        b_index = next((i for i, lp in enumerate(probes.layers) if lp.name == want), None) if probes else None
        b_probe = probes.layers[b_index] if probes is not None and b_index is not None else None
        name = html.escape(label or "B")
        a_dot = f'<span style="color:{self._a_color}; font-size:large;">■</span>'
        b_line = f'<span style="color:{run_color("B").name()}; font-weight:bold;">┅┅</span>'
        a_text = f"{a_dot}&nbsp;A" + (f": {percent(a_probe.saturated)} saturated" if a_probe is not None else "")
        if b_probe is None:
            self.counts = None
            self.saturated = None
            self._set_other_activation("")
            self.hist.setData([], [])
            what = "no statistics yet" if probes is None else "its network has no such layer"
            self._say(f"{a_text} &nbsp; {b_line}&nbsp;{name}: {what}")
            return
        self.counts = np.asarray(b_probe.z_counts, dtype=float)
        self.saturated = float(b_probe.saturated)
        self.hist.setData(np.asarray(probes.z_edges, dtype=float), self.counts)
        b_key = b_keys[b_index] if b_index is not None and b_index < len(b_keys) else a_key
        if (b_key if b_key != a_key else "") != self.other_activation:
            self._set_other_activation(b_key if b_key != a_key else "", z)
        self._say(f"{a_text} &nbsp; {b_line}&nbsp;{name}: {percent(self.saturated)} saturated")

    def _say(self, text: str) -> None:
        if text != self.label.text():  # a new text lays the view out again
            self.label.setText(text)
        if not self.label.isVisible():
            self.label.setVisible(True)

    def top(self) -> float:
        """B's highest count (0 when nothing is drawn), for the histogram's y range."""
        return float(self.counts.max()) if self.counts is not None and len(self.counts) else 0.0


__all__ = ["RunBLayer", "activation_name", "percent"]
