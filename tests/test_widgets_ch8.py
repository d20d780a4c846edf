"""Chapter 8: the bias-correction explorer."""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import explorer_bundle  # noqa: E402
from optimlab import plots, widgets  # noqa: E402


def test_bias_correction_explorer_draws_the_default_and_redraws():
    with mock.patch.object(widgets, "display") as display:
        redraw = widgets.bias_correction_explorer(steps=300)
        explorer_bundle(display)
        default = redraw()
        slow = redraw(log10_one_minus_beta2=-4.0)
        no_momentum = redraw(beta1=0.0)
    assert default.axes[0].get_title().endswith("β₂ = 0.999: uncorrected step 3.16 α at t = 1, largest 6.57 α (t = 12)")
    assert "β₂ = 0.9999: uncorrected step 10 α at t = 1, largest" in slow.axes[0].get_title()
    # the bottom panel: uncorrected step / alpha for a constant gradient, against 1
    ratio = default.axes[1].lines[0].get_ydata()
    t = np.arange(1, 301)
    np.testing.assert_allclose(ratio, (1 - 0.9**t) / np.sqrt(1 - 0.999**t))
    # with beta1 = 0 the corrected first moment is the gradient itself
    m_hat = no_momentum.axes[0].lines[0].get_ydata()
    m = no_momentum.axes[0].lines[1].get_ydata()
    np.testing.assert_allclose(m_hat, m)


@pytest.mark.parametrize("beta1, log10_one_minus_beta2", [(0.0, -4.0), (0.99, -1.0), (0.0, -1.0), (0.99, -4.0)])
def test_bias_correction_explorer_at_the_sliders_extremes(beta1, log10_one_minus_beta2):
    """Ticks cover the curve, the legend sits above it, and the title never repeats itself."""
    with mock.patch.object(widgets, "display"):
        redraw = widgets.bias_correction_explorer(steps=300)
        fig = redraw(beta1=beta1, log10_one_minus_beta2=log10_one_minus_beta2)
    top, bottom = fig.axes
    ratio = bottom.lines[0].get_ydata()
    ticks = bottom.get_yticks()
    assert ticks.min() <= min(ratio.min(), 1.0) * (1 + 1e-9) and ticks.max() >= max(ratio.max(), 1.0) * (1 - 1e-9)
    assert 3 <= len(ticks) <= 6
    fig.canvas.draw()
    legend = bottom.get_legend().get_window_extent()
    curve = bottom.transData.transform(np.column_stack([np.arange(1, 301), ratio]))
    assert curve[:, 1].max() < legend.y0  # the legend covers no part of the curve
    title = top.get_title()
    assert title.count("at t = 1") == 1
    if np.argmax(ratio) == 0:
        assert title.endswith("at t = 1 (the largest)")
    assert matplotlib.colors.same_color(bottom.lines[0].get_color(), plots.COLORS[1])  # orange, as in fig-early-steps


@pytest.mark.parametrize("kwargs, message", [
    ({"beta1": 0.995}, "beta1 must lie in \\[0, 0.99\\]"),
    ({"beta1": 1.0}, "beta1 must lie in \\[0, 1\\)"),
    ({"beta2": 0.5}, "beta2 must lie in \\[0.9, 0.9999\\]"),
    ({"steps": 1}, "steps must be"),
    ({"sd": 0.0}, "sd must be"),
    ({"mean": float("nan")}, "mean must be a finite number"),
])
def test_bias_correction_explorer_rejects_bad_input(kwargs, message):
    with mock.patch.object(widgets, "display"), pytest.raises(ValueError, match=message):
        widgets.bias_correction_explorer(**kwargs)
