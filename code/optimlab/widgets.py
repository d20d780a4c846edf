"""Interactive explorers built on ipywidgets.

An explorer is one cell output whose bundle holds two representations: the live widget (sliders
above a figure that redraws when one moves), which JupyterLab, Binder and Colab show, and a PNG
of the figure at its default setting, which the static website shows (the book's configuration
leaves the widget's JavaScript out of the website). So the page always shows a meaningful
figure, and the cell's caption and alt text apply to it.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from . import losses
from .plots import COLORS, data_and_model, mark_minimum, new_figure

__all__ = ["explore", "gaussian_likelihood_explorer"]


def _png(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def explore(draw: Callable[..., plt.Figure], controls: dict[str, w.ValueWidget]) -> Callable:
    """Display ``draw(**values)`` under the controls, and redraw it whenever one of them moves.

    Returns the redraw function, so that tests (and curious readers) can call it directly with
    other values, ``redraw(sigma=2.0)``; it returns the new figure.
    """
    def values(**overrides):
        current = {name: control.value for name, control in controls.items()}
        current.update(overrides)
        return current

    canvas = w.Output()

    def redraw(change=None, **overrides):
        figure = draw(**values(**overrides))
        with canvas:
            canvas.clear_output(wait=True)
            display(figure)
        plt.close(figure)
        return figure

    for control in controls.values():
        control.observe(redraw, names="value")
    default = redraw()
    box = w.VBox([*controls.values(), canvas])
    bundle = dict(box._repr_mimebundle_() or {})
    bundle["image/png"] = _png(default)
    bundle["text/plain"] = "interactive figure (run the notebook to move the sliders)"
    display(bundle, raw=True)
    return redraw


def _slider(description: str, value: float, low: float, high: float, step: float) -> w.FloatSlider:
    return w.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                         continuous_update=False, readout_format=".2f",
                         style={"description_width": "initial"})


def gaussian_likelihood_explorer(data, slope=0.5, intercept=0.5, sigma=0.5):
    """Chapter 1 explorer: a line with Gaussian noise, its likelihood and its NLL.

    Left: the data, the line ``theta_0 + theta_1 x`` and the band +- sigma. Right: the mean
    Gaussian NLL (eq. ``eq-gaussian-nll``) as a function of the slope theta_1, for the chosen
    sigma, with the current slope and the best slope marked. Moving sigma changes the height and
    curvature of the curve but never the position of its minimum.
    """
    x, y = data
    slopes = np.linspace(-1.0, 4.0, 201)
    x_grid = np.linspace(x.min(), x.max(), 100)

    def draw(slope, intercept, sigma):
        fig, (left, right) = new_figure(ncols=2, width=9.0, height=3.4)
        data_and_model(left, x, y, x_grid, intercept + slope * x_grid, sigma=sigma, label="line")
        nll = losses.gaussian_nll(intercept + slope * x, y, sigma)
        log_likelihood = -len(x) * nll
        left.set_title(f"likelihood = {np.exp(log_likelihood):.3g}")
        left.legend(loc="upper left")
        curve = [losses.gaussian_nll(intercept + s * x, y, sigma) for s in slopes]
        right.plot(slopes, curve, color=COLORS[2])
        mark_minimum(right, slopes, curve, color=COLORS[2], label=r"best $\theta_1$ = {}")
        right.plot([slope], [nll], "s", color=COLORS[1], markersize=8, label="current line")
        right.set_xlabel(r"slope $\theta_1$")
        right.set_ylabel("mean NLL")
        right.set_title(f"mean NLL = {nll:.3f}")
        right.legend(loc="upper right")
        return fig

    controls = {
        "slope": _slider(r"slope θ₁", slope, -1.0, 4.0, 0.05),
        "intercept": _slider(r"intercept θ₀", intercept, -1.0, 2.0, 0.05),
        "sigma": _slider("noise σ", sigma, 0.1, 2.0, 0.05),
    }
    return explore(draw, controls)
