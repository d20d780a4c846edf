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
from matplotlib.ticker import MaxNLocator

from . import _validate as v
from . import losses
from .plots import COLORS, SMALLEST_FONT_PT, TEXT_WIDTH, contour, data_and_model, mark_minimum, new_figure, trajectory

__all__ = ["explore", "gaussian_likelihood_explorer", "gradient_descent_explorer", "line_search_explorer",
           "line_search_search"]


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


def _start_inside(landscape, start, where: str) -> np.ndarray:
    """``start`` (default: the landscape's) as a point (x, y) inside the landscape's plot bounds."""
    (x0, x1), (y0, y1) = landscape.bounds
    start = np.asarray(landscape.start if start is None else start, dtype=np.float64)
    if start.shape != (2,) or not (x0 <= start[0] <= x1 and y0 <= start[1] <= y1):
        raise ValueError(f"{where}: start must be a point (x, y) inside the landscape's bounds "
                         f"{landscape.bounds}, got {start.tolist()}")
    return start


def _lr_range(lr, log10_lr_range, where: str) -> tuple[float, float]:
    """Check a learning-rate slider's range (exponents of 10) and its start ``lr``; returns the range."""
    low, high = (float(b) for b in log10_lr_range)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"{where}: log10_lr_range must be (low, high) exponents of 10 with low < high, "
                         f"got {log10_lr_range!r}")
    if not (isinstance(lr, (int, float)) and lr > 0 and low <= np.log10(lr) <= high):
        raise ValueError(f"{where}: lr must be a positive number between 10^{low:g} and 10^{high:g} "
                         f"(log10_lr_range), got {lr!r}")
    return low, high


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
        fig, (left, right) = new_figure(ncols=2, width=TEXT_WIDTH, height=3.4)
        data_and_model(left, x, y, x_grid, intercept + slope * x_grid, sigma=sigma, label="line")
        nll = losses.gaussian_nll(intercept + slope * x, y, sigma)
        log_likelihood = -len(x) * nll
        left.set_title(f"likelihood = {np.exp(log_likelihood):.3g}")
        left.legend(loc="upper left")
        curve = [losses.gaussian_nll(intercept + s * x, y, sigma) for s in slopes]
        right.plot(slopes, curve, color=COLORS[2])
        best = mark_minimum(right, slopes, curve, color=COLORS[2])
        right.plot([], [], "o", color=COLORS[2], label=rf"best $\theta_1$ = {best:.2f}")
        right.plot([slope], [nll], "s", color=COLORS[1], markersize=8, label="current line")
        right.set_xlabel(r"slope $\theta_1$")
        right.set_ylabel("mean NLL")
        right.set_title(f"mean NLL = {nll:.3f}")
        right.legend(loc="upper center", frameon=True, facecolor="white", framealpha=0.9)
        return fig

    controls = {
        "slope": _slider(r"slope θ₁", slope, -1.0, 4.0, 0.05),
        "intercept": _slider(r"intercept θ₀", intercept, -1.0, 2.0, 0.05),
        "sigma": _slider("noise σ", sigma, 0.1, 2.0, 0.05),
    }
    return explore(draw, controls)


# =========================================================================== Chapter 2
# Chapter 2 explorers
def gradient_descent_explorer(landscape, lr: float = 0.1, start=None, steps: int = 50,
                              log10_lr_range=(-3.0, 0.0), labels=(r"$\theta_0$", r"$\theta_1$"),
                              log_loss: bool = False, resolution: int = 120):
    """Chapter 2 explorer: gradient descent (eq. ``eq-gd``) on a 2D landscape.

    Sliders set log10 of the learning rate (within ``log10_lr_range``, a pair of exponents: the
    default (-3, 0) spans learning rates from 0.001 to 1) and the two coordinates of the
    start (within the landscape's bounds). Left: the contours with the path of ``steps`` steps
    of :class:`optimlab.optimizers.SGD`; right: the loss ``L(theta_t)`` against the step t
    (log scale with ``log_loss=True``). A run that overflows is marked as diverged.
    """
    from .optimizers import SGD
    from .train import minimize

    low, high = _lr_range(lr, log10_lr_range, "gradient_descent_explorer")
    v.integer(steps, "steps", "gradient_descent_explorer")
    start = _start_inside(landscape, start, "gradient_descent_explorer")
    (x0, x1), (y0, y1) = landscape.bounds
    landscape.grid(resolution)  # computed once here; every redraw reuses it

    def draw(log10_lr, start_0, start_1):
        rate = 10.0**log10_lr
        history = minimize(landscape, SGD(rate), [start_0, start_1], steps, label=f"α = {rate:.3g}")
        fig, (left, right) = new_figure(ncols=2, width=TEXT_WIDTH, height=3.6,
                                        gridspec_kw={"width_ratios": [1.25, 1]})
        contour(left, landscape, resolution=resolution)
        trajectory(left, history, color=COLORS[1])
        left.set(xlabel=labels[0], ylabel=labels[1])
        state = "diverged" if history.diverged else f"{history.steps} steps"
        left.set_title(f"α = {rate:.3g}: {state}")
        right.plot(np.arange(len(history.losses)), history.losses, color=COLORS[1])
        if log_loss and np.all(history.losses > 0):
            right.set_yscale("log")
        right.set(xlabel="step $t$", ylabel=r"loss $L(\theta_t)$")
        right.set_title(f"final loss {history.final_loss:.4g}")
        return fig

    controls = {
        "log10_lr": _slider("log₁₀ α", float(np.log10(lr)), low, high, 0.05),
        "start_0": _slider("start " + _plain(labels[0]), float(start[0]), x0, x1, (x1 - x0) / 100),
        "start_1": _slider("start " + _plain(labels[1]), float(start[1]), y0, y1, (y1 - y0) / 100),
    }
    return explore(draw, controls)


