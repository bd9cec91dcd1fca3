"""Training speed of the engine, as ratios against references run in the same process.

    python bench/bench_engine.py            # both cases, ~1 minute
    python bench/bench_engine.py --quick    # shorter timings

References:
* PyTorch CPU (``torch.nn.Sequential`` + ``torch.optim``), when installed — it is a
  benchmark oracle here, never a dependency of nnstudio;
* a plain NumPy loop: the textbook forward/backward/update a student would write,
  with no history, probes or divergence checks;
* the machine's matrix-product limit: the step's own eight products alone (three
  forward, three weight gradients, two input gradients), same shapes and dtype, into
  preallocated outputs — what no implementation of the step can beat with this BLAS.

Cases and targets (issue 11):
* playground: 2-4-2-1 tanh, batch 10, SGD, float64 — engine ≥ 1.0× the plain NumPy loop
  (while recording the loss history, per-layer gradient norms and δ, divergence checks)
  and ≥ 8× PyTorch;
* mnist-size: 784-256-128-10 ReLU, softmax, batch 128, SGD, float32 — engine ≥ 80 % of
  the matrix-product limit and ≥ 1.25× PyTorch.

The machine is shared, so the contestants of a case take turns: every round times each
of them once for the same wall-clock budget, and each keeps its best round. The table
reports iterations per second and the ratios engine / reference.
"""

from __future__ import annotations

import argparse
import sys
import time
from types import SimpleNamespace

import numpy as np

from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

from blas_info import describe as describe_blas


def make_data(n: int, d: int, k: int, dtype: str, seed: int = 0) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    if k == 1:
        y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
        task = "binary"
        n_classes = 2
    else:
        y = rng.integers(0, k, n)
        task = "multiclass"
        n_classes = k
    return SimpleNamespace(X_train=X, y_train=y, X_val=X[:0], y_val=y[:0], task=task, n_classes=n_classes)


def round_size(fn, seconds: float) -> int:
    """Iterations of ``fn(n)`` (which runs n iterations) that take about ``seconds``."""
    fn(20)  # warm up caches and lazy imports
    n = 50
    while True:
        t0 = time.perf_counter()
        fn(n)
        dt = time.perf_counter() - t0
        if dt > 0.05:
            return max(10, int(n * seconds / dt))
        n *= 4


def rates(runners: dict, seconds: float, rounds: int = 5) -> dict[str, float]:
    """Best iterations/second of each runner, the runners taking turns round by round
    (so that a burst of load from elsewhere hits all of them alike)."""
    sizes = {name: round_size(fn, seconds / rounds) for name, fn in runners.items()}
    best = dict.fromkeys(runners, 0.0)
    for _ in range(rounds):
        for name, fn in runners.items():
            n = sizes[name]
            t0 = time.perf_counter()
            fn(n)
            best[name] = max(best[name], n / (time.perf_counter() - t0))
    return best


def rate(fn, seconds: float, rounds: int = 3) -> float:
    """Best iterations/second of one runner (see :func:`rates`)."""
    return rates({"fn": fn}, seconds, rounds)["fn"]


def products_runner(sizes: tuple[int, ...], batch: int, dtype: str):
    """The step's matrix products alone: per layer l (a_l = its input, δ_l = ∂L/∂z_l)
    z_l = a_l·W_l, ∂L/∂W_l = a_lᵀ·δ_l and, above the first layer, ∂L/∂a_l = δ_l·W_lᵀ,
    into preallocated outputs (eight products for three layers)."""
    rng = np.random.default_rng(0)
    Ws = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    acts = [rng.standard_normal((batch, s)).astype(dtype) for s in sizes]
    deltas = [rng.standard_normal((batch, s)).astype(dtype) for s in sizes]
    grads = [np.empty_like(W) for W in Ws]
    mm = np.matmul
    L = len(Ws)

    def run(iters: int) -> None:
        for _ in range(iters):
            for i in range(L):
                mm(acts[i], Ws[i], acts[i + 1])
            for i in range(L - 1, -1, -1):
                mm(acts[i].T, deltas[i + 1], grads[i])
                if i:
                    mm(deltas[i + 1], Ws[i].T, deltas[i])

    return run


def engine_runner(spec: NetworkSpec, config: TrainConfig, data: SimpleNamespace):
    trainer = Trainer(spec, config, data)

    def run(n: int) -> None:
        trainer.run(iterations=n)

    return run


