"""Fixtures for the GUI tests (pytest-qt)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Settings and autosaves in a temporary folder: tests never touch the user's
    (the app reads NNSTUDIO_CONFIG_DIR; see nnstudio.app.paths.app_settings)."""
    monkeypatch.setenv("NNSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    yield


@pytest.fixture(autouse=True)
def no_thread_left_running():
    """Fail a test that leaves a training engine (process or reader thread) running."""
    yield
    from nnstudio.app.controller import TrainingController

    running = [c for c in TrainingController.instances()
               if c.thread.isRunning() or c.process.is_alive()]
    for c in running:  # stop them so the next test starts clean, then fail
        c.shutdown()
    assert not running, f"{len(running)} training engine(s) left running"
