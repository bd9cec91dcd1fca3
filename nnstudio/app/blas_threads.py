"""How many threads the BLAS library (NumPy's matrix products) may use in each of the
app's processes.

By default every process that loads NumPy gets a BLAS pool as large as the machine has
cores, and OpenBLAS's threads spin while they wait for work. The window and the engine
are two processes: with a large network (digits through 512-512 ReLU layers, measured
on 2 cores) their pools fought over the cores. The engine trained at 11 iterations a
second instead of 64, and the window froze for up to 2.5 s at a time. Held to one
thread each, the window's longest pause was 29 ms.

So the window, whose own products are small, uses one thread, and each training process
(the engine, run B's) all the cores but one, which stays free for the window.
:func:`limit_blas` holds a process to its share for the rest of its life.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

#: the limits in force in this process (threadpoolctl restores nothing while it is kept)
_KEPT: list[Any] = []


def engine_threads(cores: int | None = None) -> int:
    """BLAS threads for a training process on a machine with ``cores`` cores (this one's
    by default): all but one, at least one."""
    n = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, int(n) - 1)


def limit_blas(threads: int) -> int | None:
    """Hold this process's BLAS library to ``threads`` threads from now on; returns the
    number now in force, or None when it cannot be controlled here (no threadpoolctl,
    or a BLAS library it does not know), in which case nothing changes."""
    try:
        from threadpoolctl import ThreadpoolController

        importlib.import_module("numpy")  # threadpoolctl controls the libraries loaded by then

        controller = ThreadpoolController()
        _KEPT.append(controller.limit(limits=max(1, int(threads)), user_api="blas"))
        sizes = [info["num_threads"] for info in controller.info() if info.get("user_api") == "blas"]
    except Exception:  # noqa: BLE001 - no control: the library's own default
        return None
    return min(sizes) if sizes else None


def blas_threads() -> int | None:
    """The BLAS threads this process may use now (None when unknown)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    sizes = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return min(sizes) if sizes else None


def blas_threads_of(_trainer: Any = None) -> int | None:
    """:func:`blas_threads` as an engine call (``Controller.call``) asks it: the threads of
    the engine process."""
    return blas_threads()


__all__ = ["blas_threads", "blas_threads_of", "engine_threads", "limit_blas"]
