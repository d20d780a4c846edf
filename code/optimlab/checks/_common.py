"""What every exercise check shares: calling the student's function safely, comparing, reporting."""

from __future__ import annotations

import numpy as np

__all__ = ["CheckFailed"]

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
