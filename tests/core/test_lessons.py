"""The lessons, run headless: every file loads, and every lesson's project shows what its
text promises (the numbers in the texts come from these runs).

Each test follows a lesson as a learner would: :func:`step_state` gives the project
after applying the steps in order, and the trainer starts from the weights a restart
there uses.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnstudio.app.lessons import (
    CALL_ARGS,
    KNOWN_VIEWS,
    MAX_DATA_SETTINGS,
    MAX_LESSON_BYTES,
    MAX_LESSON_CSV_BYTES,
    MAX_MARK_LABEL,
    MAX_STEPS,
    VIEW_CALLS,
    WORKSPACES,
    LessonError,
    apply_step,
    describe_changes,
    lesson_state,
    load_lesson,
    load_lessons,
    step_state,
    text_to_html,
    trainer_for,
    weights_to_neurons,
)
from nnstudio.app.lesson_calls import MAX_SAMPLE_ROW, ViewCall
from nnstudio.core.activations import ACTIVATIONS
from nnstudio.core.data import prepare
from nnstudio.core.losses import confusion_matrix
from nnstudio.core.network import Network
from nnstudio.core.specs import TrainConfig
from nnstudio.core.optimizers import make_optimizer
from nnstudio.core.testfunctions import TEST_FUNCTIONS, default_racers, race
from nnstudio.core.trainer import Trainer

LESSON_DIR = Path(__file__).resolve().parents[2] / "resources" / "lessons"


@pytest.fixture(scope="module")
def lessons():
    found = load_lessons(LESSON_DIR)
    return {lesson.number: lesson for lesson in found}


def trainer(lesson, step=None):
    """A trainer for the lesson's project (after the steps up to ``step``, if given)."""
    if step is None:
        network, config, data, weights = lesson_state(lesson)
    else:
        network, config, data, weights = step_state(lesson, step)
    prepared = prepare(data)
    return trainer_for(network, config, prepared, weights) or Trainer(network, config, prepared)


def step_by_title(lesson, start):
    return next(i for i, s in enumerate(lesson.steps) if s.title.startswith(start))


def text_of(lesson, i):
    s = lesson.steps[i]
    return " ".join((s.text, s.look, s.formula))


def phases(tr):
    return {ph.phase: ph for ph in (tr.step_phase() for _ in range(4))}


# ------------------------------------------------------------------------------ the files
def test_every_lesson_file_loads_and_is_complete(lessons):
    assert sorted(lessons) == list(range(1, 13))
    files = sorted(LESSON_DIR.glob("*.json"))
    assert len(files) == 12
    for lesson in lessons.values():
        assert lesson.title and lesson.intro and lesson.steps
        assert lesson.views and lesson.front in KNOWN_VIEWS
        assert all(v in KNOWN_VIEWS for v in lesson.views)
        for i, step in enumerate(lesson.steps):
            assert step.title and (step.text or step.look)
            assert step.view is None or step.view in KNOWN_VIEWS
            for call in step.view_setup + lesson.view_setup:
                assert call.call in VIEW_CALLS[call.view]
            network, config, data, _ = step_state(lesson, i)  # every step applies in order
            assert network.n_inputs == prepare(data).n_inputs
        json.loads(lesson.path.read_text(encoding="utf-8"))  # plain JSON a teacher can edit
    assert (LESSON_DIR / "README.md").is_file()


def test_every_lesson_chooses_its_workspace(lessons):
    chosen = {n: lesson.workspace for n, lesson in lessons.items()}
    assert set(chosen.values()) <= set(WORKSPACES) and None not in chosen.values()
    # the lessons about the decision view and the network on one screen use Explore; the rest Inspect
    assert {n for n, w in chosen.items() if w == "explore"} == {9, 12}


def test_a_lesson_or_a_step_may_name_a_workspace(tmp_path):
    raw, path = _copy_lesson(tmp_path)
    raw["workspace"] = "explore"
    raw["steps"][1]["workspace"] = "inspect"
    _write(path, raw)
    lesson = load_lesson(path)
    assert lesson.workspace == "explore"
    assert [s.workspace for s in lesson.steps] == [None, "inspect", None, None, None]
    raw.pop("workspace")
    _write(path, raw)
    assert load_lesson(path).workspace is None


def test_every_view_call_has_its_arguments_checked(lessons):
    assert set(CALL_ARGS) == {(view, call) for view, calls in VIEW_CALLS.items() for call in calls}
    assert {"mark", "clear_marks"} <= set(VIEW_CALLS["ActivationView"])
    used = {(c.view, c.call) for lesson in lessons.values()
            for c in lesson.view_setup + tuple(c for s in lesson.steps for c in s.view_setup)}
    assert ("ActivationView", "mark") in used and ("RaceView", "set_racer") in used


@pytest.mark.parametrize("args, ok", [
    ([2.6], True), ([2.6, "z = 2.6"], True), ([-1000], True), ([0, ""], True),
    ([], False), (["2.6"], False), ([True], False), ([None], False), ([1000.5], False), ([2.6, 3], False),
    ([2.6, "x" * (MAX_MARK_LABEL + 1)], False), ([2.6, "a", "b"], False),
])
def test_mark_arguments(tmp_path, args, ok):
    raw, path = _copy_lesson(tmp_path)
    raw["steps"][0]["view_setup"] = [{"view": "ActivationView", "call": "mark", "args": args}]
    _write(path, raw)
    if ok:
        assert load_lesson(path).steps[0].view_setup[0].args == tuple(args)
    else:
        with pytest.raises(LessonError, match=r"steps\[0\]\.view_setup\[0\]\.args: ActivationView\.mark"):
            load_lesson(path)


@pytest.mark.parametrize("view, call, args, ok", [
    ("DigitGalleryView", "set_set", ["validation"], True), ("DigitGalleryView", "set_set", ["training"], True),
    ("DigitGalleryView", "set_set", ["test"], False), ("DigitGalleryView", "set_set", [], False),
    ("DigitGalleryView", "set_set", [0], False),
    ("DigitGalleryView", "set_misclassified_first", [True], True),
    ("DigitGalleryView", "set_misclassified_first", [False], True),
    ("DigitGalleryView", "set_misclassified_first", [1], False),
    ("DigitGalleryView", "set_misclassified_first", [None], False),
    ("DigitGalleryView", "set_misclassified_first", [True, True], False),
    ("DrawingPadView", "load_sample", [69], True), ("DrawingPadView", "load_sample", [0], True),
    ("DrawingPadView", "load_sample", [MAX_SAMPLE_ROW], True),
    ("DrawingPadView", "load_sample", [MAX_SAMPLE_ROW + 1], False), ("DrawingPadView", "load_sample", [-1], False),
    ("DrawingPadView", "load_sample", [2.5], False), ("DrawingPadView", "load_sample", ["69"], False),
    ("DrawingPadView", "load_sample", [True], False), ("DrawingPadView", "load_sample", [], False),
    ("DrawingPadView", "clear", [], True), ("DrawingPadView", "clear", [1], False),
    ("DrawingPadView", "show_weights", [True], True), ("DrawingPadView", "show_weights", ["yes"], False),
    ("DrawingPadView", "set_pixels", [[0] * 64], False),  # only the calls listed, nothing else of the view
    ("DigitGalleryView", "deleteLater", [], False),
])
def test_digit_view_call_arguments(tmp_path, view, call, args, ok):
    raw, path = _copy_lesson(tmp_path)
    raw["steps"][0]["view_setup"] = [{"view": view, "call": call, "args": args}]
    _write(path, raw)
    if ok:
        assert load_lesson(path).steps[0].view_setup[0] == ViewCall(view, call, tuple(args))
    else:
        with pytest.raises(LessonError, match=rf"steps\[0\]\.view_setup\[0\].*{view}"):
            load_lesson(path)


