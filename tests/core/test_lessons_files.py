"""Every bad lesson file is refused cleanly, fast and cheaply.

A LessonError whose message is one short line with control characters escaped, never
another exception (nor the loader's safety net, "unexpected …"), nor a hang on a pipe,
nor a blow-up of memory: measured with tracemalloc, which sees NumPy's allocations.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.app.lessons import (
    MAX_DATA_SETTINGS,
    MAX_LESSON_BYTES,
    MAX_STEPS,
    LessonError,
    Lesson,
    lesson_state,
    load_lesson,
    load_lessons,
    step_state,
    text_to_html,
)
from nnstudio.core.project_reader import MAX_PARAMETERS
from nnstudio.core.safetext import MESSAGE_LIMIT

LESSON_DIR = Path(__file__).resolve().parents[2] / "resources" / "lessons"
EVIL = "\ud800a\x1b[31mred\x1b]0;title\x07\u202eb"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A copy of the bundled lessons and their data, to break."""
    d = tmp_path_factory.mktemp("lessons")
    shutil.copytree(LESSON_DIR / "data", d / "data")
    return d


def base(name: str = "05_batches.json") -> dict[str, Any]:
    return json.loads((LESSON_DIR / name).read_text(encoding="utf-8"))


def write(folder: Path, raw: dict[str, Any] | str | bytes, name: str = "x.json") -> Path:
    p = folder / name
    if isinstance(raw, dict):
        raw = json.dumps(raw)  # a lone surrogate is written as \ud800
    p.write_bytes(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    return p


def measured(fn: Callable[[], Any]) -> tuple[Any, float, int]:
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    try:
        result: Any = fn()
    except Exception as exc:  # noqa: BLE001 - returned to be checked
        result = exc
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - before
    if started:
        tracemalloc.stop()
    return result, seconds, peak


def check_message(msg: str, *fragments: str) -> str:
    assert len(msg) <= MESSAGE_LIMIT, msg
    assert msg.isprintable(), repr(msg)
    msg.encode("utf-8")
    assert "unexpected" not in msg, msg
    for frag in fragments:
        assert frag in msg, msg
    return msg


#: a bad file is refused at once: well under this (it is no benchmark, but a guard against
#: a refusal that takes minutes; a loaded machine under tracemalloc took 2.06 s for one)
MAX_SECONDS = 10.0


def refused(path: Path, *fragments: str, max_seconds: float = MAX_SECONDS, max_bytes: int = 32 << 20) -> str:
    result, seconds, peak = measured(lambda: load_lesson(path))
    assert isinstance(result, LessonError), result
    assert seconds < max_seconds and peak < max_bytes, (seconds, peak)
    return check_message(str(result), *fragments)


def within(seconds: float, fn: Callable[[], Any]) -> Any:
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


# ------------------------------------------------------------------------------ not a file
def test_pipes_devices_and_folders_are_refused_without_waiting(tmp_path):
    fifo = tmp_path / "20_pipe.json"
    os.mkfifo(fifo)
    check_message(str(within(5, lambda: load_lesson(fifo))), "20_pipe.json", "named pipe")
    (tmp_path / "21_folder.json").mkdir()
    write(tmp_path, base())
    problems: list[str] = []
    found = within(10, lambda: load_lessons(tmp_path, problems=problems))
    assert [le.number for le in found] == [5]
    assert len(problems) == 2 and all(check_message(p) for p in problems)
    check_message(str(within(5, lambda: load_lesson("/dev/zero"))), "zero", "device")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(MAX_LESSON_BYTES + 1)
    refused(big, "may be at most", max_bytes=1 << 20)


def test_a_csv_that_is_a_pipe_or_huge_is_refused_without_reading_it(folder):
    fifo = folder / "data" / "pipe.csv"
    os.mkfifo(fifo)
    raw = base("12_regression_losses.json")
    raw["project"]["data"]["csv_path"] = "data/pipe.csv"
    p = write(folder, raw)
    check_message(str(within(5, lambda: load_lesson(p))), "project.data", "named pipe")
    with open(folder / "data" / "huge.csv", "wb") as f:
        f.truncate(50_000_000)
    raw["project"]["data"]["csv_path"] = "data/huge.csv"
    refused(write(folder, raw), "project.data", "a lesson's data file may be at most", max_bytes=4 << 20)
    raw["project"]["data"]["csv_path"] = "data/nul\0.csv"
    refused(write(folder, raw), "project.data", "cannot be read")


# ------------------------------------------------------------------------------ the JSON
@pytest.mark.parametrize("raw, words", [
    ('{"number": ' + "9" * 5000 + "}", "5,000 digits"),
    ('{"a": ' + "[" * 1000 + "]" * 1000 + "}", "1,001 levels deep"),
    ('{"number": 1e400}', "too large"),
    ('{"number": NaN}', "NaN is not a number JSON allows"),
    ('{"number": 5, "title": "' + "\\u0000\\u001b" * 3 + '", "title": 1}', "appears twice"),
    ("\ufeff" + '{"number": ', "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
])
def test_limits_of_the_json(tmp_path, raw, words):
    refused(write(tmp_path, raw), words)


def test_lone_surrogates_become_replacement_characters_and_escapes_stay_text(folder):
    raw = base()
    raw["title"] = EVIL
    raw["steps"][0]["text"] = EVIL
    lesson = load_lesson(write(folder, raw))
    assert lesson.title == "\ufffda\x1b[31mred\x1b]0;title\x07\u202eb"
    lesson.title.encode("utf-8")
    text_to_html(lesson.steps[0].text).encode("utf-8")
    raw["front"] = EVIL
    refused(write(folder, raw), "front", "unknown view", "\\x1b[31mred")
    raw = base()
    raw["steps"][1]["apply"]["train"]["optimizer"] = EVIL
    refused(write(folder, raw), "steps[1].apply.train", "\\x1b[31m")


# ------------------------------------------------------------------------------ sizes
def test_a_network_of_64_layers_of_4096_is_refused_before_anything_is_allocated(folder):
    raw = base()
    raw["project"]["network"]["hidden"] = [{"units": 4096}] * 64
    raw["project"].pop("weights")
    msg = refused(write(folder, raw), "project.network", f"at most {MAX_PARAMETERS:,}", max_seconds=2.0,
                  max_bytes=4 << 20)
    assert "1 → 4096 → 4096" in msg
    raw = base()
    raw["steps"][2]["apply"]["network"] = {"hidden": [{"units": 4096}] * 64}
    refused(write(folder, raw), "steps[2].apply.network", "parameters", max_seconds=2.0, max_bytes=4 << 20)
    raw = base("07_activations.json")
    raw["steps"][0]["apply"]["layers"] = {"units": 4096}
    raw["steps"][0]["apply"]["network"] = {"hidden": [{"units": 2}] * 40}
    refused(write(folder, raw), "steps[0].apply.layers", "parameters", max_bytes=4 << 20)


def test_weights_for_a_wide_layer_are_checked_before_arrays_are_made(folder):
    raw = base()
    raw["project"]["network"]["hidden"] = [{"units": 4096}, {"units": 700}]
    raw["project"]["weights"] = [[{"w": [0.0], "b": 0}] * 4096, [{}] * 700, [{"w": [0] * 700}]]
    # before: the second layer's 4096 × 700 array (23 MB) was made before its first neuron was read
    refused(write(folder, raw), "project.weights[1][0].w", "4096 number(s)", max_bytes=8 << 20)


def test_too_many_steps_or_data_settings_are_refused(folder):
    raw = base()
    raw["steps"] = raw["steps"][:1] * (MAX_STEPS + 1)
    refused(write(folder, raw), "steps", f"at most {MAX_STEPS}")
    raw = base()
    raw["steps"] = [dict(raw["steps"][0], apply={"data": {"seed": i}}) for i in range(MAX_DATA_SETTINGS + 4)]
    refused(write(folder, raw), f"more than {MAX_DATA_SETTINGS} different data settings")


def test_a_million_generated_points_are_checked_on_a_sample(folder):
    raw = base()
    raw["project"]["data"]["n_samples"] = 1_000_000
    raw["steps"] = [dict(raw["steps"][0], apply={"data": {"seed": i}}) for i in range(MAX_DATA_SETTINGS - 1)]
    lesson, seconds, peak = measured(lambda: load_lesson(write(folder, raw)))
    assert isinstance(lesson, Lesson), lesson
    assert lesson.data.n_samples == 1_000_000  # the lesson keeps its setting
    assert seconds < MAX_SECONDS and peak < 16 << 20, (seconds, peak)


# ------------------------------------------------------------------------------ mutations
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.data_too_large])
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1, 2, 4096, 10**29, 1e308, 0.5, "", EVIL, "LossView", "SurfaceView", "set_mode",
                     "relu", "adam", "csv", "data/one_neuron.csv", "/dev/zero", "spiral", "regression"]),
    st.text(max_size=12),
)
_VALUES = st.recursive(_SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    st.text(max_size=6) | st.sampled_from(["w", "b", "units", "view", "call", "args", "train", "data", "hidden"]),
    c, max_size=4), max_leaves=10)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _loads_or_is_refused(path: Path) -> None:
    result, seconds, peak = measured(lambda: load_lesson(path))
    assert seconds < MAX_SECONDS and peak < 64 << 20, (seconds, peak)
    if isinstance(result, LessonError):
        check_message(str(result))
        return
    assert isinstance(result, Lesson), repr(result)
    lesson_state(result)
    for i in range(len(result.steps)):
        try:
            step_state(result, i)
        except LessonError as exc:
            check_message(str(exc))


