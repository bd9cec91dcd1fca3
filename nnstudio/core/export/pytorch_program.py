"""The PyTorch program: ``nn.Sequential`` of ``Linear`` layers, ``torch.optim``, a training loop.

nnstudio's optimizers are PyTorch's definitions with their defaults, so this program
trains step for step as nnstudio does. ``torch.nn.Linear`` stores ``W`` transposed,
``(n_out, n_in)``; ``load_trained_weights`` transposes nnstudio's ``(n_in, n_out)``.
"""

from __future__ import annotations

from ..data import DataSpec, PreparedData
from ..specs import NetworkSpec, TrainConfig
from .literals import comment, docstring, integer, number, prose, text
from .parts import (
    OUTPUT_WORDS,
    PREDICT_WORDS,
    alpha,
    assemble,
    data_lines,
    example_rows,
    header,
    layer_pairs,
    main_block,
    train_constants,
    weights_literal,
)

_ACTIVATION = {  # (module, comment)
    "linear": ("nn.Identity()", ""),
    "sigmoid": ("nn.Sigmoid()", ""),
    "tanh": ("nn.Tanh()", ""),
    "softsign": ("nn.Softsign()", ""),
    "relu": ("nn.ReLU()", ""),
    "leaky_relu": ("nn.LeakyReLU(negative_slope={a})", ""),
    "elu": ("nn.ELU(alpha={a})", ""),
    "selu": ("nn.SELU()", ""),
    "softplus": ("nn.Softplus()", ""),
    "gelu": ("nn.GELU()", "exact GELU, z·Φ(z)"),
    "swish": ("nn.SiLU()", "swish"),
}

_DTYPE = {"float64": "torch.float64", "float32": "torch.float32"}


def _init_lines(spec: NetworkSpec) -> list[str]:
    lines = []
    for i, (n_in, _n_out) in enumerate(layer_pairs(spec)):
        hidden = spec.hidden[i] if i < len(spec.hidden) else None
        key = hidden.init if hidden else spec.output_init
        bias = hidden.bias_init if hidden else spec.output_bias_init
        w = f"linears[{i}].weight"
        n = integer(n_in)
        init = {
            "zeros": f"nn.init.zeros_({w})",
            "standard": f"nn.init.uniform_({w}, -1 / math.sqrt({n}), 1 / math.sqrt({n}))",
            "glorot_uniform": f"nn.init.xavier_uniform_({w})",
            "glorot_normal": f"nn.init.xavier_normal_({w})",
            "he_uniform": f'nn.init.kaiming_uniform_({w}, nonlinearity="relu")',
            "he_normal": f'nn.init.kaiming_normal_({w}, nonlinearity="relu")',
            "lecun_normal": f"nn.init.normal_({w}, 0.0, 1 / math.sqrt({n}))  # LeCun normal",
        }[key]
        lines.append(f"        {init}")
        lines.append(f"        nn.init.constant_(linears[{i}].bias, {number(bias)})")
    return lines


def _optimizer(config: TrainConfig) -> list[str]:
    c = config
    lr = "LEARNING_RATE"
    eps = c.eps
    if c.optimizer == "sgd":
        call = f"torch.optim.SGD(model.parameters(), lr={lr})"
    elif c.optimizer == "momentum":
        call = f"torch.optim.SGD(model.parameters(), lr={lr}, momentum={number(c.momentum)})"
    elif c.optimizer == "nesterov":
        call = f"torch.optim.SGD(model.parameters(), lr={lr}, momentum={number(c.momentum)}, nesterov=True)"
    elif c.optimizer == "adagrad":
        call = f"torch.optim.Adagrad(model.parameters(), lr={lr}, eps={number(1e-10 if eps is None else eps)})"
    elif c.optimizer == "rmsprop":
        call = (f"torch.optim.RMSprop(model.parameters(), lr={lr}, "
                f"alpha={number(0.99 if c.rho is None else c.rho)}, eps={number(1e-8 if eps is None else eps)})")
    else:
        cls = "Adam" if c.optimizer == "adam" else "AdamW"
        b1 = 0.9 if c.beta1 is None else c.beta1
        b2 = 0.999 if c.beta2 is None else c.beta2
        call = (f"torch.optim.{cls}(model.parameters(), lr={lr}, betas=({number(b1)}, {number(b2)}), "
                f"eps={number(1e-8 if eps is None else eps)}")
        call += f", weight_decay={number(c.weight_decay)})" if cls == "AdamW" else ")"
    lines = ["def make_optimizer(model):",
             "    " + docstring(f"{prose(c.optimizer)}, as nnstudio defines it (= torch.optim)."),
             f"    return {call}", "", "",
             "def make_scheduler(optimizer):",
             '    """The learning-rate schedule, stepped once per epoch of train() (None = constant)."""']
    if c.schedule == "step":
        lines.append("    " + comment(f"lr = LEARNING_RATE · {c.decay_rate:g}^⌊epoch / {c.decay_epochs}⌋"))
        lines.append(f"    return torch.optim.lr_scheduler.StepLR(optimizer, step_size={integer(c.decay_epochs)}, "
                     f"gamma={number(c.decay_rate)})")
    elif c.schedule == "exponential":
        lines.append("    " + comment(f"lr = LEARNING_RATE · {c.decay_rate:g}^epoch"))
        lines.append(f"    return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma={number(c.decay_rate)})")
    else:
        lines.append("    return None")
    return lines


