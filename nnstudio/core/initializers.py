"""Weight initialisers.

Every function returns a weight matrix of shape ``(fan_in, fan_out)``, the layout the
network uses (``z = a_prev @ W + b``). The scale of the initial weights decides
whether the signal and its gradient keep their size through a deep network; the
"vanishing gradients" lesson compares these.

=============== ========================================= ===========================
key             distribution                              meant for
=============== ========================================= ===========================
zeros           all 0 (every neuron stays identical)      showing why not
standard        U[−1/√fan_in, 1/√fan_in]                  the classic default
glorot_uniform  U[−√(6/(fan_in+fan_out)), +…]             sigmoid, tanh, softsign
glorot_normal   N(0, 2/(fan_in+fan_out))                  sigmoid, tanh, softsign
he_uniform      U[−√(6/fan_in), +√(6/fan_in)]             ReLU family
he_normal       N(0, 2/fan_in)                            ReLU family
lecun_normal    N(0, 1/fan_in)                            SELU
=============== ========================================= ===========================

The normal variants are plain (not truncated) normals, as in PyTorch's
``xavier_normal_`` and ``kaiming_normal_``.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import SpecError

INIT_NAMES = {
    "zeros": "Zeros",
    "standard": "Standard U[−1/√n, 1/√n]",
    "glorot_uniform": "Glorot / Xavier uniform",
    "glorot_normal": "Glorot / Xavier normal",
    "he_uniform": "He / Kaiming uniform",
    "he_normal": "He / Kaiming normal",
    "lecun_normal": "LeCun normal",
}


def init_weights(
    key: str, fan_in: int, fan_out: int, rng: np.random.Generator, dtype: np.dtype | type = np.float64
) -> np.ndarray:
    """Draw a ``(fan_in, fan_out)`` weight matrix with initialiser ``key``."""
    shape = (fan_in, fan_out)
    if key == "zeros":
        w = np.zeros(shape)
    elif key == "standard":
        lim = 1.0 / math.sqrt(fan_in)
        w = rng.uniform(-lim, lim, shape)
    elif key == "glorot_uniform":
        lim = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-lim, lim, shape)
    elif key == "glorot_normal":
        w = rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), shape)
    elif key == "he_uniform":
        lim = math.sqrt(6.0 / fan_in)
        w = rng.uniform(-lim, lim, shape)
    elif key == "he_normal":
        w = rng.normal(0.0, math.sqrt(2.0 / fan_in), shape)
    elif key == "lecun_normal":
        w = rng.normal(0.0, math.sqrt(1.0 / fan_in), shape)
    else:
        raise SpecError(f"unknown initialiser '{key}'; choose one of: {', '.join(INIT_NAMES)}")
    return w.astype(dtype, copy=False)
