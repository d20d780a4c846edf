"""Chapter 8: the bias-correction explorer."""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import explorer_bundle  # noqa: E402
from optimlab import widgets  # noqa: E402


def test_bias_correction_explorer_draws_the_default_and_redraws():
    with mock.patch.object(widgets, "display") as display:
        redraw = widgets.bias_correction_explorer(steps=300)
        explorer_bundle(display)
        default = redraw()
        slow = redraw(log10_one_minus_beta2=-4.0)
        no_momentum = redraw(beta1=0.0)
    assert default.axes[0].get_title().startswith("β₁ = 0.90, β₂ = 0.999: uncorrected steps 3.16 α at t = 1, 6.57 α")
    assert "β₂ = 0.9999: uncorrected steps 10 α at t = 1" in slow.axes[0].get_title()
    # the bottom panel: uncorrected step / alpha for a constant gradient, against 1
    ratio = default.axes[1].lines[0].get_ydata()
    t = np.arange(1, 301)
    np.testing.assert_allclose(ratio, (1 - 0.9**t) / np.sqrt(1 - 0.999**t))
    # with beta1 = 0 the corrected first moment is the gradient itself
    m_hat = no_momentum.axes[0].lines[0].get_ydata()
    m = no_momentum.axes[0].lines[1].get_ydata()
    np.testing.assert_allclose(m_hat, m)


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
