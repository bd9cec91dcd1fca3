"""Every bad project file is refused cleanly, fast and cheaply; anything opened can be saved and shown.

"Cleanly": a ProjectError whose message is short, printable (control characters
escaped) and says what is wrong — never another exception, never the reader's safety
net ("unexpected …"). "Fast and cheaply": limits are checked before anything is
allocated or inflated, measured here with tracemalloc (NumPy's allocations included)
and, for the zip bombs, with the peak resident memory of a separate process.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from nnstudio.cli import main as cli_main
from nnstudio.core import project as project_mod
from nnstudio.core.data import DataSpec, Dataset, prepare
from nnstudio.core.errors import ProjectError
from nnstudio.core.project import (
    MAX_PARAMETERS,
    load_project,
    project_from_trainer,
    save_project,
    trainer_from_project,
)
from nnstudio.core.safetext import MESSAGE_LIMIT
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

SPIRAL = DataSpec(name="spiral", n_samples=120, noise=0.1)
NET = NetworkSpec(n_inputs=2, hidden=(LayerSpec(6, "tanh", dropout=0.2), LayerSpec(5, "relu")))
EVIL = "\ud800a\x1b[31mred\x1b]0;title\x07\u202eb"  # lone surrogate, ESC sequences, bidi override


# ============================================================================ helpers
@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    t = Trainer(NET, TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=7), prepare(SPIRAL))
    t.run(iterations=12)
    path = tmp_path_factory.mktemp("good") / "good.nnproj"
    save_project(path, project_from_trainer(t, SPIRAL, name="good"))
    return path


@pytest.fixture(scope="module")
def painted(tmp_path_factory) -> Path:
    """Hand-painted points of three named classes, stored in the file."""
    rng = np.random.default_rng(3)
    X = rng.uniform(-5, 5, size=(30, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 2).astype(int)
    ds = Dataset(X, y, "multiclass", ("x1", "x2"), ("red", "green", "blue"), "painted")
    spec = DataSpec(source="inline", validation_fraction=0.0)
    net = NetworkSpec(n_inputs=2, hidden=(LayerSpec(4),), task="multiclass", n_outputs=3)
    t = Trainer(net, TrainConfig(), prepare(spec, ds))
    t.run(iterations=3)
    path = tmp_path_factory.mktemp("painted") / "painted.nnproj"
    save_project(path, project_from_trainer(t, spec, ds, name="painted"))
    return path


def parts(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
        with np.load(io.BytesIO(zf.read("arrays.npz"))) as z:
            arrays = {k: z[k] for k in z.files}
    return doc, arrays


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def write(path: Path, doc: dict[str, Any] | str | bytes, npz: bytes | dict[str, np.ndarray],
          fix_sha: bool = True, json_method: int = zipfile.ZIP_DEFLATED,
          npz_method: int = zipfile.ZIP_STORED) -> Path:
    """A project archive; ``doc`` may be JSON text with placeholders already replaced."""
    if isinstance(npz, dict):
        npz = npz_bytes(npz)
    if isinstance(doc, dict):
        if fix_sha:
            doc["arrays"]["sha256"] = hashlib.sha256(npz).hexdigest()
            doc["arrays"].pop("members", None)
        doc = json.dumps(doc)  # ensure_ascii: a lone surrogate is written as \ud800
    if isinstance(doc, str):
        doc = doc.encode("utf-8")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", doc, compress_type=json_method)
        zf.writestr("arrays.npz", npz, compress_type=npz_method)
    return path


def raw_zip(members: list[dict[str, Any]]) -> bytes:
    """A ZIP archive written by hand, so that it can lie: each member is a dict with
    ``name``, ``data`` (the bytes stored, already compressed), ``method``, ``size``
    (declared unpacked size) and ``crc``."""
    out, central = io.BytesIO(), io.BytesIO()
    for m in members:
        name = m["name"].encode()
        offset = out.tell()
        fields = (20, 0, m["method"], 0, 0x21, m["crc"], len(m["data"]), m["size"], len(name), 0)
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name + m["data"])
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset) + name)
    cd = central.getvalue()
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), out.tell(), 0)
    return out.getvalue() + cd + end


def deflated_zeros(n_segments: int, head: bytes = b"", segment: int = 64 << 20) -> bytes:
    """A raw deflate stream of ``head`` then ``n_segments × segment`` zero bytes, made without
    compressing them all: a fully flushed segment is self-contained, so it can be repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    seg = c.compress(bytes(segment)) + c.flush(zlib.Z_FULL_FLUSH)
    return first + seg * n_segments + c.flush(zlib.Z_FINISH)


