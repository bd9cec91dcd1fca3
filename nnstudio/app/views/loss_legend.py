"""The words of the loss view's validation entry: what is drawn, and why not, or when.

The legend names the validation curve only for what the plot shows. A run's validation
loss is, in the order checked:

* drawn: at least one of its values is drawable (finite, within
  :data:`~.loss_run_b.DRAW_LIMIT`, and above 0 on a log axis);
* too large to draw: it was measured but past the limit or infinite (a diverged run:
  linear layers, SGD at η = 10 on the full batch end epoch 1 at ~10¹⁷);
* not on a log axis: measured, but 0;
* not measured: the run stopped before an epoch with a validation set ended;
* to come "after epoch n": there is a validation set and the run goes on; the loss is
  measured when an epoch ends (a learner at iteration 0 wondered whether there was one).

With two runs the entry is the thin line's sample ("validation (thin)") and says the same
of each run whose validation curve is not drawn ("validation (thin; B after epoch 1)"),
once for both when they agree ("validation (thin, after epoch 1)").
"""

from __future__ import annotations

import numpy as np

from ...core.snapshot import Snapshot
from .loss_run_b import DRAW_LIMIT, E_VLOSS, drawable

#: the entry of a validation loss that is drawn
DRAWN = "validation"
#: the entry while two runs are compared and both validation losses are drawn
DRAWN_PAIR = "validation (thin)"


def validation_state(snap: Snapshot, log_y: bool) -> str | None:
    """Why ``snap``'s validation curve is or is not drawn: "" when it is drawn, None when
    the run has no validation set, otherwise the words saying why not, or when."""
    if not snap.has_validation:
        return None
    el = snap.epoch_log
    v = np.asarray(el[:, E_VLOSS], dtype=np.float64) if len(el) else np.empty(0)
    shown = drawable(v)
    if (np.isfinite(shown) & (shown > 0) if log_y else np.isfinite(shown)).any():
        return ""
    if (np.isinf(v) | (np.abs(np.nan_to_num(v)) > DRAW_LIMIT)).any():
        return "too large to draw"
    if log_y and (v <= 0).any():
        return "0: not on a log axis"
    if snap.stopped:
        return "not measured"
    return f"after epoch {snap.epoch + 1}"


def validation_entry(snap: Snapshot, log_y: bool) -> tuple[str, str]:
    """The legend's validation entry for ``snap`` (and its run B, if any), and its
    shorter form for a narrow view; ("", "") when no run has a validation set."""
    runs = (("A", snap),) if snap.b is None else (("A", snap), ("B", snap.b))
    states = [(name, validation_state(s, log_y)) for name, s in runs]
    states = [(name, why) for name, why in states if why is not None]
    if not states:
        return "", ""
    pending = [(name, why) for name, why in states if why]
    if snap.b is None:
        if not pending:
            return DRAWN, DRAWN
        why = pending[0][1]
        # pending in a narrow view: plain "validation" (nothing claims to be drawn yet);
        # not drawn at all: said briefly
        return f"{DRAWN} ({why})", DRAWN if why.startswith("after") else f"{DRAWN} (not drawn)"
    if not pending:
        return DRAWN_PAIR, DRAWN_PAIR
    if len(pending) == len(states) and len({why for _, why in pending}) == 1:
        words = f"validation (thin, {pending[0][1]})"
    else:
        words = "validation (thin; " + ", ".join(f"{name} {why}" for name, why in pending) + ")"
    word = "not yet" if all(why.startswith("after") for _, why in pending) else "not drawn"
    if len(pending) == len(states):
        return words, f"validation (thin, {word})"
    return words, f"validation (thin; {', '.join(name for name, _ in pending)} {word})"
