"""Models with a flat parameter vector and a hand-written backward pass (Chapters 2 and 3).

Every model has ``params`` (a flat float64 vector, its current theta), ``n_params``, and

* ``model(x, params=None)``: the predictions (logits for classifiers);
* ``model.forward(x, params)``: predictions and a cache of intermediate values;
* ``model.backward(cache, dpred)``: the vector-Jacobian product ``J^T dpred``, i.e. the
  gradient of a loss with respect to the parameters given its gradient ``dpred`` with respect
  to the predictions (the backward pass of Chapter 3);
* ``model.loss(name, x, y, params=None)`` and ``model.loss_and_grad(name, x, y, params=None)``
  for a loss of :mod:`optimlab.losses` named ``"mse"``, ``"bce_with_logits"``, ...

``params=None`` means the model's own ``params``. Nothing here changes ``params``: optimizers
return new parameter vectors, and the caller decides what to keep.
"""

from __future__ import annotations

import numpy as np

from . import _validate as v
from . import losses

__all__ = ["Model", "Line", "Gabor", "MLP", "activation", "init_std"]


# --------------------------------------------------------------------------- activations
def _relu(a):
    return np.maximum(a, 0.0)


def _relu_grad(a):
    return (np.asarray(a) > 0).astype(np.float64)  # 0 at the kink a = 0, as in torch


def _tanh_grad(a):
    return 1.0 - np.tanh(a) ** 2


def _sigmoid_grad(a):
    s = losses.sigmoid(a)
    return s * (1.0 - s)


_ACTIVATIONS = {
    "relu": (_relu, _relu_grad),
    "tanh": (np.tanh, _tanh_grad),
    "sigmoid": (losses.sigmoid, _sigmoid_grad),
}


def activation(name: str):
    """``(function, derivative)`` of the activation ``"relu"``, ``"tanh"`` or ``"sigmoid"``.

    Chapter 3, eq. ``eq-activation-derivatives``: sig' = sig (1 - sig), tanh' = 1 - tanh^2 and
    relu'(a) = 1 for a > 0, else 0. ReLU has no derivative at 0; like torch, the book uses 0 there.
    """
    if name not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]


# --------------------------------------------------------------------------- base class
class Model:
    """Base class: parameter handling, validation, and losses built on forward/backward."""

    n_params: int

    def __init__(self, params):
        self.params = params

    @property
    def params(self) -> np.ndarray:
        return self._params

    @params.setter
    def params(self, value) -> None:
        self._params = self._check_params(value)

    def _check_params(self, params) -> np.ndarray:
        name = type(self).__name__
        params = v.as_float_array(params, "params", name)
        if params.shape != (self.n_params,):
            raise ValueError(f"{name}: params must be a flat vector of shape ({self.n_params},), "
                             f"got shape {params.shape}")
        return params

    def _check_x(self, x) -> np.ndarray:
        x = v.as_float_array(x, "x", type(self).__name__, min_ndim=1)
        if x.ndim != 1:
            raise ValueError(f"{type(self).__name__}: x must be a 1-D array of inputs, got shape {x.shape}")
        return x

    def _resolve(self, params) -> np.ndarray:
        return self._params if params is None else self._check_params(params)

    def forward(self, x, params=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, cache, dpred) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x, params=None) -> np.ndarray:
        return self.forward(x, params)[0]

    def loss(self, name: str, x, y, params=None) -> float:
        """The loss ``name`` of the model's predictions on ``(x, y)``."""
        loss, _ = losses.loss_and_grad_functions(name)
        return loss(self(x, params), y)

    def loss_and_grad(self, name: str, x, y, params=None):
        """The loss ``name`` on ``(x, y)`` and its gradient with respect to the parameters."""
        loss, loss_grad = losses.loss_and_grad_functions(name)
        pred, cache = self.forward(x, params)
        return loss(pred, y), self.backward(cache, loss_grad(pred, y))


