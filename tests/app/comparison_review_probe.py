"""Run as a program by test_comparison_review.py: one-input data (the fit and hidden
representation views in front), run B open, workspaces switched as a learner would;
prints (as JSON) each dock tab bar on screen with the docks tabbed together with its
current one. A separate process, as tab_bar_probe.py explains."""
from __future__ import annotations

import json
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QTabBar

if __name__ == "__main__":
    app = QApplication(sys.argv)
    from nnstudio.app.document import DocState
    from nnstudio.app.main_window import MainWindow
    from nnstudio.core.data import DataSpec

    def spin(ms: int) -> None:
        t = QTimer()
        t.setSingleShot(True)
        t.start(ms)
        while t.isActive():
            app.processEvents()

    w = MainWindow()
    w.resize(int(sys.argv[1]), int(sys.argv[2]))
    w.show()
    spin(1500)
    st = w.doc.state
    w.doc.replace_all(DocState(st.network, st.config, DataSpec(name="sine"), None), None)
    w.session.start()
    w.workspaces.switch("explore")
    spin(500)
    w.comparison.start("lr=0.3")
    for _ in range(100):
        spin(100)
        if w.comparison.active:
            break
    titles = {dock.windowTitle(): dock for dock in w.workspaces.docks.values()}
    seen = []
    for name in ("inspect", "explore", "inspect"):
        w.workspaces.switch(name)
        spin(800)
        for bar in w.findChildren(QTabBar):
            if bar.parent() is w and bar.isVisible() and bar.count() and w.rect().intersects(bar.geometry()):
                names = [bar.tabText(i) for i in range(bar.count())]
                dock = titles.get(bar.tabText(bar.currentIndex()))
                group = [] if dock is None else [d.windowTitle() for d in (dock, *w.tabifiedDockWidgets(dock))
                                                  if not d.isHidden()]
                seen.append({"workspace": name, "tabs": names, "group": group})
    seen.append({"comparing": w.comparison.active})
    w.doc.undo_stack.setClean()
    w.doc._trained = False
    w.close()
    print(json.dumps(seen))
