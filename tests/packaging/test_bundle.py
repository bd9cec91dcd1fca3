"""Build the packaged program with packaging/build.py and run it as a learner would.

Slow (a PyInstaller build: ~30-60 s on 2 cores), and run in CI: PyInstaller comes with
the test extra, and its absence fails here, loudly, instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Iterator

import pytest

import nnstudio

ROOT = Path(__file__).resolve().parents[2]
EXE = "nnstudio.exe" if sys.platform == "win32" else "nnstudio"
NOT_BUNDLED = ("torch", "keras", "scipy", "matplotlib", "IPython", "tkinter", "_tkinter", "PyQt5", "PyQt6",
               "PySide2", "pandas", "tensorflow", "pytest", "hypothesis")

pytestmark = pytest.mark.slow


def _no_display_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYTHONPATH", "PYTHONHOME"):
        env.pop(key, None)
    env["NNSTUDIO_CONFIG_DIR"] = str(tmp / "config")
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[dict[str, Path]]:
    try:
        import PyInstaller
    except ImportError:
        pytest.fail("PyInstaller is not installed, so the bundle cannot be built: install the test extra "
                    "(pip install -e '.[test]'), which includes it", pytrace=False)
    print(f"\nPyInstaller {PyInstaller.__version__}")
    base = tmp_path_factory.mktemp("bundle")
    dist, work = base / "dist", base / "work"
    t0 = time.monotonic()
    run = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(dist),
                          "--work", str(work)], capture_output=True, text=True, timeout=1800, cwd=ROOT)
    seconds = time.monotonic() - t0
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    print(f"\nbuild took {seconds:.0f} s")
    archives = sorted(dist.glob("nnstudio-*.tar.gz")) if sys.platform.startswith("linux") else []
    yield {"dist": dist, "work": work, "bundle": dist / "nnstudio", "program": dist / "nnstudio" / EXE,
           "archive": archives[0] if archives else dist / "none", "base": base}
    shutil.rmtree(base, ignore_errors=True)  # ~500 MB of build, bundle and archive


def test_frozen_version_works_without_a_display(built, tmp_path):
    run = subprocess.run([str(built["program"]), "--version"], capture_output=True, text=True, timeout=60,
                         env=_no_display_env(tmp_path))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"nnstudio {nnstudio.__version__}"


def test_frozen_command_line_trains_an_example(built, tmp_path):
    example = built["bundle"] / "_internal" / "nnstudio" / "resources" / "examples" / "xor.nnproj"
    assert example.exists()
    run = subprocess.run([str(built["program"]), "train", str(example), "--epochs", "3"], capture_output=True,
                         text=True, timeout=120, env=_no_display_env(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "finished the 3 epochs" in run.stdout


def test_frozen_self_test_passes_without_a_display(built, tmp_path):
    out_dir = tmp_path / "shots"
    run = subprocess.run([str(built["program"]), "--self-test", "--seconds", "2", "--out", str(out_dir)],
                         capture_output=True, text=True, timeout=300, env=_no_display_env(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "self-test passed" in run.stdout
    assert (out_dir / "window.png").stat().st_size > 10_000
    log = (out_dir / "selftest.log").read_text(encoding="utf-8")
    assert "frozen=True" in log and "Qt platform: offscreen" in log


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (pytest-xvfb starts one when Xvfb is installed)")
def test_frozen_self_test_on_a_display_draws_opengl(built, tmp_path):
    env = _no_display_env(tmp_path)
    env["DISPLAY"] = os.environ["DISPLAY"]
    for key in ("XAUTHORITY",):
        if key in os.environ:
            env[key] = os.environ[key]
    out_dir = tmp_path / "shots"
    run = subprocess.run([str(built["program"]), "--self-test", "--display", "--seconds", "1.5", "--out",
                          str(out_dir)], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3-D view drawn" in run.stdout
    assert "Qt platform: xcb" in (out_dir / "selftest.log").read_text(encoding="utf-8")


def test_bundle_holds_what_nnstudio_needs_and_nothing_big_it_does_not(built):
    from PyInstaller.archive.readers import CArchiveReader

    internal = built["bundle"] / "_internal"
    modules = set(CArchiveReader(str(built["program"])).open_embedded_archive("PYZ.pyz").toc)
    assert {"nnstudio.app.main_window", "nnstudio.app.selftest", "nnstudio.resources", "pyqtgraph.opengl",
            "OpenGL.GL", "qtawesome", "platformdirs"} <= modules
    bundled = sorted(m for m in modules if m.split(".")[0] in NOT_BUNDLED)
    assert not bundled, bundled[:20]
    assert not [p.name for p in internal.iterdir() if p.name.split(".")[0] in NOT_BUNDLED]

    resources = internal / "nnstudio" / "resources"
    assert len(list((resources / "examples").glob("*.nnproj"))) >= 3
    assert (resources / "datasets" / "iris.csv").exists() and (resources / "icons" / "nnstudio.svg").exists()
    assert list((internal / "qtawesome" / "fonts").glob("materialdesignicons6-*.ttf"))
    assert "nnstudio.core.export.program" in modules and "nnstudio.app.about_dialog" in modules
    # nnstudio's licence next to the package, where Help › About finds it
    assert (internal / "nnstudio" / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    qt = internal / "PySide6" / "Qt"
    plugins = {str(p.relative_to(qt / "plugins")) for p in (qt / "plugins").rglob("*") if p.is_file()}
    if sys.platform.startswith("linux"):
        for needed in ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "platforms/libqwayland.so",
                       "imageformats/libqsvg.so", "iconengines/libqsvgicon.so",
                       "xcbglintegrations/libqxcb-glx-integration.so"):
            assert needed in plugins, needed
        libs = [p.name for p in (qt / "lib").iterdir()]
        assert not [n for n in libs if any(q in n for q in ("Qt6Network", "Qt6Qml", "Qt6Quick", "Qt6Pdf"))], libs
        assert not [p for p in plugins if "qgtk3" in p or "eglfs" in p]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tar.gz and install.sh are made on Linux")
def test_archive_size_and_layout(built):
    archive = built["archive"]
    mb = archive.stat().st_size / 1e6
    print(f"\narchive {archive.name}: {mb:.0f} MB")
    assert mb < 150
    top = archive.name.removesuffix(".tar.gz")
    assert top.startswith(f"nnstudio-{nnstudio.__version__}-linux-")  # -x86_64, -arm64
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    for name in ("install.sh", "uninstall.sh", "README.txt", "nnstudio/nnstudio", "share/applications/nnstudio.desktop",
                 "share/metainfo/io.github.nnstudio.nnstudio.metainfo.xml", "share/mime/packages/nnstudio.xml",
                 "share/icons/hicolor/scalable/apps/nnstudio.svg", "share/icons/hicolor/256x256/apps/nnstudio.png"):
        assert f"{top}/{name}" in members, name
    assert members[f"{top}/install.sh"].mode & 0o111 and members[f"{top}/nnstudio/nnstudio"].mode & 0o111
    assert all(m.uid == 0 for m in members.values())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="install.sh is for Linux")
def test_install_run_reinstall_uninstall(built, tmp_path):
    with tarfile.open(built["archive"]) as tar:
        if hasattr(tarfile, "tar_filter"):  # Python 3.11.4 and later
            tar.extractall(tmp_path / "unpacked", filter="tar")
        else:
            tar.extractall(tmp_path / "unpacked")
    unpacked = next((tmp_path / "unpacked").iterdir())
    prefix = tmp_path / "prefix with space"
    env = _no_display_env(tmp_path)
    env["HOME"] = str(tmp_path / "home")

    run = subprocess.run(["sh", str(unpacked / "install.sh"), str(prefix)], capture_output=True, text=True,
                         timeout=300, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    appdir = prefix / "share" / "nnstudio"
    launcher = prefix / "bin" / "nnstudio"
    desktop = prefix / "share" / "applications" / "nnstudio.desktop"
    icon = prefix / "share" / "icons" / "hicolor" / "scalable" / "apps" / "nnstudio.svg"
    assert launcher.is_symlink() and launcher.resolve() == (appdir / "nnstudio").resolve()
    assert icon.exists() and (appdir / "uninstall.sh").exists() and (appdir / "_internal").is_dir()
    text = desktop.read_text(encoding="utf-8")
    assert f'Exec="{appdir}/nnstudio" %f' in text and f"TryExec={appdir}/nnstudio" in text
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr

    run = subprocess.run([str(launcher), "--version"], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0 and run.stdout.strip() == f"nnstudio {nnstudio.__version__}", run.stderr

    # the user's autosave lives in the same folder (platformdirs' data dir on Linux): kept throughout
    (appdir / "autosave.nnproj").write_bytes(b"work in progress")
    run = subprocess.run(["sh", str(unpacked / "install.sh"), str(prefix)], capture_output=True, text=True,
                         timeout=300, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (appdir / "autosave.nnproj").read_bytes() == b"work in progress"

    run = subprocess.run(["sh", str(appdir / "uninstall.sh")], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not launcher.exists() and not launcher.is_symlink() and not desktop.exists() and not icon.exists()
    assert not (appdir / "_internal").exists() and not (appdir / "nnstudio").exists()
    assert (appdir / "autosave.nnproj").read_bytes() == b"work in progress"
    run = subprocess.run(["sh", str(unpacked / "uninstall.sh"), str(prefix)], capture_output=True, text=True, env=env)
    assert run.returncode == 1 and "not installed" in run.stderr
    shutil.rmtree(tmp_path / "unpacked", ignore_errors=True)  # ~200 MB
