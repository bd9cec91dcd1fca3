"""What the decision view says in words: its caption, its legend line and the mouse's read-out.

Plain functions of what is drawn, so that each run's plot reads alike and the words
can be checked without a plot.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtGui import QColor

from ...core.data import PreparedData
from ...core.number_text import number_text
from ...core.snapshot import Grid
from .. import theme
from .decision_points import DecisionPoints, PointHit
from .sample_errors import SampleErrors

Array = np.ndarray


#: the view's name for classes (any drawing) and, by drawing, for a regression: a
#: fitted curve or surface is no decision boundary (the dock's tab follows it)
CLASSES_TITLE = "Decision boundary"
REGRESSION_TITLES = {"curve": "Fitted curve", "plane": "Fitted surface", "none": "Predictions"}


def title_for(data: PreparedData, mode: str) -> str:
    """The view's name for ``data`` drawn as ``mode`` (see :data:`REGRESSION_TITLES`)."""
    return REGRESSION_TITLES.get(mode, CLASSES_TITLE) if data.task == "regression" else CLASSES_TITLE


def caption_for(data: PreparedData, mode: str, plane_caption: str) -> str:
    """The view's caption for ``data`` drawn as ``mode`` ("plane", "curve" or "none");
    ``plane_caption`` for classes on a plane."""
    wrong = "each point it gets wrong" if data.task != "regression" else "the worst residuals"
    follow = (f" A cross marks {wrong}; hover a point for its loss, click a training point to follow it "
              "in the step inspector.")
    if mode == "curve":
        if data.task == "regression":
            return ("The line is the network's prediction ŷ for every x; training moves it through "
                    "the points. Filled dots are training points, hollow ones validation points "
                    "it never trains on." + follow)
        return ("The curve is the probability the network gives each class along x. Filled dots "
                "are training points, hollow ones validation points it never trains on." + follow)
    if mode == "none":
        if data.task == "regression":
            return ("With more than two inputs there is no line or plane to draw the predictions over: "
                    "the Loss view and the R² counter tell how well the network fits.")
        return ("Each row counts the points of one true class by the class the network picks: "
                "everything on the diagonal is right, everything off it a mistake.")
    if data.task == "regression":
        return ("The background shows the value the network predicts at every point of the plane; "
                "the dots are coloured by their true value on the same scale (filled: training, "
                "hollow: validation)." + follow)
    return plane_caption


def legend_html(points: DecisionPoints, mode: str, marks: bool) -> str:
    """The legend line: coloured symbols with the class names of the points drawn (the
    painted draft's while there is one), and the crosses' meaning when ``marks``."""
    grey = "#888888"

    def dot(color: QColor | str, name: str, hollow: bool = False) -> str:
        c = color.name() if isinstance(color, QColor) else color
        sym = "○" if hollow else "●"
        return f'<span style="color:{c}; font-size:large;">{sym}</span>&nbsp;{html.escape(name)}'

    task = points.task()
    if task == "regression":
        if mode == "curve":
            parts = [dot(theme.TRAIN, "training"),
                     f'<span style="color:{theme.foreground().name()}; font-weight:bold;">━━</span>'
                     f"&nbsp;network ŷ(x)"]
        else:
            parts = [dot(grey, "points: colour = target value")]
    else:
        names = points.class_names()
        k = max(2, len(names))
        parts = [dot(theme.class_color(i, k), f"class {name}") for i, name in enumerate(names)]
    if marks:  # only once the crosses are drawn
        mark = "wrong" if task != "regression" else "worst residuals"
        parts.append(f'<span style="color:{theme.foreground().name()}; font-weight:bold;">✕</span>'
                     f"&nbsp;{mark}")
    return " &nbsp; ".join(parts)


def point_lines(hit: PointHit | None, errors: tuple[SampleErrors, SampleErrors] | None,
                class_names: tuple[str, ...]) -> list[str]:
    """The read-out of the training or validation point ``hit``: which it is, its
    target, the network's prediction and its loss (from ``errors``); [] for no such point."""
    if errors is None or hit is None or hit.kind not in ("train", "validation"):
        return []
    which = errors[0] if hit.kind == "train" else errors[1]
    i = hit.index
    if not 0 <= i < len(which):
        return []
    what = "training point" if hit.kind == "train" else "validation point"
    wrong = ""
    if which.wrong[i]:
        wrong = "  ✕ misclassified" if which.task != "regression" else "  ✕ among the worst"
    return [f"{what} #{i}{wrong}",
            f"target: {which.target_text(i, class_names)}",
            f"prediction: {which.prediction_text(i, class_names)}",
            f"loss: {which.loss_text(i)}"]


def read_out_lines(data: PreparedData, mode: str, grid: Grid, idx: tuple[int, ...], x: float, y: float,
                   hit: PointHit | None, errors: tuple[SampleErrors, SampleErrors] | None,
                   neuron_title: str, values: Array) -> list[str]:
    """What the mouse at view point (x, y) reads: on a point, the point's own numbers
    (not the nearest grid point's: they differ a little); elsewhere where it is and the
    network's answer at grid point ``idx`` (or the shown neuron's ``values`` there)."""
    names = data.raw.feature_names
    where = (f"{names[0]} = {number_text(x, 3)}, {names[1]} = {number_text(y, 3)}" if mode == "plane"
             else f"{names[0]} = {number_text(x, 3)}")
    point = point_lines(hit, errors, data.class_names)
    lines = point or [where]
    if neuron_title:
        lines.append(f"{neuron_title.split(':')[0]}: {number_text(float(values[idx]), 4)}")
    elif point:
        lines = point
    elif data.task == "binary":
        p = float(grid.output[idx])
        name = data.class_names[1] if len(data.class_names) > 1 else "1"
        lines.append(f"P(class {name}) = {p:.3f}")
    elif data.task == "multiclass" and grid.probs is not None:
        probs = grid.probs[idx]
        best = int(np.argmax(probs))
        lines.append(f"predicts {data.class_names[best]} (p = {float(probs[best]):.3f})")
        lines.append("  ".join(f"{n}: {float(q):.2f}" for n, q in zip(data.class_names, probs)))
    else:
        lines.append(f"ŷ = {number_text(float(grid.output[idx]), 4)}")
    return lines


__all__ = ["caption_for", "legend_html", "point_lines", "read_out_lines"]
