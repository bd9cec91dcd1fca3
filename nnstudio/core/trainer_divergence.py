"""How a :class:`~nnstudio.core.trainer.Trainer` tells that a run diverges.

Before each update: a loss that is not finite or has exploded (beyond
``EXPLODE_FACTOR`` × the first), or gradients whose Σg² is not finite. After it: weights
that became infinite, which plain SGD can rule out beforehand from a bound of ‖p‖
(then it needs no copy of the weights to fall back on). :meth:`Divergence._diagnose`
words the stop with its cause (see :mod:`nnstudio.core.divergence`).
"""

from __future__ import annotations

import math

import numpy as np

from .activations import ACTIVATIONS
from .divergence import Diagnosis, diagnose
from .number_text import number_text
from .optimizers import SGD

Array = np.ndarray
_dot = getattr(np.dot, "_implementation", np.dot)


class Divergence:
    """The trainer's divergence tests (a mixin of :class:`~nnstudio.core.trainer.Trainer`,
    whose ``network``, ``optimizer``, ``config``, ``spec``, ``X``, ``_yt``,
    ``first_loss`` and ``iteration`` it reads)."""

    #: a loss this many times the first one (or above it when the first is below 1) is "exploding"
    EXPLODE_FACTOR = 1e6

    def _set_overflow_limit(self) -> None:
        # ‖p‖² below which the computed Σp² cannot overflow: a dot of n terms is within
        # a factor 1 + n·ε of the true sum, and a factor 4 covers the rounding of the update
        info = np.finfo(self.network.dtype)
        self._pp_limit = float(info.max) / (4.0 * (1.0 + self.network.n_params * float(info.eps)) ** 2)

    def _sgd_stays_finite(self, p: Array, gg: float) -> bool:
        """Whether the SGD step ``p − η·g`` (with ‖g‖² = ``gg``) surely leaves Σp²
        finite — then the step needs neither a copy of the weights to fall back on nor
        the check after it, which on a large network cost more than the step itself.
        ‖p − η·g‖ ≤ ‖p‖ + η‖g‖, so one dot of p now answers it."""
        if type(self.optimizer) is not SGD:
            return False
        pp = float(_dot(p, p))
        bound = math.sqrt(pp) + abs(self.optimizer.lr) * math.sqrt(gg)
        return bound * bound < self._pp_limit

    def _divergence(self, total: float, grad_sum: float, iteration: int, loss: float = math.nan,
                    penalty: float = 0.0) -> Diagnosis | None:
        """The diagnosis of a step whose loss (data ``loss`` + ``penalty`` = ``total``) or
        Σg² (``grad_sum``) shows divergence, before its update; None if it does not."""
        if not math.isfinite(total):
            what = "NaN (not a number)" if math.isnan(total) else "infinite"
            return self._diagnose(f"the loss became {what}", iteration, loss, penalty, before_update=True)
        if not math.isfinite(grad_sum):
            return self._diagnose("the gradients became infinite", iteration, loss, penalty, before_update=True)
        ref = max(self.first_loss or 1.0, 1.0)
        if total > self.EXPLODE_FACTOR * ref:
            return self._diagnose(f"the loss exploded to {number_text(total, 2)}", iteration, loss, penalty,
                                  before_update=True)
        return None

    def _diagnose(self, what: str, iteration: int, loss: float = math.nan, penalty: float = 0.0,
                  before_update: bool = False) -> Diagnosis:
        """Why the run diverged at ``iteration`` (see :mod:`~nnstudio.core.divergence`);
        ``before_update``: the refused step's loss or gradients showed it, so an
        iteration 1 had made no update yet."""
        cfg = self.config
        opt = self.optimizer
        first = before_update and self.iteration == 0
        with np.errstate(all="ignore"):
            big_x = float(np.max(np.abs(self.X))) if self.X.size else math.nan
            big_y = (float(np.max(np.abs(self._yt))) if first and self.spec.task == "regression" and self._yt.size
                     else math.nan)
            w = self.network.params[: self.network.n_weights]
            pg = 2.0 * cfg.l2 * w + cfg.l1 * np.sign(w)
            penalty_overflows = bool(cfg.l1 or cfg.l2) and not math.isfinite(float(np.dot(pg, pg)))
        alphas = tuple((ACTIVATIONS[layer.activation].name, float(layer.alpha)) for layer in self.spec.hidden
                       if layer.alpha is not None)
        return diagnose(what, iteration, lr=opt.lr, optimizer=opt.key, momentum=float(getattr(opt, "momentum", 0.0)),
                        weight_decay=float(getattr(opt, "weight_decay", 0.0)), l1=cfg.l1, l2=cfg.l2, loss=loss,
                        penalty=penalty, penalty_overflows=penalty_overflows, first_step=first, largest_input=big_x, largest_target=big_y, alphas=alphas)



__all__ = ["Divergence"]
