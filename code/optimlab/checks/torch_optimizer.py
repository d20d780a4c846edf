"""Checks for Chapter 9's coding exercise: RMSProp written as a ``torch.optim.Optimizer``.

torch is imported inside the check, so that ``import optimlab.checks`` stays light.
"""

from __future__ import annotations

import numpy as np

from ._common import CheckFailed, _passed

__all__ = ["check_torch_rmsprop"]

#: The hyperparameters of the first run: not torch's defaults, so that hard-coded values show.
_LR, _ALPHA, _EPS = 0.05, 0.9, 1e-3
_STEPS = 4


def _gradients(shape, steps, seed):
    """Seeded gradients, one array per step, some entries tiny so that eps matters."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * rng.choice([1.0, 1e-3], size=shape) for _ in range(steps)]


def _rmsprop_run(theta, gradients, lr, alpha, eps, weight_decay=0.0, mistake=None):
    """theta after each step of RMSProp (``eq-rmsprop``, torch's form), or of one likely mistake."""
    theta, v, thetas = np.array(theta, dtype=np.float64), np.zeros_like(theta, dtype=np.float64), []
    for t, g in enumerate(gradients, start=1):
        raw = g
        if mistake == "decoupled decay":
            theta = theta * (1 - lr * weight_decay)
        elif weight_decay and mistake != "no decay":
            g = g + weight_decay * theta
        if mistake == "v from raw g":
            v = alpha * v + (1 - alpha) * raw**2
        elif mistake == "starts at g^2" and t == 1:
            v = g**2
        elif mistake == "sum":
            v = v + g**2
        elif mistake == "no 1 - alpha":
            v = alpha * v + g**2
        elif mistake == "swapped weights":
            v = (1 - alpha) * v + alpha * g**2
        elif mistake == "no square":
            v = alpha * v + (1 - alpha) * g
        elif mistake == "no state":
            v = (1 - alpha) * g**2
        else:
            v = alpha * v + (1 - alpha) * g**2
        with np.errstate(invalid="ignore"):  # "no square" averages signed gradients: its root may be NaN
            if mistake == "eps inside":
                denominator = np.sqrt(v + eps)
            elif mistake == "no root":
                denominator = v + eps
            elif mistake == "bias corrected":
                denominator = np.sqrt(v / (1 - alpha**t)) + eps
            else:
                denominator = np.sqrt(v) + eps
        step = lr * g if mistake == "sgd" else lr * g / denominator
        theta = theta + step if mistake == "sign" else theta - step
        thetas.append(theta)
    return thetas


_MESSAGES = {
    "eps inside": "eps sits inside your square root, sqrt(v + eps): torch.optim.RMSprop adds it outside, "
                  "p - lr * g / (sqrt(v) + eps).",
    "sum": "you add up the squared gradients (v + g^2): that is AdaGrad. RMSProp keeps the moving average "
           "v = alpha v + (1 - alpha) g^2 (torch: v.mul_(alpha).addcmul_(g, g, value=1 - alpha)).",
    "no 1 - alpha": "the new squared gradient needs the weight (1 - alpha): v = alpha v + (1 - alpha) g^2.",
    "swapped weights": "alpha and 1 - alpha are swapped: alpha weighs the OLD average, v = alpha v + (1 - alpha) g^2.",
    "no square": "your average holds the gradient, not its square: use g * g (or addcmul_(g, g, ...)).",
    "no root": "you divide by v itself: divide by its square root, lr * g / (v.sqrt() + eps).",
    "no state": "v starts afresh at every step: create it once per parameter in self.state[p] (when the state "
                "is empty) and update that tensor in place, so that it carries over to the next step.",
    "bias corrected": "you divide v by (1 - alpha^t): that is Adam's bias correction; torch.optim.RMSprop has none.",
    "sgd": "your steps are plain gradient descent, lr * g: RMSProp divides by sqrt(v) + eps.",
    "sign": "your step goes uphill: p.addcdiv_(g, v.sqrt() + eps, value=-lr) subtracts it.",
    "no decay": "weight_decay is ignored: torch.optim.RMSprop adds weight_decay * p to the gradient (L2) "
                "before it updates v.",
    "decoupled decay": "you shrink p by (1 - lr * weight_decay): that is AdamW's decoupled decay. "
                       "torch.optim.RMSprop's weight_decay is L2: g + weight_decay * p.",
    "starts at g^2": "your v starts at g_1^2: torch.optim.RMSprop starts it at zero, so that "
                     "v_1 = (1 - alpha) g_1^2 (create it with torch.zeros_like(p)).",
    "v from raw g": "your average v uses the raw gradient, but the step uses g + weight_decay * p: torch adds "
                    "the L2 term first and uses that one gradient in both.",
    "hard-coded": "your steps use torch's default hyperparameters instead of the ones passed in: read lr, "
                  "alpha and eps from each group in self.param_groups (group['lr'], ...).",
}


def _params(torch, shapes, seed):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=generator, dtype=torch.float64).requires_grad_() for shape in shapes]


