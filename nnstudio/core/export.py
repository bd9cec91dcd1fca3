"""Export a network as a self-contained Keras or PyTorch program.

:func:`export_code` writes one Python file that rebuilds the network designed in
nnstudio — layers, activations, dropout, output and loss, initialisers, optimizer and
its settings, learning-rate schedule, L1/L2 penalties, batch size, early stopping —
loads the trained weights, and shows how to predict and how to train on.

How nnstudio's definitions map onto each framework:

* **Weights.** nnstudio computes ``z = a @ W + b`` with ``W`` of shape
  ``(n_in, n_out)``. Keras' ``Dense`` kernel has the same layout; ``torch.nn.Linear``
  stores ``W`` transposed, ``(n_out, n_in)``, so the PyTorch program transposes when it
  loads. The weights are embedded as Python lists of ``repr`` floats (which read back
  bit for bit); above :data:`EMBED_LIMIT` parameters they go to a companion ``.npz``.
* **Outputs.** The last layer produces logits; as in nnstudio the output activation is
  part of the loss (sigmoid + binary cross-entropy from the logit, softmax +
  categorical cross-entropy), and ``predict`` applies it.
* **Penalties.** nnstudio adds ``λ₁Σ|w| + λ₂Σw²`` over the weights (not the biases) to
  the batch-mean loss: Keras' ``L1L2`` kernel regulariser is exactly that; the PyTorch
  program adds it to the loss explicitly.
* **Optimizers.** nnstudio's optimizers are PyTorch's ``torch.optim`` definitions with
  their defaults, so the PyTorch program matches step for step. Keras formulates some
  of them differently; the Keras program chooses the settings that match most closely
  and says in a comment where it cannot match exactly.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import __version__
from .errors import ProjectError, SpecError
from .specs import NetworkSpec, TrainConfig

FRAMEWORKS = ("pytorch", "keras")
#: above this many parameters the weights go to a companion .npz file
EMBED_LIMIT = 200_000

_FEATURE_CODE = {
    "x1": "x1",
    "x2": "x2",
    "x1^2": "x1 * x1",
    "x2^2": "x2 * x2",
    "x1*x2": "x1 * x2",
    "sin(x1)": "np.sin(x1)",
    "sin(x2)": "np.sin(x2)",
}

_TORCH_ACT = {  # (module, comment)
    "linear": ("nn.Identity()", ""),
    "sigmoid": ("nn.Sigmoid()", ""),
    "tanh": ("nn.Tanh()", ""),
    "relu": ("nn.ReLU()", ""),
    "leaky_relu": ("nn.LeakyReLU(negative_slope={a})", ""),
    "elu": ("nn.ELU(alpha={a})", ""),
    "selu": ("nn.SELU()", ""),
    "softplus": ("nn.Softplus()", ""),
    "gelu": ("nn.GELU()", "exact GELU, z·Φ(z)"),
    "swish": ("nn.SiLU()", "swish"),
}

_KERAS_ACT = {  # Dense(activation=...) or None + an activation layer
    "linear": ('"linear"', None),
    "sigmoid": ('"sigmoid"', None),
    "tanh": ('"tanh"', None),
    "relu": ('"relu"', None),
    "leaky_relu": ("None", "layers.LeakyReLU(negative_slope={a})"),
    "elu": ("None", "layers.ELU(alpha={a})"),
    "selu": ('"selu"', None),
    "softplus": ('"softplus"', None),
    "gelu": ('"gelu"', None),
    "swish": ('"silu"', None),
}

_DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}

_TASK_WORDS = {"regression": "regression", "binary": "binary classification",
               "multiclass": "multi-class classification"}
_LOSS_WORDS = {"mse": "mean squared error", "mae": "mean absolute error", "huber": "Huber",
               "bce": "binary cross-entropy from the logit", "cce": "categorical cross-entropy (softmax)"}


def _f(x: float) -> str:
    """A float literal that reads back exactly."""
    x = float(x)
    if not math.isfinite(x):
        raise SpecError(f"cannot export the non-finite number {x}")
    return repr(x)


def _sq(eps: float) -> float:
    """ε², rounded to 15 digits so that 1e-10² is written 1e-20."""
    return float(f"{eps * eps:.15g}")


def _q(s: str) -> str:
    return repr(str(s))


def _layer_pairs(spec: NetworkSpec) -> list[tuple[int, int]]:
    s = spec.layer_sizes
    return list(zip(s[:-1], s[1:]))


def _split_weights(spec: NetworkSpec, weights: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W, b), ...]`` in nnstudio's layout from the flat parameter vector."""
    pairs = _layer_pairs(spec)
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


def _alpha(layer: Any) -> float:
    return _DEFAULT_ALPHA.get(layer.activation, 0.0) if layer.alpha is None else float(layer.alpha)


def _architecture(spec: NetworkSpec) -> str:
    parts = [f"{spec.n_inputs} input{'s' if spec.n_inputs != 1 else ''}"]
    for h in spec.hidden:
        act = h.activation
        if act in _DEFAULT_ALPHA:
            act += f" (α={_alpha(h):g})"
        drop = f", dropout {h.dropout:g}" if h.dropout else ""
        parts.append(f"{h.units} {act}{drop}")
    parts.append(f"{spec.n_outputs} output{'s' if spec.n_outputs != 1 else ''} ({spec.output_activation})")
    return " → ".join(parts)


def _weights_literal(pairs: list[tuple[np.ndarray, np.ndarray]], indent: str = "    ") -> list[str]:
    lines = ["WEIGHTS = ["]
    for i, (W, b) in enumerate(pairs, 1):
        lines.append(f"{indent}(  # layer {i}: W {W.shape[0]}×{W.shape[1]}, b {b.shape[0]}")
        lines.append(f"{indent}    [")
        for row in W:
            lines.append(f"{indent}        [{', '.join(_f(v) for v in row)}],")
        lines.append(f"{indent}    ],")
        lines.append(f"{indent}    [{', '.join(_f(v) for v in b)}],")
        lines.append(f"{indent}),")
    lines.append("]")
    return lines


