"""Training with PyTorch, on a GPU when there is one (Chapter 9).

The book's only torch module. It holds

* device selection (:func:`pick_device`, CUDA, then Apple's MPS, then the CPU) and
  :func:`describe_device`, which says what was chosen;
* the optimizers of Chapters 2, 6, 7 and 8 written again as ``torch.optim.Optimizer``
  subclasses, :class:`SGD`, :class:`Momentum`, :class:`Adam` and :class:`AdamW`, with tensor
  arithmetic only (the tests prove them equal to ``torch.optim`` step for step);
* the training loop (:func:`train`: zero_grad, forward, loss, backward, step) on scikit-learn's
  handwritten digits (:func:`digits`, split into training, validation and test sets), with a
  progress bar, returning train and validation curves;
* the measurements of what limits an optimizer step (:func:`copy_bandwidth`,
  :func:`adam_bandwidth`, :func:`bandwidth_table`) and of training speed (:func:`epoch_time`),
  all timed by :func:`seconds_per_call` or like it, which ``python -m optimlab.gpu [--quick]``
  prints as tables.

It needs only numpy, torch, scikit-learn and tqdm, so that ``PYTHONPATH=code python -m
optimlab.gpu`` runs where the package is not installed.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

#: Bytes an fp32 Adam step moves per parameter: it reads p, g, m, v and writes p, m, v (7 x 4).
ADAM_BYTES_PER_PARAMETER = 28
#: Bytes a copy moves per fp32 element: one read and one write.
COPY_BYTES_PER_ELEMENT = 8
#: Set this environment variable to 1 to run Chapter 9 at full size (meant for a GPU).
FULL_SIZE_VARIABLE = "OPTIMLAB_FULL"


# --------------------------------------------------------------------------- devices
def pick_device(prefer: str | None = None) -> torch.device:
    """The device to train on: CUDA if present, else Apple's MPS, else the CPU (Chapter 9).

    ``prefer`` ("cuda", "mps" or "cpu") asks for one device; it must be available.
    """
    available = {"cuda": torch.cuda.is_available(),
                 "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available(),
                 "cpu": True}
    if prefer is None:
        return torch.device(next(name for name in ("cuda", "mps", "cpu") if available[name]))
    if prefer not in available:
        raise ValueError(f"pick_device: prefer must be one of 'cuda', 'mps', 'cpu' or None, got {prefer!r}")
    if not available[prefer]:
        raise ValueError(f"pick_device: {prefer!r} was asked for, but this machine has none "
                         f"(available: {', '.join(n for n, ok in available.items() if ok)})")
    return torch.device(prefer)


def describe_device(device: torch.device | str) -> str:
    """One line naming the device: the GPU's model, or the CPU and its number of threads."""
    device = torch.device(device)
    if device.type == "cuda":
        properties = torch.cuda.get_device_properties(device)
        return f"cuda: {properties.name}, {properties.total_memory / 2**30:.0f} GiB"
    if device.type == "mps":
        return f"mps: Apple GPU ({platform.machine()})"
    threads = torch.get_num_threads()
    return f"cpu: {_cpu_name()}, {threads} thread{'s' if threads != 1 else ''}"


def _cpu_name() -> str:
    """The CPU's model name where the system says it (Linux), else its architecture."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def synchronize(device: torch.device) -> None:
    """Wait until the device has finished its queued work (GPUs run asynchronously)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def full_size() -> bool:
    """Whether the environment asks for Chapter 9 at full size (``OPTIMLAB_FULL=1``)."""
    return os.environ.get(FULL_SIZE_VARIABLE, "0") == "1"


# --------------------------------------------------------------------------- optimizers
def _check_hyperparameters(where: str, lr, weight_decay, betas=None, eps=None, beta=None) -> None:
    def number(value, name, low, high, low_open=False, high_open=False):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{where}: {name} must be a finite number, got {value!r}")
        if value < low or value > high or (low_open and value == low) or (high_open and value == high):
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            raise ValueError(f"{where}: {name} must lie in {left}{low}, {high}{right}, got {value!r}")

    number(lr, "lr", 0.0, math.inf, low_open=True)
    number(weight_decay, "weight_decay", 0.0, math.inf)
    if beta is not None:
        number(beta, "beta", 0.0, 1.0, high_open=True)
    if betas is not None:
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
        number(betas[0], "beta1", 0.0, 1.0, high_open=True)
        number(betas[1], "beta2", 0.0, 1.0, high_open=True)
    if eps is not None:
        number(eps, "eps", 0.0, math.inf, low_open=True)