def _plain(label: str) -> str:
    """A slider description from a math label: ``$\\theta_0$`` becomes ``θ₀``."""
    text = label.strip("$").replace(r"\theta", "θ").replace(r"\phi", "φ")
    return text.replace("_0", "₀").replace("_1", "₁").replace("_2", "₂")


# =========================================================================== Chapter 3
# Chapter 3 explorers

__all__ += ["network_figure", "backprop_explorer"]

# Where the worked example's units sit in the drawing: (x, y) of each node.
_NETWORK_LAYOUT = {
    "x1": (0.0, 1.1), "x2": (0.0, -1.1),
    "h1": (4.55, 2.15), "h2": (4.55, 0.0), "h3": (4.55, -2.15),
    "o": (7.85, 0.0), "L": (10.05, 0.0),
}
# Box widths by kind of node (the first letter of its name), in the drawing's units: wide enough
# for the longest numbers the explorer's sliders produce.
_BOX_WIDTH = {"x": 2.0, "h": 2.2, "o": 2.0, "L": 1.5}


def _box(ax, xy, lines, edgecolor, width=1.5, height=0.78):
    """A rounded box centred at ``xy`` holding ``lines``: (text, colour) pairs, top to bottom."""
    from matplotlib.patches import FancyBboxPatch

    x, y = xy
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.04,rounding_size=0.12", facecolor="white",
                                edgecolor=edgecolor, linewidth=1.5, zorder=3))
    step = height / (len(lines) + 0.6)
    for k, (text, color) in enumerate(lines):
        ax.text(x, y + height / 2 - step * (k + 0.8), text, ha="center", va="center", color=color,
                fontsize=SMALLEST_FONT_PT, zorder=4)


