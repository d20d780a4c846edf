"""Momentum's other conventions and its theory on quadratics (Chapter 6).

The book's momentum is :class:`optimlab.optimizers.Momentum` (torch's buffer, eq.
``eq-heavy-ball``) and :class:`optimlab.optimizers.Nesterov` (torch's form, eq. ``eq-nesterov``).
The sources write the same methods in other variables; this module holds those forms, so that
Chapter 6 can run them side by side (eq. ``eq-conventions``):

- :class:`AverageMomentum`: the exponential average ``m = beta m + (1 - beta) g``, ``theta -= lr m``;
- :class:`StepMomentum`: ``psi = gamma psi + eta g``, ``theta -= psi`` (the learning rate inside the buffer);
- :class:`VelocityMomentum`: ``v = beta v - alpha g``, ``theta += v``;
- :class:`NesterovLookAhead` and :func:`lookahead_path`: Nesterov's method with the gradient taken at
  the look-ahead point ``theta + beta v`` (eq. ``eq-nesterov-lookahead``).

To compare the forms under a learning-rate schedule (where some of them stop agreeing), give
:func:`optimlab.train.minimize` a ``schedule``.

The quadratic theory (eqs. ``eq-momentum-matrix`` to ``eq-optimal-momentum``): along an eigenvector
of the Hessian with curvature lambda, heavy ball is a 2 x 2 linear recurrence
(:func:`iteration_matrix`), whose eigenvalues (:func:`eigenvalues`) give its rate
(:func:`rate`, :func:`spectrum_rate`) and its kind of motion (:func:`damping`,
:func:`critical_beta`); :func:`optimal` gives Polyak's best step and momentum. NumPy only.
"""

from __future__ import annotations

import numpy as np

from . import _validate as v
from .optimizers import Optimizer

__all__ = ["AverageMomentum", "StepMomentum", "VelocityMomentum", "NesterovLookAhead", "lookahead_path",
           "iteration_matrix", "eigenvalues", "rate", "spectrum_rate", "damping",
           "critical_beta", "optimal"]


class _WithBeta(Optimizer):
    """An optimizer with a momentum ``beta`` in [0, 1) and no weight decay."""

    shown = ("lr", "beta")

    def __init__(self, lr: float, beta: float = 0.9):
        self.beta = v.unit_interval(beta, "beta (the momentum)", type(self).__name__)
        super().__init__(lr)


class AverageMomentum(_WithBeta):
    """Momentum as an exponential moving average (Chapter 6, eq. ``eq-conventions``, DS 542's form):

        m_t = beta m_{t-1} + (1 - beta) g_t   (m_0 = 0),      theta_t = theta_{t-1} - lr m_t

    ``m_t = (1 - beta) b_t`` for the buffer b of :class:`optimlab.optimizers.Momentum`, so this is
    ``Momentum(lr * (1 - beta), beta)``, step for step, also when the learning rate changes (give
    that class the schedule times ``1 - beta``).
    """

    buffers = ("m",)

    def _update(self, theta, g):
        self.m = self.beta * self.m + (1 - self.beta) * g
        return theta - self.lr * self.m


class StepMomentum(_WithBeta):
    """Momentum with the learning rate inside the buffer (Chapter 6, eq. ``eq-conventions``):

        psi_t = gamma psi_{t-1} + eta g_t   (psi_0 = 0),      theta_t = theta_{t-1} - psi_t

    the form of the gradient-descent course and the MI-SZI talk (which write the buffer ``m`` or
    ``g``; the book calls it ``psi`` because ``m_t`` is the average form's buffer and Adam's first
    moment), with gamma = ``beta`` and eta = ``lr``. With a fixed rate ``psi_t = lr b_t`` and this
    is ``Momentum(lr, beta)``; when the rate changes, ``psi`` still carries the steps taken at the
    old rates, so the two part.
    """

    buffers = ("psi",)

    def _update(self, theta, g):
        self.psi = self.beta * self.psi + self.lr * g
        return theta - self.psi


class VelocityMomentum(_WithBeta):
    """Momentum as a velocity (Chapter 6, eq. ``eq-conventions``; NPFL114 and Goodfellow et al.):

        v_t = beta v_{t-1} - alpha g_t   (v_0 = 0),      theta_t = theta_{t-1} + v_t

    with alpha = ``lr``. ``v_t = -lr b_t`` for a fixed rate, so this is ``Momentum(lr, beta)``;
    like :class:`StepMomentum`, the velocity keeps the old rates when the rate changes.
    """

    buffers = ("v",)

    def _update(self, theta, g):
        self.v = self.beta * self.v - self.lr * g
        return theta + self.v


