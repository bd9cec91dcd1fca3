"""No text in a project can add code to an exported program.

Names, paths, column and class names reach the generated file; each attack string
below goes into each of those fields. The program must then parse to exactly the
syntax tree of a harmless export (only the values of string constants may differ),
hold the attack string as data where it is kept as data, and, when run, do nothing
but define the model and print a prediction (the injected code would create a file).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.core.data import Dataset, DataSpec, prepare
from nnstudio.core.export import export_code, export_project, project_code
from nnstudio.core.export.literals import comment, docstring, text
from nnstudio.core.network import Network
from nnstudio.core.safetext import escape_controls
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_KERAS = HAS_TORCH and importlib.util.find_spec("keras") is not None

MARKER = "nnstudio_injected_marker"
#: code an attacker wants to run: calls MARKER (a name the program never defines)
CODE = f"{MARKER}()"

ATTACKS = {
    "triple-double": f'"""\n{CODE}\n"""',
    "triple-single": f"'''\n{CODE}\n'''",
    "newline": f"\nimport os; os.system('touch x'); {CODE}  # ",
    "backslash": "\\",
    "backslash-quote": f'\\"""; {CODE} #',
    "hash": f"# \n{CODE}",
    "carriage-return": f"\r{CODE}\r",
    "nul": f"a\x00{CODE}",
    "line-separator": f"\u2028{CODE}\u2029",
    "lone-surrogate": f"\ud800{CODE}\udfff",
    "format-braces": "{} {0} {__import__('os')} {{}}",
    "bidi-override": f"\u202e{CODE}\u202c",
    "form-feed-vt": f"\x0c\x0b\x85{CODE}",
    "quotes": f"\"'{CODE}'\"",
}


def _dataset(feature_names=("u", "v"), class_names=("no", "yes"), name="plain") -> Dataset:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return Dataset(X, y, "binary", tuple(feature_names), tuple(class_names), name)


SPEC = NetworkSpec(n_inputs=3, hidden=(LayerSpec(3, "tanh"),), task="binary")
CONFIG = TrainConfig(early_stopping="target", target_metric="val_accuracy", target_value=0.9)
WEIGHTS = Network(SPEC, 0).params


def _export(field: str, value: str, framework: str) -> str:
    """Export with ``value`` in ``field`` and harmless text everywhere else."""
    ds = _dataset()
    data = DataSpec(source="csv", csv_path="data.csv", features=("x1", "x2", "x1^2"), standardize=True)
    kwargs: dict = {"name": "model", "filename": "model.py"}
    weights_file = None
    if field == "feature names":
        ds = _dataset(feature_names=(value, value + "2"))
    elif field == "class names":
        ds = _dataset(class_names=(value, value + "1"))
    elif field == "data set name":
        ds = _dataset(name=value)
    elif field == "csv path":
        data = replace(data, csv_path="data" + value)
    elif field == "program name":
        kwargs["name"] = value
    elif field == "file name":
        kwargs["filename"] = value
    elif field == "weights file":
        weights_file = value + ".npz"
    elif field == "project name":
        prepared = prepare(replace(data, source="inline"), inline=ds)
        return project_code(framework, network=SPEC, config=CONFIG, data=data, prepared=prepared,
                            weights=WEIGHTS, name=value)
    prepared = prepare(replace(data, source="inline"), inline=ds)
    return export_code(SPEC, CONFIG, WEIGHTS, framework, data, prepared=prepared,
                       weights_file=weights_file, **kwargs)


FIELDS = ["program name", "project name", "file name", "csv path", "data set name", "feature names",
          "class names", "weights file"]


