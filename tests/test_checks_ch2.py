"""Chapter 2: the exercise checks name each likely mistake; the explorer and plot helpers work."""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import explorer_bundle  # noqa: E402
from optimlab import data, landscapes, models, optimizers, plots, train, widgets  # noqa: E402
from optimlab.checks import CheckFailed, check_gradient_descent, check_line_mse_grad  # noqa: E402


def not_implemented(*args):
    raise NotImplementedError()


# --------------------------------------------------------------------------- gradient_descent
def descent(grad_fn, theta0, lr, steps):
    thetas = [np.array(theta0, dtype=float)]
    for _ in range(steps):
        thetas.append(thetas[-1] - lr * grad_fn(thetas[-1]))
    return np.array(thetas)


def ascent(grad_fn, theta0, lr, steps):
    thetas = [np.array(theta0, dtype=float)]
    for _ in range(steps):
        thetas.append(thetas[-1] + lr * grad_fn(thetas[-1]))
    return np.array(thetas)


def final_only(grad_fn, theta0, lr, steps):
    return descent(grad_fn, theta0, lr, steps)[-1]


def without_start(grad_fn, theta0, lr, steps):
    return descent(grad_fn, theta0, lr, steps)[1:]


def one_short(grad_fn, theta0, lr, steps):
    return descent(grad_fn, theta0, lr, max(steps - 1, 0))


def in_place(grad_fn, theta0, lr, steps):
    theta = np.array(theta0, dtype=float)
    thetas = [theta]
    for _ in range(steps):
        theta -= lr * grad_fn(theta)
        thetas.append(theta)
    return np.array(thetas)


def modifies_caller(grad_fn, theta0, lr, steps):
    theta = theta0
    thetas = [theta.copy()]
    for _ in range(steps):
        theta -= lr * grad_fn(theta)
        thetas.append(theta.copy())
    return np.array(thetas)


def stale(grad_fn, theta0, lr, steps):
    g = grad_fn(np.array(theta0, dtype=float))
    return np.array([theta0 - t * lr * g for t in range(steps + 1)])


def ignores_lr(grad_fn, theta0, lr, steps):
    return descent(grad_fn, theta0, 1.0, steps)


def transposed(grad_fn, theta0, lr, steps):
    return descent(grad_fn, theta0, lr, steps).T


DESCENT_MISTAKES = {
    "not implemented": (not_implemented, "not implemented yet"),
    "wrong sign": (ascent, "wrong sign .you are climbing"),
    "final only": (final_only, "only the final point"),
    "no start": (without_start, "starting point is missing"),
    "one short": (one_short, "one iterate too few"),
    "in place": (in_place, "same array"),
    "modifies theta0": (modifies_caller, "changed the caller's theta0"),
    "stale gradient": (stale, "only once"),
    "ignores lr": (ignores_lr, "ignore the learning rate"),
    "shape": (transposed, "shape"),
    "crash": (lambda g, t, lr, s: t @ np.ones(5), "raised ValueError"),
    "other": (lambda g, t, lr, s: descent(g, t, lr, s) * 1.001, "row"),
}


@pytest.mark.parametrize("mistake", DESCENT_MISTAKES)
def test_check_gradient_descent_names_the_mistake(mistake):
    fn, message = DESCENT_MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        with np.errstate(all="ignore"):
            check_gradient_descent(fn)


def test_check_gradient_descent_passes_correct_solutions(capsys):
    check_gradient_descent(descent)

    def with_optimlab(grad_fn, theta0, lr, steps):
        return train.minimize(_Problem(grad_fn), optimizers.SGD(lr), theta0, steps).thetas

    check_gradient_descent(with_optimlab)
    assert capsys.readouterr().out.count("passed") == 2


class _Problem:
    """A landscape-like object with only a gradient (minimize also wants f)."""

    def __init__(self, grad_fn):
        self.grad = grad_fn

    def f(self, theta):
        return 0.0


# --------------------------------------------------------------------------- line_mse_grad
def line_grad(x, y, theta):
    r = theta[0] + theta[1] * x - y
    return 2 * np.array([np.mean(r), np.mean(x * r)])


LINE_MISTAKES = {
    "not implemented": (not_implemented, "not implemented yet"),
    "sum": (lambda x, y, t: len(x) * line_grad(x, y, t), "factor of n"),
    "missing 2": (lambda x, y, t: 0.5 * line_grad(x, y, t), "factor of 2"),
    "sum without 2": (lambda x, y, t: 0.5 * len(x) * line_grad(x, y, t), "factor of n/2"),
    "sign": (lambda x, y, t: -line_grad(x, y, t), "wrong sign"),
    "swapped": (lambda x, y, t: line_grad(x, y, t)[::-1], "swapped"),
    "no x": (lambda x, y, t: np.repeat(line_grad(x, y, t)[:1], 2), "factor x_i"),
    "per example": (lambda x, y, t: np.stack([t[0] + t[1] * x - y, x * (t[0] + t[1] * x - y)]), "shape"),
    "other": (lambda x, y, t: line_grad(x, y, t) + 0.1, "expected"),
}


