"""The book's figure style and the plotting helpers the chapters share.

Plots only read data and histories; they never compute losses or run optimizers. Colours come
from the Okabe-Ito palette, which stays distinguishable for colour-blind readers, and figures
have an opaque white background so they stay legible on the website's dark theme.
"""

from __future__ import annotations

import io
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "COLORS", "TEXT_WIDTH", "DPI", "SMALLEST_FONT_PT", "use_book_style", "new_figure", "mark_minimum", "data_and_model",
    "contour", "trajectory", "paths_on_contours", "loss_curves", "Animation", "animate_paths",
    "gradient_arrows", "distance_curves", "line_and_trials", "bracket_iterations",
]

#: Okabe-Ito colour-blind-safe palette, in the order the book uses it.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

#: Width of the website's text column in inches at :data:`DPI` (670 px of its 688): every figure is
#: drawn at most this wide, so the page shows it at full size and its text as large as it was set.
TEXT_WIDTH = 6.7
#: Resolution of the book's figures: one inch is 100 px on the page.
DPI = 100
#: The smallest font in any figure, in points. At :data:`DPI`, 10.5 pt is 14.6 px, no smaller than
#: the page's small print (its 14 px code and footnotes). The browser test checks the rendered size.
SMALLEST_FONT_PT = 10.5

