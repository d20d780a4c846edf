"""optimlab.backprop (Chapter 3) against torch.autograd and finite differences, and its widget."""

import inspect
import json
import re
from pathlib import Path
from unittest import mock

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import optimlab  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from conftest import explorer_bundle  # noqa: E402
from optimlab import backprop, gradcheck, models, widgets  # noqa: E402
from optimlab.backprop import Graph  # noqa: E402

# Every derivative of the worked example of Chapter 3 (the same as in the NPFL114 lecture's example).
EXAMPLE_DERIVATIVES = {
    "o": 6, "w7": 24, "w8": 0, "w9": 30, "w1": -6, "w2": -12, "w3": 0, "w4": 0, "w5": 12, "w6": 24,
    "h1": -6, "h2": 18, "h3": 12, "a1": -6, "a2": 0, "a3": 12, "x1": 0, "x2": 18,
}


def mixed_graph(x=0.7, y=-1.3, z=0.4):
    """Every operation, with fan-out (x and a are used several times) and a node used twice by one op."""
    g = Graph()
    x, y, z = g.input("x", x), g.input("y", y), g.input("z", z)
    a = g.mul(x, y, name="a")
    b = g.tanh(g.add(a, x, z, name="s"), name="b")
    c = g.sigmoid(g.sub(b, y), name="c")
    d = g.relu(g.add(c, a), name="d")
    e = g.mul(d, d, name="e")
    g.add(g.square(g.mul(e, x)), a, name="out")
    return g


def mixed_torch(x, y, z):
    a = x * y
    b = torch.tanh(a + x + z)
    c = torch.sigmoid(b - y)
    d = torch.relu(c + a)
    e = d * d
    return (e * x) ** 2 + a


def test_worked_example_gives_every_derivative_of_the_chapter():
    graph = backprop.worked_example()
    graph.backward()
    for name, expected in EXAMPLE_DERIVATIVES.items():
        assert graph.derivative(name) == pytest.approx(expected, abs=1e-12), name
    values = {name: graph.node(name).value for name in ("a1", "a2", "a3", "h1", "h2", "h3", "o", "y", "L")}
    assert values == {"a1": 4, "a2": -1, "a3": 5, "h1": 4, "h2": 0, "h3": 5, "o": 6, "y": 3, "L": 9}
    assert graph.node("a2").value < 0  # strictly: the ReLU convention at 0 then does not matter
    assert len(graph) == 30 and graph.nodes[-1].name == "L"


@pytest.mark.parametrize("point", [(0.7, -1.3, 0.4), (1.5, 0.2, -0.3), (-0.4, -0.9, 1.1)])
def test_backward_matches_torch_autograd(point):
    graph = mixed_graph(*point)
    graph.backward()
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point]
    out = mixed_torch(*leaves)
    out.backward()
    assert graph.node("out").value == pytest.approx(out.item(), rel=1e-13)
    for name, leaf in zip("xyz", leaves, strict=True):
        assert graph.derivative(name) == pytest.approx(leaf.grad.item(), rel=1e-12, abs=1e-14), name


def test_backward_matches_finite_differences():
    graph = mixed_graph()

    def f(values):
        return graph.forward(x=values[0], y=values[1], z=values[2])

    def grad(values):
        f(values)
        g = graph.backward()
        return np.array([g[graph.node(n).index] for n in "xyz"])

    result = gradcheck.check_grad(f, grad, np.array([0.7, -1.3, 0.4]))
    assert result.passed(1e-7), str(result)


def test_intermediate_derivatives_match_torch_retain_grad():
    graph = backprop.worked_example(x1=0.5, x2=-1.5, weights=np.linspace(-1.2, 1.3, 9), y=0.3)
    graph.backward()
    x = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.5, -1.5)]
    w = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in np.linspace(-1.2, 1.3, 9)]
    a = [w[2 * j] * x[0] + w[2 * j + 1] * x[1] for j in range(3)]
    h = [torch.relu(t) for t in a]
    o = w[6] * h[0] + w[7] * h[1] + w[8] * h[2]
    for t in (*a, *h, o):
        t.retain_grad()
    ((o - 0.3) ** 2).backward()
    names = ["a1", "a2", "a3", "h1", "h2", "h3", "o"]
    for name, t in zip(names, (*a, *h, o), strict=True):
        assert graph.derivative(name) == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-14), name
    for k in range(9):
        assert graph.derivative(f"w{k + 1}") == pytest.approx(w[k].grad.item(), rel=1e-12, abs=1e-14)