def network_figure(graph, numbers: bool = True):
    """Chapter 3: the worked example's network, with both passes written on it.

    ``graph`` is :func:`optimlab.backprop.worked_example` after ``graph.backward()``. Each unit
    shows its forward value (blue) and the backward derivative dL/d(unit) (orange); each edge is
    labelled with its weight. A bar chart below shows dL/dw_k for the nine weights. With
    ``numbers=False`` only the symbols are drawn (the structure of eq. ``eq-example-network``).
    """
    from .backprop import Graph

    if not isinstance(graph, Graph):
        raise ValueError(f"network_figure: expected a backprop.Graph from worked_example(), got {graph!r}")
    value = {node.name: node.value for node in graph.nodes}
    grad = graph.derivatives() if numbers else {}
    fwd, bwd = COLORS[0], COLORS[1]

    def fmt(number):
        # 3 significant digits; integers from 1000 up
        text = f"{number:.3g}" if abs(number) < 1000 else f"{number:.0f}"
        return text.replace("-", "−")

    if numbers:
        fig, (ax, bars) = new_figure(nrows=2, width=TEXT_WIDTH, height=7.2, gridspec_kw={"height_ratios": [4.2, 1.6]})
    else:
        fig, ax = new_figure(width=TEXT_WIDTH, height=4.0)
    ax.set_axis_off()
    ax.set(xlim=(-1.05, 10.85), ylim=(-2.95, 2.95))
    edges = [(f"x{m}", f"h{j}", f"w{2 * j - 2 + m}") for j in (1, 2, 3) for m in (1, 2)]
    edges += [(f"h{j}", "o", f"w{6 + j}") for j in (1, 2, 3)]
    for source, target, weight in edges:
        # from the middle of the source box's right side to the middle of the target's left side
        (x0, y0), (x1, y1) = _NETWORK_LAYOUT[source], _NETWORK_LAYOUT[target]
        x0, x1 = x0 + _BOX_WIDTH[source[0]] / 2, x1 - _BOX_WIDTH[target[0]] / 2
        ax.plot([x0, x1], [y0, y1], color="0.55", linewidth=1.2, zorder=1)
        t = 0.62 if target != "o" else 0.5
        lift = 0.25 if y0 == y1 else 0.0         # a label on a level edge sits above it
        label = f"${weight[0]}_{weight[1]}$" + (f" = {fmt(value[weight])}" if numbers else "")
        ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0) + lift, label, ha="center", va="center",
                fontsize=SMALLEST_FONT_PT, zorder=2,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    (xo, yo), (xl, yl) = _NETWORK_LAYOUT["o"], _NETWORK_LAYOUT["L"]
    ax.plot([xo, xl], [yo, yl], color="0.55", linewidth=1.2, zorder=1)
    y_value = f" = {fmt(value['y'])}" if numbers else ""
    ax.text((xo + xl) / 2, yo + 0.55, f"$y${y_value}", ha="center", fontsize=SMALLEST_FONT_PT)
    ax.annotate("", xy=((xo + xl) / 2, yo + 0.05), xytext=((xo + xl) / 2, yo + 0.45),
                arrowprops={"arrowstyle": "->", "color": "0.4"})

    for m in (1, 2):
        name = f"x{m}"
        lines = [(f"$x_{m}$" + (f" = {fmt(value[name])}" if numbers else ""), fwd)]
        if numbers:
            lines.append((f"∂L/∂$x_{m}$ = {fmt(grad[name])}", bwd))
        _box(ax, _NETWORK_LAYOUT[name], lines, "0.3", width=_BOX_WIDTH["x"], height=0.85 if numbers else 0.5)
    for j in (1, 2, 3):
        if numbers:
            lines = [(f"$a_{j}$ = {fmt(value[f'a{j}'])}", fwd), (f"$h_{j}$ = {fmt(value[f'h{j}'])}", fwd),
                     (f"∂L/∂$a_{j}$ = {fmt(grad[f'a{j}'])}", bwd),
                     (f"∂L/∂$h_{j}$ = {fmt(grad[f'h{j}'])}", bwd)]
        else:
            lines = [(f"$a_{j}$ → ReLU → $h_{j}$", fwd)]
        _box(ax, _NETWORK_LAYOUT[f"h{j}"], lines, "0.3", width=_BOX_WIDTH["h"], height=1.5 if numbers else 0.5)
    lines = [("$o$" + (f" = {fmt(value['o'])}" if numbers else ""), fwd)]
    if numbers:
        lines.append((f"∂L/∂$o$ = {fmt(grad['o'])}", bwd))
    _box(ax, _NETWORK_LAYOUT["o"], lines, "0.3", width=_BOX_WIDTH["o"], height=0.85 if numbers else 0.5)
    lines = [("$L$" + (f" = {fmt(value['L'])}" if numbers else ""), fwd)]
    if numbers:
        lines.append(("∂L/∂L = 1", bwd))
    _box(ax, _NETWORK_LAYOUT["L"], lines, "0.3", width=_BOX_WIDTH["L"], height=0.85 if numbers else 0.5)
    if not numbers:
        ax.set_title(r"$a_j = w_{2j-1} x_1 + w_{2j} x_2$,   $o = w_7 h_1 + w_8 h_2 + w_9 h_3$,   "
                     r"$L = (o - y)^2$", fontsize=11)
        return fig
    ax.set_title("forward values (blue), backward derivatives (orange)", fontsize=11)
    names = [f"w{k}" for k in range(1, 10)]
    grads = np.array([grad[name] for name in names])
    positions = np.arange(9)
    bars.bar(positions, grads, width=0.6, color=[bwd if g != 0 else "0.6" for g in grads])
    bars.axhline(0.0, color="0.3", linewidth=0.8)
    bars.set_xticks(positions, [f"$w_{k}$" for k in range(1, 10)])
    span = max(1.0, float(np.abs(grads).max()))
    bars.set_ylim(min(0.0, grads.min()) - 0.35 * span, max(0.0, grads.max()) + 0.35 * span)
    for position, g in zip(positions, grads, strict=True):
        bars.text(position, g + (0.06 * span if g >= 0 else -0.06 * span), fmt(g), ha="center",
                  va="bottom" if g >= 0 else "top", fontsize=SMALLEST_FONT_PT)
    bars.set_yticks([])                     # each bar is labelled with its value
    bars.spines["left"].set_visible(False)
    bars.set_title("the gradient: derivative of the loss for each weight", fontsize=11)
    bars.grid(axis="x", visible=False)
    return fig


def backprop_explorer(x1: float = 1.0, x2: float = 2.0, w3: float = 1.0, y: float = 3.0):
    """Chapter 3 explorer: forward and backward passes on the worked example's network.

    Sliders set the inputs x1, x2, the weight w3 of the second hidden unit and the target y;
    every change re-runs forward propagation (eq. ``eq-forward-graph``) and backpropagation
    (eq. ``eq-backprop-graph``) on :func:`optimlab.backprop.worked_example` and redraws
    :func:`network_figure`. The default is the chapter's example; raising w3 above 2 brings the
    second hidden unit, whose ReLU is off there, back to life, and its weights get gradient.
    """
    from .backprop import worked_example

    graph = worked_example()

    def draw(x1, x2, w3, y):
        graph.forward(x1=x1, x2=x2, w3=w3, y=y)
        graph.backward()
        return network_figure(graph)

    controls = {
        "x1": _slider("input x₁", x1, -2.0, 3.0, 0.25),
        "x2": _slider("input x₂", x2, -2.0, 3.0, 0.25),
        "w3": _slider("weight w₃", w3, -3.0, 4.0, 0.25),
        "y": _slider("target y", y, -3.0, 9.0, 0.25),
    }
    return explore(draw, controls)