_STYLE = {
    "figure.figsize": (TEXT_WIDTH, 3.4),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": SMALLEST_FONT_PT,
    "ytick.labelsize": SMALLEST_FONT_PT,
    "legend.fontsize": SMALLEST_FONT_PT,
    "legend.title_fontsize": 11,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "font.size": 11,
    "figure.constrained_layout.use": True,
    # Jupyter saves figures with a tight bounding box; a thin pad keeps a TEXT_WIDTH figure inside
    # the column (the default 0.1 in on each side would make it 690 px and shrink it on the page)
    "savefig.pad_inches": 0.01,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style to every figure made afterwards."""
    mpl.rcParams.update(_STYLE)


def new_figure(ncols: int = 1, nrows: int = 1, width: float = TEXT_WIDTH, height: float = 3.4, **kwargs):
    """A figure in the book's style with an ``nrows x ncols`` grid of axes: ``fig, axes``.

    ``width`` (inches) may not exceed :data:`TEXT_WIDTH`: a wider figure would be shrunk on the
    page, and its text with it. Applies the book's style globally first (a temporary
    ``rc_context`` would stop Jupyter's inline backend from showing the figures of later cells).
    """
    if not (isinstance(width, (int, float)) and 0 < width <= TEXT_WIDTH + 1e-9):
        raise ValueError(f"new_figure: width must be positive and at most the text column's {TEXT_WIDTH} "
                         f"inches (wider figures are shrunk on the page, text included), got {width!r}; "
                         f"give two panels more height instead")
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
                    textcoords="offset points", color=color, fontsize=SMALLEST_FONT_PT)
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



def contour(ax, landscape, levels: int = 25, log: bool = True, resolution: int = 200, minima: bool = True,
            labels=(r"$\theta_1$", r"$\theta_2$")):
    """Filled contours of ``landscape.f`` over its bounds, with its minima marked (stars).

    With ``log=True`` the levels are spaced logarithmically above the grid's lowest value, which
    shows the floor of long valleys as well as their steep walls. ``labels`` are the x and y axis
    labels (the two parameters' names).
    """
    X, Y, Z = landscape.grid(resolution)
    if log:
        height = Z - Z.min()
        positive = height[height > 0]
        low = positive.min() if positive.size else 1e-12
        level_values = Z.min() + np.geomspace(max(low, height.max() * 1e-8), height.max(), levels)
    else:
        level_values = np.linspace(Z.min(), Z.max(), levels)
    ax.contourf(X, Y, Z, levels=level_values, cmap="Greys_r", alpha=0.55)
    ax.contour(X, Y, Z, levels=level_values, colors="0.35", linewidths=0.4)
    if minima:
        for m in landscape.minima:
            ax.plot(*m, marker="*", color="black", markersize=12, linestyle="none", zorder=6)
    (x0, x1), (y0, y1) = landscape.bounds
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel=labels[0], ylabel=labels[1])
    ax.grid(False)


def trajectory(ax, history, color=None, label=None, markersize: float = 3.0):
    """Draw the path ``history.thetas`` (first two coordinates): a line with dots, a ring at the start."""
    path = np.asarray(history.thetas)
    label = label if label is not None else (history.label + (" (diverged)" if history.diverged else ""))
    line, = ax.plot(path[:, 0], path[:, 1], "-o", color=color, markersize=markersize, linewidth=1.3,
                    label=label, zorder=4)
    ax.plot(*path[0], "o", markerfacecolor="white", markeredgecolor=line.get_color(), markersize=8, zorder=5)
    return line


def paths_on_contours(landscape, histories, ax=None, width: float = TEXT_WIDTH, height: float = 4.0,
                      **contour_kw):
    """A figure with the landscape's contours and one trajectory per history; returns the figure."""
    if ax is None:
        fig, ax = new_figure(width=width, height=height)
    else:
        fig = ax.figure
    contour(ax, landscape, **contour_kw)
    for color, history in zip(COLORS, histories, strict=False):
        trajectory(ax, history, color=color)
    ax.legend(loc="best", frameon=True, facecolor="white", framealpha=0.85)
    return fig


def loss_curves(ax, histories, minimum: float = 0.0, log: bool = True):
    """Plot ``loss - minimum`` against the step for each history (log scale by default)."""
    for color, history in zip(COLORS, histories, strict=False):
        gap = np.asarray(history.losses) - minimum
        ax.plot(np.arange(len(gap)), gap, color=color, label=history.label)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="step $t$", ylabel=r"$L(\theta_t) - L^*$" if minimum else r"$L(\theta_t)$")
    ax.legend()


#: Lets the player shrink to a phone's width: the frame scales, the buttons wrap.
_RESPONSIVE_PLAYER = (
    "<style>.animation { max-width: 100%; } .animation img { max-width: 100%; height: auto; } "
    "input[type=range].anim-slider { max-width: 100%; } "
    ".anim-buttons { display: flex; flex-wrap: wrap; justify-content: center; gap: 2px; }</style>"
)

#: Characters for the buttons of matplotlib's animation player (its Font Awesome classes).
_PLAYER_ICONS = {
    "fa fa-minus": "\u2212", "fa fa-plus": "+", "fa fa-pause": "\u275a\u275a", "fa fa-play": "\u25b6",
    "fa fa-play fa-flip-horizontal": "\u25c0", "fa fa-step-backward": "|\u25c0", "fa fa-step-forward": "\u25b6|",
    "fa fa-fast-backward": "|\u25c0\u25c0", "fa fa-fast-forward": "\u25b6\u25b6|",
}


class Animation:
    """An animation for every edition: the website's player and, for print, a still of its last frame.

    ``data`` is the player's HTML (what Jupyter, Colab and the website show); ``still`` is a PNG
    of the last frame, which the PDF edition prints, since paper cannot play an animation.
    """

    def __init__(self, data: str, still: bytes, frames: int):
        self.data, self.still, self.frames = data, still, frames

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        return {"text/html": self.data, "image/png": base64.b64encode(self.still).decode("ascii"),
                "text/plain": f"<animation of {self.frames} frames>"}


def animate_paths(landscape, histories, frames: int = 30, interval: int = 150, alt: str = "",
                  width: float = TEXT_WIDTH, height: float = 3.8, dpi: int = DPI,
                  labels=(r"$\theta_1$", r"$\theta_2$"), decorate=None, legend_loc: str = "best"):
    """An animation of the optimizers' paths on the landscape, as HTML that plays on the website.

    Uses matplotlib's ``to_jshtml``: the frames are embedded images with play/pause controls, so
    the animation needs no kernel. Returns an :class:`Animation`, which also carries a still of
    the last frame for the PDF edition. ``alt`` describes the animation for screen readers. Keep
    ``frames`` and ``dpi`` modest: every frame is stored in the page. ``labels`` are the axis
    labels, as in :func:`contour`. ``decorate(ax)``, if given, draws what every frame shares
    (a marker for a local minimum, say) on the axes once, before the paths. ``legend_loc`` is
    matplotlib's legend location; "best" is judged before any path is drawn, so name a corner
    when the paths would run under the legend.
    """
    from matplotlib.animation import FuncAnimation

    fig, ax = new_figure(width=width, height=height)
    contour(ax, landscape, labels=labels)
    if decorate is not None:
        decorate(ax)
    paths = [np.asarray(h.thetas) for h in histories]
    longest = max(len(p) for p in paths)
    ticks = np.unique(np.linspace(1, longest, frames).astype(int))
    lines = [ax.plot([], [], "-o", color=c, markersize=3, linewidth=1.3, label=h.label)[0]
             for c, h in zip(COLORS, histories, strict=False)]
    for c, p in zip(COLORS, paths, strict=False):
        ax.plot(*p[0], "o", markerfacecolor="white", markeredgecolor=c, markersize=8)
    ax.legend(loc=legend_loc, frameon=True, facecolor="white", framealpha=0.85)
    title = ax.set_title(f"step {longest - 1}")
    fig.canvas.draw()  # lay the figure out once, with the longest title, and keep that layout:
    fig.set_layout_engine("none")  # re-running the layout engine for every frame triples the time

    def show(k):
        for line, p in zip(lines, paths, strict=True):
            line.set_data(p[:k, 0], p[:k, 1])
        title.set_text(f"step {min(k, longest) - 1}")
        return lines

    animation = FuncAnimation(fig, show, frames=ticks, interval=interval, blit=False)
    show(ticks[-1])  # the still for print is the last frame, as the player ends on it
    still = io.BytesIO()
    fig.savefig(still, format="png", dpi=dpi)
    export = {"animation.frame_format": "jpeg", "savefig.dpi": dpi}  # JPEG frames: a fifth of PNG's size
    saved = {key: mpl.rcParams[key] for key in export}
    mpl.rcParams.update(export)
    try:
        html = animation.to_jshtml(default_mode="once")
    finally:
        mpl.rcParams.update(saved)
        plt.close(fig)
    # matplotlib's player links Font Awesome 4 from a CDN for its button icons. The book loads
    # nothing from the network, so drop the link and draw the icons as plain characters, which
    # show everywhere: on the website, in JupyterLab and in Colab, online or not.
    html = re.sub(r'<link\s+rel="stylesheet"\s+href="https?://[^"]*"\s*/?>\s*', "", html)
    html = re.sub(r'<i class="(fa [^"]*)"></i>',
                  lambda m: f'<span aria-hidden="true">{_PLAYER_ICONS.get(m.group(1), "?")}</span>', html)
    if alt:
        html = html.replace("<img id=", f'<img alt="{alt}" id=', 1)
    return Animation(_RESPONSIVE_PLAYER + html, still.getvalue(), len(ticks))


# Chapter 2 helpers
def gradient_arrows(ax, landscape, n: int = 9, color: str | None = None, descent: bool = True,
                    length: float = 0.06):
    """Arrows of the negative gradient on an ``n x n`` grid over the landscape's bounds (Chapter 2).

    The arrows show directions only (all have the same length, ``length`` times the width of
    the plot): with ``descent=True`` they point along ``-grad``, the direction of steepest
    descent (eq. ``eq-steepest``), and cross every contour line at a right angle.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"gradient_arrows: n must be a positive integer number of arrows per side, got {n!r}")
    if isinstance(length, bool) or not isinstance(length, (int, float)) or not np.isfinite(length) or length <= 0:
        raise ValueError(f"gradient_arrows: length must be a positive fraction of the plot width, got {length!r}")
    (x0, x1), (y0, y1) = landscape.bounds
    pad_x, pad_y = (x1 - x0) / (2 * n), (y1 - y0) / (2 * n)
    X, Y = np.meshgrid(np.linspace(x0 + pad_x, x1 - pad_x, n), np.linspace(y0 + pad_y, y1 - pad_y, n))
    G = landscape.grad(np.stack([X, Y]))
    if descent:
        G = -G
    # Scale each arrow to the same length in plot units (axes may have different ranges).
    U, V = G[0] / (x1 - x0), G[1] / (y1 - y0)
    norm = np.hypot(U, V)
    norm[norm == 0] = np.inf
    U, V = U / norm * length * (x1 - x0), V / norm * length * (y1 - y0)
    return ax.quiver(X, Y, U, V, color=color or COLORS[1], angles="xy", scale_units="xy", scale=1,
                     width=0.004, zorder=5)


def distance_curves(ax, histories, point, log: bool = True):
    """Plot the distance ``||theta_t - point||`` against the step t for each history (Chapter 2).

    On a log scale, linear convergence ``||theta_t - theta*|| ~ r^t`` (eq. ``eq-rate``) is a
    straight line whose slope is ``log r``; growth above the start means the run is diverging.
    """
    point = np.asarray(point, dtype=np.float64)
    for color, history in zip(COLORS, histories, strict=False):
        path = np.asarray(history.thetas)
        if path.shape[1:] != point.shape:
            raise ValueError(f"distance_curves: point has shape {point.shape} but the parameters of "
                             f"{history.label or 'a history'} have shape {path.shape[1:]}")
        distance = np.linalg.norm(path - point, axis=1)
        label = history.label + (" (diverged)" if history.diverged else "")
        ax.plot(np.arange(len(distance)), distance, color=color, label=label)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="step $t$", ylabel=r"$\|\theta_t - \theta^*\|$")
    ax.legend()


# Chapter 4 helpers
def line_and_trials(ax, phi, steps, result=None, color=None, label=r"$\varphi(s)$"):
    """Draw the loss along a line, ``phi`` on the grid ``steps``, and the points a search evaluated.

    ``result`` is a :class:`optimlab.linesearch.SearchResult`: its trials are drawn as dots
    and its chosen step as a vertical dashed line.
    """
    values = [phi(s) for s in steps]
    ax.plot(steps, values, color=color or COLORS[0], label=label)
    if result is not None and result.trials:
        trial_s, trial_v = np.array(result.trials, dtype=float).T
        ax.plot(trial_s, trial_v, "o", color=COLORS[1], markersize=5, zorder=4,
                label=f"{len(trial_s)} evaluations")
        ax.axvline(result.step, color=COLORS[2], linestyle="--", lw=1.5, label=f"chosen $s$ = {result.step:.3g}")
    ax.set(xlabel="step size $s$", ylabel=r"loss $\varphi(s)$")
    return values


def bracket_iterations(ax, result, iterations: int | None = None, minimizer: float | None = None):
    """Draw a bracketing or golden-section search iteration by iteration, one row per iteration.

    Row k (from the top) shows the bracket before iteration k as a bar with its four points
    (``result.brackets[k - 1]``); a dotted line marks ``minimizer`` if given.
    """
    brackets = result.brackets if iterations is None else result.brackets[:iterations + 1]
    for k, points in enumerate(brackets, start=1):
        a, *_, d = points
        ax.plot([a, d], [k, k], color=COLORS[0], lw=3, solid_capstyle="butt", alpha=0.5)
        ax.plot(points, [k] * len(points), "o", color=COLORS[1], markersize=5, zorder=3)
    if minimizer is not None:
        ax.axvline(minimizer, color=COLORS[2], linestyle=":", lw=1.5, label="minimizer")
    ax.set_ylim(len(brackets) + 0.6, 0.4)
    ax.set(xlabel="step size $s$", ylabel="bracket before\niteration")
    ax.set_yticks(range(1, len(brackets) + 1, max(1, len(brackets) // 6)))
    ax.grid(axis="y", visible=False)



# Chapter 5 helpers
__all__ += ["schedule_curves"]


def schedule_curves(ax, named_schedules: dict, steps: int, log: bool = False):
    """Plot alpha_t against the step t = 1..steps for each schedule (Chapter 5, eq. ``eq-schedules``).

    ``named_schedules`` maps a legend label to a schedule: any callable t -> learning rate, such as
    the classes of :mod:`optimlab.schedules`.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"schedule_curves: steps must be a positive integer, got {steps!r}")
    t = np.arange(1, steps + 1)
    for color, (label, schedule) in zip(COLORS, named_schedules.items(), strict=False):
        ax.plot(t, [schedule(int(k)) for k in t], color=color, label=label)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="step $t$", ylabel=r"learning rate $\alpha_t$")


