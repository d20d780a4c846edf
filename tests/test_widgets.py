"""optimlab.widgets: one output carrying both the live widget and a static picture."""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

from conftest import explorer_bundle  # noqa: E402
from optimlab import data, widgets  # noqa: E402


def test_explorer_output_has_widget_view_and_static_png():
    with mock.patch.object(widgets, "display") as display:
        widgets.gaussian_likelihood_explorer(data.linear(n=30, seed=0))
    explorer_bundle(display)


def test_explorer_redraws_with_new_values():
    with mock.patch.object(widgets, "display"):
        redraw = widgets.gaussian_likelihood_explorer(data.linear(n=30, seed=0), sigma=0.5)
        before = redraw().axes[1].get_title()
        after = redraw(sigma=1.5).axes[1].get_title()
    assert before != after and after.startswith("mean NLL")
