"""Two-dimensional test functions ("landscapes") for watching optimizers move (Chapters 2-8).

Every landscape ``ls`` has ``ls.f(theta)``, ``ls.grad(theta)``, ``ls.hessian(theta)``, its
``ls.minima`` (a list of arrays), a usual starting point ``ls.start`` and plotting ``ls.bounds``
``((x_min, x_max), (y_min, y_max))``. ``f`` and ``grad`` also accept a stack of points of shape
(2, ...), the first axis holding the two coordinates, so that a whole plotting grid is
evaluated at once: ``ls.f(np.stack([X, Y]))``.

:func:`from_model` turns a model and a data set into a landscape over the model's parameters.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _validate as v
from .losses import sigmoid, softplus

__all__ = [
    "Landscape",
    "quadratic",
    "rosenbrock",
    "beale",
    "saddle",
    "himmelblau",
    "booth",
    "logistic_regression",
    "from_model",
    "scaled",
]


class Landscape:
    """A differentiable function of a parameter vector, with known minima and a usual start.

    Subclasses (or the factory functions below) supply ``_f``, ``_grad`` and optionally
    ``_hessian`` taking the coordinates as separate arrays; this class validates the input.

    Where they are known, ``smoothness`` is a constant L with ``||grad f(a) - grad f(b)|| <= L ||a - b||``
    everywhere (an upper bound on the Hessian's eigenvalues) and ``strong_convexity`` a constant
    mu >= 0 below them (Chapter 2, eqs. ``eq-descent-lemma`` to ``eq-linear-rate``); both are
    None otherwise.
    """

    dim = 2

    def __init__(self, name: str, f: Callable, grad: Callable, hessian: Callable | None,
                 minima, start, bounds, saddles=(), smoothness: float | None = None,
                 strong_convexity: float | None = None):
        self.name = name
        self.smoothness = smoothness
        self.strong_convexity = strong_convexity
        self._f, self._grad, self._hessian = f, grad, hessian
        self.minima = [np.asarray(m, dtype=np.float64) for m in minima]
        self.saddles = [np.asarray(s, dtype=np.float64) for s in saddles]
        self.start = np.asarray(start, dtype=np.float64)
        self.bounds = tuple(tuple(float(b) for b in pair) for pair in bounds)
        self._grids: dict[int, tuple] = {}

    def __repr__(self) -> str:
        return f"<landscape {self.name}>"

    def _point(self, theta, where: str) -> np.ndarray:
        theta = v.as_float_array(theta, "theta", f"{self.name}.{where}", min_ndim=1)
        if theta.shape[0] != self.dim:
            raise ValueError(
                f"{self.name}.{where}: theta must have {self.dim} coordinates along its first axis, "
                f"got shape {theta.shape}"
            )
        return theta

    def f(self, theta):
        """The loss at ``theta`` (a float for one point, an array for a stack of points)."""
        theta = self._point(theta, "f")
        value = self._f(*theta)
        return float(value) if theta.ndim == 1 else value

    def grad(self, theta) -> np.ndarray:
        """The gradient at ``theta``, of the same shape as ``theta``."""
        theta = self._point(theta, "grad")
        return np.stack(np.broadcast_arrays(*self._grad(*theta)))

    def hessian(self, theta) -> np.ndarray:
        """The 2 x 2 Hessian matrix at one point ``theta``."""
        if self._hessian is None:
            raise ValueError(f"{self.name}.hessian: this landscape has no Hessian")
        theta = self._point(theta, "hessian")
        if theta.ndim != 1:
            raise ValueError(f"{self.name}.hessian: takes one point of shape (2,), got {theta.shape}")
        return np.asarray(self._hessian(*theta), dtype=np.float64)

    def grid(self, resolution: int = 200):
        """Coordinates ``X, Y`` of a ``resolution x resolution`` grid over ``bounds`` and ``f`` on it.

        A landscape never changes, so each grid is computed once and returned read-only: every
        later contour plot, animation frame or explorer redraw of it is free.
        """
        if resolution not in self._grids:
            (x0, x1), (y0, y1) = self.bounds
            X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
            arrays = (X, Y, np.asarray(self.f(np.stack([X, Y]))))
            for array in arrays:
                array.setflags(write=False)
            self._grids[resolution] = arrays
        return self._grids[resolution]


def quadratic(kappa: float = 10.0, angle: float = 0.0) -> Landscape:
    """The long valley ``f = (u^2 + kappa w^2) / 2`` (Chapter 2, eq. ``eq-quadratic``).

    ``(u, w)`` are the coordinates rotated by ``angle`` radians, so the Hessian has eigenvalues
    1 and ``kappa`` for any angle: the smoothness constant is L = kappa, the strong convexity
    constant mu = 1 and the condition number kappa. With ``angle=0`` the valley lies along the
    x axis.
    """
    kappa = v.positive_number(kappa, "kappa", "quadratic")
    angle = float(angle)
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, s], [-s, c]])  # rows: directions of u and w
    H = R.T @ np.diag([1.0, kappa]) @ R

    def f(x, y):
        return 0.5 * (H[0, 0] * x * x + 2 * H[0, 1] * x * y + H[1, 1] * y * y)

    def grad(x, y):
        return H[0, 0] * x + H[0, 1] * y, H[1, 0] * x + H[1, 1] * y

    return Landscape(f"quadratic(kappa={kappa:g})", f, grad, lambda x, y: H.copy(),
                     minima=[[0.0, 0.0]], start=R.T @ np.array([-4.5, 1.5]),
                     bounds=((-5, 5), (-2.5, 2.5)), smoothness=kappa, strong_convexity=1.0)


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Landscape:
    """Rosenbrock's banana ``(a - x)^2 + b (y - x^2)^2``: a long, curved, flat-bottomed valley."""

    def f(x, y):
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(x, y):
        return -2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)

    def hessian(x, y):
        return [[2 - 4 * b * (y - 3 * x * x), -4 * b * x], [-4 * b * x, 2 * b]]

    return Landscape(f"rosenbrock(a={a:g}, b={b:g})", f, grad, hessian, minima=[[a, a * a]],
                     start=[-1.5, 2.0], bounds=((-2, 2), (-1, 3)))