# Chapter 4 explorers
LINE_SEARCHES = ("bracketing", "golden section", "backtracking")


def line_search_search(method: str, s_max: float, c: float = 1e-4, rho: float = 0.5, tol_fraction: float = 0.01):
    """The search function for :func:`optimlab.train.minimize_with_line_search` named ``method`` (Chapter 4).

    ``s_max`` is the upper end of the bracket ``(0, s_max)`` (searched to ``tol_fraction * s_max``)
    or backtracking's first trial; ``c`` and ``rho`` are backtracking's Armijo constant and
    shrink factor.
    """
    from . import linesearch

    if method == "bracketing":
        return lambda phi: linesearch.bracketing(phi, (0.0, s_max), tol=tol_fraction * s_max)
    if method == "golden section":
        return lambda phi: linesearch.golden_section(phi, (0.0, s_max), tol=tol_fraction * s_max)
    if method == "backtracking":
        return lambda phi: linesearch.backtracking(phi, phi.slope, phi.value0, step0=s_max, rho=rho, c=c)
    raise ValueError(f"line_search_search: method must be one of {LINE_SEARCHES}, got {method!r}")


def line_search_explorer(landscape, start, method: str = "bracketing", s_max: float = 50.0, c: float = 1e-4,
                         rho: float = 0.5, steps: int = 20, s_max_range=(1.0, 100.0),
                         labels=(r"$\theta_0$", r"$\theta_1$"), resolution: int = 120):
    """Chapter 4 explorer: gradient descent with a line search at every step (eq. ``eq-gd-line-search``).

    Controls: the search (bracketing, golden section or Armijo backtracking), ``s_max`` (the
    bracket's upper end, or backtracking's first trial), and backtracking's ``c`` (as log10) and
    ``rho``. Top: ``steps`` steps from ``start`` over the contours, with the total number of
    loss evaluations; bottom: the loss along the first line, ``phi(s)``, with the points the first
    search evaluated and the step it chose.
    """
    from .linesearch import along
    from .plots import line_and_trials
    from .train import minimize_with_line_search

    line_search_search(method, s_max)   # validates the method
    low, high = (float(b) for b in s_max_range)
    if not (0 < low < high and low <= s_max <= high):
        raise ValueError(f"line_search_explorer: s_max must lie in s_max_range {s_max_range!r}, got {s_max!r}")
    if not (0 < c < 1 and 0 < rho < 1):
        raise ValueError(f"line_search_explorer: c and rho must lie strictly between 0 and 1, got c={c!r}, rho={rho!r}")
    start = np.asarray(start, dtype=np.float64)
    landscape.grid(resolution)

    def draw(method, s_max, log10_c, rho):
        search = line_search_search(method, s_max, c=10.0**log10_c, rho=rho)
        history = minimize_with_line_search(landscape, start, steps, search, label=method)
        first_line = along(landscape, start)
        first = search(first_line)
        fig, (top, bottom) = new_figure(nrows=2, width=TEXT_WIDTH, height=7.0,
                                        gridspec_kw={"height_ratios": [1.3, 1]})
        contour(top, landscape, resolution=resolution)
        trajectory(top, history, color=COLORS[1])
        top.set(xlabel=labels[0], ylabel=labels[1])
        top.set_title(f"{method}: {history.steps} steps, {int(history.loss_evaluations[-1])} loss "
                      f"evaluations,\nfinal loss {history.final_loss:.4g}")
        line_and_trials(bottom, first_line, np.linspace(0.0, s_max, 300), first)
        bottom.set_title("the first line search")
        bottom.legend(loc="upper right", frameon=True, facecolor="white", framealpha=0.9)
        return fig

    controls = {
        "method": w.Dropdown(options=LINE_SEARCHES, value=method, description="search"),
        "s_max": _slider("s_max (bracket end / first trial)", float(s_max), low, high, (high - low) / 100),
        "log10_c": _slider("log₁₀ c (Armijo)", float(np.log10(c)), -4.0, -0.05, 0.05),
        "rho": _slider("ρ (backtracking)", float(rho), 0.1, 0.9, 0.05),
    }
    return explore(draw, controls)



# Chapter 5 explorers
__all__ += ["sgd_explorer"]


