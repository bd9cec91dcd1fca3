"""nnstudio.core is the NumPy-only engine: it must never import Qt (or pyqtgraph)."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import nnstudio.core

QT_PREFIXES = ("PySide6", "PyQt", "pyqtgraph", "shiboken")
CORE_DIR = pathlib.Path(nnstudio.core.__file__).parent

SCRIPT = f"""
import importlib, pkgutil, sys
import nnstudio.core
names = ["nnstudio.core"]
for info in pkgutil.walk_packages(nnstudio.core.__path__, "nnstudio.core."):
    names.append(info.name)
    importlib.import_module(info.name)
bad = sorted(m for m in sys.modules if m.startswith({QT_PREFIXES!r}))
assert not bad, bad
assert len(names) >= 10, names
print(len(names))
"""


def test_importing_every_core_module_loads_no_qt():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 10


def _imported_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module", "__import__"
        ):
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.add(arg.value)
    return names


def test_no_core_source_file_imports_qt():
    files = sorted(CORE_DIR.rglob("*.py"))
    assert len(files) >= 10
    offenders = {}
    for f in files:
        bad = sorted(m for m in _imported_modules(f) if m.startswith(QT_PREFIXES))
        text = f.read_text(encoding="utf-8")
        bad += [p for p in QT_PREFIXES if f"import {p}" in text or f"from {p}" in text]
        if bad:
            offenders[str(f.relative_to(CORE_DIR))] = bad
    assert not offenders, offenders


def test_the_static_scan_would_catch_an_import(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("import numpy\nfrom PySide6.QtCore import QObject\nimport pyqtgraph as pg\n", encoding="utf-8")
    mods = _imported_modules(f)
    assert {"PySide6.QtCore", "pyqtgraph", "numpy"} <= mods
