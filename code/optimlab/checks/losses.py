"""Checks for Chapter 1's coding exercises (losses from maximum likelihood)."""

from __future__ import annotations

import numpy as np

from .. import losses
from ._common import CheckFailed, _call, _close, _passed

__all__ = ["check_bce_with_logits", "check_log_softmax"]

def check_bce_with_logits(fn) -> None:
    """Check a student's ``fn(logits, targets)`` against :func:`optimlab.losses.bce_with_logits`.

    Chapter 1, exercise on the stable binary cross-entropy (eq. ``eq-bce-logits``).
    """
    rng = np.random.default_rng(0)
    cases = [
        (np.array([0.0, 2.0, -1.0]), np.array([1.0, 0.0, 1.0])),
        (rng.normal(0, 3, 20), rng.integers(0, 2, 20).astype(float)),
        (np.array([800.0, -800.0, 35.0, -35.0]), np.array([0.0, 1.0, 1.0, 0.0])),
        # a loss of log(1 + e^-40), about 4.25e-18: compared with a relative tolerance only, since
        # any absolute tolerance would accept 0, the value that log(1 + x) without log1p returns
        (np.array([-40.0]), np.array([0.0])),
    ]
    for logits, targets in cases:
        got = _call(fn, logits, targets, watch=("logits", "targets"),
                    fix="compute new arrays, e.g. np.abs(logits), and leave the inputs as they came.")
        want = losses.bce_with_logits(logits, targets)
        tiny = 0 < want < 1e-8
        if tiny and got.shape == () and np.isclose(got, want, rtol=1e-8, atol=0.0):
            continue
        if not tiny and _close(got, want):
            continue
        if got.shape != ():
            raise CheckFailed(f"return a single number (the mean over examples), got shape {got.shape}")
        if not np.isfinite(got):
            raise CheckFailed(
                f"got {float(got)} for logits {logits}: exp(z) or log(0) overflowed. Write "
                "log(1 + exp(z)) as max(z, 0) + log1p(exp(-|z|)) so nothing large is exponentiated."
            )
        if tiny and got == 0:
            raise CheckFailed(
                f"got 0 for logit {logits[0]:g} and target {targets[0]:g}, whose loss is "
                f"log(1 + e^{logits[0]:g}) = {want:.3g}: use log1p: log(1 + x) rounds 1 + 4e-18 to 1, "
                "np.log1p(x) keeps x."
            )
        if not tiny and np.isclose(got, want * len(logits)):
            raise CheckFailed("your value is n times too large: return the mean over examples, not the sum.")
        if not tiny and np.isclose(got, -want):
            raise CheckFailed("your value has the wrong sign: the loss is the *negative* log-likelihood.")
        if not tiny and np.isclose(got, losses.bce_with_logits(logits, 1 - targets)):
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
        got = _call(fn, logits, watch=("logits",),
                    fix="shifted = logits - logits.max(axis=1, keepdims=True) makes a new array, logits -= ... "
                        "does not.")
        want = losses.log_softmax(logits)
        if _close(got, want):
            continue
        if got.shape != want.shape:
            raise CheckFailed(f"return an array of the logits' shape {want.shape}, got shape {got.shape}")
        if np.any(np.isneginf(got)) and not np.any(np.isnan(got) | np.isposinf(got)):
            raise CheckFailed(
                "got -inf for large logits: you took the log of a probability that underflowed to 0 "
                "(exp(-1000) is 0 in float64). Return shifted - log(sum(exp(shifted))) directly, "
                "with shifted = z - max(z) per row, instead of the log of the softmax."
            )
        if not np.all(np.isfinite(got)):
            raise CheckFailed(
                "got inf or nan for large logits: subtract each row's maximum before exponentiating "
                "(log-sum-exp trick); log_softmax(z) = z - max(z) - log(sum(exp(z - max(z))))."
            )
        if _close(got, np.exp(want)):
            raise CheckFailed("you returned probabilities (the softmax); return their logarithm.")
        if _close(got, -want):
            raise CheckFailed("your log-probabilities have the wrong sign: they are at most 0, "
                              "shifted - log(sum(exp(shifted))), not log(sum(exp(shifted))) - shifted.")
        if logits.shape[0] > 1 and _close(got, losses.log_softmax(logits, axis=0)):
            raise CheckFailed("you normalized each column; normalize each row (axis=-1), one row per example.")
        raise CheckFailed(f"for logits {logits.tolist()} expected {want.tolist()}, got {got.tolist()}.")
    _passed("check_log_softmax", len(cases))
