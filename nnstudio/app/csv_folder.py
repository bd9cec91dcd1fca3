"""Where the "Import a CSV file" dialog opens: the last folder used, else Documents.

The folder is remembered in the app's settings (``paths/csv_folder``). A folder that
no longer exists, or one inside the installed program (its bundled examples), is never
offered: then the user's Documents folder, else the home folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths

from .paths import app_settings, resource_path

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

SETTINGS_KEY = "paths/csv_folder"


def _program_folders() -> list[Path]:
    return [Path(__file__).resolve().parents[1], resource_path().resolve()]


def _inside_program(folder: Path) -> bool:
    try:
        folder = folder.resolve()
    except OSError:
        return True
    return any(folder == p or p in folder.parents for p in _program_folders())


def _usable(folder: str) -> bool:
    if not folder:
        return False
    p = Path(folder)
    try:
        return p.is_absolute() and p.is_dir() and not _inside_program(p)
    except OSError:
        return False


def csv_start_folder(settings: QSettings | None = None) -> str:
    """The folder to open the CSV file dialog in."""
    settings = settings if settings is not None else app_settings()
    last = settings.value(SETTINGS_KEY, "", str)
    if isinstance(last, str) and _usable(last):
        return last
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if _usable(documents):
        return documents
    return str(Path.home())


def remember_csv_folder(path: str, settings: QSettings | None = None) -> None:
    """Remember the folder of the CSV file just chosen (not if it is inside the program)."""
    folder = Path(path).parent
    if not _usable(str(folder)):
        return
    settings = settings if settings is not None else app_settings()
    settings.setValue(SETTINGS_KEY, str(folder))
    settings.sync()


__all__ = ["SETTINGS_KEY", "csv_start_folder", "remember_csv_folder"]
