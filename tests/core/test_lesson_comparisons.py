"""The lessons that open with two runs side by side, run headless as the window runs them.

A step's ``compare`` forks run B from run A once the step's settings and restart are
done (the window calls ``comparison.start(step.compare)``, which makes B with
:meth:`Comparison.fork`). Each check builds the lesson's project after the steps up to
the comparison step, exactly as the window does, forks B with the step's text, trains
both in lockstep as the step's text says and asserts every number that text states
about A and about B. Then: how a broken ``compare`` is refused, and what the step's
button says it does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from nnstudio.app.lessons import (
    MAX_COMPARE_CHARS,
    LessonError,
    describe_changes,
    load_lesson,
    load_lessons,
    step_state,
    trainer_for,
)
from nnstudio.core.comparison import Comparison
from nnstudio.core.data import prepare
from nnstudio.core.network import Network
from nnstudio.core.project_reader import MAX_PARAMETERS
from nnstudio.core.run_changes import RunChanges
from nnstudio.core.trainer import Trainer

LESSON_DIR = Path(__file__).resolve().parents[2] / "resources" / "lessons"
#: the lessons the issue names (learning rate, batches, optimizers, activations,
#: vanishing gradients, regularisation) and the step of each that compares two runs
COMPARING = {4: "Too small", 5: "Full batch", 6: "On a network", 7: "Sigmoid", 8: "Sigmoid, standard",
             10: "Overfitting"}


@pytest.fixture(scope="module")
def lessons():
    return {lesson.number: lesson for lesson in load_lessons(LESSON_DIR)}


def step_index(lesson, start):
    return next(i for i, s in enumerate(lesson.steps) if s.title.startswith(start))


def comparison(lesson, start):
    """Run A as the window has it after applying the step (its restart included), and
    run B forked from it with the step's ``compare``; and the step's text."""
    i = step_index(lesson, start)
    network, config, data, weights = step_state(lesson, i)
    prepared = prepare(data)
    a = trainer_for(network, config, prepared, weights) or Trainer(network, config, prepared)
    step = lesson.steps[i]
    assert step.restarts and step.compare is not None
    cmp = Comparison.fork(a, step.compare)
    assert cmp.a is a and a.iteration == 0 and cmp.b.iteration == 0
    assert step.compare_label == cmp.label
    return cmp, " ".join((step.text, step.look))


def full_losses(tr):
    """The loss on the whole training set at every point of the run's path."""
    _, path = tr.trajectory_array()
    net = Network(tr.spec, 0)
    out = []
    for p in path:
        net.set_flat(p)
        out.append(net.evaluate(tr.X, tr.y))
    return np.array(out)


def delta_ratio(tr):
    """The back-propagated δ (RMS) of the first hidden layer and of the output, before training."""
    d = tr.probe().column("delta_rms")
    return d[0], d[-1]


# ------------------------------------------------------------------------------ which steps compare
def test_the_lessons_of_the_issue_open_with_a_comparison(lessons):
    comparing = {n: i for n, lesson in lessons.items() for i, s in enumerate(lesson.steps) if s.compare}
    assert set(comparing) == set(COMPARING)
    for n, i in comparing.items():  # each changes something, so B differs from A
        network, config, _, _ = step_state(lessons[n], i)
        step = lessons[n].steps[i]
        assert RunChanges.parse(step.compare).apply(network, config) != (network, config), n
    for n, start in COMPARING.items():
        lesson = lessons[n]
        i = comparing[n]
        assert lesson.steps[i].title.startswith(start)
        # the first step that trains a network of the lesson's own project (lesson 6 races first)
        assert i == 0 or all(not s.restarts for s in lesson.steps[:i]), n
        text = lessons[n].steps[i].text
        assert "run A (blue)" in text and "run B (orange)" in text, n
    for lesson in lessons.values():  # every other lesson's steps train one run
        assert lesson.number in COMPARING or not any(s.compare for s in lesson.steps)


def test_a_comparison_steps_button_says_it_starts_run_b(lessons):
    step = lessons[4].steps[step_index(lessons[4], "Too small")]
    assert step.compare == "lr=0.1" and step.compare_label == "B: η = 0.1"
    assert describe_changes(step) == ("learning rate η = 0.001; training starts over; "
                                      "then run B beside it (B: η = 0.1)")
    assert step.has_action and step.changes_run
    only_views = lessons[6].steps[0]  # the race: views only, a comparison stays open
    assert only_views.compare is None and not only_views.changes_run and only_views.has_action