def check_message(msg: str, *fragments: str) -> str:
    assert len(msg) <= MESSAGE_LIMIT, msg
    assert msg.isprintable(), repr(msg)  # no ESC, no newline, no lone surrogate
    msg.encode("utf-8")
    assert "unexpected" not in msg, msg  # the reader's safety net must not be what caught it
    for frag in fragments:
        assert frag in msg, msg
    return msg


def measured(fn: Callable[[], Any]) -> tuple[Any, float, int]:
    """``fn()``'s result (or the exception it raised), seconds and peak traced bytes."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    try:
        result: Any = fn()
    except Exception as exc:  # noqa: BLE001 - returned so the caller can check it
        result = exc
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    if started:
        tracemalloc.stop()
    return result, seconds, peak


def refused(path: Path, *fragments: str, max_seconds: float = 2.0, max_bytes: int = 64 << 20) -> str:
    result, seconds, peak = measured(lambda: load_project(path))
    assert isinstance(result, ProjectError), result
    assert seconds < max_seconds and peak < max_bytes, (seconds, peak)
    return check_message(str(result), *fragments)


def within(seconds: float, fn: Callable[[], Any]) -> Any:
    """``fn()`` run on a thread that must finish in ``seconds`` (a FIFO would block forever)."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(fn())
        except Exception as exc:  # noqa: BLE001
            box.append(exc)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still waiting after {seconds} s"
    return box[0]


def info_output(path: Path, capsys) -> str:
    capsys.readouterr()
    assert cli_main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    out.encode("utf-8")
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, repr(out)
    return out


# ============================================================================ not a regular file
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.nnproj"
    os.mkfifo(fifo)
    exc = within(5, lambda: load_project(fifo))
    assert isinstance(exc, ProjectError)
    check_message(str(exc), "named pipe", "not a project file")
    link = tmp_path / "link.nnproj"
    link.symlink_to(fifo)
    exc = within(5, lambda: load_project(link))
    check_message(str(exc), "named pipe")


def test_a_fifo_swapped_in_after_the_check_is_refused_too(tmp_path, monkeypatch):
    fifo = tmp_path / "late.nnproj"
    os.mkfifo(fifo)
    real_stat = os.stat
    regular = real_stat(__file__)

    def stat(path, *a, **k):  # the check sees a regular file; what is opened is a FIFO
        return regular if str(path) == str(fifo) else real_stat(path, *a, **k)
    monkeypatch.setattr(os, "stat", stat)
    exc = within(5, lambda: load_project(fifo))
    assert isinstance(exc, ProjectError), exc
    check_message(str(exc), "named pipe")


def test_devices_and_folders_are_refused(tmp_path):
    check_message(str(within(5, lambda: load_project("/dev/zero"))), "is a device")
    refused(tmp_path, "is a folder")
    check_message(str(within(5, lambda: load_project("bad\0name.nnproj"))), "cannot read")