def _construct(torch, optimizer_class, params, **hyper):
    try:
        return optimizer_class(params, **hyper)
    except Exception as error:  # the student's bug, reported
        raise CheckFailed(f"{optimizer_class.__name__}(params, {', '.join(f'{k}={v}' for k, v in hyper.items())}) "
                          f"raised {type(error).__name__}: {error}. The constructor takes params, lr, alpha, eps "
                          "and weight_decay, as torch.optim.RMSprop's does.") from error


def _step(optimizer, closure=None):
    name = type(optimizer).__name__
    try:
        return optimizer.step(closure) if closure is not None else optimizer.step()
    except NotImplementedError:
        raise CheckFailed(f"{name}.step is not implemented yet: replace `raise NotImplementedError()` "
                          "with your code.") from None
    except RuntimeError as error:
        if "leaf Variable that requires grad" in str(error):
            raise CheckFailed(f"{name}.step changes a parameter in place while autograd is recording: decorate "
                              "step with @torch.no_grad(), as torch's optimizers do.") from error
        if "does not require grad" in str(error):
            raise CheckFailed(f"{name}.step calls the closure with gradients switched off: step runs under "
                              "torch.no_grad(), so call it as `with torch.enable_grad(): loss = closure()`."
                              ) from error
        if "must match the size" in str(error):
            raise CheckFailed(f"{name}.step mixed up the state of two parameters ({error}): keep each one's "
                              "average in self.state[p], keyed by the parameter p itself.") from error
        raise CheckFailed(f"{name}.step raised RuntimeError: {error}") from error
    except TypeError as error:
        if "NoneType" in str(error):
            raise CheckFailed(f"{name}.step failed on a parameter whose .grad is None (it took no part in the "
                              "loss): skip such parameters, `if p.grad is None: continue`.") from error
        raise CheckFailed(f"{name}.step raised TypeError: {error}") from error
    except Exception as error:  # the student's bug, reported
        raise CheckFailed(f"{name}.step raised {type(error).__name__}: {error}") from error


def _diagnose(trajectory, theta0, gradients, lr, alpha, eps, weight_decay, mistakes) -> str | None:
    """The message of the mistake that reproduces the student's whole run of one parameter, if any."""
    for mistake in mistakes:
        if mistake == "hard-coded":
            wrong = _rmsprop_run(theta0, gradients, 0.01, 0.99, 1e-8, weight_decay)
        else:
            wrong = _rmsprop_run(theta0, gradients, lr, alpha, eps, weight_decay, mistake)
        pairs = zip(trajectory, wrong, strict=True)
        if all(np.allclose(got, w, rtol=1e-6, atol=1e-12, equal_nan=True) for got, w in pairs):
            return _MESSAGES[mistake]
    return None


