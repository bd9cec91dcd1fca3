"""``nnstudio --self-test`` and ``nnstudio --startup-probe``: is this installation whole?

The self-test runs the real program end to end, the way a learner's first minute does,
and is meant above all for a packaged build (a frozen bundle that misses a Qt plugin, a
font or a lazily imported module fails here, not in front of a learner)::

    nnstudio --self-test [--seconds 3] [--out DIR] [--display]

1. opens the main window off-screen (``QT_QPA_PLATFORM=offscreen``, so no display is
   needed; ``--display`` uses the real one instead), with settings and autosaves in a
   temporary folder so the user's are never touched, and checks that the bundled
   resources are there (window icon, example projects, data sets);
2. trains the default example on the worker thread for ``seconds`` seconds;
3. saves the whole window and every view as PNG into ``DIR`` (default: a new temporary
   folder) and checks that the pictures are not blank and that the picture changed while
   training ran;
4. checks that the loss on the training set fell and that nothing raised an error;
   on a real display (``--display``) it also draws a surface with pyqtgraph's OpenGL
   view, which the off-screen platform cannot host;
5. closes the window, which must stop the worker thread, and exits 0 — or 1 with a
   one-line reason on stderr (the details go to ``selftest.log`` in ``DIR``).

The startup probe measures how long the program takes to show its first frame: it
builds the window, shows it, and at its first paint prints
``startup-probe: shown_after_s=<s> clock=<process|main>`` and exits. ``process`` means
the time since the process started (read from ``/proc`` on Linux), ``main`` the time
since this module was imported (elsewhere).

Nothing of Qt is imported when this module is: the platform must be chosen first.
"""

from __future__ import annotations

import contextlib

import io
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

_IMPORTED_AT = time.monotonic()

EXIT_OK, EXIT_FAILED, EXIT_HUNG = 0, 1, 3
#: a picture with fewer distinct colours than this is taken for blank
MIN_COLORS_WINDOW = 32
MIN_COLORS_VIEW = 4


class SelfTestError(Exception):
    """A check failed; the message is the one-line reason."""


# ---------------------------------------------------------------------------------------- set-up
def _choose_platform(use_display: bool) -> None:
    """Off-screen unless a display is wanted (an explicit QT_QPA_PLATFORM is respected)."""
    import faulthandler

    if sys.__stderr__ is not None:  # None in a windowed Windows program
        faulthandler.enable(file=sys.__stderr__)  # a crash in Qt still says where Python was
    if not use_display:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _isolate_user_files(tmp: Path) -> None:
    """Autosaves, recovery prompt and settings of this run stay in ``tmp``."""
    os.environ["NNSTUDIO_CONFIG_DIR"] = str(tmp / "config")
    os.environ["NNSTUDIO_NO_RECOVERY_PROMPT"] = "1"
    from PySide6.QtCore import QSettings

    # on Linux (and other Unixes) both formats are INI files and setPath redirects them;
    # the Windows registry and macOS plists cannot be redirected (see _keep_settings)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp / "settings"))


def _keep_settings(window: Any) -> None:
    # The window saves its geometry when it closes; where settings live in the registry
    # or a plist the self-test's 1400×900 window would replace the user's layout.
    if hasattr(window, "_save_settings"):
        window._save_settings = lambda: None


def _process_elapsed() -> tuple[float, str]:
    """Seconds since this process started (``process``), or since import (``main``)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5); fields[0] is field 3
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK")), "process"
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - _IMPORTED_AT, "main"


def _app(argv0: str) -> Any:
    from PySide6.QtWidgets import QApplication

    from .. import __version__

    app = QApplication.instance() or QApplication([argv0])
    app.setApplicationName("nnstudio")
    app.setOrganizationName("nnstudio")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("nnstudio")
    return app


def _spin(ms: int, until: Callable[[], bool] | None = None) -> bool:
    """Run the event loop for up to ``ms`` milliseconds, or until ``until()`` is true."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + ms / 1000
    loop = QEventLoop()
    while time.monotonic() < deadline:
        if until is not None and until():
            return True
        QTimer.singleShot(min(25, max(1, int((deadline - time.monotonic()) * 1000))), loop.quit)
        loop.exec()
    return until() if until is not None else True


