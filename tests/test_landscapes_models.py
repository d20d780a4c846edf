"""optimlab.landscapes and optimlab.models against torch.autograd and finite differences."""

import numpy as np
import pytest
import torch
from optimlab import data, landscapes, models
from optimlab.gradcheck import check_grad

rng = np.random.default_rng(7)

LANDSCAPES = {
    "quadratic": landscapes.quadratic(10.0),
    "quadratic rotated": landscapes.quadratic(25.0, angle=0.6),
    "rosenbrock": landscapes.rosenbrock(),
    "beale": landscapes.beale(),
    "saddle": landscapes.saddle(),
    "himmelblau": landscapes.himmelblau(),
    "booth": landscapes.booth(),
}


def torch_f(ls):
    """The landscape's f evaluated on a torch tensor (its formulas are plain arithmetic)."""
    return lambda t: ls._f(t[0], t[1])


@pytest.mark.parametrize("name", LANDSCAPES)
def test_landscape_gradient_and_hessian_match_autograd(name):
    ls = LANDSCAPES[name]
    (x0, x1), (y0, y1) = ls.bounds
    for point in rng.uniform([x0, y0], [x1, y1], size=(5, 2)):
        t = torch.tensor(point, dtype=torch.float64)
        np.testing.assert_allclose(ls.grad(point), torch.func.grad(torch_f(ls))(t).numpy(), rtol=1e-10, atol=1e-10)
        hessian = torch.autograd.functional.hessian(torch_f(ls), t).numpy()
        np.testing.assert_allclose(ls.hessian(point), hessian, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("name", LANDSCAPES)
def test_landscape_minima_are_stationary_and_lowest(name):
    ls = LANDSCAPES[name]
    X, Y, Z = ls.grid(120)
    for m in ls.minima:
        np.testing.assert_allclose(ls.grad(m), 0.0, atol=1e-9)
        assert np.all(np.linalg.eigvalsh(ls.hessian(m)) > 0), "a minimum has a positive definite Hessian"
        assert ls.f(m) <= Z.min() + 1e-12
    assert np.isfinite(ls.f(ls.start))


def test_landscape_evaluates_grids_like_points():
    ls = landscapes.rosenbrock()
    X, Y, Z = ls.grid(7)
    assert Z[3, 2] == pytest.approx(ls.f([X[3, 2], Y[3, 2]]))
    G = ls.grad(np.stack([X, Y]))
    np.testing.assert_allclose(G[:, 3, 2], ls.grad([X[3, 2], Y[3, 2]]))


def test_landscape_grid_is_computed_once_and_read_only():
    ls = landscapes.beale()
    first, again = ls.grid(30), ls.grid(30)
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert ls.grid(31)[2].shape == (31, 31)
    with pytest.raises(ValueError, match="read-only"):
        first[2][0, 0] = 0.0


def test_quadratic_has_eigenvalues_one_and_kappa():
    for angle in (0.0, 0.4):
        ls = landscapes.quadratic(kappa=50.0, angle=angle)
        np.testing.assert_allclose(np.linalg.eigvalsh(ls.hessian([0.3, -0.2])), [1.0, 50.0])


def test_saddle_point_is_a_saddle():
    ls = landscapes.saddle()
    (s,) = ls.saddles
    np.testing.assert_allclose(ls.grad(s), 0.0)
    assert np.sort(np.linalg.eigvalsh(ls.hessian(s))).tolist() == [-1.0, 2.0]


# --------------------------------------------------------------------------- logistic regression
LOGISTIC_X = np.random.default_rng(3).uniform(-2, 2, 25)
LOGISTIC_Y = (np.random.default_rng(4).uniform(size=25) < 1 / (1 + np.exp(-2 * LOGISTIC_X))).astype(float)


def torch_logistic(x, y, l2):
    xt, yt = torch.tensor(x), torch.tensor(y)

    def f(p):
        logits = p[0] + p[1] * xt
        return (torch.nn.functional.binary_cross_entropy_with_logits(logits, yt)
                + 0.5 * l2 * (p @ p))
    return f


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_logistic_regression_matches_autograd_and_the_line_model(l2):
    ls = landscapes.logistic_regression(LOGISTIC_X, LOGISTIC_Y, l2=l2)
    line = landscapes.from_model(models.Line(), "bce_with_logits", (LOGISTIC_X, LOGISTIC_Y))
    for point in rng.uniform(-3, 3, size=(4, 2)):
        t = torch.tensor(point, dtype=torch.float64)
        f = torch_logistic(LOGISTIC_X, LOGISTIC_Y, l2)
        assert ls.f(point) == pytest.approx(f(t).item(), rel=1e-12)
        np.testing.assert_allclose(ls.grad(point), torch.func.grad(f)(t).numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ls.hessian(point), torch.autograd.functional.hessian(f, t).numpy(),
                                   rtol=1e-10, atol=1e-12)
        if l2 == 0:
            assert ls.f(point) == pytest.approx(line.f(point), rel=1e-12)
    X, Y, Z = ls.grid(9)
    assert Z[4, 2] == pytest.approx(ls.f([X[4, 2], Y[4, 2]]), rel=1e-12)


def test_logistic_regression_constants_bound_the_hessian():
    ls = landscapes.logistic_regression(LOGISTIC_X, LOGISTIC_Y, l2=0.2)
    design = np.column_stack([np.ones_like(LOGISTIC_X), LOGISTIC_X])
    assert ls.smoothness == pytest.approx(np.linalg.eigvalsh(design.T @ design)[-1] / (4 * 25) + 0.2)
    assert ls.strong_convexity == 0.2
    for point in rng.uniform(-5, 5, size=(50, 2)):
        eigenvalues = np.linalg.eigvalsh(ls.hessian(point))
        assert ls.strong_convexity <= eigenvalues[0] and eigenvalues[-1] <= ls.smoothness
    # the bound is attained at theta = 0, where every sig(logit) is 1/2: no smaller L will do
    assert np.linalg.eigvalsh(ls.hessian([0.0, 0.0]))[-1] == pytest.approx(ls.smoothness, rel=1e-12)
    (minimum,) = ls.minima
    np.testing.assert_allclose(ls.grad(minimum), 0.0, atol=1e-12)
    assert not ls.separable


def test_logistic_regression_on_separable_data_has_no_minimizer():
    x = np.array([-2.0, -1.0, -0.5, 0.5, 1.5])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0])
    ls = landscapes.logistic_regression(x, y)
    assert ls.separable and ls.minima == []
    # Along a separating direction the loss falls everywhere: no point has a zero gradient.
    X, Y, _ = ls.grid(15)
    G = ls.grad(np.stack([X, Y]))
    assert np.all(G[1] < 0)
    regularized = landscapes.logistic_regression(x, y, l2=0.1)
    assert regularized.separable and len(regularized.minima) == 1
    assert landscapes.logistic_regression(x, 1 - y).separable  # labels the other way round


