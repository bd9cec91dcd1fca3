"""Help › About: what nnstudio is, and the licences of everything it ships and runs on.

nnstudio itself is MIT-licensed. It ships two data sets under CC BY 4.0 (which asks
for attribution), and a bundled build carries Python, Qt (LGPL-3.0: its libraries stay
separate, replaceable files), NumPy, pyqtgraph, qtawesome with its icon fonts, and a
few small packages. The versions shown are those running, read at run time.
"""

from __future__ import annotations

import contextlib
import html
import importlib
import importlib.metadata
import platform
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from .. import __version__
from .paths import resource_path

COPYRIGHT = "Copyright © 2026 the nnstudio authors"
_CC_BY = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class Notice:
    """One piece of software, data or artwork, and the licence it comes under
    (``url``: the licence's text)."""

    name: str
    version: str
    licence: str
    what: str
    url: str = ""


def running_version(distribution: str, module: str | None = None) -> str:
    """The installed version of ``distribution`` (package metadata), else the module's
    ``__version__`` (a bundled build may carry no metadata); ``""`` if neither is known."""
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        return importlib.metadata.version(distribution)
    if module is None:
        return ""
    try:
        return str(getattr(importlib.import_module(module), "__version__", ""))
    except ImportError:
        return ""


def licence_file() -> Path | None:
    """nnstudio's own LICENSE: next to the package (a bundle), at the top of a source
    checkout, or in the installed package's metadata; None if none is found."""
    here = Path(__file__).resolve().parents[1]
    candidates = [here / "LICENSE", here.parent / "LICENSE"]
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):  # not installed: a checkout
        files = importlib.metadata.distribution("nnstudio").files or []
        candidates += [Path(str(f.locate())) for f in files if f.name == "LICENSE"]
    for path in candidates:
        try:
            if "nnstudio authors" in path.read_text(encoding="utf-8", errors="replace")[:400]:
                return path
        except OSError:
            continue
    return None


def software_notices() -> list[Notice]:
    """nnstudio and the libraries it runs on, with the running versions."""
    qt_for_python = running_version("PySide6-Essentials") or running_version("PySide6", "PySide6")
    own = licence_file()
    own_url = QUrl.fromLocalFile(str(own)).toString() if own else "https://spdx.org/licenses/MIT.html"
    return [
        Notice("nnstudio", __version__, "MIT", f"this program. {COPYRIGHT}.", own_url),
        Notice("Python", platform.python_version(), "PSF-2.0",
               "the language nnstudio is written in (bundled in the stand-alone builds)",
               "https://docs.python.org/3/license.html"),
        Notice("Qt", qVersion(), "LGPL-3.0-only (or GPL-2.0/GPL-3.0)",
               "the window toolkit. Its libraries are separate files that can be replaced by your "
               "own build; the source is at code.qt.io",
               "https://doc.qt.io/qt-6/lgpl.html"),
        Notice("Qt for Python (PySide6, Shiboken6)", qt_for_python, "LGPL-3.0-only (or GPL-2.0/GPL-3.0)",
               "Qt's Python bindings", "https://doc.qt.io/qtforpython-6/licenses.html"),
        Notice("pyqtgraph", running_version("pyqtgraph", "pyqtgraph"), "MIT", "the plots and the 3-D view",
               "https://github.com/pyqtgraph/pyqtgraph/blob/master/LICENSE.txt"),
        Notice("NumPy", running_version("numpy", "numpy"), "BSD-3-Clause",
               "the training engine's arrays. Small parts are 0BSD, MIT, Zlib or CC0-1.0; its binary "
               "wheels add OpenBLAS (BSD-3-Clause) and the GCC runtime (GPL-3.0 with the GCC "
               "Runtime Library Exception)",
               "https://numpy.org/doc/stable/license.html"),
        Notice("qtawesome", running_version("QtAwesome", "qtawesome"), "MIT",
               "toolbar icons drawn from icon fonts (the fonts are listed below)",
               "https://github.com/spyder-ide/qtawesome/blob/master/LICENSE.txt"),
        Notice("QtPy", running_version("QtPy", "qtpy"), "MIT", "used by qtawesome",
               "https://github.com/spyder-ide/qtpy/blob/master/LICENSE.txt"),
        Notice("platformdirs", running_version("platformdirs", "platformdirs"), "MIT",
               "where settings and autosaves are kept",
               "https://github.com/tox-dev/platformdirs/blob/main/LICENSE"),
        Notice("threadpoolctl", running_version("threadpoolctl", "threadpoolctl"), "BSD-3-Clause",
               "lets the loss surface's worker threads use one BLAS thread each",
               "https://github.com/joblib/threadpoolctl/blob/master/LICENSE"),
        Notice("PyOpenGL", running_version("PyOpenGL", "OpenGL"), "BSD-3-Clause (PyOpenGL licence)",
               "OpenGL for the 3-D loss surface", "https://github.com/mcfletch/pyopengl/blob/master/license.txt"),
        Notice("colorama", running_version("colorama", "colorama"), "BSD-3-Clause", "used by pyqtgraph",
               "https://github.com/tartley/colorama/blob/master/LICENSE.txt"),
        Notice("packaging", running_version("packaging", "packaging"), "Apache-2.0 OR BSD-2-Clause",
               "used by QtPy", "https://github.com/pypa/packaging/blob/main/LICENSE"),
    ]


