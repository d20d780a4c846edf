"""optimlab.losses against torch.nn.functional (float64), finite differences, and bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from optimlab import losses
from optimlab.gradcheck import check_grad

rng = np.random.default_rng(1234)
T = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731


def torch_value_and_grad(fn, first, *rest):
    """Value of a torch loss and its gradient with respect to the first argument."""
    x = T(first).requires_grad_(True)
    value = fn(x, *rest)
    value.backward()
    return value.item(), x.grad.numpy()


# --------------------------------------------------------------------------- against torch
@pytest.mark.parametrize("shape", [(7,), (4, 3)])
@pytest.mark.parametrize("name, torch_loss", [("mse", F.mse_loss), ("mae", F.l1_loss)])
def test_elementwise_losses_match_torch(name, torch_loss, shape):
    loss, loss_grad = getattr(losses, name), getattr(losses, f"{name}_grad")
    pred, target = rng.normal(size=shape), rng.normal(size=shape)
    value, grad = torch_value_and_grad(torch_loss, pred, T(target))
    assert loss(pred, target) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(loss_grad(pred, target), grad, rtol=1e-12)


@pytest.mark.parametrize("sigma", [0.3, 1.0, 2.5])
def test_gaussian_nll_matches_torch(sigma):
    pred, target = rng.normal(size=9), rng.normal(size=9)
    var = T(np.full(9, sigma**2))
    value, grad = torch_value_and_grad(lambda p: F.gaussian_nll_loss(p, T(target), var, full=True), pred)
    assert losses.gaussian_nll(pred, target, sigma) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(losses.gaussian_nll_grad(pred, target, sigma), grad, rtol=1e-12)


def test_gaussian_nll_accepts_per_example_sigma():
    pred, target, sigma = rng.normal(size=5), rng.normal(size=5), rng.uniform(0.5, 2, 5)
    value, _ = torch_value_and_grad(lambda p: F.gaussian_nll_loss(p, T(target), T(sigma**2), full=True), pred)
    assert losses.gaussian_nll(pred, target, sigma) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("delta", [0.1, 1.0, 2.5])
def test_huber_matches_torch(delta):
    # residuals of every size, so both the quadratic and the linear branch are exercised
    pred, target = rng.normal(0, 2, size=15), rng.normal(0, 1, size=15)
    value, grad = torch_value_and_grad(lambda p: F.huber_loss(p, T(target), delta=delta), pred)
    assert losses.huber(pred, target, delta) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(losses.huber_grad(pred, target, delta), grad, rtol=1e-12)


def test_robust_gradients_at_the_kinks_follow_torch():
    """|r| has no derivative at 0: the book, like torch, uses 0; Huber's gradient is continuous at delta."""
    pred, target = np.array([1.0, 2.0, -3.0, 0.5]), np.array([1.0, 1.0, -2.0, 0.5])  # r = 0, 1, -1, 0
    _, grad = torch_value_and_grad(F.l1_loss, pred, T(target))
    np.testing.assert_array_equal(losses.mae_grad(pred, target), grad)
    assert losses.mae_grad(pred, target)[[0, 3]].tolist() == [0.0, 0.0]
    _, grad = torch_value_and_grad(lambda p: F.huber_loss(p, T(target), delta=1.0), pred)
    np.testing.assert_allclose(losses.huber_grad(pred, target, 1.0), grad, rtol=1e-15)


def test_huber_interpolates_between_squared_and_absolute_error():
    """Half the MSE for residuals within delta; delta * (MAE - delta / 2) for residuals beyond it."""
    small, large = rng.uniform(-0.9, 0.9, 10), rng.choice([-1, 1], 10) * rng.uniform(1.1, 5.0, 10)
    zero = np.zeros(10)
    assert losses.huber(small, zero) == pytest.approx(0.5 * losses.mse(small, zero), rel=1e-14)
    assert losses.huber(large, zero) == pytest.approx(losses.mae(large, zero) - 0.5, rel=1e-14)
    assert np.max(np.abs(losses.huber_grad(large, zero, 0.7))) == pytest.approx(0.7 / 10)