def test_lessons_may_name_the_digit_views(tmp_path):
    raw, path = _copy_lesson(tmp_path)
    raw["views"] = ["DigitGalleryView", "DrawingPadView"]
    raw["steps"][0]["view"] = "DrawingPadView"
    _write(path, raw)
    lesson = load_lesson(path)
    assert lesson.views == ("DigitGalleryView", "DrawingPadView") and lesson.steps[0].view == "DrawingPadView"
    raw["steps"][0]["view"] = "DigitPad"
    _write(path, raw)
    with pytest.raises(LessonError, match=r"steps\[0\]\.view: unknown view 'DigitPad'.*DigitGalleryView"):
        load_lesson(path)


def test_the_readme_documents_the_format_and_its_limits():
    text = (LESSON_DIR / "README.md").read_text(encoding="utf-8")
    assert "`workspace`" in text and "`\"explore\"`" in text and "`\"inspect\"`" in text
    for view, calls in VIEW_CALLS.items():
        for call in calls:
            assert f"`{call}`" in text, call
    assert MAX_LESSON_BYTES == 1 << 20 and "1 MiB" in text
    assert f"{MAX_STEPS} steps" in text
    assert f"{MAX_DATA_SETTINGS} different data settings" in text
    assert MAX_LESSON_CSV_BYTES == 5_000_000 and "5 MB" in text
    assert f"{MAX_MARK_LABEL} characters" in text


def _effective(config):
    """The settings that matter: those unused by the chosen rules are set to their defaults."""
    default = TrainConfig()
    unused = []
    if config.early_stopping != "patience":
        unused += ["patience", "min_delta", "restore_best"]
    if config.early_stopping != "target":
        unused += ["target_metric", "target_value"]
    if config.optimizer not in ("momentum", "nesterov"):
        unused.append("momentum")
    if config.batch_mode != "minibatch":
        unused.append("batch_size")
    return config.replace(**{k: getattr(default, k) for k in unused})


def _effective_net(network):
    return network if network.loss == "huber" else network.replace(huber_delta=1.0)


def test_every_step_can_be_applied_in_any_order(lessons):
    """A learner may jump between steps: applying a step that changes settings after any
    other step gives the same project as following the lesson to it. (Steps without
    settings just go on with the project as it is.)"""
    for lesson in lessons.values():
        for j in range(len(lesson.steps)):
            net_j, cfg_j, data_j, _ = step_state(lesson, j)
            for i, step in enumerate(lesson.steps):
                if not step.apply:
                    continue
                net, cfg, data = apply_step(step, net_j, cfg_j, data_j)
                want_net, want_cfg, want_data, _ = step_state(lesson, i)
                assert (_effective_net(net), _effective(cfg), data) == \
                    (_effective_net(want_net), _effective(want_cfg), want_data), \
                    (lesson.path.name, j, i)


def test_lessons_module_does_not_import_qt():
    code = ("import sys, nnstudio.app.lessons as m; m.load_lessons(); "
            "bad = [k for k in sys.modules if k.startswith(('PySide6', 'pyqtgraph', 'shiboken'))]; "
            "assert not bad, bad")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_weights_are_written_per_neuron(lessons):
    lesson = lessons[2]
    neurons = weights_to_neurons(lesson.weights, lesson.network)
    assert neurons[0][0] == {"w": [3.7, 3.7], "b": -1.5}
    assert neurons[0][1] == {"w": [2.9, 2.9], "b": -4.5}
    assert neurons[1][0] == {"w": [4.5, -5.2], "b": -2.0}


def test_text_markup():
    html = text_to_html("Press `Play` **now**.\n\n- one < two\n- three & four")
    assert "<span class='key'>Play</span>" in html and "<b>now</b>" in html
    assert "<ul><li>one &lt; two</li><li>three &amp; four</li></ul>" in html


def test_describe_changes_says_what_the_button_does(lessons):
    step = lessons[4].steps[step_by_title(lessons[4], "Too large")]
    assert describe_changes(step) == "learning rate η = 3; training starts over"


# ------------------------------------------------------------------------------ broken files
def _copy_lesson(tmp_path, name="04_learning_rate.json"):
    shutil.copytree(LESSON_DIR / "data", tmp_path / "data")
    raw = json.loads((LESSON_DIR / name).read_text(encoding="utf-8"))
    return raw, tmp_path / name


