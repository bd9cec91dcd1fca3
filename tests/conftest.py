"""Test set-up shared by every test.

GUI tests run without a display: on Qt's ``offscreen`` platform, or — when Xvfb is
installed, which pytest-xvfb then starts — on a virtual X server, where the OpenGL 3-D
view works too. QSettings are redirected to a temporary folder so tests never read or
write the user's settings.
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # runs after pytest-xvfb has (or has not) set DISPLAY
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("NNSTUDIO_NO_RECOVERY_PROMPT", "1")
    try:  # as nnstudio.app.main_window.run() does, before pytest-qt makes the QApplication
        from PySide6.QtCore import QCoreApplication, Qt

        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    except ImportError:
        pass


def has_display() -> bool:
    return os.environ.get("QT_QPA_PLATFORM") != "offscreen" and bool(os.environ.get("DISPLAY"))
