"""Responsiveness of the app while training runs at full speed.

    python bench/bench_app.py [--seconds 6]

Opens the main window (off-screen unless a display is set), plays the default example
(spiral, two tanh layers of 8, Adam, mini-batches of 10) as fast as possible and reports:

* GUI event-loop latency: a 5 ms timer measures how late it fires; p50/p99 — target p99 < 30 ms;
* redraw rate: snapshots drawn by the views per second — target ≥ 30;
* training speed inside the app as a ratio of the headless engine's speed on the same
  network and data, measured in the same process right after — target ≥ 0.8.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=6.0)
    args = ap.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["NNSTUDIO_NO_RECOVERY_PROMPT"] = "1"
    import tempfile

    os.environ.setdefault("NNSTUDIO_CONFIG_DIR", tempfile.mkdtemp(prefix="nnstudio-bench-"))
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio.app.main_window import MainWindow
    from nnstudio.core.trainer import Trainer

    app = QApplication.instance() or QApplication([])
    win = MainWindow()
    win.resize(1400, 900)
    win.show()

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    spin(500)
    draws = 0

    def on_snapshot(_snap: object) -> None:
        nonlocal draws
        draws += 1

    win.controller.sigSnapshot.connect(on_snapshot)
    lateness: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    expected = [5.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        lateness.append(max(0.0, now - expected[0]))
        expected[0] = now + 5.0

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    win.controller.flush()
    start_iter = win.controller.snapshot.iteration if win.controller.snapshot else 0
    win.controller.play()
    spin(300)  # let it reach speed
    win.controller.flush()
    it0 = win.controller.snapshot.iteration
    draws = 0
    expected[0] = clock.nsecsElapsed() / 1e6 + 5.0
    timer.start()
    t0 = time.perf_counter()
    spin(int(args.seconds * 1000))
    dt = time.perf_counter() - t0
    timer.stop()
    win.controller.flush()
    it1 = win.controller.snapshot.iteration
    win.controller.pause()
    spin(200)
    app_rate = (it1 - it0) / dt
    redraws = draws / dt

    # the headless engine, same network, settings and data, same process
    doc = win.doc
    trainer = Trainer(doc.network, doc.config, doc.prepared)
    trainer.run(iterations=2000)
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < args.seconds / 2:
        trainer.run(iterations=2000)
        n += 2000
    engine_rate = n / (time.perf_counter() - t0)
    win.doc.undo_stack.setClean()
    win._closing = True
    win.close()

    lat = np.array(lateness)
    print(f"training ran {it1 - start_iter:,} iterations; measured over {dt:.1f} s")
    print(f"event-loop latency   p50 {np.percentile(lat, 50):6.2f} ms   p99 {np.percentile(lat, 99):6.2f} ms"
          f"   (target p99 < 30 ms)")
    print(f"redraws per second   {redraws:6.1f}                       (target ≥ 30)")
    print(f"app training speed   {app_rate:10,.0f} it/s")
    print(f"engine alone         {engine_rate:10,.0f} it/s")
    print(f"ratio app / engine   {app_rate / engine_rate:6.2f}                       (target ≥ 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
