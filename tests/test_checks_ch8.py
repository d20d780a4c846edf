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


def written(body):
    """A student's function from the lines of its body (after beta1, beta2 = betas)."""
    namespace = {"np": np}
    exec("def adam_step(theta, grad, m, v, t, lr, betas, eps):\n    beta1, beta2 = betas\n"
         + "".join(f"    {line}\n" for line in body.strip().splitlines()), namespace)
    return namespace["adam_step"]


MOMENTS = "m_new = beta1 * m + (1 - beta1) * grad\nv_new = beta2 * v + (1 - beta2) * grad**2\n"
HATS = MOMENTS + "m_hat = m_new / (1 - beta1**t)\nv_hat = v_new / (1 - beta2**t)\n"
STEP = "return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new"
WRITTEN = {
    "precedence": (MOMENTS + "m_hat = m_new / (1 - beta1)**t\nv_hat = v_new / (1 - beta2)**t\n"
                   "return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new", r"\(1 - beta1\)\*\*t"),
    "eps typed in": (HATS + STEP.replace("+ eps", "+ 1e-8"), "ignores the argument eps"),
    "eps twice": (HATS + "return theta - lr * m_hat / (np.sqrt(v_hat + eps) + eps), m_new, v_new", "add eps twice"),
    "m factor": ("m_new = beta1 * m + grad\nv_new = beta2 * v + (1 - beta2) * grad**2\n"
                 "m_hat = m_new / (1 - beta1**t)\nv_hat = v_new / (1 - beta2**t)\n"
                 "return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new",
                 r"\(1 - beta1\) is missing in m \(your first step is 10 x lr\)"),
    "v factor": ("m_new = beta1 * m + (1 - beta1) * grad\nv_new = beta2 * v + grad**2\n"
                 "m_hat = m_new / (1 - beta1**t)\nv_hat = v_new / (1 - beta2**t)\n"
                 "return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new", r"\(1 - beta2\) is missing in v"),
    "only m": (MOMENTS + "m_hat = m_new / (1 - beta1**t)\n" + STEP.replace("v_hat", "v_new"),
               r"correct m but not v \(your first step is 31.6 x lr\)"),
    "only v": (MOMENTS + "v_hat = v_new / (1 - beta2**t)\n" + STEP.replace("m_hat", "m_new"),
               r"correct v but not m \(your first step is 0.1 x lr\)"),
    "NPFL114 box": (HATS + "alpha_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)\n"
                    "return theta - alpha_t * m_hat / np.sqrt(v_hat + eps), m_new, v_new",
                    r"NPFL114's box .* \(your first step is 0.316 x lr\)"),
    "efficient form": (MOMENTS + "alpha_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)\n"
                       "return theta - alpha_t * m_new / (np.sqrt(v_new) + eps), m_new, v_new", "the efficient form"),
    "no lr": (HATS + "return theta - m_hat / (np.sqrt(v_hat) + eps), m_new, v_new", "learning rate is missing"),
    "beta1 in v": (MOMENTS + "m_hat = m_new / (1 - beta1**t)\nv_hat = v_new / (1 - beta1**t)\n"
                   "return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new", "v_hat divides by 1 - beta1"),
    "betas typed in": ("beta1, beta2 = 0.9, 0.999\n" + HATS
                       + STEP, "whatever the argument betas"),
    "no correction, eps inside": (MOMENTS + "return theta - lr * m_new / np.sqrt(v_new + eps), m_new, v_new",
                                  "two mistakes. First, the bias correction is missing.* Second, you put eps inside"),
    "theta in place": (HATS + "theta -= lr * m_hat / (np.sqrt(v_hat) + eps)\nreturn theta, m_new, v_new",
                       "changed the caller's theta in place: compute new arrays, theta_new = theta -"),
    "grad in place": ("m_new = beta1 * m + (1 - beta1) * grad\ngrad **= 2\nv_new = beta2 * v + (1 - beta2) * grad\n"
                      "m_hat = m_new / (1 - beta1**t)\nv_hat = v_new / (1 - beta2**t)\n"
                      "return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new",
                      r"changed the caller's grad in place: compute new arrays, grad\*\*2 makes a new array"),
    "half eps": (HATS + "return theta - lr * m_hat / (np.sqrt(v_hat) + eps / 2), m_new, v_new",
                 "Adam's with eps = 0.025 in place of the given eps = 0.05"),
    "a little short": (HATS + "return theta - 0.995 * lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new",
                       "0.995 times the right one"),
}