def test_a_file_larger_than_any_project_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.nnproj"
    with open(big, "wb") as f:
        f.truncate(project_mod.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    refused(big, "more than the limit", max_bytes=1 << 20)


# ============================================================================ the archive
def test_bzip2_and_lzma_members_with_bad_data_are_refused_by_method(tmp_path, good):
    doc, arrays = parts(good)
    for method, name in ((zipfile.ZIP_LZMA, "LZMA"), (zipfile.ZIP_BZIP2, "bzip2")):
        for member in ("project.json", "arrays.npz"):
            p = write(tmp_path / "m.nnproj", dict(doc), arrays,
                      json_method=method if member == "project.json" else zipfile.ZIP_DEFLATED,
                      npz_method=method if member == "arrays.npz" else zipfile.ZIP_STORED)
            raw = bytearray(p.read_bytes())
            with zipfile.ZipFile(p) as zf:
                info = zf.getinfo(member)
            start = info.header_offset + 30 + len(member) + 40
            raw[start:start + 20] = b"\xa5" * 20  # the compressed data is garbage now
            p.write_bytes(bytes(raw))
            refused(p, member, f"compressed with {name}")


def test_a_huge_list_of_members_is_refused_before_zipfile_parses_it(tmp_path):
    many = tmp_path / "many.nnproj"
    many.write_bytes(raw_zip([{"name": f"m{i}", "data": b"", "method": 0, "size": 0, "crc": 0}
                              for i in range(60_000)]))
    refused(many, "60,000 members", max_bytes=4 << 20)
    # an end record that understates the count: the size of the list gives it away
    raw = bytearray(many.read_bytes())
    raw[-14:-10] = struct.pack("<HH", 2, 2)
    many.write_bytes(bytes(raw))
    refused(many, "list of members", max_bytes=4 << 20)


def test_a_member_that_inflates_to_more_than_it_declares_costs_nothing(tmp_path, good):
    # project.json declares 1,000 bytes and inflates to 5 GB
    bomb = tmp_path / "json_bomb.nnproj"
    bomb.write_bytes(raw_zip([
        {"name": "project.json", "data": deflated_zeros(80), "method": 8, "size": 1000, "crc": 0},
        {"name": "arrays.npz", "data": b"", "method": 0, "size": 0, "crc": 0},
    ]))
    refused(bomb, "project.json is damaged", max_bytes=8 << 20)


def test_members_claiming_an_impossible_ratio_are_refused(tmp_path):
    lie = tmp_path / "ratio.nnproj"
    lie.write_bytes(raw_zip([{"name": "project.json", "data": b"\x03\x00", "method": 8, "size": 900_000,
                              "crc": 0},
                             {"name": "arrays.npz", "data": b"", "method": 0, "size": 0, "crc": 0}]))
    refused(lie, "more than deflate can")


# ============================================================================ project.json
def _text_with(doc: dict[str, Any], raw: str) -> str:
    """project.json text in which the value "__RAW__" is replaced by ``raw`` as it is."""
    return json.dumps(doc).replace('"__RAW__"', raw, 1)


def test_huge_integers_deep_nesting_and_non_finite_numbers_are_refused(tmp_path, good):
    doc, arrays = parts(good)
    npz = npz_bytes(arrays)
    doc["arrays"]["sha256"] = hashlib.sha256(npz).hexdigest()
    doc["arrays"].pop("members")
    cases = [
        ("iteration", "9" * 5000, "5,000 digits"),
        ("iteration", "-" + "9" * 40, "40 digits"),
        ("ui", "[" * 1000 + "]" * 1000, "1,001 levels deep"),
        ("ui", '{"a":' * 800 + "1" + "}" * 800, "801 levels deep"),
        ("epoch_loss_sum", "1e400", "too large"),
        ("epoch_loss_sum", "NaN", "NaN is not a number JSON allows"),
        ("epoch_loss_sum", "0." + "1" * 100, "characters"),
    ]
    for key, raw, words in cases:
        d = json.loads(json.dumps(doc))
        (d if key == "ui" else d["training"])[key] = "__RAW__"
        p = write(tmp_path / "j.nnproj", _text_with(d, raw), npz)
        refused(p, "project.json is not valid", words)


def test_a_network_of_64_layers_of_4096_is_refused_before_anything_is_allocated(tmp_path, good):
    doc, arrays = parts(good)
    doc["network"]["hidden"] = [{"units": 4096}] * 64
    p = write(tmp_path / "huge_net.nnproj", doc, arrays)
    assert p.stat().st_size < 24_000  # a small file (it holds a short training run and its timeline)
    msg = refused(p, "1,057,", f"at most {MAX_PARAMETERS:,}", max_seconds=0.5, max_bytes=4 << 20)
    assert "2 → 4096 → 4096" in msg
    doc["network"]["n_inputs"] = 10**25  # within the digit limit, far beyond any memory
    doc["network"]["hidden"] = []
    refused(write(tmp_path / "wide.nnproj", doc, arrays), "parameters", max_bytes=4 << 20)


def test_settings_of_the_wrong_type_are_refused_with_a_message(tmp_path, good):
    doc, arrays = parts(good)
    edits: list[tuple[Callable[[dict[str, Any]], Any], str]] = [
        (lambda d: d["training"].update(stop_info={"kind": ["x"]}), "stop information"),
        (lambda d: d["training"].update(iteration=2**62), "the iteration"),
        (lambda d: d["training"].update(first_loss=[1]), "the first loss"),
        (lambda d: d["training"]["shuffle_rng"].update(state="9" * 5000), "shuffling generator"),
        (lambda d: d["history"].update(iterations=[]), "iterations history"),
        (lambda d: d.update(training=[]), "training position"),
        (lambda d: d["network"].update(hidden={"units": 3}), "network settings"),
        (lambda d: d["data"].update(features=[EVIL]), "data settings"),
    ]
    for edit, words in edits:
        d = json.loads(json.dumps(doc))
        edit(d)
        refused(write(tmp_path / "t.nnproj", d, arrays), words)


# ============================================================================ arrays.npz
def _npy_head(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _member(name: str, content: bytes) -> dict[str, Any]:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return {"name": name, "data": c.compress(content) + c.flush(), "method": 8, "size": len(content),
            "crc": zlib.crc32(content)}


def _bomb(name: str, head: bytes, declared: int, segments: int) -> dict[str, Any]:
    return {"name": name, "data": deflated_zeros(segments, head), "method": 8, "size": len(head) + declared,
            "crc": 0}


def _bombs(tmp_path: Path, good: Path) -> dict[str, Path]:
    """The zip bombs of the bug report, and their relatives: each a file of a few MB."""
    doc, arrays = parts(good)
    n = NET.n_parameters
    others = [_member(k + ".npy", _npy_bytes(a)) for k, a in arrays.items() if k != "weights"]
    weights = _member("weights.npy", _npy_bytes(arrays["weights"]))

    def project(name: str, members: list[dict[str, Any]], d: dict[str, Any] | None = None) -> Path:
        return write(tmp_path / name, json.loads(json.dumps(d or doc)), raw_zip(members))

    meta = {"task": "binary", "feature_names": ["x1", "x2"], "class_names": ["a", "b"], "name": ""}
    outer = tmp_path / "b0.nnproj"  # arrays.npz itself declares 1,000 bytes and inflates to 5 GB
    outer.write_bytes(raw_zip([_member("project.json", json.dumps(doc).encode()),
                               {**_bomb("arrays.npz", b"", 0, 80), "size": 1000}]))
    return {
        "arrays.npz is damaged": outer,
        # declares what the network needs (a few hundred bytes), inflates to 5 GB
        "weights.npy is damaged": project("b1.nnproj", others + [_bomb("weights.npy", _npy_head((n,)), 8 * n, 80)]),
        # honestly declares 1 GB of zeros (1 MB compressed)
        "arrays.npz would unpack to": project("b2.nnproj", others + [
            _bomb("weights.npy", _npy_head((125_829_120,)), 15 * (64 << 20), 15)]),
        # within the budget, but not the network's shape
        "the shape of the weights is (15000000,), not (59,)": project("b3.nnproj", others + [
            _bomb("weights.npy", _npy_head((15_000_000,)), 120_000_000, 2)]),
        # points of honest shapes whose copy would not fit the memory budget
        "its arrays would take": project("b4.nnproj", others + [weights,
            _bomb("data_X.npy", _npy_head((5_000_000, 2)), 80_000_000, 2),
            _bomb("data_y.npy", _npy_head((5_000_000,), "<i8"), 40_000_000, 1)],
            dict(doc, dataset=dict(meta, n_samples=5_000_000, n_features=2))),
    }


def _npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a)
    return buf.getvalue()


_PROBE = """
import json, resource, sys, time
from nnstudio.core.errors import ProjectError
from nnstudio.core.project import load_project
out = {}
for path in sys.argv[1:]:
    t = time.perf_counter()
    try:
        load_project(path)
        msg = "loaded"
    except ProjectError as exc:
        msg = str(exc)
    out[path] = [time.perf_counter() - t, msg]
try:  # this process's own peak (ru_maxrss may carry over the parent's peak across fork and exec)
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"files": out, "peak_mb": peak}))
"""


def test_zip_bombs_are_refused_in_well_under_2_s_and_256_mb(tmp_path, good):
    bombs = _bombs(tmp_path, good)
    for path in bombs.values():
        assert path.stat().st_size < 6 << 20
    run = subprocess.run([sys.executable, "-c", _PROBE, *map(str, bombs.values())], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["peak_mb"] < 256, report
    for words, path in bombs.items():
        seconds, msg = report["files"][str(path)]
        assert seconds < 2, (words, seconds)
        check_message(msg, words)
    # and in this process, each costs little more than the chunks it inflates
    for words, path in bombs.items():
        refused(path, words, max_bytes=16 << 20)


def test_a_file_refused_at_its_last_check_costs_at_most_the_memory_budget(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1_000_000, 2))  # 16 MB of points, checked last
    y = (X[:, 0] > 0).astype(np.int64)
    doc, arrays = parts(_painted_like(tmp_path, X[:50], y[:50]))
    doc["dataset"].update(n_samples=len(X))
    y = y.astype(np.float64)
    y[-1] = 7.0  # refused only once everything has been read
    p = write(tmp_path / "late.nnproj", doc, dict(arrays, data_X=X, data_y=y))
    need = X.nbytes * 2 + y.nbytes + sum(a.nbytes for k, a in arrays.items() if not k.startswith("data_"))
    monkeypatch.setattr(project_mod, "MAX_UNCOMPRESSED", need + 1000)
    refused(p, "class label 7.0 of data point 1000000", max_bytes=need + (4 << 20))
    monkeypatch.setattr(project_mod, "MAX_UNCOMPRESSED", need - 1)
    refused(p, "its arrays would take", max_bytes=8 << 20)  # nothing of the 40 MB was allocated


def _painted_like(tmp_path: Path, X: np.ndarray, y: np.ndarray) -> Path:
    ds = Dataset(X, y, "binary", ("x1", "x2"), ("no", "yes"), "painted")
    spec = DataSpec(source="inline", validation_fraction=0.0)
    t = Trainer(NET, TrainConfig(), prepare(spec, ds))
    return save_project(tmp_path / "like.nnproj", project_from_trainer(t, spec, ds))


def test_an_array_of_honest_size_must_also_fit_the_settings(tmp_path, good):
    doc, arrays = parts(good)
    for key, value, words in (
        ("perm", np.arange(10**6), "more than the 120 data points"),
        ("hist_iterations_rows", np.zeros((9000, len(parts(good)[1]["hist_iterations_rows"][0]))), "too many rows"),
        ("traj_params", np.zeros((3, NET.n_parameters)), "the shape of the trajectory"),
        ("weights", np.zeros(NET.n_parameters, dtype=">f8"), None),  # big-endian is fine
        ("weights", np.zeros(NET.n_parameters, dtype="<U3"), "unsupported type"),
        ("weights", np.zeros((NET.n_parameters, 1)), "the shape of the weights"),
        ("secret", np.zeros(3), "which is not an array of a project"),
    ):
        a = dict(arrays)
        a[key] = value
        p = write(tmp_path / "a.nnproj", json.loads(json.dumps(doc)), a)
        if words is None:
            loaded = load_project(p)
            assert loaded.weights.dtype == np.float64 and loaded.weights.dtype.isnative
        else:
            refused(p, words)


def test_class_labels_must_be_class_indices(tmp_path, painted):
    doc, arrays = parts(painted)
    for label, words in ((1e308, "class label 1e+308"), (-1.0, "class label -1.0"), (0.5, "class label 0.5"),
                         (3.0, "0 … 2")):
        a = dict(arrays)
        y = a["data_y"].astype(np.float64)
        y[4] = label
        a["data_y"] = y
        refused(write(tmp_path / "c.nnproj", json.loads(json.dumps(doc)), a), words, "data point 5")


# ============================================================================ text from the file
STRING_FIELDS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("name", lambda d: d.update(name=EVIL)),
    ("description", lambda d: d.update(description=EVIL + "\nsecond line")),
    ("app_version", lambda d: d.update(app_version=EVIL)),
    ("saved_at", lambda d: d.update(saved_at=EVIL)),
    ("ui key and value", lambda d: d.update(ui={EVIL: [EVIL, {EVIL: EVIL}]})),
    ("stopped", lambda d: d["training"].update(stopped=EVIL, stop_info={"kind": EVIL, "reason": EVIL})),
    ("data set name", lambda d: d["dataset"].update(name=EVIL)),
    ("feature names", lambda d: d["dataset"].update(feature_names=[EVIL, "x2"])),
    ("class names", lambda d: d["dataset"].update(class_names=[EVIL, "green", EVIL + "2"])),
    ("csv path", lambda d: d["data"].update(source="csv", csv_path=EVIL)),
    ("generator name", lambda d: d["data"].update(source="generator", name=EVIL)),
    ("activation", lambda d: d["network"]["hidden"][0].update(activation=EVIL)),
    ("task", lambda d: d["dataset"].update(task=EVIL)),
    ("format", lambda d: d.update(format=EVIL)),
    ("array list", lambda d: d["arrays"].update(members={EVIL: {}})),
]


