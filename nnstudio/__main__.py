"""Entry point of ``python -m nnstudio`` and of the ``nnstudio`` command.

With no arguments it opens the desktop app; with arguments it runs the command line
(:mod:`nnstudio.cli`); ``--self-test`` and ``--startup-probe`` check an installation
(:mod:`nnstudio.app.selftest`). The arguments are looked at before anything of Qt is
imported, so the command line works, and starts quickly, where Qt is not installed.
"""

from __future__ import annotations

import sys
from typing import Sequence

NOT_INSTALLED = "the desktop app is not installed in this build; use the command line: nnstudio --help"


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
    if len(args) == 1 and args[0].endswith(".nnproj"):
        return launch_gui(args[0])  # "nnstudio file.nnproj", as a file manager calls it
    if args[0] in ("--self-test", "--startup-probe"):
        return diagnose(args)
    from .cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
