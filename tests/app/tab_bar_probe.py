"""Run as a program by test_workspace_tab_bars.py: switch workspaces in a fresh window as a
learner would, then print (as JSON) the dock tab bars on screen and whether each names a
hidden dock. A separate process, because within pytest's own event loop Qt did not leave
the stale bar behind that it leaves in the app."""
from __future__ import annotations

import json
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QTabBar

if __name__ == "__main__":
    app = QApplication(sys.argv)
    from nnstudio.app.main_window import MainWindow

    w = MainWindow()
    w.resize(int(sys.argv[1]), int(sys.argv[2]))
    w.show()

    def spin(ms: int) -> None:
        t = QTimer()
        t.setSingleShot(True)
        t.start(ms)
        while t.isActive():
            app.processEvents()

    spin(1500)
    titles = {dock.windowTitle(): dock for dock in w.workspaces.docks.values()}
    seen = []
    for name in ("inspect", "explore", "inspect", "explore"):
        w.workspaces.switch(name)
        spin(600)
        for bar in w.findChildren(QTabBar):
            if bar.parent() is w and bar.isVisible() and bar.count() and w.rect().intersects(bar.geometry()):
                names = [bar.tabText(i) for i in range(bar.count())]
                seen.append({"workspace": name, "tabs": names,
                             "hidden": [t for t in names if t not in titles or titles[t].isHidden()]})
    w.doc.undo_stack.setClean()
    w.doc._trained = False
    w.close()
    print(json.dumps(seen))