@pytest.mark.parametrize("field, edit", STRING_FIELDS, ids=[f for f, _ in STRING_FIELDS])
def test_lone_surrogates_and_escape_sequences_in_every_string_field(tmp_path, painted, capsys, field, edit):
    doc, arrays = parts(painted)
    edit(doc)
    fix = field != "array list"
    p = write(tmp_path / "evil.nnproj", doc, arrays, fix_sha=fix)
    if not fix:
        doc["arrays"]["sha256"] = hashlib.sha256(npz_bytes(arrays)).hexdigest()
        p = write(tmp_path / "evil.nnproj", doc, arrays, fix_sha=False)
    result, seconds, peak = measured(lambda: load_project(p))
    assert seconds < 2 and peak < 64 << 20
    if isinstance(result, ProjectError):
        check_message(str(result))
        assert field in ("generator name", "activation", "task", "format", "array list"), str(result)
        return
    assert not isinstance(result, Exception), result
    # it opened: it can be saved again, opened again, and shown
    again = save_project(tmp_path / "again.nnproj", result)
    reloaded = load_project(again)
    assert reloaded.name == result.name and reloaded.ui == result.ui
    out = info_output(again, capsys)
    if field == "name":
        assert "\\x1b[31mred" in out and "\ufffd" in out
    if field == "class names":
        assert "classes:  \ufffda\\x1b[31mred" in out
    if field == "description":
        assert "\n  second line" in out


