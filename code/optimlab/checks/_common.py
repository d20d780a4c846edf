"""What every exercise check shares: calling the student's function safely, comparing, reporting."""

from __future__ import annotations

import numpy as np

__all__ = ["CheckFailed"]

class CheckFailed(AssertionError):
    """An exercise check failed; the message says what is most likely wrong."""


def _invoke(fn, *args, copy_arrays: bool = True, watch: tuple[str, ...] = (), fix: str = ""):
    """Call the student's function and return what it returns.

    Array arguments are passed as fresh copies (a function that modifies its input cannot spoil
    the reference cases) unless ``copy_arrays=False``, which lets a check see such a change;
    functions and numbers are passed as they are. A missing implementation or a crash becomes a
    :class:`CheckFailed` that says so. ``watch`` names the arguments, in order, that the function
    must leave as they are: if it writes into one, the check fails with ``fix``, which says how to
    compute a new array instead.
    """
    name = getattr(fn, "__name__", "your function")
    fresh = [a if not copy_arrays or callable(a) or np.isscalar(a) else np.array(a, copy=True) for a in args]
    try:
        result = fn(*fresh)
    except NotImplementedError:
        raise CheckFailed(
            f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code."
        ) from None
    except Exception as error:  # the student's bug, reported rather than hidden
        raise CheckFailed(f"{name} raised {type(error).__name__}: {error}") from error
    changed = [label for label, before, after in zip(watch, args, fresh, strict=False)
               if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True)]
    if changed:
        raise CheckFailed(f"{name} changed the caller's {' and '.join(changed)} in place (-=, *=, out= or an "
                          f"assignment to a slice write into the caller's array): {fix}")
    return result


def _call(fn, *args, copy_arrays: bool = True, watch: tuple[str, ...] = (), fix: str = "") -> np.ndarray:
    """:func:`_invoke`, expecting an array of numbers back."""
    result = _invoke(fn, *args, copy_arrays=copy_arrays, watch=watch, fix=fix)
    try:
        return np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        name = getattr(fn, "__name__", "your function")
        raise CheckFailed(f"{name} must return an array of numbers, got {type(result).__name__}") from None


def _close(a, b, tol=1e-8) -> bool:
    return a.shape == np.shape(b) and bool(np.allclose(a, b, rtol=tol, atol=tol))


def _passed(name: str, cases: int) -> None:
    print(f"{name}: all {cases} cases passed.")


def _same(got, want, rtol: float = 2e-6) -> bool:
    """Equal up to float32 rounding (an answer computed in float32 is right too); NaN where NaN."""
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=1e-9, equal_nan=True))


def _results(result, name: str, parts: tuple[str, ...], why: str) -> tuple[np.ndarray, ...]:
    """The student's tuple of ``len(parts)`` results as float arrays, or a CheckFailed saying what came back.

    ``parts`` names the results (``("theta_new", "v_new")``); ``why`` says why all of them are
    needed ("the next step needs v_t").
    """
    count, together = len(parts), ", ".join(parts)
    if not isinstance(result, (tuple, list)) or len(result) != count:
        if isinstance(result, np.ndarray) and result.ndim >= 2 and len(result) == count:
            raise CheckFailed(f"{name} returned one stacked array of shape {result.shape}: return the {count} "
                              f"arrays as a tuple, `return {together}`, not np.array([{together}]).")
        if isinstance(result, np.ndarray) or np.isscalar(result):
            raise CheckFailed(f"{name} returned only one array: return all {count}, `return {together}` ({why}).")
        length = f" of length {len(result)}" if hasattr(result, "__len__") else ""
        raise CheckFailed(f"{name} must return {count} arrays ({together}), got {type(result).__name__}{length}")
    try:
        return tuple(np.asarray(part, dtype=np.float64) for part in result)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name} must return {count} arrays of numbers ({together})") from None


def _diagnosis(got, want, wrongs: dict[str, tuple]) -> str | None:
    """The message of the likely mistake behind a wrong answer, or None if no mistake fits.

    ``got`` and ``want`` are tuples of arrays (the student's results and the right ones);
    ``wrongs`` maps each mistake's message to the results that mistake produces. A mistake fits
    when it reproduces all of ``got``; failing that, the first result (the step), then each later
    one in turn. A mistake whose result equals the right one is never blamed for that result.
    """
    def fits(wrong, parts) -> bool:
        return (all(_same(got[k], wrong[k]) for k in parts)
                and not all(_same(wrong[k], want[k]) for k in parts))

    every = range(len(want))
    for parts in [every, *([k] for k in every)]:
        for message, wrong in wrongs.items():
            if fits(wrong, parts):
                return message
    return None


def _run_alongside(student_step, reference, steps: int, method: str, close=None) -> None:
    """Run the student's step and the ``reference`` optimizer side by side on a quadratic.

    The loss is ``theta^T H theta / 2`` with ``H = [[3, 1], [1, 2]]``, from ``theta = (1, -1)``.
    ``student_step(t, theta, grad)`` returns the student's next parameters and keeps the state the
    student's function hands back between calls, so a run catches state that is returned wrongly
    even when every single step is right. ``close(got, expected)`` compares (float32 rounding
    accumulates over a run); by default :func:`_same`.
    """
    close = close or _same
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    theta = expected = np.array([1.0, -1.0])
    for t in range(1, steps + 1):
        theta = student_step(t, theta, H @ theta)
        expected = reference.step(expected, H @ expected)
        if not close(theta, expected):
            raise CheckFailed(f"in a {steps}-step run on a quadratic (t = 1, 2, ...), step {t} differs from "
                              f"{method}'s: expected {expected.tolist()}, got {theta.tolist()}.")
