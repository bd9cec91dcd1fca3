"""The Keras 3 program: a functional ``keras.Model`` of ``Dense`` layers, compiled and fitted.

Keras' ``Dense`` kernel has nnstudio's layout, ``(n_in, n_out)``, and its ``L1L2``
kernel regulariser is nnstudio's penalty exactly. Keras formulates some optimizers
differently; the program picks the settings that match most closely and says in a
comment where it cannot match exactly.
"""

from __future__ import annotations

import math

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
    program_name,
    squared,
    train_constants,
    weights_literal,
)

_ACTIVATION = {  # Dense(activation=...) or None + an activation layer
    "linear": ('"linear"', None),
    "sigmoid": ('"sigmoid"', None),
    "tanh": ('"tanh"', None),
    "softsign": ('"softsign"', None),
    "relu": ('"relu"', None),
    "leaky_relu": ("None", "layers.LeakyReLU(negative_slope={a})"),
    "elu": ("None", "layers.ELU(alpha={a})"),
    "selu": ('"selu"', None),
    "softplus": ('"softplus"', None),
    "gelu": ('"gelu"', None),
    "swish": ('"silu"', None),
}


def _initializer(key: str, n_in: int, n_out: int) -> str:
    return {
        "zeros": '"zeros"',
        "standard": f"keras.initializers.RandomUniform({number(-1 / math.sqrt(n_in))}, {number(1 / math.sqrt(n_in))})",
        "glorot_uniform": "keras.initializers.GlorotUniform()",
        # Keras' GlorotNormal/HeNormal/LecunNormal are truncated; nnstudio's are plain normals
        "glorot_normal": f"keras.initializers.RandomNormal(stddev={number(math.sqrt(2 / (n_in + n_out)))})",
        "he_uniform": "keras.initializers.HeUniform()",
        "he_normal": f"keras.initializers.RandomNormal(stddev={number(math.sqrt(2 / n_in))})",
        "lecun_normal": f"keras.initializers.RandomNormal(stddev={number(math.sqrt(1 / n_in))})",
    }[key]


def _optimizer(config: TrainConfig) -> list[str]:
    c = config
    lr = "LEARNING_RATE"
    notes: list[str] = []
    if c.optimizer == "sgd":
        call = f"keras.optimizers.SGD(learning_rate={lr})"
    elif c.optimizer in ("momentum", "nesterov"):
        nest = ", nesterov=True" if c.optimizer == "nesterov" else ""
        call = f"keras.optimizers.SGD(learning_rate={lr}, momentum={number(c.momentum)}{nest})"
        notes = ["Keras keeps the velocity with the learning rate inside (v ← μv − ηg; w ← w + v),",
                 "nnstudio and PyTorch outside (v ← μv + g; w ← w − ηv): the steps are the same while",
                 "the learning rate is constant and differ slightly after it changes."]
    elif c.optimizer == "adagrad":
        eps = 1e-10 if c.eps is None else c.eps
        call = (f"keras.optimizers.Adagrad(learning_rate={lr}, initial_accumulator_value=0.0, "
                f"epsilon={number(squared(eps))})")
        notes = [f"Keras adds ε inside the square root, g/√(G + ε); nnstudio outside, g/(√G + ε) with ε = {eps:g}.",
                 "ε² here makes them agree except while G is about as small as ε²."]
    elif c.optimizer == "rmsprop":
        eps = 1e-8 if c.eps is None else c.eps
        rho = 0.99 if c.rho is None else c.rho
        call = (f"keras.optimizers.RMSprop(learning_rate={lr}, rho={number(rho)}, momentum=0.0, "
                f"epsilon={number(squared(eps))})")
        notes = [f"Keras adds ε inside the square root, g/√(s + ε); nnstudio outside, g/(√s + ε) with ε = {eps:g}.",
                 "ε² here makes them agree except while s is about as small as ε². (Keras' own",
                 "defaults differ too: ρ = 0.9, ε = 1e-7; nnstudio follows PyTorch, α = 0.99, ε = 1e-8.)"]
    else:
        eps = 1e-8 if c.eps is None else c.eps
        b1 = 0.9 if c.beta1 is None else c.beta1
        b2 = 0.999 if c.beta2 is None else c.beta2
        cls = "Adam" if c.optimizer == "adam" else "AdamW"
        wd = f", weight_decay={number(c.weight_decay)}" if cls == "AdamW" else ""
        call = (f"keras.optimizers.{cls}(learning_rate={lr}, beta_1={number(b1)}, beta_2={number(b2)}, "
                f"epsilon={number(eps)}{wd})")
        notes = ["Keras' ε is added to √v before the bias correction of v, nnstudio's (PyTorch's) after it:",
                 "Keras' ε equals nnstudio's ε·√(1 − β₂ᵗ). They differ only while √v is tiny (~ε).",
                 "(Keras' default ε is 1e-7; this uses nnstudio's.)"]
    return ["def make_optimizer():",
            "    " + docstring(f"{prose(c.optimizer)}, set up to match nnstudio as closely as Keras allows."),
            *["    " + comment(n) for n in notes], f"    return {call}"]


