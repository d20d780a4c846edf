"""Checks for Chapter 6's coding exercise (one heavy-ball momentum step)."""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _diagnosis, _invoke, _passed, _results, _run_alongside, _same

__all__ = ["check_momentum_step"]


def _right(theta, b, g, lr, beta):
    """The step of eq. ``eq-heavy-ball``, as :class:`optimlab.optimizers.Momentum` takes it."""
    from ..optimizers import Momentum

    optimizer = Momentum(lr, beta)
    optimizer.b = np.array(b, dtype=np.float64)
    optimizer.t = 1
    theta_new = optimizer.step(theta, g)
    return theta_new, optimizer.b


#: Likely wrong answers: what each returns, and what to say about it (every message different).
_MISTAKES = {
    "sign": (lambda th, b, g, lr, be: (th + lr * (be * b + g), be * b + g),
             "your step goes uphill: theta_t = theta_{t-1} MINUS lr * b_t."),
    "average": (lambda th, b, g, lr, be: (th - lr * (be * b + (1 - be) * g), be * b + (1 - be) * g),
                "you wrote the exponential-average form b = beta b + (1 - beta) g: the book's buffer (torch's) "
                "adds the whole gradient, b_t = beta b_{t-1} + g_t."),
    "lr inside": (lambda th, b, g, lr, be: (th - (be * b + lr * g), be * b + lr * g),
                  "you multiply the gradient by lr before it enters the buffer (m = beta m + lr g, theta -= m): "
                  "the book's buffer holds gradients, b_t = beta b_{t-1} + g_t, and lr multiplies b_t in the step."),
    "velocity": (lambda th, b, g, lr, be: (th + (be * b - lr * g), be * b - lr * g),
                 "you wrote the velocity form v = beta v - lr g, theta += v: here b is the buffer of gradients, "
                 "b_t = beta b_{t-1} + g_t, and theta_t = theta_{t-1} - lr b_t."),
    "no memory": (lambda th, b, g, lr, be: (th - lr * g, g),
                  "your buffer forgets the past: b_t must be beta * b_{t-1} + g_t, using the b passed in, not g_t "
                  "alone (that is plain gradient descent)."),
    "beta on gradient": (lambda th, b, g, lr, be: (th - lr * (b + be * g), b + be * g),
                         "beta multiplies the gradient instead of the old buffer: b_t = beta * b_{t-1} + g_t."),
    "old buffer": (lambda th, b, g, lr, be: (th - lr * b, be * b + g),
                   "you step with the old buffer b_{t-1}: update the buffer first, b_t = beta b_{t-1} + g_t, "
                   "then take theta_t = theta_{t-1} - lr * b_t."),
    "nesterov": (lambda th, b, g, lr, be: (th - lr * (g + be * (be * b + g)), be * b + g),
                 "that is Nesterov's step, theta -= lr (g_t + beta b_t); heavy ball steps along the buffer "
                 "itself, theta_t = theta_{t-1} - lr * b_t."),
    "no lr": (lambda th, b, g, lr, be: (th - (be * b + g), be * b + g),
              "your step leaves out the learning rate: theta_t = theta_{t-1} - lr * b_t, with lr multiplying "
              "the buffer."),
    "beta twice": (lambda th, b, g, lr, be: (th - lr * be * (be * b + g), be * b + g),
                   "your step multiplies the new buffer by beta again: theta_t = theta_{t-1} - lr * b_t, no beta."),
}


# what the student returns, and why all of it is needed
_RESULTS = (("theta_new", "b_new"), "the next step needs b_t")


def check_momentum_step(fn) -> None:
    """Check a student's ``fn(theta, b, grad, lr, beta)`` returning ``(theta_new, b_new)``.

    Chapter 6, exercise on eq. ``eq-heavy-ball``: ``b_t = beta b_{t-1} + g_t`` and
    ``theta_t = theta_{t-1} - lr b_t``, without modifying the inputs. Compared with
    :class:`optimlab.optimizers.Momentum` on single steps from non-zero buffers and on a
    40-step run on a quadratic; a mismatch is matched against likely mistakes (a sign error, the
    exponential-average form, lr inside the buffer, the velocity form, a buffer without memory,
    beta on the gradient, a step with the old buffer, Nesterov's step, beta applied twice), a
    changed input, the pair swapped and a missing buffer.
    """
    name = getattr(fn, "__name__", "your function")
    cases = [
        (np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([0.3, -0.7]), 0.02, 0.9),
        (np.array([0.2, 0.4, -1.0]), np.array([-1.0, 2.0, 0.5]), np.array([1.5, 0.0, -0.5]), 0.05, 0.5),
        (np.array([3.0]), np.array([2.0]), np.array([-4.0]), 0.2, 0.0),
        (np.array([-1.0, 1.0]), np.zeros(2), np.array([2.0, -1.0]), 0.3, 0.99),
    ]
    for theta, b, g, lr, beta in cases:
        inputs = [theta.copy(), b.copy(), g.copy()]
        result = _invoke(fn, *inputs, lr, beta, copy_arrays=False)
        where = f"for lr = {lr}, beta = {beta}:"
        for given, original, label in zip(inputs, (theta, b, g), ("theta", "b", "grad"), strict=True):
            if not np.array_equal(given, original):
                raise CheckFailed(f"{where} your function changed the caller's {label} in place (-=, *= or +=): "
                                  "compute new arrays, b_new = beta * b + grad and theta_new = theta - lr * b_new.")
        got_theta, got_b = _results(result, name, *_RESULTS)
        want_theta, want_b = _right(theta, b, g, lr, beta)
        if _same(got_theta, want_theta) and _same(got_b, want_b):
            continue
        if _same(got_theta, want_b) and _same(got_b, want_theta) and not _same(want_b, want_theta):
            raise CheckFailed(f"{where} the pair is swapped: return (theta_new, b_new), parameters first.")
        wrongs = {message: wrong(theta, b, g, lr, beta) for wrong, message in _MISTAKES.values()}
        mistake = _diagnosis((got_theta, got_b), (want_theta, want_b), wrongs)
        if mistake:
            raise CheckFailed(f"{where} {mistake}")
        if _same(got_theta, want_theta):
            raise CheckFailed(f"{where} theta_new is right but b_new is not: return the new buffer "
                              f"b_t = beta b_{{t-1}} + g_t = {want_b.tolist()}, got {got_b.tolist()}.")
        raise CheckFailed(f"{where} expected theta_new = {want_theta.tolist()} and b_new = {want_b.tolist()}, "
                          f"got {got_theta.tolist()} and {got_b.tolist()}.")
    # a run: the buffer handed back must be the one the next step uses
    from ..optimizers import Momentum

    state = {"b": np.zeros(2)}

    def student_step(t, theta, grad):
        theta, state["b"] = _results(_invoke(fn, theta, state["b"], grad, 0.1, 0.8), name, *_RESULTS)
        return theta

    _run_alongside(student_step, Momentum(0.1, 0.8), 40, "heavy ball")
    _passed("check_momentum_step", len(cases) + 1)