def _check_inputs(spec: NetworkSpec, config: TrainConfig, weights: np.ndarray | None,
                  framework: str) -> np.ndarray | None:
    if not isinstance(spec, NetworkSpec):
        raise SpecError(f"expected a NetworkSpec, not {type(spec).__name__}")
    if not isinstance(config, TrainConfig):
        raise SpecError(f"expected a TrainConfig, not {type(config).__name__}")
    if framework not in FRAMEWORKS:
        raise SpecError(f"cannot export to {framework!r}; choose one of: {', '.join(FRAMEWORKS)}")
    if weights is None:
        return None
    w = np.asarray(weights)
    if w.shape != (spec.n_parameters,):
        raise SpecError(f"the weights have shape {w.shape} but the network has {spec.n_parameters} parameters")
    if not np.all(np.isfinite(w)):
        raise SpecError("the weights contain NaN or infinite values: reset them before exporting")
    return w.astype(np.float64)


# ----------------------------------------------------------------------------- shared pieces
def _data_lines(spec: NetworkSpec, data_spec: Any, prepared: Any) -> list[str]:
    """Constants and ``prepare_inputs`` (feature maps and standardisation)."""
    lines: list[str] = []
    input_names = list(getattr(prepared, "input_names", ()) or ())
    class_names = list(getattr(prepared, "class_names", ()) or ())
    feature_keys = list(getattr(prepared, "feature_keys", ()) or ())
    raw_names: list[str] = []
    if prepared is not None:
        raw_names = list(prepared.raw.feature_names)
    elif data_spec is not None and tuple(data_spec.features) != ("x1", "x2"):
        feature_keys = list(data_spec.features)
    if not input_names:
        input_names = [f"x{i + 1}" for i in range(spec.n_inputs)]
    if feature_keys == ["x1", "x2"]:
        feature_keys = []
    n_raw = len(raw_names) if raw_names else (2 if feature_keys else spec.n_inputs)
    lines.append(f"INPUT_NAMES = {input_names!r}  # the {spec.n_inputs} inputs the network sees")
    if raw_names and raw_names != input_names:
        lines.append(f"RAW_INPUT_NAMES = {raw_names!r}  # the columns of your data")
    if spec.task != "regression":
        names = class_names or [str(i) for i in range(max(2, spec.n_outputs))]
        lines.append(f"CLASS_NAMES = {names!r}  # class index → name")
    mean = getattr(prepared, "mean", None)
    scale = getattr(prepared, "scale", None)
    standardize = bool(getattr(data_spec, "standardize", False)) or mean is not None
    if mean is not None:
        lines.append(f"MEAN = np.array([{', '.join(_f(v) for v in mean)}])  # of the training data")
        lines.append(f"SCALE = np.array([{', '.join(_f(v) for v in scale)}])  # its standard deviation")
    lines += ["", "", "def prepare_inputs(X_raw):",
              f'    """Turn raw data, shape (n, {n_raw}), into the network\'s inputs, shape (n, {spec.n_inputs}),',
              '    exactly as nnstudio did for training."""',
              "    X = np.asarray(X_raw, dtype=np.float64)"]
    if n_raw == 1:
        lines.append("    X = X.reshape(len(X), -1)")
    if feature_keys:
        lines.append("    x1, x2 = X[:, 0], X[:, 1]")
        cols = ", ".join(_FEATURE_CODE[k] for k in feature_keys)
        lines.append(f"    X = np.column_stack([{cols}])  # {', '.join(feature_keys)}")
    if mean is not None:
        lines.append("    X = (X - MEAN) / SCALE  # standardised with the training data's statistics")
    elif standardize:
        lines.append("    # nnstudio standardised the inputs: subtract the training data's mean and divide")
        lines.append("    # by its standard deviation here (export from a project to get the numbers)")
    lines.append("    return X")
    return lines


def _header(spec: NetworkSpec, config: TrainConfig, trained: bool, framework: str, name: str,
            data_spec: Any, extra: Sequence[str], filename: str | None = None) -> list[str]:
    fw = "PyTorch" if framework == "pytorch" else "Keras 3"
    if framework == "pytorch":
        needs = "It needs ``pip install torch numpy``."
    else:
        needs = ("It needs ``pip install keras numpy`` and a Keras backend (TensorFlow,\n"
                 "PyTorch or JAX; choose it with the KERAS_BACKEND environment variable).")
    data_line = ""
    if data_spec is not None:
        src = data_spec.source
        what = {"generator": f"the generated '{data_spec.name}' data", "bundled": f"the '{data_spec.name}' data set",
                "csv": f"the CSV file {data_spec.csv_path}", "inline": "points drawn by hand"}.get(src, src)
        data_line = f"It was {'trained' if trained else 'set up'} on {what}.\n"
    loss = _LOSS_WORDS[spec.loss or "mse"]
    if spec.loss == "huber":
        loss += f" (δ = {spec.huber_delta:g})"
    loads = "loads the trained weights" if trained else "initialises the weights"
    doc = (
        f'"""{name}: a neural network from nnstudio {__version__}, as {fw} code.\n\n'
        f"    {_architecture(spec)}\n"
        f"    task: {_TASK_WORDS[spec.task]}; loss: {loss}\n"
        f"    optimizer: {config.optimizer}, learning rate {config.learning_rate:g}\n\n"
        f"{data_line}"
        f"Run it with ``python {filename or name + '.py'}``. {needs}\n"
        f"It builds the network, {loads} and prints a prediction; the end of\n"
        "the file shows how to train it further on your own data.\n"
        '"""'
    )
    return [doc, "", *extra]


