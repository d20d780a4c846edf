"""optimlab.train (minimize, fit) and data.minibatches; the optimizers themselves are in test_optimizers.py."""

import numpy as np
import pytest
from optimlab import data, landscapes, models, optimizers, schedules, train


# --------------------------------------------------------------------------- train.minimize
def test_minimize_converges_below_two_over_L_and_diverges_above():
    """On a quadratic with largest Hessian eigenvalue L, GD converges iff lr < 2 / L (Chapter 2)."""
    ls = landscapes.quadratic(kappa=10.0)
    below = train.minimize(ls, optimizers.SGD(0.99 * 2 / 10), ls.start, 3000)
    above = train.minimize(ls, optimizers.SGD(1.05 * 2 / 10), ls.start, 10000)
    assert not below.diverged and below.final_loss < 1e-12
    assert above.diverged and above.steps < 10000
    assert np.all(np.isfinite(above.thetas)) and np.all(np.isfinite(above.losses))


def test_minimize_history_shape_and_contents():
    ls = landscapes.booth()
    h = train.minimize(ls, optimizers.SGD(0.02), ls.start, 50, label="gd")
    assert h.thetas.shape == (51, 2) and h.losses.shape == (51,)
    np.testing.assert_array_equal(h.thetas[0], ls.start)
    assert h.losses[10] == pytest.approx(ls.f(h.thetas[10]))
    assert h.steps == 50 and h.evaluations == 50 and not h.diverged and h.label == "gd"
    assert h.steps_to(h.losses[20]) <= 20 and h.steps_to(-1.0) is None


def test_history_distances_and_steps_to_shrink():
    ls = landscapes.quadratic(kappa=4.0)
    h = train.minimize(ls, optimizers.SGD(0.25), [2.0, 0.0], 30)  # the flat direction shrinks by 3/4
    np.testing.assert_allclose(h.distances([0.0, 0.0]), 2.0 * 0.75 ** np.arange(31))
    assert h.steps_to_shrink([0.0, 0.0], factor=0.1) == 9  # 0.75^8 = 0.100..., 0.75^9 = 0.075
    assert h.steps_to_shrink([0.0, 0.0], factor=1e-9) is None
    assert train.fitted_rate(h.distances([0.0, 0.0])) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="point has shape"):
        h.distances([0.0, 0.0, 0.0])


def test_minimize_resets_the_optimizer_between_runs():
    ls = landscapes.booth()
    opt = optimizers.SGD(0.02)
    first = train.minimize(ls, opt, ls.start, 20)
    second = train.minimize(ls, opt, ls.start, 20)
    np.testing.assert_array_equal(first.thetas, second.thetas)