def _write(path, raw):
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.mark.parametrize("edit, where, words", [
    (lambda r: r["steps"][4]["apply"]["train"].update(learning_rate=-3), "steps[4].apply.train",
     "learning rate must be greater than 0"),
    (lambda r: r["steps"][0]["apply"]["train"].update(learnig_rate=0.1), "steps[0].apply.train",
     "learnig_rate"),
    (lambda r: r["steps"][1].update(veiw="LossView"), "steps[1]", "'veiw'"),
    (lambda r: r["steps"][1].update(view="LosView"), "steps[1].view", "unknown view 'LosView'"),
    (lambda r: r["project"].update(weights=[[{"w": [1, 2], "b": 0}]]), "project.weights[0][0].w",
     "list of 1 number"),
    (lambda r: r["project"].update(weights=[]), "project.weights", "1 layer(s)"),
    (lambda r: r["project"]["data"].update(csv_path="data/missing.csv"), "project.data", "does not exist"),
    (lambda r: r["project"]["network"].update(loss="bce"), "project.network.loss", "does not fit"),
    (lambda r: r["steps"][0].update(apply={"layers": {"activaton": "relu"}}), "steps[0].apply.layers",
     "activaton"),
    (lambda r: r["view_setup"].append({"view": "SurfaceView", "call": "close", "args": []}),
     "view_setup[2].call", "cannot do 'close'"),
    (lambda r: r["view_setup"].__setitem__(0, {"view": "SurfaceView", "call": "set_mode", "args": ["pcb"]}),
     "view_setup[0].args", "its first argument (mode) must be one of 'pca', 'random', 'params', not 'pcb'"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "ActivationView", "call": "mark", "args": ["2.6"]}]),
     "steps[0].view_setup[0].args", "ActivationView.mark: its first argument (z) must be a number from -1000 to "
                                    "1000, not '2.6'"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "ActivationView", "call": "mark", "args": [1e308]}]),
     "steps[0].view_setup[0].args", "(z) must be a number from -1000 to 1000"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "ActivationView", "call": "mark",
                                                 "args": [2.6, "σ" * 81]}]),
     "steps[0].view_setup[0].args", "its second argument (label) must be text of at most 80 characters"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "ActivationView", "call": "mark", "args": []}]),
     "steps[0].view_setup[0].args", "ActivationView.mark needs a first argument (z)"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "ActivationView", "call": "clear_marks", "args": [1]}]),
     "steps[0].view_setup[0].args", "ActivationView.clear_marks takes no arguments, not 1"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "RaceView", "call": "step", "args": [10 ** 9]}]),
     "steps[0].view_setup[0].args", "(steps) must be a whole number from 1 to 20000"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "RaceView", "call": "set_racer",
                                                 "args": ["adamw", True, 0.1]}]),
     "steps[0].view_setup[0].args", "(racer) must be one of 'sgd', 'momentum', 'nesterov', 'adagrad'"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "RaceView", "call": "set_racer",
                                                 "args": ["sgd", 1, 0.1]}]),
     "steps[0].view_setup[0].args", "its second argument (enabled) must be true or false or null, not 1"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "RaceView", "call": "set_start", "args": [[1, "x"]]}]),
     "steps[0].view_setup[0].args", "(start) must be a point [x, y]"),
    (lambda r: r["steps"][0].update(view_setup=[{"view": "GradientView", "call": "set_quantity", "args": [True]}]),
     "steps[0].view_setup[0].args", "must be one of 0, 1, not True"),
    (lambda r: r.update(workspace="inpsect"), "workspace", "unknown workspace 'inpsect'; choose one of: explore, "
                                                           "inspect"),
    (lambda r: r["steps"][2].update(workspace=2), "steps[2].workspace", "unknown workspace 2"),
    (lambda r: r.pop("title"), "title", "is missing"),
    (lambda r: r.update(steps=[]), "steps", "at least one step"),
])
def test_a_broken_lesson_names_file_and_field(tmp_path, edit, where, words):
    raw, path = _copy_lesson(tmp_path)
    edit(raw)
    _write(path, raw)
    with pytest.raises(LessonError) as info:
        load_lesson(path)
    msg = str(info.value)
    assert msg.startswith(f"04_learning_rate.json, {where}:"), msg
    assert words in msg
    assert "Traceback" not in msg


def test_invalid_json_gives_line_and_column(tmp_path):
    _, path = _copy_lesson(tmp_path)
    path.write_text('{\n  "number": 4,\n  "title": "x"\n  "intro": "y"\n}\n', encoding="utf-8")
    with pytest.raises(LessonError, match=r"04_learning_rate.json, line 4, column 3: not valid JSON"):
        load_lesson(path)


def test_a_field_written_twice_is_refused(tmp_path):
    _, path = _copy_lesson(tmp_path)
    path.write_text('{"number": 4, "title": "x", "title": "y"}', encoding="utf-8")
    with pytest.raises(LessonError, match="04_learning_rate.json: the field 'title' appears twice"):
        load_lesson(path)


def test_load_lessons_can_skip_broken_files_and_report_them(tmp_path):
    raw, path = _copy_lesson(tmp_path)
    _write(path, raw)
    broken = tmp_path / "99_broken.json"
    broken.write_text('{"number": 99, "title": "Broken"', encoding="utf-8")
    problems: list[str] = []
    found = load_lessons(tmp_path, problems=problems)
    assert [le.number for le in found] == [4]
    assert len(problems) == 1 and problems[0].startswith("99_broken.json")
    with pytest.raises(LessonError):
        load_lessons(tmp_path)


def test_a_copied_lesson_with_its_own_csv_path_works_from_another_folder(tmp_path, lessons):
    raw, path = _copy_lesson(tmp_path, "12_regression_losses.json")
    raw["number"] = 40
    _write(path, raw)
    lesson = load_lesson(path)
    assert Path(lesson.data.csv_path) == (tmp_path / "data" / "line_with_outliers.csv").resolve()


def test_apply_step_changes_only_what_it_names(lessons):
    lesson = lessons[4]
    network, config, data, _ = lesson_state(lesson)
    config = config.replace(momentum=0.5)
    step = lesson.steps[step_by_title(lesson, "Too large")]
    n2, c2, d2 = apply_step(step, network, config, data)
    assert c2.learning_rate == 3.0 and c2.momentum == 0.5
    assert (n2, d2) == (network, data)


# ------------------------------------------------------------------------------ lesson 1
def test_lesson_1_one_neuron_worked_example(lessons):
    lesson = lessons[1]
    tr = trainer(lesson)
    np.testing.assert_array_equal(tr.network.params, [2, 3, -1, 0.5])
    assert tr.evaluate()["metric"] == 0.5
    assert np.all(tr.network.forward(tr.X) > 0)  # "class 1" for every sample
    ph = phases(tr)
    fwd = ph["forward"]
    np.testing.assert_allclose(fwd.x, [0.9, 0.2, 0.3])
    assert fwd.y == 1.0
    assert fwd.z[0][0] == pytest.approx(2.6)
    assert fwd.output[0] == pytest.approx(0.9309, abs=5e-5)
    assert ph["loss"].sample_loss == pytest.approx(-math.log(0.93086), abs=1e-4)
    assert round(ph["loss"].sample_loss, 4) == 0.0716
    delta = ph["backward"].delta[0][0]
    assert round(delta, 4) == -0.0691
    np.testing.assert_allclose(ph["backward"].grad_W[0].ravel(), delta * np.array([0.9, 0.2, 0.3]))
    assert round(ph["backward"].grad_W[0][0, 0], 4) == -0.0622
    upd = ph["update"]
    assert [round(v, 3) for v in upd.W_after[0].ravel()] == [2.031, 3.007, -0.990]
    assert round(upd.b_after[0][0], 3) == 0.535
    text = " ".join(text_of(lesson, i) for i in range(4))
    for number in ("2.6", "0.9309", "0.0716", "−0.0691", "−0.0622", "2.031", "3.007", "−0.990", "0.535"):
        assert number in text, number

    # step 2 marks this sample's z on the sigmoid, with the output and the slope there
    i = step_by_title(lesson, "Bias and activation")
    calls = lesson.steps[i].view_setup
    assert [(c.view, c.call) for c in calls] == [("ActivationView", "explore"), ("ActivationView", "mark")]
    assert calls[0].args == ("sigmoid",) and calls[1].args[0] == 2.6
    sig = ACTIVATIONS["sigmoid"]
    f, df = float(sig.f(np.array([2.6]))[0]), float(sig.df(np.array([2.6]))[0])
    assert round(f, 2) == 0.93 and round(df, 3) == 0.064 and df == pytest.approx(f * (1 - f))
    assert "σ(2.6) = 0.93" in calls[1].args[1] and "0.064" in calls[1].args[1]
    assert "σ(2.6) = 0.93" in text_of(lesson, i) and "0.064" in text_of(lesson, i)

    # step 5: a learner gets there after steps 1-4 (one iteration, phase by phase)
    i = step_by_title(lesson, "Let it learn")
    tr = trainer(lesson)
    tr.step()
    tr.run(epochs=1)
    e = tr.evaluate()
    assert e["metric"] == 1.0 and round(e["loss"], 2) == 0.30  # all 12 right after the first epoch
    tr.run(epochs=29)
    assert tr.evaluate()["metric"] == 1.0 and round(tr.evaluate()["loss"], 2) == 0.09
    # the counter at any iteration a learner may pause at: 1, or now and then 11 of 12
    tr = trainer(lesson)
    accuracy = []
    for _ in range(400):
        tr.step()
        accuracy.append(tr.evaluate()["metric"])
    assert accuracy[6] == 1.0 and set(accuracy[6:]) == {1.0, 11 / 12}  # from iteration 7
    assert 0.95 < accuracy[6:].count(1.0) / len(accuracy[6:]) < 1
    for words in ("first epoch", "gets to 1", "0.917 (11 of 12)", "0.30 after one epoch", "0.09 after 30"):
        assert words in text_of(lesson, i), words

    i = step_by_title(lesson, "Another bias")
    tr = trainer(lesson, i)
    fwd = tr.step_phase()
    assert fwd.z[0][0] == pytest.approx(-0.9)
    assert round(fwd.output[0], 2) == 0.29


