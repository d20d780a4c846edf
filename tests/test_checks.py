"""optimlab.checks: pass on correct code, fail with a message naming the likely mistake."""

import numpy as np
import pytest
from optimlab import losses
from optimlab.checks import CheckFailed, check_bce_with_logits, check_log_softmax


def not_implemented(*args):
    raise NotImplementedError()


def naive_bce(z, y):
    p = 1 / (1 + np.exp(-z))
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def stable_bce(z, y):
    return np.mean(np.logaddexp(0.0, z) - y * z)


def reference_bce(z, y):
    """The chapter's solution: softplus as max(z, 0) + log1p(exp(-|z|))."""
    softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
    return np.mean(softplus - y * z)


def bce_without_log1p(z, y):
    """Overflows nowhere, but log(1 + e^-40) rounds 1 + 4e-18 to 1 and returns 0."""
    softplus = np.maximum(z, 0.0) + np.log(1 + np.exp(-np.abs(z)))
    return np.mean(softplus - y * z)


BCE_MISTAKES = {
    "not implemented": (not_implemented, "not implemented yet"),
    "overflow": (naive_bce, "overflowed"),
    "sum": (lambda z, y: np.sum(np.logaddexp(0.0, z) - y * z), "sum"),
    "sign": (lambda z, y: -stable_bce(z, y), "wrong sign"),
    "swapped": (lambda z, y: stable_bce(z, 1 - y), "swapped"),
    "per-example": (lambda z, y: np.logaddexp(0.0, z) - y * z, "single number"),
    "crash": (lambda z, y: z @ np.ones(2), "raised ValueError"),
    "no log1p": (bce_without_log1p, "use log1p"),
    "other": (lambda z, y: stable_bce(z, y) + 0.1, "expected"),
}


@pytest.mark.parametrize("mistake", BCE_MISTAKES)
def test_check_bce_names_the_mistake(mistake):
    fn, message = BCE_MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        with np.errstate(all="ignore"):
            check_bce_with_logits(fn)


def test_check_bce_passes_a_correct_solution(capsys):
    check_bce_with_logits(stable_bce)
    check_bce_with_logits(reference_bce)
    check_bce_with_logits(losses.bce_with_logits)
    assert "passed" in capsys.readouterr().out


def test_check_bce_compares_a_tiny_loss_relatively():
    """The missing log1p costs only 4e-18, far below any absolute tolerance; a wrong tiny value
    that is not 0 gets the general message, not the log1p hint."""
    assert bce_without_log1p(np.array([-40.0]), np.array([0.0])) == 0.0
    with pytest.raises(CheckFailed, match="expected 4.24835e-18, got 1e-12"):
        check_bce_with_logits(lambda z, y: 1e-12 if z[0] == -40 else reference_bce(z, y))


def naive_log_softmax(z):
    return np.log(np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True))


def log_of_shifted_softmax(z):
    """Subtracts each row's maximum, then takes the log of probabilities that underflowed to 0."""
    shifted = z - np.max(z, axis=1, keepdims=True)
    return np.log(np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True))


LOG_SOFTMAX_MISTAKES = {
    "not implemented": (not_implemented, "not implemented yet"),
    "overflow": (naive_log_softmax, "maximum"),
    "log of underflowed softmax": (log_of_shifted_softmax, "underflowed"),
    "probabilities": (lambda z: losses.softmax(z), "probabilities"),
    "columns": (lambda z: losses.log_softmax(z, axis=0), "column"),
    "shape": (lambda z: losses.log_softmax(z)[:, 0], "shape"),
    "other": (lambda z: losses.log_softmax(z) + 1e-3, "expected"),
}


@pytest.mark.parametrize("mistake", LOG_SOFTMAX_MISTAKES)
def test_check_log_softmax_names_the_mistake(mistake):
    fn, message = LOG_SOFTMAX_MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        with np.errstate(all="ignore"):
            check_log_softmax(fn)


def test_check_log_softmax_passes_a_correct_solution():
    check_log_softmax(lambda z: z - np.logaddexp.reduce(z, axis=1, keepdims=True))


@pytest.mark.parametrize("check, mistakes", [(check_bce_with_logits, BCE_MISTAKES),
                                             (check_log_softmax, LOG_SOFTMAX_MISTAKES)],
                         ids=["bce", "log_softmax"])
def test_each_mistake_gets_its_own_message(check, mistakes):
    """No two mistakes get the same message, and no message contains another mistake's key."""
    messages = {}
    for mistake, (fn, _) in mistakes.items():
        with pytest.raises(CheckFailed) as failure, np.errstate(all="ignore"):
            check(fn)
        messages[mistake] = str(failure.value)
    assert len(set(messages.values())) == len(messages), messages
    for mistake, message in messages.items():
        others = [key for other, (_, key) in mistakes.items() if other != mistake and key in message]
        assert not others, f"{mistake}: {message!r} also matches {others}"


def test_checks_name_a_student_function_that_modifies_its_input():
    def vandal(z, y):
        z[:] = 0.0  # modifies its input in place
        return stable_bce(z, y)
    with pytest.raises(CheckFailed, match="changed the caller's logits in place"):
        check_bce_with_logits(vandal)
