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


def not_implemented(points, values):
    raise NotImplementedError()


def test_the_right_answer_passes(capsys):
    check_bracket_rule(right)
    assert "all 9 cases passed" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (no_rule_one, "Check this rule first"),
    (rule_one_keeps_a_to_b, r"not \[a, b\]"),
    (rule_one_halves_towards_zero, r"not \[a, d/2\]"),
    (strict_rule_one, "at most each of the others"),
    (wrong_side, "higher loss"),
    (too_greedy, "discarded too much"),
    (tie_goes_left, "tie"),
    (reversed_order, "reversed"),
    (four_points, "two numbers"),
    (not_implemented, "not implemented"),
])
def test_wrong_answers_fail_with_a_helpful_message(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_bracket_rule(wrong)