def test_info_prints_escape_sequences_escaped(tmp_path, painted, capsys):
    doc, arrays = parts(painted)
    doc.update(name="\x1b[2J\x1b[31mwiped", description="look \x1b]0;pwned\x07 here")
    doc["dataset"]["class_names"] = ["\x1b[1mA", "B\u202e", "C"]
    doc["training"].update(stopped="\x1b[5mblink")
    out = info_output(write(tmp_path / "esc.nnproj", doc, arrays), capsys)
    for shown in ("\\x1b[2J\\x1b[31mwiped", "look \\x1b]0;pwned\\x07 here", "\\x1b[1mA, B\\u202e, C",
                  "stopped:  \\x1b[5mblink"):
        assert shown in out, out


def test_a_file_name_that_is_not_utf8_gives_a_project_that_saves(tmp_path):
    t = Trainer(NET, TrainConfig(), prepare(SPIRAL))
    name = os.fsdecode(b"caf\xe9.nnproj")  # a Latin-1 name on a UTF-8 system: a lone surrogate
    path = save_project(tmp_path / name, project_from_trainer(t, SPIRAL))
    p = load_project(path)
    assert p.name == "caf\ufffd"
    save_project(path, p)
    assert load_project(path).name == "caf\ufffd"


# ============================================================================ saving
def test_save_after_load_round_trips(tmp_path, good, painted):
    for src in (good, painted):
        p = load_project(src)
        out = save_project(tmp_path / src.name, p)
        q = load_project(out)
        assert q.network == p.network and q.train == p.train and q.data == p.data and q.ui == p.ui
        assert q.weights.tobytes() == p.weights.tobytes() and q.name == p.name
        a, b = trainer_from_project(p), trainer_from_project(q)
        a.run(iterations=5)
        b.run(iterations=5)
        assert a.network.params.tobytes() == b.network.params.tobytes()


