"""Responsiveness of the app while training runs at full speed.

    python bench/bench_app.py [--seconds 6] [--size 1366x768] [--workspace explore]

Opens the main window (off-screen unless a display is set) and, for each configuration,
trains as fast as possible and reports:

* GUI event-loop lateness: a 5 ms timer measures how late it fires; p50/p99 — target
  p99 ≤ 17 ms (one 60 Hz frame), and the longest single stall;
* redraw rate: snapshots handed to the views per second;
* training speed inside the app, as a ratio of the headless engine's speed on the same
  network and data (measured in the same process right after), and as a ratio of
  TensorFlow Playground's updates per second on the same configuration, measured on
  this machine in headless Chromium (see shared/STYLE.md) — target ≥ 10×.

Configurations: the app's default example (spiral, 8,8 tanh, Adam, batches of 10), and
Playground's own (spiral, 500 points, half for training, x1 x2, tanh, SGD η 0.03,
batches of 10) with its default 4,2 network and with 8,8,8,8,8,8; and one of large
products (the digits through 512-512 ReLU layers, batches of 128), where the engine's
BLAS threads and the window's share the cores (see ``nnstudio.app.blas_threads``).

Last, **two runs**: the default example compared with run B (``--compare``, default
``lr=0.03``), both trained in lockstep as fast as possible; it reports each run's speed
as a ratio of the single run's app speed measured just before (target ≥ 0.5: "each run
still trains at least half of one run's full speed") and the GUI lateness.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

#: TensorFlow Playground's updates per second on this machine (headless Chromium)
PLAYGROUND_RATE = {"4,2": 1499.0, "8,8,8,8,8,8": 596.0}


@dataclass
class Case:
    name: str
    hidden: tuple[int, ...] | None  # None: the app's default example
    playground: float | None = None
    digits: bool = False  # the digits data through ReLU layers of these sizes, batches of 128


CASES = [
    Case("default example (8,8 Adam)", None),
    Case("Playground 4,2", (4, 2), PLAYGROUND_RATE["4,2"]),
    Case("Playground 8,8,8,8,8,8", (8, 8, 8, 8, 8, 8), PLAYGROUND_RATE["8,8,8,8,8,8"]),
    # large products: the engine's BLAS threads and the window's share the cores
    Case("digits 64-512-512-10 ReLU, batch 128", (512, 512), digits=True),
]


def digits_state(hidden: tuple[int, ...]):  # type: ignore[no-untyped-def]
    from nnstudio.app.document import DocState
    from nnstudio.core.data import DataSpec
    from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig

    data = DataSpec(source="bundled", name="digits", validation_fraction=0.2)
    network = NetworkSpec(n_inputs=64, hidden=tuple(LayerSpec(u, "relu", "he_uniform") for u in hidden),
                          task="multiclass", n_outputs=10)
    config = TrainConfig(optimizer="sgd", learning_rate=0.01, batch_mode="minibatch", batch_size=128)
    return DocState(network, config, data)


def playground_state(hidden: tuple[int, ...]):  # type: ignore[no-untyped-def]
    from nnstudio.app.document import DocState
    from nnstudio.core.data import DataSpec
    from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig

    data = DataSpec(source="generator", name="spiral", n_samples=500, noise=0.0, seed=0, validation_fraction=0.5)
    network = NetworkSpec(n_inputs=2, hidden=tuple(LayerSpec(u, "tanh") for u in hidden), task="binary")
    config = TrainConfig(optimizer="sgd", learning_rate=0.03, batch_mode="minibatch", batch_size=10)
    return DocState(network, config, data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--size", default="1366x768")
    ap.add_argument("--workspace", default="explore", choices=("explore", "inspect"))
    ap.add_argument("--compare", default="lr=0.03", help="what run B changes in the two-run case")
    args = ap.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["NNSTUDIO_NO_RECOVERY_PROMPT"] = "1"
    import tempfile

    os.environ.setdefault("NNSTUDIO_CONFIG_DIR", tempfile.mkdtemp(prefix="nnstudio-bench-"))
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio.app.document import default_state
    from nnstudio.app.engine_process import MAX_SPEED
    from nnstudio.core.trainer import Trainer

    from nnstudio.app.main_window import MainWindow

    from nnstudio.app.blas_threads import limit_blas

    limit_blas(1)  # as the app's run() does
    app = QApplication.instance() or QApplication([])
    win = MainWindow()
    width, height = (int(v) for v in args.size.split("x"))
    win.resize(width, height)
    win.show()
    win.workspaces.switch(args.workspace)
    win.speed.set_speed(MAX_SPEED)

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    draws = 0

    def on_snapshot(_snap: object) -> None:
        nonlocal draws
        draws += 1

    win.controller.sigSnapshot.connect(on_snapshot)
    clock = QElapsedTimer()
    clock.start()
    print(f"window {width}×{height}, {args.workspace} workspace, {args.seconds:g} s per case")
    def measure(seconds: float) -> tuple[float, np.ndarray, float]:
        """Train as fast as possible for ``seconds``: (iterations/s, lateness samples, redraws/s)."""
        nonlocal draws
        lateness: list[float] = []
        expected = [0.0]

        def tick() -> None:
            now = clock.nsecsElapsed() / 1e6
            lateness.append(max(0.0, now - expected[0]))
            expected[0] = now + 5.0

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        win.controller.play()
        spin(400)  # let it reach speed
        win.controller.flush()
        it0 = win.controller.snapshot.iteration
        draws = 0
        expected[0] = clock.nsecsElapsed() / 1e6 + 5.0
        timer.start()
        t0 = time.perf_counter()
        spin(int(seconds * 1000))
        dt = time.perf_counter() - t0
        timer.stop()
        win.controller.flush()
        it1 = win.controller.snapshot.iteration
        win.controller.pause()
        spin(300)
        return (it1 - it0) / dt, np.array(lateness), draws / dt

    def lateness_line(lat: np.ndarray) -> str:
        return (f"  event-loop lateness  p50 {np.percentile(lat, 50):6.2f} ms   p99 {np.percentile(lat, 99):6.2f} ms"
                f"   max {lat.max():6.1f} ms   (target p99 ≤ 17 ms)")

    single_rate = 0.0
    for case in CASES:
        state = (default_state() if case.hidden is None else digits_state(case.hidden) if case.digits
                 else playground_state(case.hidden))
        win.doc.replace_all(state, None)
        win.session.start()
        spin(700)
        app_rate, lat, redraws = measure(args.seconds)
        if case.hidden is None:
            single_rate = app_rate

        doc = win.doc
        trainer = Trainer(doc.network, doc.config, doc.prepared)
        trainer.run(iterations=2000)
        t0 = time.perf_counter()
        n = 0
        while time.perf_counter() - t0 < args.seconds / 3:
            trainer.run(iterations=2000)
            n += 2000
        engine_rate = n / (time.perf_counter() - t0)

        print(f"\n{case.name}")
        print(lateness_line(lat))
        print(f"  redraws per second   {redraws:6.1f}")
        print(f"  app training speed   {app_rate:10,.0f} it/s   = {app_rate / engine_rate:4.2f}× the engine alone "
              f"({engine_rate:,.0f} it/s)")
        if case.playground:
            print(f"  vs Playground        {app_rate / case.playground:6.1f}×   ({case.playground:,.0f} updates/s; "
                  f"target ≥ 10×)")

    # two runs: the default example and run B, in lockstep
    win.doc.replace_all(default_state(), None)
    win.session.start()
    spin(700)
    single_rate, _lat, _r = measure(args.seconds)
    win.session.start()
    spin(500)
    started = []
    win.comparison.sigChanged.connect(started.append)
    win.comparison.start(args.compare)
    while not started:
        spin(50)
    pair_rate, lat, redraws = measure(args.seconds)
    win.controller.flush()
    snap = win.controller.snapshot
    assert snap.b is not None and snap.b.iteration == snap.iteration
    print(f"\ntwo runs: default example, A and {snap.b_label}")
    print(lateness_line(lat))
    print(f"  redraws per second   {redraws:6.1f}")
    print(f"  each run             {pair_rate:10,.0f} it/s   = {pair_rate / single_rate:4.2f}× one run alone in the app "
          f"({single_rate:,.0f} it/s, measured just before; target ≥ 0.5×)")
    win.comparison.close_b(ask=False)
    spin(500)
    win.doc.undo_stack.setClean()
    win.doc._trained = False
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
