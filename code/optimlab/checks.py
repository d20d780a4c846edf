"""Checks for the coding exercises.

Each ``check_*`` function calls the student's function on a few cases and compares it with the
reference implementation in optimlab. It passes with one short line, or raises
:class:`CheckFailed` (an ``AssertionError``) whose message names the most likely mistake.
"""

from __future__ import annotations

import numpy as np

from . import losses

__all__ = ["CheckFailed", "check_bce_with_logits", "check_log_softmax", "check_gradient_descent",
           "check_line_mse_grad"]


class CheckFailed(AssertionError):
    """An exercise check failed; the message says what is most likely wrong."""


def _invoke(fn, *args, copy_arrays: bool = True):
    """Call the student's function and return what it returns.

    Array arguments are passed as fresh copies (a function that modifies its input cannot spoil
    the reference cases) unless ``copy_arrays=False``, which lets a check see such a change;
    functions and numbers are passed as they are. A missing implementation or a crash becomes a
    :class:`CheckFailed` that says so.
    """
    name = getattr(fn, "__name__", "your function")
    fresh = [a if not copy_arrays or callable(a) or np.isscalar(a) else np.array(a, copy=True) for a in args]
    try:
        return fn(*fresh)
    except NotImplementedError:
        raise CheckFailed(
            f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code."
        ) from None
    except Exception as error:  # the student's bug, reported rather than hidden
        raise CheckFailed(f"{name} raised {type(error).__name__}: {error}") from error


def _call(fn, *args, copy_arrays: bool = True) -> np.ndarray:
    """:func:`_invoke`, expecting an array of numbers back."""
    result = _invoke(fn, *args, copy_arrays=copy_arrays)
    try:
        return np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        name = getattr(fn, "__name__", "your function")
        raise CheckFailed(f"{name} must return an array of numbers, got {type(result).__name__}") from None


def _close(a, b, tol=1e-8) -> bool:
    return a.shape == np.shape(b) and bool(np.allclose(a, b, rtol=tol, atol=tol))


def _passed(name: str, cases: int) -> None:
    print(f"{name}: all {cases} cases passed.")


def check_bce_with_logits(fn) -> None:
    """Check a student's ``fn(logits, targets)`` against :func:`optimlab.losses.bce_with_logits`.

    Chapter 1, exercise on the stable binary cross-entropy (eq. ``eq-bce-logits``).
    """
    rng = np.random.default_rng(0)
    cases = [
        (np.array([0.0, 2.0, -1.0]), np.array([1.0, 0.0, 1.0])),
        (rng.normal(0, 3, 20), rng.integers(0, 2, 20).astype(float)),
        (np.array([800.0, -800.0, 35.0, -35.0]), np.array([0.0, 1.0, 1.0, 0.0])),
    ]
    for logits, targets in cases:
        got = _call(fn, logits, targets)
        want = losses.bce_with_logits(logits, targets)
        if _close(got, want):
            continue
        if got.shape != ():
            raise CheckFailed(f"return a single number (the mean over examples), got shape {got.shape}")
        if not np.isfinite(got):
            raise CheckFailed(
                f"got {float(got)} for logits {logits}: exp(z) or log(0) overflowed. Write "
                "log(1 + exp(z)) as max(z, 0) + log1p(exp(-|z|)) so nothing large is exponentiated."
            )
        if np.isclose(got, want * len(logits)):
            raise CheckFailed("your value is n times too large: return the mean over examples, not the sum.")
        if np.isclose(got, -want):
            raise CheckFailed("your value has the wrong sign: the loss is the *negative* log-likelihood.")
        if np.isclose(got, losses.bce_with_logits(logits, 1 - targets)):
            raise CheckFailed("you swapped the roles of y and 1 - y: a target of 1 should reward large logits.")
        raise CheckFailed(f"for logits {logits} and targets {targets} expected {want:.6g}, got {float(got):.6g}.")
    _passed("check_bce_with_logits", len(cases))