def _train_constants(config: TrainConfig, epochs: int) -> list[str]:
    batch = {"full": "None", "sgd": "1", "minibatch": str(config.batch_size)}[config.batch_mode]
    mode = {"full": "full batch: all samples per update", "sgd": "stochastic: one sample per update",
            "minibatch": "mini-batches, reshuffled every epoch"}[config.batch_mode]
    return [
        f"BATCH_SIZE = {batch}  # {mode}",
        f"SHUFFLE = {config.batch_mode != 'full'}",
        f"EPOCHS = {int(epochs)}",
        f"LEARNING_RATE = {_f(config.learning_rate)}",
        f"L1 = {_f(config.l1)}  # λ₁·Σ|w| over the weights (not the biases)",
        f"L2 = {_f(config.l2)}  # λ₂·Σw² over the weights",
        f"SEED = {config.seed}",
    ]


def _example_rows(spec: NetworkSpec, prepared: Any, data_spec: Any) -> str:
    n_raw = spec.n_inputs
    if prepared is not None:
        n_raw = prepared.raw.n_features
    elif data_spec is not None and tuple(data_spec.features) != ("x1", "x2"):
        n_raw = 2
    return f"np.array([[{', '.join(['0.5'] * n_raw)}], [{', '.join(['-1.0'] * n_raw)}]])"


def _finish(lines: list[str]) -> str:
    """Join the lines, dropping the standard-library imports the program does not use."""
    text = "\n".join(lines)
    body = "\n".join(x for x in lines if not x.startswith(("import math", "from pathlib import")))
    if "math." not in body:
        text = text.replace("import math\n", "", 1)
    if "Path(" not in body:
        text = text.replace("from pathlib import Path\n", "", 1)
    text = text.replace('"""\n\n\nimport', '"""\n\nimport', 1).replace('"""\n\n\nimport', '"""\n\nimport', 1)
    return text.replace('"""\n\n\n', '"""\n\n', 1) + "\n"


# ----------------------------------------------------------------------------- PyTorch
def _torch_init_lines(spec: NetworkSpec) -> list[str]:
    lines = []
    pairs = _layer_pairs(spec)
    for i, (n_in, n_out) in enumerate(pairs):
        hidden = spec.hidden[i] if i < len(spec.hidden) else None
        key = hidden.init if hidden else spec.output_init
        bias = hidden.bias_init if hidden else spec.output_bias_init
        w = f"linears[{i}].weight"
        init = {
            "zeros": f"nn.init.zeros_({w})",
            "standard": f"nn.init.uniform_({w}, -1 / math.sqrt({n_in}), 1 / math.sqrt({n_in}))",
            "glorot_uniform": f"nn.init.xavier_uniform_({w})",
            "glorot_normal": f"nn.init.xavier_normal_({w})",
            "he_uniform": f'nn.init.kaiming_uniform_({w}, nonlinearity="relu")',
            "he_normal": f'nn.init.kaiming_normal_({w}, nonlinearity="relu")',
            "lecun_normal": f"nn.init.normal_({w}, 0.0, 1 / math.sqrt({n_in}))  # LeCun normal",
        }[key]
        lines.append(f"        {init}")
        lines.append(f"        nn.init.constant_(linears[{i}].bias, {_f(bias)})")
    return lines


def _torch_optimizer(config: TrainConfig) -> list[str]:
    c = config
    lr = "LEARNING_RATE"
    eps = c.eps
    if c.optimizer == "sgd":
        call = f"torch.optim.SGD(model.parameters(), lr={lr})"
    elif c.optimizer == "momentum":
        call = f"torch.optim.SGD(model.parameters(), lr={lr}, momentum={_f(c.momentum)})"
    elif c.optimizer == "nesterov":
        call = f"torch.optim.SGD(model.parameters(), lr={lr}, momentum={_f(c.momentum)}, nesterov=True)"
    elif c.optimizer == "adagrad":
        call = f"torch.optim.Adagrad(model.parameters(), lr={lr}, eps={_f(1e-10 if eps is None else eps)})"
    elif c.optimizer == "rmsprop":
        call = (f"torch.optim.RMSprop(model.parameters(), lr={lr}, alpha={_f(0.99 if c.rho is None else c.rho)}, "
                f"eps={_f(1e-8 if eps is None else eps)})")
    else:
        cls = "Adam" if c.optimizer == "adam" else "AdamW"
        b1 = 0.9 if c.beta1 is None else c.beta1
        b2 = 0.999 if c.beta2 is None else c.beta2
        call = (f"torch.optim.{cls}(model.parameters(), lr={lr}, betas=({_f(b1)}, {_f(b2)}), "
                f"eps={_f(1e-8 if eps is None else eps)}")
        call += f", weight_decay={_f(c.weight_decay)})" if cls == "AdamW" else ")"
    lines = ["def make_optimizer(model):", f'    """{c.optimizer}, as nnstudio defines it (= torch.optim)."""',
             f"    return {call}", "", "",
             "def make_scheduler(optimizer):",
             '    """The learning-rate schedule, stepped once per epoch of train() (None = constant)."""']
    if c.schedule == "step":
        lines.append(f"    # lr = LEARNING_RATE · {c.decay_rate:g}^⌊epoch / {c.decay_epochs}⌋")
        lines.append(f"    return torch.optim.lr_scheduler.StepLR(optimizer, step_size={c.decay_epochs}, "
                     f"gamma={_f(c.decay_rate)})")
    elif c.schedule == "exponential":
        lines.append(f"    # lr = LEARNING_RATE · {c.decay_rate:g}^epoch")
        lines.append(f"    return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma={_f(c.decay_rate)})")
    else:
        lines.append("    return None")
    return lines