LESSONS = sorted(p.name for p in LESSON_DIR.glob("*.json"))


@FUZZ
@given(data=st.data())
def test_mutated_bytes_of_a_lesson(folder, data):
    raw = bytearray((LESSON_DIR / data.draw(st.sampled_from(LESSONS))).read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, max(0, len(raw) - 1)))
        op = data.draw(st.sampled_from(["flip", "cut", "delete", "insert"]))
        if op == "flip" and raw:
            raw[i] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "cut":
            del raw[i:]
        elif op == "delete":
            del raw[i:i + data.draw(st.integers(1, 32))]
        else:
            raw[i:i] = data.draw(st.sampled_from([b"[", b"{", b"\\u", b"\\ud800", b"\x1b", b"\xff", b"9" * 40, b","]))
    _loads_or_is_refused(write(folder, bytes(raw), "fuzz.json"))


@FUZZ
@given(data=st.data())
def test_mutated_lesson_json(folder, data):
    raw = base(data.draw(st.sampled_from(LESSONS)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(raw)[1:]))
        parent = raw
        for k in path[:-1]:
            parent = parent[k]
        op = data.draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if op == "delete":
            del parent[path[-1]]
        elif op == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=6))] = data.draw(_VALUES)
        else:
            parent[path[-1]] = data.draw(_VALUES)
    _loads_or_is_refused(write(folder, raw, "fuzz.json"))