def sgd_explorer(model, loss: str, data, landscape, lr: float = 10.0, batch_size: int = 5, start=None,
                 epochs: int = 20, seed: int = 0, log10_lr_range=(-1.0, 1.5),
                 labels=(r"$\theta_0$", r"$\theta_1$"), resolution: int = 120):
    """Chapter 5 explorer: mini-batch SGD (eq. ``eq-minibatch-sgd``) on a two-parameter model.

    Sliders set log10 of the learning rate (within ``log10_lr_range``), the batch size B (1 to
    n) and the seed of the shuffling. Each redraw trains a copy of ``model`` from ``start`` for
    ``epochs`` epochs with :func:`optimlab.train.fit` and :class:`optimlab.optimizers.SGD`.
    Left: the path over the contours of ``landscape`` (the same loss, e.g.
    :func:`optimlab.landscapes.from_model`); right: the loss on the whole data set against the
    number of epochs (examples processed / n), so that every batch size shares one axis.
    """
    import copy

    from .optimizers import SGD
    from .train import fit

    x, y = data
    n = len(x)
    low, high = _lr_range(lr, log10_lr_range, "sgd_explorer")
    v.integer(batch_size, "batch_size", "sgd_explorer", maximum=n, what=f"an integer in [1, n] = [1, {n}]")
    v.integer(epochs, "epochs", "sgd_explorer")
    start = np.asarray(model.params if start is None else start, dtype=np.float64)
    if start.shape != model.params.shape:
        raise ValueError(f"sgd_explorer: start must have the model's {model.params.size} parameters, "
                         f"got {start.tolist()}")
    landscape.grid(resolution)  # computed once here; every redraw reuses it

    def draw(log10_lr, batch_size, seed):
        rate = 10.0**log10_lr
        trainee = copy.deepcopy(model)
        trainee.params = start
        history = fit(trainee, loss, (x, y), SGD(rate), epochs=epochs, batch_size=int(batch_size), seed=int(seed))
        fig, (left, right) = new_figure(ncols=2, width=TEXT_WIDTH, height=3.6,
                                        gridspec_kw={"width_ratios": [1.25, 1]})
        contour(left, landscape, resolution=resolution)
        trajectory(left, history, color=COLORS[1], markersize=2.0)
        left.set(xlabel=labels[0], ylabel=labels[1])
        state = "diverged" if history.diverged else f"{history.steps} steps"
        left.set_title(f"α = {rate:.3g}, B = {int(batch_size)}: {state}", fontsize=SMALLEST_FONT_PT)
        right.plot(history.examples / n, history.losses, color=COLORS[1], linewidth=1.0)
        right.set(xlabel="epochs (examples / n)", ylabel=r"loss $L(\theta_t)$")
        right.set_title(f"final loss {history.final_loss:.4g}")
        return fig

    controls = {
        "log10_lr": _slider("log₁₀ α", float(np.log10(lr)), low, high, 0.05),
        "batch_size": w.IntSlider(value=int(batch_size), min=1, max=n, step=1, description="batch size B",
                                  continuous_update=False, style={"description_width": "initial"}),
        "seed": w.IntSlider(value=int(seed), min=0, max=19, step=1, description="seed",
                            continuous_update=False, style={"description_width": "initial"}),
    }
    return explore(draw, controls)


# Chapter 6 explorers
__all__ += ["momentum_explorer"]
_LOSS_CAP = 1e12


def momentum_explorer(landscape, lr: float = 0.02, beta: float = 0.9, start=None, steps: int = 100,
                      log10_lr_range=(-3.0, 0.0), labels=(r"$\theta_1$", r"$\theta_2$"), resolution: int = 120):
    """Chapter 6 explorer: heavy-ball momentum (eq. ``eq-heavy-ball``) against gradient descent.

    Sliders set log10 of the learning rate alpha (within ``log10_lr_range``) and the momentum beta
    (0 to 0.99). Each redraw runs ``steps`` steps of :class:`optimlab.optimizers.Momentum` and of
    :class:`optimlab.optimizers.SGD` with the same alpha from ``start`` (default: the landscape's).
    Left: both paths over the contours; right: their losses against the step (log scale when every
    loss is positive). A run that overflows is marked as diverged.
    """
    from .optimizers import SGD, Momentum
    from .train import minimize

    low, high = _lr_range(lr, log10_lr_range, "momentum_explorer")
    beta = v.unit_interval(beta, "beta", "momentum_explorer")
    if beta > 0.99:
        raise ValueError(f"momentum_explorer: beta must lie in [0, 0.99] (the slider's range), got {beta!r}")
    steps = v.integer(steps, "steps", "momentum_explorer")
    start = _start_inside(landscape, start, "momentum_explorer")
    landscape.grid(resolution)  # computed once here; every redraw reuses it

    def draw(log10_lr, beta):
        rate = 10.0**log10_lr
        runs = [minimize(landscape, SGD(rate), start, steps, label="gradient descent"),
                minimize(landscape, Momentum(rate, beta), start, steps, label=f"momentum, β = {beta:.2f}")]
        fig, (left, right) = new_figure(ncols=2, width=TEXT_WIDTH, height=3.6,
                                        gridspec_kw={"width_ratios": [1.25, 1]})
        contour(left, landscape, resolution=resolution)
        for color, run in zip(COLORS, runs, strict=False):
            trajectory(left, run, color=color, markersize=2.0)
            shown = np.minimum(run.losses, _LOSS_CAP)  # a diverging run ends at the cap, not at 1e300
            right.plot(np.arange(len(run.losses)), shown, color=color,
                       label=run.label + (" (diverged)" if run.diverged else ""))
        left.set(xlabel=labels[0], ylabel=labels[1])
        state = ("diverged" if runs[1].diverged else
                 "diverging" if runs[1].final_loss > _LOSS_CAP else f"loss {runs[1].final_loss:.3g}")
        left.set_title(f"α = {rate:.3g}, β = {beta:.2f}: {state}", fontsize=SMALLEST_FONT_PT)
        if all(np.all(run.losses > 0) for run in runs):
            right.set_yscale("log")
            shown_all = np.concatenate([np.minimum(run.losses, _LOSS_CAP) for run in runs])
            low, high = shown_all.min(), shown_all.max()
            right.set_ylim(low / 3, high * max(high / low, 10.0) ** 0.4)  # an empty band on top for the legend
        right.set(xlabel="step $t$", ylabel=r"loss $L(\theta_t)$")
        right.legend(loc="upper right")
        return fig

    controls = {
        "log10_lr": _slider("log₁₀ α", float(np.log10(lr)), low, high, 0.05),
        "beta": _slider("momentum β", beta, 0.0, 0.99, 0.01),
    }
    return explore(draw, controls)


