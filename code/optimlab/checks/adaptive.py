"""Checks for Chapter 7's coding exercise (one RMSProp step)."""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _diagnosis, _invoke, _passed, _results, _run_alongside, _same

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
                   "theta_t = theta_{{t-1}} - lr * g / (sqrt(v_t) + eps)."),
    "sum": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(v + g**2) + e), v + g**2),
            "you add up the squared gradients, v + g^2: that is AdaGrad's sum G_t. RMSProp keeps a moving "
            "average, v_t = alpha v_{{t-1}} + (1 - alpha) g_t^2."),
    "swapped weights": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt((1 - a) * v + a * g**2) + e),
                                                    (1 - a) * v + a * g**2),
                        "alpha and 1 - alpha are swapped: alpha (here {alpha}) weighs the OLD average, "
                        "v_t = alpha v_{{t-1}} + (1 - alpha) g_t^2."),
    "no 1 - alpha": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(a * v + g**2) + e), a * v + g**2),
                     "the new squared gradient needs the weight (1 - alpha): "
                     "v_t = alpha v_{{t-1}} + (1 - alpha) g_t^2, "
                     "so that v_t is an average, not a sum that grows to 1/(1 - alpha) times it."),
    "no root": (lambda th, g, v, lr, a, e: (th - lr * g / (_average(v, g, a) + e), _average(v, g, a)),
                "you divide by v_t itself: divide by its square root, the root mean square of the gradient, "
                "lr * g / (sqrt(v_t) + eps)."),
    "no square": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(a * v + (1 - a) * g) + e),
                                              a * v + (1 - a) * g),
                  "your average holds the gradient, not its square: v_t = alpha v_{{t-1}} + (1 - alpha) * g_t**2."),
    "sign": (lambda th, g, v, lr, a, e: (th + lr * g / (np.sqrt(_average(v, g, a)) + e), _average(v, g, a)),
             "your step goes uphill: theta_t = theta_{{t-1}} MINUS lr * g / (sqrt(v_t) + eps)."),
    "no lr": (lambda th, g, v, lr, a, e: (th - g / (np.sqrt(_average(v, g, a)) + e), _average(v, g, a)),
              "your step leaves out the learning rate lr (here {lr}): "
              "theta_t = theta_{{t-1}} - lr * g / (sqrt(v_t) + eps)."),
    "old average": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(v) + e), _average(v, g, a)),
                    "you step with the old average v_{{t-1}}: update v first, then divide by sqrt(v_t) + eps."),
    "lr and alpha swapped": (lambda th, g, v, lr, a, e: (th - a * g / (np.sqrt(_average(v, g, lr)) + e),
                                                        _average(v, g, lr)),
                             "lr and alpha have swapped roles: lr (here {lr}) is the learning rate that "
                             "multiplies the step, alpha (here {alpha}) the decay of the average, "
                             "v_t = alpha v_{{t-1}} + (1 - alpha) g_t^2."),
    "alpha as the rate": (lambda th, g, v, lr, a, e: (th - a * g / (np.sqrt(_average(v, g, a)) + e),
                                                     _average(v, g, a)),
                          "your step is scaled by alpha (here {alpha}), the decay of the average: the learning "
                          "rate is lr (here {lr}), theta_t = theta_{{t-1}} - lr * g / (sqrt(v_t) + eps)."),
    "bias correction": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(_average(v, g, a) / (1 - a)) + e),
                                                   _average(v, g, a)),
                        "you divide v_t by 1 - alpha, as Adam's bias correction does: RMSProp has no bias "
                        "correction, theta_t = theta_{{t-1}} - lr * g / (sqrt(v_t) + eps) with v_t itself."),
    "no eps": (lambda th, g, v, lr, a, e: (th - lr * g / np.sqrt(_average(v, g, a)), _average(v, g, a)),
               "eps is missing (here eps = {eps}): add it to the root, lr * g / (sqrt(v_t) + eps); it keeps the "
               "division finite where v_t is 0."),
    "precedence": (lambda th, g, v, lr, a, e: (th - lr * g / np.sqrt(_average(v, g, a)) + e, _average(v, g, a)),
                   "eps is added to theta, not to the root: `theta - lr * grad / np.sqrt(v_new) + eps` divides "
                   "first; write the denominator in parentheses, lr * grad / (np.sqrt(v_new) + eps)."),
    "sign step": (lambda th, g, v, lr, a, e: (th - lr * np.sign(g), _average(v, g, a)),
                  "your step is lr * sign(g), the normalized gradient (RMSProp without memory): divide by "
                  "the root of the average, lr * g / (sqrt(v_t) + eps), not by |g|."),
    "divide by |g|": (lambda th, g, v, lr, a, e: (th - lr * g / (np.abs(g) + e), _average(v, g, a)),
                      "you divide by |g| + eps, the current gradient's size: divide by the root of the "
                      "average of the squares, sqrt(v_t) + eps, which remembers earlier gradients."),
    "one average": (lambda th, g, v, lr, a, e: (th - lr * g / (np.sqrt(a * v + (1 - a) * np.mean(g**2)) + e),
                                               a * v + (1 - a) * np.mean(g**2)),
                    "you average the squares over the coordinates (np.mean): each coordinate keeps its own "
                    "average, v_t = alpha v_{{t-1}} + (1 - alpha) g_t**2, elementwise."),
}


# what the student returns, and why all of it is needed
_RESULTS = (("theta_new", "v_new"), "the next step needs v_t")


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
        got_theta, got_v = _results(result, name, *_RESULTS)
        want_theta, want_v = _right(theta, g, v, lr, alpha, eps)
        if _same(got_theta, want_theta) and _same(got_v, want_v):
            continue
        if _same(got_theta, want_v) and _same(got_v, want_theta):
            raise CheckFailed(f"{where} the pair is swapped: return (theta_new, v_new), parameters first.")
        with np.errstate(invalid="ignore", divide="ignore"):
            wrongs = {message.format(lr=lr, alpha=alpha, eps=eps): wrong(theta, g, v, lr, alpha, eps)
                      for wrong, message in _MISTAKES.values()}
        mistake = _diagnosis((got_theta, got_v), (want_theta, want_v), wrongs)
        if mistake:
            raise CheckFailed(f"{where} {mistake}")
        if _same(got_theta, want_theta):
            raise CheckFailed(f"{where} theta_new is right but v_new is not: return the new average "
                              f"v_t = alpha v_{{t-1}} + (1 - alpha) g_t^2 = {want_v.tolist()}, got {got_v.tolist()}.")
        raise CheckFailed(f"for theta = {theta.tolist()}, grad = {g.tolist()}, v = {v.tolist()}, lr = {lr}, "
                          f"alpha = {alpha}, eps = {eps}: expected theta_new = {want_theta.tolist()} and "
                          f"v_new = {want_v.tolist()}, got {got_theta.tolist()} and {got_v.tolist()}.")
    # a run: the average handed back must be the one the next step uses
    from ..optimizers import RMSProp

    state = {"v": np.zeros(2)}

    def student_step(t, theta, grad):
        theta, state["v"] = _results(_invoke(fn, theta, grad, state["v"], 0.01, 0.9, 1e-8), name, *_RESULTS)
        return theta

    _run_alongside(student_step, RMSProp(0.01, 0.9, 1e-8), 40, "RMSProp")
    _passed("check_rmsprop_step", len(cases) + 1)