def test_quadratic_reports_its_constants():
    ls = landscapes.quadratic(kappa=40.0, angle=0.3)
    assert (ls.smoothness, ls.strong_convexity) == (40.0, 1.0)
    assert landscapes.rosenbrock().smoothness is None


def test_newton_polish_refuses_a_function_without_stationary_points():
    with pytest.raises(ValueError, match="no stationary point"):
        landscapes._newton_polish(lambda x, y: (np.ones_like(x), np.ones_like(y)),
                                  lambda x, y: np.eye(2), [0.0, 0.0], iterations=3)


@pytest.mark.parametrize("call, message", [
    (lambda: landscapes.logistic_regression([1.0, 2.0], [0.0]), "same length"),
    (lambda: landscapes.logistic_regression(np.ones((2, 2)), np.ones((2, 2))), "1-D"),
    (lambda: landscapes.logistic_regression([1.0, 2.0], [0.0, 2.0]), "0 or 1"),
    (lambda: landscapes.logistic_regression([1.0, 2.0], [0.0, 1.0], l2=-1.0), "l2"),
])
def test_logistic_regression_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: landscapes.booth().f([1.0, 2.0, 3.0]), "2 coordinates"),
    (lambda: landscapes.booth().grad([np.nan, 0.0]), "non-finite"),
    (lambda: landscapes.booth().hessian(np.zeros((2, 3))), "one point"),
    (lambda: landscapes.quadratic(kappa=-1.0), "kappa"),
    (lambda: landscapes.from_model(models.MLP([1, 2, 1]), "mse", data.linear()), "2 parameters"),
])
def test_landscape_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- models
def torch_model_loss(model, loss, x, y):
    """The model's loss as a torch function of its flat parameters (for autograd)."""
    xt, yt = torch.tensor(x), torch.tensor(y)

    def f(p):
        if isinstance(model, models.Line):
            pred = p[0] + p[1] * xt
        elif isinstance(model, models.Gabor):
            u = p[0] + 0.06 * p[1] * xt
            pred = torch.sin(u) * torch.exp(-u**2 / 8.0)
        else:
            h, i = xt if xt.ndim == 2 else xt[:, None], 0
            act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[model.activation_name]
            for depth, ((o, n_in), _) in enumerate(model.shapes):
                W = p[i:i + o * n_in].reshape(o, n_in)
                b = p[i + o * n_in:i + o * n_in + o]
                i += o * n_in + o
                h = h @ W.T + b
                if depth < len(model.shapes) - 1:
                    h = act(h)
            pred = h[:, 0] if model.sizes[-1] == 1 else h
        if loss == "mse":
            return torch.nn.functional.mse_loss(pred, yt)
        return torch.nn.functional.cross_entropy(pred, yt)
    return f


