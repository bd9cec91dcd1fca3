"""The ``nnstudio`` command line: make, train, inspect and export projects without the app.

::

    nnstudio new spiral.nnproj --data spiral --hidden 8,8 --activation tanh
    nnstudio train spiral.nnproj --epochs 200 --save
    nnstudio info spiral.nnproj
    nnstudio export spiral.nnproj --to pytorch -o spiral_model.py

Errors a user can cause are printed as ``nnstudio: error: <message>`` on stderr, never
as a traceback. Exit codes: 0 success, 1 training diverged, 2 bad input (a missing or
broken file, a bad option value), 130 interrupted with Ctrl-C.

The sample projects in ``resources/examples`` are made by :func:`write_examples`
(``python -c "from nnstudio.cli import write_examples; write_examples('resources/examples')"``).
"""

from __future__ import annotations

import contextlib

import argparse
import math
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Sequence, TextIO

from . import __version__
from .core.activations import ACTIVATIONS
from .core.data import BUNDLED, GENERATORS, DataSpec, prepare
from .core.errors import NNStudioError, SpecError
from .core.export import FRAMEWORKS, export_project, project_code
from .core.memory import check_memory, format_bytes
from .core.project import (
    new_project,
    prepare_project_data,
    project_from_trainer,
    save_project,
    trainer_from_project,
)
from .core.safetext import MESSAGE_LIMIT, bounded, isolate, isolate_phrases, terminal
from .cli_compare import add_comparison, info_line, open_project, parse_compare, train_comparison
from .core.specs import (
    BATCH_MODES,
    DTYPES,
    EARLY_STOPPING,
    INITIALIZERS,
    OPTIMIZERS,
    SCHEDULES,
    TARGET_METRICS,
    LayerSpec,
    NetworkSpec,
    TrainConfig,
)

PROG = "nnstudio"
EXIT_OK, EXIT_DIVERGED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: sample projects: file stem -> (description, arguments of ``nnstudio new``)
EXAMPLES: dict[str, tuple[str, list[str]]] = {
    "spiral": (
        "Two interleaved spirals, separated by two tanh layers of 8 neurons: the classic "
        "playground puzzle. Try fewer neurons, or ReLU, and watch the boundary change.",
        ["--data", "spiral", "--samples", "400", "--noise", "0.1", "--hidden", "8,8", "--activation", "tanh",
         "--optimizer", "adam", "--lr", "0.01"],
    ),
    "xor": (
        "Exclusive or: no straight line separates the classes, one hidden layer of 4 tanh neurons does.",
        ["--data", "xor", "--samples", "200", "--hidden", "4", "--activation", "tanh", "--optimizer", "sgd",
         "--lr", "0.1"],
    ),
    "line": (
        "Linear regression: a single neuron with no hidden layer learns the slope of a noisy line.",
        ["--data", "line", "--samples", "100", "--noise", "0.2", "--slope", "2", "--hidden", "none",
         "--optimizer", "sgd", "--lr", "0.1", "--batch-mode", "full"],
    ),
    "circle_relu": (
        "A disc inside a ring, learned by ReLU neurons with He initialisation.",
        ["--data", "circle", "--samples", "300", "--hidden", "6,6", "--activation", "relu", "--init",
         "he_uniform", "--optimizer", "momentum", "--lr", "0.03"],
    ),
    "iris": (
        "Iris flowers: 4 measurements, 3 species; standardised inputs, one ReLU layer, Adam.",
        ["--data", "iris", "--hidden", "8", "--activation", "relu", "--standardize", "--optimizer", "adam",
         "--lr", "0.01", "--batch-size", "16"],
    ),
}


