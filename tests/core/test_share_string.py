"""Share strings: a configuration round-trips exactly; anything else is refused, briefly and cheaply."""

from __future__ import annotations

import base64
import json
import time
import tracemalloc
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.safetext import MESSAGE_LIMIT
from nnstudio.core.share_string import MAX_CHARS, MAX_JSON_BYTES, ShareStringError, decode, encode
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

NETWORK = NetworkSpec(n_inputs=3, hidden=(LayerSpec(6, "relu", init="he_normal", dropout=0.1),
                                          LayerSpec(3, "leaky_relu", alpha=0.2)), task="binary")
CONFIG = TrainConfig(optimizer="adam", learning_rate=0.0123, beta1=0.8, batch_mode="minibatch", batch_size=7,
                     l2=1e-4, schedule="step", decay_rate=0.7, decay_epochs=5, seed=42, dtype="float32")
DATA = DataSpec(source="generator", name="xor", n_samples=123, noise=0.37, seed=11, validation_fraction=0.25,
                features=("x1", "x2", "x1*x2"))


def _string_of(doc: dict) -> str:
    raw = json.dumps(doc, separators=(",", ":")).encode()
    return "nnstudio:1:" + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def _doc() -> dict:
    return {"data": DATA.to_dict(), "network": NETWORK.to_dict(), "train": CONFIG.to_dict()}


def test_round_trip_is_exact_and_one_line():
    text = encode(NETWORK, CONFIG, DATA)
    assert text.startswith("nnstudio:1:") and "\n" not in text and " " not in text
    assert len(text) < 1000
    shared = decode(text)
    assert (shared.network, shared.config, shared.data) == (NETWORK, CONFIG, DATA)
    assert encode(shared.network, shared.config, shared.data) == text  # canonical: the same string again


def test_pasted_configuration_trains_the_same_run():
    shared = decode(encode(NETWORK, CONFIG, DATA))
    runs = []
    for net, cfg, data in ((NETWORK, CONFIG, DATA), (shared.network, shared.config, shared.data)):
        trainer = Trainer(net, cfg, prepare(data))
        for _ in range(5):
            trainer.step()
        runs.append(trainer.network.get_flat().copy())
    assert (runs[0] == runs[1]).all()


def test_whitespace_and_a_wrapped_line_are_ignored():
    text = encode(NETWORK, CONFIG, DATA)
    wrapped = "  " + "\n".join(text[i:i + 60] for i in range(0, len(text), 60)) + "\n"
    assert decode(wrapped).config == CONFIG


@pytest.mark.parametrize("source, path", [("inline", ""), ("csv", "/tmp/x.csv")])
def test_painted_and_csv_data_are_not_shared(source, path):
    data = DataSpec(source=source, csv_path=path) if source == "csv" else DataSpec(source="inline")
    with pytest.raises(ShareStringError, match="save the project"):
        encode(NETWORK, CONFIG, data)


def _refused(text: object, *words: str) -> str:
    with pytest.raises(ShareStringError) as err:
        decode(text)
    message = str(err.value)
    assert len(message) <= MESSAGE_LIMIT and message.isprintable(), message
    for w in words:
        assert w in message, message
    return message


def test_malformed_strings_say_what_is_wrong():
    good = encode(NETWORK, CONFIG, DATA)
    _refused("", "empty")
    _refused("   \n", "empty")
    _refused(None, "text")
    _refused("https://example.org/#nnstudio", "not an nnstudio share string")
    _refused("\x1b[2J" + "x" * 100, "not an nnstudio share string")
    _refused("nnstudio:2:" + good[11:], "newer nnstudio", "version 2")
    _refused("nnstudio:99999:abc", "newer nnstudio")
    _refused("nnstudio:0:abc", "does not exist")
    _refused("nnstudio:one:abc", "not a number")
    _refused(good[:-10], "cut short")
    _refused(good[:40], "cut short")
    _refused(good + "!", "damaged")
    _refused("nnstudio:1:" + "A" * 40, "damaged")
    _refused("nnstudio:1:" + base64.urlsafe_b64encode(zlib.compress(b"[1,2]")).decode(), "configuration")
    _refused("nnstudio:1:" + base64.urlsafe_b64encode(zlib.compress(b"\xff\xfe")).decode(), "UTF-8")
    _refused("nnstudio:1:" + base64.urlsafe_b64encode(zlib.compress(b"x") + b"junk").decode(), "follows its end")


