"""Finite-difference derivatives and gradient checking (Chapters 1-3).

The central difference ``(f(x + h e_i) - f(x - h e_i)) / 2h`` approximates the i-th partial
derivative with an error of order h^2 (Chapter 2, eq. ``eq-central-difference``). ``check_grad``
compares an analytic gradient with it, entry by entry, and reports the worst relative error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _validate as v

__all__ = ["numerical_grad", "check_grad", "GradCheckResult"]


def numerical_grad(f: Callable[[np.ndarray], float], x, h: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of the scalar function ``f`` at ``x`` (same shape as x)."""
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
