"""The pieces the PyTorch and the Keras program share.

The module docstring, the data constants and ``prepare_inputs`` (feature maps and
standardisation, with the training data's numbers), the training constants, the
embedded weights, the ``__main__`` block, and the assembly of the whole file. Every
value from a user goes through :mod:`.literals`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import __version__
from ..data import DataSpec, PreparedData, feature_labels
from ..errors import SpecError
from ..specs import NetworkSpec, TrainConfig
from .literals import comment, docstring, integer, number, prose, text_list

#: source code of each input feature map in the generated ``prepare_inputs``
FEATURE_CODE = {
    "x1": "x1",
    "x2": "x2",
    "x1^2": "x1 * x1",
    "x2^2": "x2 * x2",
    "x1*x2": "x1 * x2",
    "sin(x1)": "np.sin(x1)",
    "sin(x2)": "np.sin(x2)",
}
IDENTITY = ("x1", "x2")

DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}

TASK_WORDS = {"regression": "regression", "binary": "binary classification",
              "multiclass": "multi-class classification"}
LOSS_WORDS = {"mse": "mean squared error", "mae": "mean absolute error", "huber": "Huber",
              "bce": "binary cross-entropy from the logit", "cce": "categorical cross-entropy (softmax)"}
#: by the output activation (``NetworkSpec.output_activation``): two classes may have either
OUTPUT_WORDS = {"linear": "the predicted value", "sigmoid": "one logit; the sigmoid is inside the loss",
                "softmax": "one logit per class; the softmax is inside the loss"}
PREDICT_WORDS = {"linear": "the predicted values", "sigmoid": "σ(logit) = probability of class 1",
                 "softmax": "softmax probabilities, one column per class"}


def squared(eps: float) -> float:
    """ε², rounded to 15 digits so that 1e-10² is written 1e-20."""
    return float(f"{eps * eps:.15g}")


def layer_pairs(spec: NetworkSpec) -> list[tuple[int, int]]:
    """``(n_in, n_out)`` of every dense layer, the output layer last."""
    s = spec.layer_sizes
    return list(zip(s[:-1], s[1:]))


def split_weights(spec: NetworkSpec, weights: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W, b), ...]`` in nnstudio's layout from the flat parameter vector
    (all weight matrices first, then all biases)."""
    pairs = layer_pairs(spec)
    n_w = sum(a * b for a, b in pairs)
    out = []
    w_pos, b_pos = 0, n_w
    for a, b in pairs:
        W = weights[w_pos:w_pos + a * b].reshape(a, b)
        B = weights[b_pos:b_pos + b]
        w_pos += a * b
        b_pos += b
        out.append((W, B))
    return out


def alpha(layer: Any) -> float:
    """The slope/scale α of a leaky ReLU or ELU layer, its default when unset."""
    return DEFAULT_ALPHA.get(layer.activation, 0.0) if layer.alpha is None else float(layer.alpha)


def architecture(spec: NetworkSpec) -> str:
    """One line: ``2 inputs → 8 tanh → 1 output (sigmoid)``."""
    parts = [f"{spec.n_inputs} input{'s' if spec.n_inputs != 1 else ''}"]
    for h in spec.hidden:
        act = h.activation
        if act in DEFAULT_ALPHA:
            act += f" (α={alpha(h):g})"
        drop = f", dropout {h.dropout:g}" if h.dropout else ""
        parts.append(f"{h.units} {act}{drop}")
    parts.append(f"{spec.n_outputs} output{'s' if spec.n_outputs != 1 else ''} ({spec.output_activation})")
    return " → ".join(parts)


def weights_literal(pairs: list[tuple[np.ndarray, np.ndarray]], indent: str = "    ") -> list[str]:
    """``WEIGHTS = [(W, b), ...]`` as nested lists of exact float literals."""
    lines = ["WEIGHTS = ["]
    for i, (W, b) in enumerate(pairs, 1):
        lines.append(f"{indent}(  # layer {i}: W {W.shape[0]}×{W.shape[1]}, b {b.shape[0]}")
        lines.append(f"{indent}    [")
        for row in W:
            lines.append(f"{indent}        [{', '.join(number(v) for v in row)}],")
        lines.append(f"{indent}    ],")
        lines.append(f"{indent}    [{', '.join(number(v) for v in b)}],")
        lines.append(f"{indent}),")
    lines.append("]")
    return lines


# ----------------------------------------------------------------------------- data
def _raw_inputs(spec: NetworkSpec, data: DataSpec | None, prepared: PreparedData | None) -> int:
    """How many columns the raw data has (before feature maps)."""
    if prepared is not None:
        return prepared.raw.n_features
    if data is not None and tuple(data.features) != IDENTITY:
        return 2
    return spec.n_inputs


