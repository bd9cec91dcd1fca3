"""The data points on the decision plot, and which one is under the mouse.

Training points are filled, validation points hollow; points the learner is painting
from scratch (a draft the document does not hold yet) replace them while there is one;
a ring marks the sample the step inspector follows. :meth:`DecisionPoints.nearest`
says which drawn point a click is on, and whether it is a training point (with its
index in the training set, ``PreparedData.X_train``'s row), a validation point (with
its index in the validation set) or a painted one (with its row in the painted data).

Where the errors are (:meth:`DecisionPoints.set_errors`): a cross on every point the
network misclassifies, training and validation alike; for regression a cross on the
worst residuals (:func:`~.sample_errors.worst_count` of each set), and along a line
(1-D data) a segment from each of those points to the fitted curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ...core.data import Dataset, PreparedData
from .. import theme
from .sample_errors import SampleErrors

Array = np.ndarray

#: the ring around the inspected sample (the step inspector's colour)
RING = QColor(150, 60, 200)


def target_levels(y: Array) -> tuple[float, float]:
    """Colour levels for regression targets: their range (widened when it is one value)."""
    y = np.asarray(y, dtype=np.float64)
    lo, hi = (float(np.min(y)), float(np.max(y))) if y.size else (0.0, 1.0)
    if not hi > lo:
        lo, hi = lo - 1.0, hi + 1.0
    return lo, hi


def point_colors(ds: Dataset, y: Array) -> list[QColor]:
    """The colour of points with targets ``y`` of data set ``ds``: their class's colour,
    or for regression the target's place on the diverging colour map over ``ds.y``'s
    range. Every view that draws the data points uses these."""
    if ds.task == "regression":
        lo, hi = target_levels(ds.y)
        lut = theme.diverging_lut(256)
        idx = np.clip(((np.asarray(y, dtype=np.float64) - lo) / (hi - lo) * 255).round(), 0, 255).astype(int)
        return [QColor(*map(int, lut[i, :3])) for i in idx]
    k = max(2, ds.n_classes)
    cache = [theme.class_color(i, k) for i in range(k)]
    return [cache[int(c)] for c in y]


@dataclass(frozen=True)
class PointHit:
    """A drawn point: ``kind`` "train", "validation" or "painted"; ``row`` its row of the
    raw (or painted) data; ``index`` its index in the training set (training points) or
    in the validation set (validation points)."""

    kind: str
    row: int
    index: int = -1


class DecisionPoints:
    """Scatter items for the points of ``PreparedData`` (or a painted draft) on ``plot``."""

    PICK_PIXELS = 12.0  # a click this close to a point is on it

    def __init__(self, plot: pg.PlotItem) -> None:
        self.train = pg.ScatterPlotItem(size=8, pen=pg.mkPen("w", width=1), hoverable=False)
        self.val = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(255, 255, 255, 170))
        self.ring = pg.ScatterPlotItem(size=20, pen=pg.mkPen(RING, width=3), brush=pg.mkBrush(0, 0, 0, 0))
        self.ring.setZValue(50)
        fg = theme.foreground()
        #: a cross on each misclassified point (regression: each of the worst residuals)
        self.marks = pg.ScatterPlotItem(size=9, symbol="x", brush=pg.mkBrush(fg),
                                        pen=pg.mkPen(theme.background(), width=0.8))
        self.marks.setZValue(40)
        #: regression along a line: the worst residuals, point to curve
        self.residuals = pg.PlotDataItem(pen=pg.mkPen(fg, width=1.5, style=Qt.PenStyle.DotLine), connect="pairs")
        self.residuals.setZValue(30)
        for item in (self.train, self.val, self.ring, self.marks, self.residuals):
            plot.addItem(item)
        #: the last errors shown: (training, validation), or None
        self.errors: tuple[SampleErrors, SampleErrors] | None = None
        self._marks_key: tuple | None = None
        self.data: PreparedData | None = None
        self.draft: Dataset | None = None
        self.mode = "none"
        self.show_validation = True
        self.inspected: int | None = None

    # -- what is drawn --------------------------------------------------------------------------
    def set_data(self, data: PreparedData, mode: str) -> None:
        self.data = data
        self.mode = mode
        self.inspected = None
        self.errors = None
        self.redraw()

    def set_errors(self, errors: tuple[SampleErrors, SampleErrors] | None) -> None:
        """Mark where the network errs: ``errors`` of the training and the validation
        set (:func:`~.sample_errors.data_errors`), or None for no marks."""
        self.errors = errors
        self._place_marks()

    def marked(self) -> tuple[np.ndarray, np.ndarray]:
        """The training and validation indices that carry a mark now."""
        if self.errors is None or not self._marks_shown():
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
        train, val = self.errors
        v = np.flatnonzero(val.wrong) if self.show_validation else np.empty(0, dtype=np.intp)
        return np.flatnonzero(train.wrong), v

    def _marks_shown(self) -> bool:
        data = self.data
        return (data is not None and self.draft is None and self.mode != "none" and self.errors is not None
                and len(self.errors[0]) == len(data.train_index) and len(self.errors[1]) == len(data.val_index))

    def _place_marks(self) -> None:
        if not self._marks_shown():
            self._marks_key = None
            self.marks.clear()
            self.residuals.setData([], [])
            return
        data = self.data
        assert data is not None and self.errors is not None
        ti, vi = self.marked()
        rows = np.concatenate([data.train_index[ti], data.val_index[vi]])
        x, y = self._xy(data.raw, rows)
        # while training the same points stay wrong for many updates: move nothing then
        key = (id(data), self.mode, rows.tobytes())
        if key != self._marks_key:
            self._marks_key = key
            self.marks.setData(x, y)
        if self.mode == "curve" and data.task == "regression":
            train, val = self.errors
            fit = np.concatenate([train.output[ti, 0], val.output[vi, 0]])
            seg_x = np.repeat(x, 2)
            seg_y = np.column_stack([y, fit]).ravel()
            self.residuals.setData(seg_x, seg_y, connect="pairs")
        else:
            self.residuals.setData([], [])

    def set_draft(self, draft: Dataset | None) -> None:
        """Draw the painted points ``draft`` instead of the data (None: the data again)."""
        self.draft = draft
        self.redraw()

    def set_show_validation(self, on: bool) -> None:
        self.show_validation = bool(on)
        self.val.setVisible(self.show_validation and self.draft is None)
        self._place_marks()

    def set_inspected(self, index: int | None) -> None:
        """Ring the training sample ``index`` (a row of ``X_train``), or nothing."""
        if index != self.inspected:
            self.inspected = index
            self._place_ring()

    def painted(self) -> bool:
        return self.draft is not None

    def class_names(self) -> tuple[str, ...]:
        """The names of the classes drawn (the draft's while there is one)."""
        if self.draft is not None:
            return self.draft.class_names
        return self.data.class_names if self.data is not None else ()

    def task(self) -> str:
        if self.draft is not None:
            return self.draft.task
        return self.data.task if self.data is not None else "regression"

    def redraw(self) -> None:
        data = self.data
        if data is None or self.mode == "none":
            self.train.clear()
            self.val.clear()
            self._place_ring()
            return
        if self.draft is not None:
            ds = self.draft
            if ds.n_features == (2 if self.mode == "plane" else 1) and ds.n_samples:
                x, y = self._xy(ds, np.arange(ds.n_samples))
                self.train.setData(x, y, brush=[pg.mkBrush(c) for c in self._colors(ds, ds.y)],
                                   pen=pg.mkPen("w", width=1))
            else:
                self.train.clear()
            self.val.clear()
            self.val.setVisible(False)
            self._place_ring()
            self._place_marks()
            return
        raw = data.raw
        tx, ty = self._xy(raw, data.train_index)
        vx, vy = self._xy(raw, data.val_index)
        if self.mode == "curve" and raw.task == "regression":
            tcol = [theme.TRAIN] * len(tx)
            vcol = [theme.VALIDATION] * len(vx)
        else:
            tcol = self._colors(raw, raw.y[data.train_index])
            vcol = self._colors(raw, raw.y[data.val_index])
        self.train.setData(tx, ty, brush=[pg.mkBrush(c) for c in tcol], pen=pg.mkPen("w", width=1))
        self.val.setData(vx, vy, pen=[pg.mkPen(c, width=2) for c in vcol], brush=pg.mkBrush(255, 255, 255, 170))
        self.val.setVisible(self.show_validation)
        self._place_ring()
        self._place_marks()

    def _place_ring(self) -> None:
        data, k = self.data, self.inspected
        if (data is None or k is None or self.draft is not None or self.mode == "none"
                or not 0 <= k < len(data.train_index)):
            self.ring.clear()
            return
        x, y = self._xy(data.raw, data.train_index[k:k + 1])
        self.ring.setData(x, y)

    def _xy(self, ds: Dataset, rows: Array) -> tuple[Array, Array]:
        """Plot coordinates of ``rows`` of ``ds``: (x1, x2) on the plane; along a line,
        x and the target (regression) or the probability 1 of the point's own class."""
        X = ds.X[rows]
        if self.mode == "plane":
            return X[:, 0].astype(np.float64), X[:, 1].astype(np.float64)
        if ds.task == "regression":
            return X[:, 0].astype(np.float64), ds.y[rows].astype(np.float64)
        if ds.task == "multiclass":
            return X[:, 0].astype(np.float64), np.ones(len(rows))
        return X[:, 0].astype(np.float64), ds.y[rows].astype(np.float64)

    def _colors(self, ds: Dataset, y: Array) -> list[QColor]:
        return point_colors(ds, y)

    # -- picking ---------------------------------------------------------------------------------
    def nearest(self, x: float, y: float, pixel: tuple[float, float]) -> PointHit | None:
        """The drawn point nearest to view point (x, y) within PICK_PIXELS (``pixel``: the
        view's size of a screen pixel, x and y), or None."""
        data = self.data
        if data is None or self.mode == "none":
            return None
        pw, ph = pixel
        if not (pw > 0 and ph > 0):
            return None
        if self.draft is not None:
            ds = self.draft
            if ds.n_samples == 0 or ds.n_features != (2 if self.mode == "plane" else 1):
                return None
            rows = np.arange(ds.n_samples)
            kinds = np.zeros(len(rows), dtype=np.int8)
        else:
            ds = data.raw
            rows = data.train_index
            kinds = np.zeros(len(rows), dtype=np.int8)
            if self.show_validation and len(data.val_index):
                rows = np.concatenate([rows, data.val_index])
                kinds = np.concatenate([kinds, np.ones(len(data.val_index), dtype=np.int8)])
        if not len(rows):
            return None
        px, py = self._xy(ds, rows)
        d2 = ((px - x) / pw) ** 2 + ((py - y) / ph) ** 2
        k = int(np.argmin(d2))
        if not d2[k] <= self.PICK_PIXELS ** 2:
            return None
        if self.draft is not None:
            return PointHit("painted", int(rows[k]))
        if kinds[k] == 1:
            return PointHit("validation", int(rows[k]), k - len(data.train_index))
        return PointHit("train", int(rows[k]), k)


__all__ = ["DecisionPoints", "PointHit", "RING", "point_colors", "target_levels"]