def test_saving_refuses_what_opening_would_refuse(tmp_path, good):
    p = load_project(good)
    big = NetworkSpec(n_inputs=2, hidden=(LayerSpec(2048), LayerSpec(2048)))
    with pytest.raises(ProjectError, match="make the network smaller"):
        save_project(tmp_path / "big.nnproj", project_mod.Project(network=big, data=SPIRAL))
    p.ui = {"deep": json.loads("[" * 40 + "]" * 40)}
    with pytest.raises(ProjectError, match="levels deep"):
        save_project(tmp_path / "deep.nnproj", p)
    p.ui = {"n": 10**40}
    with pytest.raises(ProjectError, match="digits"):
        save_project(tmp_path / "digits.nnproj", p)
    assert not list(tmp_path.iterdir())


def test_a_csv_copy_that_would_not_fit_is_left_out(tmp_path, monkeypatch):
    rows = "\n".join(f"{i % 7},{i % 5},{i % 2}" for i in range(200))
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,label\n" + rows + "\n")
    spec = DataSpec(source="csv", csv_path=str(csv))
    t = Trainer(NET, TrainConfig(), prepare(spec))
    proj = project_from_trainer(t, spec)
    monkeypatch.setattr(project_mod, "MAX_UNCOMPRESSED", 6_000)  # the weights fit, the rows do not
    path = save_project(tmp_path / "c.nnproj", proj)
    monkeypatch.undo()
    q = load_project(path)
    assert q.inline_data is None and q.data.csv_path == str(csv)
    assert trainer_from_project(q).n_train == t.n_train  # the file is read again


# ============================================================================ stray temporary files
_KILLED_SAVE = """
import os, signal, sys
import nnstudio.core.project as project_mod
from nnstudio.core.project import load_project, save_project
def die(f, content):
    f.write(content[: len(content) // 2])
    f.flush()
    os.kill(os.getpid(), signal.SIGKILL)
project_mod._write_file = die
save_project(sys.argv[1], load_project(sys.argv[1]))
"""


