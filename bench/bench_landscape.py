"""Time a 51×51 loss surface against a plain Python loop over the grid points.

Run ``python bench/bench_landscape.py``. For each network and dtype it prints the time
of :func:`nnstudio.core.landscape.loss_surface` (best of a few runs), the time of the
loop ``set_flat(θ + α·d₁ + β·d₂); evaluate(X, y)`` over all 2601 points (timed on a
subset and extrapolated) and their ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nnstudio.core.landscape import directions_random, loss_surface
from nnstudio.core.network import Network
from nnstudio.core.specs import LayerSpec, NetworkSpec

NETWORKS = {
    "2-8-8-1 tanh": NetworkSpec(),
    "2-64-64-1 relu": NetworkSpec(hidden=(LayerSpec(64, "relu"), LayerSpec(64, "relu"))),
    "10-128-128-128-4 tanh": NetworkSpec(
        n_inputs=10, hidden=(LayerSpec(128), LayerSpec(128), LayerSpec(128)),
        task="multiclass", n_outputs=4),
}


def best_of(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench(name: str, spec: NetworkSpec, dtype: str, n: int, res: int, repeat: int) -> None:
    rng = np.random.default_rng(0)
    net = Network(spec, 0, dtype)
    X = rng.normal(size=(n, spec.n_inputs))
    y = rng.integers(0, max(2, spec.n_outputs), n)
    d1, d2 = directions_random(net, 1, ignore_biases=False)
    al = np.linspace(-1, 1, res)
    loss_surface(net, X, y, d1, d2, al, al)  # warm-up
    t_vec = best_of(lambda: loss_surface(net, X, y, d1, d2, al, al), repeat)

    theta = net.get_flat()
    A, B = np.meshgrid(al, al)
    step = max(1, A.size // 300)
    pts = list(zip(A.ravel()[::step], B.ravel()[::step]))
    Xc = X.astype(dtype)

    def loop() -> None:
        for a, b in pts:
            net.set_flat(theta + a * d1 + b * d2)
            net.evaluate(Xc, y)
        net.set_flat(theta)

    t_loop = best_of(loop, repeat) * A.size / len(pts)
    print(f"{name:24s} {dtype:8s} {res}×{res} on {n} points: vectorised {1e3 * t_vec:8.1f} ms   "
          f"loop {1e3 * t_loop:8.1f} ms   loop/vectorised {t_loop / t_vec:5.2f}×")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=500)
    ap.add_argument("--resolution", type=int, default=51)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for name, spec in NETWORKS.items():
        for dtype in ("float64", "float32"):
            bench(name, spec, dtype, args.points, args.resolution, args.repeat)


if __name__ == "__main__":
    main()
