"""Chapter 5: the SGD explorer and the schedule plot helper."""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import explorer_bundle  # noqa: E402
from optimlab import data, landscapes, models, plots, schedules, widgets  # noqa: E402


def _gabor():
    d = data.gabor()
    view = landscapes.from_model(models.Gabor(), "mse", d, bounds=((-10, 10), (2.5, 22.5)))
    return d, view


def test_sgd_explorer_draws_the_default_and_redraws():
    d, view = _gabor()
    with mock.patch.object(widgets, "display") as display:
        redraw = widgets.sgd_explorer(models.Gabor(), "mse", d, view, lr=10.0, batch_size=5,
                                      start=(3.0, 9.5), epochs=3)
        explorer_bundle(display)
        default = redraw()
        other = redraw(batch_size=30, log10_lr=0.0)
    assert default.axes[0].get_title().startswith("α = 10, B = 5: 18 steps")
    assert other.axes[0].get_title().startswith("α = 1, B = 30: 3 steps")
    x_data = default.axes[1].lines[0].get_xdata()
    np.testing.assert_allclose(x_data, np.arange(19) * 5 / 30)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": 100.0}, "lr must be a positive number between"),
    ({"batch_size": 0}, "batch_size must be an integer in"),
    ({"batch_size": 31}, "batch_size must be an integer in"),
    ({"epochs": 0}, "epochs must be a positive integer"),
    ({"start": (1.0, 2.0, 3.0)}, "start must have the model's 2 parameters"),
])
def test_sgd_explorer_rejects_bad_input(kwargs, message):
    d, view = _gabor()
    with mock.patch.object(widgets, "display"), pytest.raises(ValueError, match=message):
        widgets.sgd_explorer(models.Gabor(), "mse", d, view, **kwargs)


def test_schedule_curves_draws_one_line_per_schedule():
    fig, ax = plots.new_figure()
    plots.schedule_curves(ax, {"constant": schedules.Constant(0.1), "1/t": schedules.InverseTime(0.1)}, 50)
    assert len(ax.lines) == 2 and ax.lines[1].get_ydata()[-1] == pytest.approx(0.1 / 50)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        plots.schedule_curves(ax, {}, 0)
