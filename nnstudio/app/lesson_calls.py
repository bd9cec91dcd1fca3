"""What a lesson may ask of the window's views: which views, which calls, which arguments.

A lesson file names views (``"views"``, ``"front"``, a step's ``"view"``), the
workspace to show them in, and calls to set them up (``"view_setup"``: the race's
function, a mark on the activation curve …). A lesson file may come from anyone, so
only the calls listed in :data:`VIEW_CALLS` are allowed, and each argument is checked
against :data:`CALL_ARGS` (its kind and range) when the file is read — never in the
window, where a bad value could only fail. Qt-free, like :mod:`.lessons`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..core.project_reader import MAX_PARAMETERS
from ..core.safetext import printable

#: docks and views a lesson may show or bring to the front
KNOWN_VIEWS = (
    "BoundaryView", "LossView", "NetworkView", "GradientView", "ActivationView", "InspectorView",
    "SurfaceView", "RaceView", "DataPanel", "NetworkPanel", "TrainingPanel", "LessonPanel",
    "RepresentationView", "HardestSamplesView", "DigitGalleryView", "DrawingPadView",
)
#: what a lesson may ask a view to do (method names of the views), and nothing else
VIEW_CALLS: dict[str, tuple[str, ...]] = {
    "RaceView": ("set_function", "set_start", "set_racer", "set_speed", "reset", "step", "set_kappa", "show_tab",
                 "follow"),
    "SurfaceView": ("set_mode", "set_params", "set_span", "recompute"),
    "ActivationView": ("explore", "select_layer", "set_compare", "mark", "clear_marks"),
    "GradientView": ("set_quantity", "set_hist_layer"),
    "LossView": ("set_x_axis", "set_log_y"),
    "BoundaryView": ("set_show_validation", "set_discretize"),
    "RepresentationView": ("select_layer",),
    "HardestSamplesView": ("set_set",),
    "DigitGalleryView": ("set_set", "set_misclassified_first"),
    "DrawingPadView": ("load_sample", "clear", "show_weights"),
}
#: the workspaces a lesson or a step may choose (the window's ``workspaces.SHOWN`` keys)
WORKSPACES = ("explore", "inspect")
#: the optimizers of the race view (its ``RACERS``), which ``set_racer`` may name
RACER_KEYS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
#: the longest label of a mark on a view
MAX_MARK_LABEL = 80
#: the most race steps a lesson may ask for at once (the race view pauses there anyway)
MAX_RACE_STEPS = 20_000
#: the highest row of the data a lesson may put on the drawing pad (a row the data has
#: not is left alone by the pad; the bound only keeps the number sane)
MAX_SAMPLE_ROW = 10_000_000


@dataclass(frozen=True)
class ViewCall:
    """``view.call(*args)`` — a view set up for a lesson or step (e.g. the race's function)."""

    view: str
    call: str
    args: tuple[Any, ...] = ()


def quoted(value: Any) -> str:
    """A value from the file, quoted in a message: short, control characters escaped."""
    return printable(repr(value) if not isinstance(value, (list, dict)) else kind_of(value), 60)


def kind_of(value: Any) -> str:
    """What kind of JSON value ``value`` is, in words ("a list", "text" …)."""
    return {dict: "an object", list: "a list", str: "text", bool: "true/false",
            type(None): "null"}.get(type(value), "a number")


class _Arg:
    """One argument of a view call: what it is called and which values it takes."""

    def __init__(self, name: str, what: str, accepts: Callable[[Any], bool]) -> None:
        self.name = name
        self.what = what  # for messages: "a number from −1000 to 1000"
        self.accepts = accepts  # value → bool


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _number(name: str, lo: float, hi: float, none: bool = False, whole: bool = False) -> _Arg:
    kind = "a whole number" if whole else "a number"
    what = f"{kind} from {lo:g} to {hi:g}" + (" or null" if none else "")

    def accepts(v: Any) -> bool:
        if v is None:
            return none
        return _is_number(v) and lo <= v <= hi and (not whole or float(v).is_integer())

    return _Arg(name, what, accepts)


def _choice(name: str, options: Sequence[Any]) -> _Arg:
    shown = ", ".join("null" if a is None else repr(a) for a in options)
    # the same type too: true is not 1, and 1.0 is not the index 1
    return _Arg(name, f"one of {shown}", lambda v: any(type(v) is type(o) and v == o for o in options))


def _flag(name: str, none: bool = False) -> _Arg:
    return _Arg(name, "true or false" + (" or null" if none else ""),
                lambda v: isinstance(v, bool) or (none and v is None))


def _label(name: str) -> _Arg:
    return _Arg(name, f"text of at most {MAX_MARK_LABEL} characters",
                lambda v: isinstance(v, str) and len(v) <= MAX_MARK_LABEL)


def _point(name: str, limit: float) -> _Arg:
    return _Arg(name, f"a point [x, y] of numbers from {-limit:g} to {limit:g}",
                lambda v: isinstance(v, list) and len(v) == 2
                and all(_is_number(x) and abs(x) <= limit for x in v))


def _call_args() -> dict[tuple[str, str], tuple[int, tuple[_Arg, ...]]]:
    """For every view call: how many arguments it needs, and all it can take."""
    from ..core.activations import ACTIVATIONS
    from ..core.landscape import MODES
    from ..core.testfunctions import TEST_FUNCTIONS

    layer = _number("layer", 0, 1000, whole=True)
    return {
        ("RaceView", "set_function"): (1, (_choice("function", tuple(TEST_FUNCTIONS)),)),
        ("RaceView", "set_start"): (1, (_point("start", 1e3),)),
        ("RaceView", "set_racer"): (1, (_choice("racer", RACER_KEYS), _flag("enabled", none=True),
                                        _number("learning rate", 1e-6, 10.0, none=True))),
        ("RaceView", "set_speed"): (1, (_number("steps per second", 1, 1000, whole=True),)),
        ("RaceView", "reset"): (0, ()),
        ("RaceView", "step"): (0, (_number("steps", 1, MAX_RACE_STEPS, whole=True),)),
        ("RaceView", "set_kappa"): (1, (_number("condition number κ", 1, 1000, whole=True),)),
        ("RaceView", "show_tab"): (1, (_choice("tab", ("racers", "directions", "rates")),)),
        ("RaceView", "follow"): (1, (_choice("racer", RACER_KEYS),)),
        ("SurfaceView", "set_mode"): (1, (_choice("mode", MODES),)),
        ("SurfaceView", "set_params"): (2, (_number("first weight", 0, MAX_PARAMETERS, whole=True),
                                            _number("second weight", 0, MAX_PARAMETERS, whole=True))),
        ("SurfaceView", "set_span"): (1, (_number("half-width", 1e-6, 1e6, none=True),)),
        ("SurfaceView", "recompute"): (0, ()),
        ("ActivationView", "explore"): (1, (_choice("activation", tuple(ACTIVATIONS)),
                                            _number("α", 0, 10, none=True))),
        ("ActivationView", "select_layer"): (1, (_number("layer", -1, 1000, whole=True),)),
        ("ActivationView", "set_compare"): (1, (_choice("activation", (*ACTIVATIONS, None)),)),
        ("ActivationView", "mark"): (1, (_number("z", -1e3, 1e3), _label("label"))),
        ("ActivationView", "clear_marks"): (0, ()),
        ("GradientView", "set_quantity"): (1, (_choice("quantity", (0, 1)),)),
        ("GradientView", "set_hist_layer"): (1, (layer,)),
        ("LossView", "set_x_axis"): (1, (_choice("axis", ("iteration", "epoch")),)),
        ("LossView", "set_log_y"): (1, (_flag("log scale"),)),
        ("BoundaryView", "set_show_validation"): (1, (_flag("show"),)),
        ("BoundaryView", "set_discretize"): (1, (_flag("discretize"),)),
        ("RepresentationView", "select_layer"): (1, (_number("hidden layer", 0, 1000, whole=True),)),
        ("HardestSamplesView", "set_set"): (1, (_choice("set", ("training", "validation")),)),
        ("DigitGalleryView", "set_set"): (1, (_choice("set", ("training", "validation")),)),
        ("DigitGalleryView", "set_misclassified_first"): (1, (_flag("misclassified first"),)),
        ("DrawingPadView", "load_sample"): (1, (_number("row", 0, MAX_SAMPLE_ROW, whole=True),)),
        ("DrawingPadView", "clear"): (0, ()),
        ("DrawingPadView", "show_weights"): (1, (_flag("show"),)),
    }


#: the arguments of every call in :data:`VIEW_CALLS`: (how many are needed, what each may be)
CALL_ARGS = _call_args()
_ORDINALS = ("first", "second", "third", "fourth")


def call_problem(view: str, call: Any, args: Sequence[Any]) -> str | None:
    """What is wrong with ``view.call(*args)`` as a lesson wrote it, or None: the call
    must be one :data:`VIEW_CALLS` allows, every argument of the kind and in the range
    :data:`CALL_ARGS` gives, and their count must fit."""
    if call not in VIEW_CALLS.get(view, ()):
        allowed = VIEW_CALLS.get(view, ())
        can = f"one of: {', '.join(allowed)}" if allowed else "nothing (this view takes no set-up)"
        return f"{view} cannot do {quoted(call)}; it can do {can}"
    needed, kinds = CALL_ARGS[(view, call)]
    if len(args) > len(kinds):
        takes = ("no arguments" if not kinds else
                 f"at most {len(kinds)} argument(s) ({', '.join(k.name for k in kinds)})")
        return f"{view}.{call} takes {takes}, not {len(args)}"
    for k, kind in enumerate(kinds):
        if k >= len(args):
            if k < needed:
                return f"{view}.{call} needs a {_ORDINALS[k]} argument ({kind.name}): {kind.what}"
            break
        if not kind.accepts(args[k]):
            return f"{view}.{call}: its {_ORDINALS[k]} argument ({kind.name}) must be {kind.what}, not {quoted(args[k])}"
    return None


__all__ = ["CALL_ARGS", "KNOWN_VIEWS", "MAX_MARK_LABEL", "MAX_RACE_STEPS", "MAX_SAMPLE_ROW", "RACER_KEYS", "VIEW_CALLS", "WORKSPACES",
           "ViewCall", "call_problem", "kind_of", "quoted"]