def beale() -> Landscape:
    """Beale's function: flat plateaus and a narrow curved valley towards the minimum (3, 0.5)."""
    coefficients = (1.5, 2.25, 2.625)

    def terms(x, y):
        return [(c - x + x * y ** (k + 1), k + 1) for k, c in enumerate(coefficients)]

    def f(x, y):
        return sum(r * r for r, _ in terms(x, y))

    def grad(x, y):
        gx = sum(2 * r * (y**p - 1) for r, p in terms(x, y))
        gy = sum(2 * r * p * x * y ** (p - 1) for r, p in terms(x, y))
        return gx, gy

    def hessian(x, y):
        hxx = hxy = hyy = 0.0
        for r, p in terms(x, y):
            rx, ry = y**p - 1, p * x * y ** (p - 1)
            ryy = p * (p - 1) * x * y ** (p - 2) if p > 1 else 0.0
            hxx += 2 * rx * rx
            hxy += 2 * (rx * ry + r * p * y ** (p - 1))
            hyy += 2 * (ry * ry + r * ryy)
        return [[hxx, hxy], [hxy, hyy]]

    return Landscape("beale", f, grad, hessian, minima=[[3.0, 0.5]], start=[1.0, 1.5],
                     bounds=((-4.5, 4.5), (-4.5, 4.5)))


def saddle() -> Landscape:
    """``x^2 + y^4/4 - y^2/2``: a saddle point at the origin between two minima (0, +-1).

    Along x the origin is a minimum, along y a maximum (Hessian eigenvalues 2 and -1). Started
    on the x axis, gradient descent walks into the saddle and stays; started a hair off it, it
    lingers near the saddle before it escapes to a minimum.
    """

    def f(x, y):
        return x * x + y**4 / 4 - y * y / 2

    def grad(x, y):
        return 2 * x, y**3 - y

    def hessian(x, y):
        return [[2.0, 0.0], [0.0, 3 * y * y - 1]]

    return Landscape("saddle", f, grad, hessian, minima=[[0.0, 1.0], [0.0, -1.0]],
                     start=[-1.5, 1e-3], bounds=((-2, 2), (-1.6, 1.6)), saddles=[[0.0, 0.0]])