@pytest.mark.parametrize("mistake", LINE_MISTAKES)
def test_check_line_mse_grad_names_the_mistake(mistake):
    fn, message = LINE_MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        check_line_mse_grad(fn)


def test_check_line_mse_grad_passes_correct_solutions(capsys):
    check_line_mse_grad(line_grad)
    check_line_mse_grad(lambda x, y, t: models.Line().loss_and_grad("mse", x, y, t)[1])
    assert capsys.readouterr().out.count("passed") == 2


# --------------------------------------------------------------------------- explorer
def explorer(**kwargs):
    with mock.patch.object(widgets, "display") as display:
        redraw = widgets.gradient_descent_explorer(landscapes.quadratic(10.0), **kwargs)
    return redraw, display


def test_gradient_descent_explorer_has_one_output_with_a_static_png():
    _, display = explorer(lr=0.1, steps=30)
    explorer_bundle(display)


def test_gradient_descent_explorer_redraws_and_reports_divergence():
    redraw, _ = explorer(lr=0.1, steps=30, log10_lr_range=(-3.0, 0.5))
    with mock.patch.object(widgets, "display"):
        calm = redraw()
        wild = redraw(log10_lr=np.log10(0.25))  # 0.25 > 2 / L = 0.2 for kappa = 10: grows, no overflow yet
        moved = redraw(start_0=2.0, start_1=-1.0)
    assert calm.axes[0].get_title() == "α = 0.1: 30 steps"
    assert wild.axes[0].get_title() == "α = 0.25: 30 steps"
    assert float(wild.axes[1].get_title().split()[-1]) > 1e4
    path = [line for line in moved.axes[0].get_lines() if line.get_label().startswith("α")][0]
    assert path.get_xdata()[0] == 2.0 and path.get_ydata()[0] == -1.0
    long_redraw, _ = explorer(lr=0.1, steps=400, log10_lr_range=(-3.0, 0.5))
    with mock.patch.object(widgets, "display"):
        blown = long_redraw(log10_lr=0.5)  # |1 - 3.16 * 10| = 30.6 per step: overflows
    assert "diverged" in blown.axes[0].get_title()


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": 10.0}, "lr must be a positive number between"),
    ({"lr": -0.1}, "lr must be a positive number"),
    ({"log10_lr_range": (0.0, -1.0)}, "low < high"),
    ({"steps": 0}, "steps must be a positive integer"),
    ({"start": (9.0, 0.0)}, "inside the landscape's bounds"),
])
def test_gradient_descent_explorer_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explorer(**kwargs)


# --------------------------------------------------------------------------- plot helpers
def test_gradient_arrows_point_downhill_with_equal_lengths():
    ls = landscapes.quadratic(4.0)
    fig, ax = plots.new_figure()
    arrows = plots.gradient_arrows(ax, ls, n=4)  # no arrow at the minimum
    offsets, U, V = arrows.get_offsets(), arrows.U, arrows.V
    grads = ls.grad(offsets.T).T
    assert np.all(np.sum(grads * np.column_stack([U, V]), axis=1) < 0)  # against the gradient
    (x0, x1), (y0, y1) = ls.bounds
    lengths = np.hypot(U / (x1 - x0), V / (y1 - y0))
    np.testing.assert_allclose(lengths, 0.06)
    with pytest.raises(ValueError, match="positive integer"):
        plots.gradient_arrows(ax, ls, n=0)


def test_distance_curves_plot_the_distance_to_the_point():
    ls = landscapes.quadratic(10.0)
    history = train.minimize(ls, optimizers.SGD(0.1), ls.start, 20, label="gd")
    fig, ax = plots.new_figure()
    plots.distance_curves(ax, [history], ls.minima[0])
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), np.linalg.norm(history.thetas, axis=1))
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="shape"):
        plots.distance_curves(ax, [history], np.zeros(3))


def test_line_data_and_landscape_are_what_the_chapter_uses():
    x, y = data.linear(n=30, seed=0)
    ls = landscapes.from_model(models.Line(), "mse", (x, y), bounds=((-1, 2), (0, 3)))
    g = ls.grad(np.array([0.2, 0.7]))
    r = 0.2 + 0.7 * x - y
    np.testing.assert_allclose(g, [2 * r.mean(), 2 * (x * r).mean()], rtol=1e-12)

