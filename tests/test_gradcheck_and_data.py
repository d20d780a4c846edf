"""optimlab.gradcheck and optimlab.data."""

import numpy as np
import pytest
from optimlab import data, landscapes
from optimlab.gradcheck import check_grad, numerical_grad, numerical_hessian


def test_numerical_grad_is_second_order_accurate():
    f = lambda x: float(np.sum(np.sin(x) * x**2))  # noqa: E731
    exact = lambda x: np.cos(x) * x**2 + 2 * x * np.sin(x)  # noqa: E731
    x = np.array([0.3, -1.2, 2.0])
    err_big = np.max(np.abs(numerical_grad(f, x, h=1e-2) - exact(x)))
    err_small = np.max(np.abs(numerical_grad(f, x, h=1e-3) - exact(x)))
    assert err_big / err_small == pytest.approx(100, rel=0.05)  # error ~ h^2


def test_numerical_grad_does_not_modify_its_input():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = x.copy()
    numerical_grad(lambda z: float(np.sum(z**3)), x)
    np.testing.assert_array_equal(x, before)


def test_check_grad_finds_the_wrong_entry():
    f = lambda x: float(x[0] ** 2 + 3 * x[1])  # noqa: E731
    wrong = lambda x: np.array([2 * x[0], 2.0])  # noqa: E731
    result = check_grad(f, wrong, np.array([1.5, -0.5]))
    assert not result.passed()
    assert result.worst_index == (1,)
    assert result.worst_relative_error == pytest.approx(1 / 3, rel=1e-6)
    assert "index (1,)" in str(result)


def test_check_grad_rejects_a_gradient_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        check_grad(lambda x: float(np.sum(x)), lambda x: np.ones(3), np.zeros(2))


@pytest.mark.parametrize("point", [[-1.2, 1.0], [1.0, 1.0], [0.3, -0.7]])
def test_numerical_hessian_matches_the_analytic_hessian(point):
    banana = landscapes.rosenbrock()
    numeric = numerical_hessian(banana.grad, point, h=1e-5)
    np.testing.assert_allclose(numeric, banana.hessian(point), rtol=1e-7, atol=1e-7)
    np.testing.assert_array_equal(numeric, numeric.T)  # symmetrized exactly


def test_numerical_hessian_is_second_order_accurate_and_symmetrizes():
    # grad of f = x0^3 x1 + sin(x1): an exact Hessian, and a third derivative for the h^2 error
    grad = lambda x: np.array([3 * x[0] ** 2 * x[1], x[0] ** 3 + np.cos(x[1])])  # noqa: E731
    x = np.array([0.7, -1.3])
    exact = np.array([[6 * x[0] * x[1], 3 * x[0] ** 2], [3 * x[0] ** 2, -np.sin(x[1])]])
    err_big = np.max(np.abs(numerical_hessian(grad, x, h=1e-2) - exact))
    err_small = np.max(np.abs(numerical_hessian(grad, x, h=1e-3) - exact))
    assert err_big / err_small == pytest.approx(100, rel=0.05)  # error ~ h^2
    # a Jacobian that is not symmetric comes back as its symmetric part
    skew = lambda x: np.array([x[1], 0.0])  # noqa: E731
    np.testing.assert_allclose(numerical_hessian(skew, x), [[0.0, 0.5], [0.5, 0.0]], atol=1e-9)


@pytest.mark.parametrize("x, grad, h, message", [
    (np.zeros((2, 2)), lambda x: x, 1e-6, "1-D"),
    (np.zeros(2), lambda x: np.zeros(3), 1e-6, "shape"),
    (np.zeros(2), lambda x: x, 0.0, "h"),
    (np.zeros(2), lambda x: x, -1e-3, "h"),
    ([0.0, np.nan], lambda x: x, 1e-6, "non-finite"),
    (np.zeros(2), lambda x: np.full(2, np.inf), 1e-6, "non-finite"),
])
def test_numerical_hessian_bad_input(x, grad, h, message):
    with pytest.raises(ValueError, match=message):
        numerical_hessian(grad, x, h=h)


def test_data_sets_are_seeded_and_shaped():
    a, b, c = data.linear(seed=3), data.linear(seed=3), data.linear(seed=4)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.allclose(a.y, c.y)
    assert a.x.shape == a.y.shape == (30,)
    x, y = data.classification(n=61, k=3, seed=0)
    assert x.shape == (61, 2) and y.dtype == np.int64
    assert sorted(np.bincount(y)) == [20, 20, 21]


def test_linear_data_recovers_its_line_by_least_squares():
    x, y = data.linear(n=2000, intercept=0.5, slope=1.5, noise=0.1, seed=0)
    slope, intercept = np.polyfit(x, y, 1)
    assert slope == pytest.approx(1.5, abs=0.02) and intercept == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("call, message", [
    (lambda: data.linear(n=0), "positive integer"),
    (lambda: data.linear(n=2.5), "positive integer"),
    (lambda: data.linear(noise=-1.0), "noise"),
    (lambda: data.classification(k=1), "classes"),
    (lambda: data.classification(spread=0.0), "spread"),
])
def test_data_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
