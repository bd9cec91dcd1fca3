"""nnstudio ended from outside (SIGTERM at logout or shutdown, SIGHUP when its terminal
closes) autosaves the unsaved work first; the next start offers it back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from nnstudio.app.main_window import MainWindow
from nnstudio.app.paths import config_dir
from nnstudio.core.project import load_project
from window_helpers import discard_and_close, wait_snapshot

#: nnstudio as the ``nnstudio`` command starts it (main_window.run), stepping 5 iterations
#: (unsaved work, newer than any autosave) and saying READY when the engine has them
APP = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from nnstudio.app import main_window

    def step():
        w = next(x for x in QApplication.topLevelWidgets() if isinstance(x, main_window.MainWindow))
        for _ in range(5):
            w.act_step.trigger()
        def ready():
            state = w.controller.saved_state
            if state is not None and state[0].trainer_state.iteration == 5 and w.doc.modified:
                poll.stop()
                print("READY", flush=True)
        poll = QTimer(w)
        poll.timeout.connect(ready)
        poll.start(50)
    QTimer.singleShot(500, step)
    sys.exit(main_window.run(["nnstudio"]))
""")


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_unsaved_training_survives_being_ended_from_outside(qtbot, sig):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NNSTUDIO_CONFIG_DIR=str(config_dir()))
    env["PYTHONPATH"] = os.pathsep.join([os.getcwd(), env.get("PYTHONPATH", "")])
    app = subprocess.Popen([sys.executable, "-c", APP], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout.readline().strip() == "READY"
        app.send_signal(getattr(signal, sig))
        app.wait(30)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    files = sorted(config_dir().glob("autosave-*.nnproj"))
    assert len(files) == 1 and load_project(files[0]).trainer_state.iteration == 5
    w = MainWindow(recover=True)  # the next start gets it back
    try:
        wait_snapshot(qtbot, w, lambda s: s.iteration == 5)
        assert w.doc.modified and not files[0].exists()
    finally:
        discard_and_close(w)
