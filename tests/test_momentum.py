"""optimlab.momentum: the sources' conventions equal torch's buffer under their reparametrizations
(and part under a schedule), Nesterov's look-ahead form equals torch's, and the quadratic theory
matches simulation."""

import numpy as np
import pytest
import torch
from optimlab import landscapes, optimizers, schedules, train
from optimlab import momentum as mm

rng = np.random.default_rng(6)


def run(optimizer, problem, steps=200, theta0=None):
    return train.minimize(problem, optimizer, problem.start if theta0 is None else theta0, steps).thetas


@pytest.mark.parametrize("lr, beta", [(0.01, 0.9), (0.05, 0.5), (0.002, 0.99), (0.03, 0.0)])
def test_three_conventions_equal_torch_buffer_with_a_fixed_rate(lr, beta):
    q = landscapes.quadratic(30, angle=0.4)
    reference = run(optimizers.Momentum(lr, beta), q)
    np.testing.assert_allclose(run(mm.AverageMomentum(lr / (1 - beta), beta), q), reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run(mm.StepMomentum(lr, beta), q), reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run(mm.VelocityMomentum(lr, beta), q), reference, rtol=1e-10, atol=1e-12)


def test_buffers_are_the_reparametrized_buffer():
    lr, beta = 0.01, 0.8
    torch_form, average, step, velocity = (optimizers.Momentum(lr, beta), mm.AverageMomentum(lr / (1 - beta), beta),
                                           mm.StepMomentum(lr, beta), mm.VelocityMomentum(lr, beta))
    theta = np.array([1.0, -2.0])
    for _ in range(20):
        g = rng.normal(size=2)
        for opt in (torch_form, average, step, velocity):
            opt.step(theta, g)
    np.testing.assert_allclose(average.m, (1 - beta) * torch_form.b, rtol=1e-12)
    np.testing.assert_allclose(step.psi, lr * torch_form.b, rtol=1e-12)
    np.testing.assert_allclose(velocity.v, -lr * torch_form.b, rtol=1e-12)


def test_under_a_schedule_only_the_average_form_stays_equal():
    q = landscapes.quadratic(20)
    lr, beta = 0.03, 0.9
    decay = schedules.StepDecay(lr, every=25, factor=0.1)

    def scheduled(optimizer, schedule):
        return train.minimize(q, optimizer, q.start, 80, schedule=schedule).thetas

    reference = scheduled(optimizers.Momentum(lr, beta), decay)
    average = scheduled(mm.AverageMomentum(lr, beta), lambda t: decay(t) / (1 - beta))
    np.testing.assert_allclose(average, reference, rtol=1e-10, atol=1e-12)
    for form in (mm.StepMomentum(lr, beta), mm.VelocityMomentum(lr, beta)):
        path = scheduled(form, decay)
        np.testing.assert_allclose(path[:26], reference[:26], rtol=1e-10, atol=1e-12)  # same until the drop
        assert np.abs(path[26] - reference[26]).max() > 1e-3


@pytest.mark.parametrize("lr, beta", [(0.001, 0.9), (0.0005, 0.99)])
def test_lookahead_points_are_torch_nesterov_iterates(lr, beta):
    ls = landscapes.rosenbrock()
    thetas, points = mm.lookahead_path(ls, ls.start, 300, lr, beta)
    torch_form = run(optimizers.Nesterov(lr, beta), ls, 300)
    assert thetas.shape == (301, 2) and points.shape == (300, 2)
    np.testing.assert_allclose(points, torch_form[:-1], rtol=1e-10, atol=1e-12)
    # and the look-ahead form itself against torch.optim.SGD(nesterov=True) via the change of variables
    p = torch.tensor(ls.start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=beta, nesterov=True)
    for _ in range(300):
        p.grad = torch.tensor(ls.grad(p.detach().numpy()), dtype=torch.float64)
        opt.step()
    buffer = opt.state[p]["momentum_buffer"].numpy()
    np.testing.assert_allclose(thetas[-1], p.detach().numpy() + lr * beta * buffer, rtol=1e-9, atol=1e-12)


