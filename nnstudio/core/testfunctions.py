"""Two-dimensional test functions for racing optimizers.

Each :class:`TestFunction` is a surface ``f(x, y)`` with a known shape that makes one
weakness of gradient descent visible:

============ ===================================================================
rosenbrock   a long, curved, flat-bottomed valley: plain descent crawls along it
beale        steep walls and a flat plateau around the minimum: step sizes matter
saddle       ``x² − y²``: a saddle point that slow methods take long to leave
himmelblau   four equally good minima: where you end depends on how you travel
bowl         an elongated quadratic bowl (condition number κ): zig-zagging
============ ===================================================================

:func:`race` runs several optimizers from the same start on the same function and
returns their paths, stopping (and keeping) a path that flies off or stops being
finite. The optimizers are exactly those that train the networks
(:mod:`nnstudio.core.optimizers`), acting on a 2-vector ``(x, y)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from .errors import SpecError
from .optimizers import Optimizer, make_optimizer

Array = np.ndarray
Box = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class TestFunction:
    """A 2-D function with its gradient and what is known about it.

    Attributes
    ----------
    key : str
        Identifier (``"rosenbrock"``).
    name : str
        Display name.
    formula : str
        ``f`` written out for a learner.
    description : str
        One or two sentences on what the function teaches.
    minima : tuple of (float, float)
        Global minimisers, all with value ``min_value`` (empty if unbounded below).
    min_value : float
        The minimum value (``-inf`` if there is none).
    saddles : tuple of (float, float)
        Saddle points worth marking on a plot.
    domain : ((xmin, xmax), (ymin, ymax))
        A good region to draw.
    start : (float, float)
        A start point that makes an interesting race.
    learning_rates : dict of str to float
        A learning rate per optimizer key that runs well from ``start``.
    log_scale : bool
        Whether contour levels look best on a log scale (values span many decades).
    curvatures : tuple of float
        For a quadratic whose axes are its eigen-directions: the Hessian's eigenvalues
        along x and along y (what :mod:`nnstudio.core.momentum_theory` needs); else empty.
    """

    __test__ = False  # not a pytest test class despite the name

    key: str
    name: str
    formula: str
    description: str
    _f: Callable[[Array, Array], Array] = field(repr=False)
    _grad: Callable[[Array, Array], tuple[Array, Array]] = field(repr=False)
    minima: tuple[tuple[float, float], ...]
    min_value: float
    domain: Box
    start: tuple[float, float]
    learning_rates: Mapping[str, float]
    saddles: tuple[tuple[float, float], ...] = ()
    log_scale: bool = False
    curvatures: tuple[float, ...] = ()

    def f(self, x: Array | float, y: Array | float) -> Array:
        """``f(x, y)`` element-wise over arrays of any (broadcastable) shape.

        Use it for contour grids: ``Z = fn.f(*np.meshgrid(xs, ys))``.
        """
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        return self._f(x, y)

    def value(self, p: Array) -> float:
        """``f`` at one point ``p = (x, y)``."""
        p = np.asarray(p, dtype=np.float64)
        return float(self._f(p[0], p[1]))

    def grad(self, p: Array) -> Array:
        """``∇f = (∂f/∂x, ∂f/∂y)`` at ``p``.

        Parameters
        ----------
        p : array_like, shape (2,) or (..., 2)

        Returns
        -------
        ndarray, same shape as ``p``, float64
        """
        p = np.asarray(p, dtype=np.float64)
        gx, gy = self._grad(p[..., 0], p[..., 1])
        return np.stack([np.asarray(gx, dtype=np.float64), np.asarray(gy, dtype=np.float64)], axis=-1)

    def grid(self, n: int = 200, domain: Box | None = None) -> tuple[Array, Array, Array]:
        """Values on an ``n × n`` grid over ``domain`` (default :attr:`domain`).

        Returns
        -------
        xs : ndarray, shape (n,)
        ys : ndarray, shape (n,)
        Z : ndarray, shape (n, n)
            ``Z[j, i] = f(xs[i], ys[j])`` (rows follow y, as in an image).
        """
        (x0, x1), (y0, y1) = domain or self.domain
        xs = np.linspace(x0, x1, n)
        ys = np.linspace(y0, y1, n)
        return xs, ys, self.f(*np.meshgrid(xs, ys))

    def default_lr(self, optimizer: str) -> float:
        """The recommended learning rate for optimizer ``optimizer`` on this function."""
        try:
            return float(self.learning_rates[optimizer])
        except KeyError:
            raise SpecError(f"no recommended learning rate for optimizer '{optimizer}'; "
                            f"known: {', '.join(self.learning_rates)}") from None


# --------------------------------------------------------------------------- the functions
def _rosenbrock(a: float = 1.0, b: float = 100.0) -> TestFunction:
    def f(x: Array, y: Array) -> Array:
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def g(x: Array, y: Array) -> tuple[Array, Array]:
        r = y - x * x
        return -2.0 * (a - x) - 4.0 * b * x * r, 2.0 * b * r

    return TestFunction(
        "rosenbrock", "Rosenbrock valley",
        f"f(x, y) = ({a:g} − x)² + {b:g}·(y − x²)²",
        "A narrow curved valley with a flat floor. Finding the valley is easy; "
        "following its floor to the minimum at (1, 1) is slow for plain gradient descent.",
        f, g, ((a, a * a),), 0.0, ((-2.0, 2.0), (-1.0, 3.0)), (-1.5, 2.0),
        # SGD diverges from this start above η ≈ 2.5e-3: it has to stay slow
        {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 5e-4, "adagrad": 0.5,
         "rmsprop": 0.01, "adam": 0.1, "adamw": 0.1},
        log_scale=True,
    )


def _beale() -> TestFunction:
    def f(x: Array, y: Array) -> Array:
        return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2
                + (2.625 - x + x * y ** 3) ** 2)

    def g(x: Array, y: Array) -> tuple[Array, Array]:
        y2 = y * y
        y3 = y2 * y
        t1 = 1.5 - x + x * y
        t2 = 2.25 - x + x * y2
        t3 = 2.625 - x + x * y3
        gx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
        gy = 2.0 * x * (t1 + 2.0 * t2 * y + 3.0 * t3 * y2)
        return gx, gy

    return TestFunction(
        "beale", "Beale",
        "f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        "Sharp ridges at the edges and a flat region around the minimum at (3, 0.5): "
        "one learning rate is too big on the walls and too small on the plateau.",
        f, g, ((3.0, 0.5),), 0.0, ((-4.5, 4.5), (-4.5, 4.5)), (1.0, 1.5),
        {"sgd": 0.01, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.5,
         "rmsprop": 0.01, "adam": 0.1, "adamw": 0.1},
        log_scale=True,
    )


def _saddle() -> TestFunction:
    def f(x: Array, y: Array) -> Array:
        return x * x - y * y

    def g(x: Array, y: Array) -> tuple[Array, Array]:
        return 2.0 * x, -2.0 * y

    return TestFunction(
        "saddle", "Saddle",
        "f(x, y) = x² − y²",
        "Downhill along x, uphill along y: the origin is a saddle point, not a minimum. "
        "Starting almost on the ridge, methods differ in how fast they slide off it. "
        "There is no minimum: every run eventually leaves the plot.",
        f, g, (), -math.inf, ((-2.0, 2.0), (-2.0, 2.0)), (-1.5, 1e-3),
        {"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.1,
         "rmsprop": 0.01, "adam": 0.02, "adamw": 0.02},
        saddles=((0.0, 0.0),),
    )


#: Himmelblau's four minima, to double precision (Newton's method on ∇f)
_HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.805118086952745, 3.131312518250573),
    (-3.779310253377747, -3.283185991286170),
    (3.584428340330492, -1.848126526964404),
)


def _himmelblau() -> TestFunction:
    def f(x: Array, y: Array) -> Array:
        return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2

    def g(x: Array, y: Array) -> tuple[Array, Array]:
        u = x * x + y - 11.0
        v = x + y * y - 7.0
        return 4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v

    return TestFunction(
        "himmelblau", "Himmelblau",
        "f(x, y) = (x² + y − 11)² + (x + y² − 7)²",
        "Four minima, all with f = 0, around a hill top near (−0.27, −0.92). From the "
        "same start, different optimizers can end in different minima.",
        f, g, _HIMMELBLAU_MINIMA, 0.0, ((-5.0, 5.0), (-5.0, 5.0)), (-0.3, -0.9),
        {"sgd": 0.01, "momentum": 2e-3, "nesterov": 2e-3, "adagrad": 0.5,
         "rmsprop": 0.05, "adam": 0.1, "adamw": 0.1},
        saddles=((0.08667750455539634, 2.884254701174776), (-3.0730257507643897, -0.08135304428796751),
                 (3.385154183607021, 0.07385187983774928), (-0.12796134673068005, -1.9537149802445766)),
        log_scale=True,
    )


def quadratic_bowl(kappa: float = 25.0) -> TestFunction:
    """The ill-conditioned bowl ``f = ½·(x² + κ·y²)``.

    Its Hessian is ``diag(1, κ)``, so gradient descent is stable only for ``η < 2/κ``
    and then shrinks ``x`` by just ``(1 − η)`` per step: the condition number ``κ``
    is the ratio of the fastest to the slowest direction, and the larger it is, the
    more plain descent zig-zags across the narrow direction while crawling along the
    long one.

    Parameters
    ----------
    kappa : float
        Condition number κ ≥ 1.
    """
    if isinstance(kappa, bool) or not isinstance(kappa, (int, float)) or not math.isfinite(kappa) or kappa < 1:
        raise SpecError(f"the condition number κ must be a number ≥ 1, not {kappa!r}")
    k = float(kappa)

    def f(x: Array, y: Array) -> Array:
        return 0.5 * (x * x + k * y * y)

    def g(x: Array, y: Array) -> tuple[Array, Array]:
        return x, k * y

    return TestFunction(
        "bowl", f"Elongated bowl (κ = {k:g})",
        f"f(x, y) = ½·(x² + {k:g}·y²)",
        f"A quadratic bowl {math.sqrt(k):.3g} times narrower across y than along x "
        f"(condition number κ = {k:g}). Gradient descent is stable only for η < 2/κ = "
        f"{2 / k:.3g}, zig-zags across the valley and crawls along it; momentum helps.",
        f, g, ((0.0, 0.0),), 0.0, ((-3.0, 3.0), (-1.5, 1.5)), (-2.5, 1.0),
        # SGD just below 2/κ: visibly zig-zagging yet converging
        {"sgd": 1.8 / k, "momentum": 0.5 / k, "nesterov": 0.5 / k, "adagrad": 0.5,
         "rmsprop": 0.05, "adam": 0.1, "adamw": 0.1},
        curvatures=(1.0, k),
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> TestFunction:
    """Rosenbrock's valley ``f = (a − x)² + b·(y − x²)²``, minimum ``(a, a²)``."""
    for v, name in ((a, "a"), (b, "b")):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise SpecError(f"Rosenbrock's {name} must be a finite number, not {v!r}")
    if b <= 0:
        raise SpecError("Rosenbrock's b must be greater than 0")
    return _rosenbrock(float(a), float(b))


