"""optimizers.Preconditioned and train.newton (Chapter 2: Newton's method and preconditioning)."""

import numpy as np
import pytest
from optimlab import data, landscapes, models, optimizers, train


# --------------------------------------------------------------------------- Preconditioned
def test_diagonal_preconditioner_gives_each_coordinate_its_own_step():
    opt = optimizers.Preconditioned(0.5, [2.0, 4.0])
    theta, grad = np.array([1.0, -1.0]), np.array([1.0, 2.0])
    new = opt.step(theta, grad)
    np.testing.assert_allclose(new, [1.0 - 0.5 * 1.0 / 2.0, -1.0 - 0.5 * 2.0 / 4.0])
    np.testing.assert_array_equal(theta, [1.0, -1.0])  # inputs untouched
    np.testing.assert_array_equal(grad, [1.0, 2.0])
    assert opt.t == 1


def test_identity_preconditioner_is_gradient_descent():
    ls = landscapes.rosenbrock()
    plain = train.minimize(ls, optimizers.SGD(1e-3), ls.start, 50)
    for identity in (np.ones(2), np.eye(2)):
        same = train.minimize(ls, optimizers.Preconditioned(1e-3, identity), ls.start, 50)
        np.testing.assert_allclose(same.thetas, plain.thetas, rtol=1e-14)


@pytest.mark.parametrize("kappa, angle", [(10.0, 0.0), (1e3, 0.7), (1e4, 2.0)])
def test_hessian_preconditioner_with_lr_one_solves_a_quadratic_in_one_step(kappa, angle):
    ls = landscapes.quadratic(kappa, angle)
    H = ls.hessian(ls.start)
    theta = optimizers.Preconditioned(1.0, H).step(ls.start, ls.grad(ls.start))
    assert np.linalg.norm(theta) < 1e-10 * np.linalg.norm(ls.start)