def test_a_node_used_twice_by_one_operation_counts_twice():
    g = Graph()
    x = g.input("x", 1.5)
    g.add(g.mul(x, x), x, x)
    g.backward()
    assert x.grad == pytest.approx(2 * 1.5 + 2)
    assert g.partial(g.nodes[1], x) == pytest.approx(3.0)  # d(x*x)/dx = x + x


def test_relu_derivative_at_the_kink_is_zero_like_torch():
    g = Graph()
    a = g.input("a", 0.0)
    g.relu(a)
    g.backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert a.grad == t.grad.item() == 0.0


def test_backward_visits_every_node_before_the_output_once_in_reverse_order():
    """g^(N) = 1 and g^(i) for i = N-1, ..., 1: the first node gets a derivative too (no off-by-one)."""
    g = Graph()
    first = g.input("first", 2.0)
    g.square(g.mul(first, g.input("c", 3.0)))
    grads = g.backward()
    assert grads[-1] == 1.0
    assert first.grad == pytest.approx(2 * 6.0 * 3.0)  # d(3 u)^2/du = 18 u
    assert grads[0] == first.grad


def test_backward_from_an_intermediate_node_and_forward_with_new_inputs():
    g = Graph()
    w, x = g.input("w", 3.0), g.input("x", 2.0)
    p = g.mul(w, x, name="p")
    g.square(p, name="L")
    grads = g.backward(output="p")
    assert grads.tolist() == [2.0, 3.0, 1.0, 0.0]
    assert g.forward(w=0.5) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="backward"):
        _ = w.grad  # the forward pass made the old derivatives stale
    g.backward()
    assert w.grad == pytest.approx(2 * 1.0 * 2.0)
    assert [s.name for s in g.successors("w")] == ["p"]
    assert [q.name for q in p.predecessors] == ["w", "x"]


def test_table_lists_every_node_with_its_derivative():
    graph = backprop.worked_example()
    before = graph.table()
    assert "dL/dnode" not in before
    graph.backward()
    text = graph.table()
    assert "dL/dnode" in text and all(name in text for name in ("x1", "w9", "y", "a2", "h3", "o", "L"))
    numbers = [int(line.split()[0]) for line in text.splitlines()[2:]]
    assert numbers == list(range(1, len(graph) + 1))  # the table numbers the nodes from 1, as the chapter
    assert len(text.splitlines()) == len(graph) + 2
    assert graph.derivatives()["x2"] == 18.0
    assert len(graph.table(["w1", "w2"]).splitlines()) == 4


BAD_USES = [
    (lambda g: g.input("x", 1.0) and g.input("x", 2.0), "already a node named"),
    (lambda g: g.input("x", float("nan")), "finite real number"),
    (lambda g: g.input("x", True), "finite real number"),
    (lambda g: g.input("", 1.0), "non-empty string"),
    (lambda g: g.mul(g.input("x", 1.0), 2.0), "nodes of this graph"),
    (lambda g: g.square(Graph().input("y", 1.0)), "nodes of this graph"),
    (lambda g: g.add(g.input("x", 1.0)), "at least two"),
    (lambda g: g.input("x", 1.0) and g.forward(y=1.0), "no node named"),
    (lambda g: g.square(g.input("x", 1.0), name="s") and g.forward(s=1.0), "not an input"),
    (lambda g: g.input("x", 1.0) and g.forward(x="one"), "finite real number"),
    (lambda g: g.backward(), "empty"),
    (lambda g: g.forward(), "empty"),
    (lambda g: g.input("x", 1.0) and g.derivative("x"), "backward"),
    (lambda g: g.input("x", 1.0) and g.backward(output=3), "node of this graph"),
    (lambda g: backprop.worked_example(weights=(1.0, 2.0)), "nine"),
    (lambda g: widgets.network_figure("graph"), "Graph"),
]