def _torch_loss(spec: NetworkSpec) -> list[str]:
    call = {
        "mse": "nn.MSELoss()",
        "mae": "nn.L1Loss()  # mean absolute error",
        "huber": f"nn.HuberLoss(delta={_f(spec.huber_delta)})",
        "bce": "nn.BCEWithLogitsLoss()  # sigmoid + binary cross-entropy, computed from the logit",
        "cce": "nn.CrossEntropyLoss()  # softmax + categorical cross-entropy, from the logits",
    }[spec.loss or "mse"]
    return ["def make_loss():", '    """The batch-mean loss, applied to the logits."""', f"    return {call}"]


def _torch_code(spec: NetworkSpec, config: TrainConfig, pairs: list | None, name: str, data_spec: Any,
                prepared: Any, epochs: int, weights_file: str | None, filename: str | None) -> str:
    L: list[str] = _header(spec, config, pairs is not None, "pytorch", name, data_spec, [], filename)
    L += ["import math", "from pathlib import Path", "", "import numpy as np", "import torch",
          "from torch import nn", "",
          f"# nnstudio computed in {config.dtype}; float32 is faster and nearly always good enough",
          f"DTYPE = torch.{config.dtype}", "",
          f"N_INPUTS = {spec.n_inputs}", f'TASK = "{spec.task}"  # "regression", "binary" or "multiclass"']
    L += _data_lines(spec, data_spec, prepared)
    L += ["", ""] + _train_constants(config, epochs)
    # ---- model
    L += ["", "", "def build_model(initialise=True):",
          '    """The network: Linear layers with their activations; the last layer gives logits."""',
          "    model = nn.Sequential("]
    pairs_sz = _layer_pairs(spec)
    for i, (n_in, n_out) in enumerate(pairs_sz):
        if i < len(spec.hidden):
            h = spec.hidden[i]
            L.append(f"        nn.Linear({n_in}, {n_out}),  # hidden layer {i + 1}")
            code, note = _TORCH_ACT[h.activation]
            code = code.format(a=_f(_alpha(h)))
            L.append(f"        {code},{'  # ' + note if note else ''}")
            if h.dropout:
                L.append(f"        nn.Dropout(p={_f(h.dropout)}),")
        else:
            what = {"regression": "the predicted value", "binary": "one logit; the sigmoid is inside the loss",
                    "multiclass": "one logit per class; the softmax is inside the loss"}[spec.task]
            L.append(f"        nn.Linear({n_in}, {n_out}),  # output: {what}")
    L += ["    ).to(DTYPE)", "    if initialise:", "        init_weights(model)", "    return model", "", "",
          "def linear_layers(model):", "    return [m for m in model if isinstance(m, nn.Linear)]", "", "",
          "def init_weights(model):",
          '    """Initial weights drawn as nnstudio draws them (same distributions, other random numbers)."""',
          "    linears = linear_layers(model)", "    with torch.no_grad():"]
    L += _torch_init_lines(spec)
    # ---- weights
    if pairs is not None:
        L += ["", ""]
        L += ["# The trained weights in nnstudio's layout: W has shape (inputs, outputs) and z = a @ W + b.",
              "# torch.nn.Linear stores W transposed, as (outputs, inputs): load_trained_weights() transposes."]
        if weights_file is None:
            L += _weights_literal(pairs)
            L += ["", "", "def trained_weights():", '    """[(W, b), ...] per layer, as NumPy arrays."""',
                  "    return [(np.array(W), np.array(b)) for W, b in WEIGHTS]"]
        else:
            L += [f"WEIGHTS_FILE = Path(__file__).with_name({_q(weights_file)})", "", "",
                  "def trained_weights():", '    """[(W, b), ...] per layer, read from WEIGHTS_FILE."""',
                  "    with np.load(WEIGHTS_FILE, allow_pickle=False) as z:",
                  f"        return [(z[f'W{{i}}'], z[f'b{{i}}']) for i in range(1, {len(pairs)} + 1)]"]
        L += ["", "", "def load_trained_weights(model, weights=None):",
              '    """Copy the trained weights (default: trained_weights()) into the model."""',
              "    with torch.no_grad():",
              "        for layer, (W, b) in zip(linear_layers(model), weights or trained_weights()):",
              "            layer.weight.copy_(torch.as_tensor(np.asarray(W), dtype=DTYPE).T)",
              "            layer.bias.copy_(torch.as_tensor(np.asarray(b), dtype=DTYPE))"]
    # ---- loss, optimizer, training
    L += ["", ""] + _torch_loss(spec) + ["", ""] + _torch_optimizer(config)
    L += ["", "", "def penalty(model):",
          '    """nnstudio\'s L1/L2 penalty: λ₁Σ|w| + λ₂Σw² over the weights, added to the batch-mean loss."""',
          "    total = 0.0",
          "    for layer in linear_layers(model):",
          "        if L1:", "            total = total + L1 * layer.weight.abs().sum()",
          "        if L2:", "            total = total + L2 * (layer.weight * layer.weight).sum()",
          "    return total", "", "",
          "def as_targets(y):",
          '    """Targets as the loss wants them: class indices (multi-class) or a float column."""',
          "    y = torch.as_tensor(np.asarray(y))",
          '    if TASK == "multiclass":', "        return y.long().reshape(-1)",
          "    return y.to(DTYPE).reshape(-1, 1)", "", "",
          "def predict(model, X):",
          '    """The network\'s output for inputs X, shape (n, N_INPUTS): '
          + {"regression": "the predicted values", "binary": "σ(logit) = probability of class 1",
             "multiclass": "softmax probabilities, one column per class"}[spec.task] + '."""',
          "    model.eval()", "    with torch.no_grad():",
          "        z = model(torch.as_tensor(np.asarray(X), dtype=DTYPE))"]
    L.append({"regression": "    return z.numpy()", "binary": "    return torch.sigmoid(z).numpy()",
              "multiclass": "    return torch.softmax(z, dim=1).numpy()"}[spec.task])
    metric = "R²" if spec.task == "regression" else "accuracy"
    L += ["", "", "def evaluate(model, X, y):",
          f'    """(loss, {metric}) on X, y without dropout and without the penalty."""',
          "    model.eval()", "    with torch.no_grad():",
          "        z = model(torch.as_tensor(np.asarray(X), dtype=DTYPE))",
          "        t = as_targets(y)", "        loss = make_loss()(z, t).item()"]
    if spec.task == "regression":
        L += ["        ss_res = ((t - z) ** 2).sum().item()", "        ss_tot = ((t - t.mean()) ** 2).sum().item()",
              '        metric = 1 - ss_res / ss_tot if ss_tot > 0 else float("nan")']
    elif spec.task == "binary":
        L += ["        metric = ((z > 0).to(DTYPE) == t).to(DTYPE).mean().item()"]
    else:
        L += ["        metric = (z.argmax(dim=1) == t).to(DTYPE).mean().item()"]
    L += ["    return loss, metric"]
    L += _torch_train(config, metric)
    L += _main_block(spec, pairs is not None, "pytorch", _example_rows(spec, prepared, data_spec))
    return _finish(L)