MODEL_CASES = {
    "line": (models.Line([0.3, -1.2]), "mse", data.linear(n=20, seed=1)),
    "gabor": (models.Gabor([0.5, 12.0]), "mse", data.gabor(n=30, seed=2)),
    "mlp tanh": (models.MLP([1, 6, 5, 1], "tanh", seed=3), "mse", data.linear(n=25, seed=3)),
    "mlp relu": (models.MLP([1, 7, 1], "relu", seed=4), "mse", data.linear(n=25, seed=4)),
    "mlp sigmoid classifier": (models.MLP([2, 5, 3], "sigmoid", seed=5), "cross_entropy",
                               data.classification(n=40, k=3, seed=5)),
}


@pytest.mark.parametrize("name", MODEL_CASES)
def test_model_gradient_matches_autograd_and_finite_differences(name):
    model, loss, (x, y) = MODEL_CASES[name]
    value, grad = model.loss_and_grad(loss, x, y)
    p = torch.tensor(model.params, requires_grad=True)
    expected = torch_model_loss(model, loss, x, y)(p)
    expected.backward()
    assert value == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(grad, p.grad.numpy(), rtol=1e-10, atol=1e-12)
    result = check_grad(lambda q: model.loss(loss, x, y, q), lambda q: model.loss_and_grad(loss, x, y, q)[1],
                        model.params)
    assert result.passed(1e-5), str(result)


def test_activation_derivatives_and_the_relu_kink():
    a = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    for name, torch_fn in (("tanh", torch.tanh), ("sigmoid", torch.sigmoid), ("relu", torch.relu)):
        fn, derivative = models.activation(name)
        t = torch.tensor(a, requires_grad=True)
        torch_fn(t).sum().backward()
        np.testing.assert_allclose(fn(a), torch_fn(torch.tensor(a)).numpy(), rtol=1e-14)
        np.testing.assert_allclose(derivative(a), t.grad.numpy(), rtol=1e-14)
    assert models.activation("relu")[1](np.array([0.0]))[0] == 0.0


def test_mlp_layers_are_views_and_seeded():
    a, b = models.MLP([2, 4, 1], seed=9), models.MLP([2, 4, 1], seed=9)
    np.testing.assert_array_equal(a.params, b.params)
    assert a.n_params == 2 * 4 + 4 + 4 * 1 + 1
    (W1, b1), (W2, b2) = a.layers()
    assert W1.shape == (4, 2) and b2.shape == (1,) and np.shares_memory(W1, a.params)


def test_models_do_not_change_their_params_when_evaluated_elsewhere():
    model = models.Line([1.0, 2.0])
    model.loss_and_grad("mse", *data.linear(n=5), params=np.array([0.0, 0.0]))
    np.testing.assert_array_equal(model.params, [1.0, 2.0])


@pytest.mark.parametrize("call, message", [
    (lambda: models.Line([1.0, 2.0, 3.0]), r"shape \(2,\)"),
    (lambda: models.Line()(np.ones((3, 2))), "1-D"),
    (lambda: models.MLP([2, 3, 1])(np.ones((4, 3))), r"\(n, 2\)"),
    (lambda: models.MLP([2]), "at least"),
    (lambda: models.MLP([1, 3, 1], "softsign"), "unknown activation"),
    (lambda: models.Line().loss("hinge", [1.0], [1.0]), "unknown loss"),
    (lambda: models.Line().loss("mse", [1.0, 2.0], [1.0]), "shape"),
])
def test_model_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_scaled_landscape_multiplies_loss_gradient_and_hessian():
    base = landscapes.rosenbrock()
    small = landscapes.scaled(base, 1e-4)
    point = np.array([0.3, -0.2])
    assert small.f(point) == pytest.approx(1e-4 * base.f(point), rel=1e-15)
    np.testing.assert_allclose(small.grad(point), 1e-4 * base.grad(point), rtol=1e-15)
    np.testing.assert_allclose(small.hessian(point), 1e-4 * base.hessian(point), rtol=1e-15)
    np.testing.assert_array_equal(small.start, base.start)
    assert small.minima[0].tolist() == base.minima[0].tolist()
    quad = landscapes.scaled(landscapes.quadratic(10), 2.0)
    assert (quad.smoothness, quad.strong_convexity) == (20.0, 2.0)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="scaled"):
            landscapes.scaled(base, bad)
    with pytest.raises(ValueError, match="Landscape"):
        landscapes.scaled("rosenbrock", 2.0)