def test_wrong_settings_name_the_part():
    doc = _doc()
    doc["train"]["learning_rate"] = -1
    _refused(_string_of(doc), "training settings are not valid", "learning rate")
    doc = _doc()
    doc["network"]["hidden"][0]["units"] = 10**25
    _refused(_string_of(doc), "network settings")
    doc = _doc()
    doc["weights"] = [1, 2]
    _refused(_string_of(doc), "unknown part")
    doc = _doc()
    del doc["data"]
    _refused(_string_of(doc), "no data settings")
    doc = _doc()
    doc["data"] = {"source": "csv", "csv_path": "/etc/passwd"}
    _refused(_string_of(doc), "generated or bundled")
    doc = _doc()
    doc["network"]["hidden"] = [{"units": 4096}] * 10
    _refused(_string_of(doc), "parameters")


def test_decompression_bombs_and_huge_texts_cost_little():
    bomb = "nnstudio:1:" + base64.urlsafe_b64encode(zlib.compress(b"[" * 10 + b" " * 12_000_000, 9)).decode()
    assert len(bomb) < MAX_CHARS  # small enough to reach the inflater
    huge = "nnstudio:1:" + "A" * 10_000_000
    tracemalloc.start()
    t0 = time.perf_counter()
    _refused(bomb, "unpacks to more than")
    _refused(huge, "characters long")
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < 1.0 and peak < 8 * MAX_JSON_BYTES + (1 << 20), (seconds, peak)


def test_deep_nesting_and_huge_numbers_are_refused():
    deep: list = [1]
    for _ in range(40):
        deep = [deep]
    _refused(_string_of({"data": deep, "network": {}, "train": {}}), "nests")
    raw = b'{"data":{},"network":{},"train":{"seed":' + b"9" * 400 + b"}}"
    _refused("nnstudio:1:" + base64.urlsafe_b64encode(zlib.compress(raw)).decode(), "digits")


# ============================================================================ mutations (hypothesis)
# Every mutated string either decodes to valid settings — which then encode and decode
# to the same settings — or is refused with a short ShareStringError, quickly.
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD = encode(NETWORK, CONFIG, DATA)
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:=+/ \n\x00é"


def _decodes_or_is_refused(text: str) -> None:
    t0 = time.perf_counter()
    try:
        shared = decode(text)
    except ShareStringError as exc:
        message = str(exc)
        assert message and len(message) <= MESSAGE_LIMIT and message.isprintable(), message
    else:
        again = decode(encode(shared.network, shared.config, shared.data))
        assert (again.network, again.config, again.data) == (shared.network, shared.config, shared.data)
    assert time.perf_counter() - t0 < 1.0


@FUZZ
@given(data=st.data())
def test_mutated_characters(data):
    chars = list(GOOD)
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["set", "delete", "insert", "cut", "swap"]))
        i = data.draw(st.integers(0, max(0, len(chars) - 1)))
        if op == "set" and chars:
            chars[i] = data.draw(st.sampled_from(_ALPHABET))
        elif op == "delete":
            del chars[i:i + data.draw(st.integers(1, 8))]
        elif op == "insert":
            chars[i:i] = data.draw(st.text(_ALPHABET, min_size=1, max_size=8))
        elif op == "cut":
            del chars[i:]
        elif len(chars) > i + 1:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    _decodes_or_is_refused("".join(chars))


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1, 4096, 10**6, 2**63, 0.5, 1e308, "", "adam", "csv", "inline", "bundled", "iris",
                     "multiclass", "regression", "huber", "\x1b[31m", "x" * 300]),
    st.text(max_size=10),
)
_VALUES = st.recursive(_SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    st.text(max_size=6) | st.sampled_from(["units", "activation", "name", "source", "task", "hidden"]), c,
    max_size=4), max_leaves=10)


def _paths(node, prefix=()):
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


@FUZZ
@given(data=st.data())
def test_mutated_json_in_a_well_formed_string(data):
    doc = _doc()
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
    _decodes_or_is_refused(_string_of(doc))


@settings(FUZZ, max_examples=100)
@given(raw=st.binary(max_size=300), version=st.sampled_from(["1", "01", "2", ""]))
def test_arbitrary_payloads(raw, version):
    packed = zlib.compress(raw) if raw[:1] != b"\x00" else raw
    _decodes_or_is_refused(f"nnstudio:{version}:" + base64.urlsafe_b64encode(packed).decode().rstrip("="))


def test_odd_inputs():
    assert decode("NNSTUDIO:1:" + GOOD[11:]).data == DATA  # the prefix in capitals, as some chats write it
    for text, words in [("nnstudio::", "not a number"), ("nnstudio:1:", "cut short"), (":::", "not an nnstudio"),
                        ("nnstudio:1:==", "cut short"), ("\ud800", "not an nnstudio")]:
        _refused(text, words)
