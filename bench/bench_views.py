"""What each view costs to redraw, and what a loss surface costs to compute.

    python bench/bench_views.py [--snapshots 40] [--width 640 --height 480]
    xvfb-run -a -s "-screen 0 1280x1024x24" python bench/bench_views.py   # with the 3-D view

Every ``nnstudio/app/views/*_view.py`` that exists is imported; the views found are
built at their default size (their size hint, at least ``--width × --height``), shown,
given the data, and fed snapshots of a real run (spiral, two tanh layers of 8, Adam,
mini-batches of 10; weights, history, the output grid and probes — what the worker
sends). A view's redraw is ``show_snapshot`` plus a synchronous repaint of the whole
widget; the snapshots are built beforehand so only the view is timed. A redraw must stay
well under the 33 ms of a 30 Hz frame.

Views that are not fed by snapshots are timed on what they do instead:

* the loss-landscape view: showing a finished 51 × 51 surface (heatmap, contours, 3-D
  mesh, path), and the per-snapshot path update between surfaces;
* the optimizer race: one step of all six racers plus the repaint.

Then the time to compute a 51 × 51 surface (``surface_for_trainer``) in each mode on
the same network, as the worker does it.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import statistics
import sys
import time
from typing import Any, Callable

import numpy as np


def _stats(ms: list[float]) -> str:
    ms = sorted(ms)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):7.2f} ms   p90 {p90:7.2f} ms   max {ms[-1]:7.2f} ms"


def _time(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--snapshots", type=int, default=40, help="snapshots fed to each view")
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=480)
    args = ap.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QSize
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from nnstudio.app import theme
    from nnstudio.app import views as views_pkg
    from nnstudio.app.views.base import ViewBase
    from nnstudio.core.data import DataSpec, prepare
    from nnstudio.core.landscape import surface_for_trainer
    from nnstudio.core.snapshot import evaluate_grid, make_snapshot
    from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
    from nnstudio.core.trainer import Trainer

    theme.apply_pyqtgraph_theme()
    print(f"platform: {QGuiApplication.platformName()}   python {sys.version.split()[0]}")

    # -- a real run, and its snapshots ---------------------------------------------------------
    data = prepare(DataSpec(name="spiral", n_samples=500, noise=0.1))
    spec = NetworkSpec(2, (LayerSpec(8, "tanh"), LayerSpec(8, "tanh")), "binary")
    config = TrainConfig(optimizer="adam", learning_rate=0.02, batch_mode="minibatch", batch_size=10)
    trainer = Trainer(spec, config, data)
    trainer.run(iterations=50)
    snaps = []
    for _ in range(args.snapshots):
        trainer.run(iterations=25)
        grid = evaluate_grid(trainer, data.domain, data.transform, 64)
        snaps.append(make_snapshot(trainer, grid, trainer.probe()))
    print(f"run: spiral ({len(trainer.X)} training points), 2-8-8-1 tanh, Adam, batches of 10; "
          f"{len(snaps)} snapshots up to iteration {trainer.iteration}\n")

    # -- find the views --------------------------------------------------------------------------
    found: list[tuple[str, type]] = []
    missing: list[str] = []
    names = sorted(m.name for m in pkgutil.iter_modules(views_pkg.__path__) if m.name.endswith("_view"))
    for expected in ("activation_view", "boundary_view", "gradient_view", "inspector_view", "loss_view",
                     "network_view", "race_view", "surface_view"):
        if expected not in names:
            missing.append(expected)
    for name in names:
        try:
            mod = importlib.import_module(f"nnstudio.app.views.{name}")
        except Exception as exc:  # noqa: BLE001 - a colleague's half-written view: report, go on
            missing.append(f"{name} (import failed: {exc})")
            continue
        for _n, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, ViewBase) and cls is not ViewBase and cls.__module__ == mod.__name__:
                found.append((name, cls))

    print(f"{'view':<22}{'size':>10}   redraw (show_snapshot + repaint)")
    keep: list[Any] = []
    for name, cls in found:
        try:
            view = cls()
        except Exception as exc:  # noqa: BLE001
            print(f"{cls.__name__:<22}  could not be built: {exc}")
            continue
        keep.append(view)
        hint = view.sizeHint()
        size = QSize(max(hint.width(), args.width), max(hint.height(), args.height))
        view.resize(size)
        view.show()
        app.processEvents()
        try:
            view.set_data(data)
        except Exception as exc:  # noqa: BLE001
            print(f"{cls.__name__:<22}  set_data failed: {exc}")
        size_text = f"{size.width()}×{size.height()}"

        if cls.__name__ == "SurfaceView":
            _bench_surface(view, trainer, snaps, size_text, app)
            continue
        if cls.__name__ == "RaceView":
            def race_tick(v=view):
                v.step(1)
                v.repaint()
            for key in ("rosenbrock", "bowl"):
                t0 = time.perf_counter()
                view.set_function(key)  # first time: grid and contour lines of the function
                first = (time.perf_counter() - t0) * 1000
                ms = _time(race_tick, args.snapshots)
                print(f"{cls.__name__ + ' ' + key:<22}{size_text:>10}   one step + repaint: {_stats(ms)}"
                      f"   (switching to it: {first:.0f} ms)")
            continue

        def draw(snap: Any, v: Any = view) -> float:
            t0 = time.perf_counter()
            v.show_snapshot(snap)
            app.processEvents()
            v.repaint()
            return (time.perf_counter() - t0) * 1000

        draw(snaps[0])  # first draw builds items: not timed
        try:
            ms = [draw(s) for s in snaps[1:]]
        except Exception as exc:  # noqa: BLE001
            print(f"{cls.__name__:<22}{size_text:>10}   failed: {exc}")
            continue
        print(f"{cls.__name__:<22}{size_text:>10}   {_stats(ms)}")
    if missing:
        print("\nnot benchmarked (not there yet): " + ", ".join(missing))

    # -- the surface computation ---------------------------------------------------------------------
    print("\n51 × 51 loss surface on the worker (surface_for_trainer, ≤ 2000 points, "
          f"{len(trainer.X)} here; 2-8-8-1, {trainer.network.n_params} parameters)")
    for mode in ("pca", "random", "params"):
        ms = _time(lambda m=mode: surface_for_trainer(trainer, mode=m, resolution=51), 7)
        print(f"  {mode:<8} {_stats(ms)}")
    for res in (21, 101):
        ms = _time(lambda r=res: surface_for_trainer(trainer, mode="pca", resolution=r), 5)
        print(f"  pca {res}×{res} {_stats(ms)}")
    for v in keep:
        v.close()
    app.processEvents()
    return 0


def _bench_surface(view: Any, trainer: Any, snaps: list[Any], size_text: str, app: Any) -> None:
    """The landscape view has no controller here: hand it finished surfaces directly."""
    from nnstudio.app.views.surface_view import SurfaceSettings, compute_surface

    name = type(view).__name__
    gl = "with 3-D" if view.gl_view is not None else "no 3-D (no OpenGL here)"
    for mode in ("pca", "random", "params"):
        comp = compute_surface(trainer, SurfaceSettings(mode=mode))
        if comp.error:
            print(f"{name:<22}{size_text:>10}   {mode}: {comp.error}")
            continue
        view.settings = SurfaceSettings(mode=mode)

        def show(c: Any = comp) -> None:
            view._on_computed(c)
            app.processEvents()
            view.repaint()

        show()
        ms = _time(show, 10)
        print(f"{name + ' ' + mode:<22}{size_text:>10}   new 51×51 surface shown ({gl}): {_stats(ms)}")
    # between surfaces: each snapshot's weights are put on the plane and the path grows.
    # Rewind the result's path so every snapshot is news to it.
    base = view.result.path_iterations.copy() if view.result is not None else None
    if base is None:
        return
    cut = int(np.searchsorted(base, snaps[0].iteration))
    view.path = view.result.path[:cut].copy()
    view.path_iterations = base[:cut].copy()

    def grow(s: Any) -> float:
        t0 = time.perf_counter()
        view.show_snapshot(s)
        app.processEvents()
        view.repaint()
        return (time.perf_counter() - t0) * 1000

    ms = [grow(s) for s in snaps]
    print(f"{name + ' path':<22}{size_text:>10}   snapshot → path grows ({gl}): {_stats(ms)}")


if __name__ == "__main__":
    sys.exit(main())
