"""Losses derived from maximum likelihood (Chapter 1) and their gradients.

Every loss is the *mean* over examples, as in ``torch.nn.functional`` by default. Each loss has a
``*_grad`` twin returning the gradient with respect to its first argument (the prediction or the
logits). All functions take array-likes, return float64, and raise ``ValueError`` on bad input.

Equation labels refer to Chapter 1, ``chapters/01_losses_mle.ipynb``.
"""

from __future__ import annotations

import numpy as np

from . import _validate as v

__all__ = [
    "mse",
    "mse_grad",
    "gaussian_nll",
    "gaussian_nll_grad",
    "mae",
    "mae_grad",
    "huber",
    "huber_grad",
    "sigmoid",
    "softplus",
    "bce_with_logits",
    "bce_with_logits_grad",
    "softmax",
    "log_softmax",
    "logsumexp",
    "cross_entropy",
    "cross_entropy_grad",
    "entropy",
    "kl_divergence",
    "kl_divergence_grad",
    "loss_and_grad_functions",
]


# --------------------------------------------------------------------------- regression losses
def _pred_and_target(pred, target, where: str):
    pred = v.as_float_array(pred, "pred", where)
    target = v.as_float_array(target, "target", where)
    v.same_shape(pred, target, "pred", "target", where)
    if pred.size == 0:
        raise ValueError(f"{where}: pred and target are empty; a loss needs at least one example")
    return pred, target


def mse(pred, target) -> float:
    """Mean squared error, ``mean((pred - target)**2)`` (Chapter 1, eq. ``eq-mse``).

    The 1/(2n) and plain-sum conventions of other texts only rescale this loss and its gradient.
    """
    pred, target = _pred_and_target(pred, target, "mse")
    return float(np.mean((pred - target) ** 2))


def mse_grad(pred, target) -> np.ndarray:
    """Gradient of :func:`mse` with respect to ``pred``: ``2 (pred - target) / n``."""
    pred, target = _pred_and_target(pred, target, "mse_grad")
    return 2.0 * (pred - target) / pred.size


def _sigma_like(sigma, pred: np.ndarray, where: str) -> np.ndarray:
    sigma = v.as_float_array(sigma, "sigma", where)
    if sigma.ndim and sigma.shape != pred.shape:
        raise ValueError(
            f"{where}: sigma must be a scalar or have the shape of pred {pred.shape}, "
            f"got shape {sigma.shape}"
        )
    if np.any(sigma <= 0):
        raise ValueError(f"{where}: sigma is a standard deviation and must be > 0, got {sigma.min()!r}")
    return sigma


def gaussian_nll(pred, target, sigma=1.0) -> float:
    """Mean negative log-likelihood of ``target`` under N(pred, sigma^2) (Chapter 1, eq. ``eq-gaussian-nll``).

    ``mean(0.5 log(2 pi sigma^2) + (target - pred)^2 / (2 sigma^2))``, which equals
    ``torch.nn.functional.gaussian_nll_loss(pred, target, sigma**2, full=True)``.
    """
    pred, target = _pred_and_target(pred, target, "gaussian_nll")
    sigma = _sigma_like(sigma, pred, "gaussian_nll")
    variance = sigma**2
    per_example = 0.5 * np.log(2 * np.pi * variance) + (target - pred) ** 2 / (2 * variance)
    return float(np.mean(per_example))


def gaussian_nll_grad(pred, target, sigma=1.0) -> np.ndarray:
    """Gradient of :func:`gaussian_nll` with respect to ``pred``: ``(pred - target) / (sigma^2 n)``."""
    pred, target = _pred_and_target(pred, target, "gaussian_nll_grad")
    sigma = _sigma_like(sigma, pred, "gaussian_nll_grad")
    return (pred - target) / (sigma**2 * pred.size)


# --------------------------------------------------------------------------- robust regression losses
def mae(pred, target) -> float:
    """Mean absolute error, ``mean(|pred - target|)`` (Chapter 1, eq. ``eq-mae``).

    The negative log-likelihood of Laplace noise with a fixed scale, up to a constant and a
    positive factor (eq. ``eq-laplace-nll``); equals ``torch.nn.functional.l1_loss``.
    """
    pred, target = _pred_and_target(pred, target, "mae")
    return float(np.mean(np.abs(pred - target)))