# =========================================================================== Chapter 7
# Chapter 7 explorers
__all__ += ["adaptive_explorer", "ADAPTIVE_EXPLORER_OPTIMIZERS"]

#: The optimizers of the Chapter 7 explorer: a name and how to make it from a learning rate (the
#: momentum methods with beta = 0.9, the adaptive ones with torch's defaults for everything else).
ADAPTIVE_EXPLORER_OPTIMIZERS = {
    "gradient descent": lambda lr: _optimizers().SGD(lr),
    "momentum": lambda lr: _optimizers().Momentum(lr, 0.9),
    "Nesterov": lambda lr: _optimizers().Nesterov(lr, 0.9),
    "AdaGrad": lambda lr: _optimizers().AdaGrad(lr),
    "RMSProp": lambda lr: _optimizers().RMSProp(lr),
    "Adam": lambda lr: _optimizers().Adam(lr),
}


def _optimizers():
    from . import optimizers

    return optimizers


def adaptive_explorer(landscapes: dict, optimizer: str = "Adam", lr: float = 0.1, landscape: str | None = None,
                      steps: int = 300, log10_lr_range=(-4.0, 1.0), resolution: int = 120):
    """Chapter 7 explorer: one optimizer, one learning rate, one landscape (eqs. ``eq-adagrad`` to ``eq-adam``).

    ``landscapes`` maps names to landscapes (e.g. the chapter's long valley, Beale's function, the
    saddle and Rosenbrock's function). Two menus pick the optimizer (the keys of
    :data:`ADAPTIVE_EXPLORER_OPTIMIZERS`) and the landscape, a slider log10 of the learning rate
    (within ``log10_lr_range``). Each redraw runs ``steps`` steps from the landscape's start.
    Left: the path over the contours; right: the loss above the landscape's lowest minimum,
    ``L(theta_t) - L*``, on a log axis. A run that overflows is marked as diverged.
    """
    from .train import minimize

    where = "adaptive_explorer"
    if not isinstance(landscapes, dict) or not landscapes:
        raise ValueError(f"{where}: landscapes must be a non-empty dict of name -> landscape, got {landscapes!r}")
    names = list(landscapes)
    landscape = names[0] if landscape is None else landscape
    if landscape not in landscapes:
        raise ValueError(f"{where}: landscape must be one of {names}, got {landscape!r}")
    if optimizer not in ADAPTIVE_EXPLORER_OPTIMIZERS:
        raise ValueError(f"{where}: optimizer must be one of {list(ADAPTIVE_EXPLORER_OPTIMIZERS)}, got {optimizer!r}")
    low, high = _lr_range(lr, log10_lr_range, where)
    steps = v.integer(steps, "steps", where)
    lowest = {}
    for name, surface in landscapes.items():
        surface.grid(resolution)  # computed once here; every redraw reuses it
        lowest[name] = min(surface.f(point) for point in surface.minima)

    def draw(optimizer, landscape, log10_lr):
        rate = 10.0**log10_lr
        surface = landscapes[landscape]
        run = minimize(surface, ADAPTIVE_EXPLORER_OPTIMIZERS[optimizer](rate), surface.start, steps,
                       label=optimizer)
        fig, (left, right) = new_figure(ncols=2, width=TEXT_WIDTH, height=3.6,
                                        gridspec_kw={"width_ratios": [1.25, 1]})
        contour(left, surface, resolution=resolution)
        trajectory(left, run, color=COLORS[1], markersize=2.0)
        gap = np.minimum(run.losses - lowest[landscape], _LOSS_CAP)
        state = ("diverged" if run.diverged else
                 "diverging" if gap[-1] >= _LOSS_CAP else f"gap {gap[-1]:.2g}")
        left.set_title(f"{optimizer}, α = {rate:.3g}: {state}", fontsize=SMALLEST_FONT_PT)
        right.plot(np.arange(len(gap)), np.maximum(gap, 1e-16), color=COLORS[1])
        right.set_yscale("log")
        right.set(xlabel="step $t$", ylabel=r"$L(\theta_t) - L^*$")
        return fig

    controls = {
        "optimizer": w.Dropdown(options=list(ADAPTIVE_EXPLORER_OPTIMIZERS), value=optimizer, description="optimizer",
                                style={"description_width": "initial"}),
        "landscape": w.Dropdown(options=names, value=landscape, description="landscape",
                                style={"description_width": "initial"}),
        "log10_lr": _slider("log₁₀ α", float(np.log10(lr)), low, high, 0.05),
    }
    return explore(draw, controls)


