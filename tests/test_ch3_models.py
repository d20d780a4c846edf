"""Chapter 3's additions to models and data: MLP initialization schemes, prediction without a cache,
and the spiral data set."""

import numpy as np
import pytest
import torch
from optimlab import data, models
from optimlab.gradcheck import check_grad

D_IN, D_OUT = 400, 300  # one large layer: 120,000 weights, so sample variances are accurate to ~0.4%


def first_layer_weights(init, seed=0):
    return models.MLP([D_IN, D_OUT, 2], "relu", seed=seed, init=init).layers()[0][0]


@pytest.mark.parametrize("init, variance", [
    ("lecun", 1 / D_IN),
    ("xavier", 2 / (D_IN + D_OUT)),
    ("he", 2 / D_IN),
    (0.5, 0.25 / D_IN),
    (3, 9 / D_IN),
])
def test_initial_weight_variance_matches_the_formula(init, variance):
    weights = first_layer_weights(init)
    # the sample variance of m normal draws has relative standard deviation sqrt(2 / m)
    tolerance = 5 * np.sqrt(2 / weights.size)
    assert weights.var() == pytest.approx(variance, rel=tolerance)
    assert abs(weights.mean()) < 5 * np.sqrt(variance / weights.size)
    assert models.init_std(init, D_IN, D_OUT) ** 2 == pytest.approx(variance, rel=1e-12)


@pytest.mark.parametrize("init, torch_init", [
    ("xavier", torch.nn.init.xavier_normal_),
    ("he", lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="relu")),
])
def test_xavier_and_he_match_torch_initializers(init, torch_init):
    torch.manual_seed(0)
    reference = torch_init(torch.empty(D_OUT, D_IN, dtype=torch.float64)).numpy()
    tolerance = 5 * np.sqrt(1 / (2 * reference.size))  # relative standard deviation of a sample std
    assert reference.std() == pytest.approx(models.init_std(init, D_IN, D_OUT), rel=tolerance)
    assert first_layer_weights(init).std() == pytest.approx(reference.std(), rel=2 * tolerance)


def test_default_init_is_unchanged_and_gains_name_the_schemes():
    sizes = [3, 7, 5, 2]
    default = models.MLP(sizes, "tanh", seed=4)
    rng = np.random.default_rng(4)
    expected_first = rng.normal(0.0, 1.0 / np.sqrt(3), size=(7, 3))
    np.testing.assert_array_equal(default.layers()[0][0], expected_first)
    np.testing.assert_array_equal(default.params, models.MLP(sizes, "tanh", seed=4, init="lecun").params)
    np.testing.assert_array_equal(default.params, models.MLP(sizes, "tanh", seed=4, init=1.0).params)
    np.testing.assert_array_equal(models.MLP(sizes, seed=4, init="he").params,
                                  models.MLP(sizes, seed=4, init=np.sqrt(2.0)).params)
    for init in ("lecun", "xavier", "he", 0.1):
        for _, b in models.MLP(sizes, seed=4, init=init).layers():
            assert np.all(b == 0)


@pytest.mark.parametrize("init, message", [
    ("glorot", "unknown init"),
    ("He", "unknown init"),
    (0.0, "positive finite gain"),
    (-1.0, "positive finite gain"),
    (float("nan"), "positive finite gain"),
    (float("inf"), "positive finite gain"),
    (True, "positive finite gain"),
    (None, "positive finite gain"),
    ([1.0], "positive finite gain"),
])
def test_bad_init_raises_value_error(init, message):
    with pytest.raises(ValueError, match=message):
        models.MLP([2, 3, 1], init=init)


@pytest.mark.parametrize("d_in, d_out", [(0, 3), (3, -1), (2.5, 3), (True, 3)])
def test_init_std_rejects_bad_widths(d_in, d_out):
    with pytest.raises(ValueError, match="positive integers"):
        models.init_std("he", d_in, d_out)


