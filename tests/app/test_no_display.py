"""Without a display, ``nnstudio`` says so in one line and exits with 2 (Qt would abort with 134)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nnstudio.__main__ import display_missing


def _env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update({k: v for k, v in changes.items() if v is not None})
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnstudio", *args], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland systems only")
@pytest.mark.parametrize("platform", [None, "xcb", "wayland;xcb"])
def test_the_app_without_a_display_exits_2_with_one_line(platform):
    for args in ([], ["some.nnproj"]):
        run = _run(args, _env(QT_QPA_PLATFORM=platform))
        assert run.returncode == 2, (run.returncode, run.stderr)
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1, run.stderr
        line = lines[0]
        assert line.startswith("nnstudio: error: there is no display") and len(line) < 300, line
        assert "DISPLAY" in line and "--self-test" in line and "desktop session" in line
        assert "xcb" not in line and run.stdout == ""


def test_the_command_line_needs_no_display(tmp_path):
    env = _env()
    run = _run(["--version"], env)
    assert run.returncode == 0 and run.stdout.startswith("nnstudio ")
    path = tmp_path / "p.nnproj"
    assert _run(["new", str(path), "--samples", "40"], env).returncode == 0
    run = _run(["info", str(path)], env)
    assert run.returncode == 0 and "network:" in run.stdout


def test_which_environments_have_a_display():
    linux = "linux"
    assert display_missing({}, linux)
    assert display_missing({"QT_QPA_PLATFORM": "xcb"}, linux)
    assert display_missing({"QT_QPA_PLATFORM": "wayland"}, linux)
    assert not display_missing({"DISPLAY": ":0"}, linux)
    assert not display_missing({"WAYLAND_DISPLAY": "wayland-0"}, linux)
    for headless in ("offscreen", "minimal", "vnc:size=800x600", "xcb;offscreen", "linuxfb", "eglfs"):
        assert not display_missing({"QT_QPA_PLATFORM": headless}, linux), headless
    assert not display_missing({}, "win32") and not display_missing({}, "darwin")
    assert display_missing({}, "freebsd14")