class SGD(torch.optim.Optimizer):
    """Gradient descent, theta <- theta - lr g (Chapter 2, ``eq-gd``).

    ``weight_decay`` adds the L2 term wd * theta to the gradient, as
    ``torch.optim.SGD`` does.
    """

    def __init__(self, params, lr: float, weight_decay: float = 0.0):
        _check_hyperparameters("SGD", lr, weight_decay)
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad if decay == 0 else p.grad + decay * p
                p.add_(g, alpha=-group["lr"])
        return loss


class Momentum(torch.optim.Optimizer):
    """Heavy-ball momentum, the book's form (Chapter 6, ``eq-heavy-ball``).

    b_1 = g_1, b_t = beta b_{t-1} + g_t, theta <- theta - lr b_t:
    ``torch.optim.SGD(momentum=beta)``.
    """

    def __init__(self, params, lr: float, beta: float = 0.9,
                 weight_decay: float = 0.0):
        _check_hyperparameters("Momentum", lr, weight_decay, beta=beta)
        defaults = {"lr": lr, "beta": beta, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad if decay == 0 else p.grad + decay * p
                state = self.state[p]
                if "b" not in state:
                    state["b"] = g.clone()                  # b_1 = g_1
                else:
                    state["b"].mul_(group["beta"]).add_(g)  # b_t
                p.add_(state["b"], alpha=-group["lr"])
        return loss


def adam_update_(p, g, m, v, step_size, root_correction,
                 beta1, beta2, eps):
    """One in-place Adam update (Chapter 8, ``eq-bias-correction``).

    ``step_size`` is lr / (1 - beta1^t) and ``root_correction`` is
    sqrt(1 - beta2^t), so that p - step_size m / (sqrt(v) / root_correction
    + eps) is the step of ``eq-bias-correction``. They are numbers, or
    0-dimensional tensors when the function is compiled (so that
    ``torch.compile`` does not compile it again for every t). Eager torch
    runs each call below as one pass over memory, seven in all (Chapter 9
    counts their bytes); ``torch.compile`` fuses them into one.
    """
    m.lerp_(g, 1 - beta1)                          # beta1 m + (1 - beta1) g
    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)  # beta2 v + (1-beta2) g^2
    denominator = v.sqrt().div_(root_correction).add_(eps)  # v_hat^.5+eps
    if isinstance(step_size, torch.Tensor):  # compiled: a tensor, divide
        p.addcdiv_(m, denominator.div_(step_size), value=-1)
    else:
        p.addcdiv_(m, denominator, value=-step_size)


class Adam(torch.optim.Optimizer):
    """Adam with bias correction (Chapters 7 and 8, ``eq-bias-correction``).

    The arguments and defaults are ``torch.optim.Adam``'s; ``weight_decay``
    is the L2 term added to the gradient. ``compiled=True`` runs
    :func:`adam_update_` through ``torch.compile``, which fuses the update
    into a single pass over p, g, m and v (worth it on a GPU; compiling
    takes tens of seconds on a CPU).
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0, compiled=False):
        _check_hyperparameters(type(self).__name__, lr, weight_decay,
                               betas=betas, eps=eps)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps,
                    "weight_decay": weight_decay}
        super().__init__(params, defaults)
        self.compiled = compiled
        self.update = adam_update_
        if compiled:
            self.update = torch.compile(adam_update_, dynamic=True)

    @torch.no_grad()
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2) = group["lr"], group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if wd != 0 and self.decoupled:
                    p.mul_(1 - lr * wd)  # AdamW: shrink theta, then step
                elif wd != 0:
                    g = g + wd * p       # Adam: L2 term in the gradient
                state = self.state[p]
                if not state:
                    state["t"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                state["t"] += 1
                t = state["t"]
                step_size = lr / (1 - beta1**t)
                root_correction = math.sqrt(1 - beta2**t)
                if self.compiled:  # 0-d tensors; torch.full does not wait
                    step_size = _scalar(step_size, p)
                    root_correction = _scalar(root_correction, p)
                self.update(p, g, state["m"], state["v"], step_size,
                            root_correction, beta1, beta2, eps)
        return loss


def _scalar(value: float, p: torch.Tensor) -> torch.Tensor:
    """``value`` as a 0-d tensor on p's device (float64 for float64 p, else float32).

    ``torch.full`` queues the value without waiting for a GPU, which
    ``torch.tensor(value, device=...)`` would do.
    """
    dtype = torch.float64 if p.dtype == torch.float64 else torch.float32
    return torch.full((), value, dtype=dtype, device=p.device)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov, Hutter; ``eq-adamw``).

    theta <- (1 - lr wd) theta, then the Adam step with the raw gradient;
    ``torch.optim.AdamW``'s arguments and defaults (``weight_decay=0.01``).
    """

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=1e-2, compiled=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps,
                         weight_decay=weight_decay, compiled=compiled)