def test_torch_dampening_beta_is_the_average_form_but_for_its_first_buffer():
    """torch.optim.SGD(momentum=beta, dampening=beta) starts its buffer at g_1 (not (1 - beta) g_1)
    and then averages: its buffer is the average form's m_t plus beta^t g_1 (Chapter 6's remark)."""
    lr, beta = 0.1, 0.9
    grads = rng.normal(size=(25, 3))
    p = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=beta, dampening=beta)
    average = mm.AverageMomentum(lr, beta)
    for t, g in enumerate(grads, start=1):
        p.grad = torch.tensor(g)
        opt.step()
        average.step(np.zeros(3), g)
        buffer = opt.state[p]["momentum_buffer"].numpy()
        np.testing.assert_allclose(buffer, average.m + beta**t * grads[0], rtol=1e-12, atol=1e-14)


def test_lookahead_step_and_zero_steps():
    opt = mm.NesterovLookAhead(0.1, 0.5)
    theta = np.array([1.0, 2.0])
    np.testing.assert_array_equal(opt.lookahead(theta), theta)  # v_0 = 0
    theta1 = opt.step(theta, np.array([1.0, 1.0]))
    np.testing.assert_allclose(opt.lookahead(theta1), theta1 + 0.5 * np.array([-0.1, -0.1]))
    thetas, points = mm.lookahead_path(landscapes.saddle(), [1.0, 1.0], 0, 0.1)
    assert thetas.shape == (1, 2) and points.shape == (0, 2)