def _compare_run(torch, optimizer_class, shapes, hyper, seed, mistakes, what):
    """Step the student's optimizer on fresh parameters with seeded gradients; compare every step.

    The whole run is recorded first, so that a wrong step is diagnosed from all the steps (several
    mistakes agree at t = 1, where v_1 = (1 - alpha) g_1^2).
    """
    params = _params(torch, shapes, seed)
    starts = [p.detach().numpy().copy() for p in params]
    runs = [_gradients(shape, _STEPS, seed + 1 + k) for k, shape in enumerate(shapes)]
    optimizer = _construct(torch, optimizer_class, params, **hyper)
    lr, alpha, eps = hyper.get("lr", 0.01), hyper.get("alpha", 0.99), hyper.get("eps", 1e-8)
    weight_decay = hyper.get("weight_decay", 0.0)
    name = optimizer_class.__name__
    trajectories = [[] for _ in params]
    for t in range(1, _STEPS + 1):
        grads = [torch.tensor(run[t - 1]) for run in runs]
        for p, g in zip(params, grads, strict=True):
            p.grad = g.clone()
        before = [p.detach().clone() for p in params]
        _step(optimizer)
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            if not torch.equal(p.grad, g):
                raise CheckFailed(f"{name}.step changed p.grad in place: compute the update into new tensors "
                                  "(g + weight_decay * p, not g.add_(...)), so that the gradient stays as "
                                  "backward left it.")
            if t == 1 and torch.equal(p.detach(), before[k]):
                raise CheckFailed(f"{name}.step did not change the parameters: update each one in place "
                                  "(p.addcdiv_(...) or p -= ...); `p = p - ...` only rebinds the name p.")
            trajectories[k].append(p.detach().numpy().copy())
    for k, (start, run, trajectory) in enumerate(zip(starts, runs, trajectories, strict=True)):
        expected = _rmsprop_run(start, run, lr, alpha, eps, weight_decay)
        for t, (got, want) in enumerate(zip(trajectory, expected, strict=True), start=1):
            if not np.allclose(got, want, rtol=1e-9, atol=1e-12):
                hint = _diagnose(trajectory, start, run, lr, alpha, eps, weight_decay, mistakes)
                if hint is None and all(np.allclose(a, b, rtol=1e-5, atol=1e-7)
                                        for a, b in zip(trajectory, expected, strict=True)):
                    hint = ("your numbers agree with torch's only to about 7 digits, float32 precision, though "
                            "the parameters are float64: create the state with torch.zeros_like(p), which "
                            "keeps p's dtype and device.")
                gap = float(np.max(np.abs(got - want)))
                detail = (f"{what}: after step {t}, parameter {k} (shape {start.shape}) is "
                          f"{np.round(got.ravel()[:3], 6).tolist()}... where torch.optim.RMSprop gives "
                          f"{np.round(want.ravel()[:3], 6).tolist()}... (largest difference {gap:.2g})")
                raise CheckFailed(f"{detail}\n{hint}" if hint else
                                  f"{detail}\nCompare your step with eq-rmsprop line by line.")


def check_torch_rmsprop(optimizer_class) -> None:
    """Check a student's RMSProp written as a ``torch.optim.Optimizer`` (Chapter 9 exercise).

    It must follow ``torch.optim.RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0)``
    step for step (``eq-rmsprop`` of Chapter 7, with L2 weight decay): with hyperparameters that
    are not the defaults, with weight decay, with two parameter groups whose hyperparameters
    differ, a parameter whose gradient is None, and a closure. It must subclass
    ``torch.optim.Optimizer`` (not ``torch.optim.RMSprop``) and keep its state in ``self.state``.
    Passes quietly, or raises :class:`CheckFailed` naming the likely mistake.
    """
    import torch

    name = getattr(optimizer_class, "__name__", repr(optimizer_class))
    if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, torch.optim.Optimizer)):
        raise CheckFailed(f"{name} must be a class that subclasses torch.optim.Optimizer, "
                          f"`class {name}(torch.optim.Optimizer):`")
    if issubclass(optimizer_class, torch.optim.RMSprop):
        raise CheckFailed(f"{name} inherits from torch.optim.RMSprop, which does the work: subclass "
                          "torch.optim.Optimizer and write the step yourself.")
    _check_all(torch, optimizer_class, name)
    _passed("check_torch_rmsprop", 4)