MISTAKES = [*WRITTEN.values(),
    (not_implemented, "not implemented yet"),
    (variant(correct=False), r"bias correction is missing \(your first step is 3\.16 x lr\)"),
    (variant(eps_inside=True), "eps inside the square root"),
    (variant(power=lambda t: 1), "divide by 1 - beta1 and 1 - beta2"),
    (variant(power=lambda t: t - 1), "as if t were counted from 0"),
    (variant(power=lambda t: t + 1), "DS 542 indexing"),
    (variant(hat_m=True), "your m_new has the correction divided into it"),
    (variant(hat_v=True), "your v_new has the correction divided into it"),
    (variant(hat_m=True, hat_v=True), "you return the corrected moments"),
    (variant(in_place=True), "changed the caller's m in place: compute new arrays, m_new = beta1"),
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
    assert "all 6 cases passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, message", MISTAKES)
def test_each_mistake_gets_its_own_message(fn, message):
    if isinstance(fn, str):
        fn = written(fn)
    with pytest.raises(CheckFailed, match=message):
        check_adam_step(fn)


def test_messages_differ():
    messages = set()
    for fn, _ in MISTAKES:
        fn = written(fn) if isinstance(fn, str) else fn
        with pytest.raises(CheckFailed) as caught:
            check_adam_step(fn)
        messages.add(str(caught.value).split(":", 1)[-1])
    assert len(messages) == len(MISTAKES)


def test_the_first_step_ratio_comes_from_the_betas():
    """The message's 3.16 is (1 - beta1) / sqrt(1 - beta2) for torch's betas, measured, not typed in."""
    with pytest.raises(CheckFailed) as caught:
        check_adam_step(variant(correct=False))
    assert f"{0.1 / np.sqrt(0.001):.2f} x lr" in str(caught.value)


def test_a_message_says_nothing_twice():
    for fn, _ in MISTAKES:
        fn = written(fn) if isinstance(fn, str) else fn
        with pytest.raises(CheckFailed) as caught:
            check_adam_step(fn)
        sentences = [s.strip() for s in str(caught.value).split(". ") if s.strip()]
        assert len(sentences) == len(set(sentences))


@pytest.mark.parametrize("mistake", ["beta not beta^t", "t from 0", "stored back", "NPFL114 box", None])
def test_adam_step_with_mistake_is_the_right_step_without_one_and_names_its_mistakes(mistake):
    from optimlab.checks.adam import adam_step_with_mistake

    args = (np.array([0.5, -1.0]), np.array([0.3, -2.0]), np.array([0.1, 0.2]), np.array([0.5, 0.3]), 4, 0.01)
    with np.errstate(divide="ignore", invalid="ignore"):
        got = adam_step_with_mistake(mistake, *args)
    right = adam_step(*args, (0.9, 0.999), 1e-8)
    assert all(np.allclose(a, b) for a, b in zip(got, right, strict=True)) == (mistake is None)


def test_adam_step_with_mistake_rejects_an_unknown_mistake():
    from optimlab.checks.adam import adam_step_with_mistake

    with pytest.raises(ValueError, match="unknown mistake 'typo'"):
        adam_step_with_mistake("typo", np.zeros(1), np.ones(1), np.zeros(1), np.zeros(1), 1)
