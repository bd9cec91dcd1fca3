"""The loss landscape in 3-D: the surface as a coloured mesh, with the path on top.

:class:`Surface3D` wraps pyqtgraph's OpenGL view. The plane is scaled to −1 … 1 on
both axes and the loss (or its log) to a height of 0 … :data:`Z_HEIGHT`. The path and
the current point (and run B's of a comparison, in B's colour) are drawn last and without
the depth test, so the surface never hides them: a learner always sees where training
went, even where the path runs through a valley wall or behind a ridge.

Without OpenGL (Qt's offscreen platform, or no driver) :func:`opengl_problem` says
why, and the view shows the contour map alone.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QGuiApplication, QVector3D

from .. import theme
from .run_colors import run_color

try:  # shiboken tells whether the C++ side of a widget still exists
    from shiboken6 import isValid as _alive
except ImportError:  # pragma: no cover
    def _alive(obj: object) -> bool:
        return True

Array = np.ndarray

#: height of the 3-D surface in scene units (the plane spans −1..1 on both axes)
Z_HEIGHT = 1.0
#: the path floats this far above the 3-D surface
PATH_LIFT = 0.025

#: the 3-D views alive in this process (see :func:`_prepare_gl_caches`)
_GL_VIEWS: "weakref.WeakSet[Any]" = weakref.WeakSet()


def _prepare_gl_caches() -> None:
    """Let a new 3-D view start from clean shader caches when it needs to.

    pyqtgraph 0.14 compiles each shader program once and keeps its id at class level. An
    OpenGL context that shares nothing with the one those ids came from cannot use them:
    after the first 3-D view is closed, the next one fails to draw (GL "invalid value")
    or crashes. With ``Qt.AA_ShareOpenGLContexts`` set before the application starts, all
    contexts share their programs and nothing needs doing; otherwise, when no other 3-D
    view is alive, the caches are cleared so the new view compiles its own.
    """
    if QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts):
        return
    if any(_alive(v) for v in list(_GL_VIEWS)):
        return
    import pyqtgraph.opengl as gl
    from pyqtgraph.opengl import shaders

    for name in ("GLLinePlotItem", "GLScatterPlotItem", "GLImageItem", "GLVolumeItem"):
        cls = getattr(gl, name, None)
        if cls is not None and hasattr(cls, "_shaderProgram"):
            cls._shaderProgram = None
    for program in shaders.ShaderProgram.names.values():
        program.prog = None


def opengl_problem() -> str | None:
    """Why a 3-D view cannot be shown here, or None if it can."""
    platform = QGuiApplication.platformName()
    if platform in ("offscreen", "minimal"):
        return (f"3-D view needs OpenGL, which is not available on this display ({platform} "
                f"platform); the contour map shows the same surface.")
    try:
        import pyqtgraph.opengl  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means no 3-D
        return (f"3-D view needs OpenGL, which could not be loaded ({exc}); the contour map "
                f"shows the same surface.")
    return None


def best_azimuth(z: Array) -> float:
    """A camera azimuth (degrees) looking at a surface ``z[x, y]`` over −1..1 from its lower
    side, so that high walls stand behind the valley instead of hiding it."""
    nx, ny = z.shape
    X, Y = np.meshgrid(np.linspace(-1, 1, nx), np.linspace(-1, 1, ny), indexing="ij")
    best, best_mean = -50.0, math.inf
    for az in (-50.0, 40.0, 130.0, 220.0):
        r = math.radians(az)
        near = X * math.cos(r) + Y * math.sin(r) > 0.2  # the part of the surface nearest the camera
        m = float(np.mean(z[near]))
        if m < best_mean - 1e-9:
            best, best_mean = az, m
    return best


def _on_top() -> dict[Any, Any]:
    """GL state for items drawn over everything: blended, no depth test."""
    from OpenGL import GL

    return {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
            "glBlendFuncSeparate": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA, GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)}


class Surface3D:
    """A ``GLViewWidget`` (:attr:`widget`) with the surface mesh, the path, its start,
    the current point and the names of the axes. Building it raises when OpenGL cannot
    be used here (ask :func:`opengl_problem` first)."""

    def __init__(self, cmap: Any) -> None:
        import pyqtgraph.opengl as gl

        _prepare_gl_caches()
        self.cmap = cmap
        view = gl.GLViewWidget()
        _GL_VIEWS.add(view)
        view.setMinimumSize(120, 100)
        view.setBackgroundColor(theme.background())
        view.setCameraPosition(pos=QVector3D(0.0, 0.0, 0.35 * Z_HEIGHT), distance=3.9, elevation=32,
                               azimuth=-50)
        self.surface = gl.GLSurfacePlotItem(computeNormals=False, smooth=False, glOptions="opaque",
                                            showGrid=True, lineColor=(0, 0, 0, 0.18), lineWidth=1.0)
        view.addItem(self.surface)
        self.path = gl.GLLinePlotItem(pos=np.zeros((0, 3)), color=(1, 1, 1, 1), width=2.5,
                                      antialias=True, mode="line_strip")
        self.start = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), color=(1, 1, 1, 1), size=10, pxMode=True)
        self.current = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), color=(0.9, 0.16, 0.16, 1), size=16,
                                            pxMode=True)
        b = run_color("B")
        b_rgba = (b.redF(), b.greenF(), b.blueF(), 1.0)
        self.b_path = gl.GLLinePlotItem(pos=np.zeros((0, 3)), color=b_rgba, width=2.5, antialias=True,
                                        mode="line_strip")
        self.b_current = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), color=b_rgba, size=13, pxMode=True)
        for depth, item in enumerate((self.b_path, self.b_current, self.path, self.start, self.current), start=8):
            # drawn after the surface and over it: the path is never hidden inside a wall
            item.setGLOptions(_on_top())
            item.setDepthValue(depth)
            view.addItem(item)
        fg = theme.foreground()
        self.texts: list[Any] = []
        # names of the α axis (along the y = −1 edge), the β axis (x = −1) and the height
        for pos in ((0.0, -1.35, 0.0), (-1.35, 0.0, 0.0), (-1.1, -1.1, Z_HEIGHT + 0.15)):
            t = gl.GLTextItem(pos=np.array(pos), text="", color=QColor(fg))
            view.addItem(t)
            self.texts.append(t)
        self.widget = view
        self._grid = (0.0, 1.0, 0.0, 1.0)  # centre and half-width of both axes
        self._zrange = (0.0, 1.0)
        self._camera_key: tuple[Any, ...] | None = None

    def show_surface(self, xs: Array, ys: Array, heat: Array, zrange: tuple[float, float],
                     names: tuple[str, str, str], camera_key: tuple[Any, ...]) -> None:
        """The mesh of ``heat[j, i]`` over ``(xs[i], ys[j])``, coloured like the map.
        A new ``camera_key`` (another kind of plot) turns the camera to its low side."""
        a0, a1, b0, b1 = float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1])
        self._grid = (0.5 * (a0 + a1), 0.5 * (a1 - a0), 0.5 * (b0 + b1), 0.5 * (b1 - b0))
        self._zrange = zrange
        lo, hi = zrange
        t = (heat - lo) / (hi - lo)  # rows β, columns α
        ca, ha, cb, hb = self._grid
        x = ((np.asarray(xs, float) - ca) / ha).astype(np.float32)
        y = ((np.asarray(ys, float) - cb) / hb).astype(np.float32)
        z = (t.T * Z_HEIGHT).astype(np.float32)  # GLSurfacePlotItem wants z[x, y]
        # one colour per vertex, in the item's vertex order (x-major, as z[x, y] flattened)
        colors = np.asarray(self.cmap.map(t.T.ravel(), mode="float"), dtype=np.float32).reshape(-1, 4)
        self.surface.setData(x=x, y=y, z=z, colors=colors)
        self.surface.setVisible(True)
        if camera_key != self._camera_key:
            self._camera_key = camera_key
            self.widget.setCameraPosition(azimuth=best_azimuth(z), elevation=32)
        for item, name in zip(self.texts, names):
            item.setData(text=name)

    def to_scene(self, xy: Array, heights: Array) -> Array:
        """Axis units and display heights → scene coordinates (plane −1..1, height 0..Z_HEIGHT)."""
        ca, ha, cb, hb = self._grid
        lo, hi = self._zrange
        out = np.empty((len(xy), 3), dtype=np.float32)
        out[:, 0] = (xy[:, 0] - ca) / ha
        out[:, 1] = (xy[:, 1] - cb) / hb
        out[:, 2] = (heights - lo) / (hi - lo) * Z_HEIGHT
        return out

    def show_path(self, xy: Array, heights: Array) -> None:
        """The path at ``heights`` (display units) just above the surface, its start and its end."""
        if len(xy) == 0:
            for item in (self.path, self.start, self.current):
                item.setData(pos=np.zeros((0, 3), np.float32))
            return
        pts = self.to_scene(xy, heights)
        pts[:, 2] += PATH_LIFT
        self.path.setData(pos=pts if len(pts) >= 2 else np.zeros((0, 3), np.float32))
        self.start.setData(pos=pts[:1])
        self.current.setData(pos=pts[-1:] + np.array([0, 0, PATH_LIFT], np.float32))

    def show_b_path(self, xy: Array, heights: Array) -> None:
        """Run B's path and its end in B's colour, like :meth:`show_path` (empty: hidden)."""
        if len(xy) == 0:
            for item in (self.b_path, self.b_current):
                item.setData(pos=np.zeros((0, 3), np.float32))
            return
        pts = self.to_scene(xy, heights)
        pts[:, 2] += PATH_LIFT
        self.b_path.setData(pos=pts if len(pts) >= 2 else np.zeros((0, 3), np.float32))
        self.b_current.setData(pos=pts[-1:] + np.array([0, 0, PATH_LIFT], np.float32))

    def clear(self) -> None:
        self.surface.setVisible(False)
        self.show_path(np.zeros((0, 2)), np.zeros(0))
        self.show_b_path(np.zeros((0, 2)), np.zeros(0))

    def set_background(self, color: QColor) -> None:
        self.widget.setBackgroundColor(color)


__all__ = ["PATH_LIFT", "Surface3D", "Z_HEIGHT", "best_azimuth", "opengl_problem"]