@pytest.mark.parametrize("name", ["mae", "huber"])
def test_line_model_uses_the_robust_losses(name):
    """models.Line looks losses up by name: its gradient for MAE and Huber matches torch.autograd."""
    from optimlab import models

    x, y, theta = rng.uniform(0, 2, 12), rng.normal(size=12), np.array([0.3, -0.4])
    loss, grad = models.Line().loss_and_grad(name, x, y, theta)
    torch_loss = {"mae": F.l1_loss, "huber": F.huber_loss}[name]
    params = T(theta).requires_grad_(True)
    value = torch_loss(params[0] + params[1] * T(x), T(y))
    value.backward()
    assert loss == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(grad, params.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e3])
def test_bce_with_logits_matches_torch(scale):
    logits, targets = scale * rng.normal(size=12), rng.uniform(0, 1, 12)
    value, grad = torch_value_and_grad(
        lambda z: F.binary_cross_entropy_with_logits(z, T(targets)), logits)
    assert losses.bce_with_logits(logits, targets) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(losses.bce_with_logits_grad(logits, targets), grad, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("scale", [1.0, 50.0, 1e4])
def test_softmax_family_matches_torch(scale):
    z = scale * rng.normal(size=(6, 5))
    np.testing.assert_allclose(losses.softmax(z), torch.softmax(T(z), -1).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(losses.log_softmax(z), torch.log_softmax(T(z), -1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(losses.logsumexp(z), torch.logsumexp(T(z), -1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(losses.log_softmax(z, axis=0), torch.log_softmax(T(z), 0).numpy(), rtol=1e-12)


def test_sigmoid_and_softplus_are_exact_for_any_logit():
    z = np.concatenate([rng.normal(0, 5, 50), [-800.0, -40.0, 0.0, 40.0, 800.0]])
    np.testing.assert_allclose(losses.sigmoid(z), torch.sigmoid(T(z)).numpy(), rtol=1e-14, atol=1e-300)
    # torch's softplus switches to the identity above a threshold; logaddexp(0, z) is exact
    np.testing.assert_allclose(losses.softplus(z), np.logaddexp(0.0, z), rtol=1e-14)


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_cross_entropy_matches_torch(scale):
    logits, labels = scale * rng.normal(size=(8, 4)), rng.integers(0, 4, 8)
    value, grad = torch_value_and_grad(lambda z: F.cross_entropy(z, torch.tensor(labels)), logits)
    assert losses.cross_entropy(logits, labels) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(losses.cross_entropy_grad(logits, labels), grad, rtol=1e-12, atol=1e-300)


def test_kl_divergence_matches_torch_batchmean():
    p, q = rng.dirichlet(np.ones(5), size=4), rng.dirichlet(np.ones(5), size=4)
    expected = F.kl_div(torch.log(T(q)), T(p), reduction="batchmean").item()
    assert losses.kl_divergence(p, q) == pytest.approx(expected, rel=1e-12)


def test_entropy_and_kl_identity():
    """Cross-entropy H(p, q) = KL(p || q) + H(p) (Chapter 1, eq. eq-kl)."""
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    cross = -np.sum(p * np.log(q))
    assert cross == pytest.approx(losses.kl_divergence(p, q) + losses.entropy(p), rel=1e-12)
    assert losses.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-15)


def test_kl_conventions_for_zero_mass():
    assert losses.kl_divergence([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(np.log(2))
    assert losses.kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert losses.entropy([1.0, 0.0]) == 0.0


# --------------------------------------------------------------------------- finite differences
GRADIENT_CASES = {
    "mse": (losses.mse, losses.mse_grad, lambda: (rng.normal(size=6), rng.normal(size=6))),
    "gaussian_nll": (lambda p, t: losses.gaussian_nll(p, t, 0.7),
                     lambda p, t: losses.gaussian_nll_grad(p, t, 0.7),
                     lambda: (rng.normal(size=6), rng.normal(size=6))),
    "mae": (losses.mae, losses.mae_grad, lambda: (rng.normal(size=6), rng.normal(size=6))),
    "huber": (lambda p, t: losses.huber(p, t, 0.8),
              lambda p, t: losses.huber_grad(p, t, 0.8),
              lambda: (rng.normal(0, 2, 8), rng.normal(size=8))),
    "bce_with_logits": (losses.bce_with_logits, losses.bce_with_logits_grad,
                        lambda: (rng.normal(0, 3, 6), rng.uniform(0, 1, 6))),
    "cross_entropy": (losses.cross_entropy, losses.cross_entropy_grad,
                      lambda: (rng.normal(0, 3, (5, 3)), rng.integers(0, 3, 5))),
}


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_gradients_match_finite_differences(name):
    loss, grad, make = GRADIENT_CASES[name]
    first, second = make()
    result = check_grad(lambda x: loss(x, second), lambda x: grad(x, second), first)
    assert result.passed(1e-5), str(result)


def test_kl_gradient_matches_finite_differences_off_the_simplex():
    p, q = rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(4))
    # KL as a function of unconstrained q: sum p log p - sum p log q
    result = check_grad(lambda x: float(np.sum(p * np.log(p / x))),
                        lambda x: losses.kl_divergence_grad(p, q), q)
    assert result.passed(1e-6), str(result)


# --------------------------------------------------------------------------- stability
def test_losses_stay_finite_for_huge_logits():
    assert np.isfinite(losses.bce_with_logits([1e300, -1e300], [0.0, 1.0]))
    assert losses.cross_entropy([[1e300, 0.0]], [1]) == pytest.approx(1e300)
    assert losses.cross_entropy([[1e4, 0.0, -1e4]], [0]) == pytest.approx(0.0, abs=1e-300)
    np.testing.assert_allclose(losses.log_softmax([[1e300, -1e300]]), [[0.0, -2e300]])
    assert losses.softmax([[1e308, -1e308]]).tolist() == [[1.0, 0.0]]


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: losses.mse([1.0, 2.0], [1.0, 2.0, 3.0]), "shape"),
    (lambda: losses.mse([], []), "empty"),
    (lambda: losses.mse([np.nan], [1.0]), "non-finite"),
    (lambda: losses.mse(["a"], [1.0]), "numeric"),
    (lambda: losses.gaussian_nll([1.0], [1.0], sigma=0.0), "sigma"),
    (lambda: losses.gaussian_nll([1.0, 2.0], [1.0, 2.0], sigma=[1.0, 1.0, 1.0]), "sigma"),
    (lambda: losses.mae([1.0, 2.0], [1.0]), "shape"),
    (lambda: losses.mae_grad([np.inf], [1.0]), "non-finite"),
    (lambda: losses.mae([], []), "empty"),
    (lambda: losses.huber([1.0], [1.0], delta=0.0), "delta"),
    (lambda: losses.huber([1.0], [1.0], delta=-1.0), "delta"),
    (lambda: losses.huber_grad([1.0], [1.0], delta=np.nan), "delta"),
    (lambda: losses.huber_grad([1.0], [1.0], delta=[1.0, 2.0]), "delta"),
    (lambda: losses.huber([[1.0]], [1.0]), "shape"),
    (lambda: losses.loss_and_grad_functions("l1"), "unknown loss"),
    (lambda: losses.bce_with_logits([0.0], [1.5]), "probabilities"),
    (lambda: losses.bce_with_logits([0.0, 1.0], [1.0]), "shape"),
    (lambda: losses.cross_entropy([[0.0, 1.0]], [2]), r"\[0, 2\)"),
    (lambda: losses.cross_entropy([[0.0, 1.0]], [-1]), "lie in"),
    (lambda: losses.cross_entropy([[0.0, 1.0]], [1.0]), "integer"),
    (lambda: losses.cross_entropy([[0.0, 1.0]], [True]), "integer"),
    (lambda: losses.cross_entropy([0.0, 1.0], [1]), r"\(n, k\)"),
    (lambda: losses.cross_entropy([[0.0, 1.0], [1.0, 0.0]], [1]), "shape"),
    (lambda: losses.kl_divergence([0.5, 0.6], [0.5, 0.5]), "sum to 1"),
    (lambda: losses.kl_divergence([1.2, -0.2], [0.5, 0.5]), "probabilities"),
    (lambda: losses.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5]), "shape"),
])
def test_bad_input_raises_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