def _loss(spec: NetworkSpec) -> list[str]:
    call = {
        "mse": "nn.MSELoss()",
        "mae": "nn.L1Loss()  # mean absolute error",
        "huber": f"nn.HuberLoss(delta={number(spec.huber_delta)})",
        "bce": "nn.BCEWithLogitsLoss()  # sigmoid + binary cross-entropy, computed from the logit",
        "cce": "nn.CrossEntropyLoss()  # softmax + categorical cross-entropy, from the logits",
    }[spec.loss or "mse"]
    return ["def make_loss():", '    """The batch-mean loss, applied to the logits."""', f"    return {call}"]


def _model(spec: NetworkSpec) -> list[str]:
    L = ["def build_model(initialise=True):",
         '    """The network: Linear layers with their activations; the last layer gives logits."""',
         "    model = nn.Sequential("]
    for i, (n_in, n_out) in enumerate(layer_pairs(spec)):
        linear = f"nn.Linear({integer(n_in)}, {integer(n_out)}),"
        if i < len(spec.hidden):
            h = spec.hidden[i]
            L.append(f"        {linear}  # hidden layer {i + 1}")
            code, note = _ACTIVATION[h.activation]
            L.append(f"        {code.format(a=number(alpha(h)))},{'  # ' + note if note else ''}")
            if h.dropout:
                L.append(f"        nn.Dropout(p={number(h.dropout)}),")
        else:
            L.append(f"        {linear}  " + comment(f"output: {OUTPUT_WORDS[spec.output_activation]}"))
    L += ["    ).to(DTYPE)", "    if initialise:", "        init_weights(model)", "    return model", "", "",
          "def linear_layers(model):", "    return [m for m in model if isinstance(m, nn.Linear)]", "", "",
          "def init_weights(model):",
          '    """Initial weights drawn as nnstudio draws them (same distributions, other random numbers)."""',
          "    linears = linear_layers(model)", "    with torch.no_grad():"]
    return L + _init_lines(spec)


def _weights(pairs: list, weights_file: str | None) -> list[str]:
    L = ["# The trained weights in nnstudio's layout: W has shape (inputs, outputs) and z = a @ W + b.",
         "# torch.nn.Linear stores W transposed, as (outputs, inputs): load_trained_weights() transposes."]
    if weights_file is None:
        L += weights_literal(pairs)
        L += ["", "", "def trained_weights():", '    """[(W, b), ...] per layer, as NumPy arrays."""',
              "    return [(np.array(W), np.array(b)) for W, b in WEIGHTS]"]
    else:
        L += [f"WEIGHTS_FILE = Path(__file__).with_name({text(weights_file)})", "", "",
              "def trained_weights():", '    """[(W, b), ...] per layer, read from WEIGHTS_FILE."""',
              "    with np.load(WEIGHTS_FILE, allow_pickle=False) as z:",
              f"        return [(z[f'W{{i}}'], z[f'b{{i}}']) for i in range(1, {integer(len(pairs))} + 1)]"]
    L += ["", "", "def load_trained_weights(model, weights=None):",
          '    """Copy the trained weights (default: trained_weights()) into the model."""',
          "    with torch.no_grad():",
          "        for layer, (W, b) in zip(linear_layers(model), weights or trained_weights()):",
          "            layer.weight.copy_(torch.tensor(np.asarray(W), dtype=DTYPE).T)",
          "            layer.bias.copy_(torch.tensor(np.asarray(b), dtype=DTYPE))"]
    return L


def _predict_and_evaluate(spec: NetworkSpec, metric: str) -> list[str]:
    L = ["def penalty(model):",
         '    """nnstudio\'s L1/L2 penalty: λ₁Σ|w| + λ₂Σw² over the weights, added to the batch-mean loss."""',
         "    total = 0.0",
         "    for layer in linear_layers(model):",
         "        if L1:", "            total = total + L1 * layer.weight.abs().sum()",
         "        if L2:", "            total = total + L2 * (layer.weight * layer.weight).sum()",
         "    return total", "", "",
         "def as_targets(y):",
         '    """Targets as the loss wants them: class indices (softmax output) or a float column."""',
         "    y = torch.tensor(np.asarray(y))",
         '    if OUTPUT == "softmax":', "        return y.long().reshape(-1)",
         "    return y.to(DTYPE).reshape(-1, 1)", "", "",
         "def predict(model, X):",
         "    " + docstring("The network's output for inputs X, shape (n, N_INPUTS): "
                       f"{PREDICT_WORDS[spec.output_activation]}."),
         "    model.eval()", "    with torch.no_grad():",
         "        z = model(torch.tensor(np.asarray(X), dtype=DTYPE))",
         {"linear": "    return z.numpy()", "sigmoid": "    return torch.sigmoid(z).numpy()",
          "softmax": "    return torch.softmax(z, dim=1).numpy()"}[spec.output_activation]]
    L += ["", "", "def evaluate(model, X, y):",
          "    " + docstring(f"(loss, {metric}) on X, y without dropout and without the penalty."),
          "    model.eval()", "    with torch.no_grad():",
          "        z = model(torch.tensor(np.asarray(X), dtype=DTYPE))",
          "        t = as_targets(y)", "        loss = make_loss()(z, t).item()"]
    if spec.task == "regression":
        L += ["        ss_res = ((t - z) ** 2).sum().item()", "        ss_tot = ((t - t.mean()) ** 2).sum().item()",
              '        metric = 1 - ss_res / ss_tot if ss_tot > 0 else float("nan")']
    elif spec.output_activation == "sigmoid":
        L += ["        metric = ((z > 0).to(DTYPE) == t).to(DTYPE).mean().item()"]
    else:
        L += ["        metric = (z.argmax(dim=1) == t).to(DTYPE).mean().item()"]
    return L + ["    return loss, metric"]


