"""Activation functions with their derivatives, display names and formulas.

Each activation is an :class:`Activation` with ``f(z)`` and ``df(z)`` working
element-wise on arrays of any shape. ``df`` is the derivative with respect to the
pre-activation ``z``; the network multiplies the incoming gradient by it during
backpropagation (``δ = ∂L/∂a ⊙ f'(z)``).

Conventions chosen where the maths leaves a choice:

* ReLU′(0) = 0 and leaky ReLU′(0) = α (the sub-gradient PyTorch uses).
* GELU is the exact form ``z·Φ(z)`` (PyTorch's default ``approximate='none'``).
* SELU uses the constants of Klambauer et al. (2017), as PyTorch does.
* Softsign, z/(1 + |z|), is the one Glorot & Bengio (2010) compare with tanh: the same
  range and slope 1 at 0, but it approaches ±1 polynomially (1 − 1/|z|) instead of
  exponentially, so its units saturate more gently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import SpecError

Array = np.ndarray

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# sup f′: GELU′ peaks at z = √2 (GELU″ = φ(z)(2 − z²)); Swish′ at z ≈ 2.3994, the root of
# 2 + z(1 − 2σ(z)) = 0. Kept exact; round them when displaying.
_GELU_MAX_SLOPE = 0.5 * (1.0 + math.erf(1.0)) + math.sqrt(2.0) * math.exp(-1.0) * _INV_SQRT_2PI
_SWISH_MAX_SLOPE = 1.099839320128867

# NumPy has no erf/erfc. math.erfc is exact and the same on every machine, which keeps GELU
# runs bit-identical whether or not SciPy happens to be installed.
_erfc_obj = np.frompyfunc(math.erfc, 1, 1)


def _erfc(x: Array) -> Array:
    x = np.asarray(x)
    # np.asarray: for a 0-d input frompyfunc returns a bare Python float, not an array
    return np.asarray(_erfc_obj(x), dtype=np.result_type(x, 1.0))


@dataclass(frozen=True)
class Activation:
    """An element-wise activation ``a = f(z)``.

    Attributes
    ----------
    key : str
        Identifier used in specs and files (``"relu"``).
    name : str
        Display name (``"ReLU"``).
    formula : str
        ``f`` written out for a learner (``"f(z) = max(0, z)"``).
    derivative_formula : str
        ``f'`` written out.
    f, df : callable
        ``f(z, param)`` and ``df(z, param)``; ``param`` is α for leaky ReLU and ELU.
    range : tuple of float
        The output range, for axis limits and captions.
    max_slope : float
        The largest value ``f'`` reaches (0.25 for sigmoid, which is why deep sigmoid
        networks lose their gradient).
    """

    key: str
    name: str
    formula: str
    derivative_formula: str
    _f: Callable[[Array, float], Array]
    _df: Callable[[Array, float], Array]
    range: tuple[float, float]
    max_slope: float
    has_param: bool = False
    default_param: float = 0.0

    def f(self, z: Array, param: float | None = None) -> Array:
        """Value ``f(z)``, element-wise, same shape and dtype as ``z``."""
        z = np.asarray(z)  # Python scalars too: several kernels use ndarray methods
        return self._f(z, self.default_param if param is None else param)

    def df(self, z: Array, param: float | None = None) -> Array:
        """Derivative ``f'(z)``, element-wise."""
        z = np.asarray(z)
        return self._df(z, self.default_param if param is None else param)

    def df_from(self, z: Array, a: Array, param: float | None = None) -> Array:
        """Derivative using the already computed output ``a = f(z)`` where that is cheaper."""
        if self.key == "sigmoid":
            return a * (1.0 - a)
        if self.key == "tanh":
            d = a * a
            return np.subtract(1.0, d, out=d)
        return self._df(z, self.default_param if param is None else param)


def _sigmoid(z: Array, _p: float = 0.0) -> Array:
    # Split by sign so exp never overflows: for z < 0 use e^z / (1 + e^z).
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _dsigmoid(z: Array, _p: float = 0.0) -> Array:
    s = _sigmoid(z)
    return s * (1.0 - s)


def _softplus(z: Array, _p: float = 0.0) -> Array:
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): exact and overflow-free.
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _elu(z: Array, alpha: float) -> Array:
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def _delu(z: Array, alpha: float) -> Array:
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0))).astype(np.result_type(z, 1.0), copy=False)


def _selu(z: Array, _p: float = 0.0) -> Array:
    return _SELU_SCALE * _elu(z, _SELU_ALPHA)


def _dselu(z: Array, _p: float = 0.0) -> Array:
    return _SELU_SCALE * _delu(z, _SELU_ALPHA)


def _phi_cdf(z: Array) -> Array:
    # Φ(z) = ½·erfc(−z/√2): unlike ½(1 + erf(z/√2)) it keeps full relative precision in
    # the left tail (1 + erf cancels for z ≲ −4), so GELU and its derivative stay exact there.
    return 0.5 * _erfc(z * -_SQRT1_2)


