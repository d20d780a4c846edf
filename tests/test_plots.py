"""optimlab.plots: figures from histories, and an animation light enough for a web page."""

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402

import matplotlib as mpl  # noqa: E402
import numpy as np  # noqa: E402
from optimlab import landscapes, optimizers, plots, train  # noqa: E402


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


def test_animation_loads_nothing_from_the_network_and_draws_its_own_icons():
    """Regression: matplotlib's to_jshtml links Font Awesome from a CDN for its button icons."""
    ls, histories = runs()
    html = plots.animate_paths(ls, histories[:1], frames=5, alt="a path").data
    assert "maxcdn" not in html and not re.search(r'<link[^>]+href="https?://', html)
    assert 'class="fa ' not in html, "icons must not depend on Font Awesome"
    assert html.count('<span aria-hidden="true">') == 9 and "\u25b6" in html
