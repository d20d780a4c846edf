"""optimlab.linesearch and train.minimize_with_line_search (Chapter 4)."""

import numpy as np
import pytest
from optimlab import data, landscapes, linesearch, models, train


def quadratic_line(kappa=10.0):
    """The quadratic valley along the negative gradient at its start, and the exact step g.g / g.Hg."""
    valley = landscapes.quadratic(kappa, angle=0.3)
    theta = valley.start
    g, H = valley.grad(theta), valley.hessian(theta)
    return valley, linesearch.along(valley, theta), float(g @ g / (g @ H @ g))


class Counted:
    """phi, counting its calls and remembering where it was called."""

    def __init__(self, phi):
        self.phi, self.calls = phi, []

    def __call__(self, s):
        self.calls.append(s)
        return self.phi(s)


# ------------------------------------------------------------------------------- along
def test_along_is_the_loss_on_the_line_with_its_slope():
    valley, phi, _ = quadratic_line()
    g = valley.grad(valley.start)
    assert phi(0.0) == valley.f(valley.start) == phi.value0
    assert np.isclose(phi(0.3), valley.f(valley.start - 0.3 * g))
    assert np.isclose(phi.slope, -g @ g)
    h = 1e-6
    assert np.isclose((phi(h) - phi(-h)) / (2 * h), phi.slope, rtol=1e-6)


@pytest.mark.parametrize("direction", [None, "uphill", "sideways", "zero"])
def test_along_rejects_directions_that_do_not_descend(direction):
    valley = landscapes.quadratic(10.0)
    g = valley.grad(valley.start)
    p = {"uphill": g, "sideways": np.array([-g[1], g[0]]), "zero": np.zeros(2)}.get(direction)
    if direction is None:
        with pytest.raises(ValueError, match="not a descent direction"):
            linesearch.along(valley, valley.minima[0])   # gradient zero at the minimum
    else:
        with pytest.raises(ValueError, match="not a descent direction"):
            linesearch.along(valley, valley.start, p)


def test_along_rejects_a_direction_of_the_wrong_shape():
    valley = landscapes.quadratic(10.0)
    with pytest.raises(ValueError, match="shape"):
        linesearch.along(valley, valley.start, [1.0, 2.0, 3.0])


# ------------------------------------------------------------------------------- shrink_bracket
@pytest.mark.parametrize("values, want", [
    ((1.0, 2.0, 3.0, 4.0), (0.0, 1.5)),     # rule 1: halve towards a
    ((1.0, 1.0, 3.0, 4.0), (0.0, 1.5)),     # rule 1 with a tie
    ((5.0, 1.0, 2.0, 4.0), (0.0, 2.0)),     # rule 2: [a, c]
    ((5.0, 3.0, 1.0, 2.0), (1.0, 3.0)),     # rule 3: [b, d]
    ((5.0, 2.0, 2.0, 4.0), (1.0, 3.0)),     # tie L(b) = L(c): rule 3
])
def test_shrink_bracket_rules(values, want):
    assert linesearch.shrink_bracket((0.0, 1.0, 2.0, 3.0), values) == want


def test_shrink_bracket_rule_one_halves_towards_a_when_a_is_not_zero():
    assert linesearch.shrink_bracket((1.0, 2.0, 3.0, 4.0), (1.0, 2.0, 3.0, 4.0)) == (1.0, 2.5)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_shrink_bracket_rejects_losses_that_are_not_finite(bad):
    with pytest.raises(ValueError, match="finite"):
        linesearch.shrink_bracket((0.0, 1.0, 2.0, 3.0), (1.0, bad, 3.0, 4.0))


def test_shrink_bracket_rejects_points_out_of_order():
    with pytest.raises(ValueError, match="a < b < c < d"):
        linesearch.shrink_bracket((0.0, 2.0, 1.0, 3.0), (1, 2, 3, 4))


# ------------------------------------------------------------------------------- bracketing
@pytest.mark.parametrize("minimizer", [0.0, 0.05, 0.37, 0.5, 0.93, 1.0])
def test_bracketing_keeps_the_minimizer_of_a_unimodal_function_inside(minimizer):
    def phi(s):
        return abs(s - minimizer) ** 1.5 + 2.0

    result = linesearch.bracketing(phi, (0.0, 1.0), tol=1e-6)
    for a, b, c, d in result.brackets:
        assert a <= minimizer <= d and np.isclose(b - a, (d - a) / 3) and np.isclose(c - a, 2 * (d - a) / 3)
    assert abs(result.step - minimizer) <= 1e-6 and result.converged


def test_bracketing_finds_the_exact_step_on_a_quadratic_with_four_evaluations_per_iteration():
    _, phi, exact = quadratic_line()
    counted = Counted(phi)
    result = linesearch.bracketing(counted, (0.0, 1.0), tol=1e-8)
    assert abs(result.step - exact) < 1e-8
    assert result.evaluations == len(counted.calls) == 4 * result.iterations == len(result.trials)
    widths = [d - a for a, _, _, d in result.brackets]
    assert widths[-1] <= 1e-8 < widths[-2]
    assert all(w1 <= 2 / 3 * w0 + 1e-15 for w0, w1 in zip(widths, widths[1:], strict=False))


