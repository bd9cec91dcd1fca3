"""Entry point of ``python -m nnstudio`` and of the ``nnstudio`` command.

With no arguments it opens the desktop app; with arguments it runs the command line
(:mod:`nnstudio.cli`). The arguments are looked at before anything of Qt is imported,
so the command line works, and starts quickly, where Qt is not installed.
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run nnstudio: the app without arguments, the command line with them."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        return launch_gui()
    if len(args) == 1 and args[0].endswith(".nnproj"):
        return launch_gui(args[0])  # "nnstudio file.nnproj", as a file manager calls it
    from .cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
