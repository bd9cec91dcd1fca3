"""Names with right-to-left letters or bidi controls, printed by the command line.

A project's name, its data set's column and class names, run B's note and the reason
training stopped come from the file. In the terminal each is escaped (every bidi control
of the file becomes a visible ``\\u202e`` …) and, when it still holds right-to-left
letters, put in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, so that a bidi terminal
cannot reorder the rest of the line around it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.cli import main
from nnstudio.core.project import load_project, save_project

FSI, PDI = "\u2068", "\u2069"
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
HEBREW = "\u05e9\u05dc\u05d5\u05dd"  # שלום
ARABIC = "\u0645\u0639\u062f\u0644"  # معدل


def named(tmp_path: Path, name: str, stopped: str | None = None) -> Path:
    path = tmp_path / "p.nnproj"
    assert main(["new", str(path), "--data", "xor", "--samples", "60"]) == 0
    assert main(["train", str(path), "--iterations", "3", "--save", "-q"]) == 0
    project = load_project(path)
    project.name = name
    if stopped is not None:
        project.trainer_state.stopped = stopped
    save_project(path, project)
    return path


def controls_of(text: str) -> list[str]:
    return [c for c in text if c in BIDI_CONTROLS]


@pytest.mark.parametrize("name, shown", [
    (f"{HEBREW} 2", f"{FSI}{HEBREW} 2{PDI}"),
    (f"lesson {ARABIC}", f"{FSI}lesson {ARABIC}{PDI}"),
    ("a\u202eevil", "a\\u202eevil"),
    (f"{HEBREW}\u202e\u2066x\u2067\u2068\u2069", f"{FSI}{HEBREW}\\u202e\\u2066x\\u2067\\u2068\\u2069{PDI}"),
    ("\u2069\u2069 closes", "\\u2069\\u2069 closes"),
    ("plain", "plain"),
])
def test_info_isolates_a_right_to_left_name_and_escapes_bidi_controls(tmp_path, capsys, name, shown):
    path = named(tmp_path, name)
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(shown + "  (")
    # the only bidi controls on the line are one balanced isolate made by the program
    assert controls_of(first) == ([FSI, PDI] if FSI in shown else [])
    assert first.endswith(")")


def test_the_reason_training_stopped_is_isolated_too(tmp_path, capsys):
    path = named(tmp_path, "p", stopped=f"{HEBREW}\u202e 9")
    capsys.readouterr()
    assert main(["train", str(path), "--iterations", "2"]) == 0
    err = capsys.readouterr().err
    assert f"training had already stopped: {FSI}{HEBREW}\\u202e 9{PDI}; nothing to do" in err
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"stopped:  {FSI}{HEBREW}\\u202e 9{PDI}" in out.splitlines()


def test_an_error_quoting_a_right_to_left_file_name_isolates_it(tmp_path, capsys):
    path = tmp_path / f"{HEBREW} 2.nnproj"
    path.write_bytes(b"not a zip")
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnstudio: error: ") and err.count("\n") == 1
    assert f"{FSI}{HEBREW}{PDI} 2.nnproj" in err and controls_of(err) == [FSI, PDI]


def test_an_error_quoting_an_override_escapes_it(tmp_path, capsys):
    path = tmp_path / "a\u202eb.nnproj"
    path.write_bytes(b"not a zip")
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert "a\\u202eb.nnproj" in err and controls_of(err) == []