def check_log_softmax(fn) -> None:
    """Check a student's row-wise ``fn(logits)`` against :func:`optimlab.losses.log_softmax`.

    Chapter 1, exercise on the log-sum-exp trick (eq. ``eq-logsumexp``).
    """
    rng = np.random.default_rng(1)
    cases = [
        rng.normal(0, 2, (5, 4)),
        np.array([[1.0, 2.0, 3.0]]),
        np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1001.0, -1002.0]]),
    ]
    for logits in cases:
        got = _call(fn, logits)
        want = losses.log_softmax(logits)
        if _close(got, want):
            continue
        if got.shape != want.shape:
            raise CheckFailed(f"return an array of the logits' shape {want.shape}, got shape {got.shape}")
        if not np.all(np.isfinite(got)):
            raise CheckFailed(
                "got inf or nan for large logits: subtract each row's maximum before exponentiating "
                "(log-sum-exp trick); log_softmax(z) = z - max(z) - log(sum(exp(z - max(z))))."
            )
        if _close(got, np.exp(want)):
            raise CheckFailed("you returned probabilities (the softmax); return their logarithm.")
        if logits.shape[0] > 1 and _close(got, losses.log_softmax(logits, axis=0)):
            raise CheckFailed("you normalized each column; normalize each row (axis=-1), one row per example.")
        raise CheckFailed(f"for logits {logits.tolist()} expected {want.tolist()}, got {got.tolist()}.")
    _passed("check_log_softmax", len(cases))


# =========================================================================== Chapter 2
# (Chapter 2: gradient descent. Add this chapter's checks below this line.)
def _reference_descent(grad_fn, theta0, lr, steps, sign=-1.0, stale=False):
    """The iterates of gradient descent (``sign=-1``), or of a typical mistake, as an array."""
    from .optimizers import SGD

    optimizer = SGD(lr)
    theta = np.array(theta0, dtype=np.float64)
    first_grad = grad_fn(theta.copy())
    thetas = [theta]
    for _ in range(steps):
        g = first_grad if stale else grad_fn(theta.copy())
        theta = optimizer.step(theta, g) if sign < 0 else theta + lr * g
        thetas.append(theta)
    return np.array(thetas)


def check_gradient_descent(fn) -> None:
    """Check a student's ``fn(grad_fn, theta0, lr, steps)`` that returns all gradient-descent iterates.

    Chapter 2, exercise on the update rule (eq. ``eq-gd``): the answer is an array of shape
    (steps + 1, d) whose row t is theta_t, the start theta_0 included; it is compared with
    :class:`optimlab.optimizers.SGD` applied step by step.
    """
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    centre = np.array([1.0, -2.0, 0.5])
    cases = [
        (lambda theta: H @ theta, np.array([1.0, -2.0]), 0.1, 5),
        (lambda theta: theta - centre, np.array([0.0, 0.0, 0.0]), 0.5, 3),
        (lambda theta: np.array([4 * theta[0] ** 3 - 2 * theta[0], 2 * theta[1]]), np.array([0.4, 1.0]), 0.05, 6),
        (lambda theta: H @ theta, np.array([2.0, 1.0]), 0.2, 0),
    ]
    for grad_fn, theta0, lr, steps in cases:
        start = theta0.copy()
        got = _call(fn, grad_fn, start, lr, steps, copy_arrays=False)  # to see a change to theta0
        want = _reference_descent(grad_fn, theta0, lr, steps)
        if _close(got, want):
            if not np.array_equal(start, theta0):
                raise CheckFailed("your function changed the caller's theta0 in place; work on a copy "
                                  "(theta = np.array(theta0, dtype=float)) and write theta = theta - lr * g.")
            continue
        d = len(theta0)
        if steps > 0 and _close(got, want[-1]):
            raise CheckFailed(f"you returned only the final point; return all steps + 1 = {steps + 1} "
                              f"iterates theta_0, ..., theta_{steps} as an array of shape ({steps + 1}, {d}).")
        if steps > 0 and _close(got, want[1:]):
            raise CheckFailed("the starting point is missing: the first row must be theta0 itself, "
                              f"so the result has steps + 1 = {steps + 1} rows.")
        if steps > 0 and _close(got, want[:-1]):
            raise CheckFailed(f"you returned one iterate too few: take all {steps} steps and return "
                              f"steps + 1 = {steps + 1} rows, theta_0 through theta_{steps}.")
        if got.shape != want.shape:
            raise CheckFailed(f"for steps = {steps} and a start with {d} coordinates, return an array of shape "
                              f"({steps + 1}, {d}) (one row per iterate, the start included); got shape {got.shape}.")
        if steps > 1 and _close(got, np.repeat(got[-1:], steps + 1, axis=0)):
            raise CheckFailed("all your rows are the same array: `theta -= lr * g` changes in place the array you "
                              "already stored. Write theta = theta - lr * g, which makes a new array each step.")
        if _close(got, _reference_descent(grad_fn, theta0, lr, steps, sign=+1.0)):
            raise CheckFailed("your step has the wrong sign (you are climbing): move against the gradient, "
                              "theta = theta - lr * g.")
        if steps > 1 and _close(got, _reference_descent(grad_fn, theta0, lr, steps, stale=True)):
            raise CheckFailed("you evaluate the gradient only once, at theta0; call grad_fn at the current "
                              "theta in every step.")
        if lr != 1.0 and _close(got, _reference_descent(grad_fn, theta0, 1.0, steps)):
            raise CheckFailed("your steps ignore the learning rate: multiply the gradient by lr.")
        row = int(np.argmax(np.any(~np.isclose(got, want, rtol=1e-8, atol=1e-8), axis=1)))
        raise CheckFailed(f"for theta0 = {theta0.tolist()}, lr = {lr}, steps = {steps}: row {row} should be "
                          f"{want[row].tolist()}, got {got[row].tolist()}.")
    _passed("check_gradient_descent", len(cases))


