"""A run's path on the loss-landscape plane as it grows between two recomputed surfaces.

The engine computes a surface now and then; in between, each snapshot's weights are put
on that surface's plane so the path, the current point and the header follow training
at snapshot rate (and shrink back after a rewind). :class:`LivePath` is that path for
one run: the surface view keeps one for run A and one for run B of a comparison.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class LivePath:
    """Rows ``(α, β)`` in axis units (oldest first), their iterations, and the current point."""

    def __init__(self) -> None:
        self.path: Array = np.zeros((0, 2))
        self.iterations: Array = np.zeros(0, dtype=np.int64)
        self.current: Array | None = None
        #: how many rows at the start came with the surface (the engine knows their heights)
        self.computed = 0

    def __len__(self) -> int:
        return len(self.path)

    def reset(self, path: Array | None, iterations: Array | None, current: Array | None) -> None:
        """The path that came with a new surface."""
        self.path = np.array(path, dtype=np.float64) if path is not None else np.zeros((0, 2))
        self.iterations = (np.asarray(iterations).astype(np.int64) if iterations is not None
                           else np.zeros(0, dtype=np.int64))
        self.current = np.array(current, dtype=np.float64) if current is not None else None
        self.computed = len(self.path)

    def clear(self) -> None:
        self.reset(None, None, None)

    def grow(self, iteration: int, point: Array) -> bool:
        """Put the weights of ``iteration`` (plane point ``point``) at the path's end.

        A point from before the path's end (a rewind or a reset) first drops what lies in
        its future; a point of the same iteration replaces the last. Returns False (and
        changes nothing) when there is no path to grow or the point is not finite.
        """
        if len(self.iterations) == 0 or not np.all(np.isfinite(point)):
            return False
        it = int(iteration)
        if it < int(self.iterations[-1]):
            keep = self.iterations < it
            self.path = self.path[keep]
            self.iterations = self.iterations[keep]
            self.computed = min(self.computed, len(self.path))
        if len(self.iterations) and int(self.iterations[-1]) == it:
            self.path[-1] = point
        else:
            self.path = np.vstack([self.path, np.asarray(point, dtype=np.float64)[None, :]])
            self.iterations = np.append(self.iterations, it)
        self.current = np.asarray(point, dtype=np.float64)
        return True


__all__ = ["LivePath"]
