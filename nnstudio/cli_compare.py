"""The command line's comparisons: ``nnstudio new … --compare``, ``nnstudio train`` of a
project with a comparison (or ``--compare`` to make one), a two-column summary, CSV.

``--compare`` takes the changes of run B as ``setting=value`` pairs separated by spaces or
semicolons, and may be given more than once: ``--compare lr=0.3``,
``--compare "optimizer=adam lr=0.01"``, ``--compare activation=relu --compare init=he_uniform``
(see :mod:`nnstudio.core.run_changes` for the settings).

Every command opens a project through :func:`open_project`, which refuses a comparison
whose runs cannot stand where the file says with the message the window shows (a file
claiming run B at 10¹² iterations beside A at 20 would otherwise be described as such,
or summarised as if it were true).
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Sequence, TextIO

from .core.comparison import Comparison
from .core.data import PreparedData
from .core.errors import SpecError
from .core.export.comparison_csv import write_comparison_csv
from .core.project import Project, load_project, save_project, trainer_from_project
from .core.project_comparison import check_saved_comparison, comparison_from_project, project_from_comparison
from .core.run_changes import RunChanges
from .core.safetext import terminal
from .core.trainer import Trainer

EXIT_OK, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 130
#: iterations trained between progress updates (and Ctrl-C checks) when training by iterations
CHUNK = 50
#: the longest legend of run B shown (the legends nnstudio makes are at most this long)
LABEL_CHARS = 120


def open_project(path: str) -> Project:
    """:func:`~nnstudio.core.project.load_project` and the checks the window makes of a
    comparison before it opens one (:func:`~nnstudio.core.project_comparison.check_saved_comparison`).

    Raises
    ------
    ProjectError
        The same one-line message the window shows.
    """
    project = load_project(path)
    check_saved_comparison(project)
    return project


def parse_compare(values: Sequence[str] | None) -> RunChanges | None:
    """The changes of all ``--compare`` options together (None when there are none).

    Raises
    ------
    SpecError
        Saying which change cannot be read, with an example.
    """
    if not values:
        return None
    try:
        return RunChanges.parse(" ".join(values))
    except SpecError as exc:
        raise SpecError(f"--compare: {exc}") from None


def add_comparison(project: Project, changes: RunChanges, prepared: PreparedData) -> tuple[Project, Comparison]:
    """``project`` (a new one) with run B made from its run at iteration 0."""
    a = trainer_from_project(project, data=prepared)
    try:
        cmp = Comparison.fork(a, changes)
    except SpecError as exc:
        raise SpecError(f"--compare: {exc}") from None
    out = project_from_comparison(cmp, project.data, project.inline_data, ui=project.ui, name=project.name,
                                  description=project.description)
    return out, cmp


def _fmt_metric(task: str, value: float) -> str:
    if not math.isfinite(value):
        return "–"
    return f"R² {value:.4f}" if task == "regression" else f"{100 * value:.1f}%"


def _fmt_loss(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "–"


def summary_lines(cmp: Comparison, why: Sequence[str]) -> list[str]:
    """The two-column summary: one row per quantity, run A then run B."""
    s = cmp.summary()
    task = cmp.a.spec.task
    metric = "R²" if task == "regression" else "accuracy"
    rows = [
        ("", "A", terminal(cmp.label, LABEL_CHARS)),
        ("iterations", f"{s['A']['iterations']:,}", f"{s['B']['iterations']:,}"),
        ("epochs", f"{s['A']['epochs']:,}", f"{s['B']['epochs']:,}"),
        ("time", f"{s['A']['seconds']:.2f} s", f"{s['B']['seconds']:.2f} s"),
        ("loss", _fmt_loss(s["A"]["loss"]), _fmt_loss(s["B"]["loss"])),
        (metric, _fmt_metric(task, s["A"]["metric"]), _fmt_metric(task, s["B"]["metric"])),
    ]
    if math.isfinite(s["A"]["val_loss"]) or math.isfinite(s["B"]["val_loss"]):
        rows += [("val loss", _fmt_loss(s["A"]["val_loss"]), _fmt_loss(s["B"]["val_loss"])),
                 (f"val {metric}", _fmt_metric(task, s["A"]["val_metric"]),
                  _fmt_metric(task, s["B"]["val_metric"]))]
    else:
        rows.append(("validation", "no validation set", "no validation set"))
    w0 = max(len(r[0]) for r in rows) + 2
    w1 = max(len(r[1]) for r in rows) + 3
    lines = [f"{r[0]:<{w0}}{r[1]:<{w1}}{r[2]}".rstrip() for r in rows]
    lines.append(f"stopped: A: {why[0]}")
    lines.append(f"         B: {why[1]}")
    if cmp.note:
        lines.append(f"note: {terminal(cmp.note, 300)}")
    return lines


def _why(run: Trainer, interrupted: bool, epochs: int | None, iterations: int | None) -> str:
    if run.stopped:
        return terminal(run.stopped, 300)
    if interrupted:
        return f"interrupted (Ctrl-C) at iteration {run.iteration}"
    if epochs is not None:
        return f"finished the {epochs} epoch{'s' if epochs != 1 else ''} asked for"
    return f"finished the {iterations} iteration{'s' if iterations != 1 else ''} asked for"


def train_comparison(args: argparse.Namespace, project: Project, a: Trainer, changes: RunChanges | None,
                     out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``nnstudio train`` of a project with a comparison, or with ``--compare`` (which makes
    run B from A's present state, replacing a comparison the project had)."""
    out = out or sys.stdout
    err = err or sys.stderr
    if changes is None and (args.reset or args.lr is not None):
        raise SpecError("--reset and --lr change one run; this project compares two: "
                        "give --compare to make a new run B from run A after the change")
    if args.csv and not args.csv.strip():
        raise SpecError("--csv needs a file name, e.g. --csv run.csv")
    if changes is not None:
        if args.reset:
            a.reset()
        if args.lr is not None:
            a.set_config(a.config.replace(learning_rate=args.lr))
        try:
            cmp = Comparison.fork(a, changes)
        except SpecError as exc:
            raise SpecError(f"--compare: {exc}") from None
    else:
        cmp = comparison_from_project(project, a)  # type: ignore[assignment]
        assert cmp is not None
    quiet = args.quiet
    out_path = Path(args.out) if args.out else (Path(args.project) if args.save else None)
    if cmp.stopped:
        print("both runs had already stopped; nothing to do", file=err)
        return EXIT_OK

    epochs = args.epochs if args.iterations is None and args.epochs is not None else None
    iterations = args.iterations
    if epochs is None and iterations is None:
        epochs = 100
    total = epochs if epochs is not None else int(iterations)  # type: ignore[arg-type]
    if not quiet:
        print(f"comparing A with {terminal(cmp.label, LABEL_CHARS)}", file=err)
    sigint: list[int] = []
    old_handler = None
    if threading.current_thread() is threading.main_thread():
        def on_sigint(signum: int, frame: Any) -> None:
            sigint.append(signum)
            signal.signal(signal.SIGINT, old_handler or signal.default_int_handler)
        old_handler = signal.signal(signal.SIGINT, on_sigint)
    done = 0
    interrupted = hard_stop = False
    last_report = -math.inf
    try:
        while done < total and not cmp.stopped:
            if sigint:
                interrupted = True
                break
            if epochs is not None:
                cmp.run_epoch()
                done += 1
            else:
                n = min(CHUNK, total - done)
                cmp.run(iterations=n)
                done += n
            now = time.monotonic()
            if not quiet and (now - last_report > 1.0 or done >= total):
                last_report = now
                unit = "epoch" if epochs is not None else "iteration"
                print(f"{100 * done // max(1, total):3d}%  {unit} {done}/{total}  loss A "
                      f"{_fmt_loss(_last_loss(cmp.a))}  B {_fmt_loss(_last_loss(cmp.b))}", file=err)
    except KeyboardInterrupt:
        interrupted = hard_stop = True
    finally:
        if old_handler is not None:
            signal.signal(signal.SIGINT, old_handler)
    if hard_stop:
        print("nnstudio: error: interrupted in the middle of an iteration; nothing was saved", file=err)
        return EXIT_INTERRUPTED
    why = [_why(run, interrupted, epochs, iterations) for run in cmp.runs]
    if not quiet:
        out.write("\n".join(summary_lines(cmp, why)) + "\n")
        out.flush()
    both_diverged = all((run.stop_info or {}).get("kind") == "divergence" for run in cmp.runs)
    if args.csv:
        files = write_comparison_csv(cmp, args.csv)
        if not quiet:
            print("wrote " + ", ".join(terminal(f, 200) for f in files), file=err)
    if both_diverged:
        print("nnstudio: error: both runs diverged" + (" The project was not saved." if out_path else ""), file=err)
        return EXIT_DIVERGED
    if out_path is not None:
        save_project(out_path, project_from_comparison(cmp, project.data, project.inline_data, ui=project.ui,
                                                       name=project.name, description=project.description))
        if not quiet:
            print(f"saved both runs to {terminal(out_path, 200)}")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _last_loss(run: Trainer) -> float:
    rec = run.last_record
    return rec.loss if rec is not None else float("nan")


def info_line(project: Project) -> str | None:
    """``nnstudio info``'s line about a project's comparison (None when it has none)."""
    c = project.comparison
    if c is None:
        return None
    st = c.run.trainer_state
    at = f"; B at iteration {st.iteration:,}" if st is not None else ""
    return f"compare:  {terminal(c.label, LABEL_CHARS)}{at} ({terminal(c.note, 200)})"


__all__ = ["LABEL_CHARS", "add_comparison", "info_line", "open_project", "parse_compare", "summary_lines",
           "train_comparison"]
