"""Adaptive methods beyond torch's classes, and the theory of Adam's moments (Chapters 7 and 8).

The book's adaptive optimizers are :class:`optimlab.optimizers.AdaGrad`, :class:`~optimlab.optimizers.RMSProp`
and :class:`~optimlab.optimizers.Adam`, each equal to its ``torch.optim`` twin. This module holds
what Chapters 7 and 8 need around them:

- :func:`effective_lr`: the step size each coordinate actually gets, ``lr / (sqrt(state) + eps)``
  (Chapter 7, eq. ``eq-effective-lr``);
- :class:`NormalizedGradient`: the gradient divided by its own magnitude, which leaves its sign
  (Chapter 7, eq. ``eq-normalized``);
- :class:`EpsInsideAdam`: Adam with eps inside the square root, as some sources write it (Chapter 7);
- :class:`OnlineCounterexample` and :func:`run_online`: the convex online problem on which Adam
  does not converge (Reddi, Kale and Kumar 2018, Theorem 1; Chapter 7);
- :func:`moment_bias` and :func:`moment_paths`: how far the zero-started moments fall short of
  the quantity they estimate (Chapter 8, eq. ``eq-moment-bias``);
- :class:`EfficientAdam` and :func:`explicit_eps`: the "efficient" form of Adam, which folds the
  bias correction into the step size (Chapter 8, eq. ``eq-efficient-adam``).

NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as check
from .optimizers import AdaGrad, Adam, Optimizer, RMSProp, _betas, _flag

__all__ = ["effective_lr", "NormalizedGradient", "OnlineCounterexample", "OnlineRun", "run_online",
           "moment_bias", "moment_paths", "EfficientAdam", "explicit_eps", "EpsInsideAdam"]


def effective_lr(optimizer) -> np.ndarray:
    """Per-coordinate learning rates of an adaptive optimizer after its latest step (Chapter 7, ``eq-effective-lr``).

    Each method's step is ``lr * direction / (sqrt(q) + eps)``, elementwise, for a state ``q``:
    AdaGrad's sum ``G_t``, RMSProp's average ``v_t``, Adam's ``v_hat`` (as :meth:`Adam.moments`
    gives it: corrected unless ``bias_correction=False``, and from ``v_max`` with AMSGrad). This
    returns ``lr / (sqrt(q) + eps)``, the rate that multiplies the gradient (for AdaGrad and
    RMSProp; with weight decay, the gradient plus ``weight_decay * theta``) or ``m_hat`` (for
    Adam) in each coordinate: ``lr / sqrt(q + eps)`` for :class:`EpsInsideAdam`, and with
    :func:`explicit_eps`'s eps for :class:`EfficientAdam`. It uses the optimizer's current
    ``lr``: the rate of the next step if the state did not change.
    """
    where = "effective_lr"
    if not isinstance(optimizer, (AdaGrad, RMSProp, Adam)):
        raise ValueError(f"{where}: needs an AdaGrad, RMSProp or Adam optimizer, got {type(optimizer).__name__}")
    if optimizer.t == 0:
        raise ValueError(f"{where}: {type(optimizer).__name__} has taken no step yet; its rates come "
                         "from the gradients it has seen")
    if isinstance(optimizer, AdaGrad):
        state = optimizer.G
    elif isinstance(optimizer, RMSProp):
        state = optimizer.v
    else:
        state = optimizer.moments()[1]
    eps = optimizer.eps
    if isinstance(optimizer, EpsInsideAdam):
        return optimizer.lr / np.sqrt(state + eps)
    if isinstance(optimizer, EfficientAdam):
        eps = explicit_eps(eps, optimizer.betas[1], optimizer.t)
    return optimizer.lr / (np.sqrt(state) + eps)


class NormalizedGradient(Optimizer):
    """Gradient descent on elementwise-normalized gradients (Chapter 7, eq. ``eq-normalized``):

        theta_t = theta_{t-1} - lr g_t / (sqrt(g_t^2) + eps)

    the form of the DS 542 lecture (Gardos), with squares, roots and division elementwise. Since
    ``sqrt(g^2) = |g|``, each coordinate moves ``lr * sign(g)`` (a little less where ``|g|`` is
    comparable to ``eps``): this is sign descent (signSGD), not division by the norm ``||g||``,
    which would keep the gradient's direction. Every coordinate moves the same fixed distance
    whatever the gradient's size, so with a fixed ``lr`` the iterates settle at a minimum only if
    they happen to land on it exactly. It is RMSProp with ``alpha = 0``.
    """

    shown = ("lr", "eps")

    def __init__(self, lr: float, eps: float = 1e-8):
        self.eps = check.positive_number(eps, "eps", type(self).__name__)
        super().__init__(lr)

    def _update(self, theta, g):
        return theta - self.lr * g / (np.sqrt(g**2) + self.eps)


@dataclass(frozen=True)
class OnlineCounterexample:
    """Reddi, Kale and Kumar's online problem (2018, Theorem 1; Chapter 7, eq. ``eq-online-counterexample``).

    On the interval ``[-1, 1]`` the loss at step t is ``f_t(x) = C x`` when ``t mod 3 == 1``
    and ``-x`` otherwise (t counts from 1). Over each period of three steps the losses add up to
    ``(C - 2) x``, so for ``C > 2`` the best fixed point is ``x = -1``. With ``beta1 = 0`` and
    ``beta2 = 1 / (1 + C^2)`` (:meth:`adam_betas`) and the step size ``lr / sqrt(t)``, Adam drifts
    to ``x = +1`` instead, given enough steps (slowly for a small ``lr``).
    """

    C: float = 3.0

    def __post_init__(self):
        C = check.positive_number(self.C, "C", "OnlineCounterexample")
        if not 2 < C <= 1e6:
            raise ValueError(f"OnlineCounterexample: C must exceed 2, so that x = -1 is the best point, "
                             f"and be at most 1e6, got {C!r}")

    bounds = (-1.0, 1.0)
    minimizer = -1.0

    def gradient(self, t: int) -> float:
        """The gradient of ``f_t`` (the same at every x): C on steps 1, 4, 7, ..., else -1."""
        t = check.integer(t, "t", "OnlineCounterexample.gradient", minimum=1)
        return float(self.C) if t % 3 == 1 else -1.0

    def loss(self, t: int, x) -> float:
        """``f_t(x)`` for a point ``x`` of ``[-1, 1]``."""
        where = "OnlineCounterexample.loss"
        x = check.as_float_array(x, "x", where)
        if x.ndim or not -1.0 <= x <= 1.0:
            raise ValueError(f"{where}: x must be a number in [-1, 1], got {x!r}")
        return self.gradient(t) * float(x)

    def adam_betas(self) -> tuple[float, float]:
        """The betas of Theorem 1: ``(0, 1 / (1 + C^2))``."""
        return (0.0, 1.0 / (1.0 + float(self.C) ** 2))


@dataclass
class OnlineRun:
    """The result of :func:`run_online` (Chapter 7): iterates ``xs`` (the start included) and the average regret.

    ``average_regret[T - 1]`` is ``(sum_{t <= T} f_t(x_t) - min_x sum_{t <= T} f_t(x)) / T``; an
    algorithm converges in the online sense when it tends to zero.
    """

    xs: np.ndarray
    average_regret: np.ndarray
    label: str = ""


def run_online(problem: OnlineCounterexample, optimizer, steps: int, x0: float = 0.0, label: str = "") -> OnlineRun:
    """Projected online descent with the step size ``lr / sqrt(t)`` (Chapter 7, eq. ``eq-online-counterexample``).

    The optimizer starts afresh (``reset()``). At step t its learning rate is set to
    ``base / sqrt(t)``, where ``base`` is its ``lr`` at the call, it steps on ``f_t``'s gradient
    at ``x_{t-1}``, and the result is clipped back into ``[-1, 1]`` (the projection onto an
    interval). Reddi et al. use this decaying step size, with which online gradient descent
    converges. The optimizer's ``lr`` is restored afterwards.
    """
    where = "run_online"
    if not isinstance(problem, OnlineCounterexample):
        raise ValueError(f"{where}: problem must be an OnlineCounterexample, got {type(problem).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"{where}: optimizer must be an optimlab optimizer instance such as Adam(0.1), "
                         f"got {optimizer!r}")
    steps = check.integer(steps, "steps", where, minimum=1)
    low, high = problem.bounds
    if isinstance(x0, bool) or not isinstance(x0, (int, float, np.integer, np.floating)) or not low <= x0 <= high:
        raise ValueError(f"{where}: x0 must be a number in [{low:g}, {high:g}], got {x0!r}")
    optimizer.reset()
    base = optimizer.lr
    x = np.array([float(x0)])
    xs, losses = [x[0]], []
    try:
        for t in range(1, steps + 1):
            losses.append(problem.loss(t, x[0]))
            optimizer.lr = base / np.sqrt(t)
            x = np.clip(optimizer.step(x, np.array([problem.gradient(t)])), low, high)
            xs.append(x[0])
    finally:
        optimizer.lr = base
    T = np.arange(1, steps + 1)
    gradient_sums = np.cumsum([problem.gradient(t) for t in T])
    best = np.minimum(gradient_sums * low, gradient_sums * high)
    return OnlineRun(np.array(xs), (np.cumsum(losses) - best) / T, str(label) or type(optimizer).__name__)


def moment_bias(beta, t) -> np.ndarray:
    """The factor ``1 - beta^t`` by which a zero-started moving average falls short (Chapter 8, eq. ``eq-moment-bias``).

    If the gradients are drawn from a fixed distribution, ``m_t = (1 - beta) sum_i beta^(t-i) g_i``
    has expectation ``(1 - beta^t) E[g]``, and ``v_t`` likewise ``(1 - beta2^t) E[g^2]``; dividing
    by this factor is Adam's bias correction. ``t`` (integers from 1) may be an array.
    """
    return _bias(beta, t, "moment_bias", "beta")


def _bias(beta, t, where: str, beta_name: str):
    beta = check.unit_interval(beta, beta_name, where)
    try:
        steps = np.asarray(t)
    except ValueError:
        steps = np.asarray(None)
    if steps.dtype.kind not in "iu" or isinstance(t, (bool, np.bool_)) or np.any(steps < 1):
        raise ValueError(f"{where}: t must be whole numbers of steps, counted from 1, got {t!r:.60}")
    return 1.0 - beta ** steps.astype(float)


def moment_paths(gradients, betas=(0.9, 0.999), bias_correction: bool = True) -> dict[str, np.ndarray]:
    """Adam's moments along a stream of gradients (Chapter 8): a dict of arrays ``m``, ``v``, ``m_hat``, ``v_hat``.

    ``gradients`` has shape ``(T, ...)``: row t - 1 is the gradient of step t, for any number of
    coordinates (or independent trials) at once. The moments come from an
    :class:`optimlab.optimizers.Adam` stepping on these gradients, so they are the optimizer's
    own (eq. ``eq-moment-bias`` gives their expectation); each output has the shape of
    ``gradients``. With ``bias_correction=False``, ``m_hat`` and ``v_hat`` hold the raw moments.
    """
    where = "moment_paths"
    grads = check.as_float_array(gradients, "gradients", where, min_ndim=1)
    if grads.shape[0] == 0:
        raise ValueError(f"{where}: gradients must hold at least one step")
    adam = Adam(lr=0.0, betas=_betas(betas, where), bias_correction=_flag(bias_correction, "bias_correction", where))
    theta = np.zeros(grads.shape[1:])
    paths = {name: np.empty_like(grads) for name in ("m", "v", "m_hat", "v_hat")}
    for k, g in enumerate(grads):
        adam.step(theta, g)
        paths["m"][k], paths["v"][k] = adam.m, adam.v
        paths["m_hat"][k], paths["v_hat"][k] = adam.moments()
    return paths


class EfficientAdam(Adam):
    """Adam with the bias correction folded into the step size (Chapter 8, eq. ``eq-efficient-adam``):

        alpha_t = lr sqrt(1 - beta2^t) / (1 - beta1^t),      theta_t = theta_{t-1} - alpha_t m_t / (sqrt(v_t) + eps)

    with the raw moments m_t, v_t of :class:`optimlab.optimizers.Adam`: Kingma and Ba's "more
    efficient" order of computation, in which they write the constant as a different epsilon,
    eps-hat (the NPFL114 lecture's box writes hatted moments here, an erratum). It equals ``Adam``
    with eps replaced by :func:`explicit_eps` at each step, so with the same eps the two differ
    slightly, most early on and where ``sqrt(v_hat)`` is near eps. No AMSGrad, no weight decay.
    """

    def __init__(self, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(lr, betas, eps)

    def step_size(self) -> float:
        """``alpha_t`` for the current step count t and ``lr`` (the latest step's, unless lr changed since)."""
        if self.t == 0:
            raise ValueError("EfficientAdam.step_size: no step taken yet")
        beta1, beta2 = self.betas
        return self.lr * np.sqrt(1 - beta2**self.t) / (1 - beta1**self.t)

    def _update(self, theta, g):
        super()._update(theta, g)  # advances m_t and v_t; Adam's own step is not used
        return theta - self.step_size() * self.m / (np.sqrt(self.v) + self.eps)


def explicit_eps(eps, beta2, t) -> np.ndarray:
    """The eps with which explicit Adam takes :class:`EfficientAdam`'s step t (Chapter 8, eq. ``eq-efficient-adam``).

    Dividing numerator and denominator of the efficient step by ``sqrt(1 - beta2^t)`` gives
    ``lr m_hat / (sqrt(v_hat) + eps / sqrt(1 - beta2^t))``: the explicit form with
    ``eps / sqrt(1 - beta2^t)``, which is about ``31.6 eps`` at t = 1 for ``beta2 = 0.999`` and
    tends to eps as t grows.
    """
    eps = check.positive_number(eps, "eps", "explicit_eps")
    return eps / np.sqrt(_bias(beta2, t, "explicit_eps", "beta2"))


class EpsInsideAdam(Adam):
    """Adam with eps *inside* the square root, as two of the book's sources write it (Chapter 7, eq. ``eq-adam``):

        theta_t = theta_{t-1} - lr m_hat / sqrt(v_hat + eps)

    The gradient-descent course and NPFL114 write Adam so (and the MI-SZI talk writes AdaGrad so,
    but Adam with eps outside). The moments are :class:`optimlab.optimizers.Adam`'s. Torch and the book put eps outside,
    ``sqrt(v_hat) + eps``. The two agree while ``v_hat`` is much larger than eps; for gradients
    smaller than about ``sqrt(eps)`` the root no longer normalizes the step, which then shrinks
    with the gradient (about ``lr / sqrt(eps)`` times ``m_hat``). Not an option of ``torch.optim``.
    """

    def __init__(self, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(lr, betas, eps)

    def _update(self, theta, g):
        super()._update(theta, g)  # advances m_t and v_t; Adam's own step is not used
        m_hat, v_hat = self.moments()
        return theta - self.lr * m_hat / np.sqrt(v_hat + self.eps)
