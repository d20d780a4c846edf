"""Optimizers: one small class per method, whose ``step`` is the chapter's update rule.

    opt = SGD(lr=0.1)
    theta = opt.step(theta, grad)   # returns new parameters; the inputs are not modified

State (momentum buffers, moment estimates, the step counter ``t``, counted from 1) lives on the
instance; ``reset()`` clears it. Buffers start at zero and are created at the first step, with the
parameters' shape. Symbols follow the book: ``g`` the gradient g_t, ``b`` the momentum buffer,
``G`` AdaGrad's sum of squares, ``m`` and ``v`` the first and second moments.

Optimizers take single steps and know nothing of loops: the loops are in :mod:`optimlab.train`.
Defaults and semantics follow ``torch.optim``; the tests check each class
against its torch counterpart step for step in float64.
"""

from __future__ import annotations

import numpy as np

from . import _validate as check

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "AdamW", "Preconditioned"]


class Optimizer:
    """Base class: hyperparameter validation, the step counter, state buffers and L2 weight decay.

    ``weight_decay`` adds ``weight_decay * theta`` to the gradient before the update (L2
    regularization, as in torch; Chapter 9 contrasts it with AdamW's decoupled decay).
    Subclasses name their buffers in ``buffers`` and write ``_update(theta, g)``, the update rule.
    """

    buffers: tuple[str, ...] = ()
    shown: tuple[str, ...] = ("lr",)

    def __init__(self, lr: float, weight_decay: float = 0.0):
        self.lr = lr
        self.weight_decay = check.positive_number(weight_decay, "weight_decay", type(self).__name__,
                                                  allow_zero=True)
        self.reset()

    @property
    def lr(self) -> float:
        """The learning rate alpha; a schedule may set it between steps, and it is checked every time."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check.positive_number(value, "lr (the learning rate)", type(self).__name__, allow_zero=True)

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.shown)
        if self.weight_decay:
            settings += f", weight_decay={self.weight_decay!r}"
        return f"{type(self).__name__}({settings})"

    def reset(self) -> None:
        """Forget all state: the next step is step t = 1 again, with every buffer back at zero."""
        self.t = 0
        for name in self.buffers:
            setattr(self, name, None)

    def step(self, theta, grad) -> np.ndarray:
        """One update: returns the new parameters (``theta`` and ``grad`` are not modified)."""
        where = f"{type(self).__name__}.step"
        theta = check.as_float_array(theta, "theta", where)
        grad = check.as_float_array(grad, "grad", where)
        check.same_shape(theta, grad, "theta", "grad", where)
        self._start_or_check_buffers(theta, where)
        self.t += 1
        return self._update(theta.copy(), self._with_weight_decay(theta, grad))

    def _with_weight_decay(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The gradient the update sees: L2 regularization adds ``weight_decay * theta``."""
        return grad + self.weight_decay * theta if self.weight_decay else grad

    def _start_or_check_buffers(self, theta: np.ndarray, where: str) -> None:
        for name in self.buffers:
            buffer = getattr(self, name)
            if buffer is None:
                setattr(self, name, np.zeros_like(theta))
            elif buffer.shape != theta.shape:
                raise ValueError(f"{where}: this optimizer holds state for parameters of shape "
                                 f"{buffer.shape}, got theta of shape {theta.shape}; use one optimizer "
                                 "per parameter array, or call reset() to start over")

    def _update(self, theta: np.ndarray, g: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent, ``theta_t = theta_{t-1} - lr * g_t`` (Chapter 2, eq. ``eq-gd``).

    Applied to full-batch gradients it is gradient descent; to mini-batch gradients, stochastic
    gradient descent (Chapter 5). Matches ``torch.optim.SGD`` without momentum.
    """

    def _update(self, theta, g):
        return theta - self.lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum (Chapter 6, eq. ``eq-heavy-ball``):

        b_t = beta b_{t-1} + g_t   (b_0 = 0),      theta_t = theta_{t-1} - lr b_t

    The buffer ``b`` is a sum of past gradients, each weighted by beta^(age). Matches
    ``torch.optim.SGD(momentum=beta)`` (dampening 0). ``Momentum(lr, beta)`` takes the same steps
    as the exponential-average form ``m_t = beta m_{t-1} + (1 - beta) g_t``, ``theta -= lr' m_t``
    with ``lr' = lr / (1 - beta)`` (Chapter 6 shows the reparametrizations and where they stop
    holding).
    """

    buffers = ("b",)
    shown = ("lr", "beta")

    def __init__(self, lr: float, beta: float = 0.9, weight_decay: float = 0.0):
        self.beta = check.unit_interval(beta, "beta (the momentum)", type(self).__name__)
        super().__init__(lr, weight_decay)

    def _update(self, theta, g):
        self.b = self.beta * self.b + g
        return theta - self.lr * self.b


class Nesterov(Momentum):
    """Nesterov momentum in torch's form (Chapter 6, eq. ``eq-nesterov``):

        b_t = beta b_{t-1} + g_t,      theta_t = theta_{t-1} - lr (g_t + beta b_t)

    The step uses the buffer as it will be after one more step with the same gradient. In the
    variables ``phi_t = theta_t + lr beta b_t`` this is the look-ahead form, which evaluates the
    gradient where momentum is about to carry the parameters (Chapter 6 derives it). Matches
    ``torch.optim.SGD(momentum=beta, nesterov=True)``; unlike torch, ``beta = 0`` is allowed (it is
    gradient descent).
    """

    def _update(self, theta, g):
        self.b = self.beta * self.b + g
        return theta - self.lr * (g + self.beta * self.b)


class AdaGrad(Optimizer):
    """AdaGrad (Chapter 7, eq. ``eq-adagrad``): each coordinate's step divided by the root of its
    accumulated squared gradients,

        G_t = G_{t-1} + g_t^2,      theta_t = theta_{t-1} - lr g_t / (sqrt(G_t) + eps)

    (squares, roots and division elementwise; eps outside the root, as in torch). Matches
    ``torch.optim.Adagrad`` (lr_decay 0, initial accumulator 0).
    """

    buffers = ("G",)
    shown = ("lr", "eps")

    def __init__(self, lr: float, eps: float = 1e-10, weight_decay: float = 0.0):
        self.eps = check.positive_number(eps, "eps", type(self).__name__)
        super().__init__(lr, weight_decay)

    def _update(self, theta, g):
        self.G = self.G + g**2
        return theta - self.lr * g / (np.sqrt(self.G) + self.eps)


class RMSProp(Optimizer):
    """RMSProp (Chapter 7, eq. ``eq-rmsprop``): AdaGrad with an exponential moving average of the
    squared gradients in place of their sum,

        v_t = alpha v_{t-1} + (1 - alpha) g_t^2,      theta_t = theta_{t-1} - lr g_t / (sqrt(v_t) + eps)

    ``alpha`` is the decay rate of the average (torch's name; it is not the learning rate, which
    is ``lr``). Matches ``torch.optim.RMSprop`` (not centered, no momentum).
    """

    buffers = ("v",)
    shown = ("lr", "alpha", "eps")

    def __init__(self, lr: float, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0):
        where = type(self).__name__
        self.alpha = check.unit_interval(alpha, "alpha (the decay rate of the average)", where)
        self.eps = check.positive_number(eps, "eps", where)
        super().__init__(lr, weight_decay)

    def _update(self, theta, g):
        self.v = self.alpha * self.v + (1 - self.alpha) * g**2
        return theta - self.lr * g / (np.sqrt(self.v) + self.eps)


def _betas(betas, where: str) -> tuple[float, float]:
    """Validate Adam's ``betas = (beta1, beta2)``, each in [0, 1)."""
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValueError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
    return (check.unit_interval(betas[0], "beta1 (betas[0])", where),
            check.unit_interval(betas[1], "beta2 (betas[1])", where))


def _flag(value, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{where}: {name} must be True or False, got {value!r}")
    return bool(value)


class Adam(Optimizer):
    """Adam (Chapter 7, eq. ``eq-adam``; bias correction: Chapter 8, eq. ``eq-bias-correction``):

        m_t = beta1 m_{t-1} + (1 - beta1) g_t           v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
        m_hat = m_t / (1 - beta1^t)                      v_hat = v_t / (1 - beta2^t)
        theta_t = theta_{t-1} - lr m_hat / (sqrt(v_hat) + eps)

    ``bias_correction=False`` uses m_t and v_t themselves (Chapter 8 shows why that is wrong:
    the first step is about 3.16 lr with the default betas). ``amsgrad=True`` divides by the
    running maximum of v_t instead of v_t, as ``torch.optim.Adam(amsgrad=True)`` does. With
    bias correction, matches ``torch.optim.Adam``; ``weight_decay`` is L2, added to the gradient
    (for decoupled decay use :class:`AdamW`).
    """

    buffers = ("m", "v", "v_max")
    shown = ("lr", "betas", "eps")

    def __init__(self, lr: float, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 bias_correction: bool = True, amsgrad: bool = False):
        where = type(self).__name__
        self.betas = _betas(betas, where)
        self.eps = check.positive_number(eps, "eps", where)
        self.bias_correction = _flag(bias_correction, "bias_correction", where)
        self.amsgrad = _flag(amsgrad, "amsgrad", where)
        super().__init__(lr, weight_decay)

    def __repr__(self) -> str:
        text = super().__repr__()[:-1]
        text += "".join(f", {flag}={getattr(self, flag)}" for flag, default in
                        (("bias_correction", True), ("amsgrad", False)) if getattr(self, flag) != default)
        return text + ")"

    def _update(self, theta, g):
        beta1, beta2 = self.betas
        self.m = beta1 * self.m + (1 - beta1) * g
        self.v = beta2 * self.v + (1 - beta2) * g**2
        if self.amsgrad:
            self.v_max = np.maximum(self.v_max, self.v)
        m_hat, v_hat = self.moments()
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the moments ``(m_hat, v_hat)`` after the latest step (Chapter 8, eq. ``eq-bias-correction``).

        ``m_hat = m_t / (1 - beta1^t)`` and ``v_hat = v_t / (1 - beta2^t)``, the pair the step
        divides; with ``bias_correction=False``, ``m_t`` and ``v_t`` themselves; with
        ``amsgrad=True``, the running maximum ``v_max`` stands in for ``v_t`` (and is corrected
        the same way, as in torch). The stored buffers stay uncorrected.
        """
        if self.t == 0:
            raise ValueError(f"{type(self).__name__}.moments: no step taken yet, so there are no moments")
        beta1, beta2 = self.betas
        v = self.v_max if self.amsgrad else self.v
        if not self.bias_correction:
            return self.m.copy(), v.copy()
        return self.m / (1 - beta1**self.t), v / (1 - beta2**self.t)


class AdamW(Adam):
    """Adam with decoupled weight decay (Chapter 9; Loshchilov and Hutter):

        theta <- theta (1 - lr weight_decay),   then the Adam step with the raw gradient g_t

    The decay shrinks the parameters directly instead of entering m and v as L2's
    ``weight_decay * theta`` would. Matches ``torch.optim.AdamW`` (default ``weight_decay=0.01``;
    ``amsgrad`` as in :class:`Adam`).
    """

    def __init__(self, lr: float, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.01,
                 amsgrad: bool = False):
        super().__init__(lr, betas, eps, weight_decay, amsgrad=amsgrad)

    def _with_weight_decay(self, theta, grad):
        return grad  # decoupled: the decay acts on theta in _update, not through the gradient

    def _update(self, theta, g):
        return super()._update(theta * (1 - self.lr * self.weight_decay), g)


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
        P = check.as_float_array(preconditioner, "preconditioner", where, min_ndim=1)
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
        H = check.as_float_array(hessian, "hessian", where)
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