# =========================================================================== Chapter 8
# Chapter 8 explorers
__all__ += ["bias_correction_explorer"]


def _log_ticks(low: float, high: float) -> list[float]:
    """Ticks 1, 2, 5 times powers of ten that cover ``low`` to ``high``: those between them and one on
    either side (only powers of ten where that would make more than 6)."""
    def cover(candidates):
        below = [x for x in candidates if x <= low * (1 + 1e-9)]
        above = [x for x in candidates if x >= high * (1 - 1e-9)]
        return sorted({below[-1], *(x for x in candidates if low < x < high), above[0]})

    decades = range(int(np.floor(np.log10(low))) - 1, int(np.ceil(np.log10(high))) + 1)
    ticks = cover([k * 10.0**d for d in decades for k in (1, 2, 5)])
    return ticks if len(ticks) <= 6 else cover([10.0**d for d in decades])


def bias_correction_explorer(beta1: float = 0.9, beta2: float = 0.999, steps: int = 1000, mean: float = 0.5,
                             sd: float = 1.0, seed: int = 0):
    """Chapter 8 explorer: Adam's moments with and without bias correction (``eq-moment-bias``, ``eq-bias-correction``).

    Sliders set beta1 (0 to 0.99) and log10(1 - beta2) (-4 to -1, so beta2 from 0.9 to 0.9999).
    Top: the moments of :func:`optimlab.adaptive.moment_paths` along ``steps`` seeded gradients
    drawn from a normal distribution with the given ``mean`` and ``sd``: m_t and sqrt(v_t)
    (dashed) and their corrected versions (solid), with E[g] and sqrt(E[g^2]) as dotted lines.
    Bottom: the step of uncorrected Adam in units of alpha for a constant gradient,
    ``(1 - beta1^t) / sqrt(1 - beta2^t)`` (eps neglected, orange), against corrected Adam's 1
    (dotted), with ticks chosen from the data. The title gives the first uncorrected step and,
    where it comes later, the largest.
    """
    from .adaptive import moment_bias, moment_paths

    where = "bias_correction_explorer"
    beta1 = v.unit_interval(beta1, "beta1", where)
    if beta1 > 0.99:
        raise ValueError(f"{where}: beta1 must lie in [0, 0.99] (the slider's range), got {beta1!r}")
    beta2 = v.unit_interval(beta2, "beta2", where)
    if not 0.9 <= beta2 <= 0.9999:
        raise ValueError(f"{where}: beta2 must lie in [0.9, 0.9999] (the slider's range), got {beta2!r}")
    steps = v.integer(steps, "steps", where, minimum=2)
    sd = v.positive_number(sd, "sd", where)
    if isinstance(mean, bool) or not isinstance(mean, (int, float)) or not np.isfinite(mean):
        raise ValueError(f"{where}: mean must be a finite number, got {mean!r}")
    gradients = np.random.default_rng(seed).normal(mean, sd, size=steps)
    t = np.arange(1, steps + 1)

    def draw(beta1, log10_one_minus_beta2):
        beta2 = 1.0 - 10.0**log10_one_minus_beta2
        paths = moment_paths(gradients, (beta1, beta2))
        fig, (top, bottom) = new_figure(nrows=2, width=TEXT_WIDTH, height=5.6, sharex=True)
        for color, raw, corrected, label in ((COLORS[0], paths["m"], paths["m_hat"], "m"),
                                             (COLORS[1], np.sqrt(paths["v"]), np.sqrt(paths["v_hat"]), "v")):
            shown = r"$\hat m_t$" if label == "m" else r"$\sqrt{\hat v_t}$"
            raw_label = r"$m_t$" if label == "m" else r"$\sqrt{v_t}$"
            top.plot(t, corrected, color=color, linewidth=1.2, label=shown)
            top.plot(t, raw, color=color, linewidth=1.2, linestyle="--", label=raw_label)
        for level in (mean, np.sqrt(mean**2 + sd**2)):
            top.axhline(level, color="0.3", linestyle=":", linewidth=1.2)
        shown_values = np.concatenate([paths["m_hat"], np.sqrt(paths["v_hat"]), [0.0]])
        low, high = shown_values.min(), shown_values.max()
        top.set(xscale="log", ylabel="moment", ylim=(low - 0.1 * (high - low), high + 0.45 * (high - low)))
        top.legend(loc="upper center", ncols=4)  # in the band left free above the curves
        ratio = moment_bias(beta1, t) / np.sqrt(moment_bias(beta2, t))
        bottom.plot(t, ratio, color=COLORS[1], label="without correction")  # orange, as in fig-early-steps
        bottom.axhline(1.0, color="0.3", linestyle=":", linewidth=1.2, label="with correction")
        bottom.set(xscale="log", yscale="log", xlabel="step $t$", ylabel=r"step $/\, \alpha$")
        ticks = _log_ticks(min(ratio.min(), 1.0), max(ratio.max(), 1.0))
        bottom.set_yticks(ticks, labels=[f"{x:g}" for x in ticks])
        bottom.minorticks_off()
        low, high = ticks[0] / 1.2, ticks[-1] * 1.2
        bottom.set_ylim(low, high * (high / low) ** 0.5)  # a band above the data for the legend
        bottom.legend(loc="upper center", ncols=2)
        peak = int(np.argmax(ratio))
        largest = (f", largest {ratio[peak]:.3g} α (t = {peak + 1})" if peak > 0
                   else " (the largest)")
        top.set_title(f"β₁ = {beta1:.2f}, β₂ = {beta2:.4g}: uncorrected step {ratio[0]:.3g} α "
                      f"at t = 1{largest}", fontsize=SMALLEST_FONT_PT)
        return fig

    controls = {
        "beta1": _slider("β₁", beta1, 0.0, 0.99, 0.01),
        "log10_one_minus_beta2": _slider("log₁₀(1 − β₂)", float(np.log10(1 - beta2)), -4.0, -1.0, 0.05),
    }
    return explore(draw, controls)


