"""Exceptions raised by the engine.

Every error a user can cause (a bad setting, a broken file, a diverging run) is an
:class:`NNStudioError` whose message is written for the learner, so the GUI and the
CLI can show ``str(error)`` as it is, never a traceback.
"""

from __future__ import annotations


class NNStudioError(Exception):
    """Base class of every error the engine reports to a user."""


class SpecError(NNStudioError, ValueError):
    """A network, training or data setting is not valid."""


class DataError(NNStudioError, ValueError):
    """A data set could not be made or loaded (broken CSV, NaN, one class only, ...)."""


class ProjectError(NNStudioError, ValueError):
    """A project file is missing, corrupt, tampered with or of an unknown version."""


class TrainingError(NNStudioError, RuntimeError):
    """Training cannot go on (for example it diverged)."""