# ------------------------------------------------------------------------------ lesson 2
def test_lesson_2_forward_and_backpropagation_by_the_chain_rule(lessons):
    lesson = lessons[2]
    tr = trainer(lesson)
    ph = phases(tr)
    fwd = ph["forward"]
    np.testing.assert_allclose(fwd.x, [1.0, 0.0])
    assert fwd.y == 1.0
    np.testing.assert_allclose(fwd.z[0], [2.2, -1.6])
    h = fwd.a[0]
    assert [round(v, 2) for v in h] == [0.90, 0.17]
    y_hat = fwd.output[0]
    assert round(fwd.z[1][0], 2) == 1.18 and round(y_hat, 2) == 0.76
    assert round(ph["loss"].sample_loss, 3) == 0.269

    # the chain rule, factor by factor, as the step's text writes it
    back = ph["backward"]
    d_out = y_hat - 1.0
    v = np.array([4.5, -5.2])
    d_hidden = d_out * v * h * (1 - h)
    assert back.delta[1][0] == pytest.approx(d_out)
    np.testing.assert_allclose(back.delta[0], d_hidden)
    np.testing.assert_allclose(back.grad_W[1].ravel(), d_out * h)  # batch of one sample: ∂L/∂w = ∂ℓ/∂w
    np.testing.assert_allclose(back.grad_W[0], np.outer([1.0, 0.0], d_hidden))
    np.testing.assert_allclose(back.grad_b[0], d_hidden)
    assert round(d_out, 3) == -0.235
    assert [round(x, 3) for x in d_hidden] == [-0.095, 0.171]
    assert [round(x, 3) for x in d_out * h] == [-0.212, -0.040]

    upd = ph["update"]
    assert [round(x, 3) for x in upd.W_after[1].ravel()] == [4.712, -5.160]
    assert round(upd.b_after[1][0], 3) == -1.765
    assert [round(x, 3) for x in upd.W_after[0][0]] == [3.795, 2.729]
    np.testing.assert_array_equal(upd.W_after[0][1], [3.7, 2.9])  # x₂ = 0: untouched
    assert [round(x, 3) for x in upd.b_after[0]] == [-1.405, -4.671]
    text = " ".join(text_of(lesson, i) for i in range(len(lesson.steps)))
    for number in ("2.2", "−1.6", "0.90", "0.17", "1.18", "0.76", "0.269", "−0.235", "−0.095", "+0.171",
                   "−0.212", "−0.040", "4.712", "−5.160", "−1.765", "3.795", "2.729", "−1.405", "−4.671"):
        assert number in text, number

    tr = trainer(lesson)
    start = tr.evaluate()
    assert start["metric"] == 1.0 and round(start["loss"], 2) == 0.24
    tr.step()  # steps 1-4: one iteration, phase by phase
    tr.run(epochs=3)
    curve = tr.history.epochs.column("loss")
    assert round(max(curve[:3]), 1) == 0.4 and max(curve[:3]) > start["loss"]  # up first, on the curve
    assert "goes up (to about 0.4 on the curve" in text_of(lesson, 4)
    tr.run(epochs=97)
    assert tr.evaluate()["loss"] < 0.03
    out = tr.network.predict(np.array([[0, 0], [1, 0], [0, 1], [1, 1.0]])).ravel()
    assert out[0] < 0.1 and out[3] < 0.1 and out[1] > 0.9 and out[2] > 0.9


# ------------------------------------------------------------------------------ lesson 3
def _path(tr, n):
    pts, losses = [tr.network.get_flat()], [tr.evaluate()["loss"]]
    for _ in range(n):
        if tr.stopped:
            break
        tr.step()
        pts.append(tr.network.get_flat())
        losses.append(tr.evaluate()["loss"])
    return np.array(pts), np.array(losses)


def test_lesson_3_gradient_descent_walks_down_to_the_slope(lessons):
    lesson = lessons[3]
    tr = trainer(lesson, step_by_title(lesson, "One weight"))
    pts, losses = _path(tr, 50)
    p, b = pts[:, 0], pts[:, 1]
    assert [round(x, 3) for x in p[:6]] == [-1.0, -0.78, -0.576, -0.387, -0.212, -0.05]
    assert np.all(np.abs(b) < 1e-12)  # the bias has nothing to learn here (round-off only)
    steps = np.diff(p)
    assert np.all(steps > 0) and np.all(np.diff(steps) < 0)  # uphill slope → p grows, steps shrink
    assert round(p[50], 2) == 1.93
    assert np.all(np.diff(losses) < 0) and round(losses[5], 2) == 1.54  # the counter after five steps
    assert "shows 1.54 after five" in text_of(lesson, 0)

    tr = trainer(lesson, step_by_title(lesson, "Two parameters"))
    pts, losses = _path(tr, 200)
    assert pts[0].tolist() == [-1.0, 1.5]
    np.testing.assert_allclose(pts[1:6, 1] / pts[0:5, 1], 0.8)  # β₀ shrinks by 0.8 a step
    assert round(pts[20, 1], 3) == 0.017 and round(pts[20, 0], 2) == 1.35
    np.testing.assert_allclose(pts[-1], [2.0, 0.0], atol=1e-6)
    assert np.all(np.diff(losses) <= 0)  # full batch: never uphill
    text = " ".join(text_of(lesson, i) for i in range(len(lesson.steps)))
    for number in ("−2.2", "−0.78", "−0.576", "−0.387", "−0.212, −0.050", "1.93", "0.8", "0.017", "1.35"):
        assert number in text, number