class NesterovLookAhead(VelocityMomentum):
    """Nesterov's method in the look-ahead form (Chapter 6, eq. ``eq-nesterov-lookahead``):

        v_t = beta v_{t-1} - alpha grad L(theta_{t-1} + beta v_{t-1}),      theta_t = theta_{t-1} + v_t

    The gradient is taken at the look-ahead point ``theta + beta v``, not at theta, so a step needs
    the gradient *function*: call ``point = opt.lookahead(theta)``, evaluate the gradient there, and
    pass it to ``opt.step(theta, grad_at_point)``. :func:`lookahead_path` runs that loop. The
    look-ahead points are the iterates of :class:`optimlab.optimizers.Nesterov` (torch's form).
    """

    def lookahead(self, theta) -> np.ndarray:
        """The point ``theta + beta v`` where the next gradient must be evaluated."""
        theta = v.as_float_array(theta, "theta", "NesterovLookAhead.lookahead")
        return theta if self.v is None else theta + self.beta * self.v


def lookahead_path(problem, theta0, steps: int, lr: float, beta: float = 0.9):
    """Run :class:`NesterovLookAhead` on ``problem`` (with ``grad(theta)``) from ``theta0``.

    Chapter 6, eq. ``eq-nesterov-lookahead``. Returns ``(thetas, points)``: the iterates
    theta_0, ..., theta_steps, shape (steps + 1, d), and the look-ahead points where the ``steps``
    gradients were evaluated, shape (steps, d). The points are the iterates theta_0, ...,
    theta_{steps-1} of :class:`optimlab.optimizers.Nesterov` with the same ``lr`` and ``beta``
    (eq. ``eq-nesterov-change``).
    """
    where = "lookahead_path"
    steps = v.integer(steps, "steps", where, minimum=0)
    theta = v.as_float_array(theta0, "theta0", where, min_ndim=1)
    optimizer = NesterovLookAhead(lr, beta)
    thetas, points = [theta], []
    for _ in range(steps):
        point = optimizer.lookahead(theta)
        theta = optimizer.step(theta, problem.grad(point))
        thetas.append(theta)
        points.append(point)
    return np.array(thetas), np.array(points).reshape(steps, *theta.shape)


# ------------------------------------------------------------------ theory on a quadratic
def _hyperparameters(lr, beta, curvature, where: str):
    """Validated float arrays ``lr >= 0``, ``0 <= beta < 1`` and ``curvature`` (broadcast).

    The curvature may be negative: along a saddle's descending direction the same recurrence
    holds, and its largest eigenvalue is the growth factor per step.
    """
    lr = v.as_float_array(lr, "lr", where)
    beta = v.as_float_array(beta, "beta", where)
    curvature = v.as_float_array(curvature, "curvature", where)
    if np.any(lr < 0):
        raise ValueError(f"{where}: lr must be >= 0, got {lr.min()!r}")
    if np.any((beta < 0) | (beta >= 1)):
        raise ValueError(f"{where}: beta must lie in [0, 1), got {beta[(beta < 0) | (beta >= 1)].flat[0]!r}")
    try:
        return np.broadcast_arrays(lr, beta, curvature)
    except ValueError:
        raise ValueError(f"{where}: lr, beta and curvature have shapes {lr.shape}, {beta.shape} and "
                         f"{curvature.shape}, which do not broadcast together") from None


def _scalars(lr, beta, curvature, where: str) -> tuple[float, float, float]:
    """:func:`_hyperparameters` for functions that take single numbers, not grids."""
    arrays = _hyperparameters(lr, beta, curvature, where)
    if arrays[0].ndim:
        raise ValueError(f"{where}: lr, beta and curvature must be single numbers, got shape {arrays[0].shape}; "
                         "use rate() or eigenvalues() for grids")
    return tuple(float(a) for a in arrays)


def iteration_matrix(lr: float, beta: float, curvature: float, nesterov: bool = False) -> np.ndarray:
    """The 2 x 2 matrix R of heavy ball along one eigenvector (Chapter 6, eq. ``eq-momentum-matrix``).

    On ``L = lambda x^2 / 2`` (x the coordinate along the eigenvector, measured from the
    minimum), :class:`optimlab.optimizers.Momentum` maps ``(b_{t-1}, x_{t-1})`` to
    ``(b_t, x_t) = R (b_{t-1}, x_{t-1})`` with ``R = [[beta, lambda], [-lr beta, 1 - lr lambda]]``.
    With ``nesterov=True``, the matrix of :class:`optimlab.optimizers.Nesterov`,
    ``[[beta, lambda], [-lr beta^2, 1 - lr lambda (1 + beta)]]``.
    """
    lr, beta, lam = _scalars(lr, beta, curvature, "iteration_matrix")
    if nesterov:
        return np.array([[beta, lam], [-lr * beta**2, 1 - lr * lam * (1 + beta)]])
    return np.array([[beta, lam], [-lr * beta, 1 - lr * lam]])


def eigenvalues(lr, beta, curvature, nesterov: bool = False) -> np.ndarray:
    """The two eigenvalues of :func:`iteration_matrix`, shape (2, ...) complex (eq. ``eq-momentum-roots``).

    For heavy ball they solve ``z^2 - (1 + beta - lr lambda) z + beta = 0`` (their product is
    beta); for Nesterov (``nesterov=True``) ``z^2 - (1 + beta)(1 - lr lambda) z + beta (1 - lr lambda) = 0``.
    The arguments broadcast, so a grid of (lr, beta) gives a grid of eigenvalue pairs.
    """
    lr, beta, lam = _hyperparameters(lr, beta, curvature, "eigenvalues")
    if nesterov:
        trace, det = (1 + beta) * (1 - lr * lam), beta * (1 - lr * lam)
    else:
        trace, det = 1 + beta - lr * lam, beta
    root = np.sqrt((trace**2 - 4 * det).astype(complex))
    return np.stack([(trace + root) / 2, (trace - root) / 2])


