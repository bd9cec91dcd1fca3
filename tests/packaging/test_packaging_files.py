"""The packaging files are valid and consistent, and ``--self-test`` passes from the source tree.

Quick: nothing is built here (tests/packaging/test_bundle.py builds and runs the bundle).
The desktop entry and the AppStream metainfo are checked by Debian's validators when they
are installed (``desktop-file-utils``, ``appstream``), and by the checks below in any case.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import nnstudio

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"
DESKTOP = RESOURCES / "nnstudio.desktop"
METAINFO = RESOURCES / "io.github.nnstudio.nnstudio.metainfo.xml"
MIME = RESOURCES / "nnstudio-mime.xml"
SPEC = PACKAGING / "nnstudio.spec"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYTHONPATH"):
        env.pop(key, None)
    env.update(NNSTUDIO_CONFIG_DIR=str(tmp_path / "config"), PYTHONPATH=str(ROOT), **extra)
    return env


# ============================================================================ desktop entry
def test_desktop_file_validates():
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    out = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    problems = [line for line in (out.stdout + out.stderr).splitlines() if "error" in line or "warning" in line]
    assert not problems, problems


def test_desktop_file_content():
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "nnstudio" and d["Terminal"] == "false"
    assert d["Exec"].split()[0] == "nnstudio" and "%f" in d["Exec"]  # install.sh rewrites the path
    assert d["Icon"] == "nnstudio" and (RESOURCES / "icons" / "nnstudio.svg").exists()
    categories = d["Categories"].rstrip(";").split(";")
    assert {"Education", "Science"} <= set(categories)
    # the name the app gives Qt (setDesktopFileName) is this file's, so Wayland finds the icon
    assert d["StartupWMClass"] == "nnstudio"
    assert "application/x-nnstudio-project" in d["MimeType"]


def test_mime_type_matches_the_desktop_file():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(MIME).getroot()
    mime = root.find("m:mime-type", ns)
    assert mime is not None and mime.get("type") == "application/x-nnstudio-project"
    assert mime.find("m:glob", ns).get("pattern") == "*.nnproj"


# ============================================================================ AppStream
def test_metainfo_validates():
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli is not installed (Debian: appstream)")
    out = subprocess.run([tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not re.search(r"^[EW]:", out.stdout, re.M), out.stdout  # infos (I:) are fine


def test_metainfo_content():
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == "io.github.nnstudio.nnstudio"
    assert root.findtext("summary") and root.find("description/p") is not None
    assert {c.text for c in root.findall("categories/category")} == {"Education", "Science"}
    assert root.find("content_rating").get("type").startswith("oars")
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("provides/binary") == "nnstudio"
    releases = root.findall("releases/release")
    # the newest release comes first and is the version being built
    assert releases and releases[0].get("version") == nnstudio.__version__
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", releases[0].get("date", ""))


# ============================================================================ pyproject and licences
def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_pyproject_lists_every_package():
    """setuptools installs only the listed packages: a new subpackage left out of the
    list works in the source tree and is missing from the wheel."""
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "nnstudio").rglob("__init__.py")}
    assert found - listed == set(), "add these to [tool.setuptools] packages"


def test_licence_metadata_is_an_spdx_expression_with_licence_files():
    meta = _pyproject()
    project = meta["project"]
    assert project["license"] == "MIT"  # PEP 639: a string, not the table form
    assert project["license-files"] == ["LICENSE", "resources/datasets/ATTRIBUTION.md"]
    for name in project["license-files"]:
        assert (ROOT / name).is_file(), name
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "the nnstudio authors" in licence
    # setuptools 77 is the first to accept the string form and write License-Expression
    assert "setuptools>=77.0.3" in meta["build-system"]["requires"]
    assert re.search(r'\(ROOT / "LICENSE"\)', SPEC.read_text(encoding="utf-8"))  # the bundle carries it


@pytest.mark.slow
def test_the_wheel_carries_the_licence_expression_and_files(tmp_path):
    """Build the wheel as pip does (isolated build environment, from the package index)."""
    import zipfile

    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600, env=_env(tmp_path))
    assert run.returncode == 0, run.stderr[-3000:]
    wheel = next(tmp_path.glob("nnstudio-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = z.read(info).decode("utf-8")
    assert "License-Expression: MIT" in metadata
    assert "License-File: LICENSE" in metadata and "License-File: resources/datasets/ATTRIBUTION.md" in metadata
    dist_info = info.rsplit("/", 1)[0]
    assert f"{dist_info}/licenses/LICENSE" in names
    assert f"{dist_info}/licenses/resources/datasets/ATTRIBUTION.md" in names
    assert "nnstudio/core/export/program.py" in names and "nnstudio/resources/datasets/iris.csv" in names


# ============================================================================ spec and scripts
def test_the_spec_is_python_and_every_file_it_names_exists():
    text = SPEC.read_text(encoding="utf-8")
    ast.parse(text)  # PyInstaller executes it as Python
    bases = {"HERE": PACKAGING, "ROOT": ROOT, "RESOURCES": RESOURCES}
    named = re.findall(r'\b(HERE|ROOT|RESOURCES)((?:\s*/\s*"[^"]+")+)', text)
    paths = {bases[b].joinpath(*re.findall(r'"([^"]+)"', parts)) for b, parts in named}
    paths = {p for p in paths if "build" not in p.parts}  # the icons are made by build.py
    assert len(paths) >= 4, paths
    missing = sorted(str(p) for p in paths if not p.exists())
    assert not missing, missing
    assert (RESOURCES / "__init__.py").exists()  # added to the bundle as nnstudio.resources


def test_the_spec_leaves_out_what_nnstudio_does_not_use():
    text = SPEC.read_text(encoding="utf-8")
    for name in ("tkinter", "torch", "keras", "scipy", "IPython", "matplotlib", "PySide6.QtNetwork",
                 "PySide6.QtQml", "PySide6.QtQuick", "PyQt5", "PyQt6"):
        assert f'"{name}"' in text, name
    for name in ("pyqtgraph.opengl", "PySide6.QtOpenGLWidgets", "PySide6.QtSvg", "OpenGL.GL"):
        assert f'"{name}"' in text, name


def _load_build_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("nnstudio_packaging_build", PACKAGING / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_files_exist_and_icons_render(tmp_path):
    build = _load_build_script()  # importing it loads no Qt
    for script in ("install.sh", "uninstall.sh", "README.txt"):
        assert (PACKAGING / "linux" / script).exists()
    assert (PACKAGING / "nnstudio_main.py").exists()
    assert build.version() == nnstudio.__version__
    # rendering needs a QGuiApplication: in a child process, so this one keeps none
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import build; from pathlib import Path; "
            "build.make_icons(Path(sys.argv[2]))")
    run = subprocess.run([sys.executable, "-c", code, str(PACKAGING), str(tmp_path)], capture_output=True,
                         text=True, timeout=120, env=_env(tmp_path))
    assert run.returncode == 0, run.stderr
    png = (tmp_path / "nnstudio-256.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[16:24] == (256).to_bytes(4, "big") * 2
    ico = (tmp_path / "nnstudio.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and int.from_bytes(ico[4:6], "little") == len(build.ICO_SIZES)
    icns = (tmp_path / "nnstudio.icns").read_bytes()
    assert icns[:4] == b"icns" and int.from_bytes(icns[4:8], "big") == len(icns)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell scripts")
def test_shell_scripts_parse():
    sh = shutil.which("sh")
    assert sh
    for script in ("install.sh", "uninstall.sh"):
        out = subprocess.run([sh, "-n", str(PACKAGING / "linux" / script)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr


# ============================================================================ --self-test
def test_self_test_passes_from_the_source_tree(tmp_path):
    out_dir = tmp_path / "shots"
    run = subprocess.run(
        [sys.executable, "-m", "nnstudio", "--self-test", "--seconds", "1.5", "--out", str(out_dir)],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
        env=_env(tmp_path, QT_QPA_PLATFORM="offscreen"),
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "self-test passed" in run.stdout and "training loss" in run.stdout
    assert (out_dir / "window.png").stat().st_size > 10_000
    assert len(list(out_dir.glob("*View.png"))) >= 3
    log = (out_dir / "selftest.log").read_text(encoding="utf-8")
    assert "Qt platform: offscreen" in log


def test_self_test_failure_is_one_line_with_a_reason(tmp_path):
    # the main window cannot be imported (as in a bundle that misses a module)
    script = (
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'nnstudio.app.main_window':\n"
        "            raise ModuleNotFoundError('No module named pyqtgraph_missing', name='pyqtgraph_missing')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from nnstudio.__main__ import main\n"
        f"sys.exit(main(['--self-test', '--seconds', '0.5', '--out', {str(tmp_path / 'shots')!r}]))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env=_env(tmp_path))
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("nnstudio: self-test failed: the main window cannot be imported")
    assert "pyqtgraph_missing" in lines[0] and "selftest.log" in lines[0]


def test_self_test_arguments_are_parsed_before_qt_is_imported(tmp_path):
    script = (
        "import sys\n"
        "from nnstudio.__main__ import main\n"
        "try:\n"
        "    main(['--self-test', '--help'])\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "print(code, any(m.startswith('PySide6') for m in sys.modules))\n"
        "try:\n"
        "    main(['--self-test', '--seconds', 'soon'])\n"
        "except SystemExit as e:\n"
        "    print(e.code, any(m.startswith('PySide6') for m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env=_env(tmp_path))
    assert "--seconds" in run.stdout and "--out" in run.stdout and "--display" in run.stdout
    assert run.stdout.strip().splitlines()[-2:] == ["0 False", "2 False"], run.stdout + run.stderr
    assert "invalid float value" in run.stderr