def _torch_train(config: TrainConfig, metric: str) -> list[str]:
    c = config
    L = ["", "", "def train(model, X, y, X_val=None, y_val=None, epochs=EPOCHS, seed=SEED, verbose=True):",
         '    """Train as nnstudio does: each epoch visits every sample once in batches of BATCH_SIZE',
         "    (the last batch may be smaller), one optimizer step per batch. Returns the history.",
         '    """',
         "    torch.manual_seed(seed)  # dropout",
         "    generator = torch.Generator().manual_seed(seed)  # shuffling",
         "    X = torch.as_tensor(np.asarray(X), dtype=DTYPE)",
         "    y = as_targets(y)",
         "    loss_fn = make_loss()",
         "    optimizer = make_optimizer(model)",
         "    scheduler = make_scheduler(optimizer)",
         "    n = len(X)",
         "    batch = n if BATCH_SIZE is None else min(BATCH_SIZE, n)",
         "    history = []"]
    if c.early_stopping == "patience":
        L += ["    best, best_state, wait = math.inf, None, 0"]
    L += ["    for epoch in range(1, epochs + 1):",
          "        model.train()",
          "        order = torch.randperm(n, generator=generator) if SHUFFLE else torch.arange(n)",
          "        loss_sum, batches = 0.0, 0",
          "        for start in range(0, n, batch):",
          "            idx = order[start:start + batch]",
          "            optimizer.zero_grad()",
          "            loss = loss_fn(model(X[idx]), y[idx])",
          "            (loss + penalty(model)).backward()",
          "            optimizer.step()",
          "            loss_sum += loss.item()",
          "            batches += 1",
          "        if scheduler is not None:",
          "            scheduler.step()",
          "        row = {\"epoch\": epoch, \"loss\": loss_sum / batches}",
          "        row[\"metric\"] = evaluate(model, X, y)[1]",
          "        if X_val is not None and len(X_val):",
          "            row[\"val_loss\"], row[\"val_metric\"] = evaluate(model, X_val, y_val)",
          "        history.append(row)",
          "        if verbose:",
          f"            text = f\"epoch {{epoch}}: loss {{row['loss']:.4g}}, {metric} {{row['metric']:.4g}}\"",
          "            if \"val_loss\" in row:",
          f"                text += f\", validation loss {{row['val_loss']:.4g}}, {metric} {{row['val_metric']:.4g}}\"",
          "            print(text)"]
    if c.early_stopping == "patience":
        L += ["        # early stopping: the validation loss (or the training loss without validation data)",
              f"        # has not improved by more than {c.min_delta:g} for {c.patience} epochs",
              "        monitored = row.get(\"val_loss\", row[\"loss\"])",
              f"        if monitored < best - {_f(c.min_delta)}:",
              "            best, wait = monitored, 0",
              "            best_state = {k: v.clone() for k, v in model.state_dict().items()}",
              "        else:",
              "            wait += 1",
              f"            if wait >= {c.patience}:"]
        if c.restore_best:
            L += ["                if best_state is not None:",
                  "                    model.load_state_dict(best_state)  # back to the best epoch"]
        L += ["                break"]
    elif c.early_stopping == "target":
        key = {"accuracy": "metric", "val_accuracy": "val_metric", "r2": "metric", "val_r2": "val_metric",
               "loss": "loss", "val_loss": "val_loss"}[c.target_metric]
        op = "<=" if "loss" in c.target_metric else ">="
        L += [f"        # stop when {c.target_metric} reaches {c.target_value:g}",
              f"        if \"{key}\" in row and row[\"{key}\"] {op} {_f(c.target_value)}:",
              "            break"]
    L += ["    return history"]
    return L


def _main_block(spec: NetworkSpec, trained: bool, framework: str, example: str) -> list[str]:
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