def data_lines(spec: NetworkSpec, data: DataSpec | None, prepared: PreparedData | None) -> list[str]:
    """Names, standardisation constants and ``prepare_inputs(X_raw)``."""
    raw_names: list[str] = []
    if prepared is not None:
        input_names = list(prepared.input_names)
        class_names = list(prepared.class_names)
        keys = list(prepared.feature_keys)
        raw_names = list(prepared.raw.feature_names)
        mean, scale = prepared.mean, prepared.scale
    else:
        keys = list(data.features) if data is not None and tuple(data.features) != IDENTITY else []
        input_names = list(feature_labels(keys)) if keys else [f"x{i + 1}" for i in range(spec.n_inputs)]
        class_names, mean, scale = [], None, None
    if keys == list(IDENTITY):
        keys = []
    unknown = [k for k in keys if k not in FEATURE_CODE]
    if unknown:
        raise SpecError(f"cannot export the input feature {prose(unknown[0], 40)!r}")
    n_raw = _raw_inputs(spec, data, prepared)

    lines = [f"INPUT_NAMES = {text_list(input_names)}  "
             + comment(f"the {spec.n_inputs} inputs the network sees")]
    if raw_names and raw_names != input_names:
        lines.append(f"RAW_INPUT_NAMES = {text_list(raw_names)}  " + comment("the columns of your data"))
    if spec.task != "regression":
        names = class_names or [str(i) for i in range(max(2, spec.n_outputs))]
        lines.append(f"CLASS_NAMES = {text_list(names)}  " + comment("class index → name"))
    if mean is not None and scale is not None:
        lines.append(f"MEAN = np.array([{', '.join(number(v) for v in mean)}])  "
                     + comment("of the training data"))
        lines.append(f"SCALE = np.array([{', '.join(number(v) for v in scale)}])  "
                     + comment("its standard deviation"))
    lines += ["", "", "def prepare_inputs(X_raw):",
              "    " + docstring(f"Turn raw data, shape (n, {n_raw}), into the network's inputs, "
                                 f"shape (n, {spec.n_inputs}),\nexactly as nnstudio did for training.",
                                 indent="    "),
              "    X = np.array(X_raw, dtype=np.float64)  # a copy, so read-only input is fine"]
    if n_raw == 1:
        lines.append("    X = X.reshape(len(X), -1)")
    lines += [f"    if X.ndim != 2 or X.shape[1] != {integer(n_raw)}:",
              f'        raise ValueError(f"expected raw data of shape (n, {integer(n_raw)}), not {{X.shape}}")']
    if keys:
        lines.append("    x1, x2 = X[:, 0], X[:, 1]")
        cols = ", ".join(FEATURE_CODE[k] for k in keys)
        lines.append(f"    X = np.column_stack([{cols}])  " + comment(", ".join(keys)))
    if mean is not None:
        lines.append("    X = (X - MEAN) / SCALE  " + comment("standardised with the training data's statistics"))
    elif data is not None and data.standardize:
        lines.append("    " + comment("nnstudio standardised the inputs: subtract the training data's mean "
                                       "and divide"))
        lines.append("    " + comment("by its standard deviation here (export from a project to get the numbers)"))
    lines.append("    return X")
    return lines


def example_rows(spec: NetworkSpec, data: DataSpec | None, prepared: PreparedData | None) -> str:
    """Two raw example points for the ``__main__`` block."""
    n_raw = _raw_inputs(spec, data, prepared)
    return f"np.array([[{', '.join(['0.5'] * n_raw)}], [{', '.join(['-1.0'] * n_raw)}]])"


# ----------------------------------------------------------------------------- header
def _data_source(data: DataSpec) -> str:
    if data.source == "generator":
        return f"the generated '{prose(data.name)}' data"
    if data.source == "bundled":
        return f"the '{prose(data.name)}' data set"
    if data.source == "csv":
        return f"the CSV file {prose(data.csv_path)}"
    return "points drawn by hand"


def header(spec: NetworkSpec, config: TrainConfig, trained: bool, framework: str, name: str,
           data: DataSpec | None, filename: str | None) -> str:
    """The module docstring: what the network is, what it was trained on, how to run it."""
    fw = "PyTorch" if framework == "pytorch" else "Keras 3"
    if framework == "pytorch":
        needs = ["It needs ``pip install torch numpy``."]
    else:
        needs = ["It needs ``pip install keras numpy`` and a Keras backend (TensorFlow,",
                 "PyTorch or JAX; choose it with the KERAS_BACKEND environment variable)."]
    loss = LOSS_WORDS[spec.loss or "mse"]
    if spec.loss == "huber":
        loss += f" (δ = {spec.huber_delta:g})"
    loads = "loads the trained weights" if trained else "initialises the weights"
    lines = [f"{prose(name)}: a neural network from nnstudio {__version__}, as {fw} code.", "",
             f"    {architecture(spec)}",
             f"    task: {TASK_WORDS[spec.task]}; loss: {loss}",
             f"    optimizer: {prose(config.optimizer)}, learning rate {config.learning_rate:g}", ""]
    if data is not None:
        lines.append(f"It was {'trained' if trained else 'set up'} on {_data_source(data)}.")
    run = prose(filename or f"{name}.py")
    lines += [f"Run it with ``python {run}``. {needs[0]}", *needs[1:],
              f"It builds the network, {loads} and prints a prediction; the end of",
              "the file shows how to train it further on your own data.", ""]
    return docstring("\n".join(lines))


