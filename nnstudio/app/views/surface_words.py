"""What the loss-landscape view says, in plain words.

The axis names and the sentence under the controls: which two directions the plane
follows (where training moved most, random, or two chosen weights), and, with a
comparison, that both runs' paths lie on one plane and what that plane is; and the
header line: where training is and what surface is drawn.
"""

from __future__ import annotations

from ...core.snapshot import Snapshot
from .axes import number_text
from .surface_compute import SurfaceComputation

#: where the weights now are on a plane through them (principal or random directions)
AT_ORIGIN = "the plane's centre (0, 0)"


def bias_rule(ignore_biases: bool) -> str:
    """What random directions do to the biases, in words (Li et al.'s two choices)."""
    if ignore_biases:
        return "the biases stay fixed"
    return "each bias by its own value (Li et al.'s rule)"


def plane_words(comp: SurfaceComputation, labels: tuple[str, str]) -> tuple[str, str, str]:
    """Axis names and a sentence saying what the plane is, in plain words."""
    res = comp.result
    assert res is not None
    if comp.mode == "pca" and res.explained_variance is not None:
        ev = res.explained_variance
        return (f"direction 1: most movement ({100 * ev[0]:.0f} %)",
                f"direction 2: next most ({100 * ev[1]:.0f} %)",
                "The two directions in which training moved the weights most (the path's principal "
                f"components) hold {100 * (ev[0] + ev[1]):.1f} % of its variance; the red dot, the weights now "
                f"and the path's end, is {AT_ORIGIN}.")
    if comp.mode == "random":
        ignore = res.ignore_biases if res.ignore_biases is not None else comp.settings.ignore_biases
        rule = (f"each neuron's incoming weights move by up to their own size, {bias_rule(ignore)}; the red dot, "
                f"the weights now, is {AT_ORIGIN}.")
        # before training the note has said that these are random directions already
        text = (f"{comp.note} Seed {comp.settings.seed}: {rule}" if comp.note
                else f"Two random directions (seed {comp.settings.seed}): {rule}")
        return "random direction 1", "random direction 2", text
    return (labels[0], labels[1], f"Two weights: {labels[0]} across and {labels[1]} up; all the other weights "
                                  "stay as they are now.")


def pair_words(comp: SurfaceComputation) -> str:
    """The sentence for a comparison: the shared plane, whose surface it is, what is missing.

    ``comp.pair`` must be set (a surface computed with run B's path); the map's legend
    names the two paths.
    """
    pair = comp.pair
    assert pair is not None and comp.result is not None
    colours = pair.objective_note or "The colours are A's loss."
    if pair.b_drawn:
        where = f", is {AT_ORIGIN}" if comp.mode != "params" else ""
        text = (f"{pair.plane}: one plane for both runs. The red dot, A's weights now{where}, the orange one "
                f"B's. {colours}")
    else:
        text = f"{pair.plane}. {colours}"
    if comp.note:
        text = f"{comp.note} {text}"
    return " ".join([text, pair.path_note]) if pair.path_note else text


def header_text(comp: SurfaceComputation, snap: Snapshot | None, shown_iteration: int) -> str:
    """The line over the map: where training is, and what surface is drawn."""
    res = comp.result
    assert res is not None
    it = shown_iteration if shown_iteration >= 0 else comp.iteration
    # the loss on the whole training set (as the counters say), else the surface's own
    # at its centre (a draft's is averaged over fewer points: not said)
    loss = None
    if snap is not None and snap.evaluation and snap.evaluated_at == it:
        loss = snap.evaluation.get("loss")
    elif it == comp.iteration and not comp.draft:
        loss = res.center_loss
    here = f": loss {number_text(loss)} at the weights now" if loss is not None else ""
    kind = "draft" if comp.draft else "grid"
    age = ("" if it == comp.iteration else f" from iteration {comp.iteration:,}")
    return (f"Iteration {it:,}{here} · surface{age}: {len(res.alphas)} × {len(res.betas)} {kind} on "
            f"{res.n_points} training points, lowest {number_text(res.loss_min)} ({1000 * comp.seconds:.0f} ms)")


__all__ = ["AT_ORIGIN", "bias_rule", "header_text", "pair_words", "plane_words"]