def _shape(code: str) -> str:
    """The syntax tree with every string constant's value blanked: equal shapes mean
    that only data differs."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = "S"
    return ast.dump(tree)


def _check_top_level(tree: ast.Module) -> None:
    body = tree.body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)  # the docstring
    for node in body[1:]:
        if isinstance(node, ast.If):
            assert ast.unparse(node.test) == "__name__ == '__main__'"
            continue
        if isinstance(node, ast.Expr):  # the one call the Keras program makes at import
            assert ast.unparse(node) in ("keras.config.set_floatx('float64')", "keras.config.set_floatx('float32')")
            continue
        assert isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.FunctionDef, ast.ClassDef)), \
            ast.dump(node)[:200]


def _check_marker_is_data(tree: ast.Module) -> None:
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.Name) and node.id == MARKER)
        assert not (isinstance(node, ast.Attribute) and node.attr == MARKER)


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
@pytest.mark.parametrize("field", FIELDS)
def test_attack_strings_in_every_field_stay_data(field, framework):
    harmless = _shape(_export(field, "plain", framework))
    for attack_name, attack in ATTACKS.items():
        code = _export(field, attack, framework)
        tree = ast.parse(code)  # a SyntaxError here is a failure too
        _check_top_level(tree)
        _check_marker_is_data(tree)
        assert _shape(code) == harmless, f"{field}: {attack_name} changed the program's structure"


def test_names_read_back_exactly_and_the_docstring_shows_them_escaped():
    attack = ATTACKS["triple-double"] + ATTACKS["nul"] + ATTACKS["lone-surrogate"]
    ds = _dataset(feature_names=(attack, "v"), class_names=("no", attack))
    data = DataSpec(source="csv", csv_path="C:\\data\\" + attack)
    prepared = prepare(replace(data, source="inline"), inline=ds)
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(2),))
    code = export_code(spec, TrainConfig(), None, "pytorch", data, prepared=prepared, name=attack)
    ns: dict = {}
    tree = ast.parse(code)
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id in ("INPUT_NAMES", "CLASS_NAMES"):
            exec(compile(ast.Module([node], []), "x", "exec"), ns)
    assert ns["INPUT_NAMES"] == [attack, "v"] and ns["CLASS_NAMES"] == ["no", attack]
    doc = ast.get_docstring(tree, clean=False)
    # shown, not executed: control characters as escapes, one line per value
    assert 'the CSV file C:\\data\\"""\\x0a' + MARKER in doc
    assert "\\x00" in doc and "\\ud800" in doc and "\x00" not in doc and "\ud800" not in doc
    code.encode("utf-8")  # a lone surrogate would not encode: the file could not be written


def test_literal_writers():
    for value in list(ATTACKS.values()) + ["", "plain", "'", '"', "é ✓ 𝑥"]:
        assert ast.literal_eval(text(value)) == value
        assert "\n" not in text(value) and "\r" not in text(value)
        doc = ast.parse(docstring(value)).body[0].value.value
        assert doc == "\n".join(escape_controls(line) for line in value.split("\n"))
        tree = ast.parse("x = 1  " + comment(value))
        assert len(tree.body) == 1
    assert text("binary") == '"binary"' and text('say "hi"') == "'say \"hi\"'"
    assert docstring('a"\\b') == '"""a\\"\\\\b"""'


def test_export_project_paths_with_quotes_and_newlines(tmp_path):
    data = DataSpec(name="circle", n_samples=40, features=("x1", "x2", "x1^2"))
    prepared = prepare(data)
    for i, attack in enumerate(['"""\n' + CODE + '\n"""', "'''\r" + CODE, "a\u2028" + CODE + "{}"]):
        folder = tmp_path / f"d{i}"
        folder.mkdir()
        path = folder / (attack + ".py")
        files = export_project(path, "pytorch", network=SPEC, config=CONFIG, data=data, prepared=prepared,
                               weights=WEIGHTS)
        code = files[0].read_text(encoding="utf-8")
        tree = ast.parse(code)
        _check_top_level(tree)
        _check_marker_is_data(tree)


RUNNER = r"""
import json, os, runpy, sys
for path in json.load(open(sys.argv[1])):
    runpy.run_path(path, run_name="__main__")
"""


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_programs_with_every_attack_in_every_field_only_define_the_model(tmp_path):
    """Run each program as a script: the injected code would create the sentinel file."""
    sentinel = tmp_path / "INJECTED"
    effect = f"__import__('pathlib').Path({str(sentinel)!r}).touch()"
    programs = []
    frameworks = ["pytorch"] + (["keras"] if HAS_KERAS else [])
    for framework in frameworks:
        for attack_name, attack in ATTACKS.items():
            live = attack.replace(CODE, effect)
            for field in FIELDS:
                if field == "weights file":  # a companion file of that name cannot exist
                    continue
                path = tmp_path / f"{framework}_{attack_name}_{field.replace(' ', '_')}.py"
                path.write_text(_export(field, live, framework), encoding="utf-8")
                programs.append(str(path))
    (tmp_path / "programs.json").write_text(json.dumps(programs))
    (tmp_path / "runner.py").write_text(RUNNER)
    env = dict(os.environ, KERAS_BACKEND="torch")
    run = subprocess.run([sys.executable, str(tmp_path / "runner.py"), str(tmp_path / "programs.json")],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.count("[[") == len(programs)  # each printed its prediction
    assert not sentinel.exists()
    assert sorted(p.name for p in Path(tmp_path).iterdir() if not p.name.endswith(".py")) == ["programs.json"]