def rate(lr, beta, curvature, nesterov: bool = False) -> np.ndarray:
    """The spectral radius of :func:`iteration_matrix`: the rate along one eigenvector.

    Chapter 6, eq. ``eq-momentum-rate``: ``max |z|`` over the two eigenvalues; the error shrinks
    like ``rate^t`` (times a polynomial in t where the eigenvalues coincide). For heavy ball it is
    below 1 exactly when ``0 < lr lambda < 2 (1 + beta)``. Broadcasts over its arguments.
    """
    return np.abs(eigenvalues(lr, beta, curvature, nesterov)).max(axis=0)


def spectrum_rate(lr, beta, mu: float, L: float) -> np.ndarray:
    """Heavy ball's rate on a quadratic whose Hessian eigenvalues lie in [mu, L] (eq. ``eq-momentum-rate``).

    As a function of lambda > 0 the rate falls, stays at sqrt(beta) and rises again (it is largest
    at an end of any interval), so the rate over the whole spectrum is ``max(rate(mu), rate(L))``.
    """
    mu = v.positive_number(mu, "mu", "spectrum_rate")
    L = v.positive_number(L, "L", "spectrum_rate")
    if mu > L:
        raise ValueError(f"spectrum_rate: need mu <= L, got mu = {mu!r} > L = {L!r}")
    return np.maximum(rate(lr, beta, mu), rate(lr, beta, L))


def critical_beta(lr, curvature) -> np.ndarray:
    """The momentum at which one direction is critically damped (Chapter 6, eq. ``eq-critical``).

    ``beta_c = (1 - sqrt(lr lambda))^2``, where the two eigenvalues coincide; needs
    ``0 < lr lambda < 4`` (so that beta_c < 1). Above beta_c the direction is underdamped; below,
    overdamped if ``lr lambda < 1`` and alternating in sign if ``lr lambda > 1``.
    """
    lr, _, lam = _hyperparameters(lr, 0.0, curvature, "critical_beta")
    step = lr * lam
    outside = (step <= 0) | (step >= 4)
    if np.any(outside):
        raise ValueError(f"critical_beta: needs 0 < lr * curvature < 4, got {step[outside].flat[0]!r}")
    return (1 - np.sqrt(step)) ** 2


def damping(lr: float, beta: float, curvature: float, tol: float = 1e-12) -> str:
    """The kind of motion of heavy ball along one eigenvector (Chapter 6, eq. ``eq-critical``).

    ``"divergent"`` if the rate is at least 1; otherwise, from the discriminant
    ``(1 + beta - lr lambda)^2 - 4 beta`` of the eigenvalues: ``"underdamped"`` (negative: complex
    eigenvalues, the coordinate oscillates around 0 with shrinking amplitude), ``"critically
    damped"`` (zero, within ``tol``, with a positive double eigenvalue), ``"overdamped"`` (positive,
    both eigenvalues positive: no overshoot after the first turn) or ``"alternating"`` (both
    eigenvalues negative, or a negative double one: the sign flips at every step).
    """
    lr, beta, lam = _scalars(lr, beta, curvature, "damping")
    tol = v.positive_number(tol, "tol", "damping", allow_zero=True)
    if rate(lr, beta, lam) >= 1:
        return "divergent"
    trace = 1 + beta - lr * lam
    discriminant = trace**2 - 4 * beta
    if abs(discriminant) <= tol * max(1.0, trace**2):
        return "critically damped" if trace > 0 else "alternating"
    if discriminant < 0:
        return "underdamped"
    return "overdamped" if trace > 0 else "alternating"


def optimal(mu: float, L: float) -> tuple[float, float, float]:
    """Polyak's best heavy-ball step and momentum for eigenvalues in [mu, L] (eq. ``eq-optimal-momentum``).

    Returns ``(lr, beta, rate)`` with ``lr = (2 / (sqrt(L) + sqrt(mu)))^2``,
    ``beta = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2`` and
    ``rate = sqrt(beta) = (sqrt(kappa) - 1) / (sqrt(kappa) + 1)``, where kappa = L / mu (Polyak
    1964; Goh 2017). Both ends of the spectrum then have a double eigenvalue of modulus
    sqrt(beta): +sqrt(beta) along mu (critical damping) and -sqrt(beta) along L (the edge of the
    alternating regime).
    """
    mu = v.positive_number(mu, "mu", "optimal")
    L = v.positive_number(L, "L", "optimal")
    if mu > L:
        raise ValueError(f"optimal: need mu <= L, got mu = {mu!r} > L = {L!r}")
    root = np.sqrt(L / mu)
    best_rate = (root - 1) / (root + 1)
    return float((2 / (np.sqrt(L) + np.sqrt(mu))) ** 2), float(best_rate**2), float(best_rate)