class _FirstPaint:
    """Notes when anything in ``window`` is first painted (an application-wide event filter,
    since a main window whose children cover it may never get a paint event itself)."""

    def __init__(self, window: Any, on_paint: Callable[[], None] | None = None) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QApplication

        outer = self
        self.painted = False

        class Filter(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
                if (not outer.painted and event.type() == QEvent.Type.Paint and obj.isWidgetType()
                        and obj.window() is window):
                    outer.painted = True
                    if on_paint is not None:
                        on_paint()
                return False

        self.filter = Filter()
        self.app = QApplication.instance()
        self.app.installEventFilter(self.filter)

    def remove(self) -> None:
        self.app.removeEventFilter(self.filter)


def _dispose(window: Any) -> None:
    """Delete the window now, while Python is whole. Left to the interpreter's exit, its
    pyqtgraph items get events whose Python handlers run half torn down, which crashed
    about one exit in five (PySide6 6.11, pyqtgraph 0.14)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    window.hide()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


# ---------------------------------------------------------------------------------------- checks
def image_stats(image: Any) -> tuple[int, float]:
    """Distinct colours (of a sample of at most ~250,000 pixels) and the grey standard deviation."""
    import numpy as np
    from PySide6.QtGui import QImage

    img = image.convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    if w == 0 or h == 0:
        return 0, 0.0
    raw = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    px = raw.reshape(h, img.bytesPerLine())[:, : w * 4].copy().view(np.uint32).reshape(h, w)
    step = max(1, int((w * h / 250_000) ** 0.5))
    px = px[::step, ::step] & 0x00FFFFFF
    grey = ((px >> 16) & 255) * 0.299 + ((px >> 8) & 255) * 0.587 + (px & 255) * 0.114
    return int(len(np.unique(px))), float(grey.std())


def changed_share(a: Any, b: Any) -> float:
    """Share of pixels that differ between two images of the same size (1.0 if sizes differ)."""
    import numpy as np
    from PySide6.QtGui import QImage

    if a.size() != b.size():
        return 1.0

    def arr(img: Any) -> Any:
        img = img.convertToFormat(QImage.Format.Format_RGB32)
        raw = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
        return raw.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4].copy().view(np.uint32)

    x, y = arr(a), arr(b)
    return float(np.mean((x & 0x00FFFFFF) != (y & 0x00FFFFFF))) if x.size else 0.0


# ---------------------------------------------------------------------------------------- the test
class _Capture(io.TextIOBase):
    """Python-level stderr during the test: kept for the log, scanned for tracebacks."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        with self.lock:
            self.parts.append(s)
        return len(s)

    def text(self) -> str:
        with self.lock:
            return "".join(self.parts)


class _SelfTest:
    def __init__(self, seconds: float, out_dir: Path, log: list[str]) -> None:
        self.seconds = seconds
        self.out = out_dir
        self.log = log
        self.errors: list[str] = []  # problems seen while the app ran
        self.closing = False
        self.window: Any = None
        self._hooks: tuple[Any, Any] | None = None

    def note(self, text: str) -> None:
        self.log.append(f"[{time.monotonic() - _IMPORTED_AT:7.2f} s] {text}")

    # -- watching for trouble ------------------------------------------------------------------
    def _qt_message(self, mode: Any, context: Any, message: str) -> None:
        from PySide6.QtCore import QtMsgType

        self.note(f"qt {mode.name}: {message}")
        if mode in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            self.errors.append(f"Qt reported: {message}")

    def _excepthook(self, exc_type: Any, exc: BaseException, tb: Any) -> None:
        self.note("uncaught exception:\n" + "".join(traceback.format_exception(exc_type, exc, tb)))
        self.errors.append(f"uncaught {exc_type.__name__}: {exc}")

    def _on_app_message(self, level: str, text: str) -> None:
        self.note(f"app {level}: {text}")
        if level == "error":
            self.errors.append(f"the app reported an error: {text}")

    def _answer_dialogs(self) -> None:
        """No dialog may block the test: one while closing is the unsaved-changes question
        (answered "Discard"); any other is a failure (and is closed)."""
        from PySide6.QtWidgets import QApplication, QMessageBox

        modal = QApplication.activeModalWidget()
        if modal is None:
            return
        text = modal.text() if isinstance(modal, QMessageBox) else modal.windowTitle()
        if self.closing and isinstance(modal, QMessageBox):
            for button in modal.buttons():
                if modal.buttonRole(button) == QMessageBox.ButtonRole.DestructiveRole:
                    self.note(f"answered 'discard' to: {text}")
                    button.click()
                    return
        self.errors.append(f"an unexpected dialog appeared: {text!r}")
        modal.reject()

    # -- talking to the engine (it runs in its own process: functions sent must be module-level)
    def on_worker(self, fn: Callable[[Any], Any], timeout_ms: int = 20_000) -> Any:
        box: dict[str, Any] = {}
        self.window.controller.call(fn, lambda value: box.setdefault("value", value))
        if not _spin(timeout_ms, lambda: "value" in box):
            raise SelfTestError("the training thread did not answer within 20 s")
        return box["value"]

    def measure(self) -> tuple[int, float]:
        return self.on_worker(_iteration_and_loss)

    def check_resources(self, window: Any) -> None:
        """The bundled files are there and readable: icon (through Qt's SVG plugin), example
        projects, data sets."""
        from ..core.project import load_project
        from .paths import resource_path

        if window.windowIcon().isNull():
            raise SelfTestError("the window has no icon (icons/nnstudio.svg or Qt's SVG plugin is missing)")
        examples = sorted(resource_path("examples").glob("*.nnproj"))
        if not examples:
            raise SelfTestError(f"no example projects in {resource_path('examples')}")
        for path in examples:
            try:
                load_project(path)
            except Exception as exc:  # noqa: BLE001
                raise SelfTestError(f"the example {path.name} cannot be opened: {exc}") from exc
        datasets = sorted(p.name for p in resource_path("datasets").glob("*.csv*"))
        if not datasets:
            raise SelfTestError(f"no bundled data sets in {resource_path('datasets')}")
        self.note(f"resources: {len(examples)} examples, data sets {', '.join(datasets)}")

    def check_opengl(self) -> None:
        """Draw a small surface with pyqtgraph's OpenGL view (the 3-D loss landscape's) and
        check the picture. Only on a real display: the off-screen platform has no OpenGL."""
        import numpy as np

        try:
            import pyqtgraph.opengl as gl
        except Exception as exc:  # noqa: BLE001 - a missing GL library raises all sorts
            raise SelfTestError(f"the 3-D views cannot load OpenGL: {type(exc).__name__}: {exc}") from exc
        view = gl.GLViewWidget()
        x = np.linspace(-2.0, 2.0, 40)
        surface = gl.GLSurfacePlotItem(x=x, y=x, z=np.sin(x)[:, None] * np.cos(x)[None, :],
                                       shader="heightColor", computeNormals=False)
        view.addItem(surface)
        view.resize(240, 240)
        paint = _FirstPaint(view)
        view.show()
        _spin(10_000, lambda: paint.painted)
        _spin(200)
        paint.remove()
        image = view.grabFramebuffer()
        view.hide()
        view.deleteLater()
        image.save(str(self.out / "opengl.png"), "PNG")
        colors, _spread = image_stats(image)
        self.note(f"opengl.png: {image.width()}x{image.height()}, {colors} colours")
        if colors < MIN_COLORS_WINDOW:
            raise SelfTestError("the 3-D (OpenGL) view drew nothing: OpenGL does not work on this display")

    # -- the run ---------------------------------------------------------------------------------
    def restore(self) -> None:
        """Put back the hooks :meth:`run` installed."""
        if self._hooks is not None:
            from PySide6.QtCore import qInstallMessageHandler

            sys.excepthook, previous = self._hooks
            qInstallMessageHandler(previous)
            self._hooks = None

    def run(self) -> str:
        from PySide6.QtCore import QTimer, qInstallMessageHandler

        from .controller import MAX_SPEED

        self._hooks = (sys.excepthook, qInstallMessageHandler(self._qt_message))
        sys.excepthook = self._excepthook
        app = _app(sys.argv[0])
        self.note(f"Qt platform: {app.platformName()}")
        watcher = QTimer()
        watcher.setInterval(100)
        watcher.timeout.connect(self._answer_dialogs)
        watcher.start()

        t0 = time.monotonic()
        try:
            from .main_window import MainWindow
        except ImportError as exc:
            raise SelfTestError(f"the main window cannot be imported: {exc}") from exc
        window = self.window = MainWindow()
        _keep_settings(window)
        window.controller.sigMessage.connect(self._on_app_message)
        paint = _FirstPaint(window)
        window.resize(1400, 900)
        window.show()
        if not _spin(15_000, lambda: paint.painted):
            raise SelfTestError("the main window was never painted")
        paint.remove()
        self.note(f"window shown after {time.monotonic() - t0:.2f} s")
        self.check_resources(window)

        iter0, loss0 = self.measure()
        if iter0 < 0:
            raise SelfTestError("the default example was not loaded into the training thread")
        _spin(300)  # the first snapshot reaches the views
        window.controller.flush()
        before = window.boundary_view.grab().toImage()  # the decision view: the big picture
        window.grab().save(str(self.out / "window-before.png"), "PNG")

        window.controller.set_speed(MAX_SPEED)
        window.controller.play()
        _spin(int(self.seconds * 1000))
        window.controller.pause()
        iter1, loss1 = self.measure()
        _spin(300)  # the last snapshot reaches the views
        window.controller.flush()
        _spin(100)
        self.note(f"iterations {iter0} -> {iter1}, training loss {loss0:.6g} -> {loss1:.6g}")

        shot = window.grab()
        if not shot.save(str(self.out / "window.png"), "PNG"):
            raise SelfTestError(f"could not write {self.out / 'window.png'}")
        colors, spread = image_stats(shot.toImage())
        self.note(f"window.png: {shot.width()}x{shot.height()}, {colors} colours, grey std {spread:.1f}")
        if colors < MIN_COLORS_WINDOW or spread < 1.0:
            raise SelfTestError(f"the window's picture is blank ({colors} colours)")
        after = window.boundary_view.grab().toImage()
        share = changed_share(before, after)
        self.note(f"decision view: {share:.1%} of its pixels changed while training")
        if share < 0.001:
            raise SelfTestError("the picture did not change while the network trained")

        for view in getattr(window, "views", []):
            name = type(view).__name__
            path = self.out / f"{name}.png"
            saved = view.export_png(path)
            if not view.isVisible():  # a dock tab behind another: saved for a look, not judged
                self.note(f"{name}.png: {'saved' if saved else 'not saved'} (hidden)")
                continue
            if not saved:
                raise SelfTestError(f"{name}.export_png failed")
            else:
                from PySide6.QtGui import QImage

                n, _s = image_stats(QImage(str(path)))
                self.note(f"{name}.png: {n} colours")
                if n < MIN_COLORS_VIEW:
                    raise SelfTestError(f"{name} shows a blank picture")

        if iter1 <= iter0:
            raise SelfTestError(f"no training happened in {self.seconds:g} s (iteration {iter0} -> {iter1})")
        if not loss1 < loss0:
            raise SelfTestError(f"the loss did not fall: {loss0:.6g} -> {loss1:.6g} after {iter1 - iter0} iterations")
        if self.errors:
            raise SelfTestError(self.errors[0])

        opengl = app.platformName() not in ("offscreen", "minimal")
        if opengl:
            self.check_opengl()
        else:
            self.note("3-D (OpenGL) check skipped: the off-screen platform has no OpenGL")

        self.closing = True
        window.close()
        _spin(200)
        thread = window.controller.thread
        if thread.isRunning():
            window.controller.shutdown()
            raise SelfTestError("closing the window did not stop the training thread")
        watcher.stop()
        if self.errors:
            raise SelfTestError(self.errors[0])
        return (f"{iter1 - iter0:,} iterations in {self.seconds:g} s, training loss {loss0:.4g} -> {loss1:.4g}, "
                + ("3-D view drawn, " if opengl else "") + f"pictures in {self.out}")


def run_self_test(seconds: float = 3.0, out_dir: str | os.PathLike[str] | None = None,
                  use_display: bool = False) -> int:
    """Run the self-test; 0 when everything worked, else 1 with a one-line reason on stderr."""
    _choose_platform(use_display)
    out = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="nnstudio-selftest-"))
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="nnstudio-selftest-home-"))
    log: list[str] = [f"nnstudio self-test, python {sys.version.split()[0]}, frozen={getattr(sys, 'frozen', False)}"]
    log_path = out / "selftest.log"

    def write_log() -> None:
        with contextlib.suppress(OSError):  # the log is a courtesy; the exit code is the answer
            log_path.write_text("\n".join(log) + "\n", encoding="utf-8")

    def hung() -> None:  # a blocked event loop cannot fail the test any other way
        log.append("timed out")
        write_log()
        if sys.__stderr__ is not None:
            sys.__stderr__.write(f"nnstudio: self-test failed: it did not finish within {limit:.0f} s "
                                 f"(log: {log_path})\n")
            sys.__stderr__.flush()
        os._exit(EXIT_HUNG)

    limit = seconds + 120
    timer = threading.Timer(limit, hung)
    timer.daemon = True
    timer.start()
    real_stderr = sys.stderr
    captured = _Capture()
    sys.stderr = captured
    test = _SelfTest(seconds, out, log)
    try:
        _isolate_user_files(tmp)
        summary = test.run()
        if "Traceback (most recent call last)" in captured.text():
            raise SelfTestError("an error was printed while the app ran: "
                                + captured.text().strip().splitlines()[-1])
    except SelfTestError as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - any failure becomes the one-line reason
        log.append(traceback.format_exc())
        reason = f"{type(exc).__name__}: {exc}"
    else:
        reason = ""
    finally:
        sys.stderr = real_stderr
        timer.cancel()
        if captured.text():
            log.append("stderr:\n" + captured.text())
        window = test.window
        if window is not None:
            if window.controller.thread.isRunning():
                window.controller.shutdown()
            _dispose(window)
            test.window = window = None
        test.restore()
        write_log()
        shutil.rmtree(tmp, ignore_errors=True)
    if reason:
        print(f"nnstudio: self-test failed: {reason} (log: {log_path})", file=sys.stderr)
        return EXIT_FAILED
    print(f"nnstudio self-test passed: {summary}")
    return EXIT_OK