@pytest.mark.parametrize("use, message", BAD_USES)
def test_bad_use_raises_value_error(use, message):
    with pytest.raises(ValueError, match=message):
        use(Graph())


def test_relu_derivative_accepts_python_scalars():
    # regression: the derivative of relu called .astype on a Python bool for a float argument
    _, relu_grad = models.activation("relu")
    assert float(relu_grad(0.5)) == 1.0 and float(relu_grad(0.0)) == 0.0 and float(relu_grad(-2)) == 0.0


def test_backprop_explorer_output_has_widget_view_and_static_png():
    with mock.patch.object(widgets, "display") as display:
        widgets.backprop_explorer()
    explorer_bundle(display)


def test_backprop_explorer_redraws_and_revives_the_dead_unit():
    with mock.patch.object(widgets, "display"):
        redraw = widgets.backprop_explorer()
        default = [bar.get_height() for bar in redraw().axes[1].patches]
        revived = [bar.get_height() for bar in redraw(w3=3.0).axes[1].patches]
    assert default == [-6, -12, 0, 0, 12, 24, 24, 0, 30]
    assert revived[2] != 0 and revived[3] != 0  # i2 = 3 - 2 > 0: w3 and w4 now get gradient


def test_network_figure_without_numbers_needs_no_backward_pass():
    figure = widgets.network_figure(backprop.worked_example(), numbers=False)
    assert len(figure.axes) == 1


@pytest.mark.parametrize("setting", [{}, {"x1": -1.75, "x2": 2.75, "w3": -2.75, "y": -2.75},
                                     {"x1": 3.0, "x2": 3.0, "w3": 4.0, "y": -3.0}])
def test_network_figure_fits_every_text_in_its_box(setting):
    """No text of the drawing crosses the edge of its box or of the figure, for extreme slider values."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    graph = backprop.worked_example()
    graph.forward(**setting)
    graph.backward()
    figure = widgets.network_figure(graph)
    assert figure.get_figwidth() <= widgets.TEXT_WIDTH
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    ax = figure.axes[0]
    boxes = [patch.get_window_extent(renderer) for patch in ax.patches if isinstance(patch, FancyBboxPatch)]
    assert len(boxes) == 7
    page = figure.bbox
    for text in ax.texts:
        extent = text.get_window_extent(renderer)
        assert page.x0 <= extent.x0 and extent.x1 <= page.x1, text.get_text()
        inside = [box for box in boxes if box.x0 <= extent.x0 + 1 and extent.x1 - 1 <= box.x1
                  and box.y0 <= extent.y0 + 1 and extent.y1 - 1 <= box.y1]
        overlapping = [box for box in boxes if box.overlaps(extent)]
        assert inside or not overlapping, f"{text.get_text()!r} crosses the edge of a box"
    plt.close(figure)


CHAPTER_3 = Path(__file__).resolve().parents[1] / "chapters" / "03_backpropagation.ipynb"


def test_package_source_the_chapter_displays_fits_the_code_column():
    """Chapter 3 shows package code with inspect.getsource; those lines fit the 79-column code box."""
    cells = json.loads(CHAPTER_3.read_text())["cells"]
    shown = re.findall(r"inspect\.getsource\(([\w.]+)\)", "".join("".join(c["source"]) for c in cells))
    assert {"backprop.Graph.backward", "backprop.worked_example", "models.MLP.backward"} <= set(shown)
    long = []
    for dotted in shown:
        obj = optimlab
        for part in dotted.split("."):
            obj = getattr(obj, part)
        long += [f"{dotted}: {line}" for line in inspect.getsource(obj).splitlines() if len(line) > 79]
    assert not long, "\n".join(long)