# =========================================================================== Chapter 9
# Chapter 9 explorers
TRAINING_EXPLORER_WIDTHS = (8, 32, 128, 512)


def training_explorer(optimizer: str = "Adam", lr: float = 1e-2, width: int = 32, epochs: int = 20,
                      train_size: int | None = None, seed: int = 0):
    """Chapter 9 explorer: train the digits MLP with an optimizer, learning rate and width of your choice.

    Controls: the optimizer (one of :data:`optimlab.gpu.OPTIMIZERS`), log10 of the learning rate
    (-4 to 0) and the hidden width (one of :data:`TRAINING_EXPLORER_WIDTHS`). Each change trains a
    fresh one-hidden-layer MLP (:func:`optimlab.gpu.mlp`, seeded) for ``epochs`` epochs on the CPU
    with :func:`optimlab.gpu.train`, and draws the train (solid) and validation (dashed) loss per
    epoch; the title gives the final validation accuracy and the epoch with the lowest validation
    loss. ``train_size`` keeps only that many training examples (fewer make overfitting visible).
    """
    from . import gpu

    where = "training_explorer"
    if optimizer not in gpu.OPTIMIZERS:
        raise ValueError(f"{where}: optimizer must be one of {', '.join(gpu.OPTIMIZERS)}, got {optimizer!r}")
    lr = v.positive_number(lr, "lr", where)
    if not 1e-4 <= lr <= 1.0:
        raise ValueError(f"{where}: lr must lie in [1e-4, 1] (the slider's range), got {lr!r}")
    if width not in TRAINING_EXPLORER_WIDTHS:
        raise ValueError(f"{where}: width must be one of {TRAINING_EXPLORER_WIDTHS}, got {width!r}")
    epochs = v.integer(epochs, "epochs", where, minimum=1)
    train_data, validation_data, _ = gpu.digits(seed=seed, train_size=train_size)  # the test set stays unseen

    def draw(optimizer, log10_lr, width):
        model = gpu.mlp(width, seed=seed)
        chosen = gpu.make_optimizer(optimizer, model.parameters(), lr=10.0**log10_lr)
        curves = gpu.train(model, chosen, train_data, validation_data, epochs=epochs, seed=seed, progress=False)
        fig, ax = new_figure(width=TEXT_WIDTH, height=3.6)
        shown = np.arange(len(curves.train_loss))
        ax.plot(shown, curves.train_loss, color=COLORS[0], label="train")
        ax.plot(shown, curves.validation_loss, color=COLORS[1], linestyle="--", label="validation")
        ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log")
        ax.legend(loc="upper right")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if curves.diverged:
            outcome = f"diverged in epoch {len(curves.train_loss)}"
        else:
            outcome = (f"validation accuracy {curves.validation_accuracy[-1]:.1%}, "
                       f"lowest validation loss at epoch {curves.best_epoch()}")
        ax.set_title(f"{optimizer}, α = {10.0**log10_lr:.2g}, width {width}\n{outcome}", fontsize=SMALLEST_FONT_PT)
        return fig

    controls = {
        "optimizer": w.Dropdown(options=list(gpu.OPTIMIZERS), value=optimizer, description="optimizer"),
        "log10_lr": _slider("log₁₀ α", float(np.log10(lr)), -4.0, 0.0, 0.25),
        "width": w.Dropdown(options=list(TRAINING_EXPLORER_WIDTHS), value=width, description="width"),
    }
    return explore(draw, controls)