def test_diagonal_preconditioning_fixes_axis_aligned_valleys_only():
    aligned, rotated = landscapes.quadratic(100.0), landscapes.quadratic(100.0, angle=np.pi / 4)
    one_step = optimizers.Preconditioned(1.0, np.diag(aligned.hessian(aligned.start)))
    assert np.linalg.norm(one_step.step(aligned.start, aligned.grad(aligned.start))) < 1e-12
    D = np.diag(rotated.hessian(rotated.start))
    np.testing.assert_allclose(D, [50.5, 50.5])  # diag(H) is a multiple of I: no rescaling at all
    scaled = train.minimize(rotated, optimizers.Preconditioned(2 / (1 + 100) * D[0], D), rotated.start, 200)
    plain = train.minimize(rotated, optimizers.SGD(2 / (1 + 100)), rotated.start, 200)
    np.testing.assert_allclose(scaled.thetas, plain.thetas, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("angle, kappa_eff", [(0.0, 1.0), (np.pi / 4, 100.0)])
def test_curvatures_give_the_effective_condition_number(angle, kappa_eff):
    ls = landscapes.quadratic(100.0, angle)
    H = ls.hessian(ls.start)
    curvatures = optimizers.Preconditioned(1.0, np.diag(H)).curvatures(H)
    assert curvatures[-1] / curvatures[0] == pytest.approx(kappa_eff)
    np.testing.assert_allclose(optimizers.Preconditioned(1.0, H).curvatures(H), [1.0, 1.0])
    np.testing.assert_allclose(optimizers.Preconditioned(1.0, np.ones(2)).curvatures(H), [1.0, 100.0])


def test_curvatures_match_the_eigenvalues_of_p_inverse_h():
    P = np.array([[2.0, 0.5], [0.5, 1.0]])
    H = np.array([[3.0, 1.0], [1.0, 5.0]])
    expected = np.sort(np.linalg.eigvals(np.linalg.solve(P, H)).real)
    np.testing.assert_allclose(optimizers.Preconditioned(1.0, P).curvatures(H), expected, rtol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: optimizers.Preconditioned(1.0, [1.0, 1.0]).curvatures(np.eye(3)), "2 x 2"),
    (lambda: optimizers.Preconditioned(1.0, [1.0, 1.0]).curvatures([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
    (lambda: optimizers.Preconditioned(0.1, [1.0, 0.0]), "positive entries"),
    (lambda: optimizers.Preconditioned(0.1, [1.0, -2.0]), "positive entries"),
    (lambda: optimizers.Preconditioned(0.1, [[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
    (lambda: optimizers.Preconditioned(0.1, [[1.0, 2.0], [2.0, 1.0]]), "positive definite"),
    (lambda: optimizers.Preconditioned(0.1, np.ones((2, 3))), "square matrix"),
    (lambda: optimizers.Preconditioned(0.1, 3.0), "dimension"),
    (lambda: optimizers.Preconditioned(0.1, [1.0, np.nan]), "non-finite"),
    (lambda: optimizers.Preconditioned(-0.1, [1.0, 1.0]), "lr"),
    (lambda: optimizers.Preconditioned(0.1, [1.0, 1.0]).step(np.zeros(3), np.zeros(3)), r"shape \(3,\)"),
    (lambda: optimizers.Preconditioned(0.1, np.eye(2)).step(np.zeros(3), np.zeros(3)), r"shape \(2,\)"),
    (lambda: optimizers.Preconditioned(0.1, np.eye(2)).step(np.zeros(2), np.zeros(3)), "shape"),
])
def test_preconditioned_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_rejected_step_does_not_count():
    opt = optimizers.Preconditioned(0.1, [1.0, 1.0])
    with pytest.raises(ValueError):
        opt.step(np.zeros(3), np.zeros(3))
    assert opt.t == 0


# --------------------------------------------------------------------------- newton
@pytest.mark.parametrize("kappa, angle", [(10.0, 0.3), (1e4, 1.1)])
def test_newton_solves_a_quadratic_in_one_step(kappa, angle):
    ls = landscapes.quadratic(kappa, angle)
    run = train.newton(ls, ls.start, 3)
    assert run.steps == 3 and run.evaluations == 3 and not run.diverged and run.label == "Newton"
    assert np.linalg.norm(run.thetas[1]) < 1e-10 * np.linalg.norm(ls.start)


def test_newton_converges_quadratically_on_rosenbrock():
    ls = landscapes.rosenbrock()
    run = train.newton(ls, [-1.2, 1.0], 12)
    errors = np.linalg.norm(run.thetas - ls.minima[0], axis=1)
    assert errors[-1] < 1e-14
    close = np.nonzero((errors < 0.1) & (errors > 1e-13))[0]
    assert len(close) >= 2
    for t in close[:-1]:
        assert errors[t + 1] <= errors[t] ** 2  # digits at least double


def test_newton_matches_the_hessian_preconditioned_step():
    ls = landscapes.beale()
    theta = np.array([2.5, 0.3])
    run = train.newton(ls, theta, 1)
    by_hand = optimizers.Preconditioned(1.0, ls.hessian(theta)).step(theta, ls.grad(theta))
    np.testing.assert_allclose(run.thetas[1], by_hand, rtol=1e-14)


def test_newton_is_drawn_to_a_saddle_point():
    run = train.newton(landscapes.saddle(), [0.3, 0.2], 10)
    np.testing.assert_allclose(run.final_theta, [0.0, 0.0], atol=1e-12)


class Flat:
    """f = theta_0: a gradient that never vanishes and a zero (singular) Hessian."""

    def __init__(self, hessian_shape=(2, 2)):
        self.hessian_shape = hessian_shape

    def f(self, theta):
        return float(theta[0])

    def grad(self, theta):
        return np.array([1.0, 0.0])

    def hessian(self, theta):
        return np.zeros(self.hessian_shape)


def test_newton_bad_input():
    with pytest.raises(ValueError, match="no hessian"):
        train.newton(object(), [0.0, 0.0], 1)
    line = landscapes.from_model(models.Line(), "mse", data.linear())
    with pytest.raises(ValueError, match="no Hessian"):
        train.newton(line, [0.0, 0.0], 1)
    with pytest.raises(ValueError, match="singular"):
        train.newton(Flat(), [0.5, 1.0], 1)
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        train.newton(Flat(hessian_shape=(3, 3)), [0.5, 1.0], 1)
    with pytest.raises(ValueError, match="steps"):
        train.newton(landscapes.booth(), [0.0, 0.0], -1)
    with pytest.raises(ValueError, match="2 coordinates"):
        train.newton(landscapes.booth(), [0.0, 0.0, 0.0], 1)