def _evaluate(closure):
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


#: The chapter's optimizers by name, with torch.optim's counterpart of each.
OPTIMIZERS = {"SGD": SGD, "Momentum": Momentum, "Adam": Adam, "AdamW": AdamW}


def torch_counterpart(name: str, params, **hyper) -> torch.optim.Optimizer:
    """``torch.optim``'s version of the optimizer ``name`` in :data:`OPTIMIZERS`, same hyperparameters."""
    if name == "SGD":
        return torch.optim.SGD(params, **hyper)
    if name == "Momentum":
        hyper = dict(hyper)
        return torch.optim.SGD(params, momentum=hyper.pop("beta", 0.9), **hyper)
    if name in ("Adam", "AdamW"):
        return getattr(torch.optim, name)(params, **hyper)
    raise ValueError(f"torch_counterpart: name must be one of {', '.join(OPTIMIZERS)}, got {name!r}")


def make_optimizer(name: str, params, lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """The chapter's optimizer ``name`` ("SGD", "Momentum", "Adam" or "AdamW") at rate ``lr``."""
    if name not in OPTIMIZERS:
        raise ValueError(f"make_optimizer: name must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name](params, lr=lr, weight_decay=weight_decay)


# --------------------------------------------------------------------------- data and model
@dataclass
class Split:
    """A classification data set on one device: inputs ``x`` (n, 64) and labels ``y`` (n,)."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return len(self.y)


class Digits(NamedTuple):
    """The digits split three ways (Chapter 9): fit on ``train``, choose on ``validation``, and
    look at ``test`` once, after every choice is made."""

    train: Split
    validation: Split
    test: Split


def digits(seed: int = 0, device: torch.device | str = "cpu", train_size: int | None = None,
           held_out_fraction: float = 0.25) -> Digits:
    """Scikit-learn's 1797 handwritten digits (8 x 8 pixels, bundled, no download), split at random.

    A seeded permutation sets ``held_out_fraction`` of the examples aside (a quarter: 449) and
    halves them into a validation set (224) and a test set (225); the rest (1348) is for
    training. Pixels are scaled from 0..16 to 0..1. ``train_size`` keeps only the first examples
    of the training part (to make overfitting easy to see); the other two sets do not change with
    it. Returns the three sets as float32 tensors on ``device``.
    """
    from sklearn.datasets import load_digits

    if isinstance(held_out_fraction, bool) or not isinstance(held_out_fraction, (int, float)) \
            or not 0 < held_out_fraction < 1:
        raise ValueError(f"digits: held_out_fraction must lie in (0, 1), got {held_out_fraction!r}")
    images, labels = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(labels))
    held_out = int(round(held_out_fraction * len(labels)))
    if held_out < 2 or held_out > len(labels) - 1:
        raise ValueError(f"digits: held_out_fraction {held_out_fraction!r} leaves no validation, test or "
                         "training examples")
    train_rows, validation_rows, test_rows = order[held_out:], order[:held_out // 2], order[held_out // 2:held_out]
    if train_size is not None:
        if isinstance(train_size, bool) or not isinstance(train_size, int) or not 1 <= train_size <= len(train_rows):
            raise ValueError(f"digits: train_size must be an integer in [1, {len(train_rows)}], got {train_size!r}")
        train_rows = train_rows[:train_size]

    def split(rows):
        return Split(torch.tensor(images[rows] / 16.0, dtype=torch.float32, device=device),
                     torch.tensor(labels[rows], dtype=torch.long, device=device))

    return Digits(split(train_rows), split(validation_rows), split(test_rows))


def mlp(width: int, inputs: int = 64, classes: int = 10, depth: int = 1, seed: int = 0) -> nn.Sequential:
    """A ReLU multilayer perceptron with ``depth`` hidden layers of ``width`` units, seeded."""
    for name, value in (("width", width), ("inputs", inputs), ("classes", classes), ("depth", depth)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"mlp: {name} must be a positive integer, got {value!r}")
    torch.manual_seed(seed)
    layers, size = [], inputs
    for _ in range(depth):
        layers += [nn.Linear(size, width), nn.ReLU()]
        size = width
    return nn.Sequential(*layers, nn.Linear(size, classes))


# --------------------------------------------------------------------------- training
@dataclass
class Curves:
    """What :func:`train` measured after each epoch (index 0 is before training)."""

    train_loss: list[float] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    validation_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # time spent training, evaluation excluded
    diverged: bool = False

    def best_epoch(self) -> int:
        """The epoch with the lowest validation loss (early stopping would keep its weights)."""
        return int(np.argmin(self.validation_loss))


@torch.no_grad()
def evaluate(model: nn.Module, data: Split) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``data``, in evaluation mode."""
    model.eval()
    logits = model(data.x)
    loss = F.cross_entropy(logits, data.y).item()
    accuracy = (logits.argmax(dim=1) == data.y).float().mean().item()
    model.train()
    return loss, accuracy


def train(model: nn.Module, optimizer: torch.optim.Optimizer, train_data: Split, validation_data: Split,
          epochs: int, batch_size: int = 64, seed: int = 0, progress: bool = True) -> Curves:
    """Train ``model`` with mini-batches, the PyTorch loop of Chapter 9 (``eq-training-step``).

    Each step is ``optimizer.zero_grad()``, forward pass, cross-entropy loss, ``loss.backward()``,
    ``optimizer.step()``. The batches of each epoch come from a seeded random permutation. After
    each epoch the train and validation loss and accuracy are recorded, with the time spent
    training so far (evaluation not counted); a
    tqdm progress bar shows the epochs unless ``progress=False``. A non-finite loss in an epoch
    stops the run at the end of that epoch and sets ``diverged``; the curves keep only finite
    values.
    """
    from tqdm.auto import tqdm

    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"train: {name} must be a positive integer, got {value!r}")
    device = train_data.x.device
    generator = torch.Generator(device="cpu").manual_seed(seed)
    curves = Curves()
    _record(curves, model, train_data, validation_data, 0.0)
    bar = tqdm(range(epochs), desc="epochs", disable=not progress, leave=False)
    training_seconds = 0.0
    for _ in bar:
        start = time.perf_counter()
        order = torch.randperm(len(train_data), generator=generator).to(device)
        finite = torch.ones((), dtype=torch.bool, device=device)
        for batch in order.split(batch_size):
            optimizer.zero_grad()
            logits = model(train_data.x[batch])
            loss = F.cross_entropy(logits, train_data.y[batch])
            loss.backward()
            optimizer.step()
            finite &= torch.isfinite(loss)  # on the device: no waiting
        synchronize(device)
        training_seconds += time.perf_counter() - start
        if not finite.item():
            curves.diverged = True
            break
        _record(curves, model, train_data, validation_data, training_seconds)
        bar.set_postfix(train_loss=f"{curves.train_loss[-1]:.3f}", val_loss=f"{curves.validation_loss[-1]:.3f}")
        if not math.isfinite(curves.train_loss[-1]):
            curves.diverged = True
            _drop_last(curves)
            break
    bar.close()
    return curves


def _drop_last(curves: Curves) -> None:
    for values in (curves.train_loss, curves.train_accuracy, curves.validation_loss, curves.validation_accuracy,
                   curves.seconds):
        values.pop()


def _record(curves: Curves, model, train_data, validation_data, seconds: float) -> None:
    train_loss, train_accuracy = evaluate(model, train_data)
    validation_loss, validation_accuracy = evaluate(model, validation_data)
    curves.train_loss.append(train_loss)
    curves.train_accuracy.append(train_accuracy)
    curves.validation_loss.append(validation_loss)
    curves.validation_accuracy.append(validation_accuracy)
    curves.seconds.append(seconds)


def epoch_time(width: int, device: torch.device | str, epochs: int = 2, batch_size: int = 64,
               examples: int = 4096, seed: int = 0) -> float:
    """Seconds per epoch of training a width-``width`` MLP with Adam on ``examples`` random digits-shaped inputs.

    The first epoch warms the device up and is not counted; the mean of the rest is returned.
    """
    device = torch.device(device)
    generator = torch.Generator(device="cpu").manual_seed(seed)
    data = Split(torch.rand(examples, 64, generator=generator).to(device),
                 torch.randint(0, 10, (examples,), generator=generator).to(device))
    model = mlp(width, depth=2, seed=seed).to(device)
    optimizer = Adam(model.parameters(), lr=1e-3)
    curves = train(model, optimizer, data, data, epochs=epochs + 1, batch_size=batch_size, seed=seed,
                   progress=False)
    return (curves.seconds[-1] - curves.seconds[1]) / epochs


# --------------------------------------------------------------------------- what limits an optimizer step
def seconds_per_call(run: Callable[[], None], device: torch.device, repeats: int, statistic: str = "median",
                     calls: int = 1) -> float:
    """Seconds per call of ``run``: the median (or the minimum) of ``repeats`` samples, after two warm-up calls.

    Each sample times ``calls`` calls in a row and reads the clock only after the device has
    finished (:func:`synchronize`), since a GPU runs the work it is given asynchronously; several
    calls per sample keep the cost of that wait out of the time of a short call. The median
    resists the odd slow sample on a busy machine; the minimum (``statistic="min"``) is the
    machine's best, since other programs can only slow a call down.
    """
    for name, value in (("repeats", repeats), ("calls", calls)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"seconds_per_call: {name} must be a positive integer, got {value!r}")
    if statistic not in ("median", "min"):
        raise ValueError(f"seconds_per_call: statistic must be 'median' or 'min', got {statistic!r}")
    for _ in range(2):
        run()
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            run()
        synchronize(device)
        times.append((time.perf_counter() - start) / calls)
    return float(np.median(times) if statistic == "median" else np.min(times))


def _calls_per_sample(n: int, device: torch.device) -> int:
    """Enough calls per timing sample that waiting for a GPU (some microseconds) does not count."""
    return 1 if device.type == "cpu" else max(1, 2**26 // n)


def copy_bandwidth(n: int, device: torch.device | str, repeats: int = 10) -> float:
    """The device's copy bandwidth in GB/s for ``n`` fp32 numbers: each is read and written, 8 bytes.

    Measured in place, ``x.mul_(1.0)``, the way an optimizer updates its tensors. (An out-of-place
    copy on a CPU also reads every target line before writing it, 12 bytes per number, so it
    would understate what memory delivers to an in-place kernel; on a GPU the two agree.)
    """
    device = torch.device(device)
    numbers = torch.rand(n, device=device)
    seconds = seconds_per_call(lambda: numbers.mul_(1.0), device, repeats, calls=_calls_per_sample(n, device))
    return COPY_BYTES_PER_ELEMENT * n / seconds / 1e9


def adam_implementations(device: torch.device, compiled: bool = False) -> dict[str, Callable]:
    """The Adam implementations measured in Chapter 9, each a factory ``params -> optimizer``.

    "optimlab" is the chapter's own :class:`Adam` ("compiled": the same through ``torch.compile``,
    when ``compiled``); "foreach" and "fused" are ``torch.optim.Adam`` with its multi-tensor
    implementation and with its fused kernel.
    """
    implementations = {
        "optimlab": lambda params: Adam(params, lr=1e-3),
        "foreach": lambda params: torch.optim.Adam(params, lr=1e-3, foreach=True),
        "fused": lambda params: torch.optim.Adam(params, lr=1e-3, fused=True),
    }
    if compiled:
        implementations["compiled"] = lambda params: Adam(params, lr=1e-3, compiled=True)
    return implementations


def adam_bandwidth(make: Callable, n: int, device: torch.device | str, repeats: int = 10) -> float:
    """Achieved GB/s of one fp32 Adam step on ``n`` parameters (one tensor), at 28 bytes per parameter."""
    device = torch.device(device)
    parameter = torch.zeros(n, device=device, requires_grad=True)
    parameter.grad = torch.rand(n, device=device)
    optimizer = make([parameter])
    seconds = seconds_per_call(optimizer.step, device, repeats, calls=_calls_per_sample(n, device))
    return ADAM_BYTES_PER_PARAMETER * n / seconds / 1e9


@dataclass
class BandwidthRow:
    """One row of :func:`bandwidth_table`: GB/s of a copy and of each Adam, for ``n`` parameters."""

    n: int
    copy: float
    adam: dict[str, float]


def bandwidth_table(sizes: Iterable[int], device: torch.device | str, repeats: int = 10,
                    compiled: bool = False) -> list[BandwidthRow]:
    """Copy bandwidth and each Adam's achieved bandwidth for each parameter count in ``sizes``."""
    device = torch.device(device)
    implementations = adam_implementations(device, compiled=compiled)
    rows = []
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"bandwidth_table: sizes must be positive integers, got {n!r}")
        rows.append(BandwidthRow(n, copy_bandwidth(n, device, repeats),
                                 {name: adam_bandwidth(make, n, device, repeats)
                                  for name, make in implementations.items()}))
    return rows


def format_bandwidth_table(rows: list[BandwidthRow]) -> str:
    """The rows as a plain-text table of GB/s; after each Adam's, its fraction of the copy's."""
    names = list(rows[0].adam)
    lines = [f"{'N':>11} {'copy':>6} " + " ".join(f"{name:>14}" for name in names)]
    for row in rows:
        cells = " ".join(f"{gbs:>7.1f} ({gbs / row.copy:>4.0%})" for gbs in row.adam.values())
        lines.append(f"{row.n:>11,} {row.copy:>6.1f} {cells}")
    return "\n".join(lines)


def epoch_time_table(widths: Iterable[int], devices: Iterable[torch.device], epochs: int = 2) -> str:
    """Seconds per epoch for each width on each device, as a plain-text table."""
    devices = [torch.device(d) for d in devices]
    lines = [f"{'width':>8} " + " ".join(f"{d.type + ' s/epoch':>16}" for d in devices)
             + ("   speed-up" if len(devices) == 2 else "")]
    for width in widths:
        times = [epoch_time(width, d, epochs=epochs) for d in devices]
        speedup = f"   {times[0] / times[1]:8.1f}x" if len(times) == 2 else ""
        lines.append(f"{width:>8} " + " ".join(f"{s:>16.3f}" for s in times) + speedup)
    return "\n".join(lines)


def benchmark_sizes(device: torch.device, quick: bool) -> dict:
    """Parameter counts, widths and repeats for ``python -m optimlab.gpu`` on ``device``."""
    if quick:
        return {"parameters": [2**16, 2**20, 2**22], "widths": [64, 512], "repeats": 5, "epochs": 1}
    if device.type == "cpu":
        return {"parameters": [2**16, 2**20, 2**22, 2**24], "widths": [64, 256, 1024, 2048], "repeats": 10,
                "epochs": 2}
    return {"parameters": [2**16, 2**20, 2**24, 2**26, 2**28], "widths": [64, 256, 1024, 4096], "repeats": 20,
            "epochs": 3}


def main(argv: list[str] | None = None) -> None:
    """``python -m optimlab.gpu [--quick] [--device D]``: print Chapter 9's measurements as tables."""
    parser = argparse.ArgumentParser(prog="python -m optimlab.gpu", description=main.__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: under a minute on a CPU")
    parser.add_argument("--device", choices=["cuda", "mps", "cpu"], default=None,
                        help="the device to measure (default: CUDA, else MPS, else CPU)")
    parser.add_argument("--compiled", action=argparse.BooleanOptionalAction, default=None,
                        help="also measure the torch.compile'd Adam (default: on a GPU without --quick)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for torch (default: 1 with --quick, which keeps the CPU figures steady "
                             "on a busy machine; else torch's own default)")
    arguments = parser.parse_args(argv)
    threads = arguments.threads if arguments.threads is not None else (1 if arguments.quick else None)
    if threads is not None:
        if threads < 1:
            parser.error(f"--threads must be a positive integer, got {threads}")
        torch.set_num_threads(threads)
    device = pick_device(arguments.device)
    sizes = benchmark_sizes(device, arguments.quick)
    compiled = arguments.compiled if arguments.compiled is not None else (device.type != "cpu" and not arguments.quick)
    print(f"device: {describe_device(device)}")
    print(f"torch {torch.__version__}, {datetime.date.today().isoformat()}")
    print("\nfp32 Adam step on one tensor of N parameters: achieved GB/s at 28 bytes per parameter,")
    print("and in brackets its fraction of the copy bandwidth (in-place read and write, 8 bytes per number)")
    print(format_bandwidth_table(bandwidth_table(sizes["parameters"], device, sizes["repeats"], compiled)))
    devices = [torch.device("cpu")] + ([device] if device.type != "cpu" else [])
    print("\ntraining a 2-hidden-layer MLP with Adam, batch 64, 4096 examples: seconds per epoch")
    print(epoch_time_table(sizes["widths"], devices, epochs=sizes["epochs"]))


if __name__ == "__main__":
    main()