def test_a_killed_save_leaves_a_temp_file_that_the_next_save_removes(tmp_path, good):
    target = tmp_path / "p.nnproj"
    target.write_bytes(good.read_bytes())
    for _ in range(3):
        run = subprocess.run([sys.executable, "-c", _KILLED_SAVE, str(target)], capture_output=True, timeout=60)
        assert run.returncode == -9
    # each save removed the temp file of the one killed before it: they do not pile up
    left = sorted(f.name for f in tmp_path.iterdir() if f.name != "p.nnproj")
    assert len(left) == 1 and left[0].startswith(".p.nnproj.") and left[0].endswith(".tmp"), left
    assert target.read_bytes() == good.read_bytes()  # the killed saves changed nothing

    # a temp file of a save that is still running (here: this process's own) is kept
    running = tmp_path / project_mod.temp_name("p.nnproj")
    running.write_bytes(b"half")
    # one written on another computer, and one by an older nnstudio (no process id)
    foreign = tmp_path / ".p.nnproj.0123abcd-4242-deadbeef.tmp"
    old_style = tmp_path / ".p.nnproj.cafe0123.tmp"
    for f in (foreign, old_style):
        f.write_bytes(b"x")
    other = tmp_path / ".q.nnproj.0123abcd-1-deadbeef.tmp"  # another project's
    other.write_bytes(b"x")
    save_project(target, load_project(target))
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(
        ["p.nnproj", running.name, foreign.name, old_style.name, other.name])
    day_ago = time.time() - project_mod.STALE_TEMP_AGE - 60
    for f in (foreign, old_style, other):
        os.utime(f, (day_ago, day_ago))
    save_project(target, load_project(target))
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(["p.nnproj", running.name, other.name])


# ============================================================================ mutations (hypothesis)
# Every mutated file either opens — and then saves again, opens again, is shown by
# ``nnstudio info`` and gives a trainer (or a ProjectError/DataError saying why not) —
# or is refused cleanly, in bounded time and memory.
from contextlib import redirect_stdout  # noqa: E402
from tempfile import TemporaryDirectory  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nnstudio.core.errors import NNStudioError  # noqa: E402
from nnstudio.core.project import project_from_bytes, project_to_bytes  # noqa: E402

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])


def _zip_bytes(doc: dict[str, Any] | bytes, npz: bytes, fix_sha: bool = True) -> bytes:
    if isinstance(doc, dict):
        if fix_sha and isinstance(doc.get("arrays"), dict):
            doc["arrays"]["sha256"] = hashlib.sha256(npz).hexdigest()
            doc["arrays"].pop("members", None)
        doc = json.dumps(doc).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("project.json", doc, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("arrays.npz", npz)
    return buf.getvalue()


def _opens_or_is_refused(content: bytes) -> None:
    result, seconds, peak = measured(lambda: project_from_bytes(content))
    assert seconds < 2 and peak < 64 << 20, (seconds, peak)
    if isinstance(result, ProjectError):
        check_message(str(result))
        return
    assert not isinstance(result, BaseException), repr(result)
    again = project_from_bytes(project_to_bytes(result))  # whatever opened can be saved
    assert again.network == result.network and again.ui == result.ui and again.name == result.name
    with TemporaryDirectory() as d:
        path = Path(d) / "fuzz.nnproj"
        path.write_bytes(content)
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli_main(["info", str(path)]) == 0
        text = out.getvalue()
        text.encode("utf-8")
        assert "\x1b" not in text and "\x07" not in text
    try:
        trainer_from_project(result)
    except NNStudioError as exc:
        check_message(str(exc)[:MESSAGE_LIMIT])


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1, 3, 2**31, 2**62, 2**63, 10**29, 1e308, -1e308, 0.5, "", "nan", "inf", "-inf",
                     EVIL, "PCG64", "x" * 300, "adam", "sigmoid", "csv", "inline", "multiclass"]),
    st.text(max_size=12),
)
_VALUES = st.recursive(_SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    st.text(max_size=6) | st.sampled_from(["units", "state", "inc", "kind", "task", "stride", "name"]), c,
    max_size=4), max_leaves=10)


@FUZZ
@given(data=st.data())
def test_mutated_bytes_of_a_project_file(good, painted, data):
    base = data.draw(st.sampled_from([good, painted])).read_bytes()
    raw = bytearray(base)
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "set", "cut", "delete", "insert"]))
        # the headers at both ends are where a flipped byte changes the most
        where = data.draw(st.sampled_from(["start", "end", "anywhere"]))
        lo, hi = {"start": (0, 100), "end": (len(raw) - 200, len(raw)), "anywhere": (0, len(raw))}[where]
        lo, hi = max(0, min(lo, len(raw) - 1)), max(0, min(hi, len(raw)) - 1)
        i = data.draw(st.integers(lo, max(lo, hi)))
        if op == "flip" and raw:
            raw[i] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "set" and raw:
            raw[i:i + 4] = data.draw(st.sampled_from([b"\xff\xff\xff\xff", b"\0\0\0\0", b"\x7f\xff\xff\xff"]))
        elif op == "cut":
            del raw[i:]
        elif op == "delete":
            del raw[i:i + data.draw(st.integers(1, 64))]
        else:
            raw[i:i] = data.draw(st.binary(min_size=1, max_size=16))
    _opens_or_is_refused(bytes(raw))