def _check_all(torch, optimizer_class, name) -> None:
    """The checks of :func:`check_torch_rmsprop`, which any correct RMSProp passes (torch's own too)."""
    plain = ["eps inside", "sum", "no 1 - alpha", "swapped weights", "no square", "no root", "no state",
             "bias corrected", "sgd", "sign", "starts at g^2", "hard-coded"]
    _compare_run(torch, optimizer_class, [(3, 2), (4,)], {"lr": _LR, "alpha": _ALPHA, "eps": _EPS}, seed=0,
                 mistakes=plain, what="one parameter group")
    _compare_run(torch, optimizer_class, [(5,)], {"lr": _LR, "alpha": _ALPHA, "eps": _EPS, "weight_decay": 0.5},
                 seed=10, mistakes=["no decay", "decoupled decay", "v from raw g"], what="with weight_decay=0.5")
    _check_groups_and_closure(torch, optimizer_class, name)


def _check_groups_and_closure(torch, optimizer_class, name) -> None:
    """Two parameter groups with their own rates, a parameter without gradient, and a closure."""
    first, second, unused = _params(torch, [(3,), (2, 2), (2,)], seed=20)
    twins = [p.detach().clone().requires_grad_() for p in (first, second, unused)]
    own = {"lr": 0.2, "alpha": 0.5, "weight_decay": 0.1}
    groups = [{"params": [first, unused]}, {"params": [second], **own}]
    optimizer = _construct(torch, optimizer_class, groups, lr=_LR, alpha=_ALPHA, eps=_EPS)
    reference = torch.optim.RMSprop([{"params": [twins[0], twins[2]]}, {"params": [twins[1]], **own}],
                                    lr=_LR, alpha=_ALPHA, eps=_EPS)
    start_of_second = second.detach().clone()
    for opt, (a, b, _) in ((optimizer, (first, second, unused)), (reference, twins)):
        for _ in range(3):
            def closure(a=a, b=b, opt=opt):
                opt.zero_grad()
                loss = (a**2).sum() + (b**3).sum()
                loss.backward()
                return loss

            loss = _step(opt, closure)
            if opt is optimizer and not isinstance(loss, torch.Tensor):
                raise CheckFailed(f"{name}.step(closure) must call the closure and return its loss "
                                  "(`loss = closure()` under torch.enable_grad()), as torch's optimizers do; "
                                  f"it returned {loss!r}.")
    if not torch.equal(unused.detach(), twins[2].detach()):
        raise CheckFailed(f"{name}.step moved a parameter whose gradient is None: skip it.")
    if torch.equal(second.detach(), start_of_second):
        raise CheckFailed(f"{name}.step never moved the second parameter group: loop over every group in "
                          "self.param_groups, not only self.param_groups[0].")
    if not optimizer.state.get(first) or not optimizer.state.get(second):
        raise CheckFailed(f"{name} keeps its running averages outside self.state: store each parameter's in "
                          "self.state[p], where torch's optimizers keep theirs (state_dict() saves it with a "
                          "checkpoint, and zero_grad or a new param group leave it alone).")
    if not torch.allclose(first, twins[0], rtol=1e-9, atol=1e-12):
        raise CheckFailed(f"{name}: with two parameter groups, the first group's parameters differ from "
                          "torch.optim.RMSprop's.")
    if not torch.allclose(second, twins[1], rtol=1e-9, atol=1e-12):
        raise CheckFailed(f"{name}: the second parameter group has its own lr, alpha and weight_decay "
                          f"({own['lr']}, {own['alpha']}, {own['weight_decay']}), and your steps use other values: "
                          "read group['lr'], group['alpha'], ... inside the loop over self.param_groups, not "
                          "self.defaults or values saved in __init__.")
