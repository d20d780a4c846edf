"""Checks for Chapter 7's coding exercise (one RMSProp step)."""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _invoke, _passed

__all__ = ["check_rmsprop_step"]


def _right(theta, grad, v, lr, alpha, eps):
    """The step of eq. ``eq-rmsprop``, as :class:`optimlab.optimizers.RMSProp` takes it."""
    from ..optimizers import RMSProp

    optimizer = RMSProp(lr, alpha, eps)
    optimizer.v = np.array(v, dtype=np.float64)
    optimizer.t = 1
    theta_new = optimizer.step(theta, grad)
    return theta_new, optimizer.v


def _average(v, g, alpha):
    return alpha * v + (1 - alpha) * g**2


#: Likely wrong answers: what each returns, and what to say about it (every message different).
_MISTAKES = {
    "eps inside": (lambda th, g, v, lr, a, e: (th - lr * g / np.sqrt(_average(v, g, a) + e), _average(v, g, a)),
                   "eps sits inside your square root, sqrt(v + eps): torch and the book add it outside, "
                   "theta_t = theta_{t-1} - lr * g / (sqrt(v_t) + eps)."),
    "sum": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(v + g**2) + e), v + g**2),
            "you add up the squared gradients, v + g^2: that is AdaGrad's sum G_t. RMSProp keeps a moving "
            "average, v_t = alpha v_{t-1} + (1 - alpha) g_t^2."),
    "swapped weights": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt((1 - a) * v + a * g**2) + e),
                                                    (1 - a) * v + a * g**2),
                        "alpha and 1 - alpha are swapped: alpha (about 0.99) weighs the OLD average, "
                        "v_t = alpha v_{t-1} + (1 - alpha) g_t^2."),
    "no 1 - alpha": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(a * v + g**2) + e), a * v + g**2),
                     "the new squared gradient needs the weight (1 - alpha): v_t = alpha v_{t-1} + (1 - alpha) g_t^2, "
                     "so that v_t is an average, not a sum that grows to 1/(1 - alpha) times it."),
    "no root": (lambda th, g, v, lr, a, e: (th - lr * g / (_average(v, g, a) + e), _average(v, g, a)),
                "you divide by v_t itself: divide by its square root, the root mean square of the gradient, "
                "lr * g / (sqrt(v_t) + eps)."),
    "no square": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(a * v + (1 - a) * g) + e),
                                              a * v + (1 - a) * g),
                  "your average holds the gradient, not its square: v_t = alpha v_{t-1} + (1 - alpha) * g_t**2."),
    "sign": (lambda th, g, v, lr, a, e: (th + lr * g / (np.sqrt(_average(v, g, a)) + e), _average(v, g, a)),
             "your step goes uphill: theta_t = theta_{t-1} MINUS lr * g / (sqrt(v_t) + eps)."),
    "old average": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(v) + e), _average(v, g, a)),
                    "you step with the old average v_{t-1}: update v first, then divide by sqrt(v_t) + eps."),
}


def _same(got, want) -> bool:
    """Equal up to float32 rounding (an answer computed in float32 is right too)."""
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=2e-6, atol=1e-9, equal_nan=True))