def test_bracketing_stops_at_the_iteration_cap():
    _, phi, _ = quadratic_line()
    result = linesearch.bracketing(phi, (0.0, 1.0), tol=1e-12, max_iterations=5)
    assert not result.converged and result.iterations == 5 and result.evaluations == 20


def test_bracketing_with_the_minimum_beyond_the_bracket_returns_its_end():
    result = linesearch.bracketing(lambda s: (s - 3.0) ** 2, (0.0, 1.0), tol=1e-6)
    assert 1 - 1e-6 <= result.step <= 1.0


# ------------------------------------------------------------------------------- golden section
def test_golden_section_evaluates_one_new_point_per_iteration():
    _, phi, exact = quadratic_line()
    counted = Counted(phi)
    result = linesearch.golden_section(counted, (0.0, 1.0), tol=1e-8)
    assert abs(result.step - exact) < 1e-8
    assert result.evaluations == len(counted.calls) == result.iterations + 2   # two at the start
    assert len(set(counted.calls)) == len(counted.calls)       # never the same point twice
    for (a, x1, x2, b), new in zip(result.brackets[1:], counted.calls[2:], strict=True):
        assert new in (x1, x2)                                   # the one new point is interior
        assert np.isclose(x2 - a, (b - a) / linesearch.GOLDEN_RATIO)
        assert np.isclose(b - x1, (b - a) / linesearch.GOLDEN_RATIO)
    widths = [b - a for a, _, _, b in result.brackets]
    np.testing.assert_allclose(np.array(widths[1:]) / widths[:-1], 1 / linesearch.GOLDEN_RATIO)


@pytest.mark.parametrize("minimizer", [0.0, 0.2, 0.61, 1.0])
def test_golden_section_keeps_the_minimizer_inside(minimizer):
    result = linesearch.golden_section(lambda s: abs(s - minimizer), (0.0, 1.0), tol=1e-7)
    assert all(a <= minimizer <= b for a, _, _, b in result.brackets)
    assert abs(result.step - minimizer) <= 1e-7


# ------------------------------------------------------------------------------- backtracking
@pytest.mark.parametrize("c, rho", [(1e-4, 0.5), (0.5, 0.5), (0.9, 0.8), (0.3, 0.1)])
def test_backtracking_returns_the_first_step_that_satisfies_armijo(c, rho):
    _, phi, _ = quadratic_line()
    result = linesearch.backtracking(phi, phi.slope, phi.value0, step0=1.0, rho=rho, c=c)
    s = result.step
    assert result.converged and result.value == phi(s)
    assert phi(s) <= phi.value0 + c * s * phi.slope
    steps = [trial[0] for trial in result.trials]
    np.testing.assert_allclose(steps, rho ** np.arange(len(steps)))
    assert result.evaluations == len(steps)
    for larger in steps[:-1]:
        assert phi(larger) > phi.value0 + c * larger * phi.slope


def test_backtracking_step_is_at_least_the_smoothness_bound():
    valley, phi, _ = quadratic_line(kappa=25.0)
    L = valley.smoothness
    for c in (1e-4, 0.25, 0.5, 0.75):
        for rho in (0.3, 0.5, 0.9):
            s = linesearch.backtracking(phi, phi.slope, phi.value0, step0=1.0, rho=rho, c=c).step
            assert s >= min(1.0, 2 * rho * (1 - c) / L)


def test_backtracking_counts_phi0_when_it_is_not_given_and_survives_overflow():
    _, phi, _ = quadratic_line()
    counted = Counted(phi)
    result = linesearch.backtracking(counted, phi.slope)
    assert result.evaluations == len(counted.calls) == len(result.trials) + 1
    overflowing = linesearch.backtracking(lambda s: np.inf if s > 0.3 else 1.0 - s, slope=-1.0, value0=1.0)
    assert overflowing.converged and overflowing.step == 0.25


def test_backtracking_gives_up_after_max_iterations():
    result = linesearch.backtracking(lambda s: 1.0 + s, slope=-1.0, value0=1.0, max_iterations=4)
    assert not result.converged and result.step == 0.0 and result.evaluations == 4


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("search", [linesearch.bracketing, linesearch.golden_section])
@pytest.mark.parametrize("kwargs, message", [
    ({"bracket": (1.0, 0.0)}, "low < high"),
    ({"bracket": (0.5, 0.5)}, "low < high"),
    ({"bracket": (0.0, np.inf)}, "finite"),
    ({"bracket": (0.0,)}, "pair"),
    ({"tol": 0.0}, "tol"),
    ({"tol": -1e-3}, "tol"),
    ({"max_iterations": 0}, "max_iterations"),
])
def test_interval_searches_reject_bad_input(search, kwargs, message):
    with pytest.raises(ValueError, match=message):
        search(lambda s: s * s, **kwargs)


