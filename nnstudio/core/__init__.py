"""nnstudio's engine: a NumPy-only library for building, training and inspecting
small dense neural networks exactly. No Qt is imported anywhere under this package.

The usual entry points::

    from nnstudio.core import DataSpec, LayerSpec, NetworkSpec, TrainConfig, Trainer, prepare

    data = prepare(DataSpec(name="spiral", noise=0.1))
    trainer = Trainer(NetworkSpec(2, (LayerSpec(8, "tanh"),), "binary"), TrainConfig(), data)
    trainer.run(epochs=100)

Modules: :mod:`.specs` (what to build and how to train it), :mod:`.network`,
:mod:`.activations`, :mod:`.losses`, :mod:`.initializers`, :mod:`.optimizers`,
:mod:`.trainer`, :mod:`.probes`, :mod:`.data`, :mod:`.landscape`,
:mod:`.testfunctions`, :mod:`.project`, :mod:`.export`, :mod:`.snapshot`.
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .data import DataSpec, Dataset, PreparedData, load_csv, prepare
from .errors import DataError, NNStudioError, ProjectError, SpecError, TrainingError
from .losses import get_loss
from .network import Network
from .optimizers import make_optimizer
from .probes import ProbeResult, probe
from .project import Project, load_project, save_project
from .specs import LayerSpec, NetworkSpec, TrainConfig
from .trainer import PhaseRecord, StepRecord, Trainer

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation",
    "DataSpec", "Dataset", "PreparedData", "load_csv", "prepare",
    "DataError", "NNStudioError", "ProjectError", "SpecError", "TrainingError",
    "get_loss", "Network", "make_optimizer", "ProbeResult", "probe",
    "Project", "load_project", "save_project",
    "LayerSpec", "NetworkSpec", "TrainConfig",
    "PhaseRecord", "StepRecord", "Trainer",
]
