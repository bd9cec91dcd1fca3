"""Reading a project file, with every check made before anything is trusted, allocated or inflated.

A project file may come from anywhere (a download, a classmate, a damaged USB stick,
someone testing the app), so no file decides how much memory or time opening it costs.
The reader works in this order, and refuses at the first problem:

1. **The file**: its size (see :data:`MAX_FILE_BYTES`), before anything is read.
2. **The ZIP archive**: the member count and the size of the list of members, read from
   the archive's end record before :mod:`zipfile` parses that list; then each member's
   compression method (stored or deflate only: bzip2, LZMA and others are refused before
   anything is inflated), encryption flag, declared sizes and compression ratio.
3. **project.json**: inflated in chunks up to :data:`MAX_JSON` (never more than the member
   declares), parsed by :mod:`nnstudio.core.safejson` (nesting depth, number sizes, lone
   surrogates), its format, version and settings; the network's parameter count against
   :data:`MAX_PARAMETERS`.
4. **arrays.npz**: its SHA-256 against project.json, streamed. Then every member's
   ``.npy`` header is read and its shape and type compared with what the settings imply
   (the weights have exactly as many numbers as the network has parameters, the
   optimizer state belongs to the optimizer, ...), and the total against the memory
   budget, all before any array is allocated. Arrays are then read in chunks into
   arrays of the checked size; a member that gives more or fewer bytes than it declared,
   or whose CRC does not match, is refused.
5. **Values**: finite numbers, permutations, class labels, generator states, counters.

Limits, and why
---------------
:data:`MAX_UNCOMPRESSED` (160 MiB)
    The memory the arrays of a project may take once read (a stored data set counts
    twice: checking it copies it). Refusing a file may cost up to this, plus the
    interpreter with NumPy (~40 MB) and the parsed project.json (< 30 MB): refusing any
    file stays below 256 MB.
:data:`MAX_PARAMETERS` (3,000,000)
    A project holds up to five vectors of this length (weights, initial and best weights,
    two optimizer moments): 120 MB in float64, which leaves 40 MB of the budget for data,
    history and the trajectory. The networks of the lessons have fewer than 1,000
    parameters; two hidden layers of 1,024 neurons on the 64 inputs of the digits have
    1.1 million. Saving refuses a larger network, so the app never writes a file it
    would not open again.
:data:`MAX_FILE_BYTES` (the budget + :data:`MAX_JSON` + 1 MiB)
    No project within the limits is larger, and the whole file is hashed when opened.
:data:`MAX_JSON` (1 MiB)
    The app writes 2–10 kB of JSON; a MiB of JSON parses to at most ~30 MB of Python objects.
Nesting depth 32, integers of at most 30 digits
    See :mod:`nnstudio.core.safejson`; project.json nests 5 levels deep.
:data:`MAX_MEMBERS` (16), :data:`MAX_ARRAYS` (64)
    The app writes 2 members and at most 18 arrays.
:data:`MAX_DIRECTORY_BYTES` (64 KiB)
    :mod:`zipfile` reads the whole list of members before anything can be counted; the
    app's lists take a few hundred bytes.
:data:`MAX_RATIO` (1,032 : 1)
    Deflate cannot compress more than that (it is the ratio of a run of zeros); a member
    declaring more lies about its sizes. It cannot be lower, because zeros are real
    content (weights initialised to zero): the size limits above are what bound a "zip bomb".
:data:`MAX_CLASSES` (1,000)
    Class labels of a stored data set without class names (names are always written).
Counters (iterations, epochs, ...) below 2**62
    They are used as NumPy integers later.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import math
import tokenize
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Mapping

import numpy as np

from .. import __version__
from . import safejson
from .data import DataSpec, Dataset
from .data.dataset import TASKS
from .errors import DataError, SpecError
from .history import History
from .optimizers import OPTIMIZER_CLASSES
from .project_format import (
    ARRAYS_MEMBER,
    B_PREFIX,
    FORMAT,
    JSON_MEMBER,
    MAX_CHANGES,
    MAX_TRAJECTORY_POINTS,
    MAX_WEIGHT_ENTRIES,
    SCHEMA_VERSION,
    LogState,
    Project,
    SavedChange,
    SavedComparison,
    SavedTimeline,
    TrainingState,
)
from .project_archive import (
    _CHUNK,
    _ZIP_ERRORS,
    MAX_DIRECTORY_BYTES,
    MAX_RATIO,
    BadProjectFile,
    _members,
    _open_zip,
    _read_member,
    _stored_offset,
    _Window,
    size_text,
)
from .restrictions import RestrictionError, Restrictions
from .run_changes import RunChanges
from .safetext import printable
from .specs import NetworkSpec, TrainConfig

#: the memory the arrays of a project may take once read (bytes)
MAX_UNCOMPRESSED = 160 << 20
#: the most parameters (weights and biases) of a project's network
MAX_PARAMETERS = 3_000_000
#: the largest project.json (bytes)
MAX_JSON = 1 << 20
#: the most members of the project archive
MAX_MEMBERS = 16
#: the most arrays in arrays.npz
MAX_ARRAYS = 64
#: the most classes of a stored data set that has no class names
MAX_CLASSES = 1000
#: counters (iterations, epochs, steps) stay below this
MAX_COUNT = 2**62

_SLACK = 1 << 20  # zip headers, the list of members
_HISTORY_ROWS = History().iterations.capacity  # the most rows a trainer's log keeps
def max_file_bytes(budget: int = MAX_UNCOMPRESSED) -> int:
    """The largest project file opened with a memory ``budget`` (see the module notes)."""
    return budget + MAX_JSON + _SLACK


#: the largest project file
MAX_FILE_BYTES = max_file_bytes()


def network_text(network: NetworkSpec) -> str:
    """The network's layer sizes, ``2 → 8 → 8 → 1``, cut when very long."""
    return printable(" → ".join(str(s) for s in network.layer_sizes), 80)