# ------------------------------------------------------------------------------ lesson 4
def test_lesson_4_learning_rate_small_good_overshoot_edge_and_divergence(lessons):
    lesson = lessons[4]
    tr = trainer(lesson, step_by_title(lesson, "Too small"))
    pts, losses = _path(tr, 100)
    assert round(losses[0], 2) == 5.55 and round(losses[-1], 2) == 4.36
    assert round(pts[-1, 0], 2) == -0.79  # 7 % of the way from −1 to 2
    assert (pts[-1, 0] + 1) / 3 < 0.08

    tr = trainer(lesson, step_by_title(lesson, "Good"))
    pts, losses = _path(tr, 100)
    assert round(pts[-1, 0], 4) == 1.9985 and abs(pts[-1, 1]) < 1e-6 and losses[-1] < 1e-6

    tr = trainer(lesson, step_by_title(lesson, "Overshooting"))
    pts, losses = _path(tr, 100)
    b = pts[:, 1]
    assert [round(x, 2) for x in b[:5]] == [1.5, -1.2, 0.96, -0.77, 0.61]
    np.testing.assert_allclose(b[1:30] / b[:29], -0.8)
    assert np.all(np.sign(b[1:20]) != np.sign(b[:19]))  # jumps over the floor every step
    assert losses[-1] < 1e-12

    tr = trainer(lesson, step_by_title(lesson, "On the edge"))
    pts, losses = _path(tr, 100)
    np.testing.assert_allclose(np.abs(pts[:, 1]), 1.5)
    assert round(losses[-1], 2) == 2.25

    i = step_by_title(lesson, "Too large")
    tr = trainer(lesson, i)
    tr.run(iterations=1000)
    assert tr.stopped and tr.stop_info["kind"] == "divergence"
    assert "at iteration 6" in tr.stopped and tr.iteration == 5  # the 6th update is refused
    assert "learning rate 3 is too large" in tr.stopped and "try 0.3" in tr.stopped
    assert "exploded to 2.2×10⁷" in tr.stopped
    assert np.all(np.isfinite(tr.network.params))
    assert "iteration 6" in text_of(lesson, i) and "0.3" in text_of(lesson, i)
    text = " ".join(text_of(lesson, k) for k in range(len(lesson.steps)))
    for number in ("5.55", "4.36", "−0.79", "1.9985", "−1.2, 0.96, −0.77, 0.61", "0.8 times", "2.25"):
        assert number in text, number


# ------------------------------------------------------------------------------ lesson 5
def _full_losses_along_path(tr):
    _, P = tr.trajectory_array()
    net = Network(tr.spec, 0)
    out = []
    for p in P:
        net.set_flat(p)
        out.append(net.evaluate(tr.X, tr.y))
    return np.array(out)


def test_lesson_5_full_batch_is_smooth_sgd_jitters_minibatch_between(lessons):
    lesson = lessons[5]
    runs = {}
    for name in ("Full", "Stochastic", "Mini-batch"):
        tr = trainer(lesson, step_by_title(lesson, name))
        tr.run(epochs=30)
        runs[name] = (tr, _full_losses_along_path(tr))
    full, sgd, mini = runs["Full"], runs["Stochastic"], runs["Mini-batch"]
    assert (full[0].iteration, mini[0].iteration, sgd[0].iteration) == (30, 150, 1500)
    up = {k: float(np.mean(np.diff(L) > 1e-12)) for k, (_, L) in runs.items()}
    assert up["Full"] == 0.0  # never uphill
    assert 0.45 < up["Stochastic"] < 0.6  # about half
    assert 0.25 < up["Mini-batch"] < up["Stochastic"]  # about a third
    assert round(full[1][-1], 2) == 0.14
    assert round(mini[1][-1], 3) == 0.089 and mini[1][-1] < full[1][-1]
    assert sgd[1][:4 * 50].min() < 0.1  # near the bottom within a few epochs
    last = sgd[1][-50:]
    assert round(last.min(), 2) == 0.09 and round(last.max(), 2) == 0.16
    assert np.ptp(mini[1][-5:]) < 0.1 * np.ptp(last)


# ------------------------------------------------------------------------------ lesson 6
#: the racers of lesson 6 (Nesterov is switched off there)
RACERS_6 = ("sgd", "momentum", "adagrad", "rmsprop", "adam")


def race_6(key, steps):
    """Lesson 6's race on ``key``: what the race view shows after ``steps`` steps."""
    fn = TEST_FUNCTIONS[key]
    res = race(fn, default_racers(fn, list(RACERS_6)), steps=steps)
    return fn, {label.split()[0]: r for label, r in res.items()}


def test_lesson_6_sets_up_the_race_its_text_describes(lessons):
    lesson = lessons[6]
    for i, key in ((0, "bowl"), (1, "rosenbrock")):
        calls = [(c.call, c.args) for c in lesson.steps[i].view_setup]
        assert calls == [("set_function", (key,)), ("set_racer", ("nesterov", False))]
        assert lesson.steps[i].view == "RaceView"
    assert ("set_racer", ("nesterov", False)) in [(c.call, c.args) for c in lesson.view_setup]


def test_lesson_6_the_race_on_the_bowl(lessons):
    """Step 1: ten clicks on Step, then Play up to about step 150."""
    lesson = lessons[6]
    text = text_of(lesson, 0)
    fn, res = race_6("bowl", 200)
    f = {k: np.array([fn.value(p) for p in r.path]) for k, r in res.items()}
    assert tuple(fn.start) == (-2.5, 1.0) and "(−2.5, 1)" in text
    # after 10 steps: Adam last, AdaGrad and RMSProp ahead (the "f now" column)
    at10 = {k: round(float(v[10]), 2) for k, v in f.items()}
    assert at10 == {"sgd": 0.85, "momentum": 0.39, "adagrad": 0.19, "rmsprop": 0.18, "adam": 1.22}
    assert max(at10, key=at10.get) == "adam"
    for number in ("1.22", "0.85", "0.19 and 0.18"):
        assert number in text, number
    # Adam: steps about 0.14 long (η along x and along y) at first, however steep the bowl
    adam_steps = np.linalg.norm(np.diff(res["adam"].path, axis=0), axis=1)
    assert np.all(np.round(adam_steps[:5], 2) == 0.14) and "0.14" in text
    # SGD: η just under 2/κ; zig-zags across y; along x 7 % of the distance per step
    assert fn.default_lr("sgd") == pytest.approx(0.072) and 2 / 25 == 0.08
    sgd = res["sgd"].path
    np.testing.assert_allclose(sgd[1:40, 0] / sgd[:39, 0], 1 - 0.072)
    assert np.all(np.sign(sgd[1:30, 1]) != np.sign(sgd[:29, 1]))
    for number in ("0.072", "0.08", "7 %"):
        assert number in text, number
    # momentum overshoots the minimum and comes back
    mom = res["momentum"].path[:, 0]
    assert round(mom.max(), 2) == 0.74 and abs(mom[-1]) < 0.01 and "+0.74" in text
    # later: RMSProp in front from step 32; SGD below Adam and momentum from about step 70
    n = len(f["sgd"])
    lowest = [min(RACERS_6, key=lambda k, t=t: f[k][t]) for t in range(n)]
    first_rms = next(t for t in range(n) if all(w == "rmsprop" for w in lowest[t:]))
    assert first_rms == 32 and "step 32" in text
    for other in ("adam", "momentum"):
        first = next(t for t in range(n) if np.all(f["sgd"][t:] < f[other][t:]))
        assert 60 <= first <= 70, (other, first)
    assert "about step 70" in text


