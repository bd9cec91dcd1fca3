"""Size of the packaged program and its start time, next to ``python -m nnstudio``'s.

    python bench/bench_startup.py [--runs 5] [--dist dist] [--build]

Reports:

* the size of the one-folder bundle (``dist/nnstudio/``) and of its archive
  (``dist/nnstudio-*.tar.gz``), in MB — target: archive < 150 MB;
* the start time to the first painted window of the bundle and of ``python -m nnstudio``
  (the source tree), median and best of ``--runs`` — target < 2 s. Each run is a fresh
  process started with ``--startup-probe``, which builds the main window, shows it and,
  at its first paint, prints the time since the process started and exits. The wall time
  from launching the process to that line is reported too; it includes what happens before
  the process starts running Python (PyInstaller's bootloader, the dynamic loader).

With ``--build`` (or when there is no bundle yet) it builds one first with
``packaging/build.py`` into ``--dist``, and reports the build time. The window is shown on
the display when there is one (``xvfb-run -a python bench/bench_startup.py`` measures a
real X server), off-screen otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = re.compile(r"startup-probe: shown_after_s=([0-9.]+) clock=(\w+) platform=(\w+)")
TARGET_START_S = 2.0
TARGET_ARCHIVE_MB = 150.0


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def probe(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """One start: (seconds since the process started, wall seconds from launch, platform)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    line = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        if PROBE.search(line):
            break
    wall = time.perf_counter() - t0
    _out, err = proc.communicate(timeout=60)
    match = PROBE.search(line)
    if proc.returncode != 0 or not match:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}): {err.strip()[-500:]}")
    return float(match.group(1)), wall, match.group(3)


def measure(name: str, cmd: list[str], runs: int, env: dict[str, str]) -> dict[str, float]:
    probe(cmd, env)  # warm the file cache: every run after the first is measured alike
    inside, wall, platform = [], [], ""
    for _ in range(runs):
        s, w, platform = probe(cmd, env)
        inside.append(s)
        wall.append(w)
    med = statistics.median(inside)
    print(f"{name:<22} first paint {med:5.2f} s median, {min(inside):5.2f} s best; "
          f"launch to paint {statistics.median(wall):5.2f} s  ({platform}, {runs} runs)")
    return {"median": med, "best": min(inside), "wall": statistics.median(wall)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the bundle is (or is built)")
    ap.add_argument("--build", action="store_true", help="build the bundle first")
    args = ap.parse_args(argv)

    dist = args.dist.resolve()
    bundle = dist / "nnstudio"
    program = bundle / ("nnstudio.exe" if sys.platform == "win32" else "nnstudio")
    if args.build or not program.exists():
        t0 = time.perf_counter()
        work = Path(tempfile.mkdtemp(prefix="nnstudio-build-"))
        subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(dist), "--work",
                        str(work)], check=True)
        print(f"build                  {time.perf_counter() - t0:5.0f} s (packaging/build.py, {os.cpu_count()} cores)")
    archives = sorted(dist.glob("nnstudio-*.tar.gz")) + sorted(dist.glob("nnstudio-*.zip"))
    archives = [a for a in archives if "onefile" not in a.name]

    ok = True
    print(f"bundle folder          {size_mb(bundle):5.0f} MB  ({bundle})")
    if archives:
        mb = size_mb(archives[-1])
        ok &= mb < TARGET_ARCHIVE_MB
        print(f"archive                {mb:5.0f} MB  ({archives[-1].name}; target < {TARGET_ARCHIVE_MB:.0f} MB)")
    else:
        print("archive                (none in the dist folder)")

    env = dict(os.environ)
    env["NNSTUDIO_CONFIG_DIR"] = tempfile.mkdtemp(prefix="nnstudio-bench-")
    env.pop("PYTHONPATH", None)
    frozen = measure("bundle", [str(program), "--startup-probe"], args.runs, env)
    src_env = dict(env, PYTHONPATH=str(ROOT))  # this source tree, whatever is installed
    source = measure("python -m nnstudio", [sys.executable, "-m", "nnstudio", "--startup-probe"], args.runs, src_env)
    ok &= frozen["median"] < TARGET_START_S and frozen["wall"] < TARGET_START_S
    print(f"bundle / source        {frozen['median'] / source['median']:5.2f}× (target: start < {TARGET_START_S:.0f} s)")
    print("targets met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