def _newton_polish(grad, hessian, point, iterations: int = 30) -> np.ndarray:
    """A stationary point near ``point``, found by Newton's method (Chapter 2, eq. ``eq-newton``).

    Used to locate the minima of landscapes that have no closed form; raises ``ValueError`` if the
    gradient is not (numerically) zero at the end, so a landscape never reports a wrong minimum.
    """
    p = np.array(point, dtype=np.float64)
    for _ in range(iterations):
        p = p - np.linalg.solve(np.asarray(hessian(*p), dtype=np.float64), np.asarray(grad(*p)))
    if not np.all(np.isfinite(p)) or np.linalg.norm(grad(*p)) > 1e-9 * max(1.0, np.linalg.norm(p)):
        raise ValueError(f"Newton's method found no stationary point near {np.asarray(point).tolist()}")
    return p


def _himmelblau_minima(grad, hessian) -> list[np.ndarray]:
    """The four minima of Himmelblau's function, polished by Newton's method from rough values."""
    rough = [(3.0, 2.0), (-2.805, 3.131), (-3.779, -3.283), (3.584, -1.848)]
    return [_newton_polish(grad, hessian, point, iterations=20) for point in rough]


def himmelblau() -> Landscape:
    """Himmelblau's function ``(x^2 + y - 11)^2 + (x + y^2 - 7)^2``: four minima, all with f = 0."""

    def f(x, y):
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    def grad(x, y):
        a, b = x * x + y - 11, x + y * y - 7
        return 4 * x * a + 2 * b, 2 * a + 4 * y * b

    def hessian(x, y):
        a, b = x * x + y - 11, x + y * y - 7
        return [[4 * a + 8 * x * x + 2, 4 * x + 4 * y], [4 * x + 4 * y, 2 + 4 * b + 8 * y * y]]

    return Landscape("himmelblau", f, grad, hessian, minima=_himmelblau_minima(grad, hessian),
                     start=[0.0, 0.0], bounds=((-5, 5), (-5, 5)))


def booth() -> Landscape:
    """Booth's function ``(x + 2y - 7)^2 + (2x + y - 5)^2``: a tilted quadratic bowl, minimum (1, 3)."""

    def f(x, y):
        return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2

    def grad(x, y):
        a, b = x + 2 * y - 7, 2 * x + y - 5
        return 2 * a + 4 * b, 4 * a + 2 * b

    return Landscape("booth", f, grad, lambda x, y: [[10.0, 8.0], [8.0, 10.0]], minima=[[1.0, 3.0]],
                     start=[-8.0, 8.0], bounds=((-10, 10), (-10, 10)))


def logistic_regression(x, y, l2: float = 0.0, *, start=(0.0, 0.0),
                        bounds=((-4.0, 4.0), (-4.0, 4.0))) -> Landscape:
    """The mean binary cross-entropy of ``sig(theta_0 + theta_1 x)`` on labels ``y`` in {0, 1}.

    Logistic regression with one input and Chapter 1's binary cross-entropy (eq. ``eq-bce``),
    plus ``l2 / 2 ||theta||^2``; Chapter 2 uses it as a smooth convex loss that is not a quadratic.
    With ``X`` the n x 2 matrix of rows ``(1, x_i)``, the Hessian is
    ``X^T diag(s_i (1 - s_i)) X / n + l2 I`` with ``s_i = sig(theta_0 + theta_1 x_i)``, and since
    ``s (1 - s) <= 1/4`` the loss is L-smooth with ``smoothness = lambda_max(X^T X) / (4 n) + l2``,
    the Hessian's largest eigenvalue at theta = 0 (where every s_i = 1/2), so no smaller constant
    holds everywhere; its ``strong_convexity`` is ``l2``.

    ``minima`` holds the minimizer, found by Newton's method, when one exists: when ``l2 > 0``
    or the two classes overlap. When a threshold on x separates the classes and ``l2 = 0``, the
    loss has no minimizer at all (its infimum 0 is approached as ``||theta|| -> infinity``) and
    ``minima`` is empty; ``separable`` says which case holds.
    """
    where = "logistic_regression"
    x = v.as_float_array(x, "x", where, min_ndim=1)
    y = v.as_float_array(y, "y", where, min_ndim=1)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"{where}: x and y must be 1-D arrays of the same length (one input and one "
                         f"label per example), got shapes {x.shape} and {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{where}: y must hold class labels 0 or 1, got {sorted(set(y.tolist()))[:5]}")
    l2 = v.positive_number(l2, "l2", where, allow_zero=True)
    n = len(x)
    design = np.column_stack([np.ones(n), x])
    ones, zeros = x[y == 1], x[y == 0]
    separable = (len(ones) == 0 or len(zeros) == 0 or ones.min() > zeros.max()
                 or zeros.min() > ones.max())

    def logits(p0, p1):
        return np.asarray(p0)[..., None] + np.asarray(p1)[..., None] * x

    def f(p0, p1):
        z = logits(p0, p1)
        return np.mean(softplus(z) - y * z, axis=-1) + 0.5 * l2 * (np.square(p0) + np.square(p1))

    def grad(p0, p1):
        residual = sigmoid(logits(p0, p1)) - y
        return np.mean(residual, axis=-1) + l2 * p0, np.mean(residual * x, axis=-1) + l2 * p1

    def hessian(p0, p1):
        s = sigmoid(logits(p0, p1))
        weights = s * (1 - s)
        return design.T @ (weights[:, None] * design) / n + l2 * np.eye(2)

    smoothness = float(np.linalg.eigvalsh(design.T @ design)[-1]) / (4 * n) + l2
    minima = [] if separable and l2 == 0 else [_newton_polish(grad, hessian, [0.0, 0.0])]
    landscape = Landscape(f"logistic regression (n={n}, l2={l2:g})", f, grad, hessian, minima=minima,
                          start=start, bounds=bounds, smoothness=smoothness, strong_convexity=l2)
    landscape.separable = bool(separable)
    return landscape


