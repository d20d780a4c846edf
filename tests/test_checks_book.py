"""Every coding exercise of the book, against the wrong answers students actually write.

Each chapter's own test file holds a table of wrong answers for its check. This file gathers
them all, adds the mistakes that are common to every exercise (an update that changes its input
in place, a missing factor, a wrong sign, eps inside the square root, a bias correction with
beta instead of beta^t) wherever a chapter's table lacks them, and holds every check to the same
rules: each wrong answer fails with a ``CheckFailed`` that names its mistake, no two wrong answers
get the same message, and no message says the same thing twice.

``python tests/test_checks_book.py`` prints the whole catalogue: check, wrong answer, message.
"""

import re
import sys
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
import test_checks as ch1
import test_checks_ch2 as ch2
import test_checks_ch3 as ch3
import test_checks_ch4 as ch4
import test_checks_ch5 as ch5
import test_checks_ch6 as ch6
import test_checks_ch7 as ch7
import test_checks_ch8 as ch8
import test_checks_ch9 as ch9
from optimlab import checks, losses
from optimlab.checks import CheckFailed

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


# ----------------------------------------------------------------- the common mistakes, added
def log_softmax_shifting_its_input(logits):
    """Right values, but `-=` shifts the caller's logits."""
    logits -= np.max(logits, axis=1, keepdims=True)
    return logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))


def log_softmax_with_wrong_sign(logits):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    return np.log(np.sum(np.exp(shifted), axis=1, keepdims=True)) - shifted


def bce_folding_its_input(logits, targets):
    """Right values, but it overwrites the caller's logits with -|z| on the way."""
    loss = np.maximum(logits, 0.0) - targets * logits
    np.negative(np.abs(logits), out=logits)
    return np.mean(loss + np.log1p(np.exp(logits)))


def layer_backward_overwriting_a_in(h_in, a_in, W, delta, activation_grad):
    """Right values, but it stores the activation's slope in the caller's a_in."""
    a_in[...] = activation_grad(a_in)
    return delta.T @ h_in, delta.sum(axis=0), (delta @ W) * a_in


def layer_backward_with_wrong_sign(h_in, a_in, W, delta, activation_grad):
    return (-(delta.T @ h_in), -delta.sum(axis=0), -(delta @ W) * activation_grad(a_in))


def bracket_upper_end_without_halving(points, values):
    """Rule one's new upper end a + d: the factor 1/2 of the midpoint is missing."""
    a, b, c, d = points
    if values[0] <= min(values[1:]):
        return a, a + d
    return (a, c) if values[1] < values[2] else (b, d)


def sgd_ascent(example_grads, theta0, x, y, lr, epochs, batch_size, rng):
    return ch5.sgd_epochs(example_grads, theta0, x, y, -lr, epochs, batch_size, rng)


def sgd_without_lr(example_grads, theta0, x, y, lr, epochs, batch_size, rng):
    return ch5.sgd_epochs(example_grads, theta0, x, y, 1.0, epochs, batch_size, rng)


def momentum_without_lr(theta, b, grad, lr, beta):
    b_new = beta * b + grad
    return theta - b_new, b_new


def rmsprop_without_lr(theta, grad, v, lr, alpha, eps):
    v_new = alpha * v + (1 - alpha) * grad**2
    return theta - grad / (np.sqrt(v_new) + eps), v_new


# check -> {mistake: (wrong answer, what its message must say)}
ADDED = {
    "check_bce_with_logits": {
        "in place: logits overwritten": (bce_folding_its_input, "in place"),
    },
    "check_log_softmax": {
        "in place: logits -= max": (log_softmax_shifting_its_input, "in place"),
        "wrong sign": (log_softmax_with_wrong_sign, "sign"),
    },
    "check_layer_backward": {
        "in place: a_in overwritten": (layer_backward_overwriting_a_in, "in place"),
        "wrong sign": (layer_backward_with_wrong_sign, "sign"),
    },
    "check_bracket_rule": {
        "missing factor 1/2": (bracket_upper_end_without_halving, r"midpoint \(a \+ d\) / 2"),
    },
    "check_sgd_epochs": {
        "wrong sign": (sgd_ascent, "go uphill"),
        "missing factor lr": (sgd_without_lr, "learning rate"),
    },
    "check_momentum_step": {
        "missing factor lr": (momentum_without_lr, "learning rate"),
    },
    "check_rmsprop_step": {
        "missing factor lr": (rmsprop_without_lr, "learning rate"),
    },
}


