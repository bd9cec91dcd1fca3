"""Test set-up shared by every test.

GUI tests run without a display: on Qt's ``offscreen`` platform, or — when Xvfb is
installed, which pytest-xvfb then starts — on a virtual X server, where the OpenGL 3-D
view works too. QSettings are redirected to a temporary folder so tests never read or
write the user's settings.
"""

from __future__ import annotations

import os
import sys

import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # runs after pytest-xvfb has (or has not) set DISPLAY. With pytest-xdist the tests run
    # in worker processes, each of which pytest-xvfb gives a virtual X server of its own;
    # the process that starts them runs no test and must not hand them "offscreen"
    distributing = getattr(config.option, "dist", "no") != "no" and not os.environ.get("PYTEST_XDIST_WORKER")
    if not distributing and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("NNSTUDIO_NO_RECOVERY_PROMPT", "1")
    try:  # as nnstudio.app.main_window.run() does, before pytest-qt makes the QApplication
        from PySide6.QtCore import QCoreApplication, Qt

        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    except ImportError:
        pass


def has_display() -> bool:
    return os.environ.get("QT_QPA_PLATFORM") != "offscreen" and bool(os.environ.get("DISPLAY"))


#: test processes at most under ``-n auto``: each holds the windows of its tests (a few
#: GB for the whole suite, shared out), and the engine processes they start want cores too
MAX_TEST_PROCESSES = 4


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    return max(1, min(os.cpu_count() or 1, MAX_TEST_PROCESSES))


_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave at once when the summary is written (after the other plugins, pytest-xvfb
    included, have finished). The GUI tests close their windows but do not delete
    them (deleting a window with pyqtgraph views in it mid-suite crashes Qt), so at a
    normal exit PySide deletes hundreds of windows one by one and Python's collector
    walks them: one to two minutes of nothing after the last test."""
    if _exit_status and "PySide6.QtWidgets" in sys.modules and not os.environ.get("NNSTUDIO_TESTS_NORMAL_EXIT"):
        xvfb = sys.modules.get("pytest_xvfb")
        if xvfb is not None:  # it stops the virtual X server at exit: now, then
            xvfb.shutdown_xvfb()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[0])
