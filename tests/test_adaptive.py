"""optimlab.adaptive: effective rates, normalized gradients, Reddi et al.'s counterexample, Adam's moments."""

import numpy as np
import pytest
from optimlab import adaptive, optimizers
from optimlab.optimizers import SGD, AdaGrad, Adam, RMSProp


def gradients(steps=40, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0.3, 1.0, size=(steps, d)) * (rng.random((steps, d)) < 0.7)


@pytest.mark.parametrize("make", [lambda: AdaGrad(0.1), lambda: RMSProp(0.01, alpha=0.9)])
def test_effective_lr_is_the_step_over_the_gradient(make):
    opt, theta = make(), np.zeros(5)
    for g in gradients():
        new = opt.step(theta, g)
        np.testing.assert_allclose(new - theta, -adaptive.effective_lr(opt) * g, rtol=1e-12, atol=1e-15)
        theta = new


@pytest.mark.parametrize("amsgrad", [False, True])
def test_effective_lr_of_adam_multiplies_m_hat(amsgrad):
    opt, theta = Adam(0.01, amsgrad=amsgrad), np.zeros(5)
    for g in gradients():
        new = opt.step(theta, g)
        np.testing.assert_allclose(new - theta, -adaptive.effective_lr(opt) * opt.moments()[0],
                                   rtol=1e-12, atol=1e-15)
        theta = new


def test_adagrad_rate_decays_like_one_over_root_t_for_a_constant_gradient():
    opt = AdaGrad(1.0, eps=1e-12)
    for _ in range(100):
        opt.step(np.zeros(2), np.array([2.0, 0.5]))
    np.testing.assert_allclose(adaptive.effective_lr(opt), 1 / (np.array([2.0, 0.5]) * np.sqrt(100)), rtol=1e-9)


def test_effective_lr_refuses_other_optimizers_and_fresh_ones():
    with pytest.raises(ValueError, match="AdaGrad, RMSProp or Adam"):
        adaptive.effective_lr(SGD(0.1))
    with pytest.raises(ValueError, match="no step"):
        adaptive.effective_lr(Adam(0.1))
    with pytest.raises(ValueError, match="no step"):
        Adam(0.1).moments()


def test_normalized_gradient_moves_by_the_sign():
    opt = adaptive.NormalizedGradient(0.5)
    step = opt.step(np.zeros(3), np.array([3.0, -2.0, 5.0]))
    np.testing.assert_allclose(step, -0.5 * np.array([1.0, -1.0, 1.0]), rtol=1e-8)
    assert opt.step(np.zeros(1), np.zeros(1))[0] == 0.0


def test_normalized_gradient_is_rmsprop_without_memory():
    a, b = adaptive.NormalizedGradient(0.1, eps=1e-6), RMSProp(0.1, alpha=0.0, eps=1e-6)
    ta = tb = np.ones(5)
    for g in gradients():
        ta, tb = a.step(ta, g), b.step(tb, g)
    np.testing.assert_array_equal(ta, tb)


def test_normalized_gradient_cycles_instead_of_converging():
    opt, theta = adaptive.NormalizedGradient(0.3), np.array([1.0])
    thetas = []
    for _ in range(50):
        theta = opt.step(theta, 2 * theta)  # f = theta^2
        thetas.append(abs(theta[0]))
    assert min(thetas[10:]) > 0.05


def test_normalized_gradient_validates():
    with pytest.raises(ValueError, match="eps"):
        adaptive.NormalizedGradient(0.1, eps=0.0)
    with pytest.raises(ValueError, match="lr"):
        adaptive.NormalizedGradient(-0.1)


def test_counterexample_adam_goes_to_the_worst_point_and_amsgrad_to_the_best():
    problem = adaptive.OnlineCounterexample(C=3.0)
    adam = adaptive.run_online(problem, Adam(0.1, betas=problem.adam_betas()), 3000)
    ams = adaptive.run_online(problem, Adam(0.1, betas=problem.adam_betas(), amsgrad=True), 3000)
    assert adam.xs[-1] > 0.99 and ams.xs[-1] < -0.99
    assert adam.average_regret[-1] > 0.6 > 5 * ams.average_regret[-1]  # at +1 the regret per step is 2(C - 2)/3
    assert adam.xs.shape == (3001,) and adam.average_regret.shape == (3000,)


def test_counterexample_regret_is_measured_against_the_best_fixed_point():
    problem = adaptive.OnlineCounterexample(C=4.0)
    run = adaptive.run_online(problem, SGD(0.0), 6, x0=1.0)  # stays at +1
    # over two periods: sum of f_t(1) = 2 (C - 2) = 4, best fixed point -1 gives -4
    assert run.average_regret[-1] == pytest.approx(8 / 6)
    assert [problem.gradient(t) for t in range(1, 5)] == [4.0, -1.0, -1.0, 4.0]