@FUZZ
@given(data=st.data())
def test_mutated_arrays_npz_with_a_matching_checksum(good, painted, data):
    doc, arrays = parts(data.draw(st.sampled_from([good, painted])))
    raw = bytearray(npz_bytes(arrays))
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):
            raw[i] ^= 1 << data.draw(st.integers(0, 7))
        else:
            raw[i:i + 4] = data.draw(st.sampled_from([b"\xff\xff\xff\xff", b"\0\0\0\0", b"\x0e\0", b"\x0c\0"]))
    _opens_or_is_refused(_zip_bytes(doc, bytes(raw)))


@settings(FUZZ, max_examples=300)
@given(data=st.data())
def test_mutated_project_json(good, painted, data):
    doc, arrays = parts(data.draw(st.sampled_from([good, painted])))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(doc)[1:]))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        op = data.draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if op == "delete":
            del parent[path[-1]]
        elif op == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=6))] = data.draw(_VALUES)
        else:
            parent[path[-1]] = data.draw(_VALUES)
    _opens_or_is_refused(_zip_bytes(doc, npz_bytes(arrays)))


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_mutated_arrays(good, painted, data):
    doc, arrays = parts(data.draw(st.sampled_from([good, painted])))
    for _ in range(data.draw(st.integers(1, 2))):
        key = data.draw(st.sampled_from(sorted(arrays) + ["opt_velocity", "data_X", "extra"]))
        dtype = np.dtype(data.draw(st.sampled_from(["<f8", ">f8", "<f4", "<i8", ">i4", "<u1", "|b1", "<f2",
                                                    "<c16", "<U2"])))
        if key in arrays and data.draw(st.booleans()):
            shape = arrays[key].shape
        else:
            shape = tuple(data.draw(st.lists(st.integers(0, 70), max_size=3)))
        n = math.prod(shape)
        if n * dtype.itemsize > 200_000:
            continue
        raw = data.draw(st.binary(min_size=n * dtype.itemsize, max_size=n * dtype.itemsize))
        a = np.frombuffer(raw, dtype=dtype).reshape(shape)
        if a.ndim == 2 and data.draw(st.booleans()):
            a = np.asfortranarray(a)
        arrays[key] = a
    _opens_or_is_refused(_zip_bytes(doc, npz_bytes(arrays)))


# ============================================================================ a run's own numbers
@pytest.mark.parametrize("fields, fragment", [
    ({"iteration": 10**12, "epoch": 10**11},
     "the run is at iteration 1,000,000,000,000, more than a run can have trained (at most 10,000,000,000)"),
    ({"iteration": 10**10 + 1}, "the run is at iteration 10,000,000,001, more than a run can have trained"),
    ({"epoch": 13}, "the run is at epoch 13 after 12 iterations; an epoch takes at least one iteration"),
    ({"first_loss": "nan"}, "the first loss must be a finite number ≥ 0, not nan: the file is damaged"),
    ({"first_loss": "-inf"}, "the first loss must be a finite number ≥ 0, not -inf"),
    ({"first_loss": -0.25}, "the first loss must be a finite number ≥ 0, not -0.25"),
    ({"epoch_loss_sum": "inf"}, "the epoch's loss sum must be a finite number ≥ 0, not inf"),
    ({"best_value": "nan"}, "the best value must be a finite number ≥ 0, not nan"),
])
def test_a_run_whose_own_numbers_cannot_be_is_refused(tmp_path, good, fields, fragment):
    """Training never records a NaN or infinite loss (it stops first), and no run a learner
    trains reaches 10¹⁰ iterations (rewinding a reopened run replays from iteration 0)."""
    doc, arrays = parts(good)
    doc["training"].update(fields)
    refused(write(tmp_path / "p.nnproj", doc, arrays), fragment)


def test_the_numbers_a_genuine_run_has_are_read(tmp_path, good):
    doc, arrays = parts(good)
    doc["training"].update(iteration=10**10, epoch=10**9, best_value="inf", epoch_loss_sum=0.0, first_loss=0.0)
    project = load_project(write(tmp_path / "p.nnproj", doc, arrays))
    st = project.trainer_state
    assert (st.iteration, st.epoch, st.best_value, st.first_loss) == (10**10, 10**9, math.inf, 0.0)