def test_lesson_6_the_race_in_rosenbrocks_valley(lessons):
    """Step 2: Play, pause once the counter has passed 300 (at 30 steps/s, within 30 steps)."""
    lesson = lessons[6]
    text = text_of(lesson, 1)
    fn, res = race_6("rosenbrock", 330)
    best = np.array(fn.minima[0])
    for n in range(300, 331):
        f = {k: fn.value(r.path[n]) for k, r in res.items()}
        d = {k: float(np.linalg.norm(r.path[n] - best)) for k, r in res.items()}
        assert abs(f["sgd"] - 5) < 0.1 and abs(f["adagrad"] - 4.7) < 0.1, n
        assert d["sgd"] > 2 and d["adagrad"] > 2 and res["sgd"].path[n, 0] < -1 and res["adagrad"].path[n, 0] < -1
        assert 3.5 < f["rmsprop"] < 4 and d["rmsprop"] < min(d["sgd"], d["adagrad"])
        assert abs(f["momentum"] - 0.03) < 0.01 and d["momentum"] < 0.4
        assert f["adam"] < 0.25 and d["adam"] < 0.9
    for words in ("f ≈ 5", "f ≈ 4.7", "f ≈ 3.7", "f ≈ 0.03, less than 0.4 away", "f below 0.25, less than 0.9 away"):
        assert words in text, words
    # AdaGrad: its effective learning rate η/(√G + ε) can only shrink
    opt, p = make_optimizer("adagrad", fn.default_lr("adagrad")), np.array(fn.start, dtype=float)
    rates = []
    for _ in range(300):
        opt.step(p, fn.grad(p))
        rates.append(opt.lr / (np.sqrt(opt.state["sum_sq"]) + 1e-10))
    assert np.all(np.diff(np.array(rates), axis=0) <= 0)
    steps = np.linalg.norm(np.diff(res["adagrad"].path, axis=0), axis=1)
    assert steps[299] < 0.01 * steps[0]  # tiny steps


def test_lesson_6_optimizers_on_a_network(lessons):
    lesson = lessons[6]
    stated = {"On a network": 0.63, "Momentum": 0.45, "AdaGrad": 0.52, "RMSProp": 0.39, "Adam": 0.34}
    loss = {}
    for name, value in stated.items():
        i = step_by_title(lesson, name)
        tr = trainer(lesson, i)
        tr.run(epochs=100)
        loss[name] = tr.evaluate()["loss"]  # the Training loss counter
        curve = tr.history.epochs.column("loss")[-1]  # the end of the Loss view's curve
        assert round(loss[name], 2) == value and abs(curve - value) < 0.025, name
        assert f"{value:.2f}" in text_of(lesson, i)
    sgd = loss.pop("On a network")
    assert all(v < sgd - 0.1 for v in loss.values())
    assert loss["Adam"] == min(loss.values()) and loss["Adam"] < loss["Momentum"]


# ------------------------------------------------------------------------------ lesson 7
def test_lesson_7_relu_reaches_the_target_loss_much_sooner_than_sigmoid(lessons):
    lesson = lessons[7]
    epochs = {}
    for name in ("Sigmoid", "Tanh", "ReLU", "Leaky"):
        tr = trainer(lesson, step_by_title(lesson, name))
        tr.run(epochs=600)
        assert tr.stopped and tr.stopped.startswith("target reached")
        epochs[name] = tr.epoch
        assert f"epoch {tr.epoch}" in text_of(lesson, step_by_title(lesson, name))
    assert epochs == {"Sigmoid": 250, "Tanh": 29, "ReLU": 16, "Leaky": 15}
    assert epochs["ReLU"] * 15 < epochs["Sigmoid"]
    # the marks point at the slope for negative z: none for ReLU, α for leaky ReLU
    for name, key, alpha, slope in (("ReLU", "relu", None, 0.0), ("Leaky", "leaky_relu", 0.1, 0.1)):
        calls = lesson.steps[step_by_title(lesson, name)].view_setup
        explore, mark = calls
        assert (explore.call, explore.args[0]) == ("explore", key) and mark.call == "mark"
        z = mark.args[0]
        act = ACTIVATIONS[key]
        d = act.df(np.array([float(z)]), alpha) if act.has_param else act.df(np.array([float(z)]))
        assert z < 0 and float(d[0]) == pytest.approx(slope)
        assert (f"α = {alpha}" if alpha else "slope 0") in mark.args[1]


# ------------------------------------------------------------------------------ lesson 8
def _ratio(tr):
    d = tr.probe().column("delta_rms")
    return d[-1] / d[0], d


def test_lesson_8_vanishing_gradients_and_initialisation(lessons):
    lesson = lessons[8]
    ratio = {}
    for name in ("Sigmoid, standard", "Sigmoid, Glorot", "Tanh, Glorot", "ReLU, standard", "ReLU, He"):
        tr = trainer(lesson, step_by_title(lesson, name))
        assert len(tr.spec.hidden) == 6
        ratio[name], d = _ratio(tr)
        if name == "Sigmoid, standard":
            assert round(d[0] * 1e6, 1) == 1.3 and round(d[-1], 2) == 0.57
            assert np.all(np.diff(d) > 0)  # shrinks at every layer going back
    assert ratio["Sigmoid, standard"] >= 100 and 3e5 < ratio["Sigmoid, standard"] < 6e5
    assert 2e4 < ratio["Sigmoid, Glorot"] < 4e4
    assert 5 < ratio["Tanh, Glorot"] < 15
    assert ratio["ReLU, standard"] > 300
    assert ratio["ReLU, He"] < 10 and round(ratio["ReLU, He"]) == 4

    def loss_after(name, n):
        tr = trainer(lesson, step_by_title(lesson, name))
        tr.run(epochs=n)
        return tr.history.epochs.column("loss")[-1]

    assert round(loss_after("Sigmoid, standard", 50), 2) == 0.70
    assert round(loss_after("Sigmoid, Glorot", 50), 2) == 0.70
    assert loss_after("Tanh, Glorot", 50) < 0.002
    assert round(loss_after("ReLU, standard", 10), 2) == 0.61
    assert loss_after("ReLU, He", 10) < 0.1