def test_minimize_with_a_schedule_matches_torch_step_lr_and_restores_the_rate():
    """A scheduled run of Momentum follows torch's SGD(momentum) driven by StepLR."""
    import torch

    ls = landscapes.rosenbrock()
    decay = schedules.StepDecay(1e-3, every=3, factor=0.5)
    opt = optimizers.Momentum(1e-3, 0.9)
    history = train.minimize(ls, opt, ls.start, 10, schedule=decay)
    p = torch.tensor(ls.start, requires_grad=True)
    torch_opt = torch.optim.SGD([p], lr=1e-3, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(torch_opt, step_size=3, gamma=0.5)
    for theta in history.thetas[1:]:
        p.grad = torch.from_numpy(ls.grad(p.detach().numpy()))
        torch_opt.step()
        scheduler.step()
        np.testing.assert_allclose(theta, p.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(history.lrs, [decay(t) for t in range(1, 11)])
    assert opt.lr == 1e-3
    plain = train.minimize(ls, opt, ls.start, 10)
    np.testing.assert_array_equal(plain.lrs, np.full(10, 1e-3))


def test_minimize_bad_input():
    ls = landscapes.booth()
    with pytest.raises(ValueError, match="steps"):
        train.minimize(ls, optimizers.SGD(0.1), ls.start, -1)
    with pytest.raises(ValueError, match="2 coordinates"):
        train.minimize(ls, optimizers.SGD(0.1), [1.0, 2.0, 3.0], 5)
    with pytest.raises(ValueError, match="schedule must be a callable"):
        train.minimize(ls, optimizers.SGD(0.1), ls.start, 5, schedule=0.1)
    with pytest.raises(ValueError, match=r"schedule\(3\) must be finite and >= 0, got -1"):
        train.minimize(ls, optimizers.SGD(0.1), ls.start, 5, schedule=lambda t: 0.1 if t < 3 else -1)


# --------------------------------------------------------------------------- train.fit
def test_full_batch_fit_is_minimize_on_the_model_landscape():
    d = data.linear(n=30, seed=0)
    model = models.Line([0.0, 0.0])
    fitted = train.fit(model, "mse", d, optimizers.SGD(0.1), epochs=40)
    ls = landscapes.from_model(models.Line([0.0, 0.0]), "mse", d)
    walked = train.minimize(ls, optimizers.SGD(0.1), [0.0, 0.0], 40)
    np.testing.assert_allclose(fitted.thetas, walked.thetas, rtol=1e-12)
    np.testing.assert_allclose(fitted.losses, walked.losses, rtol=1e-12)
    np.testing.assert_array_equal(model.params, fitted.final_theta)


def test_fit_with_minibatches_is_seeded_and_counts_steps():
    d = data.linear(n=30, seed=0)
    a = train.fit(models.Line(), "mse", d, optimizers.SGD(0.05), epochs=3, batch_size=7, seed=5)
    b = train.fit(models.Line(), "mse", d, optimizers.SGD(0.05), epochs=3, batch_size=7, seed=5)
    c = train.fit(models.Line(), "mse", d, optimizers.SGD(0.05), epochs=3, batch_size=7, seed=6)
    np.testing.assert_array_equal(a.thetas, b.thetas)
    assert not np.array_equal(a.thetas, c.thetas)
    assert a.steps == 3 * 5 and len(a.batch_losses) == 15  # ceil(30 / 7) = 5 batches an epoch


def test_fit_stops_cleanly_when_training_diverges():
    h = train.fit(models.MLP([1, 8, 1], "relu"), "mse", data.linear(), optimizers.SGD(5.0), epochs=500)
    assert h.diverged and h.steps < 500
    assert np.all(np.isfinite(h.losses)) and np.all(np.isfinite(h.thetas))


def test_fit_rejects_mismatched_data():
    with pytest.raises(ValueError, match="inputs but"):
        train.fit(models.Line(), "mse", (np.ones(3), np.ones(4)), optimizers.SGD(0.1), epochs=1)


# --------------------------------------------------------------------------- data.minibatches
def test_minibatches_without_replacement_cover_each_example_once():
    batches = list(data.minibatches(30, 5, np.random.default_rng(0)))
    assert [len(b) for b in batches] == [5] * 6
    assert sorted(np.concatenate(batches).tolist()) == list(range(30))
    uneven = list(data.minibatches(10, 4, np.random.default_rng(0)))
    assert [len(b) for b in uneven] == [4, 4, 2]


def test_minibatches_with_replacement_draw_independently():
    batches = list(data.minibatches(10, 4, np.random.default_rng(0), replace=True))
    assert len(batches) == 3 and all(len(b) == 4 for b in batches)
    draws = np.concatenate([b for _ in range(200) for b in data.minibatches(10, 5, np.random.default_rng(_), True)])
    assert np.bincount(draws).min() > 0 and len(set(draws.tolist())) == 10


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 10, "batch_size": 0}, "batch_size"),
    ({"n": 10, "batch_size": 11}, "batch_size"),
    ({"n": 0, "batch_size": 1}, "positive integer"),
])
def test_minibatches_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        list(data.minibatches(rng=np.random.default_rng(0), **kwargs))