# Chapter 6 helpers
__all__ += ["rate_map"]


def rate_map(ax, lrs, betas, rates, levels=None, colorbar: bool = True):
    """Filled contours of a convergence rate over a grid of (learning rate, momentum) (Chapter 6).

    ``rates[i, j]`` is the rate (e.g. :func:`optimlab.momentum.spectrum_rate`) at
    ``betas[i]``, ``lrs[j]``. Rates below 1 are shaded on the colour ``levels`` (default 0, 0.1,
    ..., 1) from dark (fast) to light (slow), rates below the lowest level in its colour; the
    region where the rate is at least 1 (no convergence) is hatched and bounded by a black line.
    Returns the filled-contour object.
    """
    lrs, betas, rates = (np.asarray(a, dtype=np.float64) for a in (lrs, betas, rates))
    if lrs.ndim != 1 or betas.ndim != 1 or rates.shape != (len(betas), len(lrs)):
        raise ValueError(f"rate_map: rates must have shape (len(betas), len(lrs)) = ({betas.size}, {lrs.size}) "
                         f"for 1-d lrs and betas, got {rates.shape}")
    levels = np.linspace(0.0, 1.0, 11) if levels is None else np.asarray(levels, dtype=np.float64)
    extend = "min" if np.nanmin(rates) < levels[0] else "neither"  # rates below the lowest level stay coloured
    filled = ax.contourf(lrs, betas, np.minimum(rates, 1.0 - 1e-12), levels=levels, cmap="viridis",
                         extend=extend)
    ax.contourf(lrs, betas, rates, levels=[1.0, np.inf], colors="none", hatches=["///"])
    ax.contour(lrs, betas, rates, levels=[1.0], colors="black", linewidths=1.5)
    if colorbar:
        ax.figure.colorbar(filled, ax=ax, label="rate (spectral radius)", ticks=levels[::2])
    ax.set(xlabel=r"learning rate $\alpha$", ylabel=r"momentum $\beta$")
    ax.grid(False)
    return filled


# =========================================================================== Chapter 7
# Chapter 7 helpers


# =========================================================================== Chapter 8
# Chapter 8 helpers


# Chapter 9 helpers
