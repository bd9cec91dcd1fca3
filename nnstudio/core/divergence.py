"""Why a run diverged, as far as its numbers tell, and what to change.

A divergence is not always the learning rate's doing. :func:`diagnose` tells four causes
apart and words the stop message, the hint for going on and the cause's key (kept in
the trainer's ``stop_info["cause"]``, which the views read):

* ``"start"``: the loss or the gradients were not finite at the first step, before any
  update: the freshly drawn weights already overflow on this data (huge inputs or
  targets, or an activation's huge α). No learning rate can cause that.
* ``"penalty"``: the L1/L2 penalty itself overflowed, or with SGD or momentum the L2
  pull alone makes every step grow the weights: the step ``w ← w − η·2λ·w`` multiplies
  them by ``1 − 2ηλ``, which is beyond −1 once ``ηλ > 1`` (``> 1 + μ`` with momentum μ).
* ``"weight_decay"``: AdamW's decoupled decay multiplies the weights by ``1 − η·λ``,
  beyond −1 once ``ηλ > 2``.
* ``"learning_rate"``: the steps overshoot; lower the learning rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .number_text import number_text


#: inputs beyond this size are named when the learning rate is blamed: a learning rate
#: fit for them is far from the usual ones
LARGE_INPUT = 1e6


@dataclass(frozen=True)
class Diagnosis:
    """The cause of a divergence (see the module's text), the stop message and what to
    do to go on."""

    cause: str
    message: str
    hint: str


#: what to do before resetting, per cause (the stopped trainer's refusal to go on)
HINTS = {
    "learning_rate": "Reset the weights (after lowering the learning rate) to go on.",
    "penalty": "Reset the weights (after lowering the penalty λ) to go on.",
    "weight_decay": "Reset the weights (after lowering the weight decay or the learning rate) to go on.",
    "start": "Make the inputs smaller (or the activation's α), then reset the weights to go on.",
}


def hint_for(cause: str | None) -> str:
    """The hint of a stop_info's cause; a run saved before causes were told gets the
    learning rate's."""
    return HINTS.get(cause or "learning_rate", HINTS["learning_rate"])


def diagnose(what: str, iteration: int, *, lr: float, optimizer: str, momentum: float = 0.0,
             weight_decay: float = 0.0, l1: float = 0.0, l2: float = 0.0, loss: float = math.nan,
             penalty: float = 0.0, penalty_overflows: bool = False, first_step: bool = False,
             largest_input: float = math.nan,
             largest_target: float = math.nan, alphas: tuple[tuple[str, float], ...] = ()) -> Diagnosis:
    """The :class:`Diagnosis` of a run that diverged at ``iteration`` because ``what``
    ("the loss became infinite"…).

    ``lr``/``optimizer``/``momentum``/``weight_decay``: the optimizer's settings;
    ``l1``/``l2``: the penalties; ``loss``/``penalty``: the data loss and the penalty
    of the refused step; ``penalty_overflows``: the penalty or its gradient is past the
    largest number for the present weights; ``first_step``: no update had been made to
    these weights yet;
    ``largest_input``/``largest_target``: max |x| and max |y| of the training data (y
    for regression and the first step only, else NaN); ``alphas``: (activation's name, α) of each hidden
    layer whose α was set."""
    keep = "The last finite weights are kept"
    penalty_broke = bool(l1 or l2) and math.isfinite(loss) and (penalty_overflows or not math.isfinite(penalty))
    which = "L2" if l2 else "L1"
    lam = l2 if l2 else l1
    # the penalty alone makes the weights grow: SGD (with momentum μ) on λ·w² is stable
    # only while η·2λ < 2·(1 + μ)
    sgd_family = optimizer in ("sgd", "momentum", "nesterov")
    pull = 2.0 * abs(lr) * l2
    if penalty_broke or (sgd_family and l2 and pull > 2.0 * (1.0 + momentum)):
        if penalty_broke:
            grad = "2λ·w" if l2 else "λ·sign(w)"
            why = (f"the {which} penalty λ = {number_text(lam)} is too large: the penalty or its gradient ({grad}) "
                   "is larger than the largest number the computer can hold")
        else:
            why = (f"the L2 penalty λ = {number_text(l2)} is too large for the learning rate "
                   f"{number_text(lr)}: each step multiplies the weights by 1 − 2ηλ = {number_text(1.0 - pull, 5)}, "
                   "so they grow")
        lower = f"lower λ (try {number_text(lam / 10)})" + ("" if penalty_broke else " or the learning rate")
        return Diagnosis("penalty", f"{what} at iteration {iteration}: {why}. {keep}; {lower} and reset the weights.",
                         hint_for("penalty"))
    if optimizer == "adamw" and abs(lr) * weight_decay > 2.0:
        factor = 1.0 - abs(lr) * weight_decay
        return Diagnosis("weight_decay",
                         f"{what} at iteration {iteration}: AdamW's weight decay {number_text(weight_decay)} with the "
                         f"learning rate {number_text(lr)} multiplies the weights by 1 − ηλ = {number_text(factor, 5)} "
                         f"at each step, so they grow. {keep}; lower the weight decay or the learning rate and "
                         "reset the weights.", hint_for("weight_decay"))
    if first_step:
        facts = []
        big_alphas = list(dict.fromkeys((name, a) for name, a in alphas if abs(a) > 1e3))
        if big_alphas:
            facts.append(", ".join(f"{name}'s α = {number_text(a)}" for name, a in big_alphas))
        if math.isfinite(largest_input):
            facts.append(f"inputs up to {number_text(largest_input, 2)}")
        if math.isfinite(largest_target):
            facts.append(f"targets up to {number_text(largest_target, 2)}")
        on = f" ({'; '.join(facts)})" if facts else ""
        fix = ("lower α" if big_alphas else "make the inputs smaller (Standardize them)")
        return Diagnosis("start", f"{what} at iteration {iteration}, before any update, so the learning rate is not "
                                  f"the cause: the freshly drawn weights already overflow on this data{on}. "
                                  f"{fix[0].upper()}{fix[1:]} and reset the weights.", hint_for("start"))
    # inputs this large need a tiny learning rate; standardized ones take the usual rates
    scale = (f" The inputs reach {number_text(largest_input, 2)}: standardized inputs would take a usual learning "
             "rate." if largest_input > LARGE_INPUT else "")
    return Diagnosis("learning_rate",
                     f"{what} at iteration {iteration}: the learning rate {number_text(lr)} is too large for this "
                     f"network and data. {keep}; lower the learning rate (try {number_text(lr / 10)}) and reset "
                     f"the weights.{scale}", hint_for("learning_rate"))


__all__ = ["Diagnosis", "HINTS", "LARGE_INPUT", "diagnose", "hint_for"]
