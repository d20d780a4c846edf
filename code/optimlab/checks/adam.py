"""Checks for Chapter 8's coding exercise (one step of Adam with bias correction)."""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _invoke, _passed, _results, _run_alongside
from ._common import _same as _same_within

__all__ = ["check_adam_step"]


def _right(theta, g, m, v, t, lr, betas, eps):
    """The step of eqs. ``eq-adam-moments`` and ``eq-bias-correction``, as :class:`~optimlab.optimizers.Adam` does."""
    from ..optimizers import Adam

    optimizer = Adam(lr, betas, eps)
    optimizer.m, optimizer.v = np.array(m, dtype=np.float64), np.array(v, dtype=np.float64)
    optimizer.t = t - 1
    theta_new = optimizer.step(theta, g)
    return theta_new, optimizer.m, optimizer.v


def _adam(theta, g, m, v, t, lr, betas, eps, *, power=None, square=True, root=True, eps_inside=False,
          correct=True, sign=-1.0, swap=False, hat_m=False, hat_v=False):
    """Adam's step with one thing changed: the variants the likely mistakes compute."""
    beta1, beta2 = betas[::-1] if swap else betas
    power = t if power is None else power
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * (g**2 if square else g)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = m_new / (1 - beta1**power) if correct else m_new
        v_hat = v_new / (1 - beta2**power) if correct else v_new
        if eps_inside:
            denominator = np.sqrt(v_hat + eps)
        else:
            denominator = (np.sqrt(v_hat) if root else v_hat) + eps
        theta_new = theta + sign * lr * m_hat / denominator
    return theta_new, (m_hat if hat_m else m_new), (v_hat if hat_v else v_new)


#: Likely wrong answers: the keyword that makes :func:`_adam` compute each, and what to say about it.
_MISTAKES = {
    "no correction": ({"correct": False}, None),  # its message gives the first step's size, see below
    "eps inside": ({"eps_inside": True},
                   "you put eps inside the square root, sqrt(v_hat + eps): the book (and torch) add it outside, "
                   "m_hat / (sqrt(v_hat) + eps)."),
    "beta not beta^t": ({"power": 1},
                        "you divide by 1 - beta1 and 1 - beta2: the correction is 1 - beta1**t and 1 - beta2**t, "
                        "with the power t (your first step is right, every later one too small)."),
    "t from 0": ({"power": "t - 1"},
                 "your correction uses beta**(t - 1), as if t were counted from 0: on the first step that divides "
                 "by 1 - beta**0 = 0. Here t is the number of this step, counted from 1: use beta1**t and beta2**t."),
    "t plus one": ({"power": "t + 1"},
                   "your correction uses beta**(t + 1): that is the DS 542 indexing, whose steps count from 0; "
                   "here t already counts from 1, so divide by 1 - beta1**t and 1 - beta2**t."),
    "betas swapped": ({"swap": True},
                      "beta1 and beta2 are swapped: beta1 (0.9) averages the gradient in m, beta2 (0.999) averages "
                      "its square in v."),
    "g not g^2": ({"square": False},
                  "v averages the SQUARED gradient: v_t = beta2 v_{t-1} + (1 - beta2) * grad**2, not grad."),
    "no sqrt": ({"root": False},
                "the step divides by the square ROOT of v_hat: m_hat / (np.sqrt(v_hat) + eps)."),
    "sign": ({"sign": 1.0}, "your step goes uphill: theta_t = theta_{t-1} MINUS lr * m_hat / (sqrt(v_hat) + eps)."),
}

#: Mistakes in the moments handed back (the step itself is right).
_MOMENT_MISTAKES = {
    "hatted moments": ({"hat_m": True, "hat_v": True},
                       "you return the corrected moments m_hat and v_hat: return the raw m_t and v_t. The next step "
                       "averages into them, and a corrected m or v would be corrected again."),
    "stored back m": ({"hat_m": True},
                      "your m_new has the correction divided into it (m = m / (1 - beta1**t) stored back): the "
                      "correction then compounds from step to step. Keep m_t raw and compute m_hat separately."),
    "stored back v": ({"hat_v": True},
                      "your v_new has the correction divided into it (v = v / (1 - beta2**t) stored back): the "
                      "correction then compounds from step to step. Keep v_t raw and compute v_hat separately."),
}


def _variant(kwargs, theta, g, m, v, t, lr, betas, eps):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("power"), str):
        kwargs["power"] = t - 1 if kwargs["power"] == "t - 1" else t + 1
    return _adam(theta, g, m, v, t, lr, betas, eps, **kwargs)


def _cases():
    """(theta, grad, m, v, t, lr, betas, eps): the first is a first step with torch's defaults."""
    return [
        (np.array([0.5, -1.0, 2.0]), np.array([0.3, -2.0, 0.05]), np.zeros(3), np.zeros(3), 1, 1e-3,
         (0.9, 0.999), 1e-8),
        (np.array([1.0, -2.0]), np.array([0.4, -0.7]), np.array([0.2, -0.1]), np.array([0.3, 0.5]), 5, 1e-2,
         (0.9, 0.999), 1e-8),
        (np.array([0.2, 0.4, -1.0]), np.array([1.5, 0.5, -0.5]), np.array([-1.0, 2.0, 0.5]),
         np.array([1.0, 4.0, 0.5]), 3, 0.1, (0.8, 0.99), 0.05),
        (np.array([3.0]), np.array([-4.0]), np.array([2.0]), np.array([6.0]), 50, 0.2, (0.5, 0.9), 1e-3),
    ]


