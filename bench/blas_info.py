"""One line on the BLAS the benchmarks' matrix products ran on.

Absolute speeds depend on which of its kernels OpenBLAS runs, and the environment can
choose them: ``OPENBLAS_CORETYPE`` overrides what OpenBLAS would pick for the CPU.
Seen on the machines of this project's sessions: ``OPENBLAS_CORETYPE=Haswell`` (AVX2
kernels) set on an AMD EPYC whose own choice is ``SkylakeX`` (AVX-512), with float64
products 1.5× and float32 products 1.8× slower than the CPU's own choice. Ratios
measured in one run share the kernels; this line says which they were.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np


def own_choice() -> str:
    """The kernels OpenBLAS picks for this CPU when the environment chooses none."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    code = "import numpy, threadpoolctl; print(threadpoolctl.threadpool_info()[0].get('architecture', '?'))"
    try:
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.stdout.strip() or "?"


def describe() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return f"NumPy {np.__version__} (threadpoolctl not installed: the BLAS is unknown)"
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not blas:
        return f"NumPy {np.__version__}, BLAS unknown"
    info = blas[0]
    line = (f"NumPy {np.__version__} on {info.get('internal_api', '?')} {info.get('version', '?')}, "
            f"{info.get('architecture', '?')} kernels, {info.get('num_threads', '?')} threads")
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if forced and info.get("internal_api") == "openblas":
        line += f" (OPENBLAS_CORETYPE={forced} set in the environment; this CPU's own choice: {own_choice()})"
    return line
