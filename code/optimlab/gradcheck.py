"""Finite-difference derivatives and gradient checking (Chapters 1-3).

The central difference ``(f(x + h e_i) - f(x - h e_i)) / 2h`` approximates the i-th partial
derivative with an error of order h^2 (Chapter 2, eq. ``eq-central-difference``). ``check_grad``
compares an analytic gradient with it, entry by entry, and reports the worst relative error;
``numerical_hessian`` applies the same differences to a gradient to estimate the Hessian.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _validate as v

__all__ = ["numerical_grad", "numerical_hessian", "check_grad", "GradCheckResult"]


def numerical_grad(f: Callable[[np.ndarray], float], x,
                   h: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of ``f`` at ``x`` (same shape).

    ``f`` maps an array shaped like ``x`` to a number. Each entry costs
    two evaluations of ``f`` (Chapter 2, eq. ``eq-central-difference``).
    """
    x = v.as_float_array(x, "x", "numerical_grad")
    h = v.positive_number(h, "h", "numerical_grad")
    grad = np.empty_like(x)
    point = x.copy()
    for index in np.ndindex(x.shape):
        original = point[index]
        point[index] = original + h
        above = float(f(point.copy()))
        point[index] = original - h
        below = float(f(point.copy()))
        point[index] = original
        grad[index] = (above - below) / (2 * h)
    return grad


def numerical_hessian(grad: Callable[[np.ndarray], np.ndarray], x, h: float = 1e-6) -> np.ndarray:
    """The Hessian at ``x`` from central differences of the gradient function ``grad`` (Chapter 2).

    Column j is ``(grad(x + h e_j) - grad(x - h e_j)) / 2h``, with an error of order h^2 (Chapter 2,
    eq. ``eq-central-difference``), so d parameters cost 2d gradient evaluations. A Hessian is
    symmetric, but the differences carry different rounding errors in ``H[i, j]`` and ``H[j, i]``;
    the result is symmetrized, ``(J + J^T) / 2``, so that ``np.linalg.eigvalsh`` may be used on it.
    ``x`` must be a 1-D array of d parameters and ``grad`` must return d numbers; the result has
    shape (d, d).
    """
    where = "numerical_hessian"
    x = v.as_float_array(x, "x", where, min_ndim=1)
    if x.ndim != 1:
        raise ValueError(f"{where}: x must be a 1-D array of parameters, got shape {x.shape}")
    h = v.positive_number(h, "h", where)
    jacobian = np.empty((x.size, x.size))
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = h
        above = v.as_float_array(grad(x + step), "grad(x + h e_j)", where)
        below = v.as_float_array(grad(x - step), "grad(x - h e_j)", where)
        v.same_shape(above, x, "grad(x + h e_j)", "x", where)
        v.same_shape(below, x, "grad(x - h e_j)", "x", where)
        jacobian[:, j] = (above - below) / (2 * h)
    return (jacobian + jacobian.T) / 2


@dataclass(frozen=True)
class GradCheckResult:
    """Outcome of :func:`check_grad`: the worst entry and both gradients."""

    worst_relative_error: float
    worst_index: tuple
    analytic: np.ndarray
    numeric: np.ndarray

    def passed(self, tol: float = 1e-6) -> bool:
        """True when every entry agrees to within ``tol`` relative error."""
        return self.worst_relative_error <= tol

    def __str__(self) -> str:
        i = self.worst_index
        return (
            f"worst relative error {self.worst_relative_error:.2e} at index {i}: "
            f"analytic {self.analytic[i]:.10g} vs finite difference {self.numeric[i]:.10g}"
        )


def check_grad(f, grad_f, x, h: float = 1e-6, floor: float = 1e-8) -> GradCheckResult:
    """Compare ``grad_f(x)`` with the central difference of ``f`` at ``x``.

    The relative error of an entry is ``|a - n| / max(|a|, |n|, floor)``; ``floor`` keeps entries
    that are both (nearly) zero from dividing by zero.
    """
    x = v.as_float_array(x, "x", "check_grad")
    analytic = v.as_float_array(grad_f(x.copy()), "grad_f(x)", "check_grad")
    v.same_shape(analytic, x, "grad_f(x)", "x", "check_grad")
    numeric = numerical_grad(f, x, h)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    relative = np.abs(analytic - numeric) / scale
    worst = np.unravel_index(int(np.argmax(relative)), relative.shape) if relative.ndim else ()
    return GradCheckResult(float(relative[worst]), tuple(int(i) for i in worst), analytic, numeric)