# ----------------------------------------------------------------------------- Keras
def _keras_init(key: str, n_in: int, n_out: int) -> str:
    return {
        "zeros": '"zeros"',
        "standard": f"keras.initializers.RandomUniform({_f(-1 / math.sqrt(n_in))}, {_f(1 / math.sqrt(n_in))})",
        "glorot_uniform": "keras.initializers.GlorotUniform()",
        # Keras' GlorotNormal/HeNormal/LecunNormal are truncated; nnstudio's are plain normals
        "glorot_normal": f"keras.initializers.RandomNormal(stddev={_f(math.sqrt(2 / (n_in + n_out)))})",
        "he_uniform": "keras.initializers.HeUniform()",
        "he_normal": f"keras.initializers.RandomNormal(stddev={_f(math.sqrt(2 / n_in))})",
        "lecun_normal": f"keras.initializers.RandomNormal(stddev={_f(math.sqrt(1 / n_in))})",
    }[key]


def _keras_optimizer(config: TrainConfig) -> list[str]:
    c = config
    lr = "LEARNING_RATE"
    notes: list[str] = []
    if c.optimizer == "sgd":
        call = f"keras.optimizers.SGD(learning_rate={lr})"
    elif c.optimizer in ("momentum", "nesterov"):
        nest = ", nesterov=True" if c.optimizer == "nesterov" else ""
        call = f"keras.optimizers.SGD(learning_rate={lr}, momentum={_f(c.momentum)}{nest})"
        notes = ["# Keras keeps the velocity with the learning rate inside (v ← μv − ηg; w ← w + v),",
                 "# nnstudio and PyTorch outside (v ← μv + g; w ← w − ηv): the steps are the same while",
                 "# the learning rate is constant and differ slightly after it changes."]
    elif c.optimizer == "adagrad":
        eps = 1e-10 if c.eps is None else c.eps
        call = (f"keras.optimizers.Adagrad(learning_rate={lr}, initial_accumulator_value=0.0, "
                f"epsilon={_f(_sq(eps))})")
        notes = [f"# Keras adds ε inside the square root, g/√(G + ε); nnstudio outside, g/(√G + ε) with ε = {eps:g}.",
                 "# ε² here makes them agree except while G is about as small as ε²."]
    elif c.optimizer == "rmsprop":
        eps = 1e-8 if c.eps is None else c.eps
        rho = 0.99 if c.rho is None else c.rho
        call = f"keras.optimizers.RMSprop(learning_rate={lr}, rho={_f(rho)}, momentum=0.0, epsilon={_f(_sq(eps))})"
        notes = [f"# Keras adds ε inside the square root, g/√(s + ε); nnstudio outside, g/(√s + ε) with ε = {eps:g}.",
                 "# ε² here makes them agree except while s is about as small as ε². (Keras' own",
                 "# defaults differ too: ρ = 0.9, ε = 1e-7; nnstudio follows PyTorch, α = 0.99, ε = 1e-8.)"]
    else:
        eps = 1e-8 if c.eps is None else c.eps
        b1 = 0.9 if c.beta1 is None else c.beta1
        b2 = 0.999 if c.beta2 is None else c.beta2
        cls = "Adam" if c.optimizer == "adam" else "AdamW"
        wd = f", weight_decay={_f(c.weight_decay)}" if cls == "AdamW" else ""
        call = (f"keras.optimizers.{cls}(learning_rate={lr}, beta_1={_f(b1)}, beta_2={_f(b2)}, "
                f"epsilon={_f(eps)}{wd})")
        notes = ["# Keras' ε is added to √v before the bias correction of v, nnstudio's (PyTorch's) after it:",
                 "# Keras' ε equals nnstudio's ε·√(1 − β₂ᵗ). They differ only while √v is tiny (~ε).",
                 "# (Keras' default ε is 1e-7; this uses nnstudio's.)"]
    return ["def make_optimizer():", f'    """{c.optimizer}, set up to match nnstudio as closely as Keras allows."""',
            *["    " + n for n in notes], f"    return {call}"]