def _model(spec: NetworkSpec, config: TrainConfig, name: str) -> list[str]:
    loss = {
        "mse": "keras.losses.MeanSquaredError()",
        "mae": "keras.losses.MeanAbsoluteError()",
        "huber": f"keras.losses.Huber(delta={number(spec.huber_delta)})",
        "bce": "keras.losses.BinaryCrossentropy(from_logits=True)  # sigmoid + cross-entropy from the logit",
        "cce": "keras.losses.SparseCategoricalCrossentropy(from_logits=True)  # softmax + cross-entropy",
    }[spec.loss or "mse"]
    metric = {
        "regression": 'keras.metrics.R2Score(name="r2")',
        "sigmoid": 'keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)',
        "softmax": 'keras.metrics.SparseCategoricalAccuracy(name="accuracy")',
    }[spec.output_activation if spec.task != "regression" else "regression"]
    L = ["def regularizer():",
         '    """nnstudio\'s penalty λ₁Σ|w| + λ₂Σw² on the weights (kernels), not the biases."""',
         "    if L1 or L2:", "        return keras.regularizers.L1L2(l1=L1, l2=L2)", "    return None", "", "",
         "def make_loss():", '    """The batch-mean loss, applied to the logits."""', f"    return {loss}"]
    L += ["", ""] + _optimizer(config)
    L += ["", "", "def build_model():",
          '    """The network: Dense layers with their activations; the last layer gives logits."""',
          "    inputs = keras.Input(shape=(N_INPUTS,))", "    x = inputs"]
    for i, (n_in, n_out) in enumerate(layer_pairs(spec)):
        hidden = spec.hidden[i] if i < len(spec.hidden) else None
        key = hidden.init if hidden else spec.output_init
        bias = hidden.bias_init if hidden else spec.output_bias_init
        if hidden is not None:
            act, extra = _ACTIVATION[hidden.activation]
            layer_name = f"hidden{i + 1}"
        else:
            act, extra = '"linear"', None
            layer_name = "output"
            L.append("    " + comment(f"output: {OUTPUT_WORDS[spec.output_activation]}"))
        L += [f"    x = layers.Dense({integer(n_out)}, activation={act}, name={text(layer_name)},",
              f"                     kernel_initializer={_initializer(key, n_in, n_out)},",
              f"                     bias_initializer=keras.initializers.Constant({number(bias)}),",
              "                     kernel_regularizer=regularizer())(x)"]
        if extra is not None:
            L.append(f"    x = {extra.format(a=number(alpha(hidden)))}(x)")
        if hidden is not None and hidden.activation == "selu":
            L.append("    # (Keras' SELU constants are rounded to 8 digits; the difference is ~1e-9)")
        if hidden is not None and hidden.dropout:
            L.append(f"    x = layers.Dropout({number(hidden.dropout)})(x)")
    if spec.output_activation == "sigmoid":
        L.append("    # accuracy with threshold 0 on the logit: logit > 0 ⇔ σ(logit) > 0.5")
    L += [f"    model = keras.Model(inputs, x, name={text(program_name(name))})",
          "    model.compile(optimizer=make_optimizer(), loss=make_loss(),",
          f"                  metrics=[{metric}])",
          "    return model", "", "",
          "def dense_layers(model):", "    return [layer for layer in model.layers if isinstance(layer, layers.Dense)]"]
    return L


def _weights(pairs: list, weights_file: str | None, dtype: str) -> list[str]:
    L = ["# The trained weights in nnstudio's layout, which is Keras' too: W has shape",
         "# (inputs, outputs) and z = a @ W + b."]
    if weights_file is None:
        L += weights_literal(pairs)
        L += ["", "", "def trained_weights():", '    """[(W, b), ...] per layer, as NumPy arrays."""',
              "    return [(np.array(W), np.array(b)) for W, b in WEIGHTS]"]
    else:
        L += [f"WEIGHTS_FILE = Path(__file__).with_name({text(weights_file)})", "", "",
              "def trained_weights():", '    """[(W, b), ...] per layer, read from WEIGHTS_FILE."""',
              "    with np.load(WEIGHTS_FILE, allow_pickle=False) as z:",
              f"        return [(z[f'W{{i}}'], z[f'b{{i}}']) for i in range(1, {integer(len(pairs))} + 1)]"]
    d = text(dtype)
    L += ["", "", "def load_trained_weights(model, weights=None):",
          '    """Copy the trained weights (default: trained_weights()) into the model."""',
          "    for layer, (W, b) in zip(dense_layers(model), weights or trained_weights()):",
          f"        layer.set_weights([np.asarray(W, dtype={d}), np.asarray(b, dtype={d})])"]
    return L


