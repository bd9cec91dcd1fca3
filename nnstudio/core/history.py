"""Training history that stays bounded over millions of iterations.

:class:`DecimatingLog` keeps at most ``capacity`` rows. While there is room every
appended row is kept; when it fills up, neighbouring rows are merged pairwise (their
mean, at the later x) and from then on each stored row is the mean of twice as many
appended rows. The curve therefore keeps its shape and its full time span, with a
resolution that halves each time the log fills: memory is O(capacity), whatever the
run's length, and a noisy SGD loss is averaged rather than aliased.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class DecimatingLog:
    """Rows of floats whose first column is the x (iteration or epoch) they belong to."""

    def __init__(self, columns: tuple[str, ...], capacity: int = 8192, reduce: str = "mean") -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number >= 4")
        if reduce not in ("mean", "sample"):
            raise ValueError("reduce is 'mean' or 'sample'")
        #: "mean": a stored row is the mean of ``stride`` appended rows; "sample": the
        #: caller appends only rows whose x is a multiple of ``stride`` (see :meth:`due`)
        #: and thinning keeps every other one, so no work is spent on rows never kept
        self.reduce = reduce
        self.columns = columns
        self.capacity = capacity
        self._data = np.empty((capacity, len(columns)), dtype=np.float64)
        self._n = 0
        self.stride = 1  # appended rows per stored row
        #: counts the changes to rows already stored (thinning, truncating, clearing,
        #: loading); appending leaves it alone, so a reader can copy only the new rows
        self.edits = 0
        # the pending rows' sums, as Python floats: adding a row to them element by element
        # is the same IEEE arithmetic as a NumPy array's += and a microsecond cheaper, which
        # is a twentieth of a small network's whole iteration
        self._acc = [0.0] * len(columns)
        self._acc_n = 0

    def __len__(self) -> int:
        return self._n

    def due(self, x: int) -> bool:
        """Whether a "sample" log keeps a row at x."""
        return x % self.stride == 0

    def append(self, row: tuple[float, ...] | list[float]) -> None:
        if self.reduce == "sample":
            if self._n == self.capacity:
                self._thin()
                if row[0] % self.stride:
                    return  # not on the thinned grid: it would break the even spacing
            self._data[self._n] = row
            self._n += 1
            return
        if self.stride == 1 and self._n < self.capacity:
            self._data[self._n] = row
            self._n += 1
            return
        acc = self._acc
        for i, v in enumerate(row):
            acc[i] += v
        self._acc_n += 1
        if self._acc_n < self.stride:
            return
        if self._n == self.capacity:
            # Merging doubles the stride; the rows pending here are then half of the next
            # stored row, and stay pending. (Storing them as a row of their own would give
            # that row half the weight of its neighbours and make the next merge's mean
            # wrong.)
            self._thin()
            return
        mean = np.array(acc, dtype=np.float64) / self.stride
        mean[0] = row[0]  # the x of a merged row is its last one
        self._data[self._n] = mean
        self._n += 1
        acc[:] = [0.0] * len(acc)
        self._acc_n = 0

    def _thin(self) -> None:
        """Halve the stored rows (pairwise means, or every other row when sampling)."""
        half = self.capacity // 2
        d = self._data
        if self.reduce == "sample":
            merged = d[1::2].copy()
        else:
            merged = 0.5 * (d[0::2] + d[1::2])
            merged[:, 0] = d[1::2, 0]
        d[:half] = merged
        self._n = half
        self.edits += 1
        self.stride *= 2

    def column(self, name: str) -> Array:
        """A copy of one column (``"x"`` or any other name) over the stored rows."""
        return self._data[: self._n, self.columns.index(name)].copy()

    def array(self) -> Array:
        """A copy of all stored rows, shape ``(len, n_columns)``."""
        return self._data[: self._n].copy()

    def rows_from(self, start: int) -> Array:
        """A copy of the stored rows from index ``start`` on."""
        return self._data[start: self._n].copy()

    def last(self) -> Array | None:
        return self._data[self._n - 1].copy() if self._n else None

    def truncate(self, limit: float, column: str = "x") -> None:
        """Forget the rows whose ``column`` (ascending) is beyond ``limit`` (used when rewinding)."""
        col = self.columns.index(column)
        keep = int(np.searchsorted(self._data[: self._n, col], limit, side="right"))
        self._n = keep
        self.edits += 1
        self._acc[:] = [0.0] * len(self._acc)
        self._acc_n = 0

    def clear(self) -> None:
        self._n = 0
        self.stride = 1
        self.edits += 1
        self._acc[:] = [0.0] * len(self._acc)
        self._acc_n = 0

    # -- persistence ------------------------------------------------------------------
    def to_arrays(self) -> dict[str, Array]:
        return {"rows": self.array(), "stride": np.array(self.stride)}

    def load_arrays(self, rows: Array, stride: int) -> None:
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != len(self.columns) or len(rows) > self.capacity:
            raise ValueError("history rows do not match the log's columns or capacity")
        self.clear()
        self._data[: len(rows)] = rows
        self._n = len(rows)
        self.stride = max(1, int(stride))
        self.edits += 1


class History:
    """Per-iteration and per-epoch training history.

    * ``iterations``: x = iteration, ``loss`` = the batch's data loss before its
      update, ``lr`` = the learning rate used.
    * ``layers``: x = iteration, then per layer the RMS of ∂L/∂W and of the δ
      back-propagated to it (what the gradient-magnitude view plots over time).
    * ``epochs``: x = epoch number (1 = after the first epoch), the iteration it ended
      at, the epoch's mean training loss, the validation loss and the metric (accuracy
      for classification, R² for regression) on both.
    """

    ITER_COLUMNS = ("x", "loss", "lr")
    EPOCH_COLUMNS = ("x", "iteration", "loss", "val_loss", "metric", "val_metric", "lr")

    def __init__(self, n_layers: int = 0, capacity: int = 8192) -> None:
        self.iterations = DecimatingLog(self.ITER_COLUMNS, capacity)
        self.epochs = DecimatingLog(self.EPOCH_COLUMNS, capacity)
        #: per iteration and layer: RMS of ∂L/∂W (``g1``…) and of the per-sample δ (``d1``…)
        self.layers = DecimatingLog(self.layer_columns(n_layers), capacity, reduce="sample")

    @staticmethod
    def layer_columns(n_layers: int) -> tuple[str, ...]:
        return ("x", *(f"g{i + 1}" for i in range(n_layers)), *(f"d{i + 1}" for i in range(n_layers)))

    def truncate(self, iteration: int) -> None:
        self.iterations.truncate(iteration)
        self.layers.truncate(iteration)
        self.epochs.truncate(iteration, column="iteration")

    def clear(self) -> None:
        self.iterations.clear()
        self.epochs.clear()
        self.layers.clear()

    def snapshot(self) -> dict[str, tuple[Array, int]]:
        """The stored rows and strides of the three logs (see :meth:`restore`)."""
        return {name: (log.array(), log.stride) for name, log in self._logs().items()}

    def restore(self, snapshot: dict[str, tuple[Array, int]]) -> None:
        """Put back the rows of a :meth:`snapshot` (rows pending a merge are not in it)."""
        for name, log in self._logs().items():
            log.load_arrays(*snapshot[name])

    def _logs(self) -> dict[str, DecimatingLog]:
        return {"iterations": self.iterations, "epochs": self.epochs, "layers": self.layers}
