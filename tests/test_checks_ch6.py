"""Chapter 6: the momentum-step check passes right answers and names each likely mistake."""

import numpy as np
import pytest
from optimlab.checks import CheckFailed, check_momentum_step


def momentum_step(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    return theta - lr * b_new, b_new


def as_list(theta, b, grad, lr, beta):
    b_new = [beta * bi + gi for bi, gi in zip(b, grad, strict=True)]
    return [t - lr * bi for t, bi in zip(theta, b_new, strict=True)], b_new  # lists are fine


def in_float32(theta, b, grad, lr, beta):
    b_new = (beta * b + grad).astype(np.float32)
    return (theta - lr * b_new).astype(np.float32), b_new  # float32 rounding is not a mistake


def stacked(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    return np.array([theta - lr * b_new, b_new])


def not_implemented(*args):
    raise NotImplementedError()


def in_place_theta(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    theta -= lr * b_new
    return theta, b_new


def in_place_buffer(theta, b, grad, lr, beta):
    b *= beta
    b += grad
    return theta - lr * b, b


def sign_error(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    return theta + lr * b_new, b_new


def ema_form(theta, b, grad, lr, beta):
    b_new = beta * b + (1 - beta) * grad
    return theta - lr * b_new, b_new


def lr_in_buffer(theta, b, grad, lr, beta):
    b_new = beta * b + lr * grad
    return theta - b_new, b_new


def velocity_form(theta, b, grad, lr, beta):
    v = beta * b - lr * grad
    return theta + v, v


def no_memory(theta, b, grad, lr, beta):
    return theta - lr * grad, grad


def beta_on_gradient(theta, b, grad, lr, beta):
    b_new = b + beta * grad
    return theta - lr * b_new, b_new


def old_buffer(theta, b, grad, lr, beta):
    theta_new = theta - lr * b
    return theta_new, beta * b + grad


def nesterov(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    return theta - lr * (grad + beta * b_new), b_new


def beta_twice(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    return theta - lr * beta * b_new, b_new


def only_theta(theta, b, grad, lr, beta):
    return theta - lr * (beta * b + grad)


def swapped(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    return b_new, theta - lr * b_new


def wrong_buffer_returned(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    return theta - lr * b_new, b  # the old buffer handed back


def drifting(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    return theta - lr * b_new + 1e-3, b_new


@pytest.mark.parametrize("fn", [momentum_step, as_list, in_float32])
def test_right_answers_pass(fn, capsys):
    check_momentum_step(fn)
    assert "all 5 cases passed" in capsys.readouterr().out


MISTAKES = [
    (not_implemented, "not implemented yet"),
    (stacked, "one stacked array"),
    (in_place_theta, "changed the caller's theta in place"),
    (in_place_buffer, "changed the caller's b in place"),
    (sign_error, "goes uphill"),
    (ema_form, "exponential-average form"),
    (lr_in_buffer, "multiply the gradient by lr before it enters the buffer"),
    (velocity_form, "velocity form"),
    (no_memory, "forgets the past"),
    (beta_on_gradient, "beta multiplies the gradient"),
    (old_buffer, "step with the old buffer"),
    (nesterov, "Nesterov's step"),
    (beta_twice, "by beta again"),
    (only_theta, "returned only one array"),
    (swapped, "the pair is swapped"),
    (wrong_buffer_returned, "b_new is not"),
    (drifting, "expected theta_new"),
]


@pytest.mark.parametrize("fn, message", MISTAKES)
def test_each_mistake_gets_its_own_message(fn, message):
    with pytest.raises(CheckFailed, match=message):
        check_momentum_step(fn)


def test_messages_differ():
    fns = [sign_error, ema_form, lr_in_buffer, velocity_form, no_memory, beta_on_gradient, old_buffer,
           nesterov, beta_twice, only_theta, swapped, in_place_theta]
    messages = set()
    for fn in fns:
        with pytest.raises(CheckFailed) as caught:
            check_momentum_step(fn)
        messages.add(str(caught.value).split(":", 1)[-1])
    assert len(messages) == len(fns)


def test_a_buffer_that_is_not_carried_over_fails_in_the_run():
    calls = []

    def forgets_between_calls(theta, b, grad, lr, beta):
        calls.append(1)
        if len(calls) <= 4:  # right on the single steps
            return momentum_step(theta, b, grad, lr, beta)
        return momentum_step(theta, np.zeros_like(b), grad, lr, beta)

    with pytest.raises(CheckFailed, match="40-step run"):
        check_momentum_step(forgets_between_calls)