def check_parameters(network: NetworkSpec) -> None:
    """Refuse a network with more than :data:`MAX_PARAMETERS` parameters (before anything is allocated)."""
    n = network.n_parameters
    if n > MAX_PARAMETERS:
        raise BadProjectFile(f"its network {network_text(network)} has {n:,} parameters; a project may have "
                             f"at most {MAX_PARAMETERS:,}")


# ============================================================================ project.json
def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadProjectFile(f"{JSON_MEMBER} is not UTF-8 text") from None
    try:
        doc = safejson.loads(text)
    except safejson.JSONLimitError as exc:
        raise BadProjectFile(f"{JSON_MEMBER} is not valid: {exc}") from None
    except ValueError as exc:  # json.JSONDecodeError
        msg, line, col = getattr(exc, "msg", str(exc)), getattr(exc, "lineno", "?"), getattr(exc, "colno", "?")
        raise BadProjectFile(f"{JSON_MEMBER} is not valid JSON ({printable(msg, 60)} at line {line}, "
                             f"column {col})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BadProjectFile(f"this is not an nnstudio project ({JSON_MEMBER} does not say format \"{FORMAT}\")")
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BadProjectFile(f"unknown file format version {printable(repr(version), 30)}")
    if version > SCHEMA_VERSION:
        raise BadProjectFile(f"it was made by a newer nnstudio ({printable(doc.get('app_version', '?'), 20)}, file "
                             f"format version {version}); this nnstudio {__version__} reads versions up to "
                             f"{SCHEMA_VERSION}. Update nnstudio to open it")
    meta = doc.get("arrays")
    if not isinstance(meta, dict) or not isinstance(meta.get("sha256"), str):
        raise BadProjectFile(f"{JSON_MEMBER} has no checksum of the arrays")
    return doc


def _spec(cls: Any, d: Any, what: str) -> Any:
    try:
        return cls.from_dict(d)
    except SpecError as exc:
        raise BadProjectFile(f"its {what} are not valid: {exc}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise BadProjectFile(f"its {what} are not valid ({printable(exc, 80)})") from None


# ============================================================================ arrays.npz
@dataclass(frozen=True)
class _Expect:
    """What one array must be: its shape (None = any length), kinds of dtype, exact dtype."""

    shape: tuple[int | None, ...]
    kinds: str
    what: str
    dtype: np.dtype | None = None
    why: str = "the project trains in"  # ... float64: why the dtype must be exactly that


@dataclass(frozen=True)
class _Header:
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    offset: int  # where the data starts in the member

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def _log_columns(network: NetworkSpec) -> dict[str, tuple[str, ...]]:
    cols = {"iterations": History.ITER_COLUMNS, "epochs": History.EPOCH_COLUMNS}
    layer_columns = getattr(History, "layer_columns", None)
    if layer_columns is not None:
        cols["layers"] = tuple(layer_columns(len(network.hidden) + 1))
    return cols


def _expected_arrays(network: NetworkSpec, train: TrainConfig,
                     start_train: TrainConfig | None = None) -> dict[str, _Expect]:
    """Every array a project with these settings may hold, and what it must be
    (``start_train``: the settings where its saved timeline starts, if it has one)."""
    n = network.n_parameters
    out = _present_arrays(network, train)
    if start_train is not None:
        sdt = np.dtype(start_train.dtype)
        out.update({
            "tl_weights": _Expect((n,), "f", "the weights where the timeline starts", sdt),
            "tl_best_params": _Expect((n,), "f", "the best weights where the timeline starts", sdt),
            "tl_perm": _Expect((None,), "iu", "the sample order where the timeline starts"),
            "tl_w_idx": _Expect((None,), "iu", "the weights typed in"),
            "tl_w_val": _Expect((None,), "f", "the weights typed in", np.dtype(np.float64), "they are kept in"),
        })
        for name in OPTIMIZER_CLASSES[start_train.optimizer].state_names:
            out["tl_opt_" + name] = _Expect((n,), "f", f"the optimizer's {name} where the timeline starts", sdt)
    return out


def _present_arrays(network: NetworkSpec, train: TrainConfig) -> dict[str, _Expect]:
    n = network.n_parameters
    dt = np.dtype(train.dtype)
    out = {
        "weights": _Expect((n,), "f", "the weights", dt),
        "initial_weights": _Expect((n,), "f", "the initial weights", dt),
        "best_params": _Expect((n,), "f", "the best weights", dt),
        "perm": _Expect((None,), "iu", "the epoch's sample order"),
        "data_X": _Expect((None, None), "fiu", "the data points"),
        "data_y": _Expect((None,), "fiu", "the data targets"),
        "traj_iterations": _Expect((None,), "iu", "the trajectory"),
        "traj_params": _Expect((None, n), "f", "the trajectory", dt),
    }
    for name in OPTIMIZER_CLASSES[train.optimizer].state_names:
        out["opt_" + name] = _Expect((n,), "f", f"the optimizer's {name}", dt)
    for key, columns in _log_columns(network).items():
        # exactly as written: converting other floats could trip on signalling NaNs
        f64 = np.dtype(np.float64)
        out[f"hist_{key}_rows"] = _Expect((None, len(columns)), "f", f"the {key} history", f64, "histories are kept in")
        out[f"hist_{key}_pending"] = _Expect((len(columns),), "f", f"the {key} history", f64, "histories are kept in")
    return out


def _shape_text(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("n" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _npy_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Header:
    name = printable(info.filename, 60)
    fmt = np.lib.format
    try:
        with zf.open(info) as m:
            version = fmt.read_magic(m)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(m)
            elif version == (2, 0):
                shape, fortran, dtype = fmt.read_array_header_2_0(m)
            else:
                raise ValueError(f"unsupported .npy version {version}")
            offset = m.tell()
    except (*_ZIP_ERRORS, SyntaxError, tokenize.TokenError, TypeError, RecursionError, MemoryError) as exc:
        raise BadProjectFile(f"the array {name} is damaged ({printable(exc, 80)})") from None
    if dtype.hasobject or dtype.kind not in "fiub" or dtype.shape != () or dtype.names is not None \
            or dtype.itemsize > 8:
        raise BadProjectFile(f"the array {name} has the unsupported type {printable(dtype, 40)}")
    if any(not isinstance(s, int) or s < 0 for s in shape):
        raise BadProjectFile(f"the array {name} is damaged (its shape is {printable(shape, 40)})")
    header = _Header(tuple(int(s) for s in shape), dtype, bool(fortran), int(offset))
    if info.file_size != header.offset + header.nbytes:
        raise BadProjectFile(f"the array {name} is damaged (its size does not match its shape "
                             f"{printable(header.shape, 40)})")
    return header


def _check_header(header: _Header, expect: _Expect) -> None:
    shape = header.shape
    if len(expect.shape) != len(shape) or any(s is not None and s != t for s, t in zip(expect.shape, shape)):
        raise BadProjectFile(f"the shape of {expect.what} is {printable(shape, 40)}, not {_shape_text(expect.shape)}: "
                             "the file is damaged or does not belong to these settings")
    if header.dtype.kind not in expect.kinds:
        raise BadProjectFile(f"the type of {expect.what} is {header.dtype}, which does not fit")
    if expect.dtype is not None and header.dtype.newbyteorder("=") != expect.dtype:
        raise BadProjectFile(f"the type of {expect.what} is {header.dtype.newbyteorder('=')}, but {expect.why} "
                             f"{expect.dtype}")


def _check_relations(headers: Mapping[str, _Header], expected: Mapping[str, _Expect], doc: Mapping[str, Any],
                     data: DataSpec) -> None:
    """Shapes that depend on each other, and on project.json, before anything is allocated."""
    def refuse(key: str, want: tuple[int | None, ...]) -> None:
        raise BadProjectFile(f"the shape of {expected[key].what} is {printable(headers[key].shape, 40)}, not "
                             f"{_shape_text(want)}: the file is damaged or does not belong to these settings")

    n_rows = None
    if "data_X" in headers:
        n_rows, n_cols = headers["data_X"].shape
        meta = doc.get("dataset") if isinstance(doc.get("dataset"), dict) else {}
        for key, value in (("n_samples", n_rows), ("n_features", n_cols)):
            declared = meta.get(key)
            if isinstance(declared, int) and not isinstance(declared, bool) and declared != value:
                says = f"{printable(meta.get('n_samples'), 20)} × {printable(meta.get('n_features'), 20)}"
                raise BadProjectFile(f"the data points are {n_rows} × {n_cols}, but {JSON_MEMBER} says {says}")
        if "data_y" in headers and headers["data_y"].shape != (n_rows,):
            refuse("data_y", (n_rows,))
    if "perm" in headers:
        most = n_rows if n_rows is not None else (data.n_samples if data.source == "generator" else None)
        if most is not None and headers["perm"].shape[0] > most:
            raise BadProjectFile(f"the epoch's sample order has {headers['perm'].shape[0]:,} entries, more than the "
                                 f"{most:,} data points")
    capacity = _HISTORY_ROWS
    for key, header in headers.items():
        if key.startswith("hist_") and key.endswith("_rows") and header.shape[0] > capacity:
            raise BadProjectFile(f"the {key[5:-5]} history has too many rows ({header.shape[0]:,}; at most "
                                 f"{capacity:,})")
    if "traj_params" in headers:
        t = headers["traj_iterations"].shape[0] if "traj_iterations" in headers else 0
        if headers["traj_params"].shape[0] != t:
            refuse("traj_params", (t, expected["traj_params"].shape[1]))
        if t > MAX_TRAJECTORY_POINTS:
            raise BadProjectFile(f"the trajectory has {t:,} points; at most {MAX_TRAJECTORY_POINTS} are saved")
    if "tl_w_idx" in headers or "tl_w_val" in headers:
        if "tl_w_idx" not in headers or "tl_w_val" not in headers or \
                headers["tl_w_idx"].shape != headers["tl_w_val"].shape:
            raise BadProjectFile("the weights typed in (timeline) are damaged")
        if headers["tl_w_idx"].shape[0] > MAX_WEIGHT_ENTRIES:
            raise BadProjectFile(f"the timeline holds more than {MAX_WEIGHT_ENTRIES:,} weights typed in")


def _read_npy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, header: _Header) -> np.ndarray:
    """The array's data, inflated in chunks straight into an array of the checked shape."""
    name = printable(info.filename, 60)
    shape = header.shape[::-1] if header.fortran else header.shape
    base = np.empty(shape, dtype=header.dtype)
    flat = base.reshape(-1).view(np.uint8)
    size = header.nbytes
    try:
        with zf.open(info) as m:
            if len(m.read(header.offset)) != header.offset:
                raise BadProjectFile(f"the array {name} is damaged (it is shorter than its header)")
            pos = 0
            while pos < size:
                part = m.read(min(_CHUNK, size - pos))
                if not part:
                    raise BadProjectFile(f"the array {name} is damaged (it is shorter than its shape "
                                         f"{printable(header.shape, 40)})")
                flat[pos:pos + len(part)] = np.frombuffer(part, dtype=np.uint8)
                pos += len(part)
            if m.read(1):  # reading to the end also checks the CRC
                raise BadProjectFile(f"the array {name} is damaged (it is longer than its shape)")
    except _ZIP_ERRORS as exc:
        raise BadProjectFile(f"the array {name} is damaged ({printable(exc, 80)})") from None
    a = base.T if header.fortran else base
    if not a.dtype.isnative:
        a = a.byteswap(inplace=True).view(a.dtype.newbyteorder("="))
    return a


def _read_arrays(npz: BinaryIO, doc: Mapping[str, Any], network: NetworkSpec, train: TrainConfig,
                 data: DataSpec, budget: int, run_b: tuple[dict[str, Any], NetworkSpec, TrainConfig] | None = None,
                 ) -> dict[str, np.ndarray]:
    """Check the inner archive, every header against the settings and the memory budget; then read."""
    inner = _open_zip(npz, ARRAYS_MEMBER, MAX_ARRAYS, f"{ARRAYS_MEMBER} is not a valid .npz archive")
    with inner:
        infos = _members(inner, ARRAYS_MEMBER, MAX_ARRAYS, budget)
        expected = _expected_arrays(network, train, _timeline_train(doc))
        if run_b is not None:
            expected.update(_comparison_expected(*run_b))
        keys = {}
        for filename in infos:
            key = filename[:-4] if filename.endswith(".npy") else None
            if key is None or key not in expected:
                if key is not None and key.startswith("opt_"):
                    raise BadProjectFile(f"the optimizer state '{printable(key[4:], 40)}' does not belong to "
                                         f"{train.optimizer}")
                raise BadProjectFile(f"{ARRAYS_MEMBER} contains '{printable(filename, 60)}', which is not an "
                                     "array of a project")
            keys[key] = infos[filename]
        declared = doc["arrays"].get("members")
        if isinstance(declared, dict) and set(declared) != set(keys):
            raise BadProjectFile(f"{ARRAYS_MEMBER} does not hold the arrays {JSON_MEMBER} lists")
        headers = {key: _npy_header(inner, info) for key, info in keys.items()}
        for key, header in headers.items():
            _check_header(header, expected[key])
        _check_relations({k: h for k, h in headers.items() if not k.startswith(B_PREFIX)}, expected, doc, data)
        if run_b is not None:
            _check_comparison_relations(headers, expected, run_b[0], data)
        # a stored data set is copied once more when it is checked (Dataset)
        need = sum(h.nbytes for h in headers.values()) + (headers["data_X"].nbytes if "data_X" in headers else 0)
        if need > budget:
            raise BadProjectFile(f"its arrays would take {size_text(need)} of memory; a project may take at most "
                                 f"{size_text(budget)}")
        return {key: _read_npy(inner, keys[key], header) for key, header in headers.items()}


# ============================================================================ the whole file
def read_project(f: BinaryIO, budget: int = MAX_UNCOMPRESSED) -> Project:
    """Read and check a project from an open, seekable file.

    Parameters
    ----------
    f : binary file
    budget : int
        The memory, in bytes, that the project's arrays may take (see the module notes).

    Raises
    ------
    BadProjectFile
        Saying what is wrong (without naming the file).
    """
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(0)
    limit = max_file_bytes(budget)
    if size > limit:
        raise BadProjectFile(f"the file is {size_text(size)}, more than the limit of {size_text(limit)}")
    outer = _open_zip(f, "the archive", MAX_MEMBERS,
                      "this is not an nnstudio project (it is not a ZIP archive, or the file is incomplete)")
    with outer:
        by_name = _members(outer, "the archive", MAX_MEMBERS, budget + MAX_JSON)
        if JSON_MEMBER not in by_name:
            raise BadProjectFile(f"this is not an nnstudio project ({JSON_MEMBER} is missing)")
        if ARRAYS_MEMBER not in by_name:
            raise BadProjectFile(f"the file is damaged: {ARRAYS_MEMBER} is missing")
        doc = _parse_json(_read_member(outer, by_name[JSON_MEMBER], MAX_JSON))
        network = _spec(NetworkSpec, doc.get("network"), "network settings")
        train = _spec(TrainConfig, doc.get("train"), "training settings")
        data = _spec(DataSpec, doc.get("data"), "data settings")
        check_parameters(network)
        run_b = _comparison_settings(doc)
        info = by_name[ARRAYS_MEMBER]
        if info.compress_type == zipfile.ZIP_STORED:  # as the app writes it: read in place
            npz: BinaryIO = _Window(f, _stored_offset(f, info, size), info.file_size)  # type: ignore[assignment]
        else:  # re-packed by hand: inflate it, within the budget
            raw = _read_member(outer, info, budget)
            budget -= len(raw)
            npz = io.BytesIO(raw)
    digest = hashlib.sha256()
    npz.seek(0)
    while part := npz.read(_CHUNK):
        digest.update(part)
    if digest.hexdigest() != doc["arrays"]["sha256"].lower():
        raise BadProjectFile(f"{ARRAYS_MEMBER} does not match its checksum: the file is damaged or was tampered with")
    npz.seek(0)
    arrays = _read_arrays(npz, doc, network, train, data, budget, run_b)
    project = _build_project(doc, arrays, network, train, data)
    if run_b is not None:
        project.comparison = _build_comparison(*run_b, arrays, data)
    return project


# ============================================================================ values
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


def _dataset(meta: Mapping[str, Any], arrays: dict[str, np.ndarray]) -> Dataset:
    task = meta.get("task")
    if task not in TASKS:
        raise BadProjectFile(f"the data set's task {printable(repr(task), 30)} is not one of {', '.join(TASKS)}")
    features = _texts(meta.get("feature_names"), "column names")
    classes = _texts(meta.get("class_names"), "class names")
    name = meta.get("name") or ""
    if not isinstance(name, str):
        raise BadProjectFile("the data set's name is not text")
    X = _array(arrays, "data_X", "the data points", finite=True)
    y = _array(arrays, "data_y", "the data targets", finite=True)
    assert X is not None and y is not None
    if task != "regression" and len(y):
        k = len(classes) or MAX_CLASSES
        bad = np.flatnonzero((y < 0) | (y >= k) | (y != np.floor(y)))
        if len(bad):
            r = int(bad[0])
            raise BadProjectFile(f"the class label {printable(y[r].item(), 30)} of data point {r + 1} is not a class "
                                 f"index 0 … {k - 1}")
    try:
        ds = Dataset(X, y, task, features, classes, name)
    except (DataError, TypeError, ValueError) as exc:
        raise BadProjectFile(f"its data points are not valid: {exc}") from None
    del arrays["data_X"], arrays["data_y"]  # the Dataset holds its own copies
    return ds


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


def _build_project(doc: dict[str, Any], arrays: dict[str, np.ndarray], network: NetworkSpec,
                   train: TrainConfig, data: DataSpec) -> Project:
    weights = _array(arrays, "weights", "the weights", finite=True, required=False)

    inline = None
    ds_meta = doc.get("dataset")
    if ds_meta is not None:
        if not isinstance(ds_meta, dict):
            raise BadProjectFile("the data set description is not valid")
        inline = _dataset(ds_meta, arrays)
    elif data.source == "inline":
        raise BadProjectFile("the project uses painted (inline) data but its points are missing")

    state = None
    tr = doc.get("training")
    if tr is not None:
        if not isinstance(tr, dict):
            raise BadProjectFile("the training position is not valid")
        if weights is None:
            raise BadProjectFile("the file is damaged: it has a training position but no weights")
        state = _build_state(tr, arrays, train)

    timeline = None
    tl = doc.get("timeline")
    if tl is not None:
        if state is None or weights is None:
            raise BadProjectFile("the file is damaged: it has a timeline but no training position")
        timeline = _build_timeline(tl, arrays, network, state)

    history = None
    hist = doc.get("history")
    if hist is not None:
        if not isinstance(hist, dict):
            raise BadProjectFile("the history is not valid")
        history = {}
        for key, columns in _log_columns(network).items():
            h = hist.get(key)
            if h is None:
                continue
            if not isinstance(h, dict):
                raise BadProjectFile(f"the {key} history is not valid")
            rows = _array(arrays, f"hist_{key}_rows", f"the {key} history")
            pending = _array(arrays, f"hist_{key}_pending", f"the {key} history", required=False)
            stride = _int(h, "stride", f"the {key} history's stride", 1)
            n_pending = _int(h, "n_pending", f"the {key} history's pending rows", 0)
            if n_pending >= stride:
                raise BadProjectFile(f"the {key} history is not valid")
            history[key] = LogState(np.asarray(rows, dtype=np.float64), stride,
                                    None if pending is None else np.asarray(pending, dtype=np.float64), n_pending)

    ui = doc.get("ui", {})
    if not isinstance(ui, dict):
        raise BadProjectFile("the view settings (ui) are not a JSON object")
    if "classroom" in ui:  # what a teacher hid and locked: refused here if it cannot be applied
        try:
            Restrictions.from_dict(ui["classroom"])
        except RestrictionError as exc:
            raise BadProjectFile(str(exc)) from None

    def text(key: str) -> str:
        v = doc.get(key, "")
        return v if isinstance(v, str) else ""

    return Project(
        network=network, train=train, data=data, inline_data=inline, weights=weights,
        trainer_state=state, history=history, timeline=timeline, ui=ui, name=text("name"), description=text("description"),
        app_version=text("app_version"), saved_at=text("saved_at"),
    )


def _timeline_train(doc: Mapping[str, Any]) -> TrainConfig | None:
    tl = doc.get("timeline")
    if tl is None:
        return None
    if not isinstance(tl, dict):
        raise BadProjectFile("the timeline is not valid")
    return _spec(TrainConfig, tl.get("train"), "timeline's starting settings")


def _build_timeline(tl: dict[str, Any], arrays: dict[str, np.ndarray], network: NetworkSpec,
                    state: TrainingState) -> SavedTimeline:
    start_train = _timeline_train({"timeline": tl})
    assert start_train is not None
    start_doc = tl.get("start")
    if not isinstance(start_doc, dict):
        raise BadProjectFile("the timeline's starting position is not valid")
    start = _build_state(start_doc, arrays, start_train, prefix="tl_")
    weights = _array(arrays, "tl_weights", "the weights where the timeline starts", finite=True)
    raw = tl.get("changes")
    if not isinstance(raw, list) or len(raw) > MAX_CHANGES:
        raise BadProjectFile(f"the timeline's changes are not a list of at most {MAX_CHANGES} changes")
    idx = _array(arrays, "tl_w_idx", "the weights typed in", required=False)
    vals = _array(arrays, "tl_w_val", "the weights typed in", finite=True, required=False)
    n = network.n_parameters
    if idx is not None and idx.size and (idx.min() < 0 or idx.max() >= n):
        raise BadProjectFile("a weight typed in (timeline) is not a weight of this network")
    used = 0
    last = start.iteration
    changes: list[SavedChange] = []
    for k, c in enumerate(raw):
        what = f"change {k + 1} of the timeline"
        if not isinstance(c, dict):
            raise BadProjectFile(f"{what} is not valid")
        it = _int(c, "iteration", f"the iteration of {what}")
        phase = c.get("phase")
        if phase not in (None, "forward", "loss", "backward") or not last <= it <= state.iteration:
            raise BadProjectFile(f"{what} is out of order or not valid")
        last = it
        if "train" in c:
            changes.append(SavedChange(it, phase, train=_spec(TrainConfig, c["train"], f"settings of {what}")))
            continue
        count = _int(c, "weights", f"the weight count of {what}", 1)
        if idx is None or vals is None or used + count > len(idx):
            raise BadProjectFile(f"the weights of {what} are missing")
        changes.append(SavedChange(it, phase, indices=idx[used:used + count].astype(np.int64),
                                   values=vals[used:used + count].astype(np.float64)))
        used += count
    if idx is not None and used != len(idx):
        raise BadProjectFile("the timeline holds weights typed in that no change uses")
    return SavedTimeline(start, weights, start_train, changes)  # type: ignore[arg-type]


def _build_state(tr: dict[str, Any], arrays: dict[str, np.ndarray], train: TrainConfig,
                 prefix: str = "") -> TrainingState:
    perm = _array(arrays, prefix + "perm", "the epoch's sample order")
    assert perm is not None
    n = len(perm)
    if n == 0 or not np.array_equal(np.sort(perm), np.arange(n)):
        raise BadProjectFile("the epoch's sample order is not a permutation of the training samples")
    pos = _int(tr, "pos", "the position in the epoch")
    if pos > n:
        raise BadProjectFile("the position in the epoch is beyond the end of the epoch")
    step = _int(tr, "optimizer_step", "the optimizer's step count")
    opt_arrays = {}
    for name in OPTIMIZER_CLASSES[train.optimizer].state_names:
        a = _array(arrays, prefix + "opt_" + name, f"the optimizer's {name}", finite=True, required=step > 0)
        if a is not None:
            opt_arrays[name] = a
    best = _array(arrays, prefix + "best_params", "the best weights", finite=True, required=False)
    init = None if prefix else _array(arrays, "initial_weights", "the initial weights", finite=True, required=False)
    traj_it = None if prefix else _array(arrays, "traj_iterations", "the trajectory", required=False)
    traj = None
    if traj_it is not None:
        traj = _array(arrays, "traj_params", "the trajectory", finite=True)
        if traj_it.size and (traj_it.min() < 0 or traj_it.max() >= MAX_COUNT):
            raise BadProjectFile("the trajectory's iterations are out of range")
    stopped = tr.get("stopped")
    if stopped is not None and not isinstance(stopped, str):
        raise BadProjectFile("the reason training stopped is not text")
    first = dec_float(tr.get("first_loss"), "the first loss", allow_none=True)
    return TrainingState(
        iteration=_int(tr, "iteration", "the iteration"), epoch=_int(tr, "epoch", "the epoch"), pos=pos,
        perm=perm.astype(np.int64, copy=False), optimizer_step=step, optimizer_arrays=opt_arrays,
        shuffle_rng=rng_from_json(tr.get("shuffle_rng"), "the shuffling generator"),
        dropout_rng=rng_from_json(tr.get("dropout_rng"), "the dropout generator"),
        epoch_loss_sum=dec_float(tr.get("epoch_loss_sum", 0.0), "the epoch's loss sum"),  # type: ignore[arg-type]
        epoch_batches=_int(tr, "epoch_batches", "the epoch's batch count"),
        epoch_correct=_int(tr, "epoch_correct", "the epoch's correct count"),
        epoch_seen=_int(tr, "epoch_seen", "the epoch's sample count"),
        best_value=dec_float(tr.get("best_value", "inf"), "the best value"),  # type: ignore[arg-type]
        best_params=best, best_epoch=_int(tr, "best_epoch", "the best epoch", -1),
        wait=_int(tr, "wait", "the patience counter"),
        stopped=stopped, stop_info=_stop_info(tr.get("stop_info")), first_loss=first,
        initial_weights=init,
        trajectory_iterations=None if traj_it is None else traj_it.astype(np.int64, copy=False),
        trajectory=traj,
        trajectory_stride=_int(tr, "trajectory_stride", "the trajectory stride", 1) if "trajectory_stride" in tr else 1,
    )


# ============================================================================ run B of a comparison
def _comparison_settings(doc: Mapping[str, Any]) -> tuple[dict[str, Any], NetworkSpec, TrainConfig] | None:
    """Run B's part of project.json and its settings, checked before any array is read."""
    c = doc.get("comparison")
    if c is None:
        return None
    if not isinstance(c, dict):
        raise BadProjectFile("run B of the comparison is not valid")
    network = _spec(NetworkSpec, c.get("network"), "run B's network settings")
    train = _spec(TrainConfig, c.get("train"), "run B's training settings")
    check_parameters(network)
    if not isinstance(c.get("training"), dict):
        raise BadProjectFile("run B of the comparison has no training position")
    return c, network, train


def _comparison_expected(c: Mapping[str, Any], network: NetworkSpec, train: TrainConfig) -> dict[str, _Expect]:
    expected = _expected_arrays(network, train, _timeline_train(c))
    return {B_PREFIX + key: dataclasses.replace(e, what=f"{e.what} of run B") for key, e in expected.items()
            if not key.startswith("data_")}


def _check_comparison_relations(headers: Mapping[str, _Header], expected: Mapping[str, _Expect],
                                c: Mapping[str, Any], data: DataSpec) -> None:
    n = len(B_PREFIX)
    sub = {key[n:]: h for key, h in headers.items() if key.startswith(B_PREFIX)}
    sub_expected = {key[n:]: e for key, e in expected.items() if key.startswith(B_PREFIX)}
    for key in ("data_X", "data_y"):  # B trains on the project's data
        if key in headers:
            sub[key], sub_expected[key] = headers[key], expected[key]
    if "weights" not in sub:
        raise BadProjectFile("the file is damaged: the weights of run B (b_weights) are missing")
    _check_relations(sub, sub_expected, {}, data)


def _build_comparison(c: dict[str, Any], network: NetworkSpec, train: TrainConfig, arrays: dict[str, np.ndarray],
                      data: DataSpec) -> SavedComparison:
    try:
        changes = RunChanges.from_dict(c.get("changes"))  # type: ignore[arg-type]
    except SpecError as exc:
        raise BadProjectFile(f"the changes of run B are not valid: {exc}") from None
    n = len(B_PREFIX)
    sub = {key[n:]: a for key, a in arrays.items() if key.startswith(B_PREFIX)}
    run = _build_project({key: c.get(key) for key in ("training", "history", "timeline")}, sub, network, train,
                         DataSpec())
    run.data = data  # B trains on the project's data
    texts = {}
    for key in ("label", "note"):
        v = c.get(key, "")
        if not isinstance(v, str):
            raise BadProjectFile(f"the {key} of run B is not text")
        texts[key] = printable(v, 300)
    return SavedComparison(changes, run, texts["label"], texts["note"],
                           _int(c, "fork_iteration", "the iteration run B was made at"))


__all__ = [
    "MAX_ARRAYS",
    "MAX_CLASSES",
    "MAX_COUNT",
    "MAX_DIRECTORY_BYTES",
    "MAX_FILE_BYTES",
    "MAX_JSON",
    "MAX_MEMBERS",
    "MAX_PARAMETERS",
    "MAX_RATIO",
    "MAX_UNCOMPRESSED",
    "BadProjectFile",
    "check_parameters",
    "dec_float",
    "max_file_bytes",
    "network_text",
    "read_project",
    "rng_from_json",
    "size_text",
]
