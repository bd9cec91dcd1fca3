"""Where nnstudio keeps its files: bundled resources, autosaves, settings."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Qt is imported only when settings are asked for
    from PySide6.QtCore import QSettings


def resource_path(*parts: str) -> Path:
    """A file under the bundled ``resources/`` folder (installed as ``nnstudio.resources``)."""
    try:
        from importlib.resources import files

        base = Path(str(files("nnstudio.resources")))
    except (ModuleNotFoundError, TypeError):
        base = Path(__file__).resolve().parents[2] / "resources"
    if not base.exists():  # a source checkout that is not installed
        base = Path(__file__).resolve().parents[2] / "resources"
    return base.joinpath(*parts)


def config_dir() -> Path:
    """Per-user folder for autosaves (``NNSTUDIO_CONFIG_DIR`` overrides it, e.g. in tests).

    Made if it is not there; one that cannot be made (a read-only home) is returned all
    the same: nnstudio starts, and writing there says why it fails when it is tried."""
    override = os.environ.get("NNSTUDIO_CONFIG_DIR")
    if override:
        path = Path(override)
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("nnstudio", "nnstudio"))
    with contextlib.suppress(OSError):
        path.mkdir(parents=True, exist_ok=True)
    return path


def autosave_path() -> Path:
    """The recovery file written while there are unsaved changes."""
    return config_dir() / "autosave.nnproj"


def app_settings() -> "QSettings":
    """The app's QSettings: the platform's usual place, or an INI file in
    ``NNSTUDIO_CONFIG_DIR`` when that is set (tests, portable installs)."""
    from PySide6.QtCore import QSettings

    override = os.environ.get("NNSTUDIO_CONFIG_DIR")
    if override:
        with contextlib.suppress(OSError):  # settings that cannot be written are not kept, nothing more
            Path(override).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(override) / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings("nnstudio", "nnstudio")
