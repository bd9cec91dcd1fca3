"""Specs: validation messages for the learner, JSON round trips, unknown keys."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.activations import ACTIVATIONS
from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.specs import (
    BATCH_MODES,
    DTYPES,
    EARLY_STOPPING,
    INITIALIZERS,
    LOSSES_BY_TASK,
    OPTIMIZERS,
    SCHEDULES,
    TARGET_METRICS,
    LayerSpec,
    NetworkSpec,
    TrainConfig,
    fit_network_to_data,
)


def _json_round_trip(obj):
    return type(obj).from_dict(json.loads(json.dumps(obj.to_dict())))


# ----------------------------------------------------------------- validation messages
@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(units=0), "a layer needs at least 1 neuron"),
        (dict(units=-3), "a layer needs at least 1 neuron"),
        (dict(units=4097), "at most 4096 neurons"),
        (dict(units=2.5), "must be a whole number"),
        (dict(units=True), "must be a whole number"),
        (dict(activation="sigmod"), "unknown activation 'sigmod'; choose one of: " + ", ".join(ACTIVATIONS)),
        (dict(activation=["relu"]), "unknown activation"),
        (dict(init="xavier"), "unknown initialiser 'xavier'; choose one of: " + ", ".join(INITIALIZERS)),
        (dict(dropout=1.0), "it must be at least 0 and below 1, not 1.0"),
        (dict(dropout=-0.1), "it must be at least 0 and below 1"),
        (dict(dropout=float("nan")), "dropout must be a finite number"),
        (dict(bias_init=float("inf")), "the initial bias must be a finite number"),
        (dict(bias_init="0"), "the initial bias must be a number"),
        (dict(alpha=float("nan")), "α must be a finite number"),
    ],
)
def test_layer_spec_messages(kwargs, message):
    with pytest.raises(SpecError) as e:
        LayerSpec(**kwargs)
    assert message in str(e.value)
    assert isinstance(e.value, NNStudioError) and isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_inputs=0), "the network needs at least 1 input"),
        (dict(task="ranking"), "unknown task 'ranking'; choose one of: regression, binary, multiclass"),
        (dict(task="binary", loss="mse"), "the mse loss does not fit a binary task; use one of: bce, cce"),
        (dict(task="binary", loss="cce"), "a binary network with a softmax output (categorical cross-entropy) "
                                          "has 2 output units, one per class, not 1"),
        (dict(task="binary", loss="cce", n_outputs=3), "has 2 output units, one per class, not 3"),
        (dict(task="binary", loss=["cce"]), "the ['cce'] loss does not fit a binary task"),
        (dict(task="binary", loss="cce\x1b[2J"), "the cce\\x1b[2J loss does not fit a binary task"),
        (dict(task="regression", loss="bce"), "the bce loss does not fit a regression task; use one of: mse, mae, huber"),
        (dict(task="multiclass", n_outputs=3, loss="bce"), "the bce loss does not fit a multiclass task; use one of: cce"),
        (dict(task="multiclass", n_outputs=1), "at least 2"),
        (dict(task="binary", n_outputs=2), "a binary network with a sigmoid output (binary cross-entropy) "
                                           "has exactly 1 output unit, not 2"),
        (dict(task="regression", n_outputs=2), "a regression network has exactly 1 output unit, not 2"),
        (dict(hidden=(LayerSpec(),) * 65), "at most 64 hidden layers"),
        (dict(hidden=({"units": 3},)), "each hidden layer must be a LayerSpec"),
        (dict(output_init="nope"), "unknown initialiser 'nope'"),
        (dict(huber_delta=0.0), "Huber's δ must be greater than 0"),
        (dict(output_bias_init=float("nan")), "the initial output bias must be a finite number"),
    ],
)
def test_network_spec_messages(kwargs, message):
    with pytest.raises(SpecError) as e:
        NetworkSpec(**kwargs)
    assert message in str(e.value)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(learning_rate=-0.1), "the learning rate must be greater than 0, not -0.1"),
        (dict(learning_rate=0.0), "the learning rate must be greater than 0"),
        (dict(learning_rate=float("inf")), "the learning rate must be a finite number"),
        (dict(learning_rate=10**400), "the learning rate must be a finite number"),
        (dict(learning_rate="0.1"), "the learning rate must be a number"),
        (dict(optimizer="adamax"), "unknown optimizer 'adamax'; choose one of: " + ", ".join(OPTIMIZERS)),
        (dict(momentum=1.0), "momentum must be at least 0 and below 1, not 1.0"),
        (dict(beta1=1.0), "beta1 must be at least 0 and below 1"),
        (dict(beta2=-0.5), "beta2 must be at least 0 and below 1"),
        (dict(rho=1.5), "rho must be at least 0 and below 1"),
        (dict(eps=0.0), "ε must be greater than 0"),
        (dict(weight_decay=-1.0), "weight decay cannot be negative"),
        (dict(batch_mode="online"), "unknown batch mode 'online'; choose one of: " + ", ".join(BATCH_MODES)),
        (dict(batch_size=0), "a batch needs at least 1 sample"),
        (dict(batch_size=3.0), "the batch size must be a whole number"),
        (dict(schedule="cosine"), "unknown schedule 'cosine'; choose one of: " + ", ".join(SCHEDULES)),
        (dict(decay_rate=0.0), "the decay rate γ must be in (0, 1]"),
        (dict(decay_rate=1.5), "the decay rate γ must be in (0, 1]"),
        (dict(decay_epochs=0), "the epochs between decays must be at least 1"),
        (dict(l1=-0.1), "the L1 penalty λ cannot be negative"),
        (dict(l2=-0.1), "the L2 penalty λ cannot be negative"),
        (dict(early_stopping="sometimes"), "unknown early stopping 'sometimes'; choose one of: " + ", ".join(EARLY_STOPPING)),
        (dict(patience=0), "patience must be at least 1 epoch"),
        (dict(min_delta=-1.0), "the minimum improvement cannot be negative"),
        (dict(target_metric="f1"), "unknown target metric 'f1'; choose one of: " + ", ".join(TARGET_METRICS)),
        (dict(seed=-1), "the seed must be a whole number ≥ 0"),
        (dict(seed=1.5), "the seed must be a whole number"),
        (dict(dtype="float16"), "unknown precision 'float16'; choose float64 or float32"),
        (dict(restore_best="no"), "true or false"),
    ],
)
def test_train_config_messages(kwargs, message):
    with pytest.raises(SpecError) as e:
        TrainConfig(**kwargs)
    assert message in str(e.value)


def test_defaults_are_valid_and_loss_defaults_to_the_tasks_first():
    TrainConfig()
    LayerSpec()
    assert NetworkSpec().loss == "bce"
    assert NetworkSpec(task="regression").loss == "mse"
    s = NetworkSpec(task="multiclass", n_outputs=3)
    assert s.loss == "cce" and s.output_activation == "softmax"
    assert NetworkSpec(task="regression").output_activation == "linear"
    assert NetworkSpec(task="binary").output_activation == "sigmoid"
    for task, losses in LOSSES_BY_TASK.items():
        for loss in losses:
            k = 3 if task == "multiclass" else 2 if loss == "cce" else 1
            NetworkSpec(task=task, n_outputs=k, loss=loss)
    assert DTYPES == ("float64", "float32")


def test_two_classes_choose_one_sigmoid_unit_or_two_softmax_units():
    sig = NetworkSpec(n_inputs=2, hidden=(LayerSpec(3),), task="binary")
    assert (sig.loss, sig.n_outputs, sig.output_activation, sig.two_way_softmax) == ("bce", 1, "sigmoid", False)
    soft = sig.with_two_class_output("cce")
    assert (soft.loss, soft.n_outputs, soft.output_activation, soft.two_way_softmax) == ("cce", 2, "softmax", True)
    assert soft.layer_sizes == (2, 3, 2) and soft.n_parameters == sig.n_parameters + 3 + 1
    assert soft.with_two_class_output("bce") == sig
    assert NetworkSpec(task="multiclass", n_outputs=3).two_way_softmax is False
    with pytest.raises(SpecError, match="bce .one sigmoid unit. or cce .two softmax units., not mse"):
        sig.with_two_class_output("mse")
    with pytest.raises(SpecError, match="this one is for regression"):
        NetworkSpec(task="regression").with_two_class_output("cce")
    assert _json_round_trip(soft) == soft
    # a file written before the choice existed reads as today: one sigmoid unit
    old = {"n_inputs": 2, "hidden": [LayerSpec(3).to_dict()], "task": "binary", "n_outputs": 1, "loss": "bce"}
    assert NetworkSpec.from_dict(old) == sig


def test_fitting_to_data_keeps_the_two_class_choice_only_while_the_task_stays():
    soft = NetworkSpec(n_inputs=2, task="binary").with_two_class_output("cce")
    # other inputs, still two classes: still two softmax units
    assert fit_network_to_data(soft, 5, "binary", 2) == soft.replace(n_inputs=5)
    # three classes: one softmax unit per class
    three = fit_network_to_data(soft, 2, "multiclass", 3)
    assert (three.loss, three.n_outputs) == ("cce", 3)
    # back to two classes: one sigmoid unit, as when the app first opens two-class data
    back = fit_network_to_data(three, 2, "binary", 2)
    assert (back.loss, back.n_outputs) == ("bce", 1)
    reg = fit_network_to_data(soft, 1, "regression")
    assert (reg.loss, reg.n_outputs) == ("mse", 1)
    assert fit_network_to_data(NetworkSpec(), 2, "binary", 2) == NetworkSpec()


def test_hidden_list_becomes_a_tuple_and_sizes():
    s = NetworkSpec(n_inputs=3, hidden=[LayerSpec(5), LayerSpec(2)], task="multiclass", n_outputs=4)
    assert isinstance(s.hidden, tuple)
    assert s.layer_sizes == (3, 5, 2, 4)
    assert s.n_parameters == 3 * 5 + 5 + 5 * 2 + 2 + 2 * 4 + 4
    assert NetworkSpec(n_inputs=3, hidden=()).layer_sizes == (3, 1)
    hash(s)  # frozen specs are hashable


def test_specs_are_frozen():
    s = NetworkSpec()
    with pytest.raises(Exception):
        s.n_inputs = 5  # type: ignore[misc]
    assert s.replace(n_inputs=5).n_inputs == 5 and s.n_inputs == 2
    with pytest.raises(SpecError):
        s.replace(n_inputs=0)
    with pytest.raises(SpecError):
        TrainConfig().replace(learning_rate=-1.0)


# ----------------------------------------------------------------- JSON
def test_json_round_trips_exactly():
    net = NetworkSpec(
        n_inputs=4,
        hidden=(LayerSpec(7, "leaky_relu", "he_normal", 0.1, 0.25, 0.2), LayerSpec(3, "gelu")),
        task="regression", loss="huber", output_init="zeros", output_bias_init=-0.5, huber_delta=0.3,
    )
    cfg = TrainConfig(optimizer="adamw", learning_rate=0.001, beta1=0.8, beta2=0.99, eps=1e-7,
                      weight_decay=0.05, batch_mode="sgd", schedule="step", decay_rate=0.9,
                      decay_epochs=3, l1=1e-4, l2=1e-3, early_stopping="target", target_metric="val_r2",
                      target_value=0.95, seed=2**40, dtype="float32", restore_best=False)
    for obj in (net, cfg, net.hidden[0]):
        d = obj.to_dict()
        json.dumps(d)  # plain JSON types
        back = _json_round_trip(obj)
        assert back == obj and type(back) is type(obj)
    assert isinstance(net.to_dict()["hidden"], list)


@pytest.mark.parametrize(
    "cls, data, key, where",
    [
        (LayerSpec, {"units": 3, "activaton": "relu"}, "activaton", "a layer"),
        (NetworkSpec, {"n_inputs": 2, "hiden": []}, "hiden", "the network"),
        (NetworkSpec, {"hidden": [{"units": 3, "dropuot": 0.1}]}, "dropuot", "a layer"),
        (TrainConfig, {"learning_rate": 0.1, "lr": 0.1}, "lr", "the training settings"),
    ],
)
def test_unknown_keys_are_refused_by_name(cls, data, key, where):
    with pytest.raises(SpecError) as e:
        cls.from_dict(data)
    assert f"{where} has unknown setting(s): {key}" in str(e.value)


def test_from_dict_refuses_wrong_shapes():
    with pytest.raises(SpecError, match="must be a JSON object"):
        NetworkSpec.from_dict([1, 2])
    with pytest.raises(SpecError, match="hidden layers must be a list"):
        NetworkSpec.from_dict({"hidden": "8,8"})
    with pytest.raises(SpecError, match="a layer must be a JSON object"):
        NetworkSpec.from_dict({"hidden": [8, 8]})
    with pytest.raises(SpecError, match="must be a JSON object"):
        TrainConfig.from_dict(None)  # type: ignore[arg-type]
    # a partial dict takes the defaults for the rest
    assert NetworkSpec.from_dict({"n_inputs": 3}) == NetworkSpec(n_inputs=3)
    assert TrainConfig.from_dict({}) == TrainConfig()


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
unit = st.floats(0.0, 1.0, exclude_max=True, allow_nan=False)


@st.composite
def layer_specs(draw):
    act = draw(st.sampled_from(list(ACTIVATIONS)))
    return LayerSpec(draw(st.integers(1, 4096)), act, draw(st.sampled_from(INITIALIZERS)),
                     draw(finite), draw(unit), draw(st.none() | finite))


@st.composite
def network_specs(draw):
    task = draw(st.sampled_from(list(LOSSES_BY_TASK)))
    loss = draw(st.none() | st.sampled_from(LOSSES_BY_TASK[task]))
    k = draw(st.integers(2, 50)) if task == "multiclass" else 2 if loss == "cce" else 1
    return NetworkSpec(draw(st.integers(1, 10_000)), tuple(draw(st.lists(layer_specs(), max_size=6))), task, k,
                       loss,
                       draw(st.sampled_from(INITIALIZERS)), draw(finite),
                       draw(st.floats(1e-6, 1e6)))


@st.composite
def train_configs(draw):
    pos = st.floats(1e-12, 1e6, allow_nan=False)
    return TrainConfig(
        optimizer=draw(st.sampled_from(OPTIMIZERS)), learning_rate=draw(pos), momentum=draw(unit),
        beta1=draw(st.none() | unit), beta2=draw(st.none() | unit), rho=draw(st.none() | unit),
        eps=draw(st.none() | pos), weight_decay=draw(st.floats(0, 10)),
        batch_mode=draw(st.sampled_from(BATCH_MODES)), batch_size=draw(st.integers(1, 10**6)),
        schedule=draw(st.sampled_from(SCHEDULES)), decay_rate=draw(st.floats(1e-9, 1.0)),
        decay_epochs=draw(st.integers(1, 10**4)), l1=draw(st.floats(0, 10)), l2=draw(st.floats(0, 10)),
        early_stopping=draw(st.sampled_from(EARLY_STOPPING)), patience=draw(st.integers(1, 1000)),
        min_delta=draw(st.floats(0, 10)), restore_best=draw(st.booleans()),
        target_metric=draw(st.sampled_from(TARGET_METRICS)), target_value=draw(finite),
        seed=draw(st.integers(0, 2**63 - 1)), dtype=draw(st.sampled_from(DTYPES)),
    )


@settings(max_examples=150, deadline=None)
@given(network_specs())
def test_network_spec_json_round_trip(spec):
    back = _json_round_trip(spec)
    assert back == spec
    assert back.to_dict() == spec.to_dict()
    assert back.loss is not None


@settings(max_examples=150, deadline=None)
@given(train_configs())
def test_train_config_json_round_trip(cfg):
    assert _json_round_trip(cfg) == cfg
