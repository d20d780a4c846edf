"""optimlab.plots: figures from histories, and an animation light enough for a web page."""

import matplotlib

matplotlib.use("Agg")

import base64  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from optimlab import landscapes, optimizers, plots, train  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def runs():
    ls = landscapes.rosenbrock()
    return ls, [train.minimize(ls, optimizers.SGD(lr), ls.start, 200, label=f"lr={lr}") for lr in (1e-3, 2e-3)]


def test_paths_on_contours_draws_one_line_per_history():
    ls, histories = runs()
    fig = plots.paths_on_contours(ls, histories)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["lr=0.001", "lr=0.002"]
    line = fig.axes[0].get_legend().get_lines()[0]
    path = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "lr=0.001"][0]
    np.testing.assert_array_equal(path.get_xdata(), histories[0].thetas[:, 0])
    assert line.get_color() == plots.COLORS[0]


def test_animation_is_light_has_alt_text_and_restores_settings():
    ls, histories = runs()
    before = dict(mpl.rcParams)
    html = plots.animate_paths(ls, histories, alt="Two paths creep along the valley").data
    assert len(html) < 2_000_000, f"animation is {len(html) / 1e6:.1f} MB; keep pages light"
    assert 'alt="Two paths creep along the valley"' in html
    assert html.count("data:image/jpeg;base64") >= 20
    assert dict(mpl.rcParams) == before


def test_animation_carries_a_still_of_its_last_frame_for_print():
    """The PDF edition cannot play the player's HTML: it prints the PNG of the last frame."""
    ls, histories = runs()
    animation = plots.animate_paths(ls, histories[:1], frames=5, alt="a path")
    bundle = animation._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert bundle["text/html"] == animation.data and "5 frames" in bundle["text/plain"]


def test_animation_loads_nothing_from_the_network_and_draws_its_own_icons():
    """Regression: matplotlib's to_jshtml links Font Awesome from a CDN for its button icons."""
    ls, histories = runs()
    html = plots.animate_paths(ls, histories[:1], frames=5, alt="a path").data
    assert "maxcdn" not in html and not re.search(r'<link[^>]+href="https?://', html)
    assert 'class="fa ' not in html, "icons must not depend on Font Awesome"
    assert html.count('<span aria-hidden="true">') == 9 and "\u25b6" in html


def test_animation_labels_its_axes_and_draws_shared_marks_once():
    ls, histories = runs()
    seen = []

    def decorate(ax):
        seen.append((ax.get_xlabel(), ax.get_ylabel()))
        ax.plot(0.0, 0.0, "X")

    plots.animate_paths(ls, histories[:1], frames=4, alt="a path", labels=("$a$", "$b$"), decorate=decorate)
    assert seen == [("$a$", "$b$")]


def test_figures_are_no_wider_than_the_text_column():
    with pytest.raises(ValueError, match="at most the text column"):
        plots.new_figure(width=plots.TEXT_WIDTH + 0.5)
    fig, _ = plots.new_figure()
    assert fig.get_figwidth() == plots.TEXT_WIDTH
    plt.close(fig)


def test_the_style_sets_no_font_below_the_smallest():
    plots.use_book_style()
    keys = ["font.size", "axes.labelsize", "axes.titlesize", "xtick.labelsize", "ytick.labelsize",
            "legend.fontsize", "legend.title_fontsize", "figure.titlesize"]
    points = {key: mpl.font_manager.FontProperties(size=mpl.rcParams[key]).get_size_in_points() for key in keys}
    small = {key: size for key, size in points.items() if size < plots.SMALLEST_FONT_PT}
    assert not small, f"fonts below {plots.SMALLEST_FONT_PT} pt in the book's style: {small}"


_EXPLICIT_FONT = re.compile(r"\b(?:fontsize|labelsize)\s*=\s*(\d+(?:\.\d+)?)\b")


def test_no_code_sets_a_font_below_the_smallest():
    """Explicit font sizes in the package and the chapters respect plots.SMALLEST_FONT_PT."""
    sources = {path.name: path.read_text() for path in (ROOT / "code" / "optimlab").rglob("*.py")}
    for path in (ROOT / "chapters").glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        sources[path.name] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    small = [f"{name}: {m.group(0)}" for name, text in sources.items() for m in _EXPLICIT_FONT.finditer(text)
             if float(m.group(1)) < plots.SMALLEST_FONT_PT]
    assert not small, f"font sizes below {plots.SMALLEST_FONT_PT} pt: {small}"
