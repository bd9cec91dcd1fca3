"""Data for nnstudio: synthetic playground sets, bundled real data and CSV files.

The one entry point for training is :func:`prepare`, which turns a :class:`DataSpec`
into :class:`PreparedData` (split, feature-mapped, optionally standardised arrays).
The pieces it uses are public too, for the app's data views and import dialog.
"""

from .bundled import BUNDLED, load_bundled, resource_dir
from .csvload import (
    CsvPreview,
    CsvProblems,
    CsvTable,
    LoadCancelled,
    load_csv,
    parse_csv_text,
    preview_csv,
    preview_records,
    read_csv_table,
)
from .dataset import TASKS, Dataset, Task
from .features import FEATURE_MAPS, FeatureMap, apply_features, feature_labels
from .generators import GENERATORS, PLAYGROUND_DOMAIN, GeneratorInfo, generate
from .prepare import PreparedData, prepare, split
from .spec import SOURCES, DataSpec

__all__ = [
    "BUNDLED",
    "CsvPreview",
    "CsvProblems",
    "CsvTable",
    "LoadCancelled",
    "FEATURE_MAPS",
    "GENERATORS",
    "PLAYGROUND_DOMAIN",
    "SOURCES",
    "TASKS",
    "DataSpec",
    "Dataset",
    "FeatureMap",
    "GeneratorInfo",
    "PreparedData",
    "Task",
    "apply_features",
    "feature_labels",
    "generate",
    "load_bundled",
    "load_csv",
    "parse_csv_text",
    "prepare",
    "preview_csv",
    "preview_records",
    "read_csv_table",
    "resource_dir",
    "split",
]