def test_run_online_restores_the_learning_rate_and_stays_in_bounds():
    opt = SGD(5.0)
    run = adaptive.run_online(adaptive.OnlineCounterexample(), opt, 30)
    assert opt.lr == 5.0
    assert np.all(np.abs(run.xs) <= 1.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=0), "steps"), (dict(x0=2.0), "x0"), (dict(x0=float("nan")), "x0"), (dict(x0="0"), "x0")])
def test_run_online_validates(kwargs, message):
    arguments = dict(problem=adaptive.OnlineCounterexample(), optimizer=SGD(0.1), steps=5) | kwargs
    with pytest.raises(ValueError, match=message):
        adaptive.run_online(**arguments)


def test_counterexample_validates():
    with pytest.raises(ValueError, match="exceed 2"):
        adaptive.OnlineCounterexample(C=2.0)
    with pytest.raises(ValueError, match="OnlineCounterexample"):
        adaptive.run_online("problem", SGD(0.1), 5)


def test_moment_bias_matches_a_monte_carlo_average():
    rng = np.random.default_rng(1)
    g = rng.normal(0.5, 2.0, size=(30, 20000))
    paths = adaptive.moment_paths(g, betas=(0.9, 0.99))
    t = np.arange(1, 31)
    np.testing.assert_allclose(paths["m"].mean(axis=1), 0.5 * adaptive.moment_bias(0.9, t), atol=0.03)
    np.testing.assert_allclose(paths["v"].mean(axis=1), 4.25 * adaptive.moment_bias(0.99, t), rtol=0.03)
    np.testing.assert_allclose(paths["m_hat"].mean(axis=1), 0.5, atol=0.05)


def test_moment_paths_are_adams_own_and_validate():
    g = gradients(10, 3)
    paths = adaptive.moment_paths(g)
    opt = Adam(0.1)
    for k, gk in enumerate(g):
        opt.step(np.zeros(3), gk)
        np.testing.assert_array_equal(paths["v"][k], opt.v)
        np.testing.assert_array_equal(paths["m_hat"][k], opt.moments()[0])
    raw = adaptive.moment_paths(g, bias_correction=False)
    np.testing.assert_array_equal(raw["m_hat"], raw["m"])
    with pytest.raises(ValueError, match="betas"):
        adaptive.moment_paths(g, betas=(0.9,))
    with pytest.raises(ValueError, match="at least one"):
        adaptive.moment_paths(np.zeros((0, 2)))


def test_moment_bias_validates():
    assert adaptive.moment_bias(0.9, 1) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="from 1"):
        adaptive.moment_bias(0.9, 0)
    with pytest.raises(ValueError, match="from 1"):
        adaptive.moment_bias(0.9, 1.5)
    with pytest.raises(ValueError, match="beta"):
        adaptive.moment_bias(1.0, 3)


def test_efficient_adam_is_adam_with_a_rescaled_eps():
    efficient, explicit = adaptive.EfficientAdam(0.01, eps=1e-3), Adam(0.01, eps=1e-3)
    ta = tb = np.ones(5)
    for t, g in enumerate(gradients(60), start=1):
        explicit.eps = float(adaptive.explicit_eps(1e-3, 0.999, t))
        ta, tb = efficient.step(ta, g), explicit.step(tb, g)
        np.testing.assert_allclose(ta, tb, rtol=1e-12, atol=1e-15)
    assert efficient.step_size() == pytest.approx(0.01 * np.sqrt(1 - 0.999**60) / (1 - 0.9**60))


def test_efficient_adam_differs_from_adam_with_the_same_eps():
    efficient, explicit = adaptive.EfficientAdam(0.01, eps=1e-3), Adam(0.01, eps=1e-3)
    g = np.array([1e-3])
    assert abs(efficient.step(np.zeros(1), g)[0] - explicit.step(np.zeros(1), g)[0]) > 1e-4
    assert adaptive.explicit_eps(1e-8, 0.999, 1) == pytest.approx(1e-8 / np.sqrt(0.001))
    with pytest.raises(ValueError, match="no step"):
        adaptive.EfficientAdam(0.1).step_size()


def test_run_online_follows_projected_descent_exactly():
    problem = adaptive.OnlineCounterexample(C=3.0)
    run = adaptive.run_online(problem, SGD(0.1), 4)
    expected = [0.0]
    for t in range(1, 5):
        expected.append(float(np.clip(expected[-1] - 0.1 / np.sqrt(t) * problem.gradient(t), -1, 1)))
    np.testing.assert_allclose(run.xs, expected, rtol=1e-15)
    losses = np.cumsum([problem.loss(t, x) for t, x in zip(range(1, 5), expected[:-1], strict=True)])
    best = np.array([-3.0, -2.0, -1.0, -4.0])  # min over x in [-1, 1] of the summed gradients times x
    np.testing.assert_allclose(run.average_regret, (losses - best) / np.arange(1, 5), rtol=1e-12)


def test_run_online_starts_the_optimizer_afresh():
    problem, opt = adaptive.OnlineCounterexample(), Adam(0.1, betas=(0.0, 0.1))
    first = adaptive.run_online(problem, opt, 50)
    again = adaptive.run_online(problem, opt, 50)
    np.testing.assert_array_equal(first.xs, again.xs)
    with pytest.raises(ValueError, match="optimizer instance"):
        adaptive.run_online(problem, Adam, 5)
    with pytest.raises(ValueError, match="x0"):
        adaptive.run_online(problem, opt, 5, x0=True)