@pytest.mark.parametrize("search", [linesearch.bracketing, linesearch.golden_section])
def test_interval_searches_reject_a_loss_that_overflows(search):
    with pytest.raises(ValueError, match="too far"):
        search(lambda s: np.inf if s > 0.5 else s, (0.0, 1.0))


@pytest.mark.parametrize("kwargs, message", [
    ({"slope": 0.0}, "negative"), ({"slope": 1.0}, "negative"), ({"slope": np.nan}, "negative"),
    ({"c": 0.0}, "c"), ({"c": 1.0}, "c"), ({"c": 1.5}, "c"),
    ({"rho": 0.0}, "rho"), ({"rho": 1.0}, "rho"), ({"rho": -0.5}, "rho"),
    ({"step0": 0.0}, "step0"), ({"value0": np.inf}, "finite"),
])
def test_backtracking_rejects_bad_input(kwargs, message):
    arguments = {"slope": -1.0, "value0": 1.0} | kwargs
    with pytest.raises(ValueError, match=message):
        linesearch.backtracking(lambda s: (s - 1) ** 2, **arguments)


# ------------------------------------------------------------------------------- the loop
def test_exact_line_search_on_a_quadratic_takes_the_exact_step_every_time():
    valley = landscapes.quadratic(10.0, angle=0.3)
    H = valley.hessian(valley.start)
    run = train.minimize_with_line_search(valley, valley.start, 10,
                                          lambda phi: linesearch.golden_section(phi, (0, 1), tol=1e-10))
    for t in range(1, 11):
        g = valley.grad(run.thetas[t - 1])
        assert np.isclose(run.step_sizes[t - 1], g @ g / (g @ H @ g), rtol=1e-7)
        # exact line search: each new gradient is perpendicular to the previous one
        assert abs(valley.grad(run.thetas[t]) @ g) < 1e-6 * (g @ g)
    assert run.evaluations == 10 and np.all(np.diff(run.loss_evaluations) > 0)
    assert run.loss_evaluations[0] == 0 and len(run.loss_evaluations) == len(run.thetas)


def test_line_search_loop_counts_the_searches_evaluations():
    x, y = data.linear(n=30, seed=0)
    line = landscapes.from_model(models.Line(), "mse", (x, y), start=[-1.0, 1.0])
    results = []

    def search(phi):
        results.append(linesearch.bracketing(phi, (0.0, 4.0), tol=1e-3))
        return results[-1]

    run = train.minimize_with_line_search(line, line.start, 20, search)
    assert run.loss_evaluations[-1] == sum(r.evaluations for r in results) == 4 * sum(r.iterations for r in results)
    np.testing.assert_allclose(run.step_sizes, [r.step for r in results])
    assert np.all(np.diff(run.losses[:8]) < 0)


def test_line_search_loop_stops_at_a_stationary_point_and_rejects_bad_search():
    valley = landscapes.quadratic(4.0)
    run = train.minimize_with_line_search(valley, valley.minima[0], 5, lambda phi: linesearch.bracketing(phi))
    assert run.steps == 0 and not run.diverged
    with pytest.raises(ValueError, match="search"):
        train.minimize_with_line_search(valley, valley.start, 5, search=0.1)
    with pytest.raises(ValueError, match="steps"):
        train.minimize_with_line_search(valley, valley.start, -1, lambda phi: linesearch.bracketing(phi))


def test_line_search_loop_stops_and_flags_a_failed_search():
    valley = landscapes.quadratic(4.0)
    calls = []

    def fails_on_third_step(phi):
        calls.append(phi)
        if len(calls) < 3:
            return linesearch.backtracking(phi, phi.slope, phi.value0)
        return linesearch.backtracking(phi, phi.slope, phi.value0, c=0.9, rho=0.9, step0=1e6, max_iterations=3)

    run = train.minimize_with_line_search(valley, valley.start, 10, fails_on_third_step)
    assert run.search_failed and not run.diverged and run.steps == 2 and len(calls) == 3
    assert run.loss_evaluations[-1] - run.loss_evaluations[-2] >= 3     # the failed trials are counted
    assert len(run.step_sizes) == 2 and np.all(run.step_sizes > 0) and "failed" in repr(run)
    good = train.minimize_with_line_search(valley, valley.start, 3, lambda phi: linesearch.bracketing(phi))
    assert not good.search_failed


def test_line_search_loop_stops_cleanly_where_a_bracket_reaches_an_overflowing_loss():
    valley = landscapes.quadratic(10.0)
    with pytest.raises(linesearch.NonFiniteLoss, match="not finite"), np.errstate(over="ignore"):
        linesearch.bracketing(linesearch.along(valley, valley.start), (0.0, 1e200))
    run = train.minimize_with_line_search(valley, valley.start, 5,
                                          lambda phi: linesearch.bracketing(phi, (0.0, 1e200)))
    assert run.search_failed and not run.diverged and run.steps == 0 and "failed" in repr(run)
