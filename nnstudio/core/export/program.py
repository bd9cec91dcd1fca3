"""Make and write the exported program: the checks, the text, the files.

:func:`export_project` is what the app's *File › Export* and ``nnstudio export -o``
both call, with the same five things (network, training settings, data settings,
prepared data, weights), so that the two write the same file.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from ..data import DataSpec, PreparedData
from .. import safefile
from ..errors import ProjectError, SpecError
from ..project_format import SUFFIX
from ..safetext import printable
from ..specs import NetworkSpec, TrainConfig
from .keras_program import keras_program
from .parts import check_prepared, program_name, split_weights
from .pytorch_program import pytorch_program

FRAMEWORKS = ("pytorch", "keras")
#: above this many parameters the weights go to a companion .npz file
EMBED_LIMIT = 200_000
#: default number of epochs of the program's ``train()``
DEFAULT_EPOCHS = 100


def _check_inputs(spec: NetworkSpec, config: TrainConfig, weights: np.ndarray | None, framework: str,
                  data: DataSpec | None, prepared: PreparedData | None) -> np.ndarray | None:
    if not isinstance(spec, NetworkSpec):
        raise SpecError(f"expected a NetworkSpec, not {type(spec).__name__}")
    if not isinstance(config, TrainConfig):
        raise SpecError(f"expected a TrainConfig, not {type(config).__name__}")
    if data is not None and not isinstance(data, DataSpec):
        raise SpecError(f"expected a DataSpec, not {type(data).__name__}")
    if framework not in FRAMEWORKS:
        raise SpecError(f"cannot export to {framework!r}; choose one of: {', '.join(FRAMEWORKS)}")
    check_prepared(spec, prepared)
    if weights is None:
        return None
    w = np.asarray(weights)
    if w.shape != (spec.n_parameters,):
        raise SpecError(f"the weights have shape {w.shape} but the network has {spec.n_parameters} parameters")
    if not np.all(np.isfinite(w)):
        raise SpecError("the weights contain NaN or infinite values: reset them before exporting")
    return w.astype(np.float64)


def export_code(
    spec: NetworkSpec,
    config: TrainConfig,
    weights: np.ndarray | None = None,
    framework: str = "pytorch",
    data_spec: DataSpec | None = None,
    *,
    prepared: PreparedData | None = None,
    name: str = "model",
    epochs: int = DEFAULT_EPOCHS,
    weights_file: str | None = None,
    filename: str | None = None,
) -> str:
    """The source of a Python program that rebuilds the network in Keras or PyTorch.

    Every text (names, paths, column and class names) is written as a literal or an
    escaped docstring/comment: no field can add code to the program.

    Parameters
    ----------
    spec, config : NetworkSpec, TrainConfig
    weights : ndarray, shape (n_parameters,), optional
        The flat parameter vector to load; None exports an untrained network.
    framework : {"pytorch", "keras"}
    data_spec : DataSpec, optional
        Used for the description and the input feature maps.
    prepared : PreparedData, optional
        The prepared data: adds input and class names and the standardisation
        statistics to ``prepare_inputs``. Without it a standardised project's program
        cannot standardise (it says so in a comment): pass it, or use
        :func:`export_project`, which requires it.
    name : str
        The program's name, shown in its docstring.
    epochs : int
        Default number of epochs of the program's ``train``.
    weights_file : str, optional
        Name of a companion ``.npz`` (next to the program) to read the weights from
        instead of embedding them; :func:`write_export` writes it. When None, the
        weights are embedded.
    filename : str, optional
        The program's file name, for its "run it with" line (default ``name + ".py"``).

    Returns
    -------
    str

    Raises
    ------
    SpecError
        For an unknown framework, weights that do not fit the network, or prepared
        data of other inputs or classes than the network's.
    """
    w = _check_inputs(spec, config, weights, framework, data_spec, prepared)
    pairs = None if w is None else split_weights(spec, w)
    build = pytorch_program if framework == "pytorch" else keras_program
    return build(spec, config, pairs, str(name), data_spec, prepared, int(epochs), weights_file, filename)


def weights_npz_arrays(spec: NetworkSpec, weights: np.ndarray) -> dict[str, np.ndarray]:
    """``{"W1": ..., "b1": ..., ...}`` in nnstudio's layout, for a companion ``.npz``."""
    out = {}
    for i, (W, b) in enumerate(split_weights(spec, np.asarray(weights, dtype=np.float64)), 1):
        out[f"W{i}"], out[f"b{i}"] = np.array(W), np.array(b)
    return out