def data_notices() -> list[Notice]:
    """The bundled data sets (see resources/datasets/ATTRIBUTION.md)."""
    return [
        Notice("Iris", "", "CC BY 4.0",
               "R. A. Fisher (1936), “The use of multiple measurements in taxonomic problems”, "
               "Annals of Eugenics 7(2); UCI Machine Learning Repository. Taken from the copy "
               "distributed with scikit-learn (BSD-3-Clause), reformatted", _CC_BY),
        Notice("Optical Recognition of Handwritten Digits (8×8)", "", "CC BY 4.0",
               "E. Alpaydin and C. Kaynak (1998), UCI Machine Learning Repository. Taken from the "
               "copy distributed with scikit-learn (BSD-3-Clause), reformatted", _CC_BY),
    ]


# file-name prefix of each font qtawesome ships → (name, licence, link)
_FONTS = {
    "materialdesignicons": ("Material Design Icons", "Apache-2.0 (Pictogrammers Free License)",
                            "https://pictogrammers.com/docs/general/license/"),
    "fontawesome": ("Font Awesome Free", "SIL OFL 1.1 (the font), CC BY 4.0 (the icons)",
                    "https://fontawesome.com/license/free"),
    "elusiveicons": ("Elusive Icons", "SIL OFL 1.1", "http://elusiveicons.com/license/"),
    "phosphor": ("Phosphor", "MIT", "https://github.com/phosphor-icons/phosphor-icons/blob/master/LICENSE"),
    "remixicon": ("Remix Icon", "Apache-2.0", "https://github.com/Remix-Design/RemixIcon/blob/master/License"),
    "codicon": ("Codicons (Microsoft)", "CC BY 4.0", _CC_BY),
}
_FONT_FILE = re.compile(r"(?P<family>[a-z]+?)(?P<major>\d*)(?:-(?P<style>brands|regular|solid))?(?:-webfont)?"
                        r"-(?P<version>\d+(?:\.\d+)*)\.ttf$")
#: the font nnstudio's own icons come from (its "mdi6." names)
USED_FONT = ("Material Design Icons", "6")


def icon_font_notices() -> list[Notice]:
    """The icon fonts in the installed qtawesome (a bundle carries them all), one row per
    font and version; the styles of one version (Font Awesome's solid, regular, brands)
    share a row."""
    try:
        import qtawesome
    except ImportError:
        return []
    folder = Path(qtawesome.__file__).resolve().parent / "fonts"
    rows: dict[tuple[str, str], list[str]] = {}
    for font in sorted(folder.glob("*.ttf")):
        m = _FONT_FILE.match(font.name)
        family = m.group("family") if m else font.stem
        version = m.group("version") if m else ""
        styles = rows.setdefault((family, version), [])
        if m and m.group("style"):
            styles.append(m.group("style"))
    out = []
    for (family, version), styles in rows.items():
        name, licence, url = _FONTS.get(family, (family, "see qtawesome's documentation",
                                                  "https://github.com/spyder-ide/qtawesome#license"))
        used = name == USED_FONT[0] and version.split(".")[0] == USED_FONT[1]
        what = "nnstudio's toolbar icons" if used else "shipped with qtawesome"
        if styles:
            what += f" ({', '.join(styles)})"
        out.append(Notice(name, version, licence, what, url))
    return out


def _rows(notices: list[Notice]) -> str:
    cells = []
    for n in notices:
        name = html.escape(n.name) + (f" {html.escape(n.version)}" if n.version else "")
        licence = html.escape(n.licence)
        if n.url:
            licence = f'<a href="{html.escape(n.url, quote=True)}">{licence}</a>'
        cells.append(f'<tr><td width="30%"><b>{name}</b></td><td width="28%">{licence}</td>'
                     f"<td>{html.escape(n.what)}</td></tr>")
    return "".join(cells)


def about_html() -> str:
    """The body of the About dialog: the licences, as HTML tables."""
    own = licence_file()
    own_link = f' (<a href="{QUrl.fromLocalFile(str(own)).toString()}">the licence text</a>)' if own else ""
    attribution = resource_path("datasets", "ATTRIBUTION.md")
    data_link = (f' Sources and details: <a href="{QUrl.fromLocalFile(str(attribution)).toString()}">'
                 "ATTRIBUTION.md</a>." if attribution.exists() else "")
    table = '<table cellspacing="0" cellpadding="4" width="100%"><tr><th align="left">Name</th>' \
            '<th align="left">Licence</th><th align="left">What it is</th></tr>{}</table>'
    return (
        f"<p>nnstudio is free software under the <b>MIT</b> licence{own_link}. {html.escape(COPYRIGHT)}.</p>"
        f"<h3>Data sets</h3><p>They come with nnstudio; CC BY 4.0 asks you to credit their authors "
        f"when you share results made with them.{data_link}</p>{table.format(_rows(data_notices()))}"
        f"<h3>Software nnstudio runs on</h3>{table.format(_rows(software_notices()))}"
        f"<h3>Icon fonts</h3>{table.format(_rows(icon_font_notices()))}"
    )


class AboutDialog(QDialog):
    """What nnstudio is, its version, and the licences of what it ships and runs on.

    The licences are in a scrolling text browser (``browser``); its links open in the
    system's browser or file viewer.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About nnstudio")
        icon_file = resource_path("icons", "nnstudio.svg")
        icon = QIcon(str(icon_file)) if icon_file.exists() else QIcon()

        logo = QLabel()
        if not icon.isNull():
            logo.setPixmap(icon.pixmap(64, 64))
        title = QLabel(f"<h2>nnstudio {html.escape(__version__)}</h2>"
                       "<p>Learn how neural networks train by building one and watching it learn.</p>")
        title.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(logo)
        head.addWidget(title, 1)

        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(about_html())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        # fits a 1280×800 or 1366×768 screen with its title bar and a panel; the tables scroll
        self.resize(760, 600)


__all__ = ["AboutDialog", "Notice", "about_html", "data_notices", "icon_font_notices", "licence_file",
           "running_version", "software_notices"]