# ------------------------------------------------------------------------------ lesson 9
def _accuracies(lesson, name, epochs):
    tr = trainer(lesson, step_by_title(lesson, name))
    tr.run(epochs=epochs)
    e = tr.evaluate()
    return e["metric"], e["val_metric"]


def test_lesson_9_xor_needs_a_hidden_layer_or_a_product_feature(lessons):
    lesson = lessons[9]
    train, val = _accuracies(lesson, "XOR without", 100)
    assert 0.4 < train < 0.65 and 0.4 < val < 0.6  # about chance
    assert (round(train, 2), val) == (0.58, 0.475)
    train, val = _accuracies(lesson, "One hidden layer", 100)
    assert train == 1.0 and val == 0.975 and val > 0.95
    assert _accuracies(lesson, "A better input", 100) == (1.0, 1.0)


def test_lesson_9_layer_2_pulls_the_classes_apart(lessons):
    """The step's text describes the Hidden representation view of layer 2 (2 tanh
    neurons: its outputs are the view's axes) before and after training."""
    lesson = lessons[9]
    i = step_by_title(lesson, "What the hidden layers do")
    step = lesson.steps[i]
    assert step.view == "RepresentationView"
    assert [(c.view, c.call, c.args) for c in step.view_setup] == [("RepresentationView", "select_layer", (1,))]
    tr = trainer(lesson, i)
    assert tr.spec.layer_sizes == (2, 8, 2, 1)

    def layer_2():
        net = tr.scratch_network()
        net.forward(np.concatenate([tr.X, tr.Xv]))
        return np.asarray(net.layers[1].out), np.concatenate([tr.y, tr.yv])

    # before training: one bent band, orange (class 0) at both of its ends, blue between
    H, y = layer_2()
    centred = H - H.mean(axis=0)
    along = centred @ np.linalg.svd(centred, full_matrices=False)[2][0]
    ends = np.argsort(along)
    assert np.all(y[ends[:10]] == 0) and np.all(y[ends[-10:]] == 0)
    t = tr.evaluate()
    assert 0.4 < t["metric"] < 0.6  # no line separates them yet
    # the fold happens within the first 4 epochs (64 iterations), not much sooner
    tr.run(iterations=48)
    assert tr.evaluate()["metric"] < 0.9
    tr.run(iterations=16)
    assert tr.epoch == 4 and (tr.evaluate()["metric"], tr.evaluate()["val_metric"]) == (1.0, 1.0)
    tr.run(epochs=96)
    assert tr.epoch == 100
    e = tr.evaluate()
    assert (e["metric"], e["val_metric"]) == (1.0, 1.0)  # every training and validation point is right
    # after: every point in a corner of the square, blue (class 1) in one, orange in two others
    H, y = layer_2()
    assert np.all(np.abs(H) > 0.9)
    corners = {tuple(np.sign(h).astype(int)) for h in H}
    blue = {tuple(np.sign(h).astype(int)) for h in H[y == 1]}
    orange = {tuple(np.sign(h).astype(int)) for h in H[y == 0]}
    assert len(corners) == 3 and len(blue) == 1 and len(orange) == 2 and not blue & orange
    # the output neuron's straight line a·h + c = 0 has every blue point on one side
    W, b = tr.network.layers[-1].W[:, 0], tr.network.layers[-1].b[0]
    side = H @ W + b
    assert np.all((side > 0) == (y == 1))
    text = text_of(lesson, i)
    assert "three corners" in text and "blue class in one" in text and "orange class in the other two" in text
    assert "straight line separates them" in text and "Every training and validation point is right" in text
    assert "first 4 epochs (64 iterations)" in text


def test_lesson_9_spiral_needs_neurons_or_features(lessons):
    lesson = lessons[9]
    small = _accuracies(lesson, "The spiral with a small", 200)
    sin = _accuracies(lesson, "Spiral: sin", 200)
    wide = _accuracies(lesson, "Spiral: more neurons", 200)
    assert [round(x, 2) for x in small] == [0.70, 0.65]
    assert [round(x, 2) for x in sin] == [0.96, 0.90]
    assert [round(x, 2) for x in wide] == [0.95, 0.95]
    assert sin[1] > small[1] + 0.15 and wide[1] > small[1] + 0.15


# ------------------------------------------------------------------------------ lesson 10
def test_lesson_10_overfitting_and_three_remedies(lessons):
    lesson = lessons[10]
    results = {}
    for name in ("Overfitting", "L2", "Dropout"):
        tr = trainer(lesson, step_by_title(lesson, name))
        tr.run(epochs=300)
        e = tr.evaluate()
        E = tr.history.epochs
        val = E.column("val_loss")
        results[name] = (e, val, E.column("x"), E.column("loss"))
    e, val, x, train = results["Overfitting"]
    best = int(np.argmin(val))
    assert round(val[best], 2) == 0.42 and 20 <= x[best] <= 35
    assert val[-1] > 3 * val[best] and round(val[-1], 1) == 1.5  # validation loss climbs …
    assert train[-1] < 0.01 and train[-1] < train[best] / 10  # … while training loss falls
    assert e["metric"] == 1.0 and e["val_metric"] == 0.78
    gap = {k: r[0]["val_loss"] - r[0]["loss"] for k, r in results.items()}
    assert round(gap["Overfitting"], 1) == 1.5
    assert round(gap["L2"], 1) == 0.6 and round(results["L2"][1][-1], 2) == 0.65
    assert results["L2"][0]["val_metric"] == 0.86
    assert round(gap["Dropout"], 2) in (0.55, 0.56)
    assert gap["L2"] < gap["Overfitting"] / 2 and gap["Dropout"] < gap["Overfitting"] / 2
    x_drop = results["Dropout"][2][int(np.argmin(results["Dropout"][1]))]
    assert 85 <= x_drop <= 115

    tr = trainer(lesson, step_by_title(lesson, "Early stopping"))
    tr.run(epochs=300)
    assert tr.stopped and tr.stop_info["kind"] == "early_stopping"
    assert tr.epoch == 47 and tr.stop_info["best_epoch"] == 27
    assert "restored" in tr.stopped
    assert tr.evaluate()["val_loss"] == pytest.approx(val[26])  # the best epoch's weights are back
    tr = trainer(lesson, step_by_title(lesson, "Stop at a target"))
    tr.run(epochs=300)
    # the metric in words, as the Training panel names it (it read "val_accuracy")
    assert tr.stopped.startswith("target reached after epoch 15: validation accuracy = ")
    assert tr.evaluate()["val_metric"] >= 0.8
    text = " ".join(text_of(lesson, k) for k in range(len(lesson.steps)))
    for number in ("0.42", "epoch 27", "1.5", "78 %", "0.65", "0.86", "0.55", "epoch 47", "epoch 15"):
        assert number in text, number


