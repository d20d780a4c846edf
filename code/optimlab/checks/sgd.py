"""Checks for Chapter 5's coding exercise (mini-batch SGD, organized in epochs)."""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _invoke, _passed

__all__ = ["check_sgd_epochs"]


def _example_grads_of(model):
    """``example_grads(theta, x, y)``: the per-example MSE gradients of ``model``, one row each."""

    def example_grads(theta, x, y):
        if len(x) == 0:
            raise CheckFailed("example_grads got an empty batch: an epoch has ceil(n / batch_size) batches, "
                              "and the last slice must start before n.")
        return np.array([model.loss_and_grad("mse", x[i:i + 1], y[i:i + 1], theta)[1] for i in range(len(x))])

    return example_grads


def _variant(example_grads, theta0, x, y, lr, epochs, batch_size, rng, mistake: str) -> np.ndarray:
    """One of the likely wrong versions of the exercise, to recognize a student's result by."""
    n = len(x)
    theta = np.array(theta0, dtype=np.float64)
    path = [theta]
    order = rng.permutation(n) if mistake == "one permutation" else None
    for _ in range(epochs):
        if mistake == "with replacement":
            batches = [rng.integers(0, n, size=batch_size) for _ in range(-(-n // batch_size))]
        else:
            if mistake != "one permutation":
                order = np.arange(n) if mistake == "no shuffle" else rng.permutation(n)
            stop = n - n % batch_size if mistake == "drop last" else n
            batches = [order[start:start + batch_size] for start in range(0, stop, batch_size)]
        epoch_start = theta
        for batch in batches:
            where = epoch_start if mistake == "stale theta" else theta
            if mistake == "full batch":
                grad = example_grads(where, x, y).mean(axis=0)
            else:
                grads = example_grads(where, x[batch], y[batch])
                grad = grads.sum(axis=0) if mistake == "sum" else grads.mean(axis=0)
            step = {"ascent": -lr, "no lr": 1.0}.get(mistake, lr)
            theta = theta - step * grad
            path.append(theta)
    return np.array(path)


#: The likely mistakes and what to say about each (every message different).
_MISTAKES = {
    "ascent": "your steps go uphill: theta = theta - lr * g, against the batch's mean gradient.",
    "no lr": "your steps leave out the learning rate: multiply the batch's mean gradient by lr.",
    "sum": "you add up the batch's gradients instead of averaging them: each step is batch_size times too "
           "large. Use the mean over the batch, g_t = (1/|B_t|) sum of the per-example gradients.",
    "one permutation": "you reuse one permutation in every epoch: draw a fresh order = rng.permutation(n) at "
                       "the start of each epoch.",
    "full batch": "every step uses the gradient on all n examples (batch gradient descent): use only the "
                  "examples of the current batch, x[batch] and y[batch].",
    "with replacement": "you draw each batch's indices independently (with replacement): an epoch without "
                        "replacement cuts one rng.permutation(n) into consecutive slices.",
    "drop last": "you drop the last, shorter batch: an epoch has ceil(n / batch_size) steps, so that every "
                 "example is used once.",
    "stale theta": "every batch of an epoch uses the gradient at the theta of the epoch's start: evaluate "
                   "the gradient at the current theta, updated after every batch.",
    "no shuffle": "your batches take the examples in the order 0, 1, 2, ...: shuffle first with "
                  "rng.permutation(n).",
}


def check_sgd_epochs(fn) -> None:
    """Check a student's ``fn(example_grads, theta0, x, y, lr, epochs, batch_size, rng)``.

    Chapter 5, exercise on eqs. ``eq-minibatch-sgd`` and ``eq-epoch``: mini-batch SGD without
    replacement, one fresh ``rng.permutation(n)`` per epoch cut into slices of ``batch_size``,
    each step ``theta - lr * mean of the batch's per-example gradients``; it returns the iterates
    theta_0, ..., theta_T as an array of shape (T + 1, d). ``example_grads(theta, x, y)`` returns
    one gradient row per example. Compared with :func:`optimlab.train.fit` (which draws its
    batches from :func:`optimlab.data.minibatches`) under the same seed; a mismatch is matched
    against the likely mistakes (summing instead of averaging, one permutation for all epochs,
    the full-batch gradient, sampling with replacement, dropping the short last batch, a stale
    theta, no shuffling), and ``theta0`` must not be modified in place.
    """
    from .. import data, models, optimizers, train

    name = getattr(fn, "__name__", "your function")
    line = data.linear(n=30, seed=0)
    cases = [(30, 5, 2, 0.1, 0), (23, 6, 3, 0.1, 1), (10, 4, 2, 0.1, 4), (10, 10, 2, 0.2, 2),
             (7, 1, 2, 0.05, 3)]
    for n, batch_size, epochs, lr, seed in cases:
        x, y = line.x[:n], line.y[:n]
        model = models.Line()
        example_grads = _example_grads_of(model)
        theta0 = np.array([0.5, -0.25])
        given = theta0.copy()
        result = _invoke(fn, example_grads, given, x, y, lr, epochs, batch_size, np.random.default_rng(seed),
                         copy_arrays=False)
        want = train.fit(models.Line(theta0), "mse", (x, y), optimizers.SGD(lr), epochs, batch_size,
                         seed=seed).thetas
        where = f"for n = {n}, batch_size = {batch_size}, epochs = {epochs}:"
        if not np.array_equal(given, theta0):
            raise CheckFailed(f"{where} your function changed theta0 in place (theta -= ... on the caller's "
                              "array): start from theta = np.array(theta0, dtype=float), a copy.")
        try:
            got = np.asarray(result, dtype=np.float64)
        except (TypeError, ValueError):
            raise CheckFailed(f"{name} must return the iterates as an array of numbers, got "
                              f"{type(result).__name__}") from None
        if got.shape == want.shape and np.allclose(got, want, rtol=1e-10, atol=1e-12):
            continue
        for mistake, message in _MISTAKES.items():
            wrong = _variant(example_grads, theta0, x, y, lr, epochs, batch_size, np.random.default_rng(seed),
                             mistake)
            if wrong.shape == got.shape and np.allclose(got, wrong, rtol=1e-10, atol=1e-12):
                raise CheckFailed(f"{where} {message}")
        if got.shape != want.shape:
            if got.shape == want.shape[1:]:
                raise CheckFailed(f"{where} you returned only the last theta; return every iterate, "
                                  f"theta_0 included: an array of shape {want.shape}.")
            raise CheckFailed(f"{where} expected the iterates theta_0, ..., theta_T as an array of shape "
                              f"{want.shape} (T = epochs * ceil(n / batch_size) steps, plus theta_0), got "
                              f"shape {got.shape}.")
        if len(got) > 2 and np.all(got == got[-1]) and not np.allclose(want[0], want[-1]):
            raise CheckFailed(f"{where} every row of your result is the same array: you append theta and then "
                              "update it in place (theta -= ...). Use theta = theta - ... or append a copy.")
        step = int(np.argmax(np.any(~np.isclose(got, want, rtol=1e-10, atol=1e-12), axis=1)))
        raise CheckFailed(f"{where} the iterates agree with train.fit up to theta_{step - 1} and differ "
                          f"from theta_{step} on: expected {want[step].tolist()}, got {got[step].tolist()}.")
    _passed("check_sgd_epochs", len(cases))
