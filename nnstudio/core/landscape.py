"""Loss landscapes: the loss over a plane (or a line) through the weights.

A network with ``P`` parameters has a loss surface in ``P + 1`` dimensions, far too
many to draw. Following Li et al. (2018), "Visualizing the Loss Landscape of Neural
Nets", we pick a centre ``θ`` (usually the current weights) and two directions
``d₁, d₂`` in weight space and draw the 2-D slice::

    L(α, β) = L(θ + α·d₁ + β·d₂)        (α, β) on a grid

This module gathers the public names of five smaller ones, one concept each:

* :mod:`.landscape_directions` — choosing ``d₁, d₂`` (two single weights, two
  filter-normalised random directions with the reference code's bias rule, or the
  centred principal components of the training path) and plane coordinates of any
  weight vector;
* :mod:`.landscape_plane` — the arithmetic: the mean loss at many plane points at
  once, with each point's first moving layer reduced to a weighted sum of three
  shared products, per-point weights for the later layers, and a few worker threads;
* :mod:`.landscape_surface` — grids, point lists and lines, with their checks, whole
  or a slice at a time;
* :mod:`.landscape_trainer` — the landscape around a trainer's weights with its path,
  as the app and the command line ask for it;
* :mod:`.landscape_pair` — two runs of a comparison on one plane: A's surface with both
  paths, the plane shared by both.

Everything here only *reads* the network: its weights, caches and gradients are left
exactly as they were.
"""

from __future__ import annotations

from .landscape_directions import (directions_params, directions_pca, directions_pca_paths, directions_random,
                                   param_label, projection)
from .landscape_pair import PairSurface, RunPath, run_path, surface_for_pair, surface_for_pair_steps
from .landscape_plane import MEMORY_BUDGET, PlaneLosses
from .landscape_surface import (PlanePoints, SurfaceResult, loss_line, loss_line_steps, loss_surface,
                                loss_surface_steps, losses_on_plane, losses_on_plane_steps, run_steps)
from .landscape_trainer import MODES, surface_for_trainer, surface_for_trainer_steps

__all__ = [
    "MEMORY_BUDGET",
    "MODES",
    "PairSurface",
    "PlaneLosses",
    "PlanePoints",
    "RunPath",
    "SurfaceResult",
    "directions_params",
    "directions_pca",
    "directions_pca_paths",
    "directions_random",
    "loss_line",
    "loss_line_steps",
    "loss_surface",
    "loss_surface_steps",
    "losses_on_plane",
    "losses_on_plane_steps",
    "param_label",
    "projection",
    "run_path",
    "run_steps",
    "surface_for_pair",
    "surface_for_pair_steps",
    "surface_for_trainer",
    "surface_for_trainer_steps",
]
