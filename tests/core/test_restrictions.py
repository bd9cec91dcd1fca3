"""Classroom restrictions: their JSON form, what each lock compares, and files that carry them."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import pytest

from nnstudio.core.data import DataSpec
from nnstudio.core.errors import ProjectError
from nnstudio.core.project import Project, load_project, project_from_bytes, project_to_bytes, save_project
from nnstudio.core.restrictions import (
    BY_KEY,
    CONTROLS,
    ITEMS,
    RestrictionError,
    Restrictions,
    Setup,
    check_change,
    locked_change,
    locked_message,
)
from nnstudio.core.safetext import MESSAGE_LIMIT
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig

BASE = Setup(NetworkSpec(n_inputs=2, hidden=(LayerSpec(4, "tanh"), LayerSpec(3, "tanh"))),
             TrainConfig(learning_rate=0.03, batch_size=10),
             DataSpec(name="spiral", noise=0.1, seed=3))


def _changed(**kw) -> Setup:
    net, cfg, data = BASE.network, BASE.config, BASE.data
    if "network" in kw:
        net = dataclasses.replace(net, **kw["network"])
    if "config" in kw:
        cfg = dataclasses.replace(cfg, **kw["config"])
    if "data" in kw:
        data = dataclasses.replace(data, **kw["data"])
    return Setup(net, cfg, data, kw.get("inline"))


def test_json_round_trip_in_catalogue_order():
    r = Restrictions(frozenset({"view.race", "optimizer", "panel.lessons"}), frozenset({"learning_rate", "noise"}))
    d = r.to_dict()
    assert d == {"format": 1, "hidden": ["panel.lessons", "view.race", "optimizer"],
                 "locked": ["noise", "learning_rate"]}
    assert Restrictions.from_dict(json.loads(json.dumps(d))) == r
    assert Restrictions.from_dict({}) == Restrictions()
    assert not Restrictions().active and r.active


@pytest.mark.parametrize("value, words", [
    ([], "JSON object"),
    ({"hidden": ["view.race"], "colour": 1}, "unknown field(s) 'colour'"),
    ({"format": 2}, "newer nnstudio"),
    ({"format": "1"}, "whole number"),
    ({"format": True}, "whole number"),
    ({"hidden": "view.race"}, "must be a list"),
    ({"hidden": [3]}, "item name"),
    ({"hidden": ["view.nope"]}, "unknown item 'view.nope'"),
    ({"locked": ["view.race"]}, "only controls lock"),
    ({"locked": ["noise", "noise"]}, "twice"),
    ({"hidden": ["noise"] * 500}, "there are only"),
    ({"hidden": ["\x1b[31m" + "x" * 5000]}, "unknown item"),
])
def test_malformed_restrictions_are_refused_with_a_short_message(value, words):
    with pytest.raises(RestrictionError) as err:
        Restrictions.from_dict(value)
    text = str(err.value)
    assert words in text
    assert len(text) <= MESSAGE_LIMIT and "\x1b" not in text


def test_every_control_locks_exactly_its_settings():
    changes = {
        "dataset": dict(data={"name": "xor"}),
        "noise": dict(data={"noise": 0.3}),
        "split": dict(data={"validation_fraction": 0.5}),
        "seeds": dict(config={"seed": 9}),
        "features": dict(data={"features": ("x1", "x2", "x1^2")}),
        "layers": dict(network={"hidden": (LayerSpec(5, "tanh"), LayerSpec(3, "tanh"))}),
        "activation": dict(network={"hidden": (LayerSpec(4, "relu"), LayerSpec(3, "tanh"))}),
        "loss": dict(network={"huber_delta": 2.0}),
        "learning_rate": dict(config={"learning_rate": 0.3}),
        "optimizer": dict(config={"optimizer": "adam"}),
        "batch_size": dict(config={"batch_size": 32}),
        "regularization": dict(config={"l2": 0.001}),
    }
    assert set(changes) == set(CONTROLS)
    for key, change in changes.items():
        after = _changed(**change)
        # locked alone, the change is refused and names the control; unlocked, it is not
        assert locked_change(Restrictions(locked=frozenset({key})), BASE, after) == key
        others = frozenset(CONTROLS) - {key}
        assert locked_change(Restrictions(locked=others), BASE, after) is None, key
        with pytest.raises(RestrictionError, match=BY_KEY[key].what):
            check_change(Restrictions(locked=frozenset({key})), BASE, after)


def test_hiding_does_not_lock_and_none_restricts_nothing():
    after = _changed(config={"learning_rate": 1.0})
    assert locked_change(Restrictions(hidden=frozenset({"learning_rate"})), BASE, after) is None
    assert locked_change(None, BASE, after) is None


def test_a_layer_added_with_the_same_activation_keeps_a_locked_activation():
    after = _changed(network={"hidden": BASE.network.hidden + (LayerSpec(2, "tanh"),)})
    assert locked_change(Restrictions(locked=frozenset({"activation"})), BASE, after) is None
    assert locked_change(Restrictions(locked=frozenset({"layers"})), BASE, after) == "layers"


def test_the_catalogue_has_the_issue_s_controls():
    for key in ("activation", "learning_rate", "optimizer", "batch_size", "regularization", "dataset", "noise",
                "features", "layers"):
        assert BY_KEY[key].lockable
    assert all(not i.lockable for i in ITEMS if i.key.startswith(("panel.", "view.")))


# ----------------------------------------------------------------------------- in project files
def _project_bytes(ui: dict) -> bytes:
    return project_to_bytes(Project(ui=ui))


def test_project_round_trips_its_restrictions(tmp_path):
    r = Restrictions(frozenset({"view.race"}), frozenset({"learning_rate"}))
    path = tmp_path / "p.nnproj"
    save_project(path, Project(ui={"classroom": r.to_dict(), "window": {"speed": 3}}))
    loaded = load_project(path)
    assert Restrictions.from_dict(loaded.ui["classroom"]) == r
    assert loaded.ui["window"] == {"speed": 3}


def test_a_project_without_restrictions_opens_as_before():
    assert "classroom" not in project_from_bytes(_project_bytes({})).ui


def _with_classroom(value) -> bytes:
    good = _project_bytes({})
    zin = zipfile.ZipFile(io.BytesIO(good))
    doc = json.loads(zin.read("project.json"))
    doc["ui"]["classroom"] = value
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        zout.writestr("project.json", json.dumps(doc), compress_type=zipfile.ZIP_DEFLATED)
        zout.writestr("arrays.npz", zin.read("arrays.npz"))
    return out.getvalue()


@pytest.mark.parametrize("value, words", [
    ({"hidden": ["view.nope"]}, "unknown item"),
    ({"format": 7}, "newer nnstudio"),
    ("everything", "JSON object"),
    ({"locked": ["panel.data"]}, "only controls lock"),
])
def test_a_project_with_malformed_restrictions_is_refused(value, words):
    with pytest.raises(ProjectError) as err:
        project_from_bytes(_with_classroom(value))
    assert words in str(err.value) and len(str(err.value)) <= MESSAGE_LIMIT


def test_standardising_the_inputs_is_a_change_of_the_locked_data_set():
    after = _changed(data={"standardize": not BASE.data.standardize})
    assert locked_change(Restrictions(locked=frozenset({"dataset"})), BASE, after) == "dataset"
    assert locked_change(Restrictions(locked=frozenset(CONTROLS) - {"dataset"}), BASE, after) is None



def test_the_locked_message_reads_as_a_sentence():
    # "The input features is locked" and "The seeds is locked" read wrongly
    assert locked_message("features").startswith("The choice of input features is locked in classroom mode")
    assert locked_message("seeds").startswith("The choice of seeds is locked in classroom mode")
    assert locked_message("learning_rate").startswith("The learning rate is locked in classroom mode")
