"""Chapter 7: the adaptive-methods explorer."""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import explorer_bundle  # noqa: E402
from optimlab import landscapes, widgets  # noqa: E402

SURFACES = {"valley": landscapes.quadratic(50), "saddle": landscapes.saddle()}


def test_adaptive_explorer_draws_the_default_and_redraws():
    with mock.patch.object(widgets, "display") as display:
        redraw = widgets.adaptive_explorer(SURFACES, optimizer="Adam", lr=0.3, steps=200, resolution=40)
        explorer_bundle(display)
        default = redraw()
        plain = redraw(optimizer="gradient descent", log10_lr=np.log10(0.03))
        wild = redraw(optimizer="gradient descent", log10_lr=0.0)
        saddle = redraw(landscape="saddle", optimizer="RMSProp", log10_lr=-1.0)
        # every optimizer of the menu runs
        for name in widgets.ADAPTIVE_EXPLORER_OPTIMIZERS:
            assert redraw(optimizer=name).axes[0].get_title().startswith(f"{name}, α = 0.3")
    assert default.axes[0].get_title().startswith("Adam, α = 0.3: gap")
    assert plain.axes[0].get_title().startswith("gradient descent, α = 0.03: gap")
    assert wild.axes[0].get_title().endswith("diverged")
    assert len(default.axes[1].lines[0].get_ydata()) == 201
    # the saddle's lowest loss is -1/4: the gap is measured from it, and it is small at the end
    assert saddle.axes[1].lines[0].get_ydata()[-1] < 1e-6


@pytest.mark.parametrize("kwargs, message", [
    ({"landscapes": {}}, "non-empty dict"),
    ({"landscape": "beale"}, "landscape must be one of"),
    ({"optimizer": "Adamax"}, "optimizer must be one of"),
    ({"lr": 100.0}, "lr must be a positive number between"),
    ({"steps": 0}, "steps must be a positive integer"),
])
def test_adaptive_explorer_rejects_bad_input(kwargs, message):
    arguments = {"landscapes": SURFACES, **kwargs}
    with mock.patch.object(widgets, "display"), pytest.raises(ValueError, match=message):
        widgets.adaptive_explorer(**arguments)