def run_startup_probe(use_display: bool | None = None) -> int:
    """Show the main window, print the time to its first paint, close it and return 0.

    ``use_display=None`` uses the display when there is one, else the off-screen platform.
    """
    if use_display is None:
        use_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in (
            "win32", "darwin")
    _choose_platform(use_display)
    tmp = Path(tempfile.mkdtemp(prefix="nnstudio-probe-"))
    _isolate_user_files(tmp)
    app = _app(sys.argv[0])
    from .main_window import MainWindow

    window = MainWindow()
    _keep_settings(window)
    result: dict[str, Any] = {}

    def on_paint() -> None:
        result["elapsed"] = _process_elapsed()

    paint = _FirstPaint(window, on_paint)
    window.show()
    _spin(30_000, lambda: paint.painted)
    paint.remove()
    # Stop training and leave: closing the window could ask about unsaved changes.
    stopped = window.controller.shutdown()
    _dispose(window)
    shutil.rmtree(tmp, ignore_errors=True)
    if "elapsed" not in result:
        print("nnstudio: startup probe failed: the window was never painted", file=sys.stderr)
        return EXIT_FAILED
    elapsed, clock = result["elapsed"]
    print(f"startup-probe: shown_after_s={elapsed:.3f} clock={clock} platform={app.platformName()}", flush=True)
    return EXIT_OK if stopped else EXIT_FAILED


__all__ = ["run_self_test", "run_startup_probe", "image_stats", "changed_share", "SelfTestError"]


def _iteration_and_loss(trainer: Any) -> tuple[int, float]:
    """Runs in the engine process: the iteration reached and the training loss."""
    if trainer is None:
        return -1, float("nan")
    return int(trainer.iteration), float(trainer.evaluate()["loss"])