def _gelu(z: Array, _p: float = 0.0) -> Array:
    return (z * _phi_cdf(z)).astype(np.result_type(z, 1.0), copy=False)


def _dgelu(z: Array, _p: float = 0.0) -> Array:
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * z * z)
    return (_phi_cdf(z) + z * pdf).astype(np.result_type(z, 1.0), copy=False)


def _swish(z: Array, _p: float = 0.0) -> Array:
    return z * _sigmoid(z)


def _dswish(z: Array, _p: float = 0.0) -> Array:
    s = _sigmoid(z)
    return s + z * s * (1.0 - s)


def _softsign(z: Array, _p: float = 0.0) -> Array:
    return z / (1.0 + np.abs(z))


def _dsoftsign(z: Array, _p: float = 0.0) -> Array:
    # from z, not from a = f(z): 1 − |a| cancels for large |z|, 1 + |z| never does;
    # (1/d)² rather than 1/d², which would overflow to inf for |z| > 1e154
    r = 1.0 / (1.0 + np.abs(z))
    return r * r


def _ones_like(z: Array, _p: float = 0.0) -> Array:
    return np.ones_like(z)


def _relu(z: Array, _p: float = 0.0) -> Array:
    return np.maximum(z, 0)


def _drelu(z: Array, _p: float = 0.0) -> Array:
    return (z > 0).astype(np.result_type(z, 1.0))


def _leaky(z: Array, alpha: float) -> Array:
    return np.where(z > 0, z, alpha * z)


def _dleaky(z: Array, alpha: float) -> Array:
    return np.where(z > 0, 1.0, alpha).astype(np.result_type(z, 1.0), copy=False)


def _dtanh(z: Array, _p: float = 0.0) -> Array:
    t = np.tanh(z)
    return 1.0 - t * t


_ALL = [
    Activation("linear", "Linear", "f(z) = z", "f′(z) = 1",
               lambda z, p: z, _ones_like, (-math.inf, math.inf), 1.0),
    Activation("sigmoid", "Sigmoid", "f(z) = 1 / (1 + e^(−z))", "f′(z) = f(z)·(1 − f(z))",
               _sigmoid, _dsigmoid, (0.0, 1.0), 0.25),
    Activation("tanh", "Tanh", "f(z) = (e^z − e^(−z)) / (e^z + e^(−z))", "f′(z) = 1 − f(z)²",
               lambda z, p: np.tanh(z), _dtanh, (-1.0, 1.0), 1.0),
    Activation("relu", "ReLU", "f(z) = max(0, z)", "f′(z) = 1 if z > 0, else 0",
               _relu, _drelu, (0.0, math.inf), 1.0),
    Activation("leaky_relu", "Leaky ReLU", "f(z) = z if z > 0, else α·z",
               "f′(z) = 1 if z > 0, else α", _leaky, _dleaky, (-math.inf, math.inf), 1.0,
               has_param=True, default_param=0.01),
    Activation("elu", "ELU", "f(z) = z if z > 0, else α·(e^z − 1)",
               "f′(z) = 1 if z > 0, else α·e^z", _elu, _delu, (-1.0, math.inf), 1.0,
               has_param=True, default_param=1.0),
    Activation("selu", "SELU", "f(z) = λ·z if z > 0, else λ·α·(e^z − 1)  (λ ≈ 1.0507, α ≈ 1.6733)",
               "f′(z) = λ if z > 0, else λ·α·e^z", _selu, _dselu,
               (-_SELU_SCALE * _SELU_ALPHA, math.inf), _SELU_SCALE * _SELU_ALPHA),
    Activation("softplus", "Softplus", "f(z) = ln(1 + e^z)", "f′(z) = 1 / (1 + e^(−z))",
               _softplus, _sigmoid, (0.0, math.inf), 1.0),
    Activation("gelu", "GELU", "f(z) = z·Φ(z)  (Φ = standard normal CDF)",
               "f′(z) = Φ(z) + z·φ(z)", _gelu, _dgelu, (-0.17, math.inf), _GELU_MAX_SLOPE),
    Activation("swish", "Swish (SiLU)", "f(z) = z·σ(z)", "f′(z) = σ(z) + z·σ(z)·(1 − σ(z))",
               _swish, _dswish, (-0.279, math.inf), _SWISH_MAX_SLOPE),
    Activation("softsign", "Softsign", "f(z) = z / (1 + |z|)", "f′(z) = 1 / (1 + |z|)²",
               _softsign, _dsoftsign, (-1.0, 1.0), 1.0),
]

ACTIVATIONS: dict[str, Activation] = {a.key: a for a in _ALL}


def get_activation(key: str) -> Activation:
    """Look an activation up by key, with a message listing the valid ones."""
    try:
        return ACTIVATIONS[key]
    except KeyError:
        raise SpecError(
            f"unknown activation '{key}'; choose one of: {', '.join(ACTIVATIONS)}"
        ) from None


def sigmoid(z: Array) -> Array:
    """Numerically stable logistic function, exported for losses and metrics."""
    return _sigmoid(z)
