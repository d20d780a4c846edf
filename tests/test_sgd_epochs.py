"""Chapter 5: data.minibatches, learning-rate schedules, fit's per-epoch records and schedule, averaging."""

import math

import numpy as np
import pytest
from optimlab import data, models, optimizers, schedules, train


# --------------------------------------------------------------------------- data.minibatches
def test_minibatches_are_a_permutation_cut_into_slices():
    batches = list(data.minibatches(23, 6, np.random.default_rng(4)))
    order = np.random.default_rng(4).permutation(23)
    assert [len(b) for b in batches] == [6, 6, 6, 5]
    np.testing.assert_array_equal(np.concatenate(batches), order)


def test_two_epochs_use_fresh_permutations():
    rng = np.random.default_rng(0)
    first, second = (np.concatenate(list(data.minibatches(30, 5, rng))) for _ in range(2))
    assert sorted(first) == sorted(second) == list(range(30)) and not np.array_equal(first, second)


def test_epoch_with_replacement_misses_about_a_third():
    rng = np.random.default_rng(1)
    n = 200
    missed = [n - len(np.unique(np.concatenate(list(data.minibatches(n, 10, rng, replace=True)))))
              for _ in range(300)]
    assert abs(np.mean(missed) / n - (1 - 1 / n) ** n) < 0.01


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 10, "batch_size": 0}, r"batch_size must be an integer number of examples in \[1, n\] = \[1, 10\], got 0"),
    ({"n": 10, "batch_size": -3}, r"batch_size must be .* in \[1, n\]"),
    ({"n": 10, "batch_size": 11}, "got 11"),
    ({"n": 10, "batch_size": 2.5}, "batch_size must be an integer"),
    ({"n": 10, "batch_size": 2.0}, "batch_size must be an integer"),
    ({"n": 10, "batch_size": True}, "batch_size must be an integer"),
    ({"n": 0, "batch_size": 1}, "positive integer"),
    ({"n": 10, "batch_size": 2, "replace": "yes"}, "replace must be True or False"),
])
def test_minibatches_bad_input_fails_at_the_call(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.minibatches(rng=np.random.default_rng(0), **kwargs)  # no iteration needed


def test_minibatches_rejects_a_seed_instead_of_a_generator():
    with pytest.raises(ValueError, match="numpy Generator"):
        data.minibatches(10, 2, 0)


# --------------------------------------------------------------------------- schedules
def test_schedule_values_at_known_steps():
    assert schedules.Constant(0.3)(7) == 0.3
    step = schedules.StepDecay(1.0, every=10, factor=0.5)
    assert [step(t) for t in (1, 10, 11, 20, 21)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert math.isclose(schedules.Exponential(2.0, gamma=0.9)(3), 2.0 * 0.81)
    cosine = schedules.Cosine(1.0, total=100, lr_min=0.1)
    assert cosine(1) == 1.0 and math.isclose(cosine(51), 0.55) and cosine(101) == cosine(500) == 0.1
    inverse = schedules.InverseTime(0.5, t0=10)
    assert inverse(1) == 0.5 and math.isclose(inverse(11), 0.25) and math.isclose(inverse(1001), 0.5 * 10 / 1010)
    warm = schedules.Warmup(schedules.Constant(0.4), steps=4)
    np.testing.assert_allclose(warm.values(6), [0.1, 0.2, 0.3, 0.4, 0.4, 0.4])


def test_warmup_composes_with_another_schedule_and_accepts_a_number():
    cosine = schedules.Cosine(1.0, total=50)
    warm = schedules.Warmup(cosine, steps=5)
    np.testing.assert_allclose(warm.values(50)[5:], cosine.values(50)[5:])
    np.testing.assert_allclose(warm.values(5), np.arange(1, 6) / 5 * cosine.values(5))
    assert schedules.Warmup(0.2, steps=2)(1) == 0.1


@pytest.mark.parametrize("schedule", [
    schedules.StepDecay(1.0, every=7, factor=0.3), schedules.Exponential(1.0, 0.97),
    schedules.Cosine(1.0, total=80), schedules.InverseTime(1.0, t0=3)])
def test_decaying_schedules_never_increase_and_start_at_lr(schedule):
    rates = schedule.values(200)
    assert rates[0] == 1.0 and np.all(np.diff(rates) <= 1e-15) and rates[-1] < 0.5


def test_robbins_monro_properties():
    # 1/t: partial sums of alpha_t grow like log t (without bound); of alpha_t^2 stay below a limit.
    inverse = schedules.InverseTime(1.0, t0=1).values(100_000)
    sums = np.cumsum(inverse)
    assert math.isclose(sums[-1] - sums[999], math.log(100_000 / 1000), rel_tol=1e-3)
    assert np.sum(inverse**2) < math.pi**2 / 6
    # exponential: the sum is finite, lr / (1 - gamma); constant: the sum of squares grows linearly.
    assert math.isclose(np.sum(schedules.Exponential(1.0, 0.99).values(5000)), 100.0, rel_tol=1e-6)
    assert np.sum(schedules.Constant(0.1).values(1000) ** 2) == pytest.approx(10.0)


@pytest.mark.parametrize("make, message", [
    (lambda: schedules.Constant(-1.0), "lr must be finite and > 0, got -1.0"),
    (lambda: schedules.Constant(float("nan")), "lr"),
    (lambda: schedules.StepDecay(1.0, every=0), "every must be a positive integer"),
    (lambda: schedules.StepDecay(1.0, every=5, factor=1.5),
     "factor must lie strictly between 0 and 1 so that the rate decays"),
    (lambda: schedules.Exponential(1.0, gamma=0.0), "gamma must be finite and > 0"),
    (lambda: schedules.Exponential(1.0, gamma=1.0), "gamma must lie strictly between 0 and 1"),
    (lambda: schedules.Cosine(1.0, total=2.5), "total must be a positive integer"),
    (lambda: schedules.Cosine(1.0, total=10, lr_min=2.0), "lr_min must not exceed"),
    (lambda: schedules.InverseTime(1.0, t0=0), "t0 must be finite and > 0"),
    (lambda: schedules.Warmup("fast", steps=3), "after must be a schedule"),
    (lambda: schedules.Warmup(0.1, steps=0), "steps must be a positive integer"),
    (lambda: schedules.Constant(0.1)(0), "steps count from 1"),
    (lambda: schedules.Constant(0.1)(1.5), "step t must be an integer"),
])
def test_schedules_reject_bad_input(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --------------------------------------------------------------------------- fit: epochs and schedules
def test_fit_records_epochs_examples_and_rates():
    d = data.linear(n=23, seed=0)
    h = train.fit(models.Line(), "mse", d, optimizers.SGD(0.05), epochs=4, batch_size=5, seed=2)
    per_epoch = math.ceil(23 / 5)
    assert h.steps == 4 * per_epoch and len(h.batch_losses) == h.steps
    np.testing.assert_array_equal(h.epoch_losses, h.losses[::per_epoch])
    assert len(h.epoch_losses) == 5
    sizes = np.diff(h.examples)
    assert h.examples[0] == 0 and list(sizes[:per_epoch]) == [5, 5, 5, 5, 3] and h.examples[-1] == 4 * 23
    assert len(h.seconds) == h.steps + 1 and np.all(np.diff(h.seconds) >= 0)
    np.testing.assert_array_equal(h.lrs, np.full(h.steps, 0.05))


def test_fit_epoch_losses_of_full_batch_runs_are_the_step_losses():
    h = train.fit(models.Line(), "mse", data.linear(), optimizers.SGD(0.1), epochs=6)
    np.testing.assert_array_equal(h.epoch_losses, h.losses)


def test_fit_applies_the_schedule_before_each_step():
    d = data.linear(n=20, seed=1)
    schedule = schedules.StepDecay(0.1, every=3, factor=0.5)
    optimizer = optimizers.SGD(0.7)
    h = train.fit(models.Line(), "mse", d, optimizer, epochs=2, batch_size=4, seed=3, schedule=schedule)
    np.testing.assert_array_equal(h.lrs, schedule.values(10))
    assert optimizer.lr == 0.7  # restored
    # the same steps by hand
    model, theta, rng = models.Line(), np.zeros(2), np.random.default_rng(3)
    for t, batch in enumerate([b for _ in range(2) for b in data.minibatches(20, 4, rng)], start=1):
        _, grad = model.loss_and_grad("mse", d.x[batch], d.y[batch], theta)
        theta = theta - schedule(t) * grad
    np.testing.assert_allclose(h.final_theta, theta, rtol=1e-12)


def test_fit_rejects_a_bad_schedule():
    d = data.linear(n=10)
    with pytest.raises(ValueError, match="schedule must be a callable"):
        train.fit(models.Line(), "mse", d, optimizers.SGD(0.1), epochs=1, schedule=0.1)
    with pytest.raises(ValueError, match=r"schedule\(1\) must be finite"):
        train.fit(models.Line(), "mse", d, optimizers.SGD(0.1), epochs=1, schedule=lambda t: -1.0)


# --------------------------------------------------------------------------- iterate averaging
def test_average_iterates_is_the_tail_mean():
    path = np.array([[0.0, 4.0], [2.0, 2.0], [4.0, 0.0], [6.0, 2.0]])
    np.testing.assert_array_equal(train.average_iterates(path), [3.0, 2.0])
    np.testing.assert_array_equal(train.average_iterates(path, start=2), [5.0, 1.0])
    np.testing.assert_array_equal(train.average_iterates(path, start=3), path[3])
    h = train.fit(models.Line(), "mse", data.linear(), optimizers.SGD(0.1), epochs=5, batch_size=10)
    np.testing.assert_array_equal(train.average_iterates(h, 4), h.thetas[4:].mean(axis=0))


def test_averaging_beats_the_last_iterate_of_constant_rate_sgd():
    d = data.linear(n=30, seed=0)
    best = np.polyfit(d.x, d.y, 1)[::-1]
    last, averaged = [], []
    for seed in range(5):
        h = train.fit(models.Line(), "mse", d, optimizers.SGD(0.1), epochs=60, batch_size=1, seed=seed)
        last.append(np.linalg.norm(h.final_theta - best))
        averaged.append(np.linalg.norm(train.average_iterates(h, h.steps // 2) - best))
    assert np.mean(averaged) < 0.3 * np.mean(last)


@pytest.mark.parametrize("start", [-1, 6, 1.5, True])
def test_average_iterates_rejects_bad_start(start):
    with pytest.raises(ValueError, match="start must be an integer index in"):
        train.average_iterates(np.zeros((6, 2)), start)


def test_minibatches_with_replacement_draw_ceil_n_over_b_full_batches():
    batches = list(data.minibatches(23, 6, np.random.default_rng(0), replace=True))
    assert [b.shape for b in batches] == [(6,)] * 4
    assert all(np.all((0 <= b) & (b < 23)) for b in batches)


def test_fit_restores_the_learning_rate_after_a_divergence():
    optimizer = optimizers.SGD(0.3)
    history = train.fit(models.Line(), "mse", data.linear(n=30, seed=0), optimizer, epochs=50, batch_size=5,
                        schedule=schedules.Constant(1e6))
    assert history.diverged
    assert optimizer.lr == 0.3


def test_warmup_and_steps_accept_numpy_integers():
    warm = schedules.Warmup(schedules.Constant(0.1), steps=np.int64(10))
    assert warm(np.int64(5)) == pytest.approx(0.05)
    assert schedules.StepDecay(1.0, every=np.int64(2), factor=0.5)(np.int64(3)) == 0.5
