"""Time a 51×51 loss surface against a plain Python loop over the grid points.

Run ``python bench/bench_landscape.py``. For each network and dtype it prints the time
of :func:`nnstudio.core.landscape.loss_surface` (best of a few runs), the time of the
loop ``set_flat(θ + α·d₁ + β·d₂); evaluate(X, y)`` over all 2601 points (timed on a
subset and extrapolated), their ratio, and the largest relative difference between the
two on that subset. The CPU time (of all threads, per run) tells the work apart from
the waiting when other programs share the cores.

For each network it also prints the *products-only bound*: the time that just the
matrix products an exact evaluation needs take, with the same worker threads (each
point's product per layer after the first, whose products are shared by all points),
no activations, no loss. ``--only`` picks one network (the issue's target:
``--only 10-128-128-128-4``).

Last, the app's case: a paused engine (``EngineLoop``) asked for a full 51×51 surface of a
7-128-128-128-4 tanh network on 500 training points (the multi-class spiral with all
seven input features) runs it a slice at a time; printed are the surface's time, the
number of slices and the longest stretch the engine went without reading its commands.
"""

from __future__ import annotations

import argparse
import functools
import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from nnstudio.core.landscape import directions_random, loss_surface
from nnstudio.core.landscape_plane import default_workers, one_blas_thread
from nnstudio.core.network import Network
from nnstudio.core.specs import LayerSpec, NetworkSpec

from blas_info import describe as describe_blas

NETWORKS = {
    "2-8-8-1 tanh": NetworkSpec(),
    "2-64-64-1 relu": NetworkSpec(hidden=(LayerSpec(64, "relu"), LayerSpec(64, "relu"))),
    "10-128-128-128-4 tanh": NetworkSpec(
        n_inputs=10, hidden=(LayerSpec(128), LayerSpec(128), LayerSpec(128)),
        task="multiclass", n_outputs=4),
}


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def products_only(net: Network, n: int, n_points: int, workers: int) -> float:
    """Seconds for the matrix products alone of ``n_points`` plane points on ``n`` samples.

    The first layer's three products (its pre-activation is affine in the plane
    coordinates, so they serve every point) and, per point, one ``(n, n_in) @ (n_in,
    n_out)`` product for every later layer, split over ``workers`` threads holding BLAS
    to one thread each, as the surface computation runs them.
    """
    dt = net.dtype
    rng = np.random.default_rng(0)
    shapes = [layer.W.shape for layer in net.layers[1:]]
    Ws = [rng.standard_normal(s).astype(dt) for s in shapes]
    X = rng.standard_normal((n, net.layers[0].W.shape[0])).astype(dt)
    per = math.ceil(n_points / workers)

    def work(_k: int) -> None:
        hs = [rng.standard_normal((n, s[0])).astype(dt) for s in shapes]
        zs = [np.empty((n, s[1]), dt) for s in shapes]
        for _ in range(per):
            for h, W, z in zip(hs, Ws, zs):
                np.matmul(h, W, out=z)

    def run() -> None:
        for _ in range(3):
            X @ net.layers[0].W
        limit = one_blas_thread() if workers > 1 else None
        if limit is None:
            work(0)
            return
        with limit, ThreadPoolExecutor(workers) as pool:
            list(pool.map(work, range(workers)))

    run()  # warm-up
    return best_of(run, 3)


