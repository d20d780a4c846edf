"""Learning-rate schedules: the learning rate alpha_t as a function of the step t = 1, 2, ...

Chapter 5, section on schedules. Every schedule is a small callable object: ``schedule(t)``
returns alpha_t for an integer step ``t >= 1``, and ``schedule.values(steps)`` returns
alpha_1, ..., alpha_steps as an array. Pass one to :func:`optimlab.train.fit` as ``schedule=``;
the loop sets ``optimizer.lr = schedule(t)`` before step t. NumPy only.

Which schedules satisfy the Robbins-Monro conditions sum alpha_t = inf, sum alpha_t^2 < inf
(Robbins & Monro, 1951): only :class:`InverseTime`. A constant rate has sum alpha_t^2 = inf;
step, exponential and cosine decay to zero (with ``lr_min = 0``) have sum alpha_t < inf; a warm-up
changes finitely many terms and so changes neither property.
"""

from __future__ import annotations

import math

import numpy as np

from . import _validate as v

__all__ = ["Schedule", "Constant", "StepDecay", "Exponential", "Cosine", "InverseTime", "Warmup"]


class Schedule:
    """Base class: validates the step ``t`` and evaluates the schedule at it."""

    def __call__(self, t) -> float:
        where = type(self).__name__
        t = v.integer(t, "the step t", where, what="an integer >= 1 (steps count from 1)")
        return float(self._rate(t))

    def values(self, steps: int) -> np.ndarray:
        """The rates alpha_1, ..., alpha_steps as a float64 array of length ``steps``."""
        steps = v.integer(steps, "steps", f"{type(self).__name__}.values",
                          what="a positive integer number of steps")
        return np.array([self(t) for t in range(1, steps + 1)], dtype=np.float64)

    def _rate(self, t: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


class Constant(Schedule):
    """A fixed learning rate, ``alpha_t = lr`` (Chapter 5, eq. ``eq-schedules``)."""

    def __init__(self, lr: float):
        self.lr = v.positive_number(lr, "lr", "Constant")

    def __repr__(self) -> str:
        return f"Constant({self.lr:g})"

    def _rate(self, t):
        return self.lr


class StepDecay(Schedule):
    """Step decay, ``alpha_t = lr * factor ** floor((t - 1) / every)`` (Chapter 5, eq. ``eq-schedules``).

    The rate is multiplied by ``factor`` in (0, 1) after every ``every`` steps, a fixed period
    (torch's ``StepLR``, counted in steps; with ``every`` = steps per epoch times k it drops
    every k epochs). Drops at irregular milestones, such as Goyal et al.'s (2017) division by 10
    after epochs 30, 60 and 80, are torch's ``MultiStepLR`` and not modelled here.
    """

    def __init__(self, lr: float, every: int, factor: float = 0.1):
        self.lr = v.positive_number(lr, "lr", "StepDecay")
        self.every = v.integer(every, "every", "StepDecay", what="a positive integer number of steps")
        self.factor = v.open_fraction(factor, "factor", "StepDecay", " so that the rate decays")

    def __repr__(self) -> str:
        return f"StepDecay({self.lr:g}, every={self.every}, factor={self.factor:g})"

    def _rate(self, t):
        return self.lr * self.factor ** ((t - 1) // self.every)


class Exponential(Schedule):
    """Exponential decay, ``alpha_t = lr * gamma ** (t - 1)`` with ``gamma`` in (0, 1) (Chapter 5).

    torch's ``ExponentialLR`` applied every step. The sum of all rates is finite,
    ``lr / (1 - gamma)``: if the gradients are bounded, the iterates can travel only a bounded
    distance.
    """

    def __init__(self, lr: float, gamma: float):
        self.lr = v.positive_number(lr, "lr", "Exponential")
        self.gamma = v.open_fraction(gamma, "gamma", "Exponential", " so that the rate decays")

    def __repr__(self) -> str:
        return f"Exponential({self.lr:g}, gamma={self.gamma:g})"

    def _rate(self, t):
        return self.lr * self.gamma ** (t - 1)


class Cosine(Schedule):
    """Cosine annealing over ``total`` steps (Chapter 5; Loshchilov & Hutter's SGDR, 2017)::

        alpha_t = lr_min + (lr - lr_min) * (1 + cos(pi * (t - 1) / total)) / 2   for t <= total
        alpha_t = lr_min                                                         for t > total

    One cycle of SGDR without restarts: alpha_1 = lr, falling slowly at first, fastest halfway,
    and flattening out towards ``lr_min`` at the end.
    """

    def __init__(self, lr: float, total: int, lr_min: float = 0.0):
        self.lr = v.positive_number(lr, "lr", "Cosine")
        self.total = v.integer(total, "total", "Cosine", what="a positive integer number of steps")
        self.lr_min = v.positive_number(lr_min, "lr_min", "Cosine", allow_zero=True)
        if self.lr_min > self.lr:
            raise ValueError(f"Cosine: lr_min must not exceed lr = {self.lr:g}, got {lr_min!r}")

    def __repr__(self) -> str:
        return f"Cosine({self.lr:g}, total={self.total}, lr_min={self.lr_min:g})"

    def _rate(self, t):
        if t > self.total:
            return self.lr_min
        return self.lr_min + (self.lr - self.lr_min) * (1 + math.cos(math.pi * (t - 1) / self.total)) / 2


class InverseTime(Schedule):
    """Inverse-time decay, ``alpha_t = lr * t0 / (t0 + t - 1)`` (Chapter 5, eq. ``eq-schedules``).

    Starts at ``lr`` and halves by step ``t0 + 1``; for large t it falls like 1/t. It satisfies
    the Robbins-Monro conditions (Robbins & Monro, 1951): the sum of alpha_t diverges (like
    log t), the sum of alpha_t^2 converges.
    """

    def __init__(self, lr: float, t0: float = 1.0):
        self.lr = v.positive_number(lr, "lr", "InverseTime")
        self.t0 = v.positive_number(t0, "t0", "InverseTime")

    def __repr__(self) -> str:
        return f"InverseTime({self.lr:g}, t0={self.t0:g})"

    def _rate(self, t):
        return self.lr * self.t0 / (self.t0 + t - 1)


class Warmup(Schedule):
    """Linear warm-up in front of another schedule (Chapter 5; Goyal et al., 2017)::

        alpha_t = (t / steps) * after(t)   for t <= steps
        alpha_t = after(t)                 for t > steps

    ``after`` is any schedule (or a positive number, meaning :class:`Constant`). The rate climbs
    linearly from ``after(1) / steps`` to the full rate in ``steps`` steps. Goyal et al. use it
    because the network changes rapidly early in training, when a large (linearly scaled) rate
    can make training unstable; they ramp up over the first 5 epochs.
    """

    def __init__(self, after, steps: int):
        if isinstance(after, (int, float, np.floating)) and not isinstance(after, bool):
            after = Constant(after)
        if not callable(after):
            raise ValueError(f"Warmup: after must be a schedule (a callable t -> rate) or a positive number, "
                             f"got {after!r}")
        self.after = after
        self.steps = v.integer(steps, "steps", "Warmup", what="a positive integer number of steps")

    def __repr__(self) -> str:
        return f"Warmup({self.after!r}, steps={self.steps})"

    def _rate(self, t):
        return min(1.0, t / self.steps) * self.after(t)
