"""A lesson step's comparison: ``"compare": "lr=0.1"`` runs B beside the step's run.

A step may name the settings run B changes, as :class:`~nnstudio.core.run_changes.RunChanges`
text (``"lr=0.1"``, ``"activation=relu init=he_uniform"``). Applying the step sets up run
A (its settings, its restart) and then forks B from A with these changes, so the learner
sees both side by side from the same starting point (see :mod:`.lesson_presenter`).

:func:`check_compare` reads the text when the lesson file is read, against the project as
it is after the step's own settings (the run B is forked from): a change that cannot be
read, does not fit that network, would make B larger than a lesson's network may be, or
changes a setting the lesson locks (classroom mode) is refused with a message naming the
field. A comparison that changes nothing at its step (a copied lesson whose step was
edited) is allowed: B then trains exactly as A, which misleads no one. Qt-free, like :mod:`.lessons`.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import NNStudioError
from ..core.project_reader import MAX_PARAMETERS
from ..core.restrictions import Restrictions, Setup, locked_change
from ..core.run_changes import MAX_TEXT, RunChanges
from .lesson_calls import kind_of as _kind
from .lesson_weights import FieldProblem

#: the longest ``compare`` text of a step: what Training › Compare… and the CLI read, so that
#: any comparison open in the window can be saved as a lesson (each per-layer value and
#: exact number written out can take 200 characters past a handful of changes)
MAX_COMPARE_CHARS = MAX_TEXT


def check_compare(value: Any, a: Setup, where: str, classroom: Restrictions | None = None) -> tuple[str, str]:
    """A step's ``compare`` text checked against run A's settings ``a`` (as the step
    leaves them) and the lesson's ``classroom`` locks: B may become the main run, so a
    setting the lesson locks may not differ in B either.

    Returns
    -------
    text : str
        The changes as written (stripped): what the window passes to the comparison.
    label : str
        The legend of run B against A, e.g. ``"B: η = 0.1"``.

    Raises
    ------
    FieldProblem
        Naming ``where`` and what is wrong.
    """
    if not isinstance(value, str):
        raise FieldProblem(where, f"must be text naming what run B changes, like \"lr=0.1\", not {_kind(value)}")
    text = value.strip()
    if not text:
        raise FieldProblem(where, "must name what run B changes, like \"lr=0.1\"")
    if len(text) > MAX_COMPARE_CHARS:
        raise FieldProblem(where, f"is {len(text):,} characters long; a step's comparison may have at most "
                                  f"{MAX_COMPARE_CHARS}")
    try:
        changes = RunChanges.parse(text)
        spec_b, config_b = changes.apply(a.network, a.config)
    except NNStudioError as exc:
        raise FieldProblem(where, f"run B cannot be made: {exc}") from None
    n = spec_b.n_parameters
    if n > MAX_PARAMETERS:
        raise FieldProblem(where, f"run B's network would have {n:,} parameters; a lesson's network may have at "
                                  f"most {MAX_PARAMETERS:,}")
    locked = locked_change(classroom, a, Setup(spec_b, config_b, a.data))
    if locked is not None:
        raise FieldProblem(where, f"changes a setting the lesson locks ({locked}) in run B; unlock it in "
                                  "'classroom' or leave it out of the comparison")
    return text, changes.label(a.network, a.config)


__all__ = ["MAX_COMPARE_CHARS", "check_compare"]