def mae_grad(pred, target) -> np.ndarray:
    """Gradient of :func:`mae` with respect to ``pred``: ``sign(pred - target) / n``.

    ``|r|`` has no derivative at ``r = 0``; like torch (whose ``sign(0)`` is 0), the book uses 0
    there, a valid subgradient.
    """
    pred, target = _pred_and_target(pred, target, "mae_grad")
    return np.sign(pred - target) / pred.size


def _delta(delta, where: str) -> float:
    return v.positive_number(delta, "delta", where)


def huber(pred, target, delta=1.0) -> float:
    """Huber's loss, the mean of ``r^2 / 2`` for ``|r| <= delta`` and ``delta (|r| - delta / 2)`` beyond,
    with ``r = pred - target`` (Chapter 1, eq. ``eq-huber``; Huber 1964).

    Quadratic near zero like half the squared error, linear in the tails like the absolute error
    times ``delta``; equals ``torch.nn.functional.huber_loss(pred, target, delta=delta)``.
    """
    pred, target = _pred_and_target(pred, target, "huber")
    delta = _delta(delta, "huber")
    size = np.abs(pred - target)
    per_example = np.where(size <= delta, 0.5 * size**2, delta * (size - 0.5 * delta))
    return float(np.mean(per_example))


def huber_grad(pred, target, delta=1.0) -> np.ndarray:
    """Gradient of :func:`huber` with respect to ``pred``: ``clip(pred - target, -delta, delta) / n``.

    Each example pulls with a force of at most ``delta / n``, however far its target lies.
    """
    pred, target = _pred_and_target(pred, target, "huber_grad")
    delta = _delta(delta, "huber_grad")
    return np.clip(pred - target, -delta, delta) / pred.size


# --------------------------------------------------------------------------- binary outputs
def sigmoid(z) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-z))``, evaluated without overflow for any finite z (eq. ``eq-sigmoid``)."""
    z = v.as_float_array(z, "z", "sigmoid")
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(z) -> np.ndarray:
    """``log(1 + exp(z))`` without overflow: ``max(z, 0) + log1p(exp(-|z|))`` (eq. ``eq-bce-logits``)."""
    z = v.as_float_array(z, "z", "softplus")
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _logits_and_targets(logits, targets, where: str):
    logits, targets = _pred_and_target(logits, targets, where)
    v.probabilities(targets, "targets", where)
    return logits, targets


def bce_with_logits(logits, targets) -> float:
    """Binary cross-entropy of targets in [0, 1] given logits z (Chapter 1, eq. ``eq-bce-logits``).

    ``mean(softplus(z) - y z)``, the stable form of ``-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z))``;
    equals ``torch.nn.functional.binary_cross_entropy_with_logits``.
    """
    logits, targets = _logits_and_targets(logits, targets, "bce_with_logits")
    return float(np.mean(softplus(logits) - targets * logits))


def bce_with_logits_grad(logits, targets) -> np.ndarray:
    """Gradient of :func:`bce_with_logits` with respect to the logits: ``(sigmoid(z) - y) / n``."""
    logits, targets = _logits_and_targets(logits, targets, "bce_with_logits_grad")
    return (sigmoid(logits) - targets) / logits.size


# --------------------------------------------------------------------------- categorical outputs
def logsumexp(z, axis: int = -1) -> np.ndarray:
    """``log(sum(exp(z)))`` along ``axis``, shifted by the maximum so it never overflows (eq. ``eq-logsumexp``)."""
    z = v.as_float_array(z, "z", "logsumexp", min_ndim=1)
    top = np.max(z, axis=axis, keepdims=True)
    with np.errstate(over="ignore"):  # see log_softmax
        shifted = z - top
    return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(shifted), axis=axis))


def log_softmax(z, axis: int = -1) -> np.ndarray:
    """``z - logsumexp(z)`` along ``axis``: log-probabilities of a softmax, stable for any z.

    Computed as ``(z - max) - log(sum(exp(z - max)))`` so that the largest entry, whose
    log-probability is close to 0, keeps full relative precision.
    """
    z = v.as_float_array(z, "z", "log_softmax", min_ndim=1)
    with np.errstate(over="ignore"):  # z - max may round to -inf for |z| near 1e308: exp gives 0
        shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z, axis: int = -1) -> np.ndarray:
    """Softmax ``exp(z_k) / sum_j exp(z_j)`` along ``axis`` (Chapter 1, eq. ``eq-softmax``), stable for any z."""
    return np.exp(log_softmax(z, axis=axis))


def _logits_and_labels(logits, labels, where: str):
    logits = v.as_float_array(logits, "logits", where)
    if logits.ndim != 2 or logits.shape[0] == 0 or logits.shape[1] < 2:
        raise ValueError(
            f"{where}: logits must have shape (n, k) with n >= 1 examples and k >= 2 classes, "
            f"got shape {logits.shape}"
        )
    labels = v.class_labels(labels, logits.shape[1], logits.shape[0], where)
    return logits, labels


def cross_entropy(logits, labels) -> float:
    """Mean cross-entropy of integer ``labels`` given ``logits`` of shape (n, k) (Chapter 1, eq. ``eq-cross-entropy``).

    ``mean(logsumexp(z_i) - z_{i, y_i})``; equals ``torch.nn.functional.cross_entropy``.
    """
    logits, labels = _logits_and_labels(logits, labels, "cross_entropy")
    rows = np.arange(len(labels))
    return float(np.mean(logsumexp(logits) - logits[rows, labels]))


def cross_entropy_grad(logits, labels) -> np.ndarray:
    """Gradient of :func:`cross_entropy` with respect to the logits: ``(softmax(z) - onehot(y)) / n``."""
    logits, labels = _logits_and_labels(logits, labels, "cross_entropy_grad")
    grad = softmax(logits)
    grad[np.arange(len(labels)), labels] -= 1.0
    return grad / len(labels)


# --------------------------------------------------------------------------- distributions
def _distribution(p, name: str, where: str) -> np.ndarray:
    p = v.as_float_array(p, name, where, min_ndim=1)
    return v.distributions(p, name, where)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * log(y)`` with the convention ``0 log 0 = 0``."""
    safe_y = np.where(x > 0, y, 1.0)
    with np.errstate(divide="ignore"):
        return np.where(x > 0, x * np.log(safe_y), 0.0)


