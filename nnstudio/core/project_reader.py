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

The limits are those of :mod:`nnstudio.core.project_limits` (with why each is what it is).
The file's parts are read by :mod:`.project_archive` (the ZIP layer),
:mod:`.project_arrays` (arrays.npz), :mod:`.project_values` (the numbers and texts of
project.json), :mod:`.project_contents` (the run, its timeline and history) and
:mod:`.project_run_b` (run B of a comparison).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any, BinaryIO

from .. import __version__
from . import safejson
from .data import DataSpec
from .project_archive import (
    _CHUNK,
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
from .project_arrays import _read_arrays
from .project_contents import _build_project
from .project_format import ARRAYS_MEMBER, FORMAT, JSON_MEMBER, SCHEMA_VERSION, Project
from .project_limits import (
    MAX_ARRAYS,
    MAX_CLASSES,
    MAX_COUNT,
    MAX_FILE_BYTES,
    MAX_JSON,
    MAX_MEMBERS,
    MAX_PARAMETERS,
    MAX_UNCOMPRESSED,
    check_parameters,
    max_file_bytes,
    network_text,
)
from .project_run_b import _build_comparison, _comparison_settings
from .project_values import _spec, dec_float, rng_from_json
from .safetext import printable
from .specs import NetworkSpec, TrainConfig


# ============================================================================ project.json
def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadProjectFile(f"{JSON_MEMBER} is not UTF-8 text") from None
    try:
        doc = safejson.loads(text, object_pairs_hook=safejson.unique_keys)
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
    project = _build_project(doc, arrays, network, train, data,
                             who="the run" if run_b is None else "run A of the comparison")
    if run_b is not None:
        project.comparison = _build_comparison(*run_b, arrays, data, network, train)
    return project


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
