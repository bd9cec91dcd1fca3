"""Two arrangements of the same live views, one click apart: *Explore* and *Inspect*.

*Explore* is the first screen, in the spirit of TensorFlow Playground's single page:
the panels (data and input features first), the network drawn with a map inside each
neuron, a large decision (or fit) view and the loss curve. *Inspect* holds the deeper
views: the step inspector (the hidden representation one tab away) beside the network
it highlights (the loss and the hardest samples one tab away, as in Explore), over the
gradients, activations, loss surface, optimizer race and decision view (in a window too
narrow for five tabs there, 1024 px, the decision view is a tab of the network). Every
tab of a group shows whole at the smallest window, 1024×700, and up, without scroll arrows.

Every view and panel is a dock of the main window; a workspace is an arrangement of
those docks (``QMainWindow.saveState``). Switching saves the arrangement the user left
and restores the other one (or builds its default), so each workspace keeps the user's
changes; :meth:`Workspaces.reset` rebuilds the default. Views are never destroyed by a
switch: hidden ones stop drawing and catch up when they are shown again.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QTabWidget

EXPLORE = "explore"
INSPECT = "inspect"
TITLES = {EXPLORE: "Explore", INSPECT: "Inspect"}
#: bumped when the default arrangements change, so old saved arrangements are not used
LAYOUT_VERSION = 7

PANELS = ("DataPanel", "NetworkPanel", "TrainingPanel", "LessonPanel")
#: the docks each workspace shows; every other dock is hidden there
SHOWN = {
    EXPLORE: PANELS + ("NetworkView", "BoundaryView", "LossView", "DigitGalleryView", "DrawingPadView",
                       "RepresentationView", "HardestSamplesView"),
    INSPECT: PANELS + ("InspectorView", "GradientView", "ActivationView", "SurfaceView", "RaceView",
                       "BoundaryView", "NetworkView", "LossView", "RepresentationView", "HardestSamplesView"),
}
#: where a view lives by default when a lesson asks for it
HOME = {name: (EXPLORE if name in SHOWN[EXPLORE] else INSPECT)
        for name in SHOWN[EXPLORE] + SHOWN[INSPECT]}
#: views only some data have a use for (the digit views: data that are images); they
#: are hidden while :meth:`Workspaces.set_available` says the data has no use for them
IMAGE_VIEWS = ("DigitGalleryView", "DrawingPadView")


class Workspaces(QObject):
    """Arranges ``docks`` (keyed by the name of their widget's class) in ``window``."""

    sigChanged = Signal(str)

    def __init__(self, window: QMainWindow, docks: dict[str, QDockWidget], settings: QSettings) -> None:
        super().__init__(window)
        self.window = window
        self.docks = docks
        self.settings = settings
        self.current = ""
        #: docks the current data has no use for: hidden in every workspace
        self.unavailable: set[str] = set(IMAGE_VIEWS)
        for key in IMAGE_VIEWS:
            if key in docks:
                docks[key].toggleViewAction().setEnabled(False)

    # -- switching -------------------------------------------------------------------------
    def switch(self, name: str) -> None:
        """Show workspace ``name`` as the user left it (or its default arrangement)."""
        if name not in SHOWN:
            name = EXPLORE
        if name == self.current:
            return
        if self.current:
            self.save()
        self.current = name
        state = self.settings.value(self._key(name))
        restored = isinstance(state, QByteArray) and self.window.restoreState(state, LAYOUT_VERSION)
        if restored:
            # a restored arrangement leaves docks it does not place where they were: the
            # other workspace's views go, and tabs keep their titles on top
            for key, dock in self.docks.items():
                if key not in SHOWN[name] and not dock.isFloating():
                    dock.hide()
            for key in IMAGE_VIEWS:  # they follow the data, not the arrangement saved
                if key in self.docks and key in SHOWN[name]:
                    self.docks[key].setVisible(key not in self.unavailable)
            self.window.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        else:
            self.arrange(name)
        self.settings.setValue("workspace/current", name)
        QTimer.singleShot(0, self._whole_tab_titles)
        self.sigChanged.emit(name)

    def _whole_tab_titles(self) -> None:
        """Dock tabs show their whole titles (scroll arrows when they do not all fit):
        "Activati…" is not a title a learner can follow a lesson by."""
        for bar in self.window.findChildren(QTabBar):
            if bar.parent() is self.window:
                bar.setElideMode(Qt.TextElideMode.ElideNone)
                bar.setUsesScrollButtons(True)
        self._hide_stale_tab_bars()

    def _hide_stale_tab_bars(self) -> None:
        """Hide the dock tab bars that the other workspace's arrangement left behind.

        Qt keeps a tab bar of a replaced arrangement on screen after ``restoreState``
        (the Inspect workspace's "Gradients | Activations | …" bar stayed over Explore's
        decision view). A bar in use sits right on top of its current tab's dock, as wide
        as it, and names no hidden dock; any other bar is a leftover."""
        by_title = {dock.windowTitle(): dock for dock in self.docks.values()}
        bars = [bar for bar in self.window.findChildren(QTabBar)
                if bar.parent() is self.window and bar.isVisible() and bar.count() > 0]

        def titles(bar: QTabBar) -> tuple[str, ...]:
            return tuple(bar.tabText(i) for i in range(bar.count()))

        def on_its_dock(bar: QTabBar) -> bool:
            dock = by_title.get(bar.tabText(bar.currentIndex()))
            return (dock is not None and dock.geometry().left() == bar.geometry().left()
                    and dock.geometry().width() == bar.geometry().width())

        def its_group(bar: QTabBar) -> set[str] | None:
            """The titles of the shown docks tabbed with the bar's current one."""
            dock = by_title.get(bar.tabText(bar.currentIndex()))
            if dock is None:
                return None
            return {d.windowTitle() for d in (dock, *self.window.tabifiedDockWidgets(dock)) if not d.isHidden()}

        for bar in bars:
            names_hidden = any(by_title.get(t) is None or by_title[t].isHidden() for t in titles(bar))
            # Explore's "Decision boundary | Hidden representation" bar stayed over Inspect's
            # network view, whose docks are tabbed otherwise there
            group = its_group(bar)
            names_hidden = names_hidden or (group is not None and group != set(titles(bar)))
            # a bar beside its dock is a leftover only when a twin of it sits on the dock
            displaced = not on_its_dock(bar) and any(
                other is not bar and titles(other) == titles(bar) and on_its_dock(other) for other in bars)
            if names_hidden or displaced:
                bar.hide()

    def save(self) -> None:
        """Remember the arrangement of the current workspace."""
        if self.current:
            self.settings.setValue(self._key(self.current), self.window.saveState(LAYOUT_VERSION))

    def reset(self) -> None:
        """The current workspace back to its default arrangement."""
        self.settings.remove(self._key(self.current))
        self.arrange(self.current)

    def restore_last(self) -> None:
        """At start-up: the workspace the user was in last time."""
        name = self.settings.value("workspace/current", EXPLORE)
        self.switch(str(name) if name in SHOWN else EXPLORE)

    @staticmethod
    def _key(name: str) -> str:
        return f"workspace/{name}/state"

    # -- lessons and menus -------------------------------------------------------------------
    def show_view(self, name: str) -> None:
        """Bring the dock ``name`` to the front: in the current workspace when it is part
        of it (shown again if the user had closed it), else in its home workspace."""
        dock = self.docks.get(name)
        if dock is None or name in self.unavailable:
            return
        if not (dock.isVisible() or name in SHOWN.get(self.current, ())):
            self.switch(HOME.get(name, self.current))
        if dock.isHidden():
            dock.show()
        dock.raise_()

    def shows(self, name: str) -> bool:
        """Whether the current workspace has a place for the dock ``name``."""
        dock = self.docks.get(name)
        if name in self.unavailable:
            return False
        return name in SHOWN.get(self.current, ()) or (dock is not None and dock.isVisible())

    def set_available(self, names: tuple[str, ...], available: bool, front: str | None = None) -> None:
        """Whether the data has a use for the docks ``names`` (the digit views for image
        data): unavailable ones are hidden everywhere; ones that become available show
        where the current workspace has them, ``front`` in front of its tab group."""
        changed = [n for n in names if (n in self.unavailable) == available]
        if available:
            self.unavailable.difference_update(names)
        else:
            self.unavailable.update(names)
        for name in names:
            if name in self.docks:
                self.docks[name].toggleViewAction().setEnabled(available)
        if not self.current:
            return
        for name in changed:
            dock = self.docks.get(name)
            if dock is not None:
                dock.setVisible(available and name in SHOWN[self.current])
        if available and front in changed and front in SHOWN[self.current]:
            self.docks[front].raise_()

    # -- default arrangements ------------------------------------------------------------------
    def arrange(self, name: str) -> None:
        """Build the default arrangement of workspace ``name`` for the window's size."""
        w = self.window
        d = self.docks
        for dock in d.values():
            w.removeDockWidget(dock)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        panels = [d[p] for p in PANELS if p in d]
        # splits first: splitting next to a dock that is already a tab adds another tab
        w.addDockWidget(left, panels[0])
        if name == EXPLORE:
            self._add(left, "NetworkView", beside=panels[0])
            self._add(right, "BoundaryView")
            self._add(right, "LossView", below="BoundaryView")
            # images of the data and the drawing pad where the decision view is: for
            # image data that view has only its confusion matrix to show
            for key in IMAGE_VIEWS:
                self._tab(key, "BoundaryView")
            # one tab away: what a hidden layer makes of the plane, and where the errors are
            self._tab("RepresentationView", "BoundaryView")
            self._tab("HardestSamplesView", "LossView")
        else:
            # the inspector's numbers beside the network they highlight; below, the views of
            # the inside of training (and the decision view, to pick a sample). Eight tabs in
            # one group needed ~870 px and got 570-750 on laptops: the last ones hid behind
            # scroll arrows. The loss and the hardest samples go with the network, as in
            # Explore; the hidden representation (the tallest of them: with the network it
            # made the window taller than 700 px) beside the inspector, which stays in front
            self._add(left, "InspectorView", beside=panels[0])
            self._add(right, "NetworkView")
            self._add(right, "GradientView", below="NetworkView")
            below = ["ActivationView", "SurfaceView", "RaceView", "BoundaryView"]
            beside_network = ["LossView", "HardestSamplesView"]
            if not self._tabs_fit(["GradientView", *below], self._inspect_right_width()):
                # a narrow window (1024 px): five tabs need ~540 px and the column has ~450;
                # the decision view goes with the network, a click away as before
                below.remove("BoundaryView")
                beside_network.append("BoundaryView")
            for key in below:
                self._tab(key, "GradientView")
            for key in beside_network:
                self._tab(key, "NetworkView")
            self._tab("RepresentationView", "InspectorView")
        for dock in panels[1:]:
            w.tabifyDockWidget(panels[0], dock)
        w.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        for key, dock in d.items():
            dock.setVisible(key in SHOWN[name] and key not in self.unavailable)
        d[PANELS[0]].raise_()
        if name == EXPLORE and "BoundaryView" in d:
            gallery = d.get(IMAGE_VIEWS[0])
            (gallery if gallery is not None and IMAGE_VIEWS[0] not in self.unavailable else d["BoundaryView"]).raise_()
        if name == EXPLORE and "LossView" in d:
            d["LossView"].raise_()
        if name == INSPECT:
            for key in ("GradientView", "NetworkView", "InspectorView"):
                d[key].raise_()
        # sizes only take once the docks are laid out in the window
        QTimer.singleShot(0, lambda: self._size(name))
        QTimer.singleShot(0, self._whole_tab_titles)

    def _panel_width(self) -> int:
        return max(250, min(340, self.window.width() // 4))

    def _inspect_right_width(self) -> int:
        """The width :meth:`_size` gives the Inspect workspace's right column (less the
        docks' frames and the splitter)."""
        rest = max(400, self.window.width() - self._panel_width())
        return rest * 60 // 100 - 12

    def _tabs_fit(self, keys: list[str], width: int) -> bool:
        """Whether the docks ``keys`` tabbed together show every whole title in ``width``."""
        bar = QTabBar()
        bar.setFont(self.window.font())
        bar.setElideMode(Qt.TextElideMode.ElideNone)
        for key in keys:
            if key in self.docks:
                bar.addTab(self.docks[key].windowTitle())
        need = bar.sizeHint().width()
        bar.deleteLater()
        return need <= width

    def _add(self, area: Qt.DockWidgetArea, key: str, beside: QDockWidget | None = None,
             below: str | None = None) -> None:
        dock = self.docks.get(key)
        if dock is None:
            return
        self.window.addDockWidget(area, dock)
        if beside is not None:
            self.window.splitDockWidget(beside, dock, Qt.Orientation.Horizontal)
        elif below is not None and below in self.docks:
            self.window.splitDockWidget(self.docks[below], dock, Qt.Orientation.Vertical)

    def _tab(self, key: str, onto: str) -> None:
        if key in self.docks and onto in self.docks:
            self.window.tabifyDockWidget(self.docks[onto], self.docks[key])

    def fit_sizes(self) -> None:
        """Give the current workspace's docks their default sizes again (after docks were
        hidden: a restored arrangement without one of the panels' tabs squeezes the others)."""
        self._size(self.current)

    def _size(self, name: str) -> None:
        if name != self.current:
            return
        w, d = self.window, self.docks
        width, height = w.width(), w.height()
        panel = self._panel_width()
        rest = max(400, width - panel)
        H, V = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        panels = [d[p] for p in PANELS if p in d]
        front = next((p for p in panels if not p.visibleRegion().isEmpty()), panels[0])
        if name == EXPLORE:
            w.resizeDocks([front, d["NetworkView"], d["BoundaryView"]],
                          [panel, rest * 45 // 100, rest * 55 // 100], H)
            w.resizeDocks([d["BoundaryView"], d["LossView"]], [height * 62 // 100, height * 38 // 100], V)
        else:
            w.resizeDocks([front, d["InspectorView"], d["GradientView"]],
                          [panel, rest * 40 // 100, rest * 60 // 100], H)
            # 40.5%, not 40: the network's tab bar came on top of it, and at 1366×768 its hidden
            # layers then showed 6 of their 8 neurons; a few pixels more, and the gradients'
            # axis titles get cut
            w.resizeDocks([d["NetworkView"], d["GradientView"]], [height * 81 // 200, height * 119 // 200], V)