# ------------------------------------------------------------------------------ lesson 4
def test_lesson_4_too_small_beside_good(lessons):
    cmp, text = comparison(lessons[4], "Too small")
    assert cmp.label == "B: η = 0.1" and cmp.b.config.learning_rate == 0.1 and cmp.a.config.learning_rate == 0.001
    assert round(cmp.a.evaluate()["loss"], 2) == round(cmp.b.evaluate()["loss"], 2) == 5.55  # the same start
    cmp.run(iterations=100)
    a, b = cmp.a, cmp.b
    assert a.iteration == b.iteration == 100
    assert round(a.evaluate()["loss"], 2) == 4.36 and round(float(a.network.params[0]), 2) == -0.79
    assert (a.network.params[0] + 1) / 3 < 0.08  # about 7 % of the way to 2
    p, bias = b.network.params
    assert round(float(p), 4) == 1.9985 and abs(bias) < 1e-6 and b.evaluate()["loss"] < 1e-6
    for words in ("5.55 to 4.36", "−1 to −0.79", "7 %", "100 times longer", "p = 1.9985",
                  "below one millionth"):
        assert words in text, words
    # "run B of the step before, now alone": the next step trains exactly B
    network, config, data, weights = step_state(lessons[4], step_index(lessons[4], "Good"))
    alone = trainer_for(network, config, prepare(data), weights)
    alone.run(iterations=100)
    np.testing.assert_array_equal(alone.network.params, b.network.params)


# ------------------------------------------------------------------------------ lesson 5
def test_lesson_5_full_batch_beside_sgd(lessons):
    cmp, text = comparison(lessons[5], "Full batch")
    assert cmp.label == "B: SGD (1 sample) instead of full batch"
    for _ in range(30):  # Step epoch, 30 times: an epoch of A, B kept at A's count
        cmp.run_epoch()
    a, b = cmp.a, cmp.b
    assert (a.iteration, a.epoch) == (30, 30) and b.iteration == 30 and b.epoch == 0  # B: 30 of 50 samples
    la, lb = full_losses(a), full_losses(b)
    assert len(la) == len(lb) == 31
    assert np.all(np.diff(la) < 0)  # A's loss never goes up
    assert int(np.sum(np.diff(lb) > 1e-12)) == 9  # 9 of B's 30 steps go uphill
    assert round(la[-1], 2) == 0.14 and round(lb[-1], 2) == 0.12
    assert round(a.evaluate()["loss"], 2) == 0.14 and round(b.evaluate()["loss"], 2) == 0.12
    for words in ("30 updates", "30 epochs", "0.14", "only 30 samples", "9 of its 30 steps", "0.12",
                  "a fiftieth"):
        assert words in text, words
    assert a.n_train == 50
    # the Loss view plots against iterations for this step and against epochs again after it
    steps = lessons[5].steps
    axis = [[c.args for c in s.view_setup if c.call == "set_x_axis"] for s in steps]
    assert axis == [[("iteration",)], [("epoch",)], [("epoch",)]]


# ------------------------------------------------------------------------------ lesson 6
def test_lesson_6_sgd_beside_adam_on_a_network(lessons):
    cmp, text = comparison(lessons[6], "On a network")
    assert cmp.b.config.optimizer == "adam" and cmp.b.config.learning_rate == 0.01
    np.testing.assert_array_equal(cmp.a.network.params, cmp.b.network.params)  # the same weights
    cmp.run(epochs=100)
    a, b = cmp.a, cmp.b
    assert a.epoch == b.epoch == 100 and a.iteration == b.iteration == 2400
    loss_a, loss_b = a.evaluate()["loss"], b.evaluate()["loss"]
    assert round(loss_a, 2) == 0.63 and round(loss_b, 2) == 0.34
    assert "about 0.63" in text and "about 0.34" in text
    # B is what the Adam step trains alone, so the two steps tell the same story
    network, config, data, _ = step_state(lessons[6], step_index(lessons[6], "Adam"))
    alone = Trainer(network, config, prepare(data))
    alone.run(epochs=100)
    assert alone.evaluate()["loss"] == pytest.approx(loss_b, abs=1e-9)