def entropy(p) -> float:
    """Entropy ``H(p) = -sum_k p_k log p_k`` in nats (Chapter 1, eq. ``eq-kl``); mean over rows for a batch."""
    p = _distribution(p, "p", "entropy")
    return float(np.mean(-np.sum(_xlogy(p, p), axis=-1)))


def kl_divergence(p, q) -> float:
    """``KL(p || q) = sum_k p_k log(p_k / q_k)`` in nats (Chapter 1, eq. ``eq-kl``).

    ``p`` and ``q`` are distributions along the last axis; for a batch of shape (n, k) the result
    is the mean over rows (torch's ``kl_div(log q, p, reduction="batchmean")``). It is ``inf``
    where q puts zero mass on an outcome that p considers possible.
    """
    p = _distribution(p, "p", "kl_divergence")
    q = _distribution(q, "q", "kl_divergence")
    v.same_shape(p, q, "p", "q", "kl_divergence")
    return float(np.mean(np.sum(_xlogy(p, p) - _xlogy(p, q), axis=-1)))


def kl_divergence_grad(p, q) -> np.ndarray:
    """Gradient of :func:`kl_divergence` with respect to ``q`` (entries of q treated as free): ``-p / q / n``."""
    p = _distribution(p, "p", "kl_divergence_grad")
    q = _distribution(q, "q", "kl_divergence_grad")
    v.same_shape(p, q, "p", "q", "kl_divergence_grad")
    rows = 1 if p.ndim == 1 else int(np.prod(p.shape[:-1]))
    with np.errstate(divide="ignore"):
        grad = np.where(p > 0, -p / np.where(q > 0, q, 1.0), 0.0)
        grad = np.where((p > 0) & (q == 0), -np.inf, grad)
    return grad / rows


# --------------------------------------------------------------------------- lookup by name
_PAIRS = {
    "mse": (mse, mse_grad),
    "gaussian_nll": (gaussian_nll, gaussian_nll_grad),
    "mae": (mae, mae_grad),
    "huber": (huber, huber_grad),
    "bce_with_logits": (bce_with_logits, bce_with_logits_grad),
    "cross_entropy": (cross_entropy, cross_entropy_grad),
}


def loss_and_grad_functions(name: str):
    """The pair ``(loss, loss_grad)`` for a loss named ``"mse"``, ``"gaussian_nll"``, ``"mae"``,
    ``"huber"``, ``"bce_with_logits"`` or ``"cross_entropy"`` (models and training loops use this).

    Losses with a parameter use its default here: ``sigma=1`` for ``gaussian_nll``, and
    ``delta=1`` (torch's default) for ``huber``.
    """
    if name not in _PAIRS:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(_PAIRS)}")
    return _PAIRS[name]