TEST_FUNCTIONS: dict[str, TestFunction] = {
    fn.key: fn for fn in (_rosenbrock(), _beale(), _saddle(), _himmelblau(), quadratic_bowl(25.0))
}


def get_test_function(key: str) -> TestFunction:
    """Look a test function up by key, with a message listing the valid ones."""
    try:
        return TEST_FUNCTIONS[key]
    except KeyError:
        raise SpecError(f"unknown test function '{key}'; choose one of: {', '.join(TEST_FUNCTIONS)}") from None


# --------------------------------------------------------------------------- racing
@dataclass
class RacePath:
    """One optimizer's run in a race.

    Attributes
    ----------
    path : ndarray, shape (steps + 1, 2)
        ``path[0]`` is the start, ``path[t]`` the point after ``t`` steps. After a stop
        the remaining rows repeat the last point, so every path of a race has the same
        length and an animation can index them all by step.
    values : ndarray, shape (steps + 1,)
        ``f`` along ``path``.
    steps_done : int
        Steps actually taken (``steps`` unless stopped).
    stopped : str or None
        Why the run stopped early, written for the learner; None if it ran to the end.
    """

    path: Array
    values: Array
    steps_done: int
    stopped: str | None = None


def race_bound(function: TestFunction, factor: float = 10.0) -> Box:
    """The box a race may roam: the plot domain widened ``factor`` times about its centre."""
    (x0, x1), (y0, y1) = function.domain
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    hx, hy = 0.5 * (x1 - x0) * factor, 0.5 * (y1 - y0) * factor
    return (cx - hx, cx + hx), (cy - hy, cy + hy)


