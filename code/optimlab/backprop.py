"""A scalar computational graph with forward propagation and backpropagation (Chapter 3).

A teaching implementation of the two algorithms of Chapter 3, on a graph whose nodes hold
single numbers. The N nodes ``u^(1), ..., u^(N)`` are numbered in the order they are created.
A node can only be built from nodes that already exist, so this numbering is a topological
order: every predecessor of ``u^(i)`` has a smaller number than ``u^(i)``. Python counts from
0, so node ``u^(i)`` sits at position ``i - 1`` of the graph's lists; :meth:`Graph.table`
prints the book's numbers, from 1.

* **Forward propagation** (eq. ``eq-forward-graph``): for ``i = 1, ..., N`` compute
  ``u^(i) = f^(i)(values of the predecessors Pa(u^(i)))``, and along the way the *local*
  partial derivatives of ``f^(i)`` with respect to each of its arguments.
* **Backpropagation**, the "simple variant" of the NPFL114 lecture (eq. ``eq-backprop-graph``):
  ``g^(N) = 1`` and, for ``i = N-1, ..., 1``,
  ``g^(i) = sum over the successors j of i of g^(j) * du^(j)/du^(i)``,
  so that ``g^(i)`` is the derivative of the output ``u^(N)`` with respect to ``u^(i)``.

Example (the loss ``(w x - y)^2`` of one example)::

    graph = Graph()
    w, x, y = graph.input("w", 3.0), graph.input("x", 2.0), graph.input("y", 1.0)
    loss = graph.square(graph.sub(graph.mul(w, x), y), name="L")
    graph.backward()          # one pass; every node's derivative
    w.grad                    # dL/dw = 2 (w x - y) x = 20.0
    print(graph.table())      # every node: operation, value, derivative

This module is small on purpose; ``torch.autograd`` does the same on tensors.
"""

from __future__ import annotations

import numbers

import numpy as np

from .models import activation

__all__ = ["Graph", "Node", "OPERATIONS", "worked_example", "WORKED_EXAMPLE_WEIGHTS"]


def _unary(name: str):
    """(function, local derivative) of a models.activation, on plain floats."""
    fn, derivative = activation(name)
    return (lambda a: float(fn(a)), lambda a: (float(derivative(a)),))


#: Each operation: (function of the argument values, their local partial derivatives).
#: ``partials(*args)[k]`` is the derivative of the node's value with respect to argument k.
OPERATIONS = {
    "add": (lambda *args: float(sum(args)), lambda *args: (1.0,) * len(args)),
    "sub": (lambda a, b: a - b, lambda a, b: (1.0, -1.0)),
    "mul": (lambda a, b: a * b, lambda a, b: (b, a)),
    "square": (lambda a: a * a, lambda a: (2.0 * a,)),
    "relu": _unary("relu"),  # local derivative 0 at the kink a = 0, as in torch
    "tanh": _unary("tanh"),
    "sigmoid": _unary("sigmoid"),
}


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(float(value)):
        raise ValueError(f"{what} must be a finite real number, got {value!r}")
    return float(value)


class Node:
    """A handle on one node ``u^(i)`` of a :class:`Graph` (Chapter 3, eq. ``eq-forward-graph``).

    ``value`` is the node's value from the latest forward pass, ``grad`` its derivative
    ``g^(i)`` from the latest backward pass.
    """

    def __init__(self, graph: Graph, index: int):
        self.graph = graph
        self.index = index

    @property
    def name(self) -> str:
        return self.graph._names[self.index]

    @property
    def op(self) -> str:
        return self.graph._ops[self.index]

    @property
    def value(self) -> float:
        return self.graph._values[self.index]

    @property
    def predecessors(self) -> list[Node]:
        return [Node(self.graph, j) for j in self.graph._preds[self.index]]

    @property
    def grad(self) -> float:
        return self.graph.derivative(self)

    def __repr__(self) -> str:
        return f"Node(u^({self.index + 1}) {self.name!r}, {self.op}, value={self.value:.6g})"