# ----------------------------------------------------------------- every chapter's own table
def _named(table):
    """A chapter's table as {mistake: (wrong answer, pattern)}, named by key or function."""
    if isinstance(table, dict):
        return dict(table)
    return {getattr(fn, "__name__", str(fn)): (fn, pattern) for fn, pattern in table}


def _ch8_table():
    named = {f"written: {key}": (ch8.written(code), pattern) for key, (code, pattern) in ch8.WRITTEN.items()}
    # the rest are named by the message they must match
    named.update({pattern: (fn, pattern) for fn, pattern in ch8.MISTAKES if not isinstance(fn, str)})
    return named


def catalogue() -> dict[str, tuple[object, dict]]:
    """check name -> (check, {mistake: (wrong answer, pattern its message must match)})."""
    tables = {
        "check_bce_with_logits": ch1.BCE_MISTAKES,
        "check_log_softmax": ch1.LOG_SOFTMAX_MISTAKES,
        "check_gradient_descent": ch2.DESCENT_MISTAKES,
        "check_line_mse_grad": ch2.LINE_MISTAKES,
        "check_layer_backward": ch3.MISTAKES,
        "check_bracket_rule": ch4.WRONG_ANSWERS,
        "check_sgd_epochs": ch5.MISTAKES,
        "check_momentum_step": ch6.MISTAKES,
        "check_rmsprop_step": ch7.MISTAKES,
        "check_adam_step": _ch8_table(),
        "check_torch_rmsprop": {name: (ch9.rmsprop_class(name), re.escape(text))
                                for name, text in ch9.MISTAKES.items()},
    }
    return {name: (getattr(checks, name), {**_named(table), **ADDED.get(name, {})})
            for name, table in tables.items()}


# The five common mistakes: where each applies, the mistake in the catalogue that is it.
COMMON = {
    "in place": {
        "check_bce_with_logits": "in place: logits overwritten",
        "check_log_softmax": "in place: logits -= max",
        "check_gradient_descent": "modifies theta0",
        "check_layer_backward": "in place: a_in overwritten",
        "check_sgd_epochs": "in place",
        "check_momentum_step": "in_place_theta",
        "check_rmsprop_step": "in_place_theta",
        "check_adam_step": "written: theta in place",
        "check_torch_rmsprop": "grad in place",
    },
    "missing factor": {
        "check_bce_with_logits": "sum",
        "check_gradient_descent": "ignores lr",
        "check_line_mse_grad": "missing 2",
        "check_layer_backward": "no activation derivative",
        "check_bracket_rule": "missing factor 1/2",
        "check_sgd_epochs": "missing factor lr",
        "check_momentum_step": "missing factor lr",
        "check_rmsprop_step": "missing_one_minus_alpha",
        "check_adam_step": "written: m factor",
        "check_torch_rmsprop": "no 1 - alpha",
    },
    "wrong sign": {
        "check_bce_with_logits": "sign",
        "check_log_softmax": "wrong sign",
        "check_gradient_descent": "wrong sign",
        "check_line_mse_grad": "sign",
        "check_layer_backward": "wrong sign",
        "check_bracket_rule": "wrong_side",  # the comparison L(b) < L(c) reversed
        "check_sgd_epochs": "wrong sign",
        "check_momentum_step": "sign_error",
        "check_rmsprop_step": "sign_error",
        "check_adam_step": "goes uphill",
        "check_torch_rmsprop": "sign",
    },
    "eps inside the root": {
        "check_rmsprop_step": "eps_inside",
        "check_adam_step": "eps inside the square root",
        "check_torch_rmsprop": "eps inside",
    },
    "beta instead of beta^t": {
        "check_adam_step": "divide by 1 - beta1 and 1 - beta2",
    },
}

