"""A whole configuration as one line of text, to paste into another nnstudio.

``nnstudio:1:`` followed by the base64url text (no padding) of the zlib-compressed
canonical JSON ``{"data": …, "network": …, "train": …}`` (keys sorted, no spaces):
the network, the data recipe (generator or bundled set, its number of points, noise,
seed and validation share, the input features) and every training setting, but no
weights — the same seed then draws the same weights, so the receiver trains the same
run. Painted points and CSV files are not recipes and are refused (save a project
to share them).

A share string arrives from anyone (a chat, a worksheet, a web page), so reading one
is bounded before anything is decoded: at most :data:`MAX_CHARS` characters, at most
:data:`MAX_JSON_BYTES` bytes once inflated (a "decompression bomb" stops there, having
cost that much), JSON nesting and numbers as :mod:`.safejson` allows, and only the
known fields. Every problem is a :class:`ShareStringError` with a short message;
a string made by a newer nnstudio says so.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass
from typing import Any, Mapping

from . import safejson
from .data import DataSpec
from .errors import NNStudioError
from .project_reader import MAX_PARAMETERS
from .safetext import printable
from .specs import NetworkSpec, TrainConfig

PREFIX = "nnstudio"
VERSION = 1
#: the longest share string read (characters); one of the app's takes ~500
MAX_CHARS = 20_000
#: the most bytes its JSON may inflate to (one takes ~1.5 kB)
MAX_JSON_BYTES = 64 * 1024
_KEYS = ("data", "network", "train")
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]*")
_VERSION = re.compile(r"[0-9]{1,9}")


class ShareStringError(NNStudioError, ValueError):
    """A share string that cannot be used; ``str()`` says why in a short line."""


@dataclass(frozen=True)
class SharedConfig:
    """What a share string holds."""

    network: NetworkSpec
    config: TrainConfig
    data: DataSpec


def _canonical(network: NetworkSpec, config: TrainConfig, data: DataSpec) -> bytes:
    doc = {"data": data.to_dict(), "network": network.to_dict(), "train": config.to_dict()}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      ensure_ascii=False).encode("utf-8")


def encode(network: NetworkSpec, config: TrainConfig, data: DataSpec) -> str:
    """The share string of a configuration.

    Raises
    ------
    ShareStringError
        For painted (inline) or CSV data, which a recipe cannot reproduce.
    """
    if data.source == "inline":
        raise ShareStringError("painted points are not part of a share string; save the project to share them")
    if data.source == "csv":
        raise ShareStringError("a CSV file is not part of a share string; save the project to share it")
    packed = zlib.compress(_canonical(network, config, data), 9)
    text = base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")
    return f"{PREFIX}:{VERSION}:{text}"


def decode(text: Any) -> SharedConfig:
    """The configuration a share string holds.

    Whitespace anywhere in it (a line broken by a mail program) is ignored.

    Raises
    ------
    ShareStringError
        Not a share string, damaged or cut short, too large, from a newer nnstudio, or
        holding settings that are not valid; the message says which.
    """
    if not isinstance(text, str):
        raise ShareStringError("a share string is text")
    if len(text) > 4 * MAX_CHARS:  # before any copy is made of it
        raise ShareStringError(f"the text is {len(text):,} characters long; a share string has at most "
                               f"{MAX_CHARS:,}")
    text = "".join(text.split())
    if not text:
        raise ShareStringError("there is no share string: the text is empty")
    if len(text) > MAX_CHARS:
        raise ShareStringError(f"the text is {len(text):,} characters long; a share string has at most "
                               f"{MAX_CHARS:,}")
    parts = text.split(":", 2)
    if len(parts) != 3 or parts[0].lower() != PREFIX:
        raise ShareStringError(f"this is not an nnstudio share string (one starts with '{PREFIX}:{VERSION}:'), "
                               f"but '{printable(text, 24)}'")
    version, payload = parts[1], parts[2].rstrip("=")  # padding, if a tool added it, is not needed
    if not _VERSION.fullmatch(version):
        raise ShareStringError(f"the share string's version '{printable(version, 12)}' is not a number")
    if int(version) > VERSION:
        raise ShareStringError(f"this share string was made by a newer nnstudio (version {int(version)}); "
                               f"this one reads version {VERSION}: update nnstudio to use it")
    if int(version) < 1:
        raise ShareStringError(f"the share string's version {int(version)} does not exist")
    if not _PAYLOAD.fullmatch(payload):
        raise ShareStringError("the share string is damaged: it holds characters a share string never has")
    if len(payload) % 4 == 1:  # no base64 text has this length
        raise ShareStringError("the share string is cut short or damaged: copy all of it, to its last character")
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise ShareStringError("the share string is damaged (it is not base64 text)") from None
    return _parse(_inflate(packed))


def _inflate(packed: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed, MAX_JSON_BYTES + 1)
    except zlib.error:
        raise ShareStringError("the share string is damaged or cut short (its compressed data is broken)") from None
    if len(raw) > MAX_JSON_BYTES:
        raise ShareStringError(f"the share string unpacks to more than {MAX_JSON_BYTES // 1024} kB; "
                               "no configuration is that large")
    if not inflater.eof:
        raise ShareStringError("the share string is cut short: copy all of it, to its last character")
    if inflater.unused_data:
        raise ShareStringError("the share string is damaged: something follows its end")
    return raw


def _parse(raw: bytes) -> SharedConfig:
    try:
        doc = safejson.loads(raw.decode("utf-8"), object_pairs_hook=safejson.unique_keys)
    except UnicodeDecodeError:
        raise ShareStringError("the share string is damaged (its text is not UTF-8)") from None
    except (safejson.JSONLimitError, json.JSONDecodeError) as exc:
        raise ShareStringError(f"the share string is damaged ({printable(exc, 80)})") from None
    except RecursionError:
        raise ShareStringError("the share string is damaged (it nests too deeply)") from None
    if not isinstance(doc, dict):
        raise ShareStringError("the share string does not hold a configuration")
    unknown = sorted(k for k in doc if k not in _KEYS)
    missing = [k for k in _KEYS if k not in doc]
    if unknown or missing:
        problem = (f"unknown part(s) {', '.join(repr(printable(k, 20)) for k in unknown[:3])}" if unknown
                   else f"no {', '.join(missing)} settings")
        raise ShareStringError(f"the share string holds {problem}; it holds data, network and train settings")
    data = _spec(DataSpec, doc["data"], "data")
    if data.source not in ("generator", "bundled"):
        raise ShareStringError(f"the share string's data must be a generated or bundled data set, "
                               f"not {printable(data.source, 20)} data")
    network = _spec(NetworkSpec, doc["network"], "network")
    if network.n_parameters > MAX_PARAMETERS:
        raise ShareStringError(f"the share string's network has {network.n_parameters:,} parameters; "
                               f"at most {MAX_PARAMETERS:,} are allowed")
    config = _spec(TrainConfig, doc["train"], "training")
    return SharedConfig(network, config, data)


def _spec(cls: Any, value: Any, what: str) -> Any:
    if not isinstance(value, Mapping):
        raise ShareStringError(f"the share string's {what} settings are not a JSON object")
    try:
        return cls.from_dict(value)
    except NNStudioError as exc:
        raise ShareStringError(f"the share string's {what} settings are not valid: {printable(exc, 160)}") from None
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
        raise ShareStringError(f"the share string's {what} settings are not valid") from None


__all__ = ["MAX_CHARS", "MAX_JSON_BYTES", "PREFIX", "VERSION", "SharedConfig", "ShareStringError", "decode",
           "encode"]
