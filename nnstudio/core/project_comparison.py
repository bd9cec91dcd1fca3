"""A comparison of two runs in a project: saving both runs, and opening both again.

The project's own run is run A; run B is kept in :attr:`Project.comparison` (see
:mod:`nnstudio.core.project_format` for the file layout). B trains on the project's
data, which is stored once. A reopened comparison goes on exactly as if it had never
been saved: both runs come back bit for bit, with their histories and timelines.

:func:`check_saved_comparison` refuses, from the file's numbers alone, a comparison
whose runs cannot stand where the file says (the window and the command line refuse
such a file with the same message before training or describing either run).
"""

from __future__ import annotations

from typing import Any, Mapping

from .comparison import Comparison
from .data import DataSpec, Dataset
from .errors import ProjectError, SpecError
from .memory import MemoryLimitError
from .project import project_from_trainer, trainer_from_project
from .project_format import Project, SavedComparison, TrainingState
from .trainer import Trainer


def _position(state: TrainingState | None) -> tuple[int, int, bool]:
    if state is None:  # a run never trained
        return 0, 0, False
    return state.iteration, state.epoch, bool(state.stopped)


def _check_runs(a: tuple[int, int, bool], b: tuple[int, int, bool], fork_iteration: int = 0) -> None:
    """The rules two runs of one comparison obey: ``a``, ``b`` = (iteration, epoch, stopped);
    B was made at ``fork_iteration``."""
    for name, (iteration, epoch, _stopped) in (("A", a), ("B", b)):
        if epoch > iteration:  # an epoch ends with the iteration that finishes it
            raise ProjectError(f"run {name} of the comparison is at epoch {epoch:,} after {iteration:,} "
                               "iterations; an epoch takes at least one iteration: the file is damaged")
    (a_it, _, a_stopped), (b_it, _, b_stopped) = a, b
    behind_stopped = a_stopped if a_it < b_it else b_stopped
    if a_it != b_it and not behind_stopped:
        # lockstep brings the run behind to the other's count in one go: a file whose run
        # A stands at 20 and B at 10⁹ would have A train 10⁹ iterations at the first Play
        raise ProjectError(f"run B of the comparison is at iteration {b_it:,} and run A at "
                           f"{a_it:,}; the two runs stand at the same iteration unless the one "
                           "behind has stopped: the file is damaged")
    if fork_iteration > min(a_it, b_it):
        # neither run can be rewound to before B was made, and both only go on from there
        raise ProjectError(f"run B of the comparison was made at iteration {fork_iteration:,}, but run A is at "
                           f"{a_it:,} and run B at {b_it:,}: the file is damaged")


def check_saved_comparison(project: Project) -> None:
    """Refuse a project whose comparison's runs cannot stand where the file says, before
    either run is made: the runs at different iterations although the one behind has not
    stopped, a run at more epochs than iterations, or B made after the iteration either
    run stands at. Nothing to check without a comparison. (Each run's own numbers, and
    B's settings against its changes, are checked when the file is read:
    :mod:`.project_contents`, :mod:`.project_run_b`.)

    Raises
    ------
    ProjectError
        Saying which numbers disagree (one line).
    """
    if project.comparison is None:
        return
    _check_runs(_position(project.trainer_state), _position(project.comparison.run.trainer_state),
                project.comparison.fork_iteration)


def saved_comparison(comparison: Comparison, include_trajectory: bool = True) -> SavedComparison:
    """Run B of ``comparison`` as a project keeps it.

    Raises
    ------
    ProjectError
        If B does not train on A's data (see :meth:`Comparison.set_data`).
    """
    a, b = comparison.runs
    if b.data is not a.data:
        raise ProjectError("run B trains on other data than run A; a project keeps one data set")
    run = project_from_trainer(b, DataSpec(), include_trajectory=include_trajectory)
    return SavedComparison(comparison.changes, run, comparison.label, comparison.note, comparison.fork_iteration)


def project_from_comparison(
    comparison: Comparison,
    data_spec: DataSpec,
    inline_data: Dataset | None = None,
    ui: Mapping[str, Any] | None = None,
    name: str = "",
    description: str = "",
    include_trajectory: bool = True,
) -> Project:
    """A project holding both runs: A as the project's run, B as its comparison
    (the arguments are those of :func:`~nnstudio.core.project.project_from_trainer`)."""
    project = project_from_trainer(comparison.a, data_spec, inline_data, ui, name, description, include_trajectory)
    project.comparison = saved_comparison(comparison, include_trajectory)
    return project


def comparison_from_project(project: Project, a: Trainer, **trainer_kwargs: Any) -> Comparison | None:
    """The comparison of a reopened project, with ``a`` (made by
    :func:`~nnstudio.core.project.trainer_from_project`) as run A; None if it has none.
    B trains on ``a``'s data.

    Raises
    ------
    ProjectError
        If run B does not fit the project's data.
    """
    saved = project.comparison
    if saved is None:
        return None
    check_saved_comparison(project)
    try:
        b = trainer_from_project(saved.run, data=a.data, **trainer_kwargs)
    except MemoryLimitError:
        raise
    except (ProjectError, SpecError) as exc:
        raise ProjectError(f"run B of the comparison cannot be restored: {exc}") from None
    b.data_recipe = a.data_recipe
    _check_runs((a.iteration, a.epoch, bool(a.stopped)), (b.iteration, b.epoch, bool(b.stopped)),  # ``a`` as given
                saved.fork_iteration)
    return Comparison(a, b, saved.changes, saved.label or None, saved.note, saved.fork_iteration)


__all__ = ["check_saved_comparison", "comparison_from_project", "project_from_comparison", "saved_comparison"]
