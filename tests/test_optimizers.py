"""optimlab.optimizers: each class follows its torch.optim counterpart step for step, and refuses bad input.

The comparison is of the update rule itself. At every step torch is handed our current
parameters, takes one step with its own state (momentum buffers, moments, step count) from the
same gradient, and the two steps are compared. Rounding differences therefore cannot compound
along a trajectory, and agreement cannot come from two runs that both settled at the same
minimum: each of the hundreds of steps is checked on its own.
"""

import numpy as np
import pytest
import torch
from optimlab import optimizers

# The problem: a 12-parameter extended Rosenbrock function (not a quadratic: its curvature changes
# from step to step) with noisy gradients, some coordinates of which are exactly zero at times
# (the sparse inputs of Chapter 7), as mini-batch gradients would be. Parameters form a 3 x 4 array.
SHAPE = (3, 4)
STEPS = 400
RTOL = 1e-10


def rosenbrock_grad(theta):
    x = theta.ravel()
    grad = np.zeros_like(x)
    grad[:-1] += -2 * (1 - x[:-1]) - 40 * x[:-1] * (x[1:] - x[:-1] ** 2)
    grad[1:] += 20 * (x[1:] - x[:-1] ** 2)
    return grad.reshape(theta.shape)


def gradient_stream(seed):
    rng = np.random.default_rng(seed)

    def grad(theta):
        noisy = rosenbrock_grad(theta) + 0.5 * rng.normal(size=theta.shape)
        return noisy * (rng.random(theta.shape) > 0.2)  # about one coordinate in five is zero

    return grad


def step_differences(ours, torch_class, torch_kwargs, seed=0, steps=STEPS):
    """Largest relative difference between our step and torch's, at each of ``steps`` steps.

    Both optimizers keep their own state; at every step torch starts from our parameters.
    Also returns our final parameters, so a test can see the run stayed finite and moved.
    """
    grad = gradient_stream(seed)
    theta = np.random.default_rng(100 + seed).uniform(-1.5, 1.5, size=SHAPE)
    p = torch.zeros(SHAPE, dtype=torch.float64, requires_grad=True)
    reference = torch_class([p], **torch_kwargs)
    differences = []
    for _ in range(steps):
        g = grad(theta)
        with torch.no_grad():
            p.copy_(torch.from_numpy(theta))
        p.grad = torch.from_numpy(g.copy())
        reference.step()
        theirs = p.detach().numpy() - theta
        new_theta = ours.step(theta, g)
        mine = new_theta - theta
        differences.append(np.max(np.abs(mine - theirs)) / max(np.max(np.abs(theirs)), 1e-300))
        theta = new_theta
    return np.array(differences), theta