def program_name(stem: str) -> str:
    """A program's name made of letters, digits and ``_`` (also a valid Keras model
    name): ``"my model-2"`` → ``"my_model_2"``; ``"model"`` when nothing is left."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in str(stem)) or "model"


# ----------------------------------------------------------------------------- training
def train_constants(config: TrainConfig, epochs: int) -> list[str]:
    """``BATCH_SIZE``, ``SHUFFLE``, ``EPOCHS``, ``LEARNING_RATE``, ``L1``, ``L2``, ``SEED``."""
    batch = {"full": "None", "sgd": "1", "minibatch": integer(config.batch_size)}[config.batch_mode]
    mode = {"full": "full batch: all samples per update", "sgd": "stochastic: one sample per update",
            "minibatch": "mini-batches, reshuffled every epoch"}[config.batch_mode]
    return [
        f"BATCH_SIZE = {batch}  " + comment(mode),
        f"SHUFFLE = {config.batch_mode != 'full'}",
        f"EPOCHS = {integer(epochs)}",
        f"LEARNING_RATE = {number(config.learning_rate)}",
        f"L1 = {number(config.l1)}  " + comment("λ₁·Σ|w| over the weights (not the biases)"),
        f"L2 = {number(config.l2)}  " + comment("λ₂·Σw² over the weights"),
        f"SEED = {integer(config.seed)}",
    ]


def main_block(spec: NetworkSpec, trained: bool, framework: str, example: str) -> list[str]:
    """``if __name__ == "__main__":`` — build, load, predict; how to train further."""
    save = ('torch.save(model.state_dict(), "model.pt")' if framework == "pytorch"
            else 'model.save("model.keras")')
    L = ["", "", 'if __name__ == "__main__":', "    model = build_model()"]
    if trained:
        L.append("    load_trained_weights(model)")
    else:
        L.append("    # freshly initialised: this network was not trained in nnstudio yet")
    L += ["",
          "    # Predict: one row per point, one column per raw input.",
          f"    X_new = {example}",
          "    print(predict(model, prepare_inputs(X_new)))",
          "",
          "    # Train further on your own data, for example a CSV file with a header line whose",
          "    # last column is the target" + (" (a class index 0, 1, ...)" if spec.task != "regression" else "") + ":",
          "    #",
          '    #     table = np.loadtxt("my_data.csv", delimiter=",", skiprows=1)',
          "    #     X, y = prepare_inputs(table[:, :-1]), table[:, -1]",
          "    #     history = train(model, X, y, epochs=EPOCHS)",
          "    #     print(predict(model, X[:5]))",
          f"    #     {save}"]
    return L


def assemble(doc: str, imports: Sequence[str], body: Sequence[str]) -> str:
    """The whole file: docstring, the standard-library imports the body uses, ``imports``
    (third-party), then the body."""
    code = "\n".join(body)
    stdlib = [line for line, used in (("import math", "math."), ("from pathlib import Path", "Path("))
              if used in code]
    head = [doc, ""] + stdlib + ([""] if stdlib else []) + list(imports)
    return "\n".join(head) + "\n" + code + "\n"


def check_prepared(spec: NetworkSpec, prepared: PreparedData | None) -> None:
    """Refuse prepared data that does not belong to the network (its inputs or classes
    differ): the program would prepare inputs the network was not trained on."""
    if prepared is None:
        return
    if not isinstance(prepared, PreparedData):
        raise SpecError(f"expected PreparedData, not {type(prepared).__name__}")
    if prepared.n_inputs != spec.n_inputs:
        raise SpecError(f"the data gives {prepared.n_inputs} inputs but the network has {spec.n_inputs}")
    outputs = {"regression": 1, "binary": 2 if spec.two_way_softmax else 1}.get(prepared.task, prepared.n_classes)
    if prepared.task != spec.task or outputs != spec.n_outputs:
        raise SpecError(f"the data is for {TASK_WORDS.get(prepared.task, 'another task')} "
                        f"with {outputs} output(s), but the network does {TASK_WORDS[spec.task]} "
                        f"with {spec.n_outputs}")


__all__ = ["FEATURE_CODE", "alpha", "architecture", "assemble", "check_prepared", "data_lines",
           "example_rows", "header", "layer_pairs", "main_block", "program_name",
           "split_weights", "squared", "train_constants", "weights_literal"]
