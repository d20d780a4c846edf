"""Checks for Chapter 4's coding exercise (one shrink of the bracketing line search)."""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _call, _passed

__all__ = ["check_bracket_rule"]


def _cases():
    """(points, values, what the case exercises), covering each rule and both tie conventions."""
    points = (0.0, 1.0, 2.0, 3.0)
    return [
        (points, (1.0, 2.0, 3.0, 4.0), "rule 1 (L(a) smallest)"),
        ((1.0, 2.0, 3.0, 4.0), (1.0, 2.0, 3.0, 4.0), "rule 1 on a bracket that does not start at 0"),
        (points, (5.0, 1.0, 2.0, 4.0), "rule 2 (L(b) < L(c))"),
        (points, (5.0, 3.0, 1.0, 2.0), "rule 3 (L(c) < L(b))"),
        (points, (5.0, 4.0, 3.0, 1.0), "rule 3 (L(d) smallest)"),
        ((0.5, 0.7, 0.9, 1.1), (2.0, 3.0, 1.0, 0.5), "rule 3 on a bracket that does not start at 0"),
        ((-2.0, 0.0, 2.0, 4.0), (6.0, 1.0, 3.0, 9.0), "rule 2 on a bracket that does not start at 0"),
        (points, (5.0, 2.0, 2.0, 4.0), "a tie L(b) = L(c) (rule 3: 'otherwise')"),
        (points, (1.0, 1.0, 3.0, 4.0), "a tie L(a) = L(b), both smallest (rule 1: 'at most')"),
        (points, (1.0, 2.0, 3.0, 0.5), "rule 3 (L(d) smallest, although L(a) is below L(b) and L(c))"),
        ((0.0, 0.5, 2.0, 3.0), (5.0, 1.0, 2.0, 4.0), "rule 2 with b and c not at the thirds"),
        ((0.0, 0.5, 2.0, 3.0), (5.0, 3.0, 1.0, 2.0), "rule 3 with b and c not at the thirds"),
    ]


def _diagnose(got, points, values, want) -> str:
    a, b, c, d = points
    la, lb, lc, ld = values
    rule1 = la <= min(lb, lc, ld)
    if np.allclose(got, want[::-1]):
        return "your bracket is reversed: return (new_a, new_d) with new_a < new_d."
    if rule1 and a != 0 and np.allclose(got, (a, d / 2)):
        return ("halve the bracket towards a: keep [a, (a + d) / 2], not [a, d/2] (the midpoint of [a, d] is "
                "(a + d) / 2, which is d / 2 only when a = 0).")
    if not rule1 and la <= min(lb, lc) and np.allclose(got, (a, (a + d) / 2)):
        return ("rule 1 needs L(a) to be at most all three others, L(d) included: here L(d) is lower, so "
                "compare L(b) and L(c) instead.")
    thirds = (a + (d - a) / 3, a + 2 * (d - a) / 3)
    if not np.allclose((b, c), thirds) and (np.allclose(got, (a, thirds[1])) or np.allclose(got, (thirds[0], d))):
        return ("keep the given points b or c as the new end: [a, c] or [b, d], not the thirds of [a, d] "
                "(b and c need not sit at the thirds).")
    if rule1 and np.allclose(got, (a, b)):
        return ("when L(a) is the smallest, keep the half [a, (a + d) / 2], not [a, b]: the rule halves the "
                "bracket towards a.")
    if rule1 and la == lb and np.allclose(got, (a, c)):
        return ("L(a) ties with L(b) as the smallest value: rule 1 applies when L(a) is at most each of the "
                "others (use <=, or check rule 1 before comparing L(b) and L(c)).")
    if rule1 and not (np.allclose(got, (a, c)) or np.allclose(got, (b, d))) and np.isclose(got[0], a):
        return (f"rule 1 keeps a as the lower end, right, but the new upper end is the midpoint (a + d) / 2 = "
                f"{(a + d) / 2:g}, got {float(got[1]):g}.")
    if rule1:
        return ("when L(a) is the smallest of the four losses, the minimum lies near a: keep [a, (a + d) / 2]. "
                "Check this rule first, before comparing L(b) and L(c).")
    if lb == lc and np.allclose(got, (a, c)):
        return "you kept [a, c], but a tie falls to rule 3: keep [b, d]. Compare with L(b) < L(c), not <=."
    if lb < lc and np.allclose(got, (b, d)) or lc < lb and np.allclose(got, (a, c)):
        return ("you kept the side with the higher loss: if L(b) < L(c), the minimum cannot lie beyond c, so "
                "keep [a, c]; otherwise keep [b, d].")
    if np.allclose(got, (a, b)) or np.allclose(got, (c, d)) or np.allclose(got, (b, c)):
        return ("you discarded too much: if L(b) < L(c) the minimizer can still lie anywhere in [a, c] (keep "
                "[a, c], not [a, b] or [b, c]); otherwise anywhere in [b, d].")
    return f"expected the new bracket {want}, got {tuple(float(g) for g in got)}."


def check_bracket_rule(fn) -> None:
    """Check a student's ``fn(points, values)``: one shrink of the four-point bracketing search.

    Chapter 4, exercise on eq. ``eq-bracket-rules``: ``points = (a, b, c, d)`` with
    ``a < b < c < d`` and ``values`` the losses there; the answer is the new bracket
    ``(new_a, new_d)``, compared with :func:`optimlab.linesearch.shrink_bracket` on cases that
    exercise each rule and the tie conventions.
    """
    from ..linesearch import shrink_bracket

    cases = _cases()
    for points, values, what in cases:
        got = _call(fn, points, values, copy_arrays=False)  # tuples stay tuples (list methods work)
        want = shrink_bracket(points, values)
        if got.shape != (2,):
            raise CheckFailed(f"return the new bracket as two numbers (new_a, new_d), got shape {got.shape} "
                              f"(for {what}). The interior points are placed at the thirds afterwards.")
        if np.allclose(got, want, rtol=1e-12, atol=1e-12):
            continue
        raise CheckFailed(f"for points {points} with losses {values}, {what}: "
                          + _diagnose(got, points, values, want))
    _passed("check_bracket_rule", len(cases))
