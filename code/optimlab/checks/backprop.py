"""Checks for Chapter 3's coding exercises (backpropagation)."""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _close, _invoke, _passed

__all__ = ["check_layer_backward", "layer_backward_reference"]

def _call_returning(fn, count: int, *args):
    """:func:`_invoke`, expecting a tuple of ``count`` arrays back."""
    result = _invoke(fn, *args, watch=("h_in", "a_in", "W", "delta"),
                     fix="compute new arrays, slope = activation_grad(a_in), and leave the inputs as they came.")
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
    if _close(got, -want):
        raise CheckFailed("dW has the wrong sign: the gradient is dL/dW = delta.T @ h_in, with no minus; the "
                          "minus belongs to the update, W - lr * dW, not to the gradient.")
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
        raise CheckFailed("delta_in = delta @ W stops at the layer's input h_in: the chain rule goes on "
                          "through h_in = f(a_in), so multiply elementwise by activation_grad(a_in).")
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
    from ..models import activation

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
