"""Checks for Chapter 5's coding exercise (the batches of one epoch)."""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _invoke, _passed

__all__ = ["check_epoch_batches"]


def _as_batches(result, name: str) -> list[np.ndarray]:
    """The student's result as a list of integer index arrays, or a CheckFailed saying why not."""
    if isinstance(result, np.ndarray) and result.ndim == 1:
        raise CheckFailed(f"{name} returned one flat array of {len(result)} indices; return a list of "
                          "batches, one index array per step (cut the permutation into slices).")
    try:
        batches = [np.asarray(batch) for batch in result]
    except TypeError:
        raise CheckFailed(f"{name} must return a list of index arrays, got {type(result).__name__}") from None
    for batch in batches:
        if batch.ndim != 1 or (batch.size and not np.issubdtype(batch.dtype, np.integer)):
            raise CheckFailed(f"{name} must return a list of 1-D arrays of integer indices; one batch has "
                              f"shape {batch.shape} and dtype {batch.dtype}.")
    return batches


def _same(got: list[np.ndarray], want: list[np.ndarray]) -> bool:
    return len(got) == len(want) and all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))


def check_epoch_batches(fn) -> None:
    """Check a student's ``fn(n, batch_size, rng)`` that returns the index batches of one epoch.

    Chapter 5, exercise on eq. ``eq-epoch``: one permutation ``rng.permutation(n)``, cut into
    consecutive slices of ``batch_size`` (the last one shorter when ``batch_size`` does not divide
    ``n``). Compared with :func:`optimlab.data.minibatches` under the same seed; a mismatch is
    matched against the likely mistakes (sampling with replacement, dropping the short last
    batch, a new permutation per batch, slices that overlap or skip, no shuffling).
    """
    from ..data import minibatches

    name = getattr(fn, "__name__", "your function")
    cases = [(30, 5, 0), (10, 4, 1), (7, 7, 2), (5, 1, 3), (23, 6, 4)]
    for n, batch_size, seed in cases:
        got = _as_batches(_invoke(fn, n, batch_size, np.random.default_rng(seed), copy_arrays=False), name)
        want = list(minibatches(n, batch_size, np.random.default_rng(seed)))
        if _same(got, want):
            continue
        where = f"for n = {n}, batch_size = {batch_size}"
        sizes = [len(b) for b in got]
        flat = np.concatenate(got) if got else np.empty(0, dtype=int)
        count = -(-n // batch_size)
        if np.array_equal(flat, np.arange(n)):
            raise CheckFailed(f"{where} your batches are 0, 1, 2, ... in order: shuffle first, "
                              "order = rng.permutation(n), and slice that.")
        if len(got) == n // batch_size < count and np.array_equal(flat, np.concatenate(want)[:len(flat)]):
            raise CheckFailed(f"{where} you dropped the last, shorter batch: an epoch has ceil(n / batch_size) "
                              f"= {count} batches, the last with {n - (count - 1) * batch_size} examples, so "
                              "that every example is used once.")
        if len(flat) and len(np.unique(flat)) < len(flat):
            if all(len(np.unique(b)) == len(b) for b in got) and all(s == batch_size for s in sizes[:-1]):
                raise CheckFailed(f"{where} an index appears in two different batches: did you draw a new "
                                  "permutation for every batch? Draw one permutation per epoch and cut it "
                                  "into consecutive slices.")
            if sizes and sizes[0] > batch_size:
                raise CheckFailed(f"{where} your batches overlap (the first has {sizes[0]} indices): the slice "
                                  "for batch k is order[k * batch_size:(k + 1) * batch_size].")
            raise CheckFailed(f"{where} some indices appear twice and others not at all: that is sampling "
                              "with replacement. Without replacement, take one rng.permutation(n) and slice it.")
        if len(flat) < n and len(np.unique(flat)) == len(flat):
            if sizes and sizes[0] == batch_size - 1:
                raise CheckFailed(f"{where} each batch has one example too few (off-by-one slice): use "
                                  "order[start:start + batch_size]; Python slices exclude their end.")
            raise CheckFailed(f"{where} your batches cover only {len(flat)} of the {n} examples; an epoch "
                              "must use every example exactly once.")
        if sorted(flat.tolist()) == list(range(n)):
            raise CheckFailed(f"{where} you cover every example once, but not in the order of "
                              "rng.permutation(n): call rng.permutation(n) exactly once per epoch, before "
                              "slicing, and draw nothing else from rng.")
        raise CheckFailed(f"{where} and seed {seed} expected the batches {[b.tolist() for b in want]}, got "
                          f"{[b.tolist() for b in got]}.")
    _passed("check_epoch_batches", len(cases))
