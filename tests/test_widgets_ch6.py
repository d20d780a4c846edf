"""Chapter 6: the momentum explorer and the rate-map plot helper."""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import explorer_bundle  # noqa: E402
from optimlab import landscapes, plots, widgets  # noqa: E402
from optimlab import momentum as mm  # noqa: E402


def test_momentum_explorer_draws_the_default_and_redraws():
    valley = landscapes.quadratic(50)
    with mock.patch.object(widgets, "display") as display:
        redraw = widgets.momentum_explorer(valley, lr=0.02, beta=0.9, steps=300)
        explorer_bundle(display)
        default = redraw()
        other = redraw(beta=0.0)
        wild = redraw(log10_lr=0.0)
        growing = redraw(log10_lr=np.log10(0.075), beta=0.7)  # past the limit, not yet overflowing
    assert default.axes[0].get_title().startswith("α = 0.02, β = 0.90: loss")
    assert other.axes[0].get_title().startswith("α = 0.02, β = 0.00")
    assert wild.axes[0].get_title().endswith("diverged")
    assert growing.axes[0].get_title().endswith("diverging")
    assert max(line.get_ydata().max() for line in growing.axes[1].lines) <= widgets._LOSS_CAP
    # momentum with beta = 0 is gradient descent: the two loss curves coincide
    gd, heavy = (line.get_ydata() for line in other.axes[1].lines)
    np.testing.assert_allclose(gd, heavy)
    assert len(default.axes[1].lines[0].get_ydata()) == 301


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": 10.0}, "lr must be a positive number between"),
    ({"beta": 0.995}, "beta must lie in \\[0, 0.99\\]"),
    ({"beta": 1.0}, "beta must lie in \\[0, 1\\)"),
    ({"steps": 0}, "steps must be a positive integer"),
    ({"start": (9.0, 0.0)}, "start must be a point"),
])
def test_momentum_explorer_rejects_bad_input(kwargs, message):
    with mock.patch.object(widgets, "display"), pytest.raises(ValueError, match=message):
        widgets.momentum_explorer(landscapes.quadratic(10), **kwargs)


def test_rate_map_shades_rates_and_marks_divergence():
    lrs, betas = np.linspace(0.01, 0.5, 30), np.linspace(0, 0.98, 20)
    rates = mm.spectrum_rate(lrs[None, :], betas[:, None], 1.0, 10.0)
    fig, ax = plots.new_figure()
    plots.rate_map(ax, lrs, betas, rates)
    assert len(fig.axes) == 2  # the colour bar
    assert ax.get_xlabel().startswith("learning rate")
    with pytest.raises(ValueError, match="rates must have shape"):
        plots.rate_map(ax, lrs, betas, rates.T)
    # with levels above the smallest rate, the lowest colour is extended rather than left blank
    fig, ax = plots.new_figure()
    filled = plots.rate_map(ax, lrs, betas, rates, levels=np.linspace(0.6, 1.0, 9))
    assert rates.min() < 0.6 and filled.extend == "min"
    np.testing.assert_allclose(filled.levels, np.linspace(0.6, 1.0, 9))