# what the student returns, and why all of it is needed
_RESULTS = (("theta_new", "m_new", "v_new"), "the next step needs m_t and v_t")


def _same(got, want) -> bool:
    """Equal up to float32 rounding. Looser than the other checks: in float32, 1 - 0.999 is off by
    1.3e-5 of itself, so v carries that much error."""
    return _same_within(got, want, rtol=1e-4)


def check_adam_step(fn) -> None:
    """Check a student's ``fn(theta, grad, m, v, t, lr, betas, eps)`` returning ``(theta_new, m_new, v_new)``.

    Chapter 8, exercise on eqs. ``eq-adam-moments`` and ``eq-bias-correction``: ``t`` is the number of
    this step, counted from 1; ``m`` and ``v`` are the raw moments of step t - 1 (zeros before the
    first step), and the function returns the new parameters and the new raw moments, without
    modifying its inputs. Compared with :class:`optimlab.optimizers.Adam` on four single steps and
    a 30-step run on a quadratic; a mismatch is matched against likely mistakes, each with its own
    message: the bias correction missing, eps inside the root, beta instead of beta^t, t counted
    from 0 (or shifted to t + 1), the betas swapped, g instead of g^2 in v, no square root, a sign
    error, the corrected moments returned, or the correction stored back into m or v; and a
    changed input and a wrong number of results.
    """
    name = getattr(fn, "__name__", "your function")
    for theta, g, m, v, t, lr, betas, eps in _cases():
        inputs = [theta.copy(), g.copy(), m.copy(), v.copy()]
        result = _invoke(fn, *inputs, t, lr, betas, eps, copy_arrays=False)
        where = f"for t = {t}, lr = {lr}, betas = {betas}, eps = {eps}:"
        for given, original, label in zip(inputs, (theta, g, m, v), ("theta", "grad", "m", "v"), strict=True):
            if not np.array_equal(given, original):
                raise CheckFailed(f"{where} your function changed the caller's {label} in place (-=, *=, += or [:] =): "
                                  "compute new arrays, e.g. m_new = beta1 * m + (1 - beta1) * grad.")
        got = _results(result, name, *_RESULTS)
        want = _right(theta, g, m, v, t, lr, betas, eps)
        if all(_same(a, b) for a, b in zip(got, want, strict=True)):
            continue
        args = (theta, g, m, v, t, lr, betas, eps)
        for mistake, (kwargs, message) in _MISTAKES.items():
            wrong_theta = _variant(kwargs, *args)[0]
            if _same(got[0], wrong_theta) and not _same(wrong_theta, want[0]):
                if mistake == "no correction":
                    ratio = np.max(np.abs(got[0] - theta)) / lr
                    if t != 1:  # measured on the first case, which every uncorrected step fails
                        ratio = np.max(np.abs(_variant(kwargs, *_cases()[0])[0] - _cases()[0][0])) / _cases()[0][5]
                    message = (f"your first step is {ratio:.2f} x lr: bias correction missing? Divide m_t by "
                               "1 - beta1**t and v_t by 1 - beta2**t before the step.")
                raise CheckFailed(f"{where} {message}")
        if _same(got[0], want[0]):
            for kwargs, message in _MOMENT_MISTAKES.values():
                _, wrong_m, wrong_v = _variant(kwargs, *args)
                if _same(got[1], wrong_m) and _same(got[2], wrong_v):
                    raise CheckFailed(f"{where} {message}")
            for kwargs, message in _MISTAKES.values():
                _, wrong_m, wrong_v = _variant(kwargs, *args)
                if (_same(got[1], wrong_m) and _same(got[2], wrong_v)
                        and not (_same(wrong_m, want[1]) and _same(wrong_v, want[2]))):
                    raise CheckFailed(f"{where} your step is right but your moments are not: {message}")
            raise CheckFailed(f"{where} theta_new is right but the moments are not: expected m_new = "
                              f"{want[1].tolist()} and v_new = {want[2].tolist()}, got {got[1].tolist()} and "
                              f"{got[2].tolist()}.")
        if not np.all(np.isfinite(got[0])):
            raise CheckFailed(f"{where} your theta_new contains {got[0].tolist()}: look for a division by zero "
                              "or the root of a negative number.")
        raise CheckFailed(f"{where} expected theta_new = {want[0].tolist()}, got {got[0].tolist()}.")
    # a run: the moments handed back must be the ones the next step uses, with t = 1, 2, ...
    from ..optimizers import Adam

    state = {"m": np.zeros(2), "v": np.zeros(2)}

    def student_step(t, theta, grad):
        result = _invoke(fn, theta, grad, state["m"], state["v"], t, 0.05, (0.9, 0.999), 1e-8)
        theta, state["m"], state["v"] = _results(result, name, *_RESULTS)
        return theta

    _run_alongside(student_step, Adam(0.05), 30, "Adam",
                   close=lambda got, want: np.allclose(got, want, rtol=1e-3, atol=1e-5))
    _passed("check_adam_step", len(_cases()) + 1)