def test_counterexample_loss_validates_its_point():
    problem = adaptive.OnlineCounterexample()
    assert problem.loss(2, 0.5) == -0.5
    for bad in (1.5, float("nan"), "a", [0.1, 0.2]):
        with pytest.raises(ValueError, match="x"):
            problem.loss(1, bad)
    with pytest.raises(ValueError, match="1e6"):
        adaptive.OnlineCounterexample(C=1e200)


def test_moment_paths_v_hat_is_the_corrected_average():
    g = gradients(12, 2)
    paths = adaptive.moment_paths(g, betas=(0.8, 0.95))
    np.testing.assert_allclose(paths["v_hat"], paths["v"] / adaptive.moment_bias(0.95, np.arange(1, 13))[:, None],
                               rtol=1e-14)


def test_effective_lr_of_efficient_adam_is_its_real_rate():
    opt, theta = adaptive.EfficientAdam(0.01, eps=1e-3), np.zeros(5)
    for g in gradients(10):
        new = opt.step(theta, g)
        np.testing.assert_allclose(new - theta, -adaptive.effective_lr(opt) * opt.moments()[0], rtol=1e-12)
        theta = new
    with pytest.raises(ValueError, match="no step"):
        adaptive.effective_lr(AdaGrad(0.1))


def test_moments_are_copies():
    opt = Adam(0.1, bias_correction=False)
    opt.step(np.zeros(2), np.ones(2))
    m, v = opt.moments()
    m[:] = 99.0
    np.testing.assert_allclose(opt.m, 0.1, rtol=1e-15)


@pytest.mark.parametrize("call, message", [
    (lambda: adaptive.moment_bias(0.9, True), "moment_bias: t"),
    (lambda: adaptive.moment_bias(0.9, [1, [2, 3]]), "moment_bias: t"),
    (lambda: adaptive.explicit_eps(float("nan"), 0.999, 1), "explicit_eps: eps"),
    (lambda: adaptive.explicit_eps(1e-8, 1.0, 1), "explicit_eps: beta2"),
    (lambda: adaptive.explicit_eps(1e-8, 0.999, 0), "explicit_eps: t"),
    (lambda: adaptive.moment_paths([[1.0], [1.0, 2.0]]), "moment_paths: gradients"),
    (lambda: adaptive.moment_paths(np.ones((3, 2)), bias_correction=1), "moment_paths: bias_correction"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# Adam with eps inside the square root (Chapter 7)
def test_eps_inside_divides_by_the_root_of_v_hat_plus_eps():
    rng = np.random.default_rng(0)
    inside, outside = adaptive.EpsInsideAdam(0.1, eps=1e-3), optimizers.Adam(0.1, eps=1e-3)
    theta_in = theta_out = np.zeros(3)
    for _ in range(5):
        g = rng.normal(size=3)
        theta_in, theta_out = inside.step(theta_in, g), outside.step(theta_out, g)
    # the same moments; the steps differ only in where eps sits
    np.testing.assert_allclose(inside.m, outside.m, rtol=1e-14)
    np.testing.assert_allclose(inside.v, outside.v, rtol=1e-14)
    before = theta_in.copy()
    g = rng.normal(size=3)
    after = inside.step(before, g)
    m_hat, v_hat = inside.moments()
    np.testing.assert_allclose(before - after, 0.1 * m_hat / np.sqrt(v_hat + 1e-3), rtol=1e-12)


def test_eps_inside_agrees_with_adam_for_large_gradients_and_not_for_tiny_ones():
    for scale, same in ((1.0, True), (1e-6, False)):
        inside, outside = adaptive.EpsInsideAdam(0.1), optimizers.Adam(0.1)
        g = scale * np.array([1.0, -2.0])
        step_in = -inside.step(np.zeros(2), g)
        step_out = -outside.step(np.zeros(2), g)
        assert np.allclose(step_in, step_out, rtol=1e-6) == same
    # with gradients far below sqrt(eps) the step shrinks with the gradient: lr g / sqrt(eps)
    np.testing.assert_allclose(step_in, 0.1 * g / np.sqrt(1e-8), rtol=1e-3)


def test_eps_inside_validates():
    with pytest.raises(ValueError, match="eps"):
        adaptive.EpsInsideAdam(0.1, eps=-1.0)
    with pytest.raises(ValueError, match="betas"):
        adaptive.EpsInsideAdam(0.1, betas=(0.9,))


def test_effective_lr_of_eps_inside_adam_is_its_real_rate():
    opt, theta = adaptive.EpsInsideAdam(0.01, eps=1e-3), np.zeros(3)
    for g in np.random.default_rng(3).normal(size=(10, 3)):
        new = opt.step(theta, g)
        np.testing.assert_allclose(new - theta, -adaptive.effective_lr(opt) * opt.moments()[0], rtol=1e-12)
        theta = new
