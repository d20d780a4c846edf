"""Line searches: choose the step size along a descent direction (Chapter 4).

Every search works on a function of one variable, ``phi(s)``, the loss at the step size ``s``
along a direction; :func:`along` builds it from a landscape, a point and a direction. Each search
returns a :class:`SearchResult` that reports the step it chose and how many times it evaluated
``phi`` (each evaluation is one pass over the data set when ``phi`` is a training loss), and
records what it did, so that a chapter can draw the search iteration by iteration.

The module takes one search at a time and knows nothing of training loops; the loop
"gradient descent with a line search at every step" is :func:`optimlab.train.minimize_with_line_search`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import _validate as v

__all__ = ["SearchResult", "LineFunction", "NonFiniteLoss", "along", "shrink_bracket", "bracketing",
           "golden_section", "backtracking", "armijo_holds", "GOLDEN_RATIO"]

GOLDEN_RATIO = (1 + math.sqrt(5)) / 2


@dataclass
class SearchResult:
    """What a line search did.

    ``step`` is the chosen step size s and ``evaluations`` the number of evaluations of ``phi``
    the search made. ``value`` is ``phi(step)`` when the search evaluated it (backtracking), else
    None. ``brackets`` holds the search interval before each iteration, and after the last one,
    as tuples of points (bracketing: ``(a, b, c, d)``; golden section: ``(a, x1, x2, b)``);
    ``trials`` every ``(s, phi(s))`` pair evaluated, in order. ``converged`` is False when the
    search stopped at its iteration cap instead of its tolerance or condition.
    """

    step: float
    evaluations: int
    value: float | None = None
    brackets: list = field(default_factory=list)
    trials: list = field(default_factory=list)
    converged: bool = True

    @property
    def iterations(self) -> int:
        """Number of iterations (bracket shrinks, or backtracking trials)."""
        return max(len(self.brackets) - 1, 0) if self.brackets else len(self.trials)


class LineFunction:
    """The loss along a line, ``phi(s) = L(theta + s p)`` (Chapter 4, eq. ``eq-phi``).

    Built by :func:`along`. ``value0 = phi(0) = L(theta)`` and ``slope = phi'(0) = grad . p``
    (negative: ``p`` is a descent direction).
    """

    def __init__(self, f: Callable, theta: np.ndarray, direction: np.ndarray, value0: float, slope: float):
        self._f = f
        self.theta, self.direction = theta, direction
        self.value0, self.slope = value0, slope

    def point(self, s: float) -> np.ndarray:
        """The parameters ``theta + s p`` at step size ``s``."""
        return self.theta + s * self.direction

    def __call__(self, s: float) -> float:
        return float(self._f(self.point(s)))


def along(problem, theta, direction=None, grad=None) -> LineFunction:
    """The loss along a direction from ``theta``, as a function of the step size (Chapter 4, eq. ``eq-phi``).

    ``problem`` needs ``f(theta)`` and ``grad(theta)`` (any :mod:`optimlab.landscapes`
    landscape). ``direction`` defaults to the negative gradient, so that
    ``phi(s) = L(theta - s g)``. ``grad`` is the gradient at ``theta`` if the caller has it
    already (a training loop does); otherwise it is computed here. Raises ``ValueError`` unless
    the direction is a descent direction, ``grad . p < 0``: along any other direction the loss
    need not decrease for small steps and a line search has nothing to find.

    Building ``phi`` evaluates the loss once, ``value0 = phi(0) = L(theta)``. The searches do not
    count that evaluation: inside gradient descent it is the loss at the current point, known from
    the previous step. Only calls ``phi(s)`` made by a search count as its evaluations.
    """
    theta = v.as_float_array(theta, "theta", "along", min_ndim=1)
    grad = v.as_float_array(problem.grad(theta) if grad is None else grad, "the gradient at theta", "along")
    direction = -grad if direction is None else v.as_float_array(direction, "direction", "along", min_ndim=1)
    v.same_shape(theta, direction, "theta", "direction", "along")
    slope = float(grad @ direction)
    if not slope < 0:
        raise ValueError(f"along: the direction is not a descent direction: grad . p = {slope:.4g} >= 0, so the "
                         "loss need not decrease for small steps (at a stationary point the gradient is zero; "
                         "otherwise use p = -grad)")
    value0 = float(problem.f(theta))
    if not np.isfinite(value0):
        raise ValueError(f"along: the loss at theta is {value0}; start somewhere finite")
    return LineFunction(problem.f, theta, direction, value0, slope)


# --------------------------------------------------------------------------------- validation
def _interval(bracket, where: str) -> tuple[float, float]:
    try:
        low, high = (float(b) for b in bracket)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: bracket must be a pair (low, high) of numbers, got {bracket!r}") from None
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{where}: bracket must be finite, got {bracket!r}")
    if not low < high:
        raise ValueError(f"{where}: bracket (low, high) must have low < high (a non-empty interval in order), "
                         f"got {bracket!r}")
    return low, high


class NonFiniteLoss(ValueError):
    """An interval search met a loss that is infinite or NaN inside its bracket."""


def _evaluate(phi: Callable, s: float, trials: list, where: str) -> float:
    value = float(phi(s))
    if not np.isfinite(value):
        raise NonFiniteLoss(f"{where}: the loss at step size {s:.6g} is {value}; the bracket reaches too far "
                            "(the loss is not finite there): choose a smaller upper end")
    trials.append((s, value))
    return value


# ------------------------------------------------------------------------------- bracketing
def _thirds(a: float, d: float) -> tuple[float, float, float, float]:
    return a, a + (d - a) / 3, a + 2 * (d - a) / 3, d


def shrink_bracket(points, values) -> tuple[float, float]:
    """One shrink of the four-point bracketing search.

    Chapter 4, eq. ``eq-bracket-rules``. ``points = (a, b, c, d)``
    with ``a < b < c < d``, ``values`` the losses there. Returns the
    new outer bracket ``(a, d)``:

    1. if the loss at ``a`` is at most each of the other three, the
       minimum lies near ``a``: keep the half ``[a, (a + d) / 2]``;
    2. otherwise, if ``L(b) < L(c)``, drop ``(c, d]``: keep ``[a, c]``;
    3. otherwise (``L(c) <= L(b)``), drop ``[a, b)``: keep ``[b, d]``.

    For a unimodal ``phi`` each rule keeps the minimizer inside. Raises ``ValueError`` for
    points out of order or losses that are not finite.
    """
    a, b, c, d = (float(p) for p in points)
    loss_a, loss_b, loss_c, loss_d = (float(x) for x in values)
    if not np.all(np.isfinite([loss_a, loss_b, loss_c, loss_d])):
        raise ValueError(f"shrink_bracket: the losses must be finite numbers, got {tuple(values)!r}; a loss "
                         "that overflows means the bracket reaches too far")
    if not a < b < c < d:
        raise ValueError("shrink_bracket: the points must satisfy "
                         f"a < b < c < d, got {(a, b, c, d)}")
    if loss_a <= min(loss_b, loss_c, loss_d):
        return a, a + (d - a) / 2
    if loss_b < loss_c:
        return a, c
    return b, d


def bracketing(phi: Callable, bracket=(0.0, 1.0), tol: float = 1e-3,
               max_iterations: int = 100) -> SearchResult:
    """Line search by bracketing with four points (Chapter 4, eqs.
    ``eq-bracket-rules``).

    Places ``b`` and ``c`` at the thirds of the bracket ``[a, d]``,
    evaluates ``phi`` at all four points and shrinks the bracket by
    :func:`shrink_bracket`; repeats until the bracket is no longer than
    ``tol`` or after ``max_iterations`` iterations, and returns its
    midpoint. As the DS 542 lecture counts it, every iteration costs four
    evaluations of the loss (the search reuses none of them), so
    ``evaluations = 4 * iterations``.
    """
    where = "bracketing"
    a, d = _interval(bracket, where)
    tol = v.positive_number(tol, "tol", where)
    max_iterations = v.integer(max_iterations, "max_iterations", where)
    brackets, trials = [_thirds(a, d)], []
    converged = d - a <= tol
    while not converged and len(brackets) <= max_iterations:
        points = brackets[-1]
        values = [_evaluate(phi, p, trials, where) for p in points]
        a, d = shrink_bracket(points, values)
        brackets.append(_thirds(a, d))
        converged = d - a <= tol
    return SearchResult(step=(a + d) / 2, evaluations=len(trials),
                        brackets=brackets, trials=trials,
                        converged=converged)


def golden_section(phi: Callable, bracket=(0.0, 1.0), tol: float = 1e-3, max_iterations: int = 100) -> SearchResult:
    """Golden-section search (Chapter 4, eq. ``eq-golden``).

    Keeps two interior points ``x1 < x2`` of the bracket ``[a, b]`` at the fractions ``1 - r`` and ``r`` of its
    length, ``r = 1 / GOLDEN_RATIO``, with ``GOLDEN_RATIO = (1 + sqrt 5) / 2``. If ``phi(x1) < phi(x2)`` the bracket
    becomes ``[a, x2]``, else ``[x1, b]``; either way the surviving interior point sits at the right fraction of the
    new bracket, so each iteration evaluates exactly one new point (two at the start). Stops when the bracket is no
    longer than ``tol`` or after ``max_iterations`` iterations and returns its midpoint. Endpoints are never
    evaluated: if the minimum is at an end, the bracket shrinks towards it.
    """
    where = "golden_section"
    a, b = _interval(bracket, where)
    tol = v.positive_number(tol, "tol", where)
    max_iterations = v.integer(max_iterations, "max_iterations", where)
    trials: list = []
    shrink = 1 / GOLDEN_RATIO
    x1, x2 = b - shrink * (b - a), a + shrink * (b - a)
    brackets = [(a, x1, x2, b)]
    converged = b - a <= tol
    if not converged:
        f1, f2 = _evaluate(phi, x1, trials, where), _evaluate(phi, x2, trials, where)
    while not converged and len(brackets) <= max_iterations:
        if f1 < f2:
            b, x2, f2 = x2, x1, f1
            x1 = b - shrink * (b - a)
            f1 = _evaluate(phi, x1, trials, where)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + shrink * (b - a)
            f2 = _evaluate(phi, x2, trials, where)
        brackets.append((a, x1, x2, b))
        converged = b - a <= tol
    return SearchResult(step=(a + b) / 2, evaluations=len(trials), brackets=brackets, trials=trials,
                        converged=converged)


# ------------------------------------------------------------------------------ backtracking
def armijo_holds(value: float, value0: float, step: float, slope: float, c: float) -> bool:
    """The Armijo (sufficient decrease) condition ``phi(s) <= phi(0) + c s phi'(0)`` (Chapter 4, eq. ``eq-armijo``).

    ``c`` is the constant the chapter writes c_1.
    """
    return bool(value <= value0 + c * step * slope)


def backtracking(phi: Callable, slope: float, value0: float | None = None, step0: float = 1.0, rho: float = 0.5,
                 c: float = 1e-4, max_iterations: int = 60) -> SearchResult:
    """Backtracking line search with the Armijo condition (Chapter 4, eq. ``eq-armijo``).

    Tries ``s = step0, rho step0, rho^2 step0, ...`` and returns the first step with
    ``phi(s) <= phi(0) + c s phi'(0)``, where ``slope = phi'(0) = grad . p < 0`` and
    ``0 < c < 1``, ``0 < rho < 1``. ``value0 = phi(0)`` is usually known already (the loss at the
    current point); if it is None it is evaluated and counted. A trial whose loss is not finite
    (a step so long that the loss overflows) fails the condition like any other. Each trial is
    one evaluation; ``value`` is ``phi(step)``. If no trial passes within ``max_iterations``
    trials, the result has ``converged=False`` and step 0.
    """
    where = "backtracking"
    slope = float(slope)
    if not np.isfinite(slope) or slope >= 0:
        raise ValueError(f"{where}: slope = phi'(0) = grad . p must be negative (a descent direction), got {slope!r}")
    step = v.positive_number(step0, "step0", where)
    rho = v.open_fraction(rho, "rho", where)
    c = v.open_fraction(c, "c", where)
    max_iterations = v.integer(max_iterations, "max_iterations", where)
    evaluations = 0
    if value0 is None:
        value0 = float(phi(0.0))
        evaluations = 1
    value0 = float(value0)
    if not np.isfinite(value0):
        raise ValueError(f"{where}: phi(0) = {value0}; the loss at the current point must be finite")
    trials = []
    for _ in range(max_iterations):
        with np.errstate(over="ignore", invalid="ignore"):
            value = float(phi(step))
        trials.append((step, value))
        if np.isfinite(value) and armijo_holds(value, value0, step, slope, c):
            return SearchResult(step=step, evaluations=evaluations + len(trials), value=value, trials=trials)
        step *= rho
    return SearchResult(step=0.0, evaluations=evaluations + len(trials), value=value0, trials=trials,
                        converged=False)