class _Parser(argparse.ArgumentParser):
    """argparse that says "nnstudio: error:" like the rest of the CLI (and exits 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # the full usage of "new" is a page long; point to --help instead
        self.exit(EXIT_USAGE, f"{PROG}: error: {message}\n(see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``nnstudio`` command."""
    p = _Parser(prog=PROG, description="Learn how neural networks train. Without arguments, opens the app.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    # -- new
    n = sub.add_parser("new", help="make a new project from options",
                       description="Make a new project: data, network and training settings.")
    n.add_argument("project", help="the project file to write (e.g. spiral.nnproj)")
    n.add_argument("--force", action="store_true", help="overwrite an existing file")
    n.add_argument("--name", default="", help="the project's name (default: the file name)")
    n.add_argument("--description", default="", help="a sentence about the project")
    d = n.add_argument_group("data")
    d.add_argument("--data", default="spiral", metavar="NAME",
                   help=f"a generator ({', '.join(GENERATORS)}) or a bundled data set ({', '.join(BUNDLED)})")
    d.add_argument("--csv", metavar="PATH", help="load a CSV file instead")
    d.add_argument("--target", metavar="COLUMN",
                   help="the CSV target column: a name or a 0-based number (default: the last)")
    d.add_argument("--samples", type=int, help="number of generated points (default 400)")
    d.add_argument("--noise", type=float, help="noise of generated data, 0..1")
    d.add_argument("--data-seed", type=int, help="seed of the data and of the validation split")
    d.add_argument("--validation", type=float, help="share of the data held out for validation (default 0.2)")
    d.add_argument("--features", metavar="LIST", help="input features of 2-D data, e.g. x1,x2,x1^2,x2^2")
    d.add_argument("--standardize", action="store_true", help="z-score the inputs")
    d.add_argument("--classes", type=int, help="classes of spiral_multi and blobs")
    d.add_argument("--slope", type=float, help="slope of the 'line' generator")
    a = n.add_argument_group("network")
    a.add_argument("--hidden", default="8,8", metavar="SIZES",
                   help="neurons per hidden layer, e.g. 8,8 ('none' = no hidden layer)")
    a.add_argument("--activation", default="tanh", metavar="NAME[,NAME...]",
                   help=f"one for all hidden layers or one per layer: {', '.join(ACTIVATIONS)}")
    a.add_argument("--alpha", type=float, help="α of leaky_relu / elu")
    a.add_argument("--dropout", default="0", metavar="P[,P...]", help="dropout per hidden layer (or one for all)")
    a.add_argument("--init", choices=INITIALIZERS, metavar="KEY",
                   help=f"weight initialiser of the hidden layers: {', '.join(INITIALIZERS)}")
    a.add_argument("--output-init", choices=INITIALIZERS, metavar="KEY", help="weight initialiser of the output layer")
    a.add_argument("--loss", metavar="KEY",
                   help="mse, mae or huber for regression; for two classes bce (one sigmoid output unit, "
                        "the default) or cce (two softmax output units, one per class); cce for more classes")
    a.add_argument("--huber-delta", type=float, help="δ of the Huber loss")
    t = n.add_argument_group("training")
    t.add_argument("--optimizer", choices=OPTIMIZERS, metavar="NAME", help=", ".join(OPTIMIZERS))
    t.add_argument("--lr", type=float, help="learning rate")
    t.add_argument("--momentum", type=float)
    t.add_argument("--beta1", type=float)
    t.add_argument("--beta2", type=float)
    t.add_argument("--rho", type=float, help="RMSProp's α")
    t.add_argument("--eps", type=float)
    t.add_argument("--weight-decay", type=float, help="AdamW's weight decay")
    t.add_argument("--batch-mode", choices=BATCH_MODES, metavar="MODE", help=", ".join(BATCH_MODES))
    t.add_argument("--batch-size", type=int)
    t.add_argument("--schedule", choices=SCHEDULES, metavar="NAME",
                   help="learning-rate schedule: " + ", ".join(SCHEDULES))
    t.add_argument("--decay-rate", type=float)
    t.add_argument("--decay-epochs", type=int)
    t.add_argument("--l1", type=float)
    t.add_argument("--l2", type=float)
    t.add_argument("--early-stopping", choices=EARLY_STOPPING, metavar="RULE", help=", ".join(EARLY_STOPPING))
    t.add_argument("--patience", type=int)
    t.add_argument("--target-metric", choices=TARGET_METRICS, metavar="NAME", help=", ".join(TARGET_METRICS))
    t.add_argument("--target-value", type=float)
    t.add_argument("--seed", type=int, help="seed of the initial weights, shuffling and dropout")
    t.add_argument("--dtype", choices=DTYPES, metavar="TYPE", help=", ".join(DTYPES))
    n.add_argument("--compare", action="append", metavar="CHANGES",
                   help="also make run B with these changes to compare, e.g. lr=0.3 or \"activation=relu l2=0.001\"")
    n.set_defaults(func=cmd_new)

    # -- train
    tr = sub.add_parser("train", help="train a project", description="Train a project and report how it went.")
    tr.add_argument("project")
    g = tr.add_mutually_exclusive_group()
    g.add_argument("--epochs", type=int, help="epochs to train (default 100)")
    g.add_argument("--iterations", type=int, help="iterations (weight updates) to train")
    tr.add_argument("--save", action="store_true", help="save the trained state back to the project")
    tr.add_argument("--out", metavar="PATH", help="save the trained state to another project file")
    tr.add_argument("--lr", type=float, help="change the learning rate first")
    tr.add_argument("--reset", action="store_true", help="start again from freshly drawn weights")
    tr.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    tr.add_argument("--compare", action="append", metavar="CHANGES",
                    help="make run B from the present run with these changes (e.g. lr=0.3) and train both")
    tr.add_argument("--csv", metavar="PATH", help="with a comparison: write its loss curves and summaries as "
                                                  "PATH_loss.csv, PATH_epochs.csv and PATH_summary.csv")
    tr.set_defaults(func=cmd_train)

    # -- export
    ex = sub.add_parser("export", help="write Keras or PyTorch code for a project",
                        description="Write a Python program that rebuilds the project's network in "
                                    "Keras or PyTorch, with its trained weights.")
    ex.add_argument("project")
    ex.add_argument("--to", required=True, choices=FRAMEWORKS, dest="framework")
    ex.add_argument("-o", "--output", metavar="FILE", help="the .py file to write (default: print the code)")
    ex.add_argument("--epochs", type=int, default=100, help="default epochs of the program's train()")
    ex.set_defaults(func=cmd_export)

    # -- info
    inf = sub.add_parser("info", help="describe a project", description="Describe a project file.")
    inf.add_argument("project")
    inf.set_defaults(func=cmd_info)
    return p


# ============================================================================ helpers
def _err(message: str) -> None:
    # messages may quote file names and file contents: escaped and bounded for the terminal,
    # and a right-to-left name kept from reordering the rest of the line
    print(f"{PROG}: error: {isolate_phrases(bounded(message, MESSAGE_LIMIT))}", file=sys.stderr)


def _split(text: str, what: str) -> list[str]:
    items = [s.strip() for s in str(text).split(",")]
    if any(not s for s in items):
        raise SpecError(f"{what} must be separated by commas, like 8,8, not {text!r}")
    return items


def _hidden_sizes(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    out = []
    for s in _split(text, "--hidden sizes"):
        try:
            out.append(int(s))
        except ValueError:
            raise SpecError(f"--hidden takes whole numbers separated by commas, like 8,8: {s!r} is not one") from None
    return out


def _per_layer(values: list[Any], n: int, what: str) -> list[Any]:
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise SpecError(f"give one {what} for all {n} hidden layers or one per layer, not {len(values)}")
    return values


def _float_list(text: str, what: str) -> list[float]:
    out = []
    for s in _split(text, what):
        try:
            out.append(float(s))
        except ValueError:
            raise SpecError(f"{what} must be numbers, not {s!r}") from None
    return out


def _given(args: argparse.Namespace, mapping: dict[str, str]) -> dict[str, Any]:
    return {key: getattr(args, attr) for attr, key in mapping.items() if getattr(args, attr, None) is not None}


def _data_spec(args: argparse.Namespace) -> DataSpec:
    d: dict[str, Any] = _given(args, {"samples": "n_samples", "noise": "noise", "data_seed": "seed",
                                      "validation": "validation_fraction", "classes": "n_classes",
                                      "slope": "slope"})
    if args.csv is not None:
        if not args.csv.strip():  # an empty name made the generated data silently
            raise SpecError("--csv needs a file name, e.g. --csv data.csv")
        d.update(source="csv", csv_path=str(args.csv), name="")
        if args.target is not None:
            t = args.target.strip()
            d["target_column"] = int(t) if t.lstrip("-").isdigit() else t
    elif args.data in GENERATORS:
        d.update(source="generator", name=args.data)
    elif args.data in BUNDLED:
        d.update(source="bundled", name=args.data)
    else:
        raise SpecError(f"unknown data {args.data!r}; choose a generator ({', '.join(GENERATORS)}), "
                        f"a bundled data set ({', '.join(BUNDLED)}) or --csv FILE")
    if args.features:
        d["features"] = _split(args.features, "--features")
    if args.standardize:
        d["standardize"] = True
    return DataSpec.from_dict(d)


def _fmt_metric(task: str, value: float) -> str:
    if not math.isfinite(value):
        return "–"
    if task == "regression":
        return f"R² {value:.4f}"
    return f"accuracy {100 * value:.1f}%"


# ============================================================================ new
def cmd_new(args: argparse.Namespace) -> int:
    path = Path(args.project)
    if path.exists() and not args.force:
        raise SpecError(f"'{path}' already exists; add --force to overwrite it")
    data_spec = _data_spec(args)
    prepared = prepare(data_spec)

    sizes = _hidden_sizes(args.hidden)
    acts = _per_layer(_split(args.activation, "--activation names"), max(1, len(sizes)), "activation")
    drops = _per_layer(_float_list(args.dropout, "--dropout values"), max(1, len(sizes)), "dropout")
    layers = []
    for i, units in enumerate(sizes):
        layer: dict[str, Any] = {"units": units, "activation": acts[i], "dropout": drops[i]}
        if args.init:
            layer["init"] = args.init
        if args.alpha is not None:
            layer["alpha"] = args.alpha
        layers.append(LayerSpec.from_dict(layer))
    net: dict[str, Any] = {
        "n_inputs": prepared.n_inputs,
        "hidden": [h.to_dict() for h in layers],
        "task": prepared.task,
        # two classes with categorical cross-entropy: two softmax units, one per class
        "n_outputs": prepared.n_classes if prepared.task == "multiclass" else
        2 if prepared.task == "binary" and args.loss == "cce" else 1,
    }
    net.update(_given(args, {"loss": "loss", "huber_delta": "huber_delta", "output_init": "output_init"}))
    network = NetworkSpec.from_dict(net)
    train = TrainConfig.from_dict(_given(args, {
        "optimizer": "optimizer", "lr": "learning_rate", "momentum": "momentum", "beta1": "beta1",
        "beta2": "beta2", "rho": "rho", "eps": "eps", "weight_decay": "weight_decay",
        "batch_mode": "batch_mode", "batch_size": "batch_size", "schedule": "schedule",
        "decay_rate": "decay_rate", "decay_epochs": "decay_epochs", "l1": "l1", "l2": "l2",
        "early_stopping": "early_stopping", "patience": "patience", "target_metric": "target_metric",
        "target_value": "target_value", "seed": "seed", "dtype": "dtype"}))
    # before any weights are drawn: a network too big to train is refused with its estimate
    estimate = check_memory(network, train, len(prepared.X_train), len(prepared.X_val))
    inline = prepared.raw if data_spec.source == "csv" else None
    changes = parse_compare(args.compare)
    project = new_project(network, train, data_spec, inline, name=args.name or path.stem,
                          description=args.description, prepared=prepared)
    comparison = None
    if changes is not None:
        project, comparison = add_comparison(project, changes, prepared)
    save_project(path, project)
    if not getattr(args, "quiet", False):
        print(f"wrote {_shown(path, 200)}: {_describe_network(network)}; {network.n_parameters} parameters "
              f"(about {format_bytes(estimate.total)} to train); "
              f"{len(prepared.X_train)} training and {len(prepared.X_val)} validation samples")
        if comparison is not None:
            print(f"compares A with {_shown(comparison.label)}: {_shown(comparison.note, 300)}")
    return EXIT_OK


def _describe_network(spec: NetworkSpec) -> str:
    parts = [str(spec.n_inputs)]
    for h in spec.hidden:
        parts.append(f"{h.units} {h.activation}" + (f" (dropout {h.dropout:g})" if h.dropout else ""))
    parts.append(f"{spec.n_outputs} {spec.output_activation}" + (" (one per class)" if spec.two_way_softmax else ""))
    return " → ".join(parts)


# ============================================================================ train
class Progress:
    """A progress bar on a terminal; on anything else, a plain line every 10%.

    Redraws at most every ``interval`` seconds, so it costs nothing next to training.
    """

    def __init__(self, total: int, stream: TextIO, enabled: bool = True, interval: float = 0.2) -> None:
        self.total = max(1, int(total))
        self.stream = stream
        self.enabled = enabled
        self.interval = interval
        try:
            self.tty = bool(stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False
        self._last = -math.inf
        self._milestone = 0
        self._drawn = False

    def update(self, done: int, text: str = "", force: bool = False) -> None:
        if not self.enabled:
            return
        frac = min(1.0, done / self.total)
        if self.tty:
            now = time.monotonic()
            if not force and now - self._last < self.interval:
                return
            self._last = now
            width = 28
            fill = int(round(frac * width))
            line = f"[{'#' * fill}{'.' * (width - fill)}] {100 * frac:3.0f}%  {text}"
            # one character short of the width: a full line would wrap on some terminals
            columns = max(40, shutil.get_terminal_size((80, 24)).columns - 1)
            self.stream.write("\r" + line[:columns].ljust(columns))
            self.stream.flush()
            self._drawn = True
        else:
            tenth = int(frac * 10)
            if tenth > self._milestone or (force and tenth == 10 and self._milestone < 10):
                self._milestone = tenth
                self.stream.write(f"{100 * tenth // 10:3d}%  {text}\n")
                self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def cmd_train(args: argparse.Namespace) -> int:
    if args.epochs is not None and args.epochs < 1:
        raise SpecError(f"--epochs must be at least 1, not {args.epochs}")
    if args.iterations is not None and args.iterations < 1:
        raise SpecError(f"--iterations must be at least 1, not {args.iterations}")
    # an empty name was taken as no name: the run was trained, then silently not saved
    if args.out is not None and not args.out.strip():
        raise SpecError("--out needs a file name, e.g. --out trained.nnproj")
    if args.csv is not None and not args.csv.strip():
        raise SpecError("--csv needs a file name, e.g. --csv run.csv")
    changes = parse_compare(args.compare)
    project = open_project(args.project)
    trainer = trainer_from_project(project)  # refuses a network too big to train, with its estimate
    if changes is not None or project.comparison is not None:
        return train_comparison(args, project, trainer, changes)
    if args.csv:
        raise SpecError("--csv writes the tables of a comparison; add --compare (e.g. --compare lr=0.3)")
    if args.reset:
        trainer.reset()
    if args.lr is not None:
        trainer.set_config(trainer.config.replace(learning_rate=args.lr))
    quiet = args.quiet
    out_path = Path(args.out) if args.out else (Path(args.project) if args.save else None)

    if trainer.stopped:
        kind = (trainer.stop_info or {}).get("kind")
        if kind == "divergence":
            _err(f"training stopped earlier: {trainer.stopped}. Use --reset (and a smaller --lr) to start again")
            return EXIT_DIVERGED
        if not quiet:
            print(f"training had already stopped: {_shown(trainer.stopped, 300)}; nothing to do "
                  "(use --reset to start again)", file=sys.stderr)
        return EXIT_OK

    epochs = args.epochs if args.iterations is None and args.epochs is not None else None
    iterations = args.iterations
    if epochs is None and iterations is None:
        epochs = 100
    it0, ep0 = trainer.iteration, trainer.epoch
    ipe = trainer.iterations_per_epoch
    if epochs is not None:
        total = epochs * ipe - (trainer.pos * ipe // max(1, trainer.n_train))
        target_epoch = ep0 + epochs
    else:
        total = int(iterations)  # type: ignore[arg-type]
        target_epoch = None
    bar = Progress(total, sys.stderr, enabled=not quiet)
    task = trainer.spec.task
    last_epoch_text = ""
    interrupted = hard_stop = False
    # The first Ctrl-C stops training after the current iteration, so the trainer is in a
    # consistent state that can still be saved; a second one stops at once.
    sigint: list[int] = []
    old_handler = None
    if threading.current_thread() is threading.main_thread():
        def on_sigint(signum: int, frame: Any) -> None:
            sigint.append(signum)
            signal.signal(signal.SIGINT, old_handler or signal.default_int_handler)
        old_handler = signal.signal(signal.SIGINT, on_sigint)
    t0 = time.perf_counter()
    try:
        while not trainer.stopped:
            if sigint:
                interrupted = True
                break
            if target_epoch is not None and trainer.epoch >= target_epoch:
                break
            if iterations is not None and trainer.iteration - it0 >= iterations:
                break
            rec = trainer.step()
            if rec.epoch_metrics:
                m = rec.epoch_metrics
                last_epoch_text = f"loss {m['loss']:.4g}, {_fmt_metric(task, m['metric'])}"
            done = trainer.iteration - it0
            bar.update(done, f"epoch {trainer.epoch}  iteration {trainer.iteration}  {last_epoch_text}")
    except KeyboardInterrupt:
        interrupted = hard_stop = True
    finally:
        if old_handler is not None:
            signal.signal(signal.SIGINT, old_handler)
    elapsed = time.perf_counter() - t0
    bar.update(trainer.iteration - it0, f"epoch {trainer.epoch}  iteration {trainer.iteration}  {last_epoch_text}",
               force=True)
    bar.close()
    if hard_stop:
        # stopped in the middle of an iteration: the state may be half updated
        _err("interrupted in the middle of an iteration; nothing was saved")
        return EXIT_INTERRUPTED

    diverged = bool(trainer.stopped) and (trainer.stop_info or {}).get("kind") == "divergence"
    if interrupted:
        why = f"interrupted (Ctrl-C) at iteration {trainer.iteration}"
    elif trainer.stopped:
        why = _shown(trainer.stopped, 300)
    elif epochs is not None:
        why = f"finished the {epochs} epoch{'s' if epochs != 1 else ''} asked for"
    else:
        why = f"finished the {iterations} iteration{'s' if iterations != 1 else ''} asked for"
    if not quiet:
        _summary(trainer, it0, ep0, elapsed, why, sys.stdout)
    if diverged:
        _err(f"training diverged: {trainer.stopped}" + (" The project was not saved." if out_path else ""))
        return EXIT_DIVERGED
    if out_path is not None:
        saved = project_from_trainer(trainer, project.data, project.inline_data, ui=project.ui,
                                     name=project.name, description=project.description)
        save_project(out_path, saved)
        if not quiet:
            print(f"saved to {_shown(out_path, 200)}")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _summary(trainer: Any, it0: int, ep0: int, elapsed: float, why: str, out: TextIO) -> None:
    n_it = trainer.iteration - it0
    rate = n_it / elapsed if elapsed > 0 else float("inf")
    ev = trainer.evaluate()
    task = trainer.spec.task
    rate_text = f"{rate:,.0f} iterations/s" if math.isfinite(rate) else "–"
    lines = [
        f"trained {n_it:,} iteration{'s' if n_it != 1 else ''} ({trainer.epoch - ep0:,} epochs) in "
        f"{elapsed:.2f} s: {rate_text}",
        f"now at iteration {trainer.iteration:,}, epoch {trainer.epoch:,}",
        f"training:   loss {ev['loss']:.4g}, {_fmt_metric(task, ev['metric'])}",
    ]
    if math.isfinite(ev["val_loss"]):
        lines.append(f"validation: loss {ev['val_loss']:.4g}, {_fmt_metric(task, ev['val_metric'])}")
    else:
        lines.append("validation: no validation set")
    lines.append(f"stopped: {why}")
    out.write("\n".join(lines) + "\n")
    out.flush()


# ============================================================================ export
def cmd_export(args: argparse.Namespace) -> int:
    if args.epochs < 1:
        raise SpecError(f"--epochs must be at least 1, not {args.epochs}")
    project = open_project(args.project)
    with contextlib.suppress(OSError):
        if args.output and os.path.samefile(args.output, args.project):
            raise SpecError(f"-o names the project itself ({_shown(args.output, 200)}): the program would replace "
                            "it; give the program another name, ending in .py")
    try:
        prepared = prepare_project_data(project)
    except NNStudioError as exc:
        prepared = None
        print(f"{PROG}: warning: the project's data is not available ({isolate_phrases(bounded(str(exc)))}); "
              "exporting without input names and standardisation statistics", file=sys.stderr)
    if project.weights is None:
        print(f"{PROG}: warning: the project has no weights yet; the program starts from fresh ones",
              file=sys.stderr)
    # the same call as the app's File › Export, so that the two write the same file
    if args.output:
        files = export_project(args.output, args.framework, network=project.network, config=project.train,
                               data=project.data, prepared=prepared, weights=project.weights,
                               epochs=args.epochs)
        print(f"wrote {', '.join(_shown(f, 200) for f in files)}", file=sys.stderr)
    else:
        sys.stdout.write(project_code(args.framework, network=project.network, config=project.train,
                                      data=project.data, prepared=prepared, weights=project.weights,
                                      name=project.name or Path(args.project).stem, epochs=args.epochs))
        sys.stdout.flush()
    return EXIT_OK


# ============================================================================ info
def _shown(text: object, limit: int = 120) -> str:
    """Text from a project file as printed: control characters (ESC sequences, bidi
    overrides) escaped, so a file cannot drive the terminal; long text cut; right-to-left
    text isolated, so it cannot reorder the rest of the line (:func:`~.core.safetext.terminal`)."""
    return terminal(text, limit)


def _names(names: Sequence[str], most: int = 12) -> str:
    shown = ", ".join(_shown(n, 40) for n in names[:most])
    return shown + (f", … ({len(names)} in all)" if len(names) > most else "")


def cmd_info(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    p = Path(args.project)
    net, cfg, data = project.network, project.train, project.data
    saved = f" on {_shown(project.saved_at, 40)}" if project.saved_at else ""
    lines = [f"{_shown(project.name or p.stem)}  ({_shown(p, 200)}, {p.stat().st_size:,} bytes, saved by nnstudio "
             f"{_shown(project.app_version or '?', 40)}{saved})"]
    if project.description:
        # several lines stay several lines; every other control character is escaped
        lines += [f"  {isolate(line)}" for line in bounded(project.description, 2000).split("\n")]
    lines.append(f"network:  {_describe_network(net)}  ({net.n_parameters:,} parameters)")
    lines.append(f"task:     {net.task}, loss {net.loss}")
    if data.source == "generator":
        src = f"generated '{data.name}', {data.n_samples} samples, noise {data.noise:g}, seed {data.seed}"
    elif data.source == "bundled":
        src = f"bundled '{data.name}'"
    elif data.source == "csv":
        src = f"CSV file {_shown(data.csv_path, 200)}"
        if project.inline_data is not None:
            src += " (a copy of its rows is stored)"
    else:
        n = project.inline_data.n_samples if project.inline_data is not None else 0
        src = f"{n} points drawn by hand"
    extras = []
    if tuple(data.features) != ("x1", "x2"):
        extras.append("features " + ", ".join(data.features))
    if data.standardize:
        extras.append("standardised")
    extras.append(f"{data.validation_fraction:g} held out for validation")
    lines.append(f"data:     {src}; {', '.join(extras)}")
    ds = project.inline_data
    if ds is not None and data.source == "csv":
        lines.append(f"columns:  {_names(ds.feature_names)}")
    if ds is not None and ds.class_names:
        lines.append(f"classes:  {_names(ds.class_names)}")
    batch = {"full": "full batch", "sgd": "one sample per update",
             "minibatch": f"mini-batches of {cfg.batch_size}"}[cfg.batch_mode]
    reg = []
    if cfg.l1:
        reg.append(f"L1 {cfg.l1:g}")
    if cfg.l2:
        reg.append(f"L2 {cfg.l2:g}")
    lines.append(f"training: {cfg.optimizer}, learning rate {cfg.learning_rate:g}, {batch}"
                 + (f", schedule {cfg.schedule}" if cfg.schedule != "constant" else "")
                 + (", " + ", ".join(reg) if reg else "")
                 + (f", early stopping: {cfg.early_stopping}" if cfg.early_stopping != "off" else "")
                 + f", seed {cfg.seed}, {cfg.dtype}")
    st = project.trainer_state
    if st is None or st.iteration == 0:
        lines.append("progress: not trained yet")
    else:
        lines.append(f"progress: iteration {st.iteration:,}, epoch {st.epoch:,}")
        hist = (project.history or {}).get("epochs")
        if hist is not None and len(hist.rows):
            row = hist.rows[-1]  # x, iteration, loss, val_loss, metric, val_metric, lr
            text = f"last epoch: loss {row[2]:.4g}, {_fmt_metric(net.task, row[4])}"
            if math.isfinite(row[3]):
                text += f"; validation loss {row[3]:.4g}, {_fmt_metric(net.task, row[5])}"
            lines.append(f"          {text}")
        if st.stopped:
            lines.append(f"stopped:  {_shown(st.stopped, 300)}")
    compare = info_line(project)
    if compare:
        lines.append(compare)
    print("\n".join(lines))
    return EXIT_OK


# ============================================================================ entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    with _lenient_output():
        return _run(args)


@contextlib.contextmanager
def _lenient_output() -> Any:
    """Text the terminal's encoding cannot show ("→", "η", "²" on a Windows console, or output
    redirected to a file in cp1252) is written as an escape ("\\u2192"), instead of ending in
    a UnicodeEncodeError traceback; the streams are given back as they were. (An escape, not
    "?": in the string literals of an exported program it reads back as the character.)"""
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError, AttributeError):
                stream.reconfigure(errors="backslashreplace")
                changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            with contextlib.suppress(ValueError, OSError, AttributeError):
                stream.reconfigure(errors="strict")


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args))
    except NNStudioError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except MemoryError:
        _err("not enough memory for this; try fewer samples or a smaller network")
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`): nothing more to say
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except OSError as exc:
        _err(f"{exc.strerror or exc}{': ' + str(exc.filename) if getattr(exc, 'filename', None) else ''}")
        return EXIT_USAGE


def write_examples(folder: str | os.PathLike) -> list[Path]:
    """(Re)make the sample projects of :data:`EXAMPLES` in ``folder``."""
    out = []
    for stem, (description, argv) in EXAMPLES.items():
        path = Path(folder) / f"{stem}.nnproj"
        code = main(["new", str(path), "--force", "--name", stem, "--description", description, *argv])
        if code != EXIT_OK:
            raise RuntimeError(f"could not make the example {stem}")
        out.append(path)
    return out


__all__ = ["main", "build_parser", "write_examples", "EXAMPLES", "Progress"]


if __name__ == "__main__":  # python -m nnstudio.cli (python -m nnstudio opens the app without arguments)
    sys.exit(main())