def write_export(
    path: str | os.PathLike[str],
    spec: NetworkSpec,
    config: TrainConfig,
    weights: np.ndarray | None = None,
    framework: str = "pytorch",
    data_spec: DataSpec | None = None,
    *,
    embed: bool | None = None,
    **kwargs: object,
) -> list[Path]:
    """Write the program of :func:`export_code` to ``path``.

    The weights are embedded unless ``embed`` is False, or it is None and the network
    has more than :data:`EMBED_LIMIT` parameters; then they go to ``<stem>_weights.npz``
    next to the program.

    Returns
    -------
    list of Path
        The files written (the program first).

    Raises
    ------
    ProjectError
        If a file cannot be written.
    """
    p = Path(path)
    if p.is_dir():
        raise ProjectError(f"cannot write to '{printable(str(p), 120)}': it is a folder")
    if p.suffix.lower() == SUFFIX:  # the program would replace a project (perhaps the one exported)
        raise ProjectError(f"cannot write the program to '{printable(str(p), 120)}': {SUFFIX} is the name of a "
                           "project file; give the program a name ending in .py")
    kwargs.setdefault("name", p.stem)
    kwargs.setdefault("filename", p.name)
    if embed is None:
        embed = spec.n_parameters <= EMBED_LIMIT
    wfile = f"{p.stem}_weights.npz" if weights is not None and not embed else None
    code = export_code(spec, config, weights, framework, data_spec, weights_file=wfile, **kwargs)  # type: ignore[arg-type]
    target = p
    try:  # each file replaced only once complete: a full disk leaves the previous one as it was
        if wfile is not None:
            target = p.with_name(wfile)
            buf = io.BytesIO()
            np.savez(buf, **weights_npz_arrays(spec, weights))  # type: ignore[arg-type]
            safefile.write_atomic(target, buf.getvalue())
            target = p
        safefile.write_atomic(p, code.encode("utf-8"))
    except OSError as exc:
        raise ProjectError(f"cannot write '{printable(str(target), 120)}': "
                           f"{printable(exc.strerror or exc, 100)}") from None
    return [p] if wfile is None else [p, p.with_name(wfile)]


def project_code(
    framework: str,
    *,
    network: NetworkSpec,
    config: TrainConfig,
    data: DataSpec,
    prepared: PreparedData | None,
    weights: np.ndarray | None,
    name: str,
    epochs: int = DEFAULT_EPOCHS,
) -> str:
    """The program for a project, as text (``nnstudio export`` without ``-o``).

    As :func:`export_project`, with the program's ``name`` (made of letters, digits
    and ``_``) given instead of taken from a file name.
    """
    return export_code(network, config, weights, framework, data, prepared=prepared,
                       name=program_name(name), epochs=epochs)


def export_project(
    path: str | os.PathLike[str],
    framework: str,
    *,
    network: NetworkSpec,
    config: TrainConfig,
    data: DataSpec,
    prepared: PreparedData | None,
    weights: np.ndarray | None,
    epochs: int = DEFAULT_EPOCHS,
) -> list[Path]:
    """Write the program for a project: the one call of the app and of ``nnstudio export -o``.

    Parameters
    ----------
    path : path-like
        The program to write; its stem (letters, digits and ``_`` kept, the rest ``_``)
        names the program, and a large network's weights go next to it.
    framework : {"pytorch", "keras"}
    network, config, data : NetworkSpec, TrainConfig, DataSpec
        The project's settings.
    prepared : PreparedData or None
        The data prepared from ``data``: it gives the program the standardisation
        statistics and the input and class names. None only when the data cannot be
        made (the program then cannot standardise, and says so).
    weights : ndarray, shape (n_parameters,), or None
        The current weights (flat); None for a network not yet initialised.
    epochs : int
        Default epochs of the program's ``train()``.

    Returns
    -------
    list of Path
        The files written, the program first.

    Raises
    ------
    SpecError
        If the pieces do not fit together (see :func:`export_code`).
    ProjectError
        If a file cannot be written.
    """
    p = Path(path)
    return write_export(p, network, config, weights, framework, data, prepared=prepared,
                        name=program_name(p.stem), epochs=epochs)


__all__ = ["DEFAULT_EPOCHS", "EMBED_LIMIT", "FRAMEWORKS", "export_code", "export_project", "project_code",
           "weights_npz_arrays", "write_export"]
