"""Entry point of ``python -m nnstudio`` and of the ``nnstudio`` command.

With no arguments it opens the desktop app; with arguments it runs the command line
(:mod:`nnstudio.cli`); ``--self-test`` and ``--startup-probe`` check an installation
(:mod:`nnstudio.app.selftest`). The arguments are looked at before anything of Qt is
imported, so the command line works, and starts quickly, where Qt is not installed.
"""

from __future__ import annotations

import os
import sys
from typing import Mapping, Sequence

NOT_INSTALLED = "the desktop app is not installed in this build; use the command line: nnstudio --help"
NO_DISPLAY = ("there is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): "
              "start nnstudio from a desktop session, check the installation with nnstudio --self-test, "
              "or use the command line: nnstudio --help")

#: Qt platforms that draw without a window system (into memory, a framebuffer, a VNC client)
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "directfb",
                                "vkkhrdisplay", "kms", "webgl"})


def display_missing(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether the window cannot be shown because there is no display to show it on.

    Only X11 and Wayland systems need one named in the environment (Windows and macOS
    always have their own). Qt aborts the whole process when it finds none, with a
    message about the "xcb" plugin that sends people looking in the wrong place; this is
    checked before Qt starts. ``QT_QPA_PLATFORM`` naming a platform that needs no window
    system (``offscreen``, ``vnc``, ...) counts as a display.
    """
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if plat.startswith(("win", "darwin", "cygwin")):
        return False
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return False
    # "xcb", "wayland;xcb", "vnc:size=800x600": any headless choice can start
    wanted = [part.split(":", 1)[0].strip().lower() for part in env.get("QT_QPA_PLATFORM", "").split(";")]
    return not any(name in HEADLESS_PLATFORMS for name in wanted)


def launch_gui(project: str | None = None) -> int:
    """Open the desktop app (with ``project`` open); return its exit code (2 if it cannot start)."""
    try:
        from .app import main_window
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing == "nnstudio.app" or missing.startswith("nnstudio.app."):
            print(f"nnstudio: error: {NOT_INSTALLED}", file=sys.stderr)
        else:
            print(f"nnstudio: error: the desktop app cannot start: {exc}. Install what it needs "
                  "(pip install PySide6-Essentials pyqtgraph) or use the command line: nnstudio --help",
                  file=sys.stderr)
        return 2
    if display_missing():  # checked before Qt is started, which would abort the process
        print(f"nnstudio: error: {NO_DISPLAY}", file=sys.stderr)
        return 2
    result = main_window.run([sys.argv[0]] + ([project] if project else []))
    return result if isinstance(result, int) else 0


def diagnose(args: Sequence[str]) -> int:
    """``--self-test [--seconds N] [--out DIR] [--display]`` or ``--startup-probe [--display]``:
    check that this installation works (see :mod:`nnstudio.app.selftest`)."""
    import argparse

    p = argparse.ArgumentParser(prog="nnstudio", description="Check that this installation of nnstudio works.")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--self-test", action="store_true",
                      help="open the window off-screen, train the default example, check the pictures and the loss")
    mode.add_argument("--startup-probe", action="store_true",
                      help="print the time from the process start to the window's first paint, then exit")
    p.add_argument("--seconds", type=float, default=3.0, help="how long the self-test trains (default 3)")
    p.add_argument("--out", metavar="DIR", help="where the self-test saves its pictures (default: a temporary folder)")
    p.add_argument("--display", action="store_true", help="use the real display instead of an off-screen one")
    opts = p.parse_args(list(args))
    try:
        from .app import selftest
    except ImportError as exc:
        print(f"nnstudio: error: the desktop app cannot start: {exc}", file=sys.stderr)
        return 2
    if opts.startup_probe:
        return selftest.run_startup_probe(use_display=True if opts.display else None)
    return selftest.run_self_test(seconds=opts.seconds, out_dir=opts.out, use_display=opts.display)


def main(argv: Sequence[str] | None = None) -> int:
    """Run nnstudio: the app without arguments, the command line with them."""
    import multiprocessing

    # a frozen executable is also what starts the training engine's process: let
    # multiprocessing take over when it is started for that
    multiprocessing.freeze_support()
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        return launch_gui()
    if len(args) == 1 and args[0].lower().endswith(".nnproj"):
        return launch_gui(args[0])  # "nnstudio file.nnproj", as a file manager calls it
    if args[0] in ("--self-test", "--startup-probe"):
        return diagnose(args)
    from .cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
