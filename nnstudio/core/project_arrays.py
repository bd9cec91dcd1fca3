"""arrays.npz of a project file: every ``.npy`` header checked against what the settings
imply (shapes, types, the relations between them, the memory budget) before any array is
allocated, then each array read in chunks into an array of the checked size.
"""

from __future__ import annotations

import dataclasses
import math
import tokenize
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Mapping

import numpy as np

from .data import DataSpec
from .history import History
from .optimizers import OPTIMIZER_CLASSES
from .project_archive import _CHUNK, _ZIP_ERRORS, BadProjectFile, _members, _open_zip, size_text
from .project_format import ARRAYS_MEMBER, B_PREFIX, JSON_MEMBER, MAX_TRAJECTORY_POINTS, MAX_WEIGHT_ENTRIES
from .project_limits import _HISTORY_ROWS, MAX_ARRAYS
from .project_values import _timeline_train
from .safetext import printable
from .specs import NetworkSpec, TrainConfig


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