# --------------------------------------------------------------------------- two-parameter models
class Line(Model):
    """The line ``f(x; theta) = theta_0 + theta_1 x`` (Chapter 2, eq. ``eq-line``)."""

    n_params = 2

    def __init__(self, params=(0.0, 0.0)):
        super().__init__(params)

    def forward(self, x, params=None):
        theta = self._resolve(params)
        x = self._check_x(x)
        return theta[0] + theta[1] * x, x

    def backward(self, cache, dpred) -> np.ndarray:
        x = cache
        dpred = np.asarray(dpred, dtype=np.float64)
        return np.array([np.sum(dpred), np.sum(dpred * x)])


class Gabor(Model):
    """The seeds' Gabor model (Chapter 2, eq. ``eq-gabor``)::

        f(x; phi) = sin(phi_0 + 0.06 phi_1 x) * exp(-(phi_0 + 0.06 phi_1 x)^2 / 8)

    The envelope divides by 8.0 as in the DS 542 lecture; the *Understanding Deep Learning*
    notebooks divide by 32.0, a wider envelope and so a different loss surface.
    """

    n_params = 2
    scale = 0.06
    envelope = 8.0

    def __init__(self, params=(0.0, 16.6)):
        super().__init__(params)

    def forward(self, x, params=None):
        phi = self._resolve(params)
        x = self._check_x(x)
        u = phi[0] + self.scale * phi[1] * x
        gauss = np.exp(-(u**2) / self.envelope)
        return np.sin(u) * gauss, (x, u, gauss)

    def backward(self, cache, dpred) -> np.ndarray:
        x, u, gauss = cache
        df_du = gauss * (np.cos(u) - np.sin(u) * 2 * u / self.envelope)
        upstream = np.asarray(dpred, dtype=np.float64) * df_du
        return np.array([np.sum(upstream), np.sum(upstream * self.scale * x)])


# --------------------------------------------------------------------------- multilayer perceptron
_INITS = ("lecun", "xavier", "he")


def _check_init(init):
    """``init`` if it names a scheme of :func:`init_std` or is a positive finite gain; else ``ValueError``."""
    if isinstance(init, str):
        if init not in _INITS:
            raise ValueError(f"MLP: unknown init {init!r}; choose one of {list(_INITS)} or a positive gain such as 0.5")
        return init
    if isinstance(init, bool) or not isinstance(init, (int, float, np.integer, np.floating)) \
            or not np.isfinite(init) or init <= 0:
        raise ValueError(f"MLP: init must be one of {list(_INITS)} or a positive finite gain, got {init!r}")
    return float(init)


def init_std(init, d_in: int, d_out: int) -> float:
    """Standard deviation of the initial weights of a layer with ``d_in`` inputs and ``d_out`` outputs.

    Chapter 3, eq. ``eq-init``: ``"lecun"`` sqrt(1/d_in), ``"xavier"`` sqrt(2/(d_in + d_out)),
    ``"he"`` sqrt(2/d_in); a positive number c gives c/sqrt(d_in).
    """
    init = _check_init(init)
    if isinstance(d_in, bool) or isinstance(d_out, bool) or int(d_in) != d_in or int(d_out) != d_out \
            or d_in < 1 or d_out < 1:
        raise ValueError(f"init_std: d_in and d_out must be positive integers, got {d_in!r} and {d_out!r}")
    if init == "xavier":
        return float(np.sqrt(2.0 / (d_in + d_out)))
    gain = {"lecun": 1.0, "he": np.sqrt(2.0)}.get(init, init)
    return float(gain / np.sqrt(d_in))