CATALOGUE = catalogue()


def failure_message(check, wrong) -> str:
    """The message ``check`` gives ``wrong``; fails the test if the check lets it pass."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            check(wrong)
        except CheckFailed as failure:
            return str(failure)
    pytest.fail(f"{check.__name__} passed a wrong answer: {getattr(wrong, '__name__', wrong)}")


def graded_checks(path) -> list[str]:
    """The ``check_*`` functions a chapter's grade cells call."""
    notebook = nbformat.read(path, as_version=4)
    return [name for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade")
            for name in re.findall(r"\b(check_\w+)\(", cell.source)]


def sentences(message: str) -> list[str]:
    return [s.strip().rstrip(".").lower() for s in re.split(r"(?<=[.;:!?])\s+", message) if len(s.strip()) > 3]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_coding_exercise_has_a_catalogued_check(path):
    names = graded_checks(path)
    assert names, f"{path.name} has no coding exercise with a check"
    for name in names:
        assert name in CATALOGUE, f"{path.name}: {name} has no table of wrong answers"
        assert len(CATALOGUE[name][1]) >= 8, f"{name}: only {len(CATALOGUE[name][1])} wrong answers tried"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_has_two_worked_conceptual_exercises(path):
    markdown = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    exercises = re.findall(r"\{exercise\}[^\n]*\n:label: ([\w-]+)", markdown)
    solved = set(re.findall(r"\{solution\} ([\w-]+)", markdown))
    conceptual = [label for label in exercises if label in solved]
    assert len(conceptual) >= 2, f"{path.name}: {len(conceptual)} conceptual exercises with worked solutions"
    assert set(exercises) <= solved, f"{path.name}: exercises without a solution: {set(exercises) - solved}"


@pytest.mark.parametrize("common", COMMON)
def test_the_common_mistakes_are_tried_wherever_they_apply(common):
    for name, mistake in COMMON[common].items():
        assert mistake in CATALOGUE[name][1], f"{name}: no {common!r} mistake called {mistake!r}"


@pytest.mark.parametrize("name, mistake", [(n, m) for n, ms in ADDED.items() for m in ms])
def test_the_added_mistakes_are_named(name, mistake):
    check, table = CATALOGUE[name]
    wrong, pattern = table[mistake]
    assert re.search(pattern, failure_message(check, wrong)), f"{name} / {mistake}"


@pytest.mark.parametrize("name", CATALOGUE)
def test_no_message_repeats_another_or_itself(name):
    check, table = CATALOGUE[name]
    seen = {}
    for mistake, (wrong, _) in table.items():
        message = failure_message(check, wrong)
        assert message not in seen, f"{name}: {mistake!r} and {seen.get(message)!r} get the same message"
        seen[message] = mistake
        said = sentences(message)
        repeated = {s for s in said if said.count(s) > 1}
        assert not repeated, f"{name} / {mistake}: the message says {repeated} twice: {message}"


def test_the_right_answers_pass_silently_but_for_the_verdict(capsys):
    """A check prints one line when it passes; anything more would be noise for a student."""
    checks.check_log_softmax(lambda z: losses.log_softmax(z))
    checks.check_bce_with_logits(losses.bce_with_logits)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all("passed" in line for line in lines), lines


if __name__ == "__main__":
    for name, (check, table) in CATALOGUE.items():
        print(f"\n## {name} ({len(table)} wrong answers)")
        for mistake, (wrong, _) in table.items():
            print(f"- {mistake}: {failure_message(check, wrong)}")
    sys.exit(0)