def from_model(model, loss: str, data, *, minima=(), start=None, bounds=((-1, 1), (-1, 1)),
               name: str | None = None) -> Landscape:
    """The loss of a two-parameter ``model`` on ``data`` as a landscape over its parameters.

    ``loss`` names a loss of :mod:`optimlab.losses` (``"mse"``, ``"bce_with_logits"``,
    ``"cross_entropy"``, ...). Gradients come from the model's backward pass (Chapter 3).
    """
    if model.n_params != 2:
        raise ValueError(f"from_model: a landscape needs a model with 2 parameters, "
                         f"{type(model).__name__} has {model.n_params}")
    x, y = data

    def f(p0, p1):
        points = np.stack(np.broadcast_arrays(p0, p1), axis=-1)
        flat = points.reshape(-1, 2)
        values = np.array([model.loss(loss, x, y, theta) for theta in flat])
        return values.reshape(points.shape[:-1])

    def grad(p0, p1):
        points = np.stack(np.broadcast_arrays(p0, p1), axis=-1)
        flat = points.reshape(-1, 2)
        grads = np.array([model.loss_and_grad(loss, x, y, theta)[1] for theta in flat])
        grads = grads.reshape(points.shape)
        return grads[..., 0], grads[..., 1]

    start = model.params if start is None else start
    return Landscape(name or f"{loss} of {type(model).__name__}", f, grad, None, minima=minima,
                     start=start, bounds=bounds)


def scaled(landscape: Landscape, c: float) -> Landscape:
    """``landscape`` with its loss, and so its gradients and Hessian, multiplied by ``c > 0`` (Chapters 7, 8).

    The minima, saddles, start and bounds stay where they are, and so do the iterates of any
    method that is invariant to the loss's scale; gradient descent's are not (its steps scale
    with c), and neither are Adam's once the gradients approach eps, which is what Chapters 7
    and 8 use it to show.
    """
    if not isinstance(landscape, Landscape):
        raise ValueError(f"scaled: needs a Landscape, got {type(landscape).__name__}")
    c = v.positive_number(c, "c (the scale)", "scaled")
    hessian = None if landscape._hessian is None else (lambda *xy: c * np.asarray(landscape._hessian(*xy)))

    def grad(*xy):
        return tuple(c * np.asarray(part) for part in landscape._grad(*xy))

    def scale(value):
        return None if value is None else c * value

    return Landscape(f"{c:g} x {landscape.name}", lambda *xy: c * landscape._f(*xy), grad, hessian,
                     minima=landscape.minima, start=landscape.start, bounds=landscape.bounds,
                     saddles=landscape.saddles, smoothness=scale(landscape.smoothness),
                     strong_convexity=scale(landscape.strong_convexity))
