"""The numbers, texts and settings of a project.json, checked one by one: counters in range,
finite numbers, random-generator states NumPy itself accepts, lists of texts, the reason
training stopped. Each refusal is a :class:`~.project_archive.BadProjectFile` saying what.
"""

from __future__ import annotations

import contextlib
from typing import Any, Mapping

import numpy as np

from .project_archive import BadProjectFile
from .project_limits import MAX_COUNT
from .errors import SpecError
from .safetext import printable
from .specs import TrainConfig


def _spec(cls: Any, d: Any, what: str) -> Any:
    try:
        return cls.from_dict(d)
    except SpecError as exc:
        raise BadProjectFile(f"its {what} are not valid: {exc}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise BadProjectFile(f"its {what} are not valid ({printable(exc, 80)})") from None


def _int(d: Mapping[str, Any], key: str, what: str, lo: int = 0) -> int:
    v = d.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v < MAX_COUNT:
        raise BadProjectFile(f"{what} must be a whole number ≥ {lo}, not {printable(repr(v), 40)}")
    return v


def _array(arrays: Mapping[str, np.ndarray], key: str, what: str, finite: bool = False,
           required: bool = True) -> np.ndarray | None:
    """A read array (its shape and type are checked already), or None if it may be missing."""
    a = arrays.get(key)
    if a is None:
        if required:
            raise BadProjectFile(f"the file is damaged: {what} ({key}) is missing")
        return None
    if finite and a.size and a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise BadProjectFile(f"there are NaN or infinite values in {what}")
    return a


def dec_float(v: Any, what: str, allow_none: bool = False) -> float | None:
    """A number of project.json: finite, or one of the strings "nan", "inf", "-inf"."""
    if v is None and allow_none:
        return None
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return float(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        with contextlib.suppress(OverflowError):  # an integer too large for a float: refused below
            return float(v)
    raise BadProjectFile(f"{what} must be a number, not {printable(repr(v), 40)}")


def rng_from_json(d: Any, what: str) -> dict[str, Any]:
    """A PCG64 generator state written by ``project._rng_to_json``, checked by NumPy itself."""
    if not isinstance(d, Mapping) or d.get("bit_generator") != "PCG64":
        raise BadProjectFile(f"{what} is not a PCG64 random-generator state")
    try:
        st, inc = int(d["state"]), int(d["inc"])
        has, u = int(d.get("has_uint32", 0)), int(d.get("uinteger", 0))
    except (KeyError, TypeError, ValueError, OverflowError):
        raise BadProjectFile(f"{what} is not a valid random-generator state") from None
    if not (0 <= st < 2**128 and 0 <= inc < 2**128 and has in (0, 1) and 0 <= u < 2**32):
        raise BadProjectFile(f"{what} is out of range")
    state = {"bit_generator": "PCG64", "state": {"state": st, "inc": inc}, "has_uint32": has, "uinteger": u}
    try:  # let NumPy itself judge it, on a throw-away generator
        np.random.PCG64().state = state
    except (ValueError, TypeError, KeyError, OverflowError):
        raise BadProjectFile(f"{what} is not a valid random-generator state") from None
    return state


def _texts(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadProjectFile(f"the data set's {what} are not a list of texts")
    return tuple(value)


def _stop_info(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    ok = isinstance(value, dict)
    for key, v in (value.items() if ok else ()):
        if key in ("kind", "reason"):
            ok = ok and isinstance(v, str)
        elif key in ("iteration", "epoch", "best_epoch"):
            ok = ok and isinstance(v, int) and not isinstance(v, bool) and -1 <= v < MAX_COUNT
        else:
            ok = ok and isinstance(v, (str, int, float, bool, type(None)))
    if not ok:
        raise BadProjectFile("the stop information is not valid")
    return value


def _timeline_train(doc: Mapping[str, Any]) -> TrainConfig | None:
    tl = doc.get("timeline")
    if tl is None:
        return None
    if not isinstance(tl, dict):
        raise BadProjectFile("the timeline is not valid")
    return _spec(TrainConfig, tl.get("train"), "timeline's starting settings")