def check_line_mse_grad(fn) -> None:
    """Check a student's ``fn(x, y, theta)``: the gradient of the line's mean squared error.

    Chapter 2, exercise on eq. ``eq-line-grad``; compared with the model's backward pass,
    :meth:`optimlab.models.Line.loss_and_grad` with ``"mse"``.
    """
    from .data import linear
    from .models import Line

    rng = np.random.default_rng(2)
    x_line, y_line = linear(n=30, seed=0)
    cases = [
        (x_line, y_line, np.array([0.0, 0.0])),
        (rng.uniform(-2, 2, 7), rng.normal(0, 1, 7), np.array([0.3, -1.2])),
        (np.array([2.0]), np.array([1.0]), np.array([1.0, 1.0])),
    ]
    for x, y, theta in cases:
        got = _call(fn, x, y, theta)
        want = Line().loss_and_grad("mse", x, y, theta)[1]
        if _close(got, want):
            continue
        n = len(x)
        if got.shape != (2,):
            raise CheckFailed(f"return the gradient as an array of 2 numbers [dL/dtheta_0, dL/dtheta_1], "
                              f"got shape {got.shape}. Did you forget to sum over the examples?")
        if n > 1 and _close(got, n * want):
            raise CheckFailed(f"off by a factor of n = {n}: the loss is a mean, so divide the sum over "
                              "examples by n (the sum-convention gradient is n times larger).")
        if _close(got, 0.5 * want) or (n > 1 and _close(got, 0.5 * n * want)):
            raise CheckFailed("a factor of 2 is missing: the derivative of r_i^2 is 2 r_i.")
        if _close(got, -want):
            raise CheckFailed("your gradient has the wrong sign: use the residual r_i = theta_0 + theta_1 x_i - y_i "
                              "(prediction minus target), not y_i minus the prediction.")
        if _close(got, want[::-1]):
            raise CheckFailed("your two entries are swapped: the first is dL/dtheta_0 (the intercept), "
                              "the second dL/dtheta_1 (the slope).")
        if np.isclose(got[0], want[0]) and np.isclose(got[1], want[0]):
            raise CheckFailed("the second entry lacks the factor x_i: df/dtheta_1 = x_i, so "
                              "dL/dtheta_1 = (2/n) sum_i x_i r_i.")
        raise CheckFailed(f"for theta = {theta.tolist()} and n = {n} examples expected {want.tolist()}, "
                          f"got {got.tolist()}.")
    _passed("check_line_mse_grad", len(cases))


# =========================================================================== Chapter 3
# (Chapter 3: backpropagation. Add this chapter's checks below this line.)

__all__ += ["check_layer_backward"]


def _call_returning(fn, count: int, *args):
    """:func:`_invoke`, expecting a tuple of ``count`` arrays back."""
    result = _invoke(fn, *args)
    name = getattr(fn, "__name__", "your function")
    if not isinstance(result, (tuple, list)) or len(result) != count:
        raise CheckFailed(f"{name} must return a tuple of {count} arrays, got {type(result).__name__}"
                          + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""))
    try:
        return [np.asarray(r, dtype=np.float64) for r in result]
    except (TypeError, ValueError) as error:
        raise CheckFailed(f"{name} must return numeric arrays ({error})") from None


def layer_backward_reference(h_in, a_in, W, delta, activation_grad):
    """One layer of :meth:`optimlab.models.MLP.backward` (Chapter 3, eq. ``eq-backward``).

    For the layer ``a = h_in W^T + b`` with ``delta = dL/da``: returns ``dL/dW = delta^T h_in``,
    ``dL/db = sum of delta over the batch`` and ``dL/da_in = (delta W) * f'(a_in)``, where
    ``h_in = f(a_in)``.
    """
    return delta.T @ h_in, delta.sum(axis=0), (delta @ W) * activation_grad(a_in)


