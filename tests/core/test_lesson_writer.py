"""Lessons written in the app, lessons with classroom restrictions, and the user's lessons folder."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.app.lesson_writer import StepText, file_name_for, lesson_dict, next_number, write_lesson
from nnstudio.app.lessons import LessonError, lesson_state, load_lesson, load_lessons, user_lessons_folder
from nnstudio.core.data import DataSpec
from nnstudio.core.restrictions import Restrictions
from nnstudio.core.run_changes import RunChanges
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig

NETWORK = NetworkSpec(n_inputs=2, hidden=(LayerSpec(3, "relu"),), task="binary")
CONFIG = TrainConfig(optimizer="momentum", learning_rate=0.2, seed=5)
DATA = DataSpec(name="xor", n_samples=200, noise=0.2, seed=4)
STEPS = [StepText("Raise it", "Set **η** to 1."), StepText("Lower it", "Now 0.01.")]


def _doc(**kw):
    args = dict(title="My η lesson", intro="What the learning rate does.\n\nSecond paragraph.", steps=STEPS,
                network=NETWORK, config=CONFIG, data=DATA, number=100)
    args.update(kw)
    return lesson_dict(**args)


def test_written_lesson_reads_back_with_its_project_text_and_weights(tmp_path):
    weights = np.arange(NETWORK.n_parameters, dtype=np.float64) / 7 - 1
    r = Restrictions(frozenset({"view.race"}), frozenset({"learning_rate"}))
    lesson = write_lesson(tmp_path / "mine.json", _doc(weights=weights, workspace="inspect",
                                                      views=["NetworkView", "LossView", "NoSuchView"],
                                                      front="LossView", classroom=r))
    assert lesson.title == "My η lesson" and lesson.number == 100
    assert lesson.intro.startswith("What the learning rate does.") and lesson.summary == "What the learning rate does."
    assert [(s.title, s.text) for s in lesson.steps] == [(s.title, s.text) for s in STEPS]
    network, config, data, w = lesson_state(lesson)
    assert (network, config, data) == (NETWORK, CONFIG, DATA)
    np.testing.assert_array_equal(w, weights)  # exactly: JSON keeps every bit of a float64
    assert lesson.workspace == "inspect" and lesson.views == ("NetworkView", "LossView") and lesson.front == "LossView"
    assert lesson.classroom == r


def test_without_weights_and_restrictions():
    doc = _doc()
    assert "weights" not in doc["project"] and "classroom" not in doc
    assert "classroom" not in _doc(classroom=Restrictions())


@pytest.mark.parametrize("change, words", [
    (dict(title="  "), "needs a title"),
    (dict(intro=""), "introduction"),
    (dict(steps=[]), "at least one step"),
    (dict(steps=[StepText("", "text without a title")]), "step 1 needs a title"),
    (dict(steps=[StepText("s")] * 101), "at most 100 steps"),
    (dict(data=DataSpec(source="inline")), "painted points"),
    (dict(weights=np.zeros(3)), "do not fit"),
])
def test_incomplete_lessons_are_refused(change, words):
    with pytest.raises(LessonError, match=words):
        _doc(**change)


def test_empty_steps_are_left_out():
    doc = _doc(steps=[StepText("One", "x"), StepText("", "  ")])
    assert [s["title"] for s in doc["steps"]] == ["One"]


def test_a_lesson_too_large_is_not_written(tmp_path):
    big = NetworkSpec(n_inputs=2, hidden=(LayerSpec(300, "tanh"), LayerSpec(300, "tanh")), task="binary")
    doc = _doc(network=big, weights=np.full(big.n_parameters, 0.123456789012345))
    with pytest.raises(LessonError, match="leave the weights out"):
        write_lesson(tmp_path / "big.json", doc)
    assert not (tmp_path / "big.json").exists()


def test_names_numbers_and_the_user_folder(tmp_path, monkeypatch):
    assert file_name_for("My η lesson!", tmp_path).name == "my_lesson.json"
    (tmp_path / "my_lesson.json").write_text("{}")
    assert file_name_for("My η lesson!", tmp_path).name == "my_lesson_2.json"
    assert file_name_for("!!!", tmp_path).name == "lesson.json"
    monkeypatch.setenv("NNSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    bundled = load_lessons()
    assert next_number(bundled) == 100 and next_number([]) == 100
    folder = user_lessons_folder()
    assert folder == tmp_path / "config" / "lessons" and not folder.exists()  # listing makes no folder
    assert len(load_lessons(problems=[])) == len(bundled)
    write_lesson(folder / "mine.json", _doc())
    listed = load_lessons()
    assert [le.title for le in listed][-1] == "My η lesson" and len(listed) == len(bundled) + 1


def test_a_lesson_whose_step_changes_a_locked_setting_is_refused(tmp_path):
    doc = _doc(classroom=Restrictions(locked=frozenset({"learning_rate"})))
    doc["steps"][0]["apply"] = {"train": {"learning_rate": 1.0}}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(LessonError, match=r"steps\[0\]\.apply: changes a setting the lesson locks \(learning_rate\)"):
        load_lesson(path)
    doc["steps"][0]["apply"] = {"train": {"batch_size": 3}}  # not locked: fine
    path.write_text(json.dumps(doc))
    assert load_lesson(path).steps[0].apply == {"train": {"batch_size": 3}}


@pytest.mark.parametrize("value, words", [
    ({"hidden": ["nope"]}, "classroom: classroom 'hidden'\\[0\\]: unknown item"),
    ({"format": 3}, "newer nnstudio"),
    ([1], "JSON object"),
])
def test_a_lesson_with_malformed_restrictions_is_refused(tmp_path, value, words):
    doc = _doc()
    doc["classroom"] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(LessonError, match=words):
        load_lesson(path)


def test_a_lesson_never_hides_the_panel_that_shows_its_text(tmp_path):
    # a teacher in classroom mode with the Lessons panel hidden saves a lesson: its text stays readable
    r = Restrictions(frozenset({"panel.lessons", "view.race"}), frozenset({"learning_rate"}))
    lesson = write_lesson(tmp_path / "mine.json", _doc(classroom=r))
    assert lesson.classroom == Restrictions(frozenset({"view.race"}), frozenset({"learning_rate"}))
    # a file that asks for it all the same is refused, saying why
    doc = _doc()
    doc["classroom"] = r.to_dict()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(LessonError, match="classroom: .*Lessons panel.*where the lesson's text is shown"):
        load_lesson(path)


def test_a_lesson_on_a_csv_file_carries_a_copy_that_opens_anywhere(tmp_path):
    import shutil

    src = tmp_path / "teacher" / "my points.csv"
    src.parent.mkdir()
    rows = ["x1,x2,label"] + [f"{i % 7 - 3},{i % 5 - 2},{'a' if (i % 7 - 3) * (i % 5 - 2) > 0 else 'b'}"
                              for i in range(60)]
    src.write_text("\n".join(rows) + "\n")
    data = DataSpec(source="csv", csv_path=str(src), target_column="label", seed=2)
    doc = _doc(data=data)
    lesson = write_lesson(tmp_path / "lessons" / "mine.json", doc)
    assert doc["project"]["data"]["csv_path"] == str(src)  # the caller's dict is unchanged
    copy = tmp_path / "lessons" / "data" / "mine_my_points.csv"
    assert copy.read_bytes() == src.read_bytes()
    written = json.loads((tmp_path / "lessons" / "mine.json").read_text())
    assert written["project"]["data"]["csv_path"] == "data/mine_my_points.csv"
    assert lesson_state(lesson)[2].csv_path == str(copy.resolve())
    # the learner's computer: the lesson folder elsewhere, the teacher's file gone
    shutil.copytree(tmp_path / "lessons", tmp_path / "learner")
    shutil.rmtree(tmp_path / "lessons")
    src.unlink()
    moved = load_lesson(tmp_path / "learner" / "mine.json")
    network, config, data_back, _ = lesson_state(moved)
    assert data_back.csv_path == str((tmp_path / "learner" / "data" / "mine_my_points.csv").resolve())
    assert {**data_back.to_dict(), "csv_path": ""} == {**data.to_dict(), "csv_path": ""}


def test_a_csv_too_large_to_carry_is_refused_and_nothing_is_left(tmp_path, monkeypatch):
    import nnstudio.app.lesson_writer as lw

    src = tmp_path / "big.csv"
    src.write_text("x1,x2,label\n" + "1,2,a\n3,4,b\n" * 20)
    monkeypatch.setattr(lw, "MAX_CSV_COPY_BYTES", 100)
    with pytest.raises(LessonError, match="larger than"):
        write_lesson(tmp_path / "l" / "x.json", _doc(data=DataSpec(source="csv", csv_path=str(src),
                                                                  target_column="label")))
    assert not (tmp_path / "l" / "x.json").exists()
    assert not list((tmp_path / "l" / "data").glob("*"))


# ----------------------------------------------------------------------------- run B of a comparison
DEEP = NetworkSpec(n_inputs=2, hidden=tuple(LayerSpec(5, "tanh") for _ in range(6)), task="binary")
#: a comparison Training › Compare… makes (exact numbers, one value per layer): 250+ characters
LONG = RunChanges.parse("optimizer=adam lr=0.30000000000000004 beta1=0.85 beta2=0.995 eps=1e-07 l2=0.0001 "
                        "batch_mode=minibatch batch_size=32 activation=relu,relu,elu,elu,gelu,gelu "
                        "init=he_uniform,he_uniform,he_normal,he_normal,glorot_uniform,glorot_uniform "
                        "dropout=0,0.1,0.1,0.2,0.2,0")


def test_a_comparison_is_the_first_step_with_a_restart_and_reads_back_as_the_window_made_it(tmp_path):
    changes = RunChanges.parse("lr=0.3 optimizer=adam")
    lesson = write_lesson(tmp_path / "two.json", _doc(compare=changes))
    written = json.loads((tmp_path / "two.json").read_text(encoding="utf-8"))
    assert written["steps"][0]["compare"] == "lr=0.3 optimizer=adam" and written["steps"][0]["restart"] is True
    assert "compare" not in written["steps"][1] and "restart" not in written["steps"][1]
    first = lesson.steps[0]
    assert RunChanges.parse(first.compare) == changes and first.restarts
    # the legend the window gives B when the step forks it from the lesson's A
    assert first.compare_label == changes.label(NETWORK, CONFIG) == "B: η = 0.3, Adam instead of Momentum"
    assert not lesson.steps[1].changes_run


def test_without_a_comparison_no_step_compares():
    for doc in (_doc(), _doc(weights=np.zeros(NETWORK.n_parameters), classroom=Restrictions())):
        assert all("compare" not in s and "restart" not in s for s in doc["steps"])


@pytest.mark.parametrize("changes", [
    LONG,
    RunChanges.parse("hidden=16,16,16 init=he_uniform seed=9"),
    RunChanges.parse("loss=cce"),
    RunChanges.parse("l1=1e-05 schedule=exponential decay_rate=0.97 early_stopping=patience patience=5"),
    RunChanges.parse("batch_mode=sgd momentum=0.5 dtype=float32"),
    RunChanges((("activation", ("relu",) * 6),)),  # a project's list: one value per layer
    RunChanges((("dropout", (0.5,)), ("init", ("he_normal",)), ("hidden", (7,)))),  # lists of one: one layer
    RunChanges((("learning_rate", 0.1 + 0.2),)),  # every bit of the number
])
def test_every_comparison_the_window_can_open_is_written_and_applies_the_same_run_b(tmp_path, changes):
    doc = _doc(network=DEEP, compare=changes)
    lesson = write_lesson(tmp_path / "b.json", doc)
    text = lesson.steps[0].compare
    assert RunChanges.parse(text).apply(DEEP, CONFIG) == changes.apply(DEEP, CONFIG)
    assert lesson.steps[0].compare_label == changes.label(DEEP, CONFIG)
    if changes is LONG:
        assert len(text) > 250  # beyond the old 200-character cap of a step's comparison


def test_run_b_that_changes_a_locked_setting_is_refused_before_anything_is_written(tmp_path):
    locked = Restrictions(locked=frozenset({"optimizer"}))
    with pytest.raises(LessonError, match=r"^run B cannot be part of the lesson: changes a setting the lesson locks "
                                          r"\(optimizer\) .*; untick “Step 1 starts run B”, or close run B$"):
        _doc(compare=RunChanges.parse("optimizer=adam"), classroom=locked)
    # restrictions left out of the lesson lock nothing in it
    assert _doc(compare=RunChanges.parse("optimizer=adam"), classroom=None)["steps"][0]["compare"] == "optimizer=adam"
    # B too large for a lesson's network
    with pytest.raises(LessonError, match="run B cannot be part of the lesson: run B's network would have"):
        _doc(compare=RunChanges.parse("hidden=2000,2000"))
    assert not list(tmp_path.iterdir())