# Each case: our optimizer, the torch class, torch's keyword arguments. Several settings per
# method, weight decay included; learning rates keep the noisy run bounded.
CASES = {
    "SGD": (optimizers.SGD(1e-3), torch.optim.SGD, dict(lr=1e-3)),
    "SGD weight decay": (optimizers.SGD(5e-4, weight_decay=0.3), torch.optim.SGD,
                         dict(lr=5e-4, weight_decay=0.3)),
    "Momentum": (optimizers.Momentum(1e-4), torch.optim.SGD, dict(lr=1e-4, momentum=0.9)),
    "Momentum beta 0.99, weight decay": (optimizers.Momentum(1e-5, beta=0.99, weight_decay=0.05),
                                         torch.optim.SGD, dict(lr=1e-5, momentum=0.99, weight_decay=0.05)),
    "Momentum beta 0": (optimizers.Momentum(1e-3, beta=0.0), torch.optim.SGD, dict(lr=1e-3, momentum=0.0)),
    "Nesterov": (optimizers.Nesterov(1e-4), torch.optim.SGD, dict(lr=1e-4, momentum=0.9, nesterov=True)),
    "Nesterov beta 0.5, weight decay": (optimizers.Nesterov(5e-4, beta=0.5, weight_decay=0.1), torch.optim.SGD,
                                        dict(lr=5e-4, momentum=0.5, nesterov=True, weight_decay=0.1)),
    "AdaGrad": (optimizers.AdaGrad(0.05), torch.optim.Adagrad, dict(lr=0.05)),
    "AdaGrad eps 1e-3, weight decay": (optimizers.AdaGrad(0.1, eps=1e-3, weight_decay=0.1), torch.optim.Adagrad,
                                       dict(lr=0.1, eps=1e-3, weight_decay=0.1)),
    "RMSProp": (optimizers.RMSProp(1e-3), torch.optim.RMSprop, dict(lr=1e-3)),
    "RMSProp alpha 0.9, weight decay": (optimizers.RMSProp(1e-3, alpha=0.9, eps=1e-6, weight_decay=0.01),
                                        torch.optim.RMSprop, dict(lr=1e-3, alpha=0.9, eps=1e-6, weight_decay=0.01)),
    "Adam": (optimizers.Adam(1e-3), torch.optim.Adam, dict(lr=1e-3)),
    "Adam betas (0.8, 0.99), weight decay": (
        optimizers.Adam(0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), torch.optim.Adam,
        dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "Adam betas (0, 0.5)": (optimizers.Adam(0.01, betas=(0.0, 0.5)), torch.optim.Adam,
                            dict(lr=0.01, betas=(0.0, 0.5))),
    "Adam AMSGrad": (optimizers.Adam(0.01, amsgrad=True), torch.optim.Adam, dict(lr=0.01, amsgrad=True)),
    "Adam AMSGrad, weight decay": (optimizers.Adam(3e-3, betas=(0.9, 0.99), weight_decay=0.2, amsgrad=True),
                                   torch.optim.Adam, dict(lr=3e-3, betas=(0.9, 0.99), weight_decay=0.2,
                                                          amsgrad=True)),
    "AdamW": (optimizers.AdamW(1e-3), torch.optim.AdamW, dict(lr=1e-3)),
    "AdamW AMSGrad": (optimizers.AdamW(3e-3, weight_decay=0.1, amsgrad=True), torch.optim.AdamW,
                      dict(lr=3e-3, weight_decay=0.1, amsgrad=True)),
    "AdamW weight decay 0.5": (optimizers.AdamW(0.01, betas=(0.9, 0.99), eps=1e-7, weight_decay=0.5),
                               torch.optim.AdamW, dict(lr=0.01, betas=(0.9, 0.99), eps=1e-7, weight_decay=0.5)),
}


@pytest.mark.parametrize("name", CASES)
def test_every_step_matches_torch(name):
    ours, torch_class, kwargs = CASES[name]
    ours.reset()
    differences, final = step_differences(ours, torch_class, kwargs)
    assert np.all(np.isfinite(final)) and np.max(np.abs(final)) < 10, "the test run itself blew up"
    worst = int(np.argmax(differences))
    assert differences[worst] <= RTOL, (
        f"{name}: step {worst + 1} differs from torch by {differences[worst]:.3g} of the step's size")


def test_the_comparison_can_fail():
    """A different setting (beta 0.8 against torch's 0.9), or no bias correction, is caught at once."""
    differences, _ = step_differences(optimizers.Momentum(1e-4, beta=0.8), torch.optim.SGD,
                                      dict(lr=1e-4, momentum=0.9), steps=5)
    assert differences[0] <= RTOL < differences[1]  # step 1 has no memory yet; step 2 does
    differences, _ = step_differences(optimizers.Adam(1e-3, bias_correction=False), torch.optim.Adam,
                                      dict(lr=1e-3), steps=2)
    assert np.all(differences > 1.0)
    differences, _ = step_differences(optimizers.AdamW(1e-3, weight_decay=0.3), torch.optim.Adam,
                                      dict(lr=1e-3, weight_decay=0.3), steps=3)
    assert np.max(differences) > 1e-3  # decoupled decay is not L2


def test_the_same_classes_follow_torch_along_a_whole_trajectory():
    """Away from the comparison by steps: a plain 300-step run from the same start, compared at the end."""
    for ours, torch_class, kwargs in (CASES["Nesterov"], CASES["Adam"], CASES["RMSProp"]):
        ours.reset()
        theta = np.full(SHAPE, -1.0)
        p = torch.tensor(theta, requires_grad=True)
        reference = torch_class([p], **kwargs)
        for _ in range(300):
            theta = ours.step(theta, rosenbrock_grad(theta))
            p.grad = torch.from_numpy(rosenbrock_grad(p.detach().numpy()))
            reference.step()
        np.testing.assert_allclose(theta, p.detach().numpy(), rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- the update rules
def test_momentum_buffer_is_a_geometric_sum_of_gradients():
    opt = optimizers.Momentum(0.1, beta=0.5)
    theta = np.zeros(2)
    for g in ([1.0, 0.0], [0.0, 1.0], [2.0, 2.0]):
        theta = opt.step(theta, np.array(g))
    np.testing.assert_allclose(opt.b, [0.25 * 1 + 0.5 * 0 + 2, 0.25 * 0 + 0.5 * 1 + 2])
    np.testing.assert_allclose(theta, -0.1 * np.array([1 + 0.5 + 2.25, 0 + 1 + 2.5]))  # -lr (b_1 + b_2 + b_3)


def test_nesterov_steps_with_the_gradient_plus_beta_times_the_new_buffer():
    opt = optimizers.Nesterov(0.1, beta=0.5)
    first = opt.step(np.zeros(1), np.array([1.0]))
    second = opt.step(first, np.array([1.0]))
    np.testing.assert_allclose(first, [-0.1 * 1.5])
    np.testing.assert_allclose(second - first, [-0.1 * (1 + 0.5 * 1.5)])


def test_adagrad_and_rmsprop_with_alpha_zero_move_each_coordinate_by_lr():
    """With one gradient (AdaGrad's first step) or no memory (alpha = 0), g / sqrt(g^2) is the sign."""
    g = np.array([1e-3, -3.0, 250.0])  # eps = 1e-10 shortens the small coordinate's step by 1e-7 of it
    np.testing.assert_allclose(optimizers.AdaGrad(0.1).step(np.zeros(3), g), -0.1 * np.sign(g), rtol=1e-6)
    rms = optimizers.RMSProp(0.1, alpha=0.0, eps=1e-12)
    theta = rms.step(rms.step(np.zeros(3), g), -g)
    np.testing.assert_allclose(theta, np.zeros(3), atol=1e-9)


def test_adagrad_steps_shrink_like_one_over_root_t_for_a_constant_gradient():
    opt = optimizers.AdaGrad(1.0)
    theta, previous, steps = np.zeros(1), np.zeros(1), []
    for _ in range(100):
        previous, theta = theta, opt.step(theta, np.array([2.0]))
        steps.append(float(previous[0] - theta[0]))
    np.testing.assert_allclose(steps, 1 / np.sqrt(np.arange(1, 101)), rtol=1e-9)


def test_adam_first_step_is_lr_with_bias_correction_and_about_3_16_lr_without():
    g = np.array([0.5, -2.0, 1e-3])
    corrected = optimizers.Adam(0.01).step(np.zeros(3), g)
    raw = optimizers.Adam(0.01, bias_correction=False).step(np.zeros(3), g)
    np.testing.assert_allclose(corrected, -0.01 * np.sign(g), rtol=1e-4)
    np.testing.assert_allclose(raw, -0.01 * (1 - 0.9) / np.sqrt(1 - 0.999) * np.sign(g), rtol=1e-3)
    assert 3.16 < raw[0] / corrected[0] < 3.17


def test_adam_without_bias_correction_follows_the_raw_moments():
    opt = optimizers.Adam(0.1, betas=(0.5, 0.75), eps=1e-3, bias_correction=False)
    theta, m, v = np.array([1.0, -1.0]), 0.0, 0.0
    for g in ([1.0, 2.0], [-1.0, 0.5], [3.0, 0.0]):
        g = np.array(g)
        m, v = 0.5 * m + 0.5 * g, 0.75 * v + 0.25 * g**2
        expected = theta - 0.1 * m / (np.sqrt(v) + 1e-3)
        theta = opt.step(theta, g)
        np.testing.assert_allclose(theta, expected, rtol=1e-14)


def test_amsgrad_divides_by_the_largest_second_moment_so_far():
    opt = optimizers.Adam(0.1, betas=(0.0, 0.5), eps=1e-12, amsgrad=True)
    theta = opt.step(np.zeros(1), np.array([4.0]))   # v = 8; v_max = 8
    step = opt.step(theta, np.array([1.0]))           # v = 4.5 < v_max = 8
    v_hat = 8.0 / (1 - 0.5**2)
    np.testing.assert_allclose(step - theta, [-0.1 * 1.0 / np.sqrt(v_hat)], rtol=1e-10)
    np.testing.assert_allclose(opt.v_max, [8.0])
    np.testing.assert_allclose(opt.v, [4.5])


def test_adamw_shrinks_parameters_with_a_zero_gradient_and_adam_l2_does_not_decay_alone():
    theta = np.array([2.0, -4.0])
    np.testing.assert_allclose(optimizers.AdamW(0.1, weight_decay=0.5).step(theta, np.zeros(2)), theta * 0.95)
    l2 = optimizers.Adam(0.1, weight_decay=0.5).step(theta, np.zeros(2))
    np.testing.assert_allclose(l2, theta - 0.1 * np.sign(theta), rtol=1e-6)  # L2 enters m and v: a full lr step


def test_a_schedule_may_set_lr_between_steps_but_only_to_a_valid_rate():
    opt = optimizers.Momentum(0.1)
    opt.lr = 0.0
    np.testing.assert_array_equal(opt.step(np.ones(2), np.ones(2)), np.ones(2))
    for bad in (float("nan"), -1.0, "x"):
        with pytest.raises(ValueError, match=r"Momentum: lr \(the learning rate\) must"):
            opt.lr = bad
    assert opt.lr == 0.0


ALL = [optimizers.SGD(0.1), optimizers.Momentum(0.1), optimizers.Nesterov(0.1), optimizers.AdaGrad(0.1),
       optimizers.RMSProp(0.1), optimizers.Adam(0.1), optimizers.Adam(0.1, amsgrad=True), optimizers.AdamW(0.1)]


@pytest.mark.parametrize("opt", ALL, ids=repr)
def test_step_leaves_its_inputs_alone_and_reset_starts_over(opt):
    opt.reset()
    theta, grad = np.array([[1.0, 2.0], [3.0, -4.0]]), np.array([[0.5, -1.0], [0.0, 2.0]])
    kept = theta.copy(), grad.copy()
    first = opt.step(theta, grad)
    second = opt.step(first, grad)
    np.testing.assert_array_equal(theta, kept[0])
    np.testing.assert_array_equal(grad, kept[1])
    assert opt.t == 2 and not np.shares_memory(first, theta)
    opt.reset()
    assert opt.t == 0 and all(getattr(opt, name) is None for name in opt.buffers)
    np.testing.assert_array_equal(opt.step(theta, grad), first)
    np.testing.assert_array_equal(opt.step(first, grad), second)


@pytest.mark.parametrize("opt", ALL, ids=repr)
def test_state_from_other_parameters_is_refused(opt):
    opt.reset()
    opt.step(np.zeros(3), np.ones(3))
    if opt.buffers:
        with pytest.raises(ValueError, match=r"holds state for parameters of shape \(3,\).*reset\(\)"):
            opt.step(np.zeros(4), np.ones(4))
    with pytest.raises(ValueError, match=r"theta has shape \(3,\) but grad has shape \(3, 1\)"):
        opt.step(np.zeros(3), np.ones((3, 1)))


# --------------------------------------------------------------------------- bad hyperparameters
BAD = [
    (lambda: optimizers.SGD(-0.1), r"lr \(the learning rate\) must be finite and >= 0, got -0.1"),
    (lambda: optimizers.SGD(float("nan")), r"lr \(the learning rate\) must be finite and >= 0, got nan"),
    (lambda: optimizers.Adam(float("inf")), r"lr \(the learning rate\) must be finite and >= 0, got inf"),
    (lambda: optimizers.SGD("fast"), r"lr \(the learning rate\) must be a real number, got 'fast'"),
    (lambda: optimizers.SGD(0.1, weight_decay=-1.0), "weight_decay must be finite and >= 0, got -1.0"),
    (lambda: optimizers.AdamW(0.1, weight_decay=-0.01), "weight_decay must be finite and >= 0, got -0.01"),
    (lambda: optimizers.Momentum(0.1, beta=1.0), r"beta \(the momentum\) must lie in \[0, 1\), got 1.0"),
    (lambda: optimizers.Nesterov(0.1, beta=-0.5), r"beta \(the momentum\) must be finite and >= 0, got -0.5"),
    (lambda: optimizers.Momentum(0.1, beta=float("nan")), r"beta \(the momentum\) must be finite .* got nan"),
    (lambda: optimizers.RMSProp(0.1, alpha=1.5), r"alpha \(the decay rate of the average\) must lie in "
                                                 r"\[0, 1\), got 1.5"),
    (lambda: optimizers.RMSProp(0.1, eps=0.0), "eps must be finite and > 0, got 0.0"),
    (lambda: optimizers.AdaGrad(0.1, eps=-1e-10), "eps must be finite and > 0, got -1e-10"),
    (lambda: optimizers.Adam(0.1, eps=0), "eps must be finite and > 0, got 0"),
    (lambda: optimizers.Adam(0.1, betas=(0.9, 1.0)), r"beta2 \(betas\[1\]\) must lie in \[0, 1\), got 1.0"),
    (lambda: optimizers.Adam(0.1, betas=(1.2, 0.999)), r"beta1 \(betas\[0\]\) must lie in \[0, 1\), got 1.2"),
    (lambda: optimizers.AdamW(0.1, betas=(-0.1, 0.999)), r"beta1 \(betas\[0\]\) must be finite and >= 0"),
    (lambda: optimizers.Adam(0.1, betas=0.9), r"betas must be a pair \(beta1, beta2\), got 0.9"),
    (lambda: optimizers.Adam(0.1, betas=(0.9, 0.99, 0.999)), r"betas must be a pair .* got \(0.9, 0.99, 0.999\)"),
    (lambda: optimizers.Adam(0.1, bias_correction="yes"), "bias_correction must be True or False, got 'yes'"),
    (lambda: optimizers.Adam(0.1, amsgrad=1), "amsgrad must be True or False, got 1"),
    (lambda: optimizers.SGD(0.1).step(np.zeros(2), np.zeros(3)), "shape"),
    (lambda: optimizers.Adam(0.1).step(np.zeros(2), np.array([np.nan, 0.0])), "grad contains a non-finite"),
    (lambda: optimizers.Momentum(0.1).step([np.inf, 0.0], np.zeros(2)), "theta contains a non-finite"),
    (lambda: optimizers.SGD(0.1).step(None, 1.0), "theta must be real numbers, got NoneType"),
    (lambda: optimizers.Adam(0.1).step(np.zeros(2), np.array([1j, 0])), "grad must be real numbers"),
]


@pytest.mark.parametrize("call, message", BAD)
def test_bad_input_is_refused_with_a_message_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()