# ------------------------------------------------------------------------------ lesson 11
def test_lesson_11_softmax_and_the_digits(lessons):
    lesson = lessons[11]
    tr = trainer(lesson, step_by_title(lesson, "Three classes"))
    assert tr.spec.n_outputs == 3 and tr.spec.loss == "cce"
    ph = phases(tr)
    p = ph["forward"].output
    assert p.sum() == pytest.approx(1.0) and np.all((0.25 < p) & (p < 0.45))
    assert "between 0.25 and 0.45" in text_of(lesson, 0)
    onehot = np.eye(3)[int(ph["forward"].y)]
    np.testing.assert_allclose(ph["backward"].delta[-1], p - onehot)
    tr.run(epochs=29)
    assert round(tr.evaluate()["val_metric"], 2) == 0.98

    tr = trainer(lesson, step_by_title(lesson, "Handwritten digits"))
    assert tr.spec.layer_sizes == (64, 32, 10)
    tr.run(epochs=10)
    val_acc = tr.evaluate()["val_metric"]
    assert val_acc > 0.9 and round(val_acc, 2) == 0.97
    C = confusion_matrix(tr.network.forward(tr.Xv), tr.yv, "multiclass", 10)
    assert np.trace(C) / C.sum() > 0.9
    assert all(C[k, k] == C[k].max() and C[k, k] > 0.8 * C[k].sum() for k in range(10))


#: the drawing pad's brush (``drawing_pad_widget.BRUSH``, Qt-side): a cell and, at half and
#: a quarter, its neighbours; painting never darkens … here as a rule, not an import, so
#: these tests stay Qt-free (the window test draws the same strokes with the mouse)
PAD_BRUSH = {(0, 0): 1.0, (-1, 0): 0.5, (1, 0): 0.5, (0, -1): 0.5, (0, 1): 0.5,
             (-1, -1): 0.25, (-1, 1): 0.25, (1, -1): 0.25, (1, 1): 0.25}


def pad_stroke(pixels, cells, hi=16.0):
    """The 8×8 ``pixels`` after the left button has brushed ``cells`` (row, column), from 0."""
    img = np.array(pixels, dtype=float).reshape(8, 8)
    for r0, c0 in cells:
        for (dr, dc), share in PAD_BRUSH.items():
            if 0 <= r0 + dr < 8 and 0 <= c0 + dc < 8:
                img[r0 + dr, c0 + dc] = max(img[r0 + dr, c0 + dc], share * hi)
    return img.ravel()


def test_lesson_11_the_digits_seen_and_drawn(lessons):
    """The gallery and pad step, at every iteration a learner may pause at "about epoch 10"
    (9 to 11 epochs): what the gallery lists first and what the pad answers."""
    lesson = lessons[11]
    i = step_by_title(lesson, "See the digits")
    step = lesson.steps[i]
    assert step.workspace == "explore" and step.view == "DigitGalleryView" and not step.restarts
    assert [(c.view, c.call, c.args) for c in step.view_setup] == [
        ("DigitGalleryView", "set_set", ("validation",)), ("DigitGalleryView", "set_misclassified_first", (True,))]
    # Apply keeps the network the step before trained: the same project
    assert step_state(lesson, i)[:3] == step_state(lesson, i - 1)[:3]
    tr = trainer(lesson, i)
    P = tr.data
    assert len(tr.yv) == 359 and tr.spec.layer_sizes == (64, 32, 10)
    first = P.raw.X[69]
    tail = pad_stroke(first, [(r, 5) for r in range(2, 7)])  # the 6th column, rows 3 to 7
    one = pad_stroke(np.zeros(64), [(r, c) for c in (3, 4) for r in range(8)])  # down the 4th and 5th column
    per_epoch = 45
    assert math.ceil(len(tr.y) / 32) == per_epoch
    tr.run(iterations=9 * per_epoch)
    seen_wrong = set()

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def probabilities(pixels):  # what the pad shows: raw pixels, transformed as the data were
        return softmax(tr.network.forward(P.transform(pixels[None, :])))

    for k in range(2 * per_epoch + 1):
        p = softmax(tr.network.forward(tr.Xv))
        pred = p.argmax(axis=1)
        wrong = np.flatnonzero(pred != tr.yv)
        seen_wrong.add(len(wrong))
        assert 11 <= len(wrong) <= 14, k
        # the first red image (misclassified first, each in set order) is sample #69, 9→8
        assert P.val_index[wrong[0]] == 69 and (tr.yv[wrong[0]], pred[wrong[0]]) == (9, 8)
        q = probabilities(first)[0]
        assert q.argmax() == 8 and 49 <= round(100 * q[8]) <= 71 and np.argsort(-q)[1] == 9, (k, q)
        q = probabilities(tail)[0]
        assert q.argmax() == 9 and q[9] > 0.9 and q[8] < 0.1, (k, q)
        q = probabilities(one)[0]
        assert q.argmax() == 1 and round(q[1], 2) == 1.0, (k, q)
        if k == per_epoch:  # epoch 10: the count the text quotes
            assert len(wrong) == 11 and f"{359 - 11} of 359 right (97%)" in text_of(lesson, i)
        if k < 2 * per_epoch:
            tr.run(iterations=1)
    assert min(seen_wrong) == 11 and max(seen_wrong) == 14
    text = text_of(lesson, i)
    for words in ("Between 11 and 14 of the 359", "sample #69", "9→8", "49 to 71 %", "over 90 %", "under 10 %",
                  "a 1 at 100 %", "32 ReLU neurons", "on blank paper", "6th column", "the 3rd row to the 7th",
                  "4th and the 5th column"):
        assert words in text, words


# ------------------------------------------------------------------------------ lesson 12
def test_lesson_12_mae_and_huber_resist_outliers(lessons):
    lesson = lessons[12]
    slope = {}
    for name in ("Mean squared", "Mean absolute", "Huber, δ = 1", "Huber, δ = 0.3"):
        i = step_by_title(lesson, name)
        tr = trainer(lesson, i)
        tr.run(iterations=200)
        s200 = tr.network.params[0]
        tr.run(iterations=300)
        slope[name] = tr.network.params[0]
        assert abs(slope[name] - s200) < 0.02  # settled after about 200 iterations
        assert f"{slope[name]:.2f}" in text_of(lesson, i)
    err = {k: abs(v - 2.0) for k, v in slope.items()}
    assert err["Mean absolute"] < err["Mean squared"] and err["Huber, δ = 1"] < err["Mean squared"]
    assert err["Huber, δ = 0.3"] < err["Huber, δ = 1"]
    assert round(slope["Mean squared"], 2) == 0.92
    r2 = {}
    for name in ("Mean squared", "Mean absolute"):
        tr = trainer(lesson, step_by_title(lesson, name))
        tr.run(iterations=500)
        r2[name] = tr.evaluate()["metric"]  # the R² counter
    assert (round(r2["Mean squared"], 2), round(r2["Mean absolute"], 2)) == (0.12, -0.13)
    assert "from 0.12 to −0.13" in text_of(lesson, step_by_title(lesson, "Mean absolute"))