def race(
    function: TestFunction,
    optimizers: Mapping[str, Optimizer],
    start: Array | tuple[float, float] | None = None,
    steps: int = 200,
    bound: Box | None = None,
) -> dict[str, RacePath]:
    """Run each optimizer from the same start on the same function.

    Each optimizer's state is reset first so all start equal; then, ``steps`` times::

        g ← ∇f(p);  optimizer.step(p, g)

    A run stops early, keeping its path, when the point becomes NaN/infinite (the
    last finite point is kept) or leaves ``bound`` (the first point outside is kept,
    so the path shows where it was heading).

    Parameters
    ----------
    function : TestFunction
    optimizers : mapping of label to Optimizer
        E.g. ``{"SGD η=0.001": make_optimizer("sgd", 1e-3), ...}``; see
        :func:`default_racers`.
    start : array_like, shape (2,), optional
        Default ``function.start``.
    steps : int
        Number of updates (0..1,000,000).
    bound : ((xmin, xmax), (ymin, ymax)), optional
        Default :func:`race_bound` of the function (its domain widened 10×).

    Returns
    -------
    dict of label to RacePath
        In the order of ``optimizers``.
    """
    if not isinstance(function, TestFunction):
        raise SpecError("race needs one of the test functions")
    if not optimizers:
        raise SpecError("choose at least one optimizer to race")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= 1_000_000:
        raise SpecError(f"the number of steps must be a whole number from 0 to 1,000,000, not {steps!r}")
    p0 = np.asarray(function.start if start is None else start, dtype=np.float64)
    if p0.shape != (2,) or not np.all(np.isfinite(p0)):
        raise SpecError("the start must be a point (x, y) with finite coordinates")
    try:
        (bx0, bx1), (by0, by1) = race_bound(function) if bound is None else bound
        bx0, bx1, by0, by1 = float(bx0), float(bx1), float(by0), float(by1)
    except (TypeError, ValueError):
        raise SpecError("the bound must be ((xmin, xmax), (ymin, ymax))") from None
    if not (bx0 < bx1 and by0 < by1):
        raise SpecError("the bound must be ((xmin, xmax), (ymin, ymax)) with xmin < xmax and ymin < ymax")
    results: dict[str, RacePath] = {}
    for label, opt in optimizers.items():
        if not isinstance(opt, Optimizer):
            raise SpecError(f"'{label}' is not an optimizer")
        opt.reset()
        path = np.empty((steps + 1, 2))
        path[0] = p0
        p = p0.copy()
        stopped = None
        done = steps
        # past the bound, x³ and friends can overflow before the check sees them; the
        # check then reports it, so the floating-point warnings would only be noise
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for t in range(1, steps + 1):
                opt.step(p, function.grad(p))
                if not np.all(np.isfinite(p)):
                    stopped = (f"stopped after {t - 1} steps: the next step gave an infinite or "
                               f"undefined point (NaN) — the learning rate is too large here")
                    done = t - 1
                    break
                path[t] = p
                if not (bx0 <= p[0] <= bx1 and by0 <= p[1] <= by1):
                    stopped = (f"stopped after {t} steps: the point ({p[0]:.3g}, {p[1]:.3g}) left the "
                               f"region x ∈ [{bx0:g}, {bx1:g}], y ∈ [{by0:g}, {by1:g}]"
                               + (" — it diverged" if function.minima else ""))
                    done = t
                    break
            path[done + 1:] = path[done]
            values = function.f(path[:, 0], path[:, 1])
        results[label] = RacePath(path, values, done, stopped)
    return results


def default_racers(function: TestFunction, keys: tuple[str, ...] | list[str] | None = None) -> dict[str, Optimizer]:
    """Fresh optimizers with the function's recommended learning rates.

    Parameters
    ----------
    keys : sequence of str, optional
        Optimizer keys (default: all the function has a rate for).

    Returns
    -------
    dict of label to Optimizer
        Labels like ``"adam (η = 0.05)"``.
    """
    keys = list(function.learning_rates) if keys is None else list(keys)
    out: dict[str, Optimizer] = {}
    for k in keys:
        lr = function.default_lr(k)
        out[f"{k} (η = {lr:g})"] = make_optimizer(k, lr)
    return out


__all__ = [
    "RacePath",
    "TEST_FUNCTIONS",
    "TestFunction",
    "default_racers",
    "get_test_function",
    "quadratic_bowl",
    "race",
    "race_bound",
    "rosenbrock",
]
