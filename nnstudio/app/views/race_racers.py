"""The racers of the optimizer race: which optimizers run, in which colour, with which
settings, and one racer's run (its optimizer, point and path) on a test function."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtGui import QColor

from ...core.number_text import number_text
from ...core.optimizers import Optimizer, make_optimizer
from ...core.testfunctions import TestFunction

Array = np.ndarray

#: the racers, in display order, with their colour
RACERS: tuple[tuple[str, QColor], ...] = (
    ("sgd", QColor(213, 94, 0)),
    ("momentum", QColor(0, 114, 178)),
    ("nesterov", QColor(86, 180, 233)),
    ("adagrad", QColor(0, 158, 115)),
    ("rmsprop", QColor(204, 121, 167)),
    ("adam", QColor(30, 30, 30)),
)
SHORT_NAMES = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
               "rmsprop": "RMSProp", "adam": "Adam"}
#: each optimizer's key setting: (make_optimizer keyword, label, default, tooltip)
SETTINGS: dict[str, tuple[tuple[str, str, float, str], ...]] = {
    "momentum": (("momentum", "μ", 0.9, "momentum μ: how much of the last velocity is kept"),),
    "nesterov": (("momentum", "μ", 0.9, "momentum μ: how much of the last velocity is kept"),),
    "rmsprop": (("rho", "α", 0.99, "α: how slowly the average of g² forgets"),),
    "adam": (("beta1", "β₁", 0.9, "β₁: how slowly the average gradient forgets"),
             ("beta2", "β₂", 0.999, "β₂: how slowly the average of g² forgets")),
}

@dataclass
class Racer:
    """One optimizer in the race: its settings, its point and the path so far."""

    key: str
    color: QColor
    lr: float
    settings: dict[str, float] = field(default_factory=dict)
    enabled: bool = True
    opt: Optimizer | None = None
    p: Array = field(default_factory=lambda: np.zeros(2))
    points: list[Array] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    stopped: str | None = None

    @property
    def name(self) -> str:
        return SHORT_NAMES.get(self.key, self.key)

    @property
    def path(self) -> Array:
        """Points visited, ``(steps_done + 1, 2)``: the start first."""
        return np.array(self.points, dtype=np.float64).reshape(-1, 2)

    @property
    def steps_done(self) -> int:
        return max(0, len(self.points) - 1)

    def restart(self, start: Array, fn: TestFunction) -> None:
        """A fresh optimizer at ``start``."""
        self.opt = make_optimizer(self.key, self.lr, **self.settings)
        self.p = np.array(start, dtype=np.float64)
        self.points = [self.p.copy()]
        with np.errstate(all="ignore"):
            self.values = [fn.value(self.p)]
        self.stopped = None

    def advance(self, fn: TestFunction, bound: tuple[tuple[float, float], tuple[float, float]]) -> None:
        """One step, stopping (and keeping the path) as :func:`race` does."""
        if self.stopped is not None or self.opt is None:
            return
        (bx0, bx1), (by0, by1) = bound
        t = len(self.points)  # the step being taken
        # far out, x³ and friends overflow before the checks below see it: they report it
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            self.opt.step(self.p, fn.grad(self.p))
            if not np.all(np.isfinite(self.p)):
                self.stopped = (f"stopped after {t - 1} steps: the next step gave an infinite or undefined "
                                f"point (NaN) — the learning rate is too large here")
                return
            self.points.append(self.p.copy())
            self.values.append(fn.value(self.p))
        x, y = self.p
        if not (bx0 <= x <= bx1 and by0 <= y <= by1):
            self.stopped = (f"stopped after {t} steps: the point ({x:.3g}, {y:.3g}) left the region "
                            f"x ∈ [{bx0:g}, {bx1:g}], y ∈ [{by0:g}, {by1:g}]"
                            + (" — it diverged" if fn.minima else ""))


def _fmt(v: float) -> str:
    """A value with a steady number of digits for the legend column."""
    if not math.isfinite(v):
        return "–"
    if v == 0.0 or 1e-3 <= abs(v) < 100:
        return f"{v:.4f}"
    if 100 <= abs(v) < 1e5:
        return f"{v:.1f}"
    return number_text(v, 3)  # 7.31×10⁻⁵, as the app writes numbers (not "7.31e-05")


__all__ = ["RACERS", "Racer", "SETTINGS", "SHORT_NAMES", "_fmt"]