# ------------------------------------------------------------------------------ lesson 7
def test_lesson_7_sigmoid_beside_relu(lessons):
    cmp, text = comparison(lessons[7], "Sigmoid")
    assert [h.activation for h in cmp.b.spec.hidden] == ["relu", "relu"]
    assert [h.init for h in cmp.b.spec.hidden] == ["he_uniform", "he_uniform"]
    assert "other initial weights" in cmp.note  # so "B's weights are drawn afresh"
    a, b = cmp.a, cmp.b
    assert round(a.evaluate()["loss"], 2) == 0.79
    while not b.stopped:
        cmp.run_epoch()
    assert b.stopped.startswith("target reached after epoch 16") and b.epoch == 16
    assert not a.stopped and a.epoch == 16
    assert round(a.evaluate()["loss"], 2) == 0.69 and abs(a.evaluate()["loss"] - np.log(2)) < 0.001
    cmp.run(epochs=600)  # Play goes on with A alone
    assert cmp.stopped and b.epoch == 16
    assert a.stopped.startswith("target reached after epoch 250") and a.iteration == 4000
    assert a.epoch > 15 * b.epoch
    for words in ("after epoch 16", "shows 0.69, down only from 0.79", "ln 2 ≈ 0.69", "at most 0.25",
                  "after epoch 250 (4,000 iterations)",
                  "more than fifteen times later", "drawn afresh"):
        assert words in text, words


# ------------------------------------------------------------------------------ lesson 8
def test_lesson_8_sigmoid_standard_beside_relu_he(lessons):
    cmp, text = comparison(lessons[8], "Sigmoid, standard")
    a, b = cmp.a, cmp.b
    assert len(b.spec.hidden) == 6 and {h.activation for h in b.spec.hidden} == {"relu"}
    first_a, out_a = delta_ratio(a)
    first_b, out_b = delta_ratio(b)
    assert round(out_a, 2) == 0.57 and round(first_a * 1e6, 1) == 1.3
    assert 3e5 < out_a / first_a < 6e5  # "some 400,000 times smaller"
    assert round(first_b, 2) == 0.17 and round(out_b, 2) == 0.69 and round(out_b / first_b) == 4
    cmp.run(epochs=10)
    assert b.history.epochs.column("loss")[-1] < 0.1
    cmp.run(epochs=40)
    assert a.epoch == b.epoch == 50
    assert round(a.history.epochs.column("loss")[-1], 2) == 0.70
    assert b.history.epochs.column("loss")[-1] < 0.001
    for words in ("about 0.57", "0.0000013", "400,000 times smaller", "1/4 of the output's (0.17 against 0.69)",
                  "still 0.70", "below 0.1 after 10 epochs", "below 0.001 after 50"):
        assert words in text, words


# ------------------------------------------------------------------------------ lesson 10
def test_lesson_10_overfitting_beside_l2(lessons):
    cmp, text = comparison(lessons[10], "Overfitting")
    assert cmp.label == "B: L2 λ = 0.003"
    cmp.run(epochs=300)
    a, b = cmp.a, cmp.b
    assert a.epoch == b.epoch == 300
    val_a = a.history.epochs.column("val_loss")
    x = a.history.epochs.column("x")
    best = int(np.argmin(val_a))
    assert round(val_a[best], 2) == 0.42 and 20 <= x[best] <= 35
    assert round(val_a[-1], 1) == 1.5 and a.history.epochs.column("loss")[-1] < 0.01
    ea, eb = a.evaluate(), b.evaluate()
    assert ea["metric"] == 1.0 and ea["val_metric"] == 0.78
    assert round(b.history.epochs.column("val_loss")[-1], 2) == 0.65 and eb["val_metric"] == 0.86
    assert eb["val_loss"] < ea["val_loss"] / 2
    for words in ("about 0.42, near epoch 27", "about 1.5", "78 %", "about 0.65", "86 %", "λ = 0.003"):
        assert words in text, words


# ------------------------------------------------------------------------------ broken comparisons
def _copy(tmp_path, name="04_learning_rate.json"):
    shutil.copytree(LESSON_DIR / "data", tmp_path / "data", dirs_exist_ok=True)
    raw = json.loads((LESSON_DIR / name).read_text(encoding="utf-8"))
    return raw, tmp_path / name


