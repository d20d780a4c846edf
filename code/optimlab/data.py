"""Small, seeded toy data sets used across the book.

Every generator takes a ``seed`` and returns the same arrays for the same arguments, so that a
chapter run twice prints the same numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as v

__all__ = ["Dataset", "linear", "gabor", "classification", "spirals", "minibatches"]


class Dataset(NamedTuple):
    """Inputs ``x`` and targets ``y`` of a data set; unpacks as ``x, y = dataset``."""

    x: np.ndarray
    y: np.ndarray


def _count(n, where: str) -> int:
    return v.integer(n, "n", where, what="a positive integer number of examples")


def linear(n: int = 30, intercept: float = 0.5, slope: float = 1.5, noise: float = 0.3,
           seed: int = 0) -> Dataset:
    """Points ``y = intercept + slope x + noise * eps`` with x uniform on [0, 2], eps ~ N(0, 1).

    The regression data of Chapters 1 and 2: a line ``theta_0 + theta_1 x`` fits it, and the
    Gaussian noise is exactly the assumption under which least squares is maximum likelihood.
    """
    n = _count(n, "linear")
    v.positive_number(noise, "noise", "linear", allow_zero=True)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 2.0, size=n))
    y = intercept + slope * x + noise * rng.standard_normal(n)
    return Dataset(x, y)


def classification(n: int = 60, k: int = 2, spread: float = 1.0, seed: int = 0) -> Dataset:
    """``n`` points in 2D from ``k`` Gaussian blobs, with integer labels 0..k-1.

    Blob centres sit on a circle of radius 2; ``spread`` is each blob's standard deviation, so a
    larger spread makes the classes overlap more.
    """
    n = _count(n, "classification")
    k = v.integer(k, "k", "classification", minimum=2, what="an integer number of classes >= 2")
    v.positive_number(spread, "spread", "classification")
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % k
    rng.shuffle(labels)
    angles = 2 * np.pi * np.arange(k) / k
    centres = 2.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    x = centres[labels] + spread * rng.standard_normal((n, 2))
    return Dataset(x, labels.astype(np.int64))


def spirals(n: int = 300, k: int = 3, noise: float = 0.2, twist: float = 4.0, seed: int = 0) -> Dataset:
    """``n`` points in 2D on ``k`` interleaved spiral arms, with integer labels 0..k-1 (Chapter 3).

    A point of class c at radius r (uniform on [0, 1]) has the angle
    ``2 pi c / k + twist * r + noise * eps`` with eps ~ N(0, 1): each arm turns by ``twist``
    radians from the centre to the rim. No straight line separates two neighbouring arms, so a
    linear classifier fails where a network with a hidden layer succeeds.
    """
    n = _count(n, "spirals")
    k = v.integer(k, "k", "spirals", minimum=2, what="an integer number of classes >= 2")
    v.positive_number(noise, "noise", "spirals", allow_zero=True)
    v.positive_number(twist, "twist", "spirals", allow_zero=True)
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % k
    rng.shuffle(labels)
    radius = rng.uniform(0.0, 1.0, size=n)
    angle = 2 * np.pi * labels / k + twist * radius + noise * rng.standard_normal(n)
    x = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return Dataset(x, labels.astype(np.int64))


def gabor(n: int = 30, phi=(0.0, 16.6), noise: float = 0.1, seed: int = 0) -> Dataset:
    """``n`` noisy points of the Gabor model (Chapter 2) with true parameters ``phi``.

    Inputs are uniform on [-15, 15]; targets are ``Gabor()(x, phi)`` plus Gaussian noise of
    standard deviation ``noise``. The default is the 30-point data set of the DS 542 lecture.
    """
    from .models import Gabor  # data is imported by models' users; keep the import local

    n = _count(n, "gabor")
    v.positive_number(noise, "noise", "gabor", allow_zero=True)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-15.0, 15.0, size=n))
    y = Gabor(phi)(x) + noise * rng.standard_normal(n)
    return Dataset(x, y)


def minibatches(n: int, batch_size: int, rng: np.random.Generator, replace: bool = False):
    """The index arrays of one epoch over ``n`` examples (Chapter 5, eq. ``eq-epoch``).

    Without replacement: a fresh permutation of 0..n-1 cut into consecutive batches of
    ``batch_size`` (the last one shorter if ``batch_size`` does not divide ``n``), so every
    example is used exactly once per epoch. With ``replace=True``: ceil(n / batch_size) batches of
    ``batch_size`` indices, each index drawn independently and uniformly from 0..n-1, so an
    epoch may use some examples twice and miss others.

    The arguments are checked at once (a bad ``batch_size`` raises ``ValueError`` here, not at
    the first batch); the batches are then produced lazily, as a generator, from ``rng``.
    """
    n = _count(n, "minibatches")
    batch_size = v.integer(batch_size, "batch_size", "minibatches", maximum=n,
                           what=f"an integer number of examples in [1, n] = [1, {n}]")
    if not isinstance(rng, np.random.Generator):
        raise ValueError("minibatches: rng must be a numpy Generator, e.g. np.random.default_rng(0)")
    if not isinstance(replace, (bool, np.bool_)):
        raise ValueError(f"minibatches: replace must be True or False, got {replace!r}")
    return _epoch(n, int(batch_size), rng, bool(replace))


def _epoch(n: int, batch_size: int, rng: np.random.Generator, replace: bool):
    n_batches = -(-n // batch_size)
    if replace:
        for _ in range(n_batches):
            yield rng.integers(0, n, size=batch_size)
        return
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]
