"""Chapter 7's addition to optimlab.adaptive: Adam with eps inside the square root."""

import numpy as np
import pytest
from optimlab import adaptive, optimizers


def test_eps_inside_divides_by_the_root_of_v_hat_plus_eps():
    rng = np.random.default_rng(0)
    inside, outside = adaptive.EpsInsideAdam(0.1, eps=1e-3), optimizers.Adam(0.1, eps=1e-3)
    theta_in = theta_out = np.zeros(3)
    for _ in range(5):
        g = rng.normal(size=3)
        theta_in, theta_out = inside.step(theta_in, g), outside.step(theta_out, g)
    # the same moments; the steps differ only in where eps sits
    np.testing.assert_allclose(inside.m, outside.m, rtol=1e-14)
    np.testing.assert_allclose(inside.v, outside.v, rtol=1e-14)
    before = theta_in.copy()
    g = rng.normal(size=3)
    after = inside.step(before, g)
    m_hat, v_hat = inside.moments()
    np.testing.assert_allclose(before - after, 0.1 * m_hat / np.sqrt(v_hat + 1e-3), rtol=1e-12)


def test_eps_inside_agrees_with_adam_for_large_gradients_and_not_for_tiny_ones():
    for scale, same in ((1.0, True), (1e-6, False)):
        inside, outside = adaptive.EpsInsideAdam(0.1), optimizers.Adam(0.1)
        g = scale * np.array([1.0, -2.0])
        step_in = -inside.step(np.zeros(2), g)
        step_out = -outside.step(np.zeros(2), g)
        assert np.allclose(step_in, step_out, rtol=1e-6) == same
    # with gradients far below sqrt(eps) the step shrinks with the gradient: lr g / sqrt(eps)
    np.testing.assert_allclose(step_in, 0.1 * g / np.sqrt(1e-8), rtol=1e-3)


def test_eps_inside_validates():
    with pytest.raises(ValueError, match="eps"):
        adaptive.EpsInsideAdam(0.1, eps=-1.0)
    with pytest.raises(ValueError, match="betas"):
        adaptive.EpsInsideAdam(0.1, betas=(0.9,))
