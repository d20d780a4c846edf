"""Chapter 4: the line-search explorer shows a static picture and redraws for each search."""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from conftest import explorer_bundle  # noqa: E402
from optimlab import landscapes, plots, widgets  # noqa: E402


def test_line_search_explorer_output_has_widget_view_and_static_png():
    with mock.patch.object(widgets, "display") as display:
        widgets.line_search_explorer(landscapes.quadratic(10.0), start=[-4.5, 1.5], s_max=1.0,
                                     s_max_range=(0.1, 2.0), steps=5)
    explorer_bundle(display)


def test_line_search_explorer_counts_fewer_evaluations_for_cheaper_searches():
    with mock.patch.object(widgets, "display"):
        redraw = widgets.line_search_explorer(landscapes.quadratic(10.0), start=[-4.5, 1.5], s_max=1.0,
                                              s_max_range=(0.1, 2.0), steps=5)
        counts = {}
        for method in widgets.LINE_SEARCHES:
            title = redraw(method=method).axes[0].get_title()
            counts[method] = int(title.split("steps, ")[1].split(" loss")[0])
    assert counts["bracketing"] > counts["golden section"] > counts["backtracking"] > 0
    assert counts["bracketing"] % 4 == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "newton"}, "method"),
    ({"s_max": 500.0}, "s_max"),
    ({"c": 1.0}, "c and rho"),
    ({"rho": 0.0}, "c and rho"),
])
def test_line_search_explorer_rejects_bad_settings(kwargs, message):
    with mock.patch.object(widgets, "display"), pytest.raises(ValueError, match=message):
        widgets.line_search_explorer(landscapes.quadratic(10.0), start=[-4.5, 1.5], **kwargs)


def test_bracket_iterations_draws_one_row_per_bracket():
    from optimlab import linesearch

    result = linesearch.bracketing(lambda s: (s - 0.3) ** 2, (0.0, 1.0), tol=1e-2)
    fig, ax = plots.new_figure()
    plots.bracket_iterations(ax, result, iterations=4, minimizer=0.3)
    assert ax.get_ylim() == (5.6, 0.4)
    values = plots.line_and_trials(ax, lambda s: (s - 0.3) ** 2, [0.0, 0.5, 1.0], result)
    assert values == pytest.approx([0.09, 0.04, 0.49])
    # a bar and four dots per bracket, the minimizer; the curve, the trials, the chosen step
    assert len(ax.lines) == 2 * 5 + 1 + 3
