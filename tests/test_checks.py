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


BCE_MISTAKES = {
    "not implemented": (not_implemented, "not implemented yet"),
    "overflow": (naive_bce, "overflowed"),
    "sum": (lambda z, y: np.sum(np.logaddexp(0.0, z) - y * z), "sum"),
    "sign": (lambda z, y: -stable_bce(z, y), "sign"),
    "swapped": (lambda z, y: stable_bce(z, 1 - y), "swapped"),
    "per-example": (lambda z, y: np.logaddexp(0.0, z) - y * z, "single number"),
    "crash": (lambda z, y: z @ np.ones(2), "raised ValueError"),
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
    check_bce_with_logits(losses.bce_with_logits)
    assert "passed" in capsys.readouterr().out


def naive_log_softmax(z):
    return np.log(np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True))


LOG_SOFTMAX_MISTAKES = {
    "not implemented": (not_implemented, "not implemented yet"),
    "overflow": (naive_log_softmax, "maximum"),
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


def test_checks_do_not_let_the_student_modify_the_reference_cases():
    def vandal(z, y):
        z[:] = 0.0  # modifies its input in place
        return stable_bce(z, y)
    with pytest.raises(CheckFailed):
        check_bce_with_logits(vandal)
