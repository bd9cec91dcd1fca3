"""Time and peak memory of loading a big CSV file with ``nnstudio.core.data.load_csv``.

    python bench/bench_csv.py [--mb 50] [--shape wide|narrow] [--runs 1] [--source PATH] [--bad 0] [--skip]

Generates (once, cached in the temp folder) a CSV of about ``--mb`` megabytes: a header,
10 numeric input columns and a text class column (``a``/``b``/``c``), the shape a learner
exports from a spreadsheet (``--shape narrow``: 2 short numeric columns and the class,
the most rows per megabyte). Each run loads it in a fresh Python process and reports:

* the load time (wall clock, the file already in the page cache) and the CPU time (a
  fairer comparison on a shared machine);
* the peak memory of the load: the process's maximum resident size (``ru_maxrss``) minus
  its resident size just before the call, also as a ratio to the file size (target < 5);
* with ``--tracemalloc``, the peak of Python allocations too (slower).

``--source`` imports nnstudio from another checkout (``--source /work/main`` measures the
code before a change). ``--bad N`` puts N bad cells (text, empty, "inf") into the file,
spread over it, to time the slow path that finds them; ``--skip`` loads it skipping them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 5.0

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    sys.path.insert(0, sys.argv[1])
    from nnstudio.core.data import load_csv
    from nnstudio.core.errors import DataError
    path, traced, skip = sys.argv[2], sys.argv[3] == "1", sys.argv[4] == "1"

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()

    if traced:
        import tracemalloc
        tracemalloc.start()
    before = rss()
    t0, c0 = time.perf_counter(), time.process_time()
    kwargs = {"skip_bad_rows": True} if skip else {}
    try:
        ds = load_csv(path, max_bytes=10**9, **kwargs)
        outcome = f"{ds.n_samples} rows x {ds.n_features} inputs, {ds.task}"
    except DataError as exc:
        outcome = "DataError: " + str(exc)[:200]
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    traced_peak = tracemalloc.get_traced_memory()[1] if traced else None
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_before": before, "rss_peak": peak,
                      "traced_peak": traced_peak, "outcome": outcome}))
    """
)


def make_csv(path: Path, megabytes: float, bad: int, shape: str = "wide", seed: int = 0) -> None:
    """Write the test file: about ``megabytes`` MB, ``bad`` bad cells spread evenly."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n_inputs, fmt = (10, "{:.6g}") if shape == "wide" else (2, "{:.2f}")
    header = ",".join([f"x{j}" for j in range(n_inputs)] + ["kind"]) + "\n"
    target = int(megabytes * 1e6)
    block = 20_000
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(header)
        written += len(header)
        while written < target:
            X = rng.normal(0.0, 10.0, size=(block, n_inputs))
            kinds = rng.choice(["a", "b", "c"], size=block)
            lines = [",".join(fmt.format(v) for v in row) + f",{k}\n" for row, k in zip(X, kinds)]
            chunk = "".join(lines)
            if written + len(chunk) > target:
                keep = []
                for line in lines:
                    if written + len(line) > target:
                        break
                    keep.append(line)
                    written += len(line)
                f.write("".join(keep))
                break
            f.write(chunk)
            written += len(chunk)
    if bad:
        lines = path.read_text(encoding="utf-8").split("\n")
        step = max(1, (len(lines) - 2) // bad)
        samples = ["oops", "", "inf", "N/A", "1,5"]
        for k in range(bad):
            i = 1 + k * step
            if i >= len(lines) - 1:
                break
            cells = lines[i].split(",")
            cells[k % n_inputs] = samples[k % len(samples)]
            if samples[k % len(samples)] == "1,5":
                cells[k % n_inputs] = '"1,5"'
            lines[i] = ",".join(cells)
        path.write_text("\n".join(lines), encoding="utf-8")


def run_once(source: Path, path: Path, traced: bool, skip: bool) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(path), "1" if traced else "0", "1" if skip else "0"],
        capture_output=True, text=True, timeout=3600,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="file size in MB (default 50)")
    ap.add_argument("--shape", choices=("wide", "narrow"), default="wide")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--source", type=Path, default=ROOT, help="the checkout to import nnstudio from")
    ap.add_argument("--bad", type=int, default=0, help="number of bad cells to put in the file")
    ap.add_argument("--skip", action="store_true", help="load with skip_bad_rows=True")
    ap.add_argument("--tracemalloc", action="store_true", help="also report the peak of Python allocations")
    args = ap.parse_args(argv)

    folder = Path(tempfile.gettempdir()) / "nnstudio-bench-csv"
    folder.mkdir(exist_ok=True)
    path = folder / f"{args.shape}-{args.mb:g}mb-bad{args.bad}.csv"
    if not path.exists():
        print(f"writing {path} ...", flush=True)
        make_csv(path, args.mb, args.bad, args.shape)
    size = path.stat().st_size
    print(f"file {path.name}: {size / 1e6:.1f} MB; code from {args.source}")
    for _ in range(args.runs):
        r = run_once(args.source, path, traced=False, skip=args.skip)
        grew = r["rss_peak"] - r["rss_before"]
        print(f"load {r['seconds']:6.2f} s (cpu {r['cpu']:5.2f} s)   peak memory +{grew / 1e6:7.1f} MB "
              f"= {grew / size:4.2f}x the file (target < {TARGET_RATIO:g}x)   -> {r['outcome']}")
    if args.tracemalloc:
        r = run_once(args.source, path, traced=True, skip=args.skip)
        print(f"tracemalloc peak {r['traced_peak'] / 1e6:7.1f} MB = {r['traced_peak'] / size:4.2f}x the file "
              f"(load {r['seconds']:.2f} s under tracing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
