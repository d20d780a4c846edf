"""Chapter 7: the RMSProp-step check passes right answers and names each likely mistake."""

import numpy as np
import pytest
from optimlab.checks import CheckFailed, check_rmsprop_step


def rmsprop_step(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    return theta - lr * grad / (np.sqrt(v_new) + eps), v_new


def as_list(theta, grad, v, lr, alpha, eps):
    v_new = [alpha * vi + (1 - alpha) * gi * gi for vi, gi in zip(v, grad, strict=True)]
    theta_new = [t - lr * gi / (vi ** 0.5 + eps) for t, gi, vi in zip(theta, grad, v_new, strict=True)]
    return theta_new, v_new  # lists are fine


def in_float32(theta, grad, v, lr, alpha, eps):
    theta, grad, v = (np.asarray(a, dtype=np.float32) for a in (theta, grad, v))
    v_new = np.float32(alpha) * v + np.float32(1 - alpha) * grad**2
    return theta - np.float32(lr) * grad / (np.sqrt(v_new) + np.float32(eps)), v_new


def not_implemented(*args):
    raise NotImplementedError()


def eps_inside(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    return theta - lr * grad / np.sqrt(v_new + eps), v_new


def adagrad_sum(theta, grad, v, lr, alpha, eps):
    v_new = v + grad**2
    return theta - lr * grad / (np.sqrt(v_new) + eps), v_new


def swapped_weights(theta, grad, v, lr, alpha, eps):
    v_new = (1 - alpha) * v + alpha * grad**2
    return theta - lr * grad / (np.sqrt(v_new) + eps), v_new


def missing_one_minus_alpha(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + grad**2
    return theta - lr * grad / (np.sqrt(v_new) + eps), v_new


def no_root(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    return theta - lr * grad / (v_new + eps), v_new


def no_square(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad
    return theta - lr * grad / (np.sqrt(v_new) + eps), v_new


def sign_error(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    return theta + lr * grad / (np.sqrt(v_new) + eps), v_new


def old_average(theta, grad, v, lr, alpha, eps):
    return theta - lr * grad / (np.sqrt(v) + eps), alpha * v + (1 - alpha) * grad**2


def in_place_theta(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    theta -= lr * grad / (np.sqrt(v_new) + eps)
    return theta, v_new


def in_place_average(theta, grad, v, lr, alpha, eps):
    v *= alpha
    v += (1 - alpha) * grad**2
    return theta - lr * grad / (np.sqrt(v) + eps), v


def only_theta(theta, grad, v, lr, alpha, eps):
    return rmsprop_step(theta, grad, v, lr, alpha, eps)[0]


def swapped(theta, grad, v, lr, alpha, eps):
    theta_new, v_new = rmsprop_step(theta, grad, v, lr, alpha, eps)
    return v_new, theta_new


def stacked(theta, grad, v, lr, alpha, eps):
    return np.array(rmsprop_step(theta, grad, v, lr, alpha, eps))


def wrong_average_returned(theta, grad, v, lr, alpha, eps):
    return rmsprop_step(theta, grad, v, lr, alpha, eps)[0], v  # the old average handed back


def drifting(theta, grad, v, lr, alpha, eps):
    theta_new, v_new = rmsprop_step(theta, grad, v, lr, alpha, eps)
    return theta_new + 1e-3, v_new


def lr_alpha_swapped(theta, grad, v, lr, alpha, eps):
    v_new = lr * v + (1 - lr) * grad**2
    return theta - alpha * grad / (np.sqrt(v_new) + eps), v_new


def alpha_as_rate(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    return theta - alpha * grad / (np.sqrt(v_new) + eps), v_new


def bias_corrected(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    return theta - lr * grad / (np.sqrt(v_new / (1 - alpha)) + eps), v_new


def no_eps(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    return theta - lr * grad / np.sqrt(v_new), v_new


def precedence(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    return theta - lr * grad / np.sqrt(v_new) + eps, v_new


def sign_step(theta, grad, v, lr, alpha, eps):
    return theta - lr * np.sign(grad), alpha * v + (1 - alpha) * grad**2


def by_abs_gradient(theta, grad, v, lr, alpha, eps):
    return theta - lr * grad / (np.abs(grad) + eps), alpha * v + (1 - alpha) * grad**2


def one_average(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * np.mean(grad**2)
    return theta - lr * grad / (np.sqrt(v_new) + eps), v_new


@pytest.mark.parametrize("fn", [rmsprop_step, as_list, in_float32])
def test_right_answers_pass(fn, capsys):
    check_rmsprop_step(fn)
    assert "all 5 cases passed" in capsys.readouterr().out


MISTAKES = [
    (eps_inside, "inside your square root"),
    (adagrad_sum, "AdaGrad's sum"),
    (swapped_weights, "are swapped: alpha"),
    (missing_one_minus_alpha, "needs the weight \\(1 - alpha\\)"),
    (no_root, "divide by v_t itself"),
    (no_square, "not its square"),
    (sign_error, "goes uphill"),
    (old_average, "old average v_\\{t-1\\}"),
    (in_place_theta, "changed the caller's theta in place"),
    (in_place_average, "changed the caller's v in place"),
    (only_theta, "returned only one array"),
    (swapped, "the pair is swapped"),
    (stacked, "one stacked array"),
    (not_implemented, "not implemented yet"),
    (wrong_average_returned, "v_new is not"),
    (drifting, "expected theta_new"),
    (lr_alpha_swapped, "lr and alpha have swapped roles"),
    (alpha_as_rate, "scaled by alpha \\(here 0.9\\)"),
    (bias_corrected, "Adam's bias correction"),
    (no_eps, "eps is missing"),
    (precedence, "eps is added to theta"),
    (sign_step, "lr \\* sign\\(g\\)"),
    (by_abs_gradient, "divide by \\|g\\| \\+ eps"),
    (one_average, "over the coordinates"),
]


@pytest.mark.parametrize("fn, message", MISTAKES)
def test_each_mistake_gets_its_own_message(fn, message):
    with pytest.raises(CheckFailed, match=message):
        check_rmsprop_step(fn)


def test_messages_differ():
    messages = set()
    for fn, _ in MISTAKES:
        with pytest.raises(CheckFailed) as caught:
            check_rmsprop_step(fn)
        messages.add(str(caught.value).split(":", 1)[-1])
    assert len(messages) == len(MISTAKES)


def test_an_average_that_is_not_carried_over_fails_in_the_run():
    calls = []

    def forgets_between_calls(theta, grad, v, lr, alpha, eps):
        calls.append(1)
        if len(calls) <= 4:  # right on the single steps
            return rmsprop_step(theta, grad, v, lr, alpha, eps)
        return rmsprop_step(theta, grad, np.zeros_like(v), lr, alpha, eps)

    with pytest.raises(CheckFailed, match="40-step run"):
        check_rmsprop_step(forgets_between_calls)


def test_swapped_weights_names_the_cases_alpha():
    with pytest.raises(CheckFailed, match=r"eps = 0.01: alpha and 1 - alpha are swapped: alpha \(here 0.9\)"):
        check_rmsprop_step(swapped_weights)


def test_the_generic_message_gives_the_inputs():
    with pytest.raises(CheckFailed, match=r"for theta = \[1.0, -2.0\], grad = \[0.3, -0.7\], v = \[0.04, 0.25\]"):
        check_rmsprop_step(drifting)