def _keras_code(spec: NetworkSpec, config: TrainConfig, pairs: list | None, name: str, data_spec: Any,
                prepared: Any, epochs: int, weights_file: str | None, filename: str | None) -> str:
    c = config
    L: list[str] = _header(spec, config, pairs is not None, "keras", name, data_spec, [], filename)
    L += ["import math", "from pathlib import Path", "", "import numpy as np", "import keras",
          "from keras import layers", "",
          f"# nnstudio computed in {config.dtype}; float32 is faster and nearly always good enough.",
          "# (Only Keras' TensorFlow backend computes fully in float64: the JAX and PyTorch backends",
          "# do matrix products in float32 even then, so results agree with nnstudio to ~1e-7.)",
          f'keras.config.set_floatx("{config.dtype}")', "",
          f"N_INPUTS = {spec.n_inputs}", f'TASK = "{spec.task}"  # "regression", "binary" or "multiclass"']
    L += _data_lines(spec, data_spec, prepared)
    L += ["", ""] + _train_constants(config, epochs)
    L += ["", "", "def regularizer():",
          '    """nnstudio\'s penalty λ₁Σ|w| + λ₂Σw² on the weights (kernels), not the biases."""',
          "    if L1 or L2:", "        return keras.regularizers.L1L2(l1=L1, l2=L2)", "    return None"]
    loss = {
        "mse": "keras.losses.MeanSquaredError()",
        "mae": "keras.losses.MeanAbsoluteError()",
        "huber": f"keras.losses.Huber(delta={_f(spec.huber_delta)})",
        "bce": "keras.losses.BinaryCrossentropy(from_logits=True)  # sigmoid + cross-entropy from the logit",
        "cce": "keras.losses.SparseCategoricalCrossentropy(from_logits=True)  # softmax + cross-entropy",
    }[spec.loss or "mse"]
    metric = {
        "regression": 'keras.metrics.R2Score(name="r2")',
        "binary": 'keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)',
        "multiclass": 'keras.metrics.SparseCategoricalAccuracy(name="accuracy")',
    }[spec.task]
    L += ["", "", "def make_loss():", '    """The batch-mean loss, applied to the logits."""', f"    return {loss}"]
    L += ["", ""] + _keras_optimizer(c)
    L += ["", "", "def build_model():",
          '    """The network: Dense layers with their activations; the last layer gives logits."""',
          "    inputs = keras.Input(shape=(N_INPUTS,))", "    x = inputs"]
    for i, (n_in, n_out) in enumerate(_layer_pairs(spec)):
        hidden = spec.hidden[i] if i < len(spec.hidden) else None
        key = hidden.init if hidden else spec.output_init
        bias = hidden.bias_init if hidden else spec.output_bias_init
        if hidden is not None:
            act, extra = _KERAS_ACT[hidden.activation]
            lname = f"hidden{i + 1}"
        else:
            act, extra = '"linear"', None
            lname = "output"
            what = {"regression": "the predicted value", "binary": "one logit; the sigmoid is inside the loss",
                    "multiclass": "one logit per class; the softmax is inside the loss"}[spec.task]
            L.append(f"    # output: {what}")
        L += [f"    x = layers.Dense({n_out}, activation={act}, name=\"{lname}\",",
              f"                     kernel_initializer={_keras_init(key, n_in, n_out)},",
              f"                     bias_initializer=keras.initializers.Constant({_f(bias)}),",
              "                     kernel_regularizer=regularizer())(x)"]
        if extra is not None:
            L.append(f"    x = {extra.format(a=_f(_alpha(hidden)))}(x)")
        if hidden is not None and hidden.activation == "selu":
            L.append("    # (Keras' SELU constants are rounded to 8 digits; the difference is ~1e-9)")
        if hidden is not None and hidden.dropout:
            L.append(f"    x = layers.Dropout({_f(hidden.dropout)})(x)")
    if spec.task == "binary":
        L.append("    # accuracy with threshold 0 on the logit: logit > 0 ⇔ σ(logit) > 0.5")
    L += [f"    model = keras.Model(inputs, x, name={_q(name)})",
          "    model.compile(optimizer=make_optimizer(), loss=make_loss(),",
          f"                  metrics=[{metric}])",
          "    return model", "", "",
          "def dense_layers(model):", "    return [layer for layer in model.layers if isinstance(layer, layers.Dense)]"]
    if pairs is not None:
        L += ["", "",
              "# The trained weights in nnstudio's layout, which is Keras' too: W has shape",
              "# (inputs, outputs) and z = a @ W + b."]
        if weights_file is None:
            L += _weights_literal(pairs)
            L += ["", "", "def trained_weights():", '    """[(W, b), ...] per layer, as NumPy arrays."""',
                  "    return [(np.array(W), np.array(b)) for W, b in WEIGHTS]"]
        else:
            L += [f"WEIGHTS_FILE = Path(__file__).with_name({_q(weights_file)})", "", "",
                  "def trained_weights():", '    """[(W, b), ...] per layer, read from WEIGHTS_FILE."""',
                  "    with np.load(WEIGHTS_FILE, allow_pickle=False) as z:",
                  f"        return [(z[f'W{{i}}'], z[f'b{{i}}']) for i in range(1, {len(pairs)} + 1)]"]
        L += ["", "", "def load_trained_weights(model, weights=None):",
              '    """Copy the trained weights (default: trained_weights()) into the model."""',
              "    for layer, (W, b) in zip(dense_layers(model), weights or trained_weights()):",
              f'        layer.set_weights([np.asarray(W, dtype="{c.dtype}"), np.asarray(b, dtype="{c.dtype}")])']
    L += ["", "", "def as_targets(y):",
          '    """Targets as the loss wants them: class indices (multi-class) or a float column."""',
          "    y = np.asarray(y)", '    if TASK == "multiclass":', '        return y.astype("int64").reshape(-1)',
          f'    return y.astype("{c.dtype}").reshape(-1, 1)', "", "",
          "def predict(model, X):",
          '    """The network\'s output for inputs X, shape (n, N_INPUTS): '
          + {"regression": "the predicted values", "binary": "σ(logit) = probability of class 1",
             "multiclass": "softmax probabilities, one column per class"}[spec.task] + '."""',
          f'    z = np.asarray(model.predict(np.asarray(X, dtype="{c.dtype}"), verbose=0), dtype=np.float64)']
    if spec.task == "binary":
        L += ["    e = np.exp(-np.abs(z))", "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))"]
    elif spec.task == "multiclass":
        L += ["    e = np.exp(z - z.max(axis=1, keepdims=True))", "    return e / e.sum(axis=1, keepdims=True)"]
    else:
        L += ["    return z"]
    # ---- training
    L += ["", "", "def callbacks(has_validation):",
          '    """Learning-rate schedule and early stopping, as set in nnstudio."""',
          "    out = []"]
    if c.schedule == "step":
        L += [f"    # lr = LEARNING_RATE · {c.decay_rate:g}^⌊epoch / {c.decay_epochs}⌋ (epochs of this train() call)",
              f"    out.append(keras.callbacks.LearningRateScheduler(lambda epoch: LEARNING_RATE * "
              f"{_f(c.decay_rate)} ** (epoch // {c.decay_epochs})))"]
    elif c.schedule == "exponential":
        L += [f"    # lr = LEARNING_RATE · {c.decay_rate:g}^epoch (epochs of this train() call)",
              f"    out.append(keras.callbacks.LearningRateScheduler(lambda epoch: LEARNING_RATE * "
              f"{_f(c.decay_rate)} ** epoch))"]
    if c.early_stopping == "patience":
        L += ["    out.append(keras.callbacks.EarlyStopping(",
              '        monitor="val_loss" if has_validation else "loss",',
              f"        patience={c.patience}, min_delta={_f(c.min_delta)}, restore_best_weights={c.restore_best}))"]
    elif c.early_stopping == "target":
        L += [f"    out.append(StopAtTarget({c.target_metric!r}, {_f(c.target_value)}))"]
    L += ["    return out"]
    if c.early_stopping == "target":
        L += ["", "", "class StopAtTarget(keras.callbacks.Callback):",
              '    """Stop training when a logged value reaches a target (losses: at most, others: at least)."""',
              "", "    def __init__(self, key, target):", "        super().__init__()",
              "        self.key, self.target = key, target", "",
              "    def on_epoch_end(self, epoch, logs=None):",
              "        value = (logs or {}).get(self.key)",
              "        if value is None:", "            return",
              '        if (value <= self.target) if "loss" in self.key else (value >= self.target):',
              "            self.model.stop_training = True"]
    L += ["", "", "def train(model, X, y, X_val=None, y_val=None, epochs=EPOCHS, verbose=True):",
          '    """Train as nnstudio does: batches of BATCH_SIZE, one optimizer step per batch; returns',
          "    Keras' History. (Keras' logged loss includes the L1/L2 penalty; nnstudio's does not.)",
          '    """',
          "    keras.utils.set_random_seed(SEED)",
          f'    X = np.asarray(X, dtype="{c.dtype}")',
          "    y = as_targets(y)",
          "    has_val = X_val is not None and len(X_val) > 0",
          f'    val = (np.asarray(X_val, dtype="{c.dtype}"), as_targets(y_val)) if has_val else None',
          "    return model.fit(X, y, batch_size=len(X) if BATCH_SIZE is None else BATCH_SIZE, epochs=epochs,",
          "                     shuffle=SHUFFLE, validation_data=val, callbacks=callbacks(has_val),",
          "                     verbose=2 if verbose else 0)"]
    L += _main_block(spec, pairs is not None, "keras", _example_rows(spec, prepared, data_spec))
    return _finish(L)


