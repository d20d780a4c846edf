"""Chapter 8: the Adam-step check passes right answers and names each likely mistake."""

import numpy as np
import pytest
from optimlab.checks import CheckFailed, check_adam_step


def adam_step(theta, grad, m, v, t, lr, betas, eps):
    beta1, beta2 = betas
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad**2
    m_hat = m_new / (1 - beta1**t)
    v_hat = v_new / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


def as_lists(theta, grad, m, v, t, lr, betas, eps):
    new = adam_step(np.asarray(theta), np.asarray(grad), np.asarray(m), np.asarray(v), t, lr, betas, eps)
    return [list(part) for part in new]  # lists are fine


def in_float32(theta, grad, m, v, t, lr, betas, eps):
    f32 = [np.asarray(a, dtype=np.float32) for a in (theta, grad, m, v)]
    return adam_step(*f32, t, np.float32(lr), tuple(np.float32(b) for b in betas), np.float32(eps))


def variant(*, power=None, square=True, root=True, eps_inside=False, correct=True, sign=-1.0, swap=False,
            hat_m=False, hat_v=False, in_place=False):
    """A student's function with one mistake."""
    def step(theta, grad, m, v, t, lr, betas, eps):
        beta1, beta2 = betas[::-1] if swap else betas
        k = t if power is None else power(t)
        if in_place:
            m *= beta1
            m += (1 - beta1) * grad
            m_new = m
        else:
            m_new = beta1 * m + (1 - beta1) * grad
        v_new = beta2 * v + (1 - beta2) * (grad**2 if square else grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            m_hat = m_new / (1 - beta1**k) if correct else m_new
            v_hat = v_new / (1 - beta2**k) if correct else v_new
            root_v = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) if root else v_hat) + eps
            theta_new = theta + sign * lr * m_hat / root_v
        return theta_new, (m_hat if hat_m else m_new), (v_hat if hat_v else v_new)
    return step


def not_implemented(*args):
    raise NotImplementedError()


def only_theta(theta, grad, m, v, t, lr, betas, eps):
    return adam_step(theta, grad, m, v, t, lr, betas, eps)[0]


def stacked(theta, grad, m, v, t, lr, betas, eps):
    return np.array(adam_step(theta, grad, m, v, t, lr, betas, eps))


def drifting(theta, grad, m, v, t, lr, betas, eps):
    theta_new, m_new, v_new = adam_step(theta, grad, m, v, t, lr, betas, eps)
    return theta_new + 1e-3, m_new, v_new


def wrong_moments(theta, grad, m, v, t, lr, betas, eps):
    theta_new, m_new, v_new = adam_step(theta, grad, m, v, t, lr, betas, eps)
    return theta_new, m_new + 1.0, v_new


def forgets_between_calls(theta, grad, m, v, t, lr, betas, eps):
    if lr != 0.05:  # right on the single steps; the check's run uses lr = 0.05
        return adam_step(theta, grad, m, v, t, lr, betas, eps)
    return adam_step(theta, grad, np.zeros_like(m), np.zeros_like(v), 1, lr, betas, eps)


MISTAKES = [
    (not_implemented, "not implemented yet"),
    (variant(correct=False), r"your first step is 3\.16 x lr: bias correction missing\?"),
    (variant(eps_inside=True), "eps inside the square root"),
    (variant(power=lambda t: 1), "divide by 1 - beta1 and 1 - beta2"),
    (variant(power=lambda t: t - 1), "as if t were counted from 0"),
    (variant(power=lambda t: t + 1), "DS 542 indexing"),
    (variant(hat_m=True), "your m_new has the correction divided into it"),
    (variant(hat_v=True), "your v_new has the correction divided into it"),
    (variant(hat_m=True, hat_v=True), "you return the corrected moments"),
    (variant(in_place=True), "changed the caller's m in place"),
    (variant(swap=True), "beta1 and beta2 are swapped"),
    (variant(square=False), "averages the SQUARED gradient"),
    (variant(root=False), "square ROOT of v_hat"),
    (variant(sign=1.0), "goes uphill"),
    (only_theta, "returned only one array"),
    (stacked, "one stacked array"),
    (drifting, "expected theta_new"),
    (wrong_moments, "theta_new is right but the moments are not"),
    (forgets_between_calls, "30-step run"),
]


@pytest.mark.parametrize("fn", [adam_step, as_lists, in_float32])
def test_right_answers_pass(fn, capsys):
    check_adam_step(fn)
    assert "all 5 cases passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, message", MISTAKES)
def test_each_mistake_gets_its_own_message(fn, message):
    with pytest.raises(CheckFailed, match=message):
        check_adam_step(fn)


def test_messages_differ():
    messages = set()
    for fn, _ in MISTAKES:
        with pytest.raises(CheckFailed) as caught:
            check_adam_step(fn)
        messages.add(str(caught.value).split(":", 1)[-1])
    assert len(messages) == len(MISTAKES)


def test_the_first_step_ratio_comes_from_the_betas():
    """The message's 3.16 is (1 - beta1) / sqrt(1 - beta2) for torch's betas, measured, not typed in."""
    with pytest.raises(CheckFailed) as caught:
        check_adam_step(variant(correct=False))
    assert f"{0.1 / np.sqrt(0.001):.2f} x lr" in str(caught.value)