def _train(config: TrainConfig, metric: str) -> list[str]:
    c = config
    L = ["def train(model, X, y, X_val=None, y_val=None, epochs=EPOCHS, seed=SEED, verbose=True):",
         '    """Train as nnstudio does: each epoch visits every sample once in batches of BATCH_SIZE',
         "    (the last batch may be smaller), one optimizer step per batch. Returns the history.",
         '    """',
         "    torch.manual_seed(seed)  # dropout",
         "    generator = torch.Generator().manual_seed(seed)  # shuffling",
         "    X = torch.tensor(np.asarray(X), dtype=DTYPE)",
         "    y = as_targets(y)",
         "    loss_fn = make_loss()",
         "    optimizer = make_optimizer(model)",
         "    scheduler = make_scheduler(optimizer)",
         "    n = len(X)",
         "    batch = n if BATCH_SIZE is None else min(BATCH_SIZE, n)",
         "    history = []"]
    if c.early_stopping == "patience":
        L += ["    best, best_state, wait = math.inf, None, 0"]
    # the metric's name is one of two fixed words ("R²", "accuracy"), never user text
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
              "        " + comment(f"has not improved by more than {c.min_delta:g} for {c.patience} epochs"),
              "        monitored = row.get(\"val_loss\", row[\"loss\"])",
              f"        if monitored < best - {number(c.min_delta)}:",
              "            best, wait = monitored, 0",
              "            best_state = {k: v.clone() for k, v in model.state_dict().items()}",
              "        else:",
              "            wait += 1",
              f"            if wait >= {integer(c.patience)}:"]
        if c.restore_best:
            L += ["                if best_state is not None:",
                  "                    model.load_state_dict(best_state)  # back to the best epoch"]
        L += ["                break"]
    elif c.early_stopping == "target":
        key = {"accuracy": "metric", "val_accuracy": "val_metric", "r2": "metric", "val_r2": "val_metric",
               "loss": "loss", "val_loss": "val_loss"}[c.target_metric]
        op = "<=" if "loss" in c.target_metric else ">="
        L += ["        " + comment(f"stop when {c.target_metric} reaches {c.target_value:g}"),
              f"        if \"{key}\" in row and row[\"{key}\"] {op} {number(c.target_value)}:",
              "            break"]
    return L + ["    return history"]


def pytorch_program(spec: NetworkSpec, config: TrainConfig, pairs: list | None, name: str,
                    data: DataSpec | None, prepared: PreparedData | None, epochs: int,
                    weights_file: str | None, filename: str | None) -> str:
    """The source of the PyTorch program; arguments as :func:`~.program.export_code`,
    with ``pairs`` the trained ``[(W, b), ...]`` or None."""
    metric = "R²" if spec.task == "regression" else "accuracy"
    L = ["", comment(f"nnstudio computed in {config.dtype}; float32 is faster and nearly always good enough"),
         f"DTYPE = {_DTYPE[config.dtype]}", "",
         f"N_INPUTS = {integer(spec.n_inputs)}",
         f"TASK = {text(spec.task)}  # \"regression\", \"binary\" or \"multiclass\"",
         f"OUTPUT = {text(spec.output_activation)}  # the output activation (inside the loss): "
         "\"linear\", \"sigmoid\" or \"softmax\""]
    L += data_lines(spec, data, prepared)
    L += ["", ""] + train_constants(config, epochs)
    L += ["", ""] + _model(spec)
    if pairs is not None:
        L += ["", ""] + _weights(pairs, weights_file)
    L += ["", ""] + _loss(spec) + ["", ""] + _optimizer(config)
    L += ["", ""] + _predict_and_evaluate(spec, metric)
    L += ["", ""] + _train(config, metric)
    L += main_block(spec, pairs is not None, "pytorch", example_rows(spec, data, prepared))
    doc = header(spec, config, pairs is not None, "pytorch", name, data, filename)
    return assemble(doc, ["import numpy as np", "import torch", "from torch import nn"], L)


__all__ = ["pytorch_program"]
