"""Inputs a hostile tester tries, found to fail before: each is refused with a short message
(or, for a run that cannot train, stops as diverged), never a traceback or a NumPy warning.

(The pyproject turns RuntimeWarning into an error: a warning here is a failure, as an
overflow warning inside a paint can crash the app.)
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nnstudio.cli import main as cli_main
from nnstudio.core.data import DataSpec, Dataset, prepare
from nnstudio.core.errors import DataError, ProjectError, SpecError
from nnstudio.core.losses import _sum
from nnstudio.core.project import load_project, project_from_trainer, save_project
from nnstudio.core.share_string import ShareStringError, decode, encode
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]


def _project(path: Path, inline: Dataset | None = None) -> Path:
    spec = DataSpec(name="xor", n_samples=40) if inline is None else DataSpec(source="inline")
    t = Trainer(NetworkSpec(n_inputs=2, hidden=(LayerSpec(3),)), TrainConfig(), prepare(spec, inline))
    t.run(iterations=2)
    save_project(path, project_from_trainer(t, spec, inline, name="p"))
    return path


def _edit(path: Path, edit_doc: Any = None, arrays: dict[str, np.ndarray] | None = None) -> Path:
    """Rewrite a project file with ``edit_doc(doc)`` applied and some arrays replaced (the
    checksum made to match, as someone forging a file would)."""
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
        with np.load(io.BytesIO(zf.read("arrays.npz"))) as z:
            stored = {k: z[k] for k in z.files}
    if edit_doc is not None:
        edit_doc(doc)
    stored.update(arrays or {})
    buf = io.BytesIO()
    np.savez(buf, **stored)
    npz = buf.getvalue()
    doc["arrays"]["sha256"] = hashlib.sha256(npz).hexdigest()
    doc["arrays"].pop("members", None)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", npz)
    return path


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("nnstudio: error:")]
    assert len(lines) == 1, err
    return lines[0]


# ============================================================================ the command line
def test_python_m_nnstudio_cli_runs_the_command_line():
    """``python -m nnstudio.cli --help`` printed nothing and exited 0 (the module had no entry point)."""
    r = subprocess.run([sys.executable, "-m", "nnstudio.cli", "--help"], capture_output=True, text=True,
                       timeout=60, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    for command in ("new", "train", "export", "info"):
        assert command in r.stdout, r.stdout


# ============================================================================ a loss that overflows
def test_finite_losses_whose_sum_overflows_give_inf_not_overflow_error():
    big = np.full(4, 1e308)
    with np.errstate(all="ignore"):
        assert _sum(big) == np.inf  # math.fsum raised OverflowError ("intermediate overflow in fsum")
        assert _sum(np.full(100, 1e308)) == np.inf


def test_a_project_with_a_huge_output_bias_stops_as_diverged_when_reset(tmp_path, capsys):
    """A file whose network says output_bias_init 1e308 opens; ``train --reset`` draws that bias,
    and the first loss (finite terms, infinite sum) ended in a traceback (OverflowError)."""
    path = _edit(_project(tmp_path / "p.nnproj"), lambda d: d["network"].update(output_bias_init=1e308))
    assert cli_main(["train", str(path), "--iterations", "3", "--reset"]) == 1
    assert "diverged" in _one_line_error(capsys)


def test_a_trainer_with_a_huge_output_bias_stops_at_its_first_step():
    net = NetworkSpec(n_inputs=2, hidden=(LayerSpec(4),), output_bias_init=1e308)
    t = Trainer(net, TrainConfig(), prepare(DataSpec(n_samples=60)))
    t.step()
    assert t.stopped and (t.stop_info or {}).get("kind") == "divergence"


# ============================================================================ values too large to train on
HUGE_CSV = "a,b,label\n" + "".join(f"{x},{i % 7},{i % 2}\n" for i, x in
                                   enumerate([1e308, -1e308, 3, 4, 5, 6, 7, 8, 9, 10]))


@pytest.mark.parametrize("standardize", [False, True])
def test_a_csv_with_values_near_the_float_limit_is_refused_naming_the_column(tmp_path, standardize):
    """1e308 is a finite number, so it was read; then the plot range (hi - lo) and the
    standardisation (its square) overflowed, with a RuntimeWarning (an error in the app's paint)."""
    path = tmp_path / "huge.csv"
    path.write_text(HUGE_CSV)
    with pytest.raises(DataError) as e:
        prepare(DataSpec(source="csv", csv_path=str(path), standardize=standardize))
    msg = str(e.value)
    assert "'a'" in msg and "1e+308" in msg and "rescale" in msg, msg


def test_a_regression_target_near_the_float_limit_is_refused(tmp_path):
    path = tmp_path / "target.csv"
    path.write_text("x,y\n" + "".join(f"{i},{v}\n" for i, v in enumerate([1e300, 2, 3.5, 4.25, 5.5, 6.5, 7.5])))
    with pytest.raises(DataError, match="the target holds the value 1e\\+300"):
        prepare(DataSpec(source="csv", csv_path=str(path), target_column="y", categorical_target=False))


def test_the_cli_refuses_such_a_csv_with_one_line(tmp_path, capsys):
    path = tmp_path / "huge.csv"
    path.write_text(HUGE_CSV)
    assert cli_main(["new", str(tmp_path / "h.nnproj"), "--csv", str(path)]) == 2
    assert "rescale the column" in _one_line_error(capsys)
    assert not (tmp_path / "h.nnproj").exists()


def test_large_but_trainable_values_are_still_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("a,b,label\n" + "".join(f"{x},{i},{i % 2}\n" for i, x in
                                            enumerate([6.02e23, -1e40, 3e45, 1, 2, 3, 4, 5])))
    prepared = prepare(DataSpec(source="csv", csv_path=str(path), standardize=True, features=("x1", "x2")))
    assert np.all(np.isfinite(prepared.X_train)) and all(np.isfinite(prepared.domain).ravel())


def test_painted_points_near_the_float_limit_in_a_project_file_are_refused(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(-5, 5, size=(20, 2))
    ds = Dataset(X, (X[:, 0] > 0).astype(int), "binary", ("x1", "x2"), ("a", "b"), "painted")
    path = _project(tmp_path / "painted.nnproj", ds)
    X[3, 1] = -1e300
    _edit(path, arrays={"data_X": X})
    load_project(path)  # the file itself is well formed
    assert cli_main(["train", str(path), "--iterations", "1"]) == 2
    assert "the input column 'x2' holds the value -1e+300" in _one_line_error(capsys)


# ============================================================================ settings of the wrong type
@pytest.mark.parametrize("features", [3, None, True, [1, 2], [{"a": 1}], 2.5])
def test_input_features_of_the_wrong_type_are_a_spec_error(features):
    """They raised TypeError ("'int' object is not iterable", "unhashable type: 'dict'")."""
    with pytest.raises(SpecError, match="the input features must be a list of names"):
        DataSpec.from_dict({"features": features})


def test_a_project_file_with_features_of_the_wrong_type_says_so(tmp_path, capsys):
    path = _edit(_project(tmp_path / "p.nnproj"), lambda d: d["data"].update(features=7))
    assert cli_main(["info", str(path)]) == 2
    msg = _one_line_error(capsys)
    assert "the input features must be a list of names" in msg and "iterable" not in msg, msg


def _share(data: dict[str, Any]) -> str:
    import base64
    import zlib
    doc = {"data": data, "network": NetworkSpec(n_inputs=2).to_dict(), "train": TrainConfig().to_dict()}
    packed = zlib.compress(json.dumps(doc).encode())
    return "nnstudio:1:" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def test_a_share_string_with_features_of_the_wrong_type_says_which_setting():
    good = json.loads(json.dumps(DataSpec().to_dict()))
    decode(_share(good))
    with pytest.raises(ShareStringError, match="the input features must be a list"):
        decode(_share({**good, "features": {"x1": 1}}))


def test_a_slope_far_beyond_the_apps_is_refused_before_its_targets_overflow():
    """``nnstudio new --data line --slope 1e300`` made a project whose every step diverged
    ("the learning rate is too large"); the app's slope box offers ±20."""
    with pytest.raises(SpecError, match="the slope must be between"):
        DataSpec(name="line", slope=1e300)
    assert DataSpec(name="line", slope=-20).slope == -20
    with pytest.raises(ShareStringError, match="slope"):
        decode(_share({**DataSpec(name="line").to_dict(), "slope": 1e300}))
    assert decode(encode(NetworkSpec(n_inputs=1, task="regression", loss="mse"), TrainConfig(),
                         DataSpec(name="line", slope=7.5))).data.slope == 7.5


# ============================================================================ saving through a link
def test_saving_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path):
    """Save replaced the link itself with a new file: the project the link pointed to (in
    another folder, say a synced one) silently kept the old work."""
    real_dir = tmp_path / "synced"
    real_dir.mkdir()
    real = _project(real_dir / "real.nnproj")
    link = tmp_path / "link.nnproj"
    link.symlink_to(real)
    project = load_project(link)
    project.name = "saved through the link"
    save_project(link, project)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert load_project(real).name == "saved through the link"
    assert sorted(p.name for p in real_dir.iterdir()) == ["real.nnproj"]  # no temporary file left


def test_saving_through_a_dangling_link_names_the_missing_folder(tmp_path):
    link = tmp_path / "gone.nnproj"
    link.symlink_to(tmp_path / "no such folder" / "x.nnproj")
    project = load_project(_project(tmp_path / "p.nnproj"))
    with pytest.raises(ProjectError, match="the folder .*no such folder' does not exist"):
        save_project(link, project)
    assert link.is_symlink()


# ============================================================================ where an export is written
def test_export_to_a_named_pipe_is_refused_not_waited_on(tmp_path, capsys):
    """Writing the program to a FIFO waited for a reader forever (here one reads, so the old
    code wrote into the pipe instead of refusing)."""
    project = _project(tmp_path / "p.nnproj")
    fifo = tmp_path / "program.py"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert cli_main(["export", str(project), "--to", "pytorch", "-o", str(fifo)]) == 2
        assert "named pipe (FIFO)" in _one_line_error(capsys)
    finally:
        os.close(reader)


@pytest.mark.parametrize("output", ["p.nnproj", "P.NNPROJ", "other.nnproj"])
def test_export_never_writes_the_program_over_a_project(tmp_path, capsys, output):
    """``nnstudio export p.nnproj --to pytorch -o p.nnproj`` replaced the project by Python code."""
    project = _project(tmp_path / "p.nnproj")
    before = project.read_bytes()
    assert cli_main(["export", str(project), "--to", "pytorch", "-o", str(tmp_path / output)]) == 2
    assert "ending in .py" in _one_line_error(capsys)
    assert project.read_bytes() == before and load_project(project).name == "p"


def test_export_to_the_project_under_another_name_is_refused(tmp_path, capsys):
    project = _project(tmp_path / "p.nnproj")
    before = project.read_bytes()
    (tmp_path / "model.py").symlink_to(project)
    assert cli_main(["export", str(project), "--to", "keras", "-o", str(tmp_path / "model.py")]) == 2
    assert "-o names the project itself" in _one_line_error(capsys)
    assert project.read_bytes() == before


_FULL_DISK = """
import resource, signal, sys
from nnstudio.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))
sys.exit(main(sys.argv[1:]))
"""


def test_an_export_that_cannot_be_written_whole_leaves_the_previous_program(tmp_path):
    """The program was written over the old one in place: a full disk left it cut short,
    and the learner's edits to the previous export were gone."""
    project = _project(tmp_path / "p.nnproj")
    program = tmp_path / "model.py"
    program.write_text("# my own changes to the exported program\n" * 20)
    before = program.read_bytes()
    r = subprocess.run([sys.executable, "-c", _FULL_DISK, "export", str(project), "--to", "pytorch", "-o",
                        str(program)], capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "cannot write" in r.stderr and "model.py" in r.stderr, r.stderr
    assert program.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py", "p.nnproj"]  # no temporary file left


def test_a_comparison_table_over_a_pipe_or_folder_is_refused(tmp_path, capsys):
    """The tables were written into a FIFO (waiting forever without a reader; here one reads)."""
    project = _project(tmp_path / "p.nnproj")
    os.mkfifo(tmp_path / "run_loss.csv")
    reader = os.open(tmp_path / "run_loss.csv", os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert cli_main(["train", str(project), "--iterations", "2", "--compare", "lr=0.3", "-q",
                         "--csv", str(tmp_path / "run")]) == 2
        assert "named pipe (FIFO)" in _one_line_error(capsys)
    finally:
        os.close(reader)
    (tmp_path / "table_loss.csv").mkdir()
    assert cli_main(["train", str(project), "--iterations", "2", "--compare", "lr=0.3", "-q",
                     "--csv", str(tmp_path / "table")]) == 2
    assert "it is a folder" in _one_line_error(capsys)
    assert cli_main(["train", str(project), "--iterations", "2", "--compare", "lr=0.3", "-q",
                     "--csv", str(tmp_path / "no such folder" / "t")]) == 2
    msg = _one_line_error(capsys)  # the file asked for, not the temporary file beside it
    assert msg.endswith("No such file or directory: " + str(tmp_path / "no such folder" / "t_loss.csv")), msg


def test_saving_over_a_named_pipe_is_refused_and_the_pipe_stays(tmp_path):
    """The pipe was silently replaced by a project file (a device too, for root)."""
    fifo = tmp_path / "pipe.nnproj"
    os.mkfifo(fifo)
    project = load_project(_project(tmp_path / "p.nnproj"))
    with pytest.raises(ProjectError, match="it is a named pipe \\(FIFO\\), not a project file"):
        save_project(fifo, project)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# ============================================================================ a key given twice
def _with_text(path: Path, edit_text: Any) -> Path:
    with zipfile.ZipFile(path) as zf:
        text, npz = zf.read("project.json").decode("utf-8"), zf.read("arrays.npz")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", edit_text(text))
        zf.writestr("arrays.npz", npz)
    return path


@pytest.mark.parametrize("key", ["network", "learning_rate"])
def test_a_project_json_with_a_key_given_twice_is_refused(tmp_path, capsys, key):
    """json.loads kept the last of the two silently (another tool reading the file may keep the
    first: two programs would see two different projects); lesson files refused it already."""
    path = _project(tmp_path / "p.nnproj")

    def twice(text: str) -> str:
        doc = json.loads(text)
        where = doc if key == "network" else doc["train"]
        first = json.dumps(where[key])
        return text.replace(f'"{key}":', f'"{key}": {first}, "{key}":', 1)
    _with_text(path, twice)
    with pytest.raises(ProjectError, match=f"the key '{key}' appears twice in one object"):
        load_project(path)
    assert cli_main(["info", str(path)]) == 2
    assert "appears twice" in _one_line_error(capsys)


def test_a_share_string_with_a_key_given_twice_is_refused():
    import base64
    import zlib
    text = json.dumps({"data": DataSpec().to_dict(), "network": NetworkSpec(n_inputs=2).to_dict(),
                       "train": TrainConfig().to_dict()})
    text = text.replace('"learning_rate":', '"learning_rate": 5, "learning_rate":', 1)
    s = "nnstudio:1:" + base64.urlsafe_b64encode(zlib.compress(text.encode())).decode().rstrip("=")
    with pytest.raises(ShareStringError, match="the key 'learning_rate' appears twice"):
        decode(s)


# ============================================================================ a read-only destination
def test_saving_over_a_read_only_project_is_refused_and_it_survives(tmp_path, capsys):
    """The save renamed its new file over the read-only one (the folder is writable), so a
    project the learner had protected was replaced, read-only again."""
    path = _project(tmp_path / "p.nnproj")
    os.chmod(path, 0o444)
    before = path.read_bytes()
    project = load_project(path)
    project.name = "changed"
    with pytest.raises(ProjectError, match="the file is read-only: save under another name"):
        save_project(path, project)
    assert cli_main(["train", str(path), "--iterations", "2", "--save", "-q"]) == 2
    assert "is read-only" in _one_line_error(capsys)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["p.nnproj"]
    save_project(tmp_path / "copy.nnproj", project)  # under another name it saves


def test_exporting_over_a_read_only_program_is_refused(tmp_path, capsys):
    project = _project(tmp_path / "p.nnproj")
    program = tmp_path / "model.py"
    program.write_text("# kept\n")
    os.chmod(program, 0o444)
    assert cli_main(["export", str(project), "--to", "pytorch", "-o", str(program)]) == 2
    assert "is read-only" in _one_line_error(capsys)
    assert program.read_text() == "# kept\n"


# ============================================================================ counts no box can show
@pytest.mark.parametrize("setting, value, words", [
    ("batch_size", 10**12, "a batch has at most 1,000,000 samples"),
    ("patience", 10**12, "patience is at most 1,000,000 epochs"),
    ("decay_epochs", 2**40, "the epochs between decays are at most 1,000,000"),
])
def test_counts_beyond_a_million_are_refused_in_files_and_on_the_command_line(tmp_path, capsys, setting, value,
                                                                            words):
    """``nnstudio new --batch-size 1000000000000`` wrote a project whose opening in the app
    raised OverflowError in the training panel (its boxes hold 32-bit numbers, up to 10⁶)."""
    path = _edit(_project(tmp_path / "p.nnproj"), lambda d: d["train"].update({setting: value}))
    with pytest.raises(ProjectError, match=words):
        load_project(path)
    option = "--" + setting.replace("_", "-")
    assert cli_main(["new", str(tmp_path / "n.nnproj"), option, str(value)]) == 2
    assert words in _one_line_error(capsys)
    assert TrainConfig(**{setting: 10**6}).to_dict()[setting] == 10**6


# ============================================================================ a terminal that cannot show "→"
def _cli(args: list[str], encoding: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnstudio", *args], capture_output=True, timeout=120, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": encoding})


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_output_the_terminal_cannot_encode_is_escaped_not_a_traceback(tmp_path, encoding):
    """On a Windows console, or with the output redirected to a file in cp1252, "→" (info),
    "η" (a comparison's summary) ended the command in a UnicodeEncodeError traceback."""
    project = _project(tmp_path / "p.nnproj")
    info = _cli(["info", str(project)], encoding)
    assert info.returncode == 0 and b"Traceback" not in info.stderr, info.stderr
    assert b"2 \\u2192 3 tanh \\u2192 1 sigmoid" in info.stdout, info.stdout
    train = _cli(["train", str(project), "--iterations", "2", "--compare", "lr=0.3"], encoding)
    assert train.returncode == 0 and b"Traceback" not in train.stderr, train.stderr
    assert b"\\u03b7" in train.stdout


def test_an_exported_program_on_an_ascii_terminal_keeps_its_names(tmp_path):
    path = tmp_path / "seasons.csv"
    path.write_text("a,b,season\n1,2,été\n2,3,hiver\n3,4,été\n4,5,hiver\n5,6,hiver\n", encoding="utf-8")
    project = tmp_path / "s.nnproj"
    assert cli_main(["new", str(project), "--csv", str(path)]) == 0
    r = _cli(["export", str(project), "--to", "pytorch"], "ascii")
    assert r.returncode == 0 and b"Traceback" not in r.stderr, r.stderr
    names = [node.value for node in ast.walk(ast.parse(r.stdout.decode("ascii")))
             if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CLASS_NAMES"]
    assert [ast.literal_eval(v) for v in names] == [["hiver", "été"]]


def test_the_streams_are_given_back_as_they_were(tmp_path):
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    old = sys.stdout
    sys.stdout = stream
    try:
        assert cli_main(["info", str(_project(tmp_path / "p.nnproj"))]) == 0
    finally:
        sys.stdout = old
    assert stream.errors == "strict"
    stream.seek(0)
    assert "\\u2192" in stream.buffer.getvalue().decode("ascii")


# ============================================================================ empty names
@pytest.mark.parametrize("extra, words", [
    (["--out", ""], "--out needs a file name"),
    (["--out", "  "], "--out needs a file name"),
    (["--compare", "lr=0.3", "--out", ""], "--out needs a file name"),
    (["--compare", "lr=0.3", "--csv", ""], "--csv needs a file name"),
])
def test_train_with_an_empty_file_name_is_refused_before_training(tmp_path, capsys, extra, words):
    """An empty --out (a script's unset variable) was taken as no --out: the run trained and
    was silently not saved; an empty --csv wrote no tables."""
    project = _project(tmp_path / "p.nnproj")
    before = project.read_bytes()
    assert cli_main(["train", str(project), "--iterations", "2", *extra]) == 2
    assert words in _one_line_error(capsys)
    assert project.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["p.nnproj"]


def test_new_with_an_empty_csv_name_is_refused(tmp_path, capsys):
    """``--csv ""`` made a project of the generated spiral instead."""
    assert cli_main(["new", str(tmp_path / "n.nnproj"), "--csv", ""]) == 2
    assert "--csv needs a file name" in _one_line_error(capsys)
    assert not (tmp_path / "n.nnproj").exists()
