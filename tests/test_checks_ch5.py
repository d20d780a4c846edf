"""Chapter 5: the mini-batch SGD check passes right answers and names each likely mistake."""

import numpy as np
import pytest
from optimlab import data, models, optimizers, train
from optimlab.checks import CheckFailed, check_sgd_epochs


def sgd_epochs(example_grads, theta0, x, y, lr, epochs, batch_size, rng):
    n = len(x)
    theta = np.array(theta0, dtype=float)
    iterates = [theta]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            theta = theta - lr * example_grads(theta, x[batch], y[batch]).mean(axis=0)
            iterates.append(theta)
    return np.array(iterates)


def with_minibatches(example_grads, theta0, x, y, lr, epochs, batch_size, rng):
    theta, iterates = np.array(theta0, dtype=float), [np.array(theta0, dtype=float)]
    for _ in range(epochs):
        for batch in data.minibatches(len(x), batch_size, rng):
            theta = theta - lr * np.mean(example_grads(theta, x[batch], y[batch]), axis=0)
            iterates.append(theta)
    return iterates  # a list of arrays is fine


def with_fit(example_grads, theta0, x, y, lr, epochs, batch_size, rng):
    seed_free = train.fit(models.Line(theta0), "mse", (x, y), optimizers.SGD(lr), epochs, batch_size)
    return seed_free.thetas  # seed 0 only: right in the first case, wrong in the others


def not_implemented(*args):
    raise NotImplementedError()


def _mutating(example_grads, theta0, x, y, lr, epochs, batch_size, rng):
    theta = theta0
    iterates = [theta.copy()]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            theta -= lr * example_grads(theta, x[batch], y[batch]).mean(axis=0)
            iterates.append(theta.copy())
    return np.array(iterates)


def _mistaken(**change):
    """sgd_epochs with one thing done wrong."""

    def wrong(example_grads, theta0, x, y, lr, epochs, batch_size, rng):
        n = len(x)
        theta = np.array(theta0, dtype=float)
        iterates = [theta]
        order = rng.permutation(n) if change.get("one_permutation") else None
        for _ in range(epochs):
            if change.get("replace"):
                batches = [rng.integers(0, n, size=batch_size) for _ in range(-(-n // batch_size))]
            else:
                if not change.get("one_permutation"):
                    order = np.arange(n) if change.get("no_shuffle") else rng.permutation(n)
                if change.get("array_split"):
                    batches = np.array_split(order, -(-n // batch_size))
                else:
                    stop = n // batch_size * batch_size if change.get("drop_last") else n
                    stop += batch_size if change.get("extra_batch") else 0  # n // B + 1 batches
                    batches = [order[s:s + batch_size] for s in range(0, stop, batch_size)]
            stale = theta
            for batch in batches:
                at = stale if change.get("stale") else theta
                if change.get("full_batch"):
                    grads = example_grads(at, x, y)
                else:
                    grads = example_grads(at, x[batch], y[batch])
                step = lr * (grads.sum(axis=0) if change.get("sum") else grads.mean(axis=0))
                if change.get("in_place"):
                    theta -= step  # the rows appended before all change with it
                else:
                    theta = theta - step
                iterates.append(theta)
        if change.get("last_only"):
            return theta
        return np.array(iterates[1:] if change.get("no_start") else iterates)

    return wrong


MISTAKES = {
    "not implemented": (not_implemented, "not implemented yet"),
    "sum": (_mistaken(sum=True), "instead of averaging"),
    "one permutation": (_mistaken(one_permutation=True), "reuse one permutation"),
    "full batch": (_mistaken(full_batch=True), "batch gradient descent"),
    "with replacement": (_mistaken(replace=True), "with replacement"),
    "drop last": (_mistaken(drop_last=True), "drop the last, shorter batch"),
    "stale theta": (_mistaken(stale=True), "epoch's start"),
    "no shuffle": (_mistaken(no_shuffle=True), "order 0, 1, 2"),
    "in place": (_mutating, "in place"),
    "last only": (_mistaken(last_only=True), "only the last theta"),
    "no theta_0": (_mistaken(no_start=True), "shape"),
    "other seed": (with_fit, "differ from theta_"),
    "not numbers": (lambda *args: "done", "array of numbers"),
    "aliased rows": (_mistaken(in_place=True), "every row of your result is the same array"),
    "empty batch": (_mistaken(extra_batch=True), "empty batch"),
    "array_split": (_mistaken(array_split=True), "differ from theta_"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_check_sgd_epochs_names_the_mistake(mistake):
    fn, message = MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        check_sgd_epochs(fn)


def test_messages_are_not_repeated():
    messages = []
    for fn, _ in MISTAKES.values():
        with pytest.raises(CheckFailed) as info:
            check_sgd_epochs(fn)
        messages.append(str(info.value).split(":", 1)[-1])
    assert len(set(messages)) == len(messages)


def test_check_sgd_epochs_passes_correct_solutions(capsys):
    check_sgd_epochs(sgd_epochs)
    check_sgd_epochs(with_minibatches)
    assert capsys.readouterr().out.count("passed") == 2
