"""Input validation shared by every optimlab module.

Each helper either returns a clean float64 (or integer) NumPy array or raises ``ValueError``
with a message a student can act on. The ``where`` argument names the calling function so that
the message says where the problem was found, e.g. ``"mse: pred has shape (3,) ..."``.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(value, name: str, where: str, *, min_ndim: int = 0) -> np.ndarray:
    """Return ``value`` as a finite float64 array, or raise ``ValueError`` saying what is wrong."""
    try:
        if value is None or np.iscomplexobj(value):
            raise ValueError(f"{where}: {name} must be real numbers, got {type(value).__name__} {value!r:.60}")
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        if str(error).startswith(where):
            raise
        raise ValueError(f"{where}: {name} must be numeric, got {type(value).__name__} ({error})") from None
    if array.ndim < min_ndim:
        raise ValueError(f"{where}: {name} must have at least {min_ndim} dimension(s), got a scalar")
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        index = tuple(int(i) for i in bad) if array.ndim else ()
        raise ValueError(
            f"{where}: {name} contains a non-finite value ({array[index]!r} at index {index}); "
            "a NaN or inf here usually means an earlier step diverged"
        )
    return array


def same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, where: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape (no silent broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{where}: {name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must "
            "match element for element (check for a missing reshape or a transposed array)"
        )


def probabilities(array: np.ndarray, name: str, where: str) -> np.ndarray:
    """Raise ``ValueError`` unless every entry of ``array`` lies in [0, 1]."""
    outside = (array < 0) | (array > 1)
    if np.any(outside):
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"{where}: {name} must be probabilities in [0, 1], got {array[index]!r} at index "
            f"{index}; pass logits to the *_with_logits / cross_entropy functions instead"
        )
    return array


def distributions(array: np.ndarray, name: str, where: str, atol: float = 1e-8) -> np.ndarray:
    """Raise ``ValueError`` unless ``array`` holds probability vectors along its last axis."""
    probabilities(array, name, where)
    totals = array.sum(axis=-1)
    wrong = np.abs(totals - 1.0) > atol
    if np.any(wrong):
        first = np.atleast_1d(totals)[np.argwhere(np.atleast_1d(wrong))[0][0]]
        raise ValueError(
            f"{where}: each row of {name} must sum to 1 (a probability distribution), "
            f"found a row summing to {first:.6g}"
        )
    return array


def class_labels(labels, n_classes: int, n_rows: int, where: str) -> np.ndarray:
    """Return integer class labels of shape (n_rows,) in [0, n_classes), or raise ``ValueError``."""
    array = np.asarray(labels)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{where}: labels must be integer class indices, got dtype {array.dtype}; "
            "if they are whole numbers stored as floats, use labels.astype(int)"
        )
    if array.shape != (n_rows,):
        raise ValueError(
            f"{where}: labels must have shape ({n_rows},), one class index per row of logits, "
            f"got shape {array.shape}"
        )
    outside = (array < 0) | (array >= n_classes)
    if np.any(outside):
        index = int(np.argwhere(outside)[0][0])
        raise ValueError(
            f"{where}: labels must lie in [0, {n_classes}) for {n_classes} classes, got "
            f"{int(array[index])} at index {index}"
        )
    return array.astype(np.int64)


def integer(value, name: str, where: str, *, minimum: int = 1, maximum: int | None = None,
            what: str | None = None) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) in [minimum, maximum].

    The message says what was expected: ``what`` if given, else "a positive integer" and the like.
    """
    if (not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= minimum
            and (maximum is None or value <= maximum)):
        return int(value)
    if what is None:
        if maximum is not None:
            what = f"an integer in [{minimum}, {maximum}]"
        else:
            what = {1: "a positive integer", 0: "a non-negative integer"}.get(minimum, f"an integer >= {minimum}")
    raise ValueError(f"{where}: {name} must be {what}, got {value!r}")


def open_fraction(value, name: str, where: str, why: str = "") -> float:
    """Return ``value`` as a float if it lies strictly between 0 and 1; ``why`` ends the message."""
    number = positive_number(value, name, where)
    if not number < 1:
        raise ValueError(f"{where}: {name} must lie strictly between 0 and 1{why}, got {value!r}")
    return number


def unit_interval(value, name: str, where: str, why: str = "") -> float:
    """Return ``value`` as a float if it lies in [0, 1) (a decay rate such as beta); ``why`` ends the message."""
    number = positive_number(value, name, where, allow_zero=True)
    if not number < 1:
        raise ValueError(f"{where}: {name} must lie in [0, 1){why}, got {value!r}")
    return number


def positive_number(value, name: str, where: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is finite and positive (or zero when allowed)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where}: {name} must be a real number, got {value!r}")
    number = float(value)
    if not np.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{where}: {name} must be finite and {bound}, got {value!r}")
    return number