def bench(name: str, spec: NetworkSpec, dtype: str, n: int, res: int, repeat: int) -> None:
    rng = np.random.default_rng(0)
    net = Network(spec, 0, dtype)
    X = rng.normal(size=(n, spec.n_inputs))
    y = rng.integers(0, max(2, spec.n_outputs), n)
    d1, d2 = directions_random(net, 1, ignore_biases=False)
    al = np.linspace(-1, 1, res)
    surface = loss_surface(net, X, y, d1, d2, al, al)  # warm-up
    cpu = time.process_time()
    t_vec = best_of(lambda: loss_surface(net, X, y, d1, d2, al, al), repeat)
    cpu = (time.process_time() - cpu) / repeat  # all threads: the work, whatever else runs

    theta = net.get_flat()
    A, B = np.meshgrid(al, al)
    step = max(1, A.size // 300)
    pts = list(zip(A.ravel()[::step], B.ravel()[::step]))
    Xc = X.astype(dtype)
    looped = np.empty(len(pts))

    def loop() -> None:
        for k, (a, b) in enumerate(pts):
            net.set_flat(theta + a * d1 + b * d2)
            looped[k] = net.evaluate(Xc, y)
        net.set_flat(theta)

    t_loop = best_of(loop, repeat) * A.size / len(pts)
    diff = float(np.max(np.abs(surface.loss.ravel()[::step] - looped) / np.abs(looped)))
    print(f"{name:24s} {dtype:8s} {res}×{res} on {n} points: vectorised {1e3 * t_vec:8.1f} ms "
          f"(CPU {1e3 * cpu:6.0f} ms)   "
          f"loop {1e3 * t_loop:8.1f} ms   loop/vectorised {t_loop / t_vec:5.2f}×   "
          f"largest relative difference {diff:.1e}")


def engine_pauses() -> None:
    """A full surface computed by a paused engine: how long commands wait at most."""
    from nnstudio.app.engine_process import EngineLoop
    from nnstudio.app.views.surface_compute import SurfaceSettings, compute_surface_steps
    from nnstudio.core.data import DataSpec, prepare
    from nnstudio.core.specs import TrainConfig
    from nnstudio.core.trainer import Trainer

    data = prepare(DataSpec(name="spiral_multi", n_classes=4, n_samples=500, noise=0.1, seed=1,
                            validation_fraction=0.0,
                            features=("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")))
    spec = NetworkSpec(7, (LayerSpec(128),) * 3, "multiclass", 4)
    config = TrainConfig(optimizer="adam", learning_rate=0.01)
    trainer = Trainer(spec, config, data)
    trainer.run(iterations=50)
    events: list[tuple] = []
    queue = [("load", spec, config, data, trainer, None),
             ("call", 1, functools.partial(compute_surface_steps, settings=SurfaceSettings(resolution=51)))]
    polls: list[float] = []  # when the engine read its commands while the surface was pending
    loop_ref: list[EngineLoop] = []

    def poll(_timeout: float) -> tuple | None:
        if loop_ref and loop_ref[0]._jobs:
            polls.append(time.perf_counter())
        if queue:
            return queue.pop(0)
        return ("quit",) if any(e[0] == "result" for e in events) else None

    loop = EngineLoop(lambda *e: events.append(e), poll)
    loop_ref.append(loop)
    t0 = time.perf_counter()
    loop.run()
    wall = time.perf_counter() - t0
    comp = next(e for e in events if e[0] == "result")[3]
    gaps = np.diff(polls)
    print(f"engine, paused, 51×51 surface of 7-128-128-128-4 tanh on {comp.result.n_points} points: "
          f"{1e3 * comp.seconds:.0f} ms of computing over {1e3 * wall:.0f} ms, {len(gaps)} reads of the commands; "
          f"longest gap {1e3 * gaps.max():.0f} ms (slice {int(np.argmax(gaps)) + 1}), "
          f"median {1e3 * np.median(gaps):.0f} ms, 95th percentile {1e3 * np.percentile(gaps, 95):.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=500)
    ap.add_argument("--resolution", type=int, default=51)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="", help="only the networks whose name starts with this "
                                               "(\"engine\": only the engine's pauses)")
    args = ap.parse_args()
    workers = default_workers()
    print(f"worker threads: {workers}")
    print(f"BLAS: {describe_blas()}")
    for name, spec in NETWORKS.items():
        if not name.startswith(args.only):
            continue
        for dtype in ("float64", "float32"):
            bench(name, spec, dtype, args.points, args.resolution, args.repeat)
        net = Network(spec, 0, "float64")
        t_prod = products_only(net, args.points, args.resolution ** 2 + 1, workers)
        print(f"{name:24s} float64  products-only bound {1e3 * t_prod:8.1f} ms")
    if not args.only or args.only == "engine":
        engine_pauses()


if __name__ == "__main__":
    main()