def numpy_runner(sizes: tuple[int, ...], act: str, data: SimpleNamespace, batch: int, lr: float, dtype: str):
    rng = np.random.default_rng(0)
    Ws = [(rng.uniform(-1, 1, (a, b)) / np.sqrt(a)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(b, dtype) for b in sizes[1:]]
    X, y = data.X_train, data.y_train
    n = len(X)
    multiclass = sizes[-1] > 1
    f = np.tanh if act == "tanh" else (lambda z: np.maximum(z, 0))
    state = {"pos": n, "perm": None}

    def run(iters: int) -> None:
        for _ in range(iters):
            if state["pos"] >= n:
                state["perm"] = rng.permutation(n)
                state["pos"] = 0
            idx = state["perm"][state["pos"]:state["pos"] + batch]
            state["pos"] += batch
            a = X[idx]
            acts = [a]
            for W, b in zip(Ws[:-1], bs[:-1]):
                a = f(a @ W + b)
                acts.append(a)
            z = a @ Ws[-1] + bs[-1]
            m = len(idx)
            if multiclass:
                e = np.exp(z - z.max(1, keepdims=True))
                p = e / e.sum(1, keepdims=True)
                p[np.arange(m), y[idx]] -= 1
                d = p / m
            else:
                d = (1 / (1 + np.exp(-z)) - y[idx, None]) / m
            for i in range(len(Ws) - 1, -1, -1):
                gW = acts[i].T @ d
                gb = d.sum(0)
                if i:
                    d = d @ Ws[i].T
                    d = d * (1 - acts[i] ** 2) if act == "tanh" else d * (acts[i] > 0)
                Ws[i] -= lr * gW
                bs[i] -= lr * gb

    return run


def torch_runner(sizes, act, data, batch, lr, dtype):
    import torch

    torch.manual_seed(0)
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b, dtype=tdtype))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh() if act == "tanh" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    multiclass = sizes[-1] > 1
    loss_fn = torch.nn.CrossEntropyLoss() if multiclass else torch.nn.BCEWithLogitsLoss()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    X = torch.from_numpy(np.ascontiguousarray(data.X_train))
    Y = torch.from_numpy(data.y_train) if multiclass else torch.from_numpy(data.y_train.astype(dtype)).reshape(-1, 1)
    n = len(X)
    state = {"pos": n, "perm": None}

    def run(iters: int) -> None:
        for _ in range(iters):
            if state["pos"] >= n:
                state["perm"] = torch.randperm(n)
                state["pos"] = 0
            idx = state["perm"][state["pos"]:state["pos"] + batch]
            state["pos"] += batch
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), Y[idx])
            loss.backward()
            opt.step()

    return run


def case(name, sizes, act, batch, dtype, n, seconds, results):
    k = sizes[-1]
    data = make_data(n, sizes[0], k, dtype)
    init = "he_uniform" if act == "relu" else "glorot_uniform"
    spec = NetworkSpec(sizes[0], tuple(LayerSpec(u, act, init) for u in sizes[1:-1]),
                       "multiclass" if k > 1 else "binary", n_outputs=k)
    config = TrainConfig(optimizer="sgd", learning_rate=0.01, batch_mode="minibatch", batch_size=batch, dtype=dtype)
    runners = {"engine": engine_runner(spec, config, data),
               "numpy": numpy_runner(sizes, act, data, batch, 0.01, dtype),
               "limit": products_runner(sizes, batch, dtype)}
    try:
        import torch

        torch.set_num_threads(max(1, torch.get_num_threads()))
        runners["torch"] = torch_runner(sizes, act, data, batch, 0.01, dtype)
    except ImportError:
        pass
    row = {"case": name, "torch": float("nan"), **rates(runners, seconds)}
    results.append(row)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="shorter timings")
    ap.add_argument("--case", choices=("all", "small", "large"), default="all", help="which case to time")
    args = ap.parse_args(argv)
    seconds = 1.5 if args.quick else 6.0
    results: list[dict] = []
    if args.case in ("all", "small"):
        case("playground 2-4-2-1 tanh, batch 10, float64", (2, 4, 2, 1), "tanh", 10, "float64", 400, seconds, results)
    if args.case in ("all", "large"):
        case("784-256-128-10 relu, batch 128, float32", (784, 256, 128, 10), "relu", 128, "float32", 4096, seconds,
             results)
    print(f"{'case':46s} {'engine it/s':>12s} {'numpy it/s':>11s} {'torch it/s':>11s} {'limit it/s':>11s} "
          f"{'÷numpy':>7s} {'÷torch':>7s} {'of limit':>9s}")
    for r in results:
        print(f"{r['case']:46s} {r['engine']:12.0f} {r['numpy']:11.0f} {r['torch']:11.0f} {r['limit']:11.0f} "
              f"{r['engine'] / r['numpy']:7.2f} {r['engine'] / r['torch']:7.2f} {r['engine'] / r['limit']:8.0%}")
    print("limit: the step's eight matrix products alone (same shapes and dtype, preallocated outputs)")
    print(f"BLAS: {describe_blas()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