# ----------------------------------------------------------------------------- public API
def export_code(
    spec: NetworkSpec,
    config: TrainConfig,
    weights: np.ndarray | None = None,
    framework: str = "pytorch",
    data_spec: Any = None,
    *,
    prepared: Any = None,
    name: str = "model",
    epochs: int = 100,
    weights_file: str | None = None,
    filename: str | None = None,
) -> str:
    """The source of a Python program that rebuilds the network in Keras or PyTorch.

    Parameters
    ----------
    spec, config : NetworkSpec, TrainConfig
    weights : ndarray, optional
        The flat parameter vector to load; None exports an untrained network.
    framework : {"pytorch", "keras"}
    data_spec : DataSpec, optional
        Used for the description and the input feature maps.
    prepared : PreparedData, optional
        The prepared data: adds input and class names and the standardisation
        statistics to ``prepare_inputs``.
    name : str
        The program's name (a valid file stem is best).
    epochs : int
        Default number of epochs of the program's ``train``.
    weights_file : str, optional
        Name of a companion ``.npz`` (next to the program) to read the weights from
        instead of embedding them; :func:`write_export` writes it. When None, the
        weights are embedded.
    filename : str, optional
        The program's file name, for its "run it with" line (default ``name + ".py"``).

    Returns
    -------
    str

    Raises
    ------
    SpecError
        For an unknown framework or weights that do not fit the network.
    """
    w = _check_inputs(spec, config, weights, framework)
    pairs = None if w is None else _split_weights(spec, w)
    build = _torch_code if framework == "pytorch" else _keras_code
    return build(spec, config, pairs, str(name), data_spec, prepared, int(epochs), weights_file, filename)


def weights_npz_arrays(spec: NetworkSpec, weights: np.ndarray) -> dict[str, np.ndarray]:
    """``{"W1": ..., "b1": ..., ...}`` in nnstudio's layout, for a companion ``.npz``."""
    out = {}
    for i, (W, b) in enumerate(_split_weights(spec, np.asarray(weights, dtype=np.float64)), 1):
        out[f"W{i}"], out[f"b{i}"] = np.array(W), np.array(b)
    return out


def write_export(
    path: str | os.PathLike,
    spec: NetworkSpec,
    config: TrainConfig,
    weights: np.ndarray | None = None,
    framework: str = "pytorch",
    data_spec: Any = None,
    *,
    embed: bool | None = None,
    **kwargs: Any,
) -> list[Path]:
    """Write the program of :func:`export_code` to ``path``.

    The weights are embedded unless ``embed`` is False, or it is None and the network
    has more than :data:`EMBED_LIMIT` parameters; then they go to ``<stem>_weights.npz``
    next to the program.

    Returns
    -------
    list of Path
        The files written (the program first).
    """
    p = Path(path)
    if p.is_dir():
        raise ProjectError(f"cannot write to '{p}': it is a folder")
    kwargs.setdefault("name", p.stem)
    kwargs.setdefault("filename", p.name)
    if embed is None:
        embed = spec.n_parameters <= EMBED_LIMIT
    written = []
    wfile = None
    if weights is not None and not embed:
        wfile = f"{p.stem}_weights.npz"
    code = export_code(spec, config, weights, framework, data_spec, weights_file=wfile, **kwargs)
    try:
        if wfile is not None:
            np.savez(p.with_name(wfile), **weights_npz_arrays(spec, weights))  # type: ignore[arg-type]
        p.write_text(code, encoding="utf-8")
    except OSError as exc:
        raise ProjectError(f"cannot write '{p}': {exc.strerror or exc}") from None
    written.append(p)
    if wfile is not None:
        written.append(p.with_name(wfile))
    return written


__all__ = ["FRAMEWORKS", "EMBED_LIMIT", "export_code", "write_export", "weights_npz_arrays"]