class MLP(Model):
    """A fully connected network with a hand-written backward pass (Chapter 3).

    ``sizes = [d_in, h_1, ..., d_out]``. Each layer computes ``a = h W^T + b`` (W of shape
    (d_out, d_in), as in ``torch.nn.Linear``); hidden layers apply ``activation``, the last
    layer is linear, so its outputs are regression values or logits. Inputs ``x`` have shape
    (n, d_in), or (n,) when d_in = 1; with d_out = 1 the output has shape (n,).

    The parameters are one flat vector, the layers' (W, b) in order; :meth:`layers` gives views.
    Biases start at 0; each weight matrix of shape (d_out, d_in) starts as N(0, s^2) draws from
    ``seed``, with the standard deviation s set by ``init`` (Chapter 3, eq. ``eq-init``):

    * ``"lecun"`` (the default): s^2 = 1 / d_in (LeCun et al., 1998);
    * ``"xavier"``: s^2 = 2 / (d_in + d_out) (Glorot and Bengio, 2010; torch's ``xavier_normal_``);
    * ``"he"``: s^2 = 2 / d_in (He et al., 2015; torch's ``kaiming_normal_``);
    * a positive number c: s = c / sqrt(d_in), so ``1.0`` is ``"lecun"`` and ``sqrt(2)`` is ``"he"``.
    """

    def __init__(self, sizes, activation_name: str = "tanh", seed: int = 0, params=None, init="lecun"):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP: sizes must list at least an input and an output width, all >= 1, got {sizes}")
        self.sizes = sizes
        self.activation_name = activation_name
        self._act, self._act_grad = activation(activation_name)
        self.shapes = [((d_out, d_in), (d_out,)) for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True)]
        self.n_params = sum(w[0] * w[1] + b[0] for w, b in self.shapes)
        self.init = _check_init(init)
        if params is None:
            rng = np.random.default_rng(seed)
            params = np.concatenate([
                np.concatenate([rng.normal(0.0, init_std(self.init, w[1], w[0]), size=w).ravel(), np.zeros(b)])
                for w, b in self.shapes
            ])
        super().__init__(params)

    def layers(self, params=None):
        """``[(W_1, b_1), ..., (W_D, b_D)]`` as views into the flat parameter vector."""
        flat = self._resolve(params)
        out, i = [], 0
        for (w_shape, b_shape) in self.shapes:
            n_w = w_shape[0] * w_shape[1]
            out.append((flat[i:i + n_w].reshape(w_shape), flat[i + n_w:i + n_w + b_shape[0]]))
            i += n_w + b_shape[0]
        return out

    def _check_x(self, x) -> np.ndarray:
        x = v.as_float_array(x, "x", "MLP", min_ndim=1)
        if x.ndim == 1 and self.sizes[0] == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"MLP: x must have shape (n, {self.sizes[0]}), got shape {x.shape}")
        return x

    def forward(self, x, params=None, keep_cache: bool = True):
        """Forward pass (Chapter 3, eq. ``eq-forward``).

        The cache holds every layer's input and pre-activation for the backward pass, so its
        size grows with the depth and the number of examples. With ``keep_cache=False`` nothing
        is kept (prediction only, like ``torch.no_grad``): each layer's arrays can be freed as
        soon as the next layer has been computed, and the cache returned is ``None``.
        """
        h = self._check_x(x)
        layers = self.layers(params)
        cache = []
        for k, (W, b) in enumerate(layers, start=1):  # layer k = 1, ..., D
            a = h @ W.T + b
            if keep_cache:
                cache.append((h, a))
            h = a if k == len(layers) else self._act(a)
        out = h[:, 0] if self.sizes[-1] == 1 else h
        return out, ((layers, cache) if keep_cache else None)

    def __call__(self, x, params=None) -> np.ndarray:
        """The predictions (logits for a classifier), without keeping a cache for a backward pass."""
        return self.forward(x, params, keep_cache=False)[0]

    def backward(self, cache, dpred) -> np.ndarray:
        """Backward pass (Chapter 3, eq. ``eq-backward``).

        Returns the gradients of all W and b, flattened like ``params``.
        """
        layers, stored = cache          # position k - 1 holds layer k
        delta = np.asarray(dpred, dtype=np.float64)   # delta_D = dL/da_D
        if delta.ndim == 1:
            delta = delta[:, None]
        grads = []
        for k in range(len(layers), 0, -1):           # k = D, ..., 1
            W, _ = layers[k - 1]                      # W_k
            h_in, _ = stored[k - 1]                   # h_(k-1)
            grads.append((delta.T @ h_in, delta.sum(axis=0)))  # dW_k, db_k
            if k > 1:
                _, a_below = stored[k - 2]            # a_(k-1)
                delta = (delta @ W) * self._act_grad(a_below)  # delta_(k-1)
        flat = [np.concatenate([dW.ravel(), db])
                for dW, db in reversed(grads)]
        return np.concatenate(flat)