def _pair(result, name: str):
    """The student's ``(theta, v)`` as two float arrays, or a CheckFailed that says what came back."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        if isinstance(result, np.ndarray) and result.ndim >= 2 and len(result) == 2:
            raise CheckFailed(f"{name} returned one stacked array of shape {result.shape}: return the two arrays "
                              "as a pair, `return theta_new, v_new`.")
        if isinstance(result, np.ndarray) or np.isscalar(result):
            raise CheckFailed(f"{name} returned only one array: return the new parameters AND the new average, "
                              "`return theta_new, v_new` (the next step needs v_t).")
        raise CheckFailed(f"{name} must return a pair (theta_new, v_new), got {type(result).__name__}")
    try:
        return tuple(np.asarray(part, dtype=np.float64) for part in result)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name} must return two arrays of numbers (theta_new, v_new)") from None


def check_rmsprop_step(fn) -> None:
    """Check a student's ``fn(theta, grad, v, lr, alpha, eps)`` returning ``(theta_new, v_new)``.

    Chapter 7, exercise on eq. ``eq-rmsprop``: ``v_t = alpha v_{t-1} + (1 - alpha) g_t^2`` and
    ``theta_t = theta_{t-1} - lr g_t / (sqrt(v_t) + eps)`` (``alpha`` is torch's name for the
    decay, the book's beta_2), without modifying the inputs. Compared with
    :class:`optimlab.optimizers.RMSProp` on single steps from non-zero averages and on a 40-step
    run on a quadratic; a mismatch is matched against likely mistakes (eps inside the root,
    AdaGrad's sum, alpha and 1 - alpha swapped, a missing 1 - alpha, no square root, no square, a
    sign error, the old average in the step), a changed input, the pair swapped and a missing
    average.
    """
    name = getattr(fn, "__name__", "your function")
    cases = [
        (np.array([1.0, -2.0]), np.array([0.3, -0.7]), np.array([0.04, 0.25]), 0.01, 0.9, 1e-2),
        (np.array([0.2, 0.4, -1.0]), np.array([1.5, 0.1, -0.5]), np.array([1.0, 2.0, 0.5]), 0.05, 0.5, 1e-8),
        (np.array([3.0]), np.array([-4.0]), np.array([2.0]), 0.2, 0.99, 0.1),
        (np.array([-1.0, 1.0]), np.array([2.0, -1.0]), np.zeros(2), 0.3, 0.7, 1e-3),
    ]
    for theta, g, v, lr, alpha, eps in cases:
        inputs = [theta.copy(), g.copy(), v.copy()]
        with np.errstate(invalid="ignore", divide="ignore"):
            result = _invoke(fn, *inputs, lr, alpha, eps, copy_arrays=False)
        where = f"for lr = {lr}, alpha = {alpha}, eps = {eps}:"
        for given, original, label in zip(inputs, (theta, g, v), ("theta", "grad", "v"), strict=True):
            if not np.array_equal(given, original):
                raise CheckFailed(f"{where} your function changed the caller's {label} in place (-=, *= or +=): "
                                  "compute new arrays, v_new = alpha * v + (1 - alpha) * grad**2 and "
                                  "theta_new = theta - lr * grad / (np.sqrt(v_new) + eps).")
        got_theta, got_v = _pair(result, name)
        want_theta, want_v = _right(theta, g, v, lr, alpha, eps)
        if _same(got_theta, want_theta) and _same(got_v, want_v):
            continue
        if _same(got_theta, want_v) and _same(got_v, want_theta):
            raise CheckFailed(f"{where} the pair is swapped: return (theta_new, v_new), parameters first.")
        with np.errstate(invalid="ignore", divide="ignore"):
            wrongs = {mistake: wrong(theta, g, v, lr, alpha, eps) for mistake, (wrong, _) in _MISTAKES.items()}
        for mistake, (wrong_theta, wrong_v) in wrongs.items():  # the step and the average both as in a mistake
            if _same(got_theta, wrong_theta) and _same(got_v, wrong_v) and not (
                    _same(wrong_theta, want_theta) and _same(wrong_v, want_v)):
                raise CheckFailed(f"{where} {_MISTAKES[mistake][1]}")
        for mistake, (wrong_theta, _) in wrongs.items():
            if _same(got_theta, wrong_theta) and not _same(wrong_theta, want_theta):
                raise CheckFailed(f"{where} {_MISTAKES[mistake][1]}")
        for mistake, (_, wrong_v) in wrongs.items():
            if _same(got_v, wrong_v) and not _same(wrong_v, want_v):
                raise CheckFailed(f"{where} {_MISTAKES[mistake][1]}")
        if _same(got_theta, want_theta):
            raise CheckFailed(f"{where} theta_new is right but v_new is not: return the new average "
                              f"v_t = alpha v_{{t-1}} + (1 - alpha) g_t^2 = {want_v.tolist()}, got {got_v.tolist()}.")
        raise CheckFailed(f"{where} expected theta_new = {want_theta.tolist()} and v_new = {want_v.tolist()}, "
                          f"got {got_theta.tolist()} and {got_v.tolist()}.")
    # a run: the average handed back must be the one the next step uses
    from ..optimizers import RMSProp

    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    theta, v = np.array([1.0, -1.0]), np.zeros(2)
    reference, expected = RMSProp(0.01, 0.9, 1e-8), np.array([1.0, -1.0])
    for step in range(1, 41):
        theta, v = _pair(_invoke(fn, theta, H @ theta, v, 0.01, 0.9, 1e-8), name)
        expected = reference.step(expected, H @ expected)
        if not _same(theta, expected):
            raise CheckFailed(f"in a 40-step run on a quadratic, step {step} differs from RMSProp's: "
                              f"expected {expected.tolist()}, got {theta.tolist()}.")
    _passed("check_rmsprop_step", len(cases) + 1)
