"""Real data sets shipped with the app (see ``resources/datasets/ATTRIBUTION.md``)."""

from __future__ import annotations

import contextlib

import functools
import gzip
import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..errors import DataError, SpecError
from .csvload import parse_csv_text
from .dataset import Dataset

BUNDLED: dict[str, str] = {
    "iris": (
        "Iris flowers: 150 rows, 4 measurements (cm), 3 species. "
        "R. A. Fisher (1936), UCI Machine Learning Repository, CC BY 4.0."
    ),
    "digits": (
        "Handwritten digits: 1797 images of 8x8 pixels (0..16), 10 classes. "
        "E. Alpaydin and C. Kaynak (1998), UCI Machine Learning Repository, CC BY 4.0."
    ),
}

# name -> (file under resource_dir(), target column)
_FILES = {"iris": ("iris.csv", "species"), "digits": ("digits.csv.gz", "digit")}

def resource_dir() -> Traversable | Path:
    """The folder of the bundled data files.

    The installed package maps the repository's top-level ``resources/`` folder to
    ``nnstudio.resources``; in a source checkout that package does not exist and the
    folder is found relative to this file.
    """
    with contextlib.suppress(ModuleNotFoundError, TypeError, OSError):  # not installed: use the checkout
        folder = importlib.resources.files("nnstudio.resources") / "datasets"
        if folder.is_dir():
            return folder
    return Path(__file__).resolve().parents[3] / "resources" / "datasets"


def check_bundled_name(name: object) -> None:
    """Raise :class:`SpecError` unless ``name`` is a key of :data:`BUNDLED`."""
    if name not in BUNDLED:
        raise SpecError(f"unknown bundled data set {name!r}; choose one of: {', '.join(BUNDLED)}")


@functools.lru_cache(maxsize=None)
def load_bundled(name: str) -> Dataset:
    """Load a bundled data set (cached: its arrays are read-only, so sharing is safe).

    Parameters
    ----------
    name : {"iris", "digits"}

    Returns
    -------
    Dataset
        ``"iris"``: X (150, 4), classes ``("setosa", "versicolor", "virginica")``.
        ``"digits"``: X (1797, 64) with pixel values 0..16 (row-major 8x8 image),
        classes ``("0", ..., "9")``.

    Raises
    ------
    SpecError
        For an unknown name.
    DataError
        If the file is missing from the installation.
    """
    check_bundled_name(name)
    filename, target = _FILES[name]
    try:
        data = (resource_dir() / filename).read_bytes()
        if filename.endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise DataError(f"the bundled data set {name!r} could not be read ({exc}); "
                        "the installation may be incomplete") from None
    return parse_csv_text(data.decode("utf-8"), target=target, categorical=True, name=name)