def _predict(spec: NetworkSpec, dtype: str) -> list[str]:
    d = text(dtype)
    L = ["def as_targets(y):",
         '    """Targets as the loss wants them: class indices (softmax output) or a float column."""',
         "    y = np.asarray(y)", '    if OUTPUT == "softmax":', '        return y.astype("int64").reshape(-1)',
         f"    return y.astype({d}).reshape(-1, 1)", "", "",
         "def predict(model, X):",
         "    " + docstring("The network's output for inputs X, shape (n, N_INPUTS): "
                       f"{PREDICT_WORDS[spec.output_activation]}."),
         f"    z = np.asarray(model.predict(np.array(X, dtype={d}), verbose=0), dtype=np.float64)"]
    if spec.output_activation == "sigmoid":
        L += ["    e = np.exp(-np.abs(z))", "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))"]
    elif spec.output_activation == "softmax":
        L += ["    e = np.exp(z - z.max(axis=1, keepdims=True))", "    return e / e.sum(axis=1, keepdims=True)"]
    else:
        L += ["    return z"]
    return L


def _train(config: TrainConfig) -> list[str]:
    c = config
    d = text(c.dtype)
    L = ["def callbacks(has_validation):",
         '    """Learning-rate schedule and early stopping, as set in nnstudio."""',
         "    out = []"]
    if c.schedule == "step":
        L += ["    " + comment(f"lr = LEARNING_RATE · {c.decay_rate:g}^⌊epoch / {c.decay_epochs}⌋ "
                                "(epochs of this train() call)"),
              "    out.append(keras.callbacks.LearningRateScheduler(lambda epoch: LEARNING_RATE * "
              f"{number(c.decay_rate)} ** (epoch // {integer(c.decay_epochs)})))"]
    elif c.schedule == "exponential":
        L += ["    " + comment(f"lr = LEARNING_RATE · {c.decay_rate:g}^epoch (epochs of this train() call)"),
              "    out.append(keras.callbacks.LearningRateScheduler(lambda epoch: LEARNING_RATE * "
              f"{number(c.decay_rate)} ** epoch))"]
    if c.early_stopping == "patience":
        L += ["    out.append(keras.callbacks.EarlyStopping(",
              '        monitor="val_loss" if has_validation else "loss",',
              f"        patience={integer(c.patience)}, min_delta={number(c.min_delta)}, "
              f"restore_best_weights={bool(c.restore_best)}))"]
    elif c.early_stopping == "target":
        L += [f"    out.append(StopAtTarget({text(c.target_metric)}, {number(c.target_value)}))"]
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
          f"    X = np.array(X, dtype={d})",
          "    y = as_targets(y)",
          "    has_val = X_val is not None and len(X_val) > 0",
          f"    val = (np.array(X_val, dtype={d}), as_targets(y_val)) if has_val else None",
          "    return model.fit(X, y, batch_size=len(X) if BATCH_SIZE is None else BATCH_SIZE, epochs=epochs,",
          "                     shuffle=SHUFFLE, validation_data=val, callbacks=callbacks(has_val),",
          "                     verbose=2 if verbose else 0)"]
    return L


def keras_program(spec: NetworkSpec, config: TrainConfig, pairs: list | None, name: str,
                  data: DataSpec | None, prepared: PreparedData | None, epochs: int,
                  weights_file: str | None, filename: str | None) -> str:
    """The source of the Keras program; arguments as :func:`~.program.export_code`,
    with ``pairs`` the trained ``[(W, b), ...]`` or None."""
    L = ["", comment(f"nnstudio computed in {config.dtype}; float32 is faster and nearly always good enough."),
         "# (Only Keras' TensorFlow backend computes fully in float64: the JAX and PyTorch backends",
         "# do matrix products in float32 even then, so results agree with nnstudio to ~1e-7.)",
         f"keras.config.set_floatx({text(config.dtype)})", "",
         f"N_INPUTS = {integer(spec.n_inputs)}",
         f"TASK = {text(spec.task)}  # \"regression\", \"binary\" or \"multiclass\"",
         f"OUTPUT = {text(spec.output_activation)}  # the output activation (inside the loss): "
         "\"linear\", \"sigmoid\" or \"softmax\""]
    L += data_lines(spec, data, prepared)
    L += ["", ""] + train_constants(config, epochs)
    L += ["", ""] + _model(spec, config, name)
    if pairs is not None:
        L += ["", ""] + _weights(pairs, weights_file, config.dtype)
    L += ["", ""] + _predict(spec, config.dtype)
    L += ["", ""] + _train(config)
    L += main_block(spec, pairs is not None, "keras", example_rows(spec, data, prepared))
    doc = header(spec, config, pairs is not None, "keras", name, data, filename)
    return assemble(doc, ["import numpy as np", "import keras", "from keras import layers"], L)


__all__ = ["keras_program"]
