"""Chapter 4: the bracketing-rule check names each likely mistake and passes the right answer."""

import pytest
from optimlab.checks import CheckFailed, check_bracket_rule


def right(points, values):
    a, b, c, d = points
    la, lb, lc, ld = values
    if la <= min(lb, lc, ld):
        return a, (a + d) / 2
    if lb < lc:
        return a, c
    return b, d


def no_rule_one(points, values):
    a, b, c, d = points
    return (a, c) if values[1] < values[2] else (b, d)


def rule_one_keeps_a_to_b(points, values):
    a, b, c, d = points
    return (a, b) if values[0] <= min(values[1:]) else right(points, values)


def strict_rule_one(points, values):
    a, b, c, d = points
    if values[0] < min(values[1:]):
        return a, (a + d) / 2
    return right(points, values) if values[0] > min(values[1:]) else ((a, c) if values[1] < values[2] else (b, d))


def wrong_side(points, values):
    a, b, c, d = points
    if values[0] <= min(values[1:]):
        return a, (a + d) / 2
    return (b, d) if values[1] < values[2] else (a, c)


def too_greedy(points, values):
    a, b, c, d = points
    if values[0] <= min(values[1:]):
        return a, (a + d) / 2
    return (a, b) if values[1] < values[2] else (c, d)


def tie_goes_left(points, values):
    a, b, c, d = points
    if values[0] <= min(values[1:]):
        return a, (a + d) / 2
    return (a, c) if values[1] <= values[2] else (b, d)


def rule_one_halves_towards_zero(points, values):
    a, b, c, d = points
    return (a, d / 2) if values[0] <= min(values[1:]) else right(points, values)


def reversed_order(points, values):
    return right(points, values)[::-1]


def four_points(points, values):
    a, d = right(points, values)
    return a, a + (d - a) / 3, a + 2 * (d - a) / 3, d


def rule_one_ignores_d(points, values):
    a, b, c, d = points
    la, lb, lc, ld = values
    if la <= min(lb, lc):
        return a, (a + d) / 2
    return (a, c) if lb < lc else (b, d)


def new_ends_at_the_thirds(points, values):
    a, b, c, d = points
    la, lb, lc, ld = values
    if la <= min(lb, lc, ld):
        return a, (a + d) / 2
    return (a, a + 2 * (d - a) / 3) if lb < lc else (a + (d - a) / 3, d)


def rule_one_upper_end_wrong(points, values):
    a, b, c, d = points
    return (a, (d - a) / 2) if values[0] <= min(values[1:]) else right(points, values)


def with_list_methods(points, values):
    """Plain Python, as the exercise allows: tuples and their methods."""
    a, b, c, d = points
    lowest = values.index(min(values))
    if lowest == 0:
        return a, (a + d) / 2
    return (a, c) if values[1] < values[2] else (b, d)


def not_implemented(points, values):
    raise NotImplementedError()


def test_the_right_answer_passes(capsys):
    check_bracket_rule(right)
    assert "all 12 cases passed" in capsys.readouterr().out
    check_bracket_rule(with_list_methods)  # tuples reach the student's function as tuples
    assert "all 12 cases passed" in capsys.readouterr().out


WRONG_ANSWERS = [
    (no_rule_one, "Check this rule first"),
    (rule_one_keeps_a_to_b, r"not \[a, b\]"),
    (rule_one_halves_towards_zero, r"not \[a, d/2\]"),
    (strict_rule_one, "at most each of the others"),
    (wrong_side, "higher loss"),
    (too_greedy, "discarded too much"),
    (tie_goes_left, "tie"),
    (reversed_order, "reversed"),
    (four_points, "two numbers"),
    (rule_one_ignores_d, r"L\(d\) included"),
    (new_ends_at_the_thirds, "need not sit at the thirds"),
    (rule_one_upper_end_wrong, r"the new upper end is the midpoint \(a \+ d\) / 2 = 2.5, got 1.5"),
    (not_implemented, "not implemented"),
]


@pytest.mark.parametrize("wrong, message", WRONG_ANSWERS)
def test_wrong_answers_fail_with_a_helpful_message(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_bracket_rule(wrong)
