"""The book's figure style and the plotting helpers the chapters share.

Plots only read data and histories; they never compute losses or run optimizers. Colours come
from the Okabe-Ito palette, which stays distinguishable for colour-blind readers, and figures
have an opaque white background so they stay legible on the website's dark theme.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["COLORS", "use_book_style", "new_figure", "mark_minimum", "data_and_model"]

#: Okabe-Ito colour-blind-safe palette, in the order the book uses it.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

_STYLE = {
    "figure.figsize": (7.0, 3.4),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "font.size": 10,
    "figure.constrained_layout.use": True,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style to every figure made afterwards."""
    mpl.rcParams.update(_STYLE)


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 7.0, height: float = 3.4, **kwargs):
    """A figure in the book's style with an ``nrows x ncols`` grid of axes: ``fig, axes``.

    Applies the book's style globally first (a temporary ``rc_context`` would stop Jupyter's
    inline backend from showing the figures of later cells).
    """
    use_book_style()
    return plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)


def mark_minimum(ax, x, y, color=None, label: str | None = None, fmt: str = "{:.3g}") -> float:
    """Mark the lowest point of the curve (x, y) with a dot and a dashed drop line; return its x."""
    x = np.asarray(x)
    y = np.asarray(y)
    i = int(np.argmin(y))
    color = color or COLORS[0]
    ax.plot([x[i]], [y[i]], "o", color=color, zorder=5)
    ax.axvline(x[i], color=color, linestyle="--", linewidth=1, alpha=0.7)
    if label is not None:
        ax.annotate(label.format(fmt.format(x[i])), (x[i], y[i]), xytext=(6, 6),
                    textcoords="offset points", color=color, fontsize=9)
    return float(x[i])


def data_and_model(ax, x, y, x_grid, prediction, sigma=None, color=None, label="model"):
    """Scatter the data (x, y) and draw the model's prediction over ``x_grid``.

    With ``sigma``, also shade the band prediction +- sigma: the spread the Gaussian output model
    of Chapter 1 expects around its mean.
    """
    color = color or COLORS[1]
    ax.scatter(x, y, s=18, color=COLORS[0], label="data", zorder=3)
    ax.plot(x_grid, prediction, color=color, label=label)
    if sigma is not None:
        ax.fill_between(x_grid, prediction - sigma, prediction + sigma, color=color, alpha=0.15,
                        label=r"$\pm\sigma$")
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")

