"""Guided lessons: data files that open a prepared project and walk the learner through it.

A lesson is one JSON file in ``resources/lessons/`` (the format is described in
``resources/lessons/README.md``, written for teachers who copy and edit them). This
module reads and checks those files without Qt, so the engine tests can run every
lesson headless:

* :func:`load_lessons` — every lesson of a folder, sorted by number; a broken file
  becomes a :class:`LessonError` whose message names the file and the field
  (``04_learning_rate.json, steps[2].apply.train.learning_rate: …``);
* :func:`lesson_state` — the network, training settings, data and (optionally) the
  exact starting weights of a lesson's project;
* :func:`apply_step` — a step's settings applied to the current specs (the window
  turns this into one undoable edit);
* :func:`step_state` — the project as it is after following the steps in order up to
  one of them (what the tests check the lesson's promises against);
* :func:`trainer_for` — a :class:`Trainer` starting from given weights;
* the views, workspaces and view set-ups a lesson may name, and the checks of their
  arguments, are in :mod:`.lesson_calls`; the texts as HTML (:func:`text_to_html`,
  :func:`describe_changes`) in :mod:`.lesson_text` (both re-exported here);
* a step's ``compare`` (what run B changes, forked beside the step's run) is checked by
  :mod:`.lesson_compare` against the project as the step leaves it.

A lesson (and any step) may choose its workspace, ``"explore"`` or ``"inspect"``
(:data:`WORKSPACES`); the window's lesson presenter shows it there.

Weights are written per neuron, as the course notes write them (see
:mod:`.lesson_weights`). A lesson may carry classroom restrictions (``classroom``: what
it hides and locks, see :mod:`nnstudio.core.restrictions`); a step that would change a
setting the lesson locks is refused when the file is read. Lessons written in the app
go to :func:`user_lessons_folder` (see :mod:`.lesson_writer`), which is listed with the
bundled ones.

A lesson file may come from anyone (teachers share them; ``NNSTUDIO_LESSONS`` adds
folders), so reading one is bounded whatever it holds: a broken file costs a short
:class:`LessonError` (at most a few hundred characters, control characters escaped),
never a hang, a memory blow-up or another exception. Limits, and why:

* only regular files are read (a named pipe or ``/dev/zero`` given a ``.json`` name is
  refused, without waiting), of at most :data:`MAX_LESSON_BYTES` (1 MiB; the lessons
  that come with the app take 3–7 kB);
* the JSON nests at most 32 levels deep and its numbers have at most 30 digits (see
  :mod:`nnstudio.core.safejson`); lone surrogates become U+FFFD;
* at most :data:`MAX_STEPS` steps (100; the longest lesson has 7);
* a step's ``compare`` text has at most :data:`MAX_COMPARE_CHARS` characters (2000, as much as Training › Compare… reads);
* a view set-up (``view_setup``) may only call what :data:`VIEW_CALLS` lists, with
  arguments of the kinds and ranges :data:`CALL_ARGS` gives (a mark's label is at most
  :data:`MAX_MARK_LABEL` characters, a race at most :data:`MAX_RACE_STEPS` steps);
* every network a lesson sets up has at most
  :data:`~nnstudio.core.project_reader.MAX_PARAMETERS` parameters (as a project: the
  learner can save it), checked before any weights are allocated;
* checking the data: the task, inputs and classes of generated data are found on a
  sample of at most :data:`PROBE_SAMPLES` points (they do not depend on the number of
  points), a lesson's CSV file must be a regular file of at most
  :data:`MAX_LESSON_CSV_BYTES` (5 MB), and a lesson goes through at most
  :data:`MAX_DATA_SETTINGS` different data settings (16), so that opening a lesson
  prepares little data.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..core import safefile, safejson
from ..core.data import DataSpec, prepare
from ..core.errors import NNStudioError
from ..core.network import Network
from ..core.project_reader import MAX_PARAMETERS, size_text
from ..core.restrictions import RestrictionError, Restrictions, Setup, locked_change
from ..core.safetext import MESSAGE_LIMIT, isolate, printable
from ..core.specs import LOSSES_BY_TASK, LayerSpec, NetworkSpec, TrainConfig
from ..core.trainer import Trainer
from .lesson_calls import (
    CALL_ARGS,
    KNOWN_VIEWS,
    MAX_MARK_LABEL,
    MAX_RACE_STEPS,
    RACER_KEYS,
    VIEW_CALLS,
    WORKSPACES,
    ViewCall,
    call_problem,
)
from .lesson_calls import quoted as _shown
from .lesson_compare import MAX_COMPARE_CHARS, check_compare
from .lesson_text import describe_changes, formula_html, text_to_html
from .lesson_weights import FieldProblem as _Bad
from .lesson_weights import mapping as _mapping
from .lesson_weights import neurons_to_flat as _weights
from .lesson_weights import weights_to_neurons
from .paths import resource_path

FORMAT = 1
#: extra lesson folders, separated like PATH (os.pathsep)
ENV_FOLDERS = "NNSTUDIO_LESSONS"

#: the largest lesson file (bytes)
MAX_LESSON_BYTES = 1 << 20
#: the most steps of a lesson
MAX_STEPS = 100
#: the most different data settings a lesson goes through
MAX_DATA_SETTINGS = 16
#: the largest CSV file a lesson may use (bytes)
MAX_LESSON_CSV_BYTES = 5_000_000
#: generated data is checked on at most this many points
PROBE_SAMPLES = 2000

_LESSON_KEYS = ("format", "number", "title", "summary", "notes", "intro", "formula", "project",
                "views", "front", "workspace", "view_setup", "steps", "classroom")
_PROJECT_KEYS = ("network", "train", "data", "weights")
_STEP_KEYS = ("title", "text", "look", "formula", "view", "workspace", "apply", "weights", "restart",
              "view_setup", "compare")
_APPLY_KEYS = ("network", "layers", "train", "data")
_CALL_KEYS = ("view", "call", "args")


class LessonError(NNStudioError, ValueError):
    """A lesson file cannot be used; the message names the file and the field."""


def _message(text: str) -> str:
    """A whole message for a person: one line, control characters (newlines too) escaped,
    at most MESSAGE_LIMIT characters."""
    return printable(text, MESSAGE_LIMIT)


# ----------------------------------------------------------------------------- data classes
@dataclass(frozen=True, eq=False)
class LessonStep:
    """One thing to try.

    Attributes
    ----------
    title : str
        A few words ("Too large").
    text : str
        What to do, in the lesson markup (see :func:`text_to_html`).
    look : str
        What to look at while doing it.
    formula : str
        A formula to show with the step (Unicode), or "".
    view : str or None
        The view to bring to the front.
    workspace : str or None
        ``"explore"`` or ``"inspect"``: where the step is shown; None: the lesson's
        workspace, else the home workspace of ``view``.
    apply : dict
        Settings to change with the step's button: ``{"network": {...}, "layers":
        {...}, "train": {...}, "data": {...}}``, each a partial set of the engine's
        settings (``layers`` applies to every hidden layer).
    weights : ndarray or None
        Exact weights (flat) to start training from when the step is applied.
    restart : bool
        Start training over when the step is applied (from ``weights``, else the
        lesson's weights when they fit, else new weights from the seed).
    view_setup : tuple of ViewCall
    compare : str or None
        What run B changes (:class:`~nnstudio.core.run_changes.RunChanges` text, e.g.
        ``"lr=0.1"``): applying the step forks B from A, after A's settings and restart.
    compare_label : str
        B's legend against the step's A (``"B: η = 0.1"``), or "".
    """

    title: str
    text: str = ""
    look: str = ""
    formula: str = ""
    view: str | None = None
    workspace: str | None = None
    apply: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    weights: np.ndarray | None = None
    restart: bool = False
    view_setup: tuple[ViewCall, ...] = ()
    compare: str | None = None
    compare_label: str = ""

    @property
    def restarts(self) -> bool:
        return self.restart or self.weights is not None

    @property
    def has_action(self) -> bool:
        """Whether the step's button changes anything (settings, weights, views)."""
        return (bool(self.apply) or self.restarts or bool(self.view_setup) or self.view is not None
                or self.compare is not None)

    @property
    def changes_run(self) -> bool:
        """Whether applying the step changes run A (its settings or weights) or starts a
        comparison: such a step ends a comparison that is open (see :mod:`.lesson_presenter`)."""
        return bool(self.apply) or self.restarts or self.compare is not None


@dataclass(frozen=True, eq=False)
class Lesson:
    """A lesson: its text, its project and its steps (see the module notes)."""

    path: Path
    number: int
    title: str
    summary: str
    notes: str
    intro: str
    formula: str
    network: NetworkSpec
    config: TrainConfig
    data: DataSpec
    weights: np.ndarray | None
    views: tuple[str, ...]
    front: str | None
    view_setup: tuple[ViewCall, ...]
    steps: tuple[LessonStep, ...]
    #: ``"explore"`` or ``"inspect"``, or None: the home workspace of each front view
    workspace: str | None = None
    #: what the lesson hides and locks (classroom mode), or None
    classroom: Restrictions | None = None

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def label(self) -> str:
        """"4. Learning rate" — how lists, menus and the status bar name the lesson. The
        title is isolated (:func:`~nnstudio.core.safetext.isolate`): a right-to-left title
        reads right, and an override character in it reorders nothing around it."""
        return f"{self.number}. {isolate(self.title)}"


# ----------------------------------------------------------------------------- small checks
def _text(value: Any, where: str, required: bool = False) -> str:
    """A string, or a list of strings (paragraphs, joined by blank lines)."""
    if value is None:
        if required:
            raise _Bad(where, "is missing")
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = "\n\n".join(value)
    else:
        raise _Bad(where, "must be text, or a list of paragraphs (texts)")
    if required and not text.strip():
        raise _Bad(where, "must not be empty")
    return text


def _view(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if value not in KNOWN_VIEWS:
        raise _Bad(where, f"unknown view {_shown(value)}; choose one of: {', '.join(KNOWN_VIEWS)}")
    return str(value)


def _workspace(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if value not in WORKSPACES:
        raise _Bad(where, f"unknown workspace {_shown(value)}; choose one of: {', '.join(WORKSPACES)}")
    return str(value)


def _view_calls(value: Any, where: str) -> tuple[ViewCall, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Bad(where, "must be a list of {\"view\": …, \"call\": …, \"args\": […]}")
    calls = []
    for k, item in enumerate(value):
        w = f"{where}[{k}]"
        item = _mapping(item, w, _CALL_KEYS)
        view = _view(item.get("view"), f"{w}.view")
        if view is None:
            raise _Bad(f"{w}.view", "is missing")
        call = item.get("call")
        if call not in VIEW_CALLS.get(view, ()):
            raise _Bad(f"{w}.call", str(call_problem(view, call, [])))
        args = item.get("args", [])
        if not isinstance(args, list):
            raise _Bad(f"{w}.args", "must be a list of values")
        problem = call_problem(view, call, args)
        if problem is not None:
            raise _Bad(f"{w}.args", problem)
        calls.append(ViewCall(view, str(call), tuple(args)))
    return tuple(calls)


def _spec_error(where: str, exc: Exception) -> _Bad:
    return _Bad(where, str(exc))


# ----------------------------------------------------------------------------- settings
def _resolve_data(d: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    """A data dict with a relative CSV path made absolute (relative to the lesson's folder)."""
    d = dict(d)
    path = d.get("csv_path")
    if isinstance(path, str) and path.strip() and not Path(path).is_absolute():
        try:
            d["csv_path"] = str((folder / path).resolve())
        except (OSError, ValueError, RuntimeError):  # e.g. a NUL in it: _check_csv says so
            d["csv_path"] = str(folder / path)
    return d


def _check_csv(path: str, where: str) -> None:
    """A lesson's CSV file must be a small regular file (never a pipe or a device)."""
    shown = printable(path, 80)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _Bad(where, f"the CSV file '{shown}' does not exist") from None
    except (OSError, ValueError) as exc:
        reason = printable(getattr(exc, "strerror", None) or exc, 60)
        raise _Bad(where, f"the CSV file '{shown}' cannot be read ({reason})") from None
    kind = safefile.kind_of(st.st_mode)
    if kind is not None:
        raise _Bad(where, f"the CSV file '{shown}' is {kind}, not a file")
    if st.st_size > MAX_LESSON_CSV_BYTES:
        raise _Bad(where, f"the CSV file '{shown}' is {size_text(st.st_size)}; a lesson's data file may be at most "
                          f"{size_text(MAX_LESSON_CSV_BYTES)}")


def _prepared(data: DataSpec, where: str, cache: dict[DataSpec, Any] | None = None) -> Any:
    """Data with the task, inputs and classes of ``data`` (all a lesson's checks need):
    generated data is made with at most :data:`PROBE_SAMPLES` points."""
    probe = data
    if data.source == "generator" and data.n_samples > PROBE_SAMPLES:
        probe = dataclasses.replace(data, n_samples=PROBE_SAMPLES)
    if cache is not None and probe in cache:
        return cache[probe]
    if cache is not None and len(cache) >= MAX_DATA_SETTINGS:
        raise _Bad(where, f"the lesson goes through more than {MAX_DATA_SETTINGS} different data settings")
    if data.source == "csv":
        _check_csv(data.csv_path, where)
    try:
        prepared = prepare(probe)
    except NNStudioError as exc:
        raise _spec_error(where, exc) from None
    if cache is not None:
        cache[probe] = prepared
    return prepared


def _check_size(network: NetworkSpec, where: str) -> NetworkSpec:
    n = network.n_parameters
    if n > MAX_PARAMETERS:
        sizes = printable(" → ".join(str(s) for s in network.layer_sizes), 80)
        raise _Bad(where, f"the network {sizes} has {n:,} parameters; a lesson's network may have at most "
                          f"{MAX_PARAMETERS:,}")
    return network


def _build_network(d: Mapping[str, Any], prepared: Any, where: str, strict_loss: bool = False) -> NetworkSpec:
    """A network from a (partial) settings dict, its inputs, outputs and task taken from
    the data (as the window does), so a lesson never has to state them. A loss that
    does not fit the data's task is an error if ``strict_loss`` (the lesson chose it),
    else it becomes the task's usual loss (it was the old data's)."""
    d = dict(d)
    task = prepared.task
    d["n_inputs"] = prepared.n_inputs
    d["task"] = task
    if d.get("loss") is not None and d["loss"] not in LOSSES_BY_TASK[task]:
        if strict_loss:
            raise _Bad(f"{where}.loss", f"the {d['loss']} loss does not fit this data, which is for "
                                        f"{task}; use one of: {', '.join(LOSSES_BY_TASK[task])}")
        d["loss"] = None
    # two classes with "cce" are two softmax units, one per class
    two_way = task == "binary" and d.get("loss") == "cce"
    d["n_outputs"] = prepared.n_classes if task == "multiclass" else 2 if two_way else 1
    try:
        network = NetworkSpec.from_dict(d)
    except (NNStudioError, TypeError) as exc:
        raise _spec_error(where, exc) from None
    return _check_size(network, where)


def _merge_network(base: NetworkSpec, change: Mapping[str, Any] | None, layers: Mapping[str, Any] | None,
                   prepared: Any, where: str) -> NetworkSpec:
    d = base.to_dict()
    if base.task != prepared.task:
        d["loss"] = None  # the old data's loss: new data of another task starts from its usual one
    if change:
        d.update(change)
        if change.get("loss") is not None and change["loss"] not in LOSSES_BY_TASK[prepared.task]:
            raise _Bad(f"{where}.network.loss",
                       f"the {change['loss']} loss does not fit a {prepared.task} task; use one of: "
                       f"{', '.join(LOSSES_BY_TASK[prepared.task])}")
    net = _build_network(d, prepared, f"{where}.network")
    if layers:
        names = {f.name for f in dataclasses.fields(LayerSpec)}
        unknown = sorted(set(layers) - names)
        if unknown:
            raise _Bad(f"{where}.layers", f"has unknown setting(s) {', '.join(unknown)}; "
                                          f"a layer's settings are: {', '.join(sorted(names))}")
        try:
            hidden = tuple(dataclasses.replace(h, **layers) for h in net.hidden)
            net = dataclasses.replace(net, hidden=hidden)
        except (NNStudioError, TypeError) as exc:
            raise _spec_error(f"{where}.layers", exc) from None
        _check_size(net, f"{where}.layers")
    return net


def _merge_config(base: TrainConfig, change: Mapping[str, Any] | None, where: str) -> TrainConfig:
    if not change:
        return base
    d = base.to_dict()
    d.update(change)
    try:
        return TrainConfig.from_dict(d)
    except (NNStudioError, TypeError) as exc:
        raise _spec_error(where, exc) from None


def _merge_data(base: DataSpec, change: Mapping[str, Any] | None, folder: Path, where: str) -> DataSpec:
    if not change:
        return base
    d = base.to_dict()
    d.update(_resolve_data(change, folder))
    try:
        return DataSpec.from_dict(d)
    except (NNStudioError, TypeError) as exc:
        raise _spec_error(where, exc) from None


def _apply(step_apply: Mapping[str, Any], network: NetworkSpec, config: TrainConfig, data: DataSpec,
           folder: Path, where: str, prepared: Any = None,
           cache: dict[DataSpec, Any] | None = None) -> tuple[NetworkSpec, TrainConfig, DataSpec, Any]:
    """Apply a step's settings; returns the new specs and the prepared data they fit."""
    new_data = _merge_data(data, step_apply.get("data"), folder, f"{where}.data")
    if prepared is None or new_data != data:
        prepared = _prepared(new_data, f"{where}.data", cache)
    network = _merge_network(network, step_apply.get("network"), step_apply.get("layers"), prepared, where)
    config = _merge_config(config, step_apply.get("train"), f"{where}.train")
    return network, config, new_data, prepared


# ----------------------------------------------------------------------------- parsing
def _parse_step(raw: Any, where: str, folder: Path) -> tuple[LessonStep, Any, Any]:
    raw = _mapping(raw, where, _STEP_KEYS)
    title = _text(raw.get("title"), f"{where}.title", required=True)
    ap = dict(_mapping(raw.get("apply", {}), f"{where}.apply", _APPLY_KEYS))
    for key in _APPLY_KEYS:
        if key in ap:
            _mapping(ap[key], f"{where}.apply.{key}")
    if "data" in ap:  # a CSV named relative to the lesson file
        ap["data"] = _resolve_data(ap["data"], folder)
    restart = raw.get("restart", False)
    if not isinstance(restart, bool):
        raise _Bad(f"{where}.restart", "must be true or false")
    step = LessonStep(
        title=title,
        text=_text(raw.get("text"), f"{where}.text"),
        look=_text(raw.get("look"), f"{where}.look"),
        formula=_text(raw.get("formula"), f"{where}.formula"),
        view=_view(raw.get("view"), f"{where}.view"),
        workspace=_workspace(raw.get("workspace"), f"{where}.workspace"),
        apply=ap,
        restart=restart,
        view_setup=_view_calls(raw.get("view_setup"), f"{where}.view_setup"),
    )
    return step, raw.get("weights"), raw.get("compare")


def _parse(raw: Any, path: Path) -> Lesson:
    raw = _mapping(raw, "the file", _LESSON_KEYS)
    fmt = raw.get("format", FORMAT)
    if fmt != FORMAT:
        raise _Bad("format", f"this app reads lesson format {FORMAT}, not {fmt!r}")
    number = raw.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise _Bad("number", "must be a whole number ≥ 0 (the lesson's place in the list)")
    title = _text(raw.get("title"), "title", required=True)
    folder = path.parent

    project = _mapping(raw.get("project", {}), "project", _PROJECT_KEYS)
    net_d = _mapping(project.get("network", {}), "project.network")
    train_d = _mapping(project.get("train", {}), "project.train")
    data_d = _mapping(project.get("data", {}), "project.data")
    try:
        data = DataSpec.from_dict(_resolve_data(data_d, folder))
    except (NNStudioError, TypeError) as exc:
        raise _spec_error("project.data", exc) from None
    cache: dict[DataSpec, Any] = {}
    prepared = _prepared(data, "project.data", cache)
    network = _build_network(net_d, prepared, "project.network", strict_loss=True)
    try:
        config = TrainConfig.from_dict(train_d)
    except (NNStudioError, TypeError) as exc:
        raise _spec_error("project.train", exc) from None
    weights = None
    if project.get("weights") is not None:
        weights = _weights(project["weights"], network, "project.weights")

    views_raw = raw.get("views", [])
    if not isinstance(views_raw, list):
        raise _Bad("views", "must be a list of view names")
    views = tuple(v for k, v in enumerate(views_raw) if _view(v, f"views[{k}]"))
    front = _view(raw.get("front"), "front") or (views[0] if views else None)
    workspace = _workspace(raw.get("workspace"), "workspace")
    classroom = None
    if raw.get("classroom") is not None:
        try:
            classroom = Restrictions.from_dict(raw["classroom"])
        except RestrictionError as exc:
            raise _Bad("classroom", str(exc)) from None
        if classroom.hides("panel.lessons"):
            raise _Bad("classroom", "hides the Lessons panel, which is where the lesson's text is shown; "
                                    "leave panel.lessons out of 'hidden'")

    steps_raw = raw.get("steps", [])
    if not isinstance(steps_raw, list) or not steps_raw:
        raise _Bad("steps", "must be a list of at least one step")
    if len(steps_raw) > MAX_STEPS:
        raise _Bad("steps", f"has {len(steps_raw):,} steps; a lesson may have at most {MAX_STEPS}")
    steps = []
    # every step is checked on the project as it is after the steps before it
    cur = (network, config, data, prepared)
    for k, s in enumerate(steps_raw):
        where = f"steps[{k}]"
        step, raw_weights, raw_compare = _parse_step(s, where, folder)
        before = cur
        cur = _apply(step.apply, *cur[:3], folder, f"{where}.apply", cur[3], cache)
        locked = locked_change(classroom, Setup(*before[:3]), Setup(*cur[:3]))
        if locked is not None:  # the learner's button would be refused: say so to the teacher now
            raise _Bad(f"{where}.apply", f"changes a setting the lesson locks ({locked}); unlock it in "
                                         "'classroom' or leave it out of the step")
        net2 = cur[0]
        if raw_weights is not None:
            step = dataclasses.replace(step, weights=_weights(raw_weights, net2, f"{where}.weights"))
        if raw_compare is not None:  # B is forked from A as the step leaves it
            text, label = check_compare(raw_compare, Setup(*cur[:3]), f"{where}.compare", classroom)
            step = dataclasses.replace(step, compare=text, compare_label=label)
        steps.append(step)

    return Lesson(
        path=path, number=number, title=title,
        summary=_text(raw.get("summary"), "summary"),
        notes=_text(raw.get("notes"), "notes"),
        intro=_text(raw.get("intro"), "intro", required=True),
        formula=_text(raw.get("formula"), "formula"),
        network=network, config=config, data=data, weights=weights,
        views=views, front=front,
        view_setup=_view_calls(raw.get("view_setup"), "view_setup"),
        steps=tuple(steps),
        workspace=workspace,
        classroom=classroom,
    )


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _read_text(p: Path, name: str) -> str:
    """The file's text: only a regular file, opened without blocking, at most MAX_LESSON_BYTES."""
    try:
        st = os.stat(p)
    except (OSError, ValueError) as exc:
        reason = printable(getattr(exc, "strerror", None) or exc, 80)
        raise LessonError(f"{name}: cannot be read ({reason})") from None
    kind = safefile.kind_of(st.st_mode)
    if kind is not None:
        raise LessonError(f"{name}: is {kind}, not a lesson file")
    if st.st_size > MAX_LESSON_BYTES:
        raise LessonError(f"{name}: is {size_text(st.st_size)}; a lesson file may be at most "
                          f"{size_text(MAX_LESSON_BYTES)}")
    try:
        with open(p, "rb", opener=safefile.nonblocking_opener) as f:
            kind = safefile.opened_kind(f)
            if kind is not None:
                raise LessonError(f"{name}: is {kind}, not a lesson file")
            raw = safefile.read_limited(f, MAX_LESSON_BYTES)
    except OSError as exc:
        raise LessonError(f"{name}: cannot be read ({printable(exc.strerror or exc, 80)})") from None
    if len(raw) > MAX_LESSON_BYTES:
        raise LessonError(f"{name}: is larger than a lesson file may be ({size_text(MAX_LESSON_BYTES)})")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LessonError(f"{name}: is not UTF-8 text") from None


def load_lesson(path: str | os.PathLike) -> Lesson:
    """Read and check one lesson file.

    Raises
    ------
    LessonError
        Naming the file and the field, e.g. ``"04_learning_rate.json, steps[2].apply.train:
        the learning rate must be greater than 0, not -1"``; at most a few hundred
        characters, control characters escaped.
    """
    p = Path(path)
    name = printable(p.name, 80)
    try:
        return _load(p, name)
    except LessonError as exc:
        raise LessonError(_message(str(exc))) from None
    except MemoryError:
        raise LessonError(f"{name}: there is not enough memory to read it") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError, RecursionError,
            UnicodeError, RuntimeError, OSError) as exc:
        # a check is missing somewhere; the teacher still gets a message, not a traceback
        raise LessonError(_message(f"{name}: cannot be used (unexpected {type(exc).__name__}: "
                                  f"{printable(exc, 80)})")) from None


def _load(p: Path, name: str) -> Lesson:
    text = _read_text(p, name)
    try:
        raw = safejson.loads(text, object_pairs_hook=_no_duplicates)
    except _Duplicate as dup:
        raise LessonError(f"{name}: the field {_shown(dup.key)} appears twice in one object; "
                          "only the last one would count, so join them") from None
    except safejson.JSONLimitError as exc:
        raise LessonError(f"{name}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LessonError(f"{name}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}); "
                          "check for a missing comma or quote, or a comma before } or ]") from None
    try:
        return _parse(raw, p)
    except _Bad as bad:
        raise LessonError(f"{name}, {bad.where}: {bad.message}") from None


def lesson_folders(folder: str | os.PathLike | Sequence[str | os.PathLike] | None = None) -> list[Path]:
    """The folders lessons are read from: ``folder`` (one or several), or the bundled
    ``resources/lessons``, the user's lessons folder (:func:`user_lessons_folder`, when it
    exists) and any listed in the ``NNSTUDIO_LESSONS`` environment variable."""
    if folder is None:
        folders = [resource_path("lessons")]
        user = user_lessons_folder()
        if user.is_dir():
            folders.append(user)
        extra = os.environ.get(ENV_FOLDERS, "")
        folders += [Path(f) for f in extra.split(os.pathsep) if f.strip()]
    elif isinstance(folder, (str, os.PathLike)):
        folders = [Path(folder)]
    else:
        folders = [Path(f) for f in folder]
    return folders


def user_lessons_folder() -> Path:
    """Where lessons written in the app (File › Save as lesson) go: ``lessons`` in the
    app's per-user folder (``NNSTUDIO_CONFIG_DIR`` in tests). Not created here: listing
    lessons must not make folders."""
    override = os.environ.get("NNSTUDIO_CONFIG_DIR")
    if override:
        return Path(override) / "lessons"
    from platformdirs import user_data_dir

    return Path(user_data_dir("nnstudio", "nnstudio")) / "lessons"


def load_lessons(folder: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
                 problems: list[str] | None = None) -> list[Lesson]:
    """Every ``*.json`` lesson in the folder(s) (see :func:`lesson_folders`), by number.

    Parameters
    ----------
    folder : path or list of paths, optional
    problems : list, optional
        If given, a broken file is skipped and its message appended here (the app
        shows them); otherwise the first broken file raises :class:`LessonError`.
    """
    lessons = []
    for f in lesson_folders(folder):
        if not f.is_dir():
            if problems is not None:
                problems.append(f"{f}: no such lesson folder")
                continue
            raise LessonError(f"{f}: no such lesson folder")
        for p in sorted(f.glob("*.json")):
            try:
                lessons.append(load_lesson(p))
            except LessonError as exc:
                if problems is None:
                    raise
                problems.append(str(exc))
    lessons.sort(key=lambda le: (le.number, le.path.name))
    return lessons


# ----------------------------------------------------------------------------- using lessons
def lesson_state(lesson: Lesson) -> tuple[NetworkSpec, TrainConfig, DataSpec, np.ndarray | None]:
    """The lesson's project: ``(network, config, data, weights or None)``.

    The network already fits the data (inputs, outputs and loss); ``weights`` is the
    flat parameter vector to start from, or None to draw weights from the seed.
    """
    w = None if lesson.weights is None else lesson.weights.copy()
    return lesson.network, lesson.config, lesson.data, w


def apply_step(step: LessonStep, network: NetworkSpec, config: TrainConfig, data: DataSpec,
               folder: str | os.PathLike = ".") -> tuple[NetworkSpec, TrainConfig, DataSpec]:
    """The specs after the step's settings are applied to the current ones.

    Only what the step names changes (``layers`` changes every hidden layer). The
    network is not fitted to changed data here: the document does that. ``folder``
    resolves a relative CSV path (steps loaded by :func:`load_lesson` have them resolved
    already).

    Raises
    ------
    LessonError
        If the result is not a valid setting (e.g. a loss that does not fit the task).
    """
    try:
        return _apply(step.apply, network, config, data, Path(folder), "apply")[:3]
    except _Bad as bad:
        raise LessonError(_message(f"step “{printable(step.title, 60)}”, {bad.where}: {bad.message}")) from None


def restart_weights(lesson: Lesson, index: int, network: NetworkSpec) -> np.ndarray | None:
    """The weights a restart at step ``index`` starts from: the step's own, else the
    lesson's when they fit ``network``, else None (new weights from the seed)."""
    step = lesson.steps[index]
    if step.weights is not None and len(step.weights) == network.n_parameters:
        return step.weights.copy()
    if lesson.weights is not None and lesson.network.layer_sizes == network.layer_sizes:
        return lesson.weights.copy()
    return None


def step_state(lesson: Lesson, index: int) -> tuple[NetworkSpec, TrainConfig, DataSpec, np.ndarray | None]:
    """The project after applying steps ``0 … index`` in order, and the weights a
    restart there starts from: what a learner following the lesson trains."""
    network, config, data, _ = lesson_state(lesson)
    for step in lesson.steps[: index + 1]:
        network, config, data = apply_step(step, network, config, data, lesson.folder)
    return network, config, data, restart_weights(lesson, index, network)


def trainer_for(network: NetworkSpec, config: TrainConfig, prepared: Any,
                weights: np.ndarray | None) -> Trainer | None:
    """A trainer starting from ``weights`` (flat), or None when there are none (the
    window then draws weights from the seed, as for any new project)."""
    if weights is None:
        return None
    net = Network(network, 0, config.dtype)
    if len(weights) != net.n_params:
        raise LessonError(f"the lesson's weights ({len(weights)} numbers) do not fit the network "
                          f"{' → '.join(map(str, network.layer_sizes))} ({net.n_params} parameters)")
    net.set_flat(np.asarray(weights, dtype=net.dtype))
    return Trainer(network, config, prepared, network=net)


__all__ = [
    "CALL_ARGS", "FORMAT", "KNOWN_VIEWS", "MAX_COMPARE_CHARS", "MAX_MARK_LABEL", "MAX_RACE_STEPS", "RACER_KEYS",
    "VIEW_CALLS", "WORKSPACES", "Lesson", "LessonError", "LessonStep", "ViewCall",
    "apply_step", "describe_changes", "formula_html", "lesson_folders", "lesson_state",
    "load_lesson", "load_lessons", "restart_weights", "step_state", "text_to_html", "trainer_for",
    "user_lessons_folder", "weights_to_neurons",
]