def test_prediction_keeps_no_cache_and_matches_the_training_forward_pass():
    model = models.MLP([2, 6, 3], "relu", seed=1)
    x = np.random.default_rng(0).normal(size=(8, 2))
    kept, cache = model.forward(x)
    dropped, nothing = model.forward(x, keep_cache=False)
    assert nothing is None
    layers, stored = cache
    assert len(stored) == 2 and stored[0][0].shape == (8, 2) and stored[1][1].shape == (8, 3)
    np.testing.assert_array_equal(kept, dropped)
    np.testing.assert_array_equal(model(x), kept)


def test_mlp_cross_entropy_gradient_with_he_init_matches_autograd():
    """The chapter's classifier setting (ReLU, He init, cross-entropy) against torch in float64."""
    model = models.MLP([2, 6, 5, 3], "relu", seed=7, init="he")
    x, y = data.spirals(n=40, k=3, seed=7)
    value, grad = model.loss_and_grad("cross_entropy", x, y)
    params = [torch.tensor(p, requires_grad=True) for W, b in model.layers() for p in (W, b)]
    h = torch.tensor(x)
    for k in range(0, len(params), 2):
        h = h @ params[k].T + params[k + 1]
        if k + 2 < len(params):
            h = torch.relu(h)
    loss = torch.nn.functional.cross_entropy(h, torch.tensor(y))
    loss.backward()
    assert value == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(grad, torch.cat([p.grad.flatten() for p in params]).numpy(), rtol=1e-10, atol=1e-13)
    result = check_grad(lambda q: model.loss("cross_entropy", x, y, q),
                        lambda q: model.loss_and_grad("cross_entropy", x, y, q)[1], model.params)
    assert result.passed(1e-4), str(result)  # ReLU kinks near some examples cost finite differences accuracy


# --------------------------------------------------------------------------- data.spirals
def test_spirals_are_seeded_balanced_and_inside_the_unit_disc():
    x, y = data.spirals(n=301, k=3, seed=5)
    again = data.spirals(n=301, k=3, seed=5)
    other = data.spirals(n=301, k=3, seed=6)
    np.testing.assert_array_equal(x, again.x)
    np.testing.assert_array_equal(y, again.y)
    assert not np.array_equal(x, other.x)
    assert x.shape == (301, 2) and y.shape == (301,) and y.dtype == np.int64
    assert sorted(np.bincount(y).tolist()) == [100, 100, 101]
    assert np.all(np.hypot(x[:, 0], x[:, 1]) <= 1.0)


def test_spirals_without_noise_lie_on_their_arms():
    x, y = data.spirals(n=200, k=4, noise=0.0, twist=0.0, seed=1)
    angles = np.arctan2(x[:, 1], x[:, 0]) % (2 * np.pi)
    np.testing.assert_allclose(angles, (2 * np.pi * y / 4) % (2 * np.pi), atol=1e-12)
    x, y = data.spirals(n=200, k=2, noise=0.0, twist=3.0, seed=1)
    radius = np.hypot(x[:, 0], x[:, 1])
    expected = np.column_stack([np.cos(np.pi * y + 3.0 * radius), np.sin(np.pi * y + 3.0 * radius)])
    np.testing.assert_allclose(x, radius[:, None] * expected, atol=1e-12)


def test_spirals_defeat_a_linear_classifier():
    """The chapter's claim that no straight line separates the arms: softmax regression stays far from 100%."""
    x, y = data.spirals(n=300, k=3, seed=0)
    model = models.MLP([2, 3], seed=0)
    theta = model.params
    for _ in range(400):
        theta = theta - 1.0 * model.loss_and_grad("cross_entropy", x, y, theta)[1]
    assert np.mean(np.argmax(model(x, theta), axis=1) == y) < 0.75


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, "positive integer"),
    ({"k": 1}, "integer number of classes"),
    ({"k": 2.5}, "integer number of classes"),
    ({"noise": -0.1}, "noise"),
    ({"twist": float("nan")}, "twist"),
])
def test_spirals_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.spirals(**kwargs)