@pytest.mark.parametrize("value, words", [
    (0.1, "must be text naming what run B changes, like \"lr=0.1\", not a number"),
    (["lr=0.1"], "not a list"),
    ({"lr": 0.1}, "not an object"),
    (True, "not true/false"),
    ("", "must name what run B changes"),
    ("   ", "must name what run B changes"),
    ("lr=" + "1" * MAX_COMPARE_CHARS, f"may have at most {MAX_COMPARE_CHARS}"),
    ("speed=3", "run B cannot be made: unknown setting 'speed'"),
    ("lr", "'lr' is not a change"),
    ("lr=fast", "learning_rate must be a number, not 'fast'"),
    ("lr=-1", "run B cannot be made: the learning rate must be greater than 0"),
    ("lr=1e999", "must be a finite number"),
    ("lr=nan", "must be a finite number"),
    ("optimizer=adamm", "run B cannot be made"),
    ("lr=0.3 lr=0.4", "learning_rate is changed twice"),
    ("activation=relu,tanh", "has 2 values but the network has 0 hidden layer(s)"),
    ("loss=bce", "run B cannot be made"),
    ("hidden=2000,2000", f"run B's network would have 4,008,001 parameters; a lesson's network may have at most "
                         f"{MAX_PARAMETERS:,}"),
    ("lr=0.1\x1b[31m", "run B cannot be made"),
])
def test_a_bad_comparison_is_refused_naming_the_step(tmp_path, value, words):
    raw, path = _copy(tmp_path)
    raw["steps"][0]["compare"] = value
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LessonError) as info:
        load_lesson(path)
    msg = str(info.value)
    assert msg.startswith("04_learning_rate.json, steps[0].compare: "), msg
    assert words in msg, msg
    assert msg.isprintable() and "unexpected" not in msg and len(msg) <= 500


def test_a_comparison_is_checked_against_the_step_it_belongs_to(tmp_path):
    """B is forked from A as the step leaves it: its legend names the difference from that A."""
    raw, path = _copy(tmp_path)
    good = next(i for i, s in enumerate(raw["steps"]) if s["title"].startswith("Good"))
    raw["steps"][good]["compare"] = "optimizer=momentum momentum=0.9"
    raw["steps"][good + 1]["compare"] = "lr=0.1"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    steps = load_lesson(path).steps
    assert steps[good].compare_label == "B: Momentum instead of Gradient descent (SGD), μ = 0.9"
    assert steps[good + 1].compare_label == "B: η = 0.1"
    # a step that changes the network: B's changes are checked against the new network
    raw, path = _copy(tmp_path, "09_hidden_layers_and_features.json")
    first = raw["steps"][0]
    assert first["apply"]["network"]["hidden"] == []  # XOR without a hidden layer
    first["compare"] = "activation=relu,tanh"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LessonError, match=r"steps\[0\]\.compare: run B cannot be made: activation has 2 values but "
                                          r"the network has 0 hidden layer"):
        load_lesson(path)
    first["compare"] = "hidden=4 activation=tanh"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    assert load_lesson(path).steps[0].compare_label == "B: hidden 4 instead of no hidden layer, Tanh instead of none"


def test_the_readme_documents_compare_and_its_rule():
    text = (LESSON_DIR / "README.md").read_text(encoding="utf-8")
    assert "| `compare` |" in text and "`\"lr=0.1\"`" in text
    assert f"{MAX_COMPARE_CHARS} characters" in text
    assert "When a comparison ends" in text and "Next and Previous never touch it" in text
    for n in COMPARING:
        assert f"`{n:02d}_" in text


def test_run_b_keeps_the_lessons_classroom_locks(tmp_path):
    """B may be made the main run, so what the lesson locks may not differ in B."""
    raw, path = _copy(tmp_path)
    raw["classroom"] = {"format": 1, "hidden": [], "locked": ["learning_rate"]}
    for step in raw["steps"]:  # the lesson's own steps change η, which is locked here
        step.pop("apply", None)
    raw["steps"][0]["compare"] = "lr=0.3"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LessonError, match=r"steps\[0\]\.compare: changes a setting the lesson locks "
                                          r"\(learning_rate\) in run B; unlock it in 'classroom'"):
        load_lesson(path)
    raw["classroom"]["locked"] = ["optimizer"]
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    assert load_lesson(path).steps[0].compare == "lr=0.3"
