""":class:`DataSpec`: every data setting of an experiment, validated, JSON round-trippable."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Mapping

from ..errors import SpecError
from .bundled import check_bundled_name
from .features import IDENTITY_FEATURES, check_feature_names
from .generators import (
    GENERATORS,
    MAX_CLASSES,
    MAX_SAMPLES,
    check_float,
    check_generator_name,
    check_int,
)

SOURCES = ("generator", "bundled", "csv", "inline")
#: the steepest slope of the "line" generator (the app offers ±20; far steeper, its targets
#: would overflow the loss)
MAX_SLOPE = 1e6


@dataclass(frozen=True)
class DataSpec:
    """Where the data comes from and how it is prepared; see :func:`prepare`.

    Attributes
    ----------
    source : {"generator", "bundled", "csv", "inline"}
        ``"inline"`` means points given directly to :func:`prepare` (painted by the
        learner).
    name : str
        Generator name (a key of ``GENERATORS``) or bundled name (``"iris"``,
        ``"digits"``). Ignored for ``"csv"`` and ``"inline"``.
    n_samples, noise, seed : int, float, int
        Generators: number of points (4 .. 1,000,000), noise level 0..1, and the random
        seed. The seed also drives the train/validation split for every source.
    validation_fraction : float
        Share of rows held out for validation, ``0 <= f < 1``; 0 = no validation set.
    features : tuple of str
        Input feature maps (keys of ``FEATURE_MAPS``) for data with 2 raw columns.
        For other data they must stay at the default ``("x1", "x2")``, which then means
        "use the raw columns as they are".
    standardize : bool
        z-score every input: ``(x - mean) / std`` with the mean and standard deviation
        of the training rows only.
    n_classes : int
        Classes of the multi-class generators ``"spiral_multi"`` and ``"blobs"`` (3..10).
    slope : float
        Slope of the ``"line"`` generator, ``y = slope * x + noise``.
    csv_path : str
        The file to load when ``source == "csv"``.
    target_column : str or int or None
        CSV target column: a name, a 0-based index (negative from the end), or None for
        the last column.
    categorical_target : bool or None
        CSV target holds classes (True), numbers (False) or decide automatically (None).

    Raises
    ------
    SpecError
        When a value is out of range or of the wrong type; the message names the setting.
    """

    source: str = "generator"
    name: str = "spiral"
    n_samples: int = 400
    noise: float = 0.0
    seed: int = 0
    validation_fraction: float = 0.2
    features: tuple[str, ...] = IDENTITY_FEATURES
    standardize: bool = False
    n_classes: int = 3
    slope: float = 2.0
    csv_path: str = ""
    target_column: str | int | None = None
    categorical_target: bool | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__  # normalising fields of a frozen dataclass
        if self.source not in SOURCES:
            raise SpecError(f"unknown data source {self.source!r}; choose one of: {', '.join(SOURCES)}")
        if not isinstance(self.name, str):
            raise SpecError(f"the data set name must be text, not {self.name!r}")
        if self.source == "generator":
            check_generator_name(self.name)
        elif self.source == "bundled":
            check_bundled_name(self.name)
        put(self, "n_samples", check_int(self.n_samples, "the number of samples", 4, MAX_SAMPLES))
        put(self, "noise", check_float(self.noise, "noise", 0.0, 1.0))
        put(self, "seed", check_int(self.seed, "the seed", 0, 2**63 - 1))  # as the training seed
        f = check_float(self.validation_fraction, "the validation fraction")
        if not 0.0 <= f < 1.0:
            raise SpecError(f"the validation fraction must be at least 0 and less than 1, not {f:g}")
        put(self, "validation_fraction", f)
        put(self, "features", check_feature_names(self.features))
        if not isinstance(self.standardize, bool):
            raise SpecError(f"standardize must be true or false, not {self.standardize!r}")
        put(self, "n_classes", check_int(self.n_classes, "the number of classes", 3, MAX_CLASSES))
        put(self, "slope", check_float(self.slope, "the slope", -MAX_SLOPE, MAX_SLOPE))
        if not isinstance(self.csv_path, str):
            raise SpecError(f"the CSV path must be text, not {self.csv_path!r}")
        if self.source == "csv" and not self.csv_path.strip():
            raise SpecError("choose a CSV file to load")
        t = self.target_column
        if t is not None and (isinstance(t, bool) or not isinstance(t, (str, Integral))):
            raise SpecError(
                f"the target column must be a column name, a column number or empty, not {t!r}"
            )
        if isinstance(t, Integral):
            put(self, "target_column", int(t))
        c = self.categorical_target
        if c is not None and not isinstance(c, bool):
            raise SpecError(f"categorical_target must be true, false or empty (automatic), not {c!r}")
        if self.source == "generator" and GENERATORS[self.name].task == "multiclass":
            if self.n_samples < 2 * self.n_classes:
                raise SpecError(
                    f"{self.n_classes} classes need at least {2 * self.n_classes} samples "
                    f"(2 per class), not {self.n_samples}"
                )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: tuples become lists."""
        d = dataclasses.asdict(self)
        d["features"] = list(self.features)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "DataSpec":
        """Inverse of :meth:`to_dict`; missing keys take their defaults.

        Raises
        ------
        SpecError
            For a key that is not a data setting (named in the message), or a bad value.
        """
        if not isinstance(d, Mapping):
            kind = type(d).__name__
            raise SpecError(f"data settings must be a mapping of names to values, not {kind}")
        known = [f.name for f in dataclasses.fields(cls)]
        for key in d:
            if key not in known:
                valid = ", ".join(known)
                raise SpecError(f"unknown data setting {key!r}; the settings are: {valid}")
        kwargs = dict(d)
        if isinstance(kwargs.get("features"), list):
            kwargs["features"] = tuple(kwargs["features"])
        return cls(**kwargs)
