"""Chapter 3's exercise check: passes a correct layer backward pass, names each likely mistake."""

import numpy as np
import pytest
from optimlab import data, models
from optimlab.checks import CheckFailed, check_layer_backward, layer_backward_reference


def correct(h_in, a_in, W, delta, act_grad):
    return delta.T @ h_in, delta.sum(axis=0), (delta @ W) * act_grad(a_in)


def not_implemented(h_in, a_in, W, delta, act_grad):
    raise NotImplementedError()


def replace(position, make):
    """A student function that gets one of the three outputs wrong in the way ``make`` does."""
    def student(h_in, a_in, W, delta, act_grad):
        outputs = list(correct(h_in, a_in, W, delta, act_grad))
        outputs[position] = make(h_in, a_in, W, delta, act_grad)
        return tuple(outputs)
    return student


MISTAKES = {
    "not implemented": (not_implemented, "not implemented yet"),
    "two outputs": (lambda h, a, W, d, f: correct(h, a, W, d, f)[:2], "tuple of 3 arrays"),
    "one array": (lambda h, a, W, d, f: d @ W, "tuple of 3 arrays"),
    "crash": (lambda h, a, W, d, f: (d @ W.T, 0, 0), "raised ValueError"),
    "dW transposed": (replace(0, lambda h, a, W, d, f: h.T @ d), "transpose it"),
    "dW averaged": (replace(0, lambda h, a, W, d, f: d.T @ h / len(h)), "n times too small"),
    "dW from a_in": (replace(0, lambda h, a, W, d, f: d.T @ a), "uses a_in"),
    "dW wrong shape": (replace(0, lambda h, a, W, d, f: (d.T @ h).ravel()), "W's shape"),
    "dW other": (replace(0, lambda h, a, W, d, f: d.T @ h + 0.1), "dW is wrong"),
    "db not summed": (replace(1, lambda h, a, W, d, f: d), "must sum over the batch"),
    "db wrong axis": (replace(1, lambda h, a, W, d, f: d.sum(axis=1)), "wrong axis"),
    "db averaged": (replace(1, lambda h, a, W, d, f: d.mean(axis=0)), "n times too small"),
    "db scalar": (replace(1, lambda h, a, W, d, f: d.sum()), "shape"),
    "db other": (replace(1, lambda h, a, W, d, f: d.sum(axis=0) + 1.0), "db is wrong"),
    "no activation derivative": (replace(2, lambda h, a, W, d, f: d @ W), r"stops at the layer's input h_in"),
    "derivative at h_in": (replace(2, lambda h, a, W, d, f: (d @ W) * f(h)), "evaluate it at the pre-activation"),
    "times the activation": (replace(2, lambda h, a, W, d, f: (d @ W) * h), "multiplied by the activation"),
    "delta_in shape": (replace(2, lambda h, a, W, d, f: d), "shape of a_in"),
    "delta_in other": (replace(2, lambda h, a, W, d, f: -(d @ W) * f(a)), "delta_in is wrong"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_check_layer_backward_names_the_mistake(mistake):
    fn, message = MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        check_layer_backward(fn)


def test_check_layer_backward_passes_correct_solutions(capsys):
    check_layer_backward(correct)
    check_layer_backward(layer_backward_reference)
    check_layer_backward(lambda h, a, W, d, f: [np.einsum("ni,nj->ij", d, h), d.sum(0), (d @ W) * f(a)])
    assert "all 3 cases passed" in capsys.readouterr().out


def test_check_layer_backward_names_an_in_place_edit_of_its_input():
    def vandal(h_in, a_in, W, delta, act_grad):
        result = correct(h_in, a_in, W, delta, act_grad)
        delta[:] = 0.0
        return result
    with pytest.raises(CheckFailed, match="changed the caller's delta in place"):
        check_layer_backward(vandal)


@pytest.mark.parametrize("activation_name", ["tanh", "relu", "sigmoid"])
def test_reference_layer_backward_composes_into_mlp_backward(activation_name):
    """Applying the reference layer by layer reproduces models.MLP.backward (eq-backward)."""
    model = models.MLP([1, 5, 4, 1], activation_name, seed=2)
    x, y = data.linear(n=9, seed=2)
    pred, (layers, stored) = model.forward(x)
    _, expected = model.loss_and_grad("mse", x, y)
    _, act_grad = models.activation(activation_name)
    delta = (2 * (pred - y) / len(x))[:, None]
    grads = []
    for depth in range(len(layers) - 1, -1, -1):
        W, _ = layers[depth]
        h_in, _ = stored[depth]
        a_in = stored[depth - 1][1] if depth > 0 else np.zeros_like(h_in)
        dW, db, delta = layer_backward_reference(h_in, a_in, W, delta, act_grad)
        grads.append(np.concatenate([dW.ravel(), db]))
    np.testing.assert_allclose(np.concatenate(grads[::-1]), expected, rtol=1e-12, atol=1e-15)
