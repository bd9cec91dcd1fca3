"""Help › About lists nnstudio's licence and those of the data, libraries and icon fonts it ships."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import qtawesome
from PySide6.QtCore import Qt, QUrl, qVersion

from nnstudio import __version__
from nnstudio.app.about_dialog import AboutDialog, licence_file
from nnstudio.app.paths import resource_path


def _dialog(qtbot) -> AboutDialog:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _row(text: str, name: str) -> str:
    """The line of the plain text that follows ``name`` (the cells of a row are lines)."""
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith(name))
    return "\n".join(lines[i:i + 3])


def test_every_licence_is_named_with_the_running_versions(qtbot):
    dialog = _dialog(qtbot)
    text = dialog.browser.toPlainText()
    assert f"nnstudio {__version__}" in text and "MIT" in _row(text, "nnstudio ")
    assert "the nnstudio authors" in text
    expected = {
        "Iris": "CC BY 4.0",
        "Optical Recognition of Handwritten Digits": "CC BY 4.0",
        f"Qt {qVersion()}": "LGPL-3.0",
        f"Qt for Python (PySide6, Shiboken6) {importlib.metadata.version('PySide6-Essentials')}": "LGPL-3.0",
        f"pyqtgraph {importlib.metadata.version('pyqtgraph')}": "MIT",
        f"NumPy {importlib.metadata.version('numpy')}": "BSD-3-Clause",
        f"qtawesome {importlib.metadata.version('qtawesome')}": "MIT",
        f"platformdirs {importlib.metadata.version('platformdirs')}": "MIT",
        f"PyOpenGL {importlib.metadata.version('PyOpenGL')}": "BSD-3-Clause",
        f"threadpoolctl {importlib.metadata.version('threadpoolctl')}": "BSD-3-Clause",
        "Python ": "PSF-2.0",
        "Material Design Icons 6.9.96": "Apache-2.0 (Pictogrammers Free License)",
        "Font Awesome Free 6.7.2": "SIL OFL 1.1",
    }
    for name, licence in expected.items():
        assert licence in _row(text, name), name
    assert "nnstudio's toolbar icons" in _row(text, "Material Design Icons 6.9.96")


def test_every_icon_font_qtawesome_ships_is_listed_with_a_known_licence(qtbot):
    dialog = _dialog(qtbot)
    text = dialog.browser.toPlainText()
    fonts = sorted((Path(qtawesome.__file__).parent / "fonts").glob("*.ttf"))
    assert len(fonts) >= 5
    for font in fonts:
        version = re.search(r"-(\d+(?:\.\d+)*)\.ttf$", font.name).group(1)
        assert re.search(rf"^\S.* {re.escape(version)}$", text, re.M), font.name
    assert "see qtawesome's documentation" not in text  # every font family is known


def test_the_data_set_licences_agree_with_the_attribution_file(qtbot):
    attribution = resource_path("datasets", "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert attribution.count("Creative Commons Attribution 4.0 International (CC BY 4.0)") == 2
    dialog = _dialog(qtbot)
    text = dialog.browser.toPlainText()
    for source in ("Fisher", "Alpaydin", "Kaynak", "scikit-learn"):
        assert source in attribution and source in text


def test_links_go_to_the_licence_texts_and_the_own_licence_file_is_found(qtbot):
    dialog = _dialog(qtbot)
    assert dialog.browser.openExternalLinks()
    page = dialog.browser.toHtml()
    own = licence_file()
    assert own is not None and own.read_text(encoding="utf-8").startswith("MIT License")
    assert QUrl.fromLocalFile(str(own)).toString() in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page and "https://doc.qt.io/qt-6/lgpl.html" in page


def test_it_fits_a_small_screen_scrolls_and_closes(qtbot):
    dialog = _dialog(qtbot)
    assert dialog.width() <= 1366 - 100 and dialog.height() <= 768 - 120
    bar = dialog.browser.verticalScrollBar()
    assert bar.maximum() > 0  # the list is longer than the window: it scrolls
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
