"""Gradient-descent optimizers, defined exactly as in PyTorch's ``torch.optim``.

Each optimizer updates an array of parameters ``p`` *in place* from its gradient
``g``: ``opt.step(p, g)``. The arrays can be the flat parameter vector of a network
or any plain array, such as a point ``(x, y)`` on a 2-D test function, so the same
code races optimizers on the Rosenbrock valley and trains networks.

The state (velocities, accumulators, step count) is public in ``opt.state`` so the app
can show it. ``lr`` is an attribute and may be changed between steps (schedules, or a
user moving the slider) without losing the state.

Update rules (``t`` counts steps from 1):

========== =======================================================================
sgd        p ← p − η·g
momentum   v ← μ·v + g  (first v = g);  p ← p − η·v
nesterov   v ← μ·v + g;  p ← p − η·(g + μ·v)
adagrad    G ← G + g²  (G₀ = 0);  p ← p − η·g / (√G + ε),  ε = 1e-10
rmsprop    s ← α·s + (1 − α)·g²;  p ← p − η·g / (√s + ε),  α = 0.99, ε = 1e-8
adam       m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
           p ← p − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε),  β = (0.9, 0.999), ε = 1e-8
adamw      p ← p·(1 − η·λ), then the Adam step  (λ = weight decay, 0.01)
========== =======================================================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import SpecError

Array = np.ndarray

#: display names and the update rule, for tooltips
OPTIMIZER_INFO: dict[str, tuple[str, str]] = {
    "sgd": ("Gradient descent (SGD)", "w ← w − η·g"),
    "momentum": ("Momentum", "v ← μ·v + g;  w ← w − η·v"),
    "nesterov": ("Nesterov momentum", "v ← μ·v + g;  w ← w − η·(g + μ·v)"),
    "adagrad": ("AdaGrad", "G ← G + g²;  w ← w − η·g / (√G + ε)"),
    "rmsprop": ("RMSProp", "s ← α·s + (1 − α)·g²;  w ← w − η·g / (√s + ε)"),
    "adam": ("Adam", "m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  w ← w − η·m̂ / (√v̂ + ε)"),
    "adamw": ("AdamW", "w ← w·(1 − η·λ);  then the Adam step"),
}


class Optimizer:
    """Base class: holds ``lr`` and the ``state`` dict; subclasses implement ``_update``."""

    key = "sgd"
    #: names of the per-parameter state arrays, in display order
    state_names: tuple[str, ...] = ()

    def __init__(self, lr: float) -> None:
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise SpecError(f"the learning rate must be a number greater than 0, not {lr!r}")
        self.lr = float(lr)
        self.state: dict[str, Any] = {"step": 0}
        self._bufs: list[Array] | None = None  # the state arrays, checked against p once
        self._tmp: list[Array] = []  # scratch arrays shaped like p (not part of the state)

    def _arrays(self, p: Array) -> list[Array]:
        arrays = [self.state.get(n) for n in self.state_names]
        if any(a is None or a.shape != p.shape for a in arrays):
            arrays = [np.zeros_like(p) for _ in self.state_names]
        elif any(a.dtype != p.dtype for a in arrays):  # type: ignore[union-attr]
            # the same parameters at another precision (a state saved before a float32
            # switch): keep the memory, cast it, rather than silently starting from zero
            arrays = [a.astype(p.dtype) for a in arrays]  # type: ignore[union-attr]
        else:
            return arrays  # type: ignore[return-value]
        for n, a in zip(self.state_names, arrays):
            self.state[n] = a
        return arrays

    def step(self, p: Array, g: Array) -> None:
        """Update ``p`` in place from its gradient ``g`` (same shape)."""
        self.state["step"] += 1
        bufs = self._bufs
        if bufs is None or (bufs and (bufs[0].shape != p.shape or bufs[0].dtype != p.dtype)):
            bufs = self._bufs = self._arrays(p)
        self._update(p, g, bufs)

    def __getstate__(self) -> dict[str, Any]:
        # scratch arrays are made again on the next step: copies (undo) and pickles
        # (the training process) need not carry them
        state = self.__dict__.copy()
        state["_tmp"] = []
        return state

    def _scratch(self, p: Array, k: int) -> list[Array]:
        """``k`` scratch arrays shaped like ``p``, allocated once: the update rules below
        write their intermediate terms into them (``out=``) instead of new arrays. Each
        rule keeps the operations, operands and order of its formula, so the results
        are those of the plain expressions bit for bit."""
        tmp = self._tmp
        if len(tmp) < k or tmp[0].shape != p.shape or tmp[0].dtype != p.dtype:
            tmp = self._tmp = [np.empty_like(p) for _ in range(k)]
        return tmp

    def _update(self, p: Array, g: Array, s: list[Array]) -> None:
        (t,) = self._scratch(p, 1)[:1]
        np.multiply(g, self.lr, t)  # p ← p − η·g
        np.subtract(p, t, p)

    def reset(self) -> None:
        """Forget velocities, accumulators and the step count."""
        self.state = {"step": 0}
        self._bufs = None

    # -- (de)serialisation of the state -------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """A copy of the state: ``{"step": int, name: array, ...}``."""
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.state.items()}

    def set_state(self, state: dict[str, Any]) -> None:
        self.state = {k: (np.array(v) if isinstance(v, np.ndarray) else v) for k, v in state.items()}
        self.state["step"] = int(self.state.get("step", 0))
        self._bufs = None

    def describe(self) -> str:
        return OPTIMIZER_INFO[self.key][1]


class SGD(Optimizer):
    """Plain gradient descent ``p ← p − η·g`` (``torch.optim.SGD`` with momentum 0)."""

    key = "sgd"

    def step(self, p: Array, g: Array) -> None:
        """``p ← p − η·g`` in place: the base class's step without state arrays to
        check (on a playground network the checks cost as much as the update)."""
        self.state["step"] += 1
        tmp = self._tmp
        if not tmp or tmp[0].shape != p.shape or tmp[0].dtype != p.dtype:
            tmp = self._scratch(p, 1)
        t = tmp[0]
        np.multiply(g, p.dtype.type(self.lr), t)  # as _update
        np.subtract(p, t, p)

    def _update(self, p: Array, g: Array, s: list[Array]) -> None:
        t = s[0] if s and s[0].shape == p.shape and s[0].dtype == p.dtype else self._scratch(p, 1)[0]
        np.multiply(g, p.dtype.type(self.lr), t)  # p ← p − η·g (η as the dtype's number, as a Python float becomes)
        np.subtract(p, t, p)


class Momentum(Optimizer):
    """Heavy-ball momentum as ``torch.optim.SGD(momentum=μ)``: ``v ← μ·v + g``, ``p ← p − η·v``.

    The buffer starts at zero, so the first step's ``v`` equals ``g`` exactly as in
    PyTorch (which initialises the buffer with a copy of the first gradient).
    """

    key = "momentum"
    state_names = ("velocity",)

    def __init__(self, lr: float, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = float(momentum)

    def _update(self, p: Array, g: Array, s: list[Array]) -> None:
        (v,) = s
        (t,) = self._scratch(p, 1)[:1]
        v *= self.momentum
        v += g
        np.multiply(v, self.lr, t)  # p ← p − η·v
        np.subtract(p, t, p)


class Nesterov(Momentum):
    """Nesterov momentum as ``torch.optim.SGD(momentum=μ, nesterov=True)``:
    ``v ← μ·v + g``, ``p ← p − η·(g + μ·v)``."""

    key = "nesterov"

    def _update(self, p: Array, g: Array, s: list[Array]) -> None:
        (v,) = s
        (t,) = self._scratch(p, 1)[:1]
        v *= self.momentum
        v += g
        np.multiply(v, self.momentum, t)  # p ← p − η·(g + μ·v)
        np.add(g, t, t)
        np.multiply(t, self.lr, t)
        np.subtract(p, t, p)


class AdaGrad(Optimizer):
    """``torch.optim.Adagrad`` (lr_decay 0, initial accumulator 0, ε = 1e-10):
    ``G ← G + g²``, ``p ← p − η·g / (√G + ε)``."""

    key = "adagrad"
    state_names = ("sum_sq",)

    def __init__(self, lr: float, eps: float | None = None) -> None:
        super().__init__(lr)
        self.eps = 1e-10 if eps is None else float(eps)

    def _update(self, p: Array, g: Array, s: list[Array]) -> None:
        (G,) = s
        t, u = self._scratch(p, 2)[:2]
        np.multiply(g, g, t)
        G += t
        np.sqrt(G, t)  # p ← p − (η·g) / (√G + ε)
        np.add(t, self.eps, t)
        np.multiply(g, self.lr, u)
        np.divide(u, t, u)
        np.subtract(p, u, p)


class RMSProp(Optimizer):
    """``torch.optim.RMSprop`` (α = 0.99, ε = 1e-8 added outside the square root, no
    momentum, not centred): ``s ← α·s + (1 − α)·g²``, ``p ← p − η·g / (√s + ε)``."""

    key = "rmsprop"
    state_names = ("square_avg",)

    def __init__(self, lr: float, alpha: float | None = None, eps: float | None = None) -> None:
        super().__init__(lr)
        self.alpha = 0.99 if alpha is None else float(alpha)
        self.eps = 1e-8 if eps is None else float(eps)

    def _update(self, p: Array, g: Array, s: list[Array]) -> None:
        (sq,) = s
        t, u = self._scratch(p, 2)[:2]
        sq *= self.alpha
        np.multiply(g, g, t)
        np.multiply(t, 1.0 - self.alpha, t)
        sq += t
        np.sqrt(sq, t)  # p ← p − (η·g) / (√s + ε)
        np.add(t, self.eps, t)
        np.multiply(g, self.lr, u)
        np.divide(u, t, u)
        np.subtract(p, u, p)


class Adam(Optimizer):
    """``torch.optim.Adam`` (β = (0.9, 0.999), ε = 1e-8, bias-corrected, amsgrad off)::

        m ← β₁m + (1 − β₁)g          v ← β₂v + (1 − β₂)g²
        p ← p − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    """

    key = "adam"
    state_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, lr: float, beta1: float | None = None, beta2: float | None = None,
                 eps: float | None = None) -> None:
        super().__init__(lr)
        self.beta1 = 0.9 if beta1 is None else float(beta1)
        self.beta2 = 0.999 if beta2 is None else float(beta2)
        self.eps = 1e-8 if eps is None else float(eps)

    def _update(self, p: Array, g: Array, s: list[Array]) -> None:
        m, v = s
        t = self.state["step"]
        a, b = self._scratch(p, 2)[:2]
        m *= self.beta1
        np.multiply(g, 1.0 - self.beta1, a)
        m += a
        v *= self.beta2
        np.multiply(g, g, a)
        np.multiply(a, 1.0 - self.beta2, a)
        v += a
        step_size = self.lr / (1.0 - self.beta1**t)
        denom = np.sqrt(v, b)
        denom /= math.sqrt(1.0 - self.beta2**t)
        denom += self.eps
        np.divide(m, denom, a)  # p ← p − step·(m / denom)
        np.multiply(a, step_size, a)
        np.subtract(p, a, p)


class AdamW(Adam):
    """``torch.optim.AdamW``: decoupled weight decay ``p ← p·(1 − η·λ)`` (λ = 0.01 by
    default), then the Adam step."""

    key = "adamw"

    def __init__(self, lr: float, beta1: float | None = None, beta2: float | None = None,
                 eps: float | None = None, weight_decay: float = 0.01) -> None:
        super().__init__(lr, beta1, beta2, eps)
        self.weight_decay = float(weight_decay)

    def _update(self, p: Array, g: Array, s: list[Array]) -> None:
        if self.weight_decay:
            p *= 1.0 - self.lr * self.weight_decay
        super()._update(p, g, s)


OPTIMIZER_CLASSES: dict[str, type[Optimizer]] = {
    c.key: c for c in (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW)
}


def make_optimizer(key: str, lr: float, **settings: Any) -> Optimizer:
    """Build optimizer ``key``; settings it does not take are ignored, None = default.

    Recognised settings: ``momentum``, ``beta1``, ``beta2``, ``rho`` (RMSProp's α),
    ``eps``, ``weight_decay``.
    """
    if key not in OPTIMIZER_CLASSES:
        raise SpecError(f"unknown optimizer '{key}'; choose one of: {', '.join(OPTIMIZER_CLASSES)}")
    s = {k: v for k, v in settings.items() if v is not None}
    if key == "sgd":
        return SGD(lr)
    if key in ("momentum", "nesterov"):
        return OPTIMIZER_CLASSES[key](lr, s.get("momentum", 0.9))  # type: ignore[call-arg]
    if key == "adagrad":
        return AdaGrad(lr, s.get("eps"))
    if key == "rmsprop":
        return RMSProp(lr, s.get("rho"), s.get("eps"))
    if key == "adam":
        return Adam(lr, s.get("beta1"), s.get("beta2"), s.get("eps"))
    return AdamW(lr, s.get("beta1"), s.get("beta2"), s.get("eps"), s.get("weight_decay", 0.01))


def optimizer_from_config(config: Any) -> Optimizer:
    """Build the optimizer a :class:`~nnstudio.core.specs.TrainConfig` asks for."""
    return make_optimizer(
        config.optimizer,
        config.learning_rate,
        momentum=config.momentum,
        beta1=config.beta1,
        beta2=config.beta2,
        rho=config.rho,
        eps=config.eps,
        weight_decay=config.weight_decay,
    )


def apply_settings(opt: Optimizer, config: Any) -> None:
    """Change ``opt``'s hyper-parameters to ``config``'s in place, keeping its state."""
    opt.lr = float(config.learning_rate)
    if isinstance(opt, Momentum):
        opt.momentum = float(config.momentum)
    if isinstance(opt, AdaGrad) and config.eps is not None:
        opt.eps = float(config.eps)
    if isinstance(opt, RMSProp):
        opt.alpha = 0.99 if config.rho is None else float(config.rho)
        opt.eps = 1e-8 if config.eps is None else float(config.eps)
    if isinstance(opt, Adam):
        opt.beta1 = 0.9 if config.beta1 is None else float(config.beta1)
        opt.beta2 = 0.999 if config.beta2 is None else float(config.beta2)
        opt.eps = 1e-8 if config.eps is None else float(config.eps)
    if isinstance(opt, AdamW):
        opt.weight_decay = float(config.weight_decay)