def test_iteration_matrix_reproduces_a_run_along_one_eigenvector():
    lr, beta, lam = 0.05, 0.7, 3.0
    for nesterov, cls in ((False, optimizers.Momentum), (True, optimizers.Nesterov)):
        R = mm.iteration_matrix(lr, beta, lam, nesterov=nesterov)
        opt, x, state = cls(lr, beta), np.array([2.0]), np.array([0.0, 2.0])
        for _ in range(30):
            x = opt.step(x, lam * x)
            state = R @ state
            np.testing.assert_allclose([opt.b[0], x[0]], state, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(np.sort_complex(mm.eigenvalues(lr, beta, lam, nesterov)),
                                   np.sort_complex(np.linalg.eigvals(R).astype(complex)), atol=1e-12)


@pytest.mark.parametrize("lr, beta, lam", [(0.1, 0.9, 1.0), (0.5, 0.2, 1.0), (1.9, 0.5, 1.0), (0.01, 0.99, 50.0),
                                           (0.1, 0.9, -1.0)])
def test_rate_is_the_measured_contraction(lr, beta, lam):
    R = mm.iteration_matrix(lr, beta, lam)
    state = np.array([0.0, 1.0])
    norms = [1.0]
    for _ in range(400):
        state = R @ state
        norms.append(np.linalg.norm(state))
    measured = (norms[-1] / norms[200]) ** (1 / 200)
    assert measured == pytest.approx(mm.rate(lr, beta, lam), rel=0.02)


def test_rate_grid_broadcasts_and_marks_the_stability_boundary():
    A, B = np.meshgrid(np.linspace(0.01, 5, 60), np.linspace(0, 0.98, 50))
    R = mm.rate(A, B, 1.0)
    assert R.shape == (50, 60)
    np.testing.assert_array_equal(R < 1, A < 2 * (1 + B))
    np.testing.assert_allclose(mm.rate(0.3, np.array([0.5, 0.8]), 1.0), [mm.rate(0.3, 0.5, 1.0),
                                                                           mm.rate(0.3, 0.8, 1.0)])


def test_spectrum_rate_is_the_max_over_the_whole_spectrum():
    mu, L = 1.0, 50.0
    spectrum = np.linspace(mu, L, 400)
    for lr, beta in rng.uniform([0.001, 0.0], [0.08, 0.99], size=(30, 2)):
        assert mm.spectrum_rate(lr, beta, mu, L) == pytest.approx(mm.rate(lr, beta, spectrum).max(), rel=1e-12)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_optimal_parameters_and_measured_rate(kappa):
    lr, beta, r = mm.optimal(1.0, kappa)
    assert r == pytest.approx((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1))
    assert mm.spectrum_rate(lr, beta, 1.0, kappa) == pytest.approx(r, rel=1e-6)
    # no nearby (lr, beta) does better
    A, B = np.meshgrid(lr * np.linspace(0.8, 1.2, 41), np.clip(beta + np.linspace(-0.05, 0.05, 41), 0, 0.999))
    assert mm.spectrum_rate(A, B, 1.0, kappa).min() >= r - 1e-6
    for lam in (1.0, kappa):
        assert mm.damping(lr, beta, lam, tol=1e-9) in ("critically damped", "alternating")
    q = landscapes.quadratic(kappa, angle=0.3)
    distances = np.linalg.norm(train.minimize(q, optimizers.Momentum(lr, beta), q.start, 600).thetas, axis=1)
    window = np.flatnonzero((distances < 1e-3 * distances[0]) & (distances > 1e-12 * distances[0]))
    assert train.fitted_rate(distances, window[0], window[-1] + 1, power=1) == pytest.approx(r, rel=0.005)


def test_damping_regimes_and_critical_beta():
    lr, lam = 0.04, 1.0
    beta_c = mm.critical_beta(lr, lam)
    assert beta_c == pytest.approx(0.64)
    assert mm.damping(lr, beta_c, lam) == "critically damped"
    assert mm.damping(lr, 0.3, lam) == "overdamped"
    assert mm.damping(lr, 0.9, lam) == "underdamped"
    assert mm.damping(1.8, 0.0, lam) == "alternating"
    assert mm.damping(2.5, 0.1, lam) == "divergent"
    assert mm.damping(0.1, 0.9, -1.0) == "divergent"
    assert mm.critical_beta(2.25, 1.0) == pytest.approx(0.25)  # lr lambda > 1: the alternating double root
    assert mm.damping(2.25, 0.25, 1.0) == "alternating"


def test_fitted_rate_recovers_geometric_and_critical_sequences():
    t = np.arange(100)
    assert train.fitted_rate(3 * 0.9**t) == pytest.approx(0.9)
    assert train.fitted_rate((1 + 2 * t) * 0.8**t, first=10, power=1) == pytest.approx(0.8, rel=1e-3)


@pytest.mark.parametrize("call, message", [
    (lambda: mm.AverageMomentum(0.1, beta=1.0), "beta"),
    (lambda: mm.StepMomentum(-0.1), "lr"),
    (lambda: mm.VelocityMomentum(0.1, beta=-0.5), "beta"),
    (lambda: mm.lookahead_path(landscapes.saddle(), [0.0, 1.0], -1, 0.1), "steps"),
    (lambda: mm.lookahead_path(landscapes.saddle(), [0.0, 1.0], 5, 0.1, beta=1.5), "beta"),
    (lambda: mm.iteration_matrix(-0.1, 0.5, 1.0), "lr must be >= 0"),
    (lambda: mm.rate(0.1, 1.0, 1.0), "beta must lie in"),
    (lambda: mm.rate(np.ones(3), np.ones(2) * 0.5, 1.0), "do not broadcast"),
    (lambda: mm.rate(0.1, 0.5, np.nan), "non-finite"),
    (lambda: mm.spectrum_rate(0.1, 0.5, 2.0, 1.0), "mu <= L"),
    (lambda: mm.optimal(0.0, 1.0), "mu"),
    (lambda: mm.critical_beta(5.0, 1.0), "0 < lr \\* curvature < 4"),
    (lambda: train.fitted_rate([1.0]), "at least 2"),
    (lambda: train.fitted_rate([1.0, 0.0, 0.5]), "positive"),
    (lambda: train.fitted_rate([1.0, 0.5, 0.2], first=0, power=1), "first"),
    (lambda: train.fitted_rate([1.0, 0.5, 0.2], last=2.0), "last must be an integer at least first"),
    (lambda: mm.iteration_matrix([0.1, 0.2], 0.9, 1.0), "single numbers"),
    (lambda: mm.damping(0.1, np.array([0.5, 0.9]), 1.0), "single numbers"),
])
def test_bad_input_raises_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
