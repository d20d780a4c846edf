"""Training loops: run an optimizer on a landscape or a model, and record what happened.

Every loop returns a :class:`History` and stops cleanly at the first non-finite loss or
parameter, marking the run ``diverged`` instead of filling plots with NaN. Each run starts with
``optimizer.reset()``, so one optimizer object can be reused for several runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import _validate as v
from .data import minibatches
from .losses import loss_and_grad_functions as losses_by_name

__all__ = ["History", "minimize", "newton", "minimize_with_line_search", "fit", "average_iterates", "fitted_rate"]


@dataclass
class History:
    """What a run did.

    ``thetas`` has shape (k + 1, d): the start and the parameters after each of the k steps
    taken. ``losses`` holds the k + 1 losses at those parameters (for :func:`fit`, on the whole
    data set). ``diverged`` is True when the run stopped because the next loss or parameter
    would have been non-finite. ``evaluations`` counts gradient evaluations; ``batch_losses``
    (for :func:`fit`) the mini-batch losses seen by the optimizer. ``loss_evaluations`` (for
    :func:`minimize_with_line_search`) holds, for each iterate, how many loss evaluations the
    line searches had made up to it (0 at the start), and ``step_sizes`` the step size each line
    search chose.

    Only :func:`fit` fills the Chapter 5 records: ``epoch_losses`` (the full loss at the start
    and after each completed epoch), ``examples`` (k + 1 cumulative counts of examples whose
    gradients were computed, starting at 0), ``seconds`` (k + 1 cumulative seconds spent on
    gradients and updates, not on the recorded full losses) and ``lrs`` (the k learning rates
    used, alpha_1, ..., alpha_k).

    ``search_failed`` (only :func:`minimize_with_line_search`) is True when the run stopped
    because a line search reported failure (``SearchResult.converged`` False).
    """

    thetas: np.ndarray
    losses: np.ndarray
    diverged: bool = False
    evaluations: int = 0
    label: str = ""
    batch_losses: np.ndarray = field(default_factory=lambda: np.empty(0))
    loss_evaluations: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    step_sizes: np.ndarray = field(default_factory=lambda: np.empty(0))
    epoch_losses: np.ndarray = field(default_factory=lambda: np.empty(0))
    examples: np.ndarray = field(default_factory=lambda: np.empty(0))
    seconds: np.ndarray = field(default_factory=lambda: np.empty(0))
    lrs: np.ndarray = field(default_factory=lambda: np.empty(0))
    search_failed: bool = False

    @property
    def steps(self) -> int:
        """Number of steps taken."""
        return len(self.thetas) - 1

    @property
    def final_theta(self) -> np.ndarray:
        return self.thetas[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def steps_to(self, target: float) -> int | None:
        """The first step at which the loss is at most ``target``, or None if it never is."""
        hits = np.nonzero(self.losses <= target)[0]
        return int(hits[0]) if len(hits) else None

    def distances(self, point) -> np.ndarray:
        """``||theta_t - point||`` for t = 0, ..., k: the distance of each iterate to ``point``."""
        point = v.as_float_array(point, "point", "History.distances")
        v.same_shape(point, self.thetas[0], "point", "theta", "History.distances")
        return np.linalg.norm(self.thetas - point, axis=1)

    def steps_to_shrink(self, point, factor: float = 1e-6) -> int | None:
        """The first step t with ``||theta_t - point|| <= factor ||theta_0 - point||``, or None."""
        distances = self.distances(point)
        hits = np.nonzero(distances <= factor * distances[0])[0]
        return int(hits[0]) if len(hits) else None

    def __repr__(self) -> str:
        state = "diverged" if self.diverged else "stopped: a line search failed" if self.search_failed else "finished"
        return (f"History({self.label or 'run'}: {state} after {self.steps} steps, "
                f"loss {self.losses[0]:.4g} -> {self.final_loss:.4g})")


def _finite(loss: float, theta: np.ndarray) -> bool:
    return bool(np.isfinite(loss) and np.all(np.isfinite(theta)))


def _descend(problem, theta0, steps: int, next_theta, where: str, stop: type[Exception] | tuple = ()):
    """The loop of :func:`minimize`, :func:`newton` and :func:`minimize_with_line_search`:
    ``theta = next_theta(theta, grad)``.

    Returns ``(thetas, losses, diverged)``; stops at the first non-finite gradient, parameter or
    loss, and, without marking the run diverged, when ``next_theta`` raises the exception ``stop``.
    """
    steps = v.integer(steps, "steps", where, minimum=0)
    theta = v.as_float_array(theta0, "theta0", where, min_ndim=1)
    thetas, losses = [theta], [problem.f(theta)]
    if not _finite(losses[0], theta):
        raise ValueError(f"{where}: the loss at theta0 is {losses[0]}; start somewhere finite")
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            grad = problem.grad(theta)
            if not np.all(np.isfinite(grad)):
                diverged = True
                break
            try:
                candidate = next_theta(theta, grad)
            except stop:
                break
            loss = problem.f(candidate) if np.all(np.isfinite(candidate)) else np.inf
            if not _finite(loss, candidate):
                diverged = True
                break
            theta = candidate
            thetas.append(theta)
            losses.append(loss)
    return np.array(thetas), np.array(losses, dtype=np.float64), diverged


def minimize(problem, optimizer, theta0, steps: int, label: str = "", schedule=None) -> History:
    """Run ``steps`` steps of ``optimizer`` on a landscape ``problem`` from ``theta0`` (Chapter 2).

    ``problem`` needs ``f(theta)`` and ``grad(theta)``, e.g. any :mod:`optimlab.landscapes`
    landscape. ``schedule`` (optional) sets the learning rate of every step, as in :func:`fit`;
    ``History.lrs`` then holds the rates used.
    """
    _check_schedule(schedule, "minimize")
    optimizer.reset()
    lrs = []

    def scheduled_step(theta, grad):
        if schedule is not None:
            _set_rate(optimizer, schedule, optimizer.t + 1, "minimize")
        lrs.append(optimizer.lr)
        return optimizer.step(theta, grad)

    with _lr_restored(optimizer):
        thetas, losses, diverged = _descend(problem, theta0, steps, scheduled_step, "minimize")
    return History(thetas, losses, diverged, evaluations=len(thetas) - 1 + diverged,
                   label=label or repr(optimizer), lrs=np.array(lrs[:len(thetas) - 1], dtype=np.float64))


def _check_schedule(schedule, where: str) -> None:
    if schedule is not None and not callable(schedule):
        raise ValueError(f"{where}: schedule must be a callable t -> learning rate (see optimlab.schedules), "
                         f"got {schedule!r}")


def _set_rate(optimizer, schedule, t: int, where: str) -> None:
    """Set ``optimizer.lr = schedule(t)`` for step t (Chapter 5, eq. ``eq-schedules``)."""
    optimizer.lr = v.positive_number(schedule(t), f"schedule({t})", where, allow_zero=True)


@contextmanager
def _lr_restored(optimizer):
    """Give the optimizer its own learning rate back when a scheduled run ends (or fails)."""
    base_lr = optimizer.lr
    try:
        yield
    finally:
        optimizer.lr = base_lr


def newton(problem, theta0, steps: int, label: str = "Newton") -> History:
    """Newton's method, ``theta_t = theta_{t-1} - H(theta_{t-1})^{-1} g_t`` (Chapter 2, eq. ``eq-newton``).

    ``problem`` needs ``f``, ``grad`` and ``hessian`` (every :mod:`optimlab.landscapes` landscape
    with a known Hessian). Each step solves the d x d linear system ``H s = g``. This is the pure
    method: no step size and no safeguard. It jumps to the stationary point of the local quadratic
    model, which is a minimum only where the Hessian is positive definite, so far from a minimum it
    can move uphill or towards a saddle point. ``History.evaluations`` counts the steps, each
    one gradient and one Hessian. Raises ``ValueError`` when the problem has no Hessian or the
    Hessian is singular at an iterate (the step is then undefined).
    """
    hessian = getattr(problem, "hessian", None)
    if not callable(hessian):
        raise ValueError("newton: the problem has no hessian(theta) method; Newton's method needs "
                         "second derivatives")

    def newton_step(theta, grad):
        H = v.as_float_array(hessian(theta), "the Hessian", "newton")
        if H.shape != (theta.size, theta.size):
            raise ValueError(f"newton: the Hessian must have shape {(theta.size, theta.size)} for "
                             f"{theta.size} parameters, got {H.shape}")
        try:
            return theta - np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            raise ValueError(f"newton: the Hessian at theta = {theta.tolist()} is singular, so "
                             "the Newton step H^-1 g is undefined there; start elsewhere") from None

    thetas, losses, diverged = _descend(problem, theta0, steps, newton_step, "newton")
    return History(thetas, losses, diverged, evaluations=len(thetas) - 1 + diverged, label=label)


def minimize_with_line_search(problem, theta0, steps: int, search: Callable, label: str = "") -> History:
    """Gradient descent with a line search at every step (Chapter 4, eq. ``eq-gd-line-search``).

    At step t the loss along the negative gradient, ``phi(s) = L(theta_{t-1} - s g_t)``, is built
    by :func:`optimlab.linesearch.along` and handed to ``search(phi)``, which returns a
    :class:`optimlab.linesearch.SearchResult`; then ``theta_t = theta_{t-1} - s_t g_t`` with
    its ``step`` s_t. For example
    ``search=lambda phi: linesearch.bracketing(phi, (0, 1))`` or
    ``search=lambda phi: linesearch.backtracking(phi, phi.slope, phi.value0)``.
    ``History.evaluations`` counts gradient evaluations (one per step) and
    ``History.loss_evaluations`` the cumulative loss evaluations the searches made (the losses
    recorded in the history for plotting are not counted: plain gradient descent needs none).
    ``History.step_sizes`` holds the chosen s_t. The run stops early, without error, at a point
    where the gradient is exactly zero, and when a search reports failure
    (``SearchResult.converged`` False, e.g. backtracking that found no acceptable step within its
    trials, or an interval search stopped by its iteration cap or by a loss that is not finite
    inside its bracket): that step is not taken, the evaluations of a search that returned are
    still counted in ``loss_evaluations[-1]``, and ``History.search_failed`` is True.
    """
    from .linesearch import NonFiniteLoss, along

    if not callable(search):
        raise ValueError(f"minimize_with_line_search: search must be a function of phi returning a "
                         f"SearchResult, got {search!r}")
    counts, step_sizes, failed = [0], [], []

    def line_search_step(theta, grad):
        if not np.any(grad):
            raise _StopRun
        line = along(problem, theta, -grad, grad=grad)
        try:
            result = search(line)
        except NonFiniteLoss:  # the bracket reached where the loss overflows: the search failed
            failed.append(0)
            raise _StopRun from None
        if not result.converged:
            failed.append(int(result.evaluations))
            raise _StopRun
        counts.append(counts[-1] + int(result.evaluations))
        step_sizes.append(float(result.step))
        return theta - result.step * grad

    thetas, losses, diverged = _descend(problem, theta0, steps, line_search_step, "minimize_with_line_search",
                                        stop=_StopRun)
    counts = counts[:len(thetas)]
    if failed:
        counts[-1] += failed[0]
    history = History(thetas, losses, diverged, evaluations=len(thetas) - 1 + diverged + bool(failed), label=label,
                      loss_evaluations=np.array(counts),
                      step_sizes=np.array(step_sizes[:len(thetas) - 1]), search_failed=bool(failed))
    return history


class _StopRun(Exception):
    """Raised inside a step to end a run cleanly (the gradient is zero, or a line search failed)."""


def fit(model, loss: str, data, optimizer, epochs: int, batch_size: int | None = None,
        seed: int = 0, replace: bool = False, label: str = "", schedule=None) -> History:
    """Train ``model`` on ``data = (x, y)`` by minimizing the loss named ``loss`` (Chapters 2 and 5).

    With ``batch_size=None`` each epoch is one full-batch gradient step; otherwise each epoch
    visits the data in ceil(n / batch_size) mini-batches from :func:`optimlab.data.minibatches`
    (Chapter 5, eq. ``eq-epoch``), seeded by ``seed``: slices of a fresh permutation, or with
    ``replace=True`` batches drawn with replacement (then even ``batch_size=None`` draws n
    indices with replacement, not the full batch), and each step is the mini-batch SGD
    update of eq. ``eq-minibatch-sgd`` (with whatever rule ``optimizer`` implements).
    ``schedule`` (optional, a callable t -> learning rate such as the classes of
    :mod:`optimlab.schedules`) sets ``optimizer.lr = schedule(t)`` before step t = 1, 2, ...;
    the optimizer's own ``lr`` is restored when the run ends.

    The model's ``params`` are set to the final parameters. ``History.losses`` holds the loss on
    the whole data set after every step, ``batch_losses`` the mini-batch losses,
    ``epoch_losses`` the whole-data loss at the start and after each epoch, ``examples`` and
    ``seconds`` the cumulative examples and gradient-and-update time, ``lrs`` the rates used.
    """
    epochs = v.integer(epochs, "epochs", "fit", minimum=0)
    x, y = data
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"fit: data has {len(x)} inputs but {len(y)} targets; they must match")
    _check_schedule(schedule, "fit")
    n = len(x)
    batch_size = n if batch_size is None else batch_size
    loss_fn, loss_grad = losses_by_name(loss)
    rng = np.random.default_rng(seed)
    optimizer.reset()
    theta = model.params.copy()
    thetas, losses, batch_losses = [theta], [model.loss(loss, x, y, theta)], []
    epoch_losses, examples, seconds, lrs = [losses[0]], [0], [0.0], []
    diverged = False
    with _lr_restored(optimizer), np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            for batch in minibatches(n, batch_size, rng, replace=replace):
                started = time.perf_counter()
                if schedule is not None:
                    _set_rate(optimizer, schedule, len(lrs) + 1, "fit")
                pred, cache = model.forward(x[batch], theta)
                grad = model.backward(cache, loss_grad(pred, y[batch]))
                candidate = optimizer.step(theta, grad) if np.all(np.isfinite(grad)) else None
                elapsed = time.perf_counter() - started
                full_pred = None if candidate is None or not np.all(np.isfinite(candidate)) else model(x, candidate)
                full_loss = (np.inf if full_pred is None or not np.all(np.isfinite(full_pred))
                             else loss_fn(full_pred, y))
                if not np.isfinite(full_loss):
                    diverged = True
                    break
                batch_losses.append(loss_fn(pred, y[batch]))
                lrs.append(optimizer.lr)
                examples.append(examples[-1] + len(batch))
                seconds.append(seconds[-1] + elapsed)
                theta = candidate
                thetas.append(theta)
                losses.append(full_loss)
            if diverged:
                break
            epoch_losses.append(losses[-1])
    model.params = theta
    return History(np.array(thetas), np.array(losses), diverged, evaluations=len(batch_losses) + diverged,
                   label=label or repr(optimizer), batch_losses=np.array(batch_losses),
                   epoch_losses=np.array(epoch_losses), examples=np.array(examples),
                   seconds=np.array(seconds), lrs=np.array(lrs, dtype=np.float64))


def average_iterates(thetas, start: int = 0) -> np.ndarray:
    """The tail average of the iterates, (theta_start + ... + theta_k) / (k - start + 1) (Chapter 5).

    Polyak-Ruppert averaging (Polyak & Juditsky, 1992; eq. ``eq-averaging``): with a constant
    or slowly decaying learning rate the SGD iterates keep jumping around the minimum, and their
    average is much closer to it than the last iterate. ``thetas`` is a :class:`History` or an
    array of iterates of shape (k + 1, ...) (axis 0 counts the steps); ``start`` is the index of
    the first iterate averaged (0 averages all of them, the start theta_0 included).
    """
    path = thetas.thetas if isinstance(thetas, History) else thetas
    path = v.as_float_array(path, "thetas", "average_iterates", min_ndim=1)
    last = len(path) - 1
    start = v.integer(start, "start", "average_iterates", minimum=0, maximum=last,
                      what=f"an integer index in [0, {last}] (there are {last + 1} iterates)")
    return path[start:].mean(axis=0)


def fitted_rate(distances, first: int = 1, last: int | None = None, power: int = 0) -> float:
    """The per-step contraction r of a run whose distances to the minimum behave like ``t^power r^t``.

    Chapters 2 and 6 measure rates with it (eqs. ``eq-rate`` and ``eq-momentum-rate``), e.g. on
    ``History.distances(minimum)``: ``distances[t]`` is the distance
    after step t (``distances[0]`` at the start); a least-squares line through
    ``log(distances[t] / t^power)`` over the steps ``first`` to ``last - 1`` has slope ``log r``.
    ``power=1`` removes the factor t of a double eigenvalue (critical damping), which would
    otherwise make a finite window's fit too slow. The distances in the window must be positive,
    at least two of them.
    """
    where = "fitted_rate"
    distances = v.as_float_array(distances, "distances", where, min_ndim=1)
    power = v.integer(power, "power", where, minimum=0)
    first = v.integer(first, "first", where, minimum=0 if power == 0 else 1)
    if last is not None:
        last = v.integer(last, "last", where, minimum=first + 2, what="an integer at least first + 2, or None")
    steps = np.arange(len(distances))[first:last]
    window = distances[first:last]
    if distances.ndim != 1 or len(window) < 2:
        raise ValueError(f"{where}: need a 1-d window of at least 2 distances, got {len(window)} of "
                         f"distances with shape {distances.shape}")
    if np.any(window <= 0):
        raise ValueError(f"{where}: the distances must be positive (a zero distance has no logarithm)")
    slope = np.polyfit(steps, np.log(window) - power * np.log(steps), 1)[0]
    return float(np.exp(slope))
