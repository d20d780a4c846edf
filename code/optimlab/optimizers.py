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

__all__ = ["Optimizer", "SGD", "Preconditioned"]


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


class Preconditioned(Optimizer):
    """Preconditioned gradient descent ``theta_t = theta_{t-1} - lr * P^{-1} g_t`` (Chapter 2, ``eq-preconditioned``).

    ``preconditioner`` is either a 1-D array of positive numbers, the diagonal of a diagonal
    matrix D (coordinate j then takes the step ``lr * g_j / D_j``: diagonal preconditioning), or a
    symmetric positive-definite d x d matrix P (each step solves ``P s = g``). Positive
    definiteness makes ``-P^{-1} g`` a descent direction. With P the Hessian of a quadratic and
    ``lr = 1`` the step is Newton's, which lands on the minimum at once; with D = diag(H) it is
    the diagonal scaling that the adaptive methods of Chapter 7 estimate from gradients. The
    preconditioner is fixed: :func:`optimlab.train.newton` recomputes the Hessian every step.
    """

    def __init__(self, lr: float, preconditioner, weight_decay: float = 0.0):
        where = "Preconditioned"
        P = v.as_float_array(preconditioner, "preconditioner", where, min_ndim=1)
        if P.ndim == 1:
            if np.any(P <= 0):
                raise ValueError(f"{where}: a diagonal preconditioner must have positive entries, got "
                                 f"{P[P <= 0][0]!r} at index {int(np.argmax(P <= 0))}")
        elif P.ndim == 2 and P.shape[0] == P.shape[1]:
            if not np.allclose(P, P.T, rtol=1e-12, atol=0.0):
                raise ValueError(f"{where}: a matrix preconditioner must be symmetric; got one with "
                                 f"P[0, 1] != P[1, 0] or similar (max asymmetry {np.abs(P - P.T).max():.3g})")
            try:
                np.linalg.cholesky(P)
            except np.linalg.LinAlgError:
                raise ValueError(f"{where}: a matrix preconditioner must be positive definite (all "
                                 f"eigenvalues > 0), got eigenvalues {np.linalg.eigvalsh(P).tolist()}; "
                                 "otherwise -P^-1 g need not point downhill") from None
        else:
            raise ValueError(f"{where}: preconditioner must be a vector (the diagonal of D) or a "
                             f"square matrix, got shape {P.shape}")
        self.preconditioner = P
        super().__init__(lr, weight_decay)

    def __repr__(self) -> str:
        kind = "diagonal" if self.preconditioner.ndim == 1 else "matrix"
        return f"Preconditioned(lr={self.lr:g}, {kind})"

    def step(self, theta, grad) -> np.ndarray:
        P = self.preconditioner
        shape = np.shape(theta)
        wanted = P.shape if P.ndim == 1 else P.shape[:1]
        if shape != wanted:
            raise ValueError(f"Preconditioned.step: theta has shape {shape} but the preconditioner "
                             f"has shape {P.shape}; it needs shape {wanted} for these parameters")
        return super().step(theta, grad)

    def curvatures(self, hessian) -> np.ndarray:
        """The eigenvalues of ``P^{-1} H``, smallest first: the curvatures gradient descent sees after preconditioning.

        On a quadratic with Hessian ``H`` the preconditioned step behaves like plain gradient
        descent on a quadratic with these eigenvalues (those of ``P^{-1/2} H P^{-1/2}``), so their
        ratio is the effective condition number and ``2 / (first + last)`` the best ``lr``
        (Chapter 2, eqs. ``eq-best-step`` and ``eq-preconditioned``).
        """
        where = "Preconditioned.curvatures"
        H = v.as_float_array(hessian, "hessian", where)
        P = self.preconditioner
        d = P.shape[0]
        if H.shape != (d, d) or not np.allclose(H, H.T, rtol=1e-12, atol=0.0):
            raise ValueError(f"{where}: hessian must be a symmetric {d} x {d} matrix to match the "
                             f"preconditioner, got shape {H.shape}")
        if P.ndim == 1:
            scaled = H / np.sqrt(np.outer(P, P))
        else:
            C = np.linalg.cholesky(P)
            scaled = np.linalg.solve(C, np.linalg.solve(C, H).T)
        return np.linalg.eigvalsh((scaled + scaled.T) / 2)

    def _update(self, theta, g):
        P = self.preconditioner
        direction = g / P if P.ndim == 1 else np.linalg.solve(P, g)
        return theta - self.lr * direction
