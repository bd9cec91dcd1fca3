"""Responsiveness of the Explore workspace while training runs as fast as it can.

    python bench/bench_explore.py [--seconds 6] [--size 1366x768] [--hidden 8,8] [--activation tanh]
    python bench/bench_explore.py --hidden 8,8,8,8,8,8

Opens the main window at ``--size`` (off-screen unless a display is set), in the Explore
workspace, with the spiral example and the hidden layers given, sets the speed to "as
fast as possible" (``speed.set_speed(0)``), plays and reports:

* GUI event-loop lateness: a 5 ms timer measures how late it fires; p50/p99 (target
  p99 ≤ 17 ms, one 60 Hz frame);
* the GUI thread's CPU time between two ticks of that timer: the work the window did in
  the meantime, which on an idle machine is what delays a tick. On a shared machine
  the lateness also counts the time other processes (the engine among them) hold the
  CPU; the CPU time does not, so it compares runs made under different loads;
* per Explore view, the time of ``show_snapshot`` while playing (what the scheduler
  calls) and how many snapshots it drew per second; then, paused, a whole redraw
  (``show_snapshot`` + pending events + a synchronous repaint, as bench_views.py times
  it) on the last 30 snapshots of the run, each as if stepped by hand (nothing
  throttled), at the view's size in the window;
* the training speed in iterations per second.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections import defaultdict
from typing import Any


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--size", default="1366x768")
    ap.add_argument("--hidden", default="8,8", help="units of each hidden layer, comma-separated")
    ap.add_argument("--activation", default="tanh")
    args = ap.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    units = [int(v) for v in args.hidden.split(",") if v.strip()]
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["NNSTUDIO_NO_RECOVERY_PROMPT"] = "1"
    import tempfile

    os.environ.setdefault("NNSTUDIO_CONFIG_DIR", tempfile.mkdtemp(prefix="nnstudio-bench-"))
    import numpy as np
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio.app.main_window import MainWindow
    from nnstudio.core.specs import LayerSpec

    app = QApplication.instance() or QApplication([])
    win = MainWindow()
    win.resize(width, height)
    win.show()
    win.workspaces.switch("explore")

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    spin(300)
    hidden = tuple(LayerSpec(u, args.activation) for u in units)
    if hidden != win.doc.network.hidden:
        win.doc.edit_network("bench network", hidden=hidden)
    win.workspaces.reset()
    spin(700)

    # -- per-view timing: show_snapshot, and the paint events of the view's widgets ----------
    show_ms: dict[str, list[float]] = defaultdict(list)
    measuring = [False]

    for view in win.views:
        name = type(view).__name__
        original = view.show_snapshot

        def timed(snap: Any, _orig: Any = original, _name: str = name) -> None:
            t0 = time.perf_counter()
            _orig(snap)
            if measuring[0]:
                show_ms[_name].append((time.perf_counter() - t0) * 1000)

        view.show_snapshot = timed  # type: ignore[method-assign]

    # -- lateness while playing as fast as possible -----------------------------------------
    lateness: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    expected = [0.0]

    cpu_gaps: list[float] = []
    last_cpu = [time.thread_time()]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        lateness.append(max(0.0, now - expected[0]))
        expected[0] = now + 5.0
        cpu = time.thread_time()
        cpu_gaps.append((cpu - last_cpu[0]) * 1000)
        last_cpu[0] = cpu

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    kept: list[Any] = []
    win.controller.sigSnapshot.connect(lambda snap: measuring[0] and kept.append(snap))
    win.speed.set_speed(0)
    win.controller.play()
    spin(500)  # reach speed
    win.controller.flush()
    it0 = win.controller.snapshot.iteration
    measuring[0] = True
    expected[0] = clock.nsecsElapsed() / 1e6 + 5.0
    last_cpu[0] = time.thread_time()
    timer.start()
    t0 = time.perf_counter()
    spin(int(args.seconds * 1000))
    dt = time.perf_counter() - t0
    timer.stop()
    measuring[0] = False
    win.controller.flush()
    it1 = win.controller.snapshot.iteration
    win.controller.pause()
    spin(200)

    # -- redraws of the Explore views on snapshots of this run, at their size in the window --
    redraw_ms: dict[str, list[float]] = defaultdict(list)
    shown = [v for v in win.views if v.is_shown()]
    for snap in kept[-30:]:
        snap = dataclasses.replace(snap, playing=False)  # as a manual step: everything redrawn
        for view in shown:
            t0 = time.perf_counter()
            view.show_snapshot(snap)
            app.processEvents()
            view.repaint()
            redraw_ms[type(view).__name__].append((time.perf_counter() - t0) * 1000)
    win.doc.undo_stack.setClean()
    win.doc._trained = False
    win._closing = True
    win.close()

    lat = np.array(lateness)
    print(f"Explore {width}×{height}, spiral, hidden {units} {args.activation}, speed: as fast as possible")
    print(f"event-loop lateness  p50 {np.percentile(lat, 50):6.2f} ms   p99 {np.percentile(lat, 99):6.2f} ms"
          f"   max {lat.max():6.1f} ms   (target p99 ≤ 17 ms)")
    cpu = np.array(cpu_gaps[1:]) if len(cpu_gaps) > 1 else np.zeros(1)
    print(f"GUI CPU between ticks p50 {np.percentile(cpu, 50):5.2f} ms   p99 {np.percentile(cpu, 99):6.2f} ms"
          f"   max {cpu.max():6.1f} ms   (the work in 5 ms; above 5 a tick is late even on an idle machine)")
    print(f"training speed       {(it1 - it0) / dt:10,.0f} it/s")
    print(f"{'view':<14}{'size':>10}{'show_snapshot median/p90':>27}{'redraw median/p90':>23}{'redraws/s':>11}")
    for view in shown:
        name = type(view).__name__
        s, r = show_ms.get(name, []), redraw_ms.get(name, [])
        size = f"{view.width()}×{view.height()}"
        print(f"{name:<14}{size:>10}{_pct(s, 0.5):12.2f} /{_pct(s, 0.9):6.2f} ms"
              f"{_pct(r, 0.5):13.2f} /{_pct(r, 0.9):6.2f} ms{len(s) / dt:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
