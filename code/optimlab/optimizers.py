"""Optimizers: one small class per method, whose ``step`` is the chapter's update rule.

    opt = SGD(lr=0.1)
    theta = opt.step(theta, grad)   # returns new parameters; the inputs are not modified

State (moment estimates, the step counter ``t``, counted from 1) lives on the instance;
``reset()`` clears it. Optimizers take single steps and know nothing of loops: the loops are in
:mod:`optimlab.train`. Defaults and semantics follow ``torch.optim``; the tests check each class
against its torch counterpart step for step in float64.
"""

from __future__ import annotations

import numpy as np

from . import _validate as v

__all__ = ["Optimizer", "SGD"]


class Optimizer:
    """Base class: hyperparameter validation, the step counter, and L2 weight decay.

    ``weight_decay`` adds ``weight_decay * theta`` to the gradient before the update (L2
    regularization, as in torch; Chapter 9 contrasts it with AdamW's decoupled decay).
    """

    def __init__(self, lr: float, weight_decay: float = 0.0):
        where = type(self).__name__
        self.lr = v.positive_number(lr, "lr (the learning rate)", where, allow_zero=True)
        self.weight_decay = v.positive_number(weight_decay, "weight_decay", where, allow_zero=True)
        self.reset()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"

    def reset(self) -> None:
        """Forget all state: the next step is step t = 1 again."""
        self.t = 0

    def step(self, theta, grad) -> np.ndarray:
        """One update: returns the new parameters (``theta`` and ``grad`` are not modified)."""
        where = f"{type(self).__name__}.step"
        theta = v.as_float_array(theta, "theta", where)
        grad = v.as_float_array(grad, "grad", where)
        v.same_shape(theta, grad, "theta", "grad", where)
        if self.weight_decay:
            grad = grad + self.weight_decay * theta
        self.t += 1
        return self._update(theta.copy(), grad)

    def _update(self, theta: np.ndarray, g: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent, ``theta_t = theta_{t-1} - lr * g_t`` (Chapter 2, eq. ``eq-gd``).

    Applied to full-batch gradients it is gradient descent; to mini-batch gradients, stochastic
    gradient descent (Chapter 5). Matches ``torch.optim.SGD`` without momentum.
    """

    def _update(self, theta, g):
        return theta - self.lr * g
