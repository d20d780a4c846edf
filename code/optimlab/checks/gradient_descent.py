"""Checks for Chapter 2's coding exercises (gradient descent)."""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _call, _close, _passed

__all__ = ["check_gradient_descent", "check_line_mse_grad"]

def _reference_descent(grad_fn, theta0, lr, steps, sign=-1.0, stale=False):
    """The iterates of gradient descent (``sign=-1``), or of a typical mistake, as an array."""
    from ..optimizers import SGD

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
    from ..data import linear
    from ..models import Line

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
        if _close(got, 0.5 * want):
            raise CheckFailed("a factor of 2 is missing: the derivative of r_i^2 is 2 r_i.")
        if n > 1 and _close(got, 0.5 * n * want):
            raise CheckFailed(f"off by a factor of n/2 = {n / 2:g}: you sum r_i over the examples where the "
                              "mean of 2 r_i belongs, so both the 1/n of the mean and the 2 of the derivative "
                              "are missing.")
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
