"""Hands the newest snapshot to the views that are on screen, a few at a time.

Every view repaints when it is given a snapshot, and pyqtgraph paints in Python: giving
all of them the same snapshot in one pass of the event loop would stall the window for
a frame or more — Qt paints every widget changed in one pass together, in the next. The
:class:`ViewScheduler` runs on a short GUI timer and, in each pass, updates the visible
views that are due (stalest first) while the time spent plus the paint each update will
cause (``ViewBase.paint_cost``, measured per view) stays within its budget; the rest wait
for the next pass, so their paints fall in passes of their own. Hidden views (closed docks,
background tabs, the other workspace) are skipped and catch up when they are shown.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Sequence

from PySide6.QtCore import QObject, QTimer

from ..core.snapshot import Snapshot
from .views.base import ViewBase

log = logging.getLogger(__name__)


class ViewScheduler(QObject):
    """Feeds ``views`` the snapshot ``latest()`` returns, within ``budget`` seconds a pass."""

    #: seconds of view updating and painting per timer pass while training plays
    BUDGET = 0.009

    def __init__(self, views: Sequence[ViewBase], latest: Callable[[], Snapshot | None],
                 interval_ms: int = 15, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.views = list(views)
        self._latest = latest
        self._seen: dict[ViewBase, Snapshot] = {}
        self._time: dict[ViewBase, float] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.refresh)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def refresh(self, everything: bool = False) -> None:
        """Update the due views; ``everything``: all visible views now (a manual step)."""
        snap = self._latest()
        if snap is None:
            return
        now = time.monotonic()
        due = [v for v in self.views
               if self._seen.get(v) is not snap and v.is_shown()
               and (everything or now - self._time.get(v, 0.0) >= v.min_interval)]
        if not due:
            return
        due.sort(key=lambda v: self._time.get(v, 0.0))
        start = time.perf_counter()
        painting = 0.0  # the paint time the updates of this pass will cost in the next
        for view in due:
            if not everything and painting and time.perf_counter() - start + painting + view.paint_cost > self.BUDGET:
                break
            try:
                view.show_snapshot(snap)
            except Exception:  # noqa: BLE001 - one broken view must not take the window down
                log.exception("the %s view could not draw a snapshot", type(view).__name__)
            self._seen[view] = snap
            self._time[view] = now
            painting += view.paint_cost