class Graph:
    """A computational graph of scalar nodes (Chapter 3).

    Build it with :meth:`input` (leaves: inputs, weights, targets) and the operations
    :meth:`add`, :meth:`sub`, :meth:`mul`, :meth:`square`, :meth:`relu`, :meth:`tanh` and
    :meth:`sigmoid`; each call appends one node and evaluates it. :meth:`forward` re-runs forward
    propagation (eq. ``eq-forward-graph``), optionally with new input values; :meth:`backward`
    runs backpropagation (eq. ``eq-backprop-graph``); :meth:`table` lists every node's value and
    derivative.
    """

    def __init__(self):
        self._names: list[str] = []
        self._ops: list[str] = []
        self._preds: list[tuple[int, ...]] = []
        self._values: list[float] = []
        self._partials: list[tuple[float, ...]] = []
        self._successors: list[list[int]] = []
        self._grads: np.ndarray | None = None
        self._output: int | None = None

    # ------------------------------------------------------------------ building
    def __len__(self) -> int:
        return len(self._names)

    def _new_name(self, name) -> str:
        name = f"u{len(self) + 1}" if name is None else name
        if not isinstance(name, str) or not name:
            raise ValueError(f"Graph: a node name must be a non-empty string, got {name!r}")
        if name in self._names:
            raise ValueError(f"Graph: there is already a node named {name!r}; node names must be unique")
        return name

    def input(self, name: str, value) -> Node:
        """A leaf node (an input, a weight or a target) with the given value."""
        name = self._new_name(name)
        value = _number(value, f"Graph.input: the value of {name!r}")
        return self._append(name, "input", (), value, ())

    def _apply(self, op: str, args, name) -> Node:
        for arg in args:
            if not isinstance(arg, Node) or arg.graph is not self:
                raise ValueError(
                    f"Graph.{op}: arguments must be nodes of this graph, got {arg!r}; "
                    "make a constant with graph.input(name, value)"
                )
        name = self._new_name(name)
        preds = tuple(arg.index for arg in args)
        fn, partials = OPERATIONS[op]
        values = [self._values[j] for j in preds]
        return self._append(name, op, preds, fn(*values), partials(*values))

    def _append(self, name, op, preds, value, partials) -> Node:
        self._names.append(name)
        self._ops.append(op)
        self._preds.append(preds)
        self._values.append(float(value))
        self._partials.append(tuple(float(p) for p in partials))
        self._successors.append([])
        for j in sorted(set(preds)):
            self._successors[j].append(len(self) - 1)
        self._grads = None  # a new node makes earlier derivatives stale
        return Node(self, len(self) - 1)

    def add(self, *args: Node, name: str | None = None) -> Node:
        """``a + b + ...`` (two or more arguments); every local partial derivative is 1."""
        if len(args) < 2:
            raise ValueError(f"Graph.add: needs at least two nodes to add, got {len(args)}")
        return self._apply("add", args, name)

    def sub(self, a: Node, b: Node, name: str | None = None) -> Node:
        """``a - b``; local partials 1 and -1."""
        return self._apply("sub", (a, b), name)

    def mul(self, a: Node, b: Node, name: str | None = None) -> Node:
        """``a * b``; local partials ``b`` and ``a``."""
        return self._apply("mul", (a, b), name)

    def square(self, a: Node, name: str | None = None) -> Node:
        """``a**2``; local partial ``2 a``."""
        return self._apply("square", (a,), name)

    def relu(self, a: Node, name: str | None = None) -> Node:
        """``max(a, 0)``; local partial 1 for a > 0 and 0 otherwise (eq. ``eq-activation-derivatives``)."""
        return self._apply("relu", (a,), name)

    def tanh(self, a: Node, name: str | None = None) -> Node:
        """``tanh(a)``; local partial ``1 - tanh(a)^2`` (eq. ``eq-activation-derivatives``)."""
        return self._apply("tanh", (a,), name)

    def sigmoid(self, a: Node, name: str | None = None) -> Node:
        """``sig(a) = 1 / (1 + e^-a)``; local partial ``sig(a) (1 - sig(a))`` (eq. ``eq-activation-derivatives``)."""
        return self._apply("sigmoid", (a,), name)

    # ------------------------------------------------------------------ lookup
    def node(self, name: str) -> Node:
        """The node called ``name``."""
        if name not in self._names:
            raise ValueError(f"Graph: no node named {name!r}; the nodes are {self._names}")
        return Node(self, self._names.index(name))

    def _index(self, node) -> int:
        if isinstance(node, str):
            return self.node(node).index
        if not isinstance(node, Node) or node.graph is not self:
            raise ValueError(f"Graph: expected a node of this graph or its name, got {node!r}")
        return node.index

    @property
    def nodes(self) -> list[Node]:
        """All nodes, in topological order ``u^(1), ..., u^(N)``."""
        return [Node(self, i) for i in range(len(self))]

    # ------------------------------------------------------------------ the two passes
    def forward(self, **inputs) -> float:
        """Forward propagation (Chapter 3, eq. ``eq-forward-graph``).

        Keyword arguments first set input nodes to new values, e.g.
        ``graph.forward(x1=0.5)``. Then every computed node, in topological
        order, is evaluated from its predecessors' values, together with its
        local partial derivatives. Returns the value of the last node.
        """
        if not self._names:
            raise ValueError("Graph.forward: the graph is empty")
        for name, value in inputs.items():
            self._set_input(name, value)
        for i in range(len(self)):          # position i holds node u^(i+1)
            if self._ops[i] == "input":
                continue
            fn, partials = OPERATIONS[self._ops[i]]
            args = [self._values[j] for j in self._preds[i]]  # arguments A
            self._values[i] = float(fn(*args))                # its value
            self._partials[i] = tuple(float(d) for d in partials(*args))
        self._grads = None          # derivatives of the old values are stale
        return self._values[-1]

    def _set_input(self, name: str, value) -> None:
        i = self.node(name).index
        if self._ops[i] != "input":
            raise ValueError(f"Graph.forward: {name!r} is computed ({self._ops[i]}), not an input; "
                             "only input nodes can be set")
        self._values[i] = _number(value, f"Graph.forward: the value of {name!r}")

    def _local(self, j: int, i: int) -> float:
        """The local derivative of the node at position j with respect to the
        node at position i: the sum of j's local partials over those of its
        arguments that are i (0 if none; mul(x, x) has x twice)."""
        pairs = zip(self._preds[j], self._partials[j], strict=True)
        return sum((d for k, d in pairs if k == i), 0.0)

    def partial(self, j, i) -> float:
        """The local derivative ``du^(j)/du^(i)`` of node j with respect to node i (nodes or names)."""
        return self._local(self._index(j), self._index(i))

    def successors(self, node) -> list[Node]:
        """The nodes that have ``node`` among their predecessors: all j with ``i in P(u^(j))``."""
        return [Node(self, j) for j in self._successors[self._index(node)]]

    def backward(self, output=None) -> np.ndarray:
        """Backpropagation, simple variant (Chapter 3, eq-backprop-graph).

        ``output`` (a node or its name; by default the last node) is u^(N).
        Returns the array g of every node's derivative du^(N)/du^(i), stored
        at the node's position i - 1 (0 for nodes that do not influence the
        output), and keeps it for ``derivative``.
        """
        if not self._names:
            raise ValueError("Graph.backward: the graph is empty")
        last = len(self) - 1 if output is None else self._index(output)
        g = np.zeros(len(self))                  # g[i] holds g^(i+1)
        g[last] = 1.0                            # g^(N) = 1
        for i in range(last - 1, -1, -1):        # nodes u^(N-1), ..., u^(1)
            g[i] = sum(g[j] * self._local(j, i)  # g^(j) du^(j)/du^(i)
                       for j in self._successors[i]
                       if j <= last)             # successors up to u^(N)
        self._grads, self._output = g, last
        return g.copy()

    def derivative(self, node) -> float:
        """``g^(i)``, the derivative of the output with respect to ``node``, from the latest backward pass."""
        i = self._index(node)
        if self._grads is None:
            raise ValueError("Graph: no derivatives yet (or the graph changed since): call graph.backward() first")
        return float(self._grads[i])

    def derivatives(self) -> dict[str, float]:
        """``{name: g^(i)}`` for every node, from the latest backward pass."""
        return {name: self.derivative(name) for name in self._names}

    def table(self, names=None) -> str:
        """A text table of the nodes (all, or those in ``names``): number, name, operation, value, derivative."""
        indices = range(len(self)) if names is None else [self._index(name) for name in names]
        output = "output" if self._output is None or self._grads is None else self._names[self._output]
        header = f"{'i':>3}  {'node u(i)':<10}{'computed as':<26}{'value':>10}{'d' + output + '/dnode':>16}"
        lines = [header, "-" * len(header)]
        for i in indices:
            args = ", ".join(self._names[j] for j in self._preds[i])
            how = "input" if self._ops[i] == "input" else f"{self._ops[i]}({args})"
            grad = "" if self._grads is None else f"{self._grads[i]:16.6g}"
            lines.append(f"{i + 1:>3}  {self._names[i]:<10}{how:<26}{self._values[i]:10.6g}{grad}")
        return "\n".join(lines)


