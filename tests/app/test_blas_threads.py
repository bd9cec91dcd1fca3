"""The window and the engine share the cores instead of fighting over them: the engine's
BLAS library (NumPy's matrix products) gets all the cores but one, the window one
thread. With a pool as large as the machine in each process, training digits through
512-512 ReLU layers on 2 cores ran at 11 iterations a second instead of 64 and froze
the window for up to 2.5 s (see nnstudio.app.blas_threads)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nnstudio.app.blas_threads import blas_threads, blas_threads_of, engine_threads

from window_helpers import discard_and_close, open_window


def test_a_training_process_leaves_one_core_to_the_window():
    assert engine_threads(1) == 1
    assert engine_threads(2) == 1
    assert engine_threads(8) == 7
    assert engine_threads() == max(1, (os.cpu_count() or 1) - 1)


def test_limit_blas_holds_the_process_to_its_share():
    if blas_threads() is None:
        pytest.skip("this NumPy's BLAS library is not one threadpoolctl controls")
    code = ("from nnstudio.app.blas_threads import blas_threads, limit_blas\n"
            "print(limit_blas(1), blas_threads())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "OPENBLAS_NUM_THREADS": "3"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "1"]


def test_the_engine_process_runs_with_all_cores_but_one(qtbot):
    if blas_threads() is None:
        pytest.skip("this NumPy's BLAS library is not one threadpoolctl controls")
    w = open_window(qtbot, 1024, 700)
    try:
        answers: list = []
        w.controller.call(blas_threads_of, answers.append)
        qtbot.waitUntil(lambda: bool(answers), timeout=10000)
        assert answers == [engine_threads()]
    finally:
        discard_and_close(w)