def _diagnose_dW(got, want, h_in, a_in, delta):
    n, (d_out, d_in) = len(h_in), want.shape
    if got.shape == (d_in, d_out) and _close(got, want.T):
        raise CheckFailed(f"dW has shape (d_in, d_out) = {got.shape}: transpose it. dW must have W's shape "
                          f"(d_out, d_in) = {want.shape}, which delta.T @ h_in gives.")
    if got.shape != want.shape:
        raise CheckFailed(f"dW must have W's shape (d_out, d_in) = {want.shape}, got {got.shape}; "
                          "it is delta.T @ h_in.")
    if n > 1 and _close(got, want / n):
        raise CheckFailed("dW is n times too small: sum over the examples (delta.T @ h_in), do not average. "
                          "The loss's 1/n is already inside delta.")
    if _close(got, delta.T @ a_in):
        raise CheckFailed("dW uses a_in, the pre-activation below; the layer's input is h_in = f(a_in): "
                          "dW = delta.T @ h_in.")
    raise CheckFailed(f"dW is wrong: expected {np.round(want, 4).tolist()}, got {np.round(got, 4).tolist()}.")


def _diagnose_db(got, want, delta):
    n = len(delta)
    if got.shape == delta.shape:
        raise CheckFailed(f"db has shape {got.shape}, one row per example: db must sum over the batch, "
                          f"delta.sum(axis=0), one number per output unit, shape {want.shape}.")
    if got.shape == (n,) and n != want.shape[0]:
        raise CheckFailed("db sums over the wrong axis: sum over the examples, delta.sum(axis=0), "
                          f"to get shape {want.shape}.")
    if got.shape != want.shape:
        raise CheckFailed(f"db must have shape {want.shape} (one number per output unit), got {got.shape}.")
    if n > 1 and _close(got, want / n):
        raise CheckFailed("db is n times too small: db must sum over the batch (delta.sum(axis=0)), "
                          "not average; the loss's 1/n is already inside delta.")
    raise CheckFailed(f"db is wrong: expected {np.round(want, 4).tolist()}, got {np.round(got, 4).tolist()}.")


def _diagnose_delta_in(got, want, h_in, a_in, W, delta, activation_grad):
    upstream = delta @ W
    if got.shape != want.shape:
        raise CheckFailed(f"delta_in must have the shape of a_in, (n, d_in) = {want.shape}, got {got.shape}; "
                          "delta @ W maps (n, d_out) to (n, d_in).")
    if _close(got, upstream):
        raise CheckFailed("delta_in = delta @ W is missing the activation derivative: you forgot the "
                          "activation derivative. Multiply elementwise by activation_grad(a_in).")
    if _close(got, upstream * activation_grad(h_in)):
        raise CheckFailed("you evaluated the activation derivative at h_in = f(a_in); evaluate it at the "
                          "pre-activation: activation_grad(a_in).")
    if _close(got, upstream * h_in):
        raise CheckFailed("you multiplied by the activation h_in itself; multiply by its derivative, "
                          "activation_grad(a_in).")
    raise CheckFailed(f"delta_in is wrong: expected {np.round(want, 4).tolist()}, "
                      f"got {np.round(got, 4).tolist()}.")


def check_layer_backward(fn) -> None:
    """Check a student's ``fn(h_in, a_in, W, delta, activation_grad) -> (dW, db, delta_in)``.

    Chapter 3, coding exercise on one dense layer's backward pass (eq. ``eq-backward``); the
    reference is :func:`layer_backward_reference`, the step that :meth:`optimlab.models.MLP.backward`
    takes for each layer. The cases have n, d_in and d_out all different, so that a transposed
    result or a sum over the wrong axis cannot pass by accident.
    """
    from .models import activation

    rng = np.random.default_rng(3)
    cases = []
    for name, (n, d_in, d_out) in (("tanh", (5, 3, 4)), ("relu", (6, 4, 2)), ("sigmoid", (1, 2, 3))):
        a_in = rng.normal(0.0, 1.5, (n, d_in))
        fn_act, grad_act = activation(name)
        cases.append((fn_act(a_in), a_in, rng.normal(0.0, 1.0, (d_out, d_in)), rng.normal(0.0, 1.0, (n, d_out)),
                      grad_act))
    for h_in, a_in, W, delta, grad_act in cases:
        dW, db, delta_in = _call_returning(fn, 3, h_in, a_in, W, delta, grad_act)
        want_dW, want_db, want_delta_in = layer_backward_reference(h_in, a_in, W, delta, grad_act)
        if not _close(dW, want_dW):
            _diagnose_dW(dW, want_dW, h_in, a_in, delta)
        if not _close(db, want_db):
            _diagnose_db(db, want_db, delta)
        if not _close(delta_in, want_delta_in):
            _diagnose_delta_in(delta_in, want_delta_in, h_in, a_in, W, delta, grad_act)
    _passed("check_layer_backward", len(cases))