#: The nine weights w_1..w_9 of the book's worked example (Chapter 3, eq-example-network):
#: w_1..w_6 lead into the hidden units, w_7..w_9 out of them. With the inputs x = (1, 2) and the
#: target y = 3 they give the derivatives of the NPFL114 lecture's worked example.
WORKED_EXAMPLE_WEIGHTS = (2.0, 1.0, 1.0, -1.0, 1.0, 2.0, -1.0, 3.0, 2.0)


def worked_example(x1=1.0, x2=2.0, weights=WORKED_EXAMPLE_WEIGHTS, y=3.0):
    """Chapter 3's worked example, a small ReLU network, as a Graph.

    The network of eq-example-network has two inputs, three ReLU hidden
    units without biases and one linear output:
    a_j = w_(2j-1) x1 + w_(2j) x2, h_j = relu(a_j), o = w7 h1 + w8 h2 + w9 h3
    and L = (o - y)^2. Nodes: x1, x2, w1..w9, y, products such as
    w1*x1, a1..a3, h1..h3, o, o-y and L (the last node).
    """
    weights = tuple(weights)
    if len(weights) != 9:
        raise ValueError(f"worked_example: weights must be the nine numbers "
                         f"w1..w9, got {len(weights)}")
    graph = Graph()
    x = [graph.input("x1", x1), graph.input("x2", x2)]
    w = [graph.input(f"w{k}", v) for k, v in enumerate(weights, start=1)]
    target = graph.input("y", y)
    hidden = []
    for j in range(3):                        # hidden unit j + 1
        products = [graph.mul(w[2 * j + m], x[m],
                              name=f"w{2 * j + m + 1}*x{m + 1}")
                    for m in range(2)]
        a_j = graph.add(*products, name=f"a{j + 1}")
        hidden.append(graph.relu(a_j, name=f"h{j + 1}"))
    products = [graph.mul(w[6 + j], hidden[j], name=f"w{7 + j}*h{j + 1}")
                for j in range(3)]
    o = graph.add(*products, name="o")
    error = graph.sub(o, target, name="o-y")
    graph.square(error, name="L")
    return graph
