"""check_torch_rmsprop: passes the right optimizer, names each likely mistake once."""

import pytest
import torch
from optimlab.checks import CheckFailed, check_torch_rmsprop
from optimlab.checks.torch_optimizer import _check_all


def rmsprop_class(mistake=None, decorate=True):
    """An RMSProp torch optimizer, right or with one ``mistake`` a student might make."""

    class RMSprop(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0):
            super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay})

        def _step(self, closure=None):
            loss = None
            if closure is not None and mistake == "closure without grad":
                loss = closure()
            elif closure is not None and mistake != "closure ignored":
                with torch.enable_grad():
                    loss = closure()
            groups = self.param_groups[:1] if mistake == "first group only" else self.param_groups
            for group in groups:
                lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
                if mistake == "defaults alpha":
                    alpha, wd = self.defaults["alpha"], self.defaults["weight_decay"]
                if mistake == "hard-coded":
                    lr, alpha, eps = 0.01, 0.99, 1e-8
                if mistake == "defaults lr":
                    lr = self.defaults["lr"]
                for index, p in enumerate(group["params"]):
                    if p.grad is None and mistake != "no None skip":
                        continue
                    g = p.grad
                    if mistake == "grad in place" and wd == 0:
                        g = g.mul_(1.0)  # harmless, but then changes it:
                        g.add_(0.0 * p + 1e-3)
                    raw = g
                    if mistake == "decoupled decay":
                        p.mul_(1 - lr * wd)
                    elif wd and mistake != "no decay":
                        g = g + wd * p
                    if mistake == "state by index":
                        state = self.__dict__.setdefault("by_index", {}).setdefault(index, {})
                    elif mistake == "state outside":
                        state = self.__dict__.setdefault("by_id", {}).setdefault(id(p), {})
                    else:
                        state = self.state[p]
                    fresh = not state
                    if fresh or mistake == "no state":
                        dtype = torch.float32 if mistake == "float32 state" else p.dtype
                        state["v"] = torch.zeros(p.shape, dtype=dtype)
                    v = state["v"]
                    if mistake == "starts at g^2" and fresh:
                        v.add_(g * g)
                    elif mistake == "v from raw g":
                        v.mul_(alpha).addcmul_(raw, raw, value=1 - alpha)
                    elif mistake == "sum":
                        v.add_(g * g)
                    elif mistake == "no 1 - alpha":
                        v.mul_(alpha).add_(g * g)
                    elif mistake == "swapped weights":
                        v.mul_(1 - alpha).add_(alpha * g * g)
                    elif mistake == "no square":
                        v.mul_(alpha).add_((1 - alpha) * g)
                    else:
                        v.mul_(alpha).addcmul_(g, g, value=1 - alpha)
                    if mistake == "eps inside":
                        denominator = (v + eps).sqrt()
                    elif mistake == "no root":
                        denominator = v + eps
                    elif mistake == "bias corrected":
                        state["t"] = state.get("t", 0) + 1
                        denominator = (v / (1 - alpha ** state["t"])).sqrt() + eps
                    else:
                        denominator = v.sqrt() + eps
                    if mistake == "sgd":
                        p.add_(g, alpha=-lr)
                    elif mistake == "sign":
                        p.addcdiv_(g, denominator, value=lr)
                    elif mistake == "rebind":
                        p = p - lr * g / denominator  # noqa: PLW2901 - the mistake under test
                    else:
                        p.addcdiv_(g, denominator, value=-lr)
            return loss

        step = torch.no_grad()(_step) if decorate else _step

    return RMSprop


def test_the_right_optimizer_passes(capsys):
    check_torch_rmsprop(rmsprop_class())
    assert "passed" in capsys.readouterr().out


def test_torch_optim_itself_passes_every_check_but_the_from_scratch_rule():
    _check_all(torch, torch.optim.RMSprop, "RMSprop")
    with pytest.raises(CheckFailed, match="inherits from torch.optim.RMSprop"):
        check_torch_rmsprop(type("RMSprop", (torch.optim.RMSprop,), {}))


MISTAKES = {
    "eps inside": "eps sits inside your square root",
    "sum": "that is AdaGrad",
    "no 1 - alpha": "needs the weight (1 - alpha)",
    "swapped weights": "alpha and 1 - alpha are swapped",
    "no square": "not its square",
    "no root": "divide by v itself",
    "no state": "v starts afresh at every step",
    "bias corrected": "Adam's bias correction",
    "sgd": "plain gradient descent",
    "sign": "goes uphill",
    "hard-coded": "torch's default hyperparameters",
    "no decay": "weight_decay is ignored",
    "decoupled decay": "AdamW's decoupled decay",
    "defaults lr": "second parameter group has its own lr",
    "rebind": "did not change the parameters",
    "grad in place": "changed p.grad in place",
    "no None skip": "whose .grad is None",
    "closure ignored": "must call the closure and return its loss",
    "closure without grad": "calls the closure with gradients switched off",
    "state by index": "mixed up the state of two parameters",
    "state outside": "keeps its running averages outside self.state",
    "float32 state": "float32 precision",
    "starts at g^2": "torch.optim.RMSprop starts it at zero",
    "v from raw g": "uses the raw gradient",
    "first group only": "never moved the second parameter group",
}


def test_group_hyperparameters_read_from_the_defaults_are_named():
    """Another form of the "defaults lr" mistake, with the same message."""
    with pytest.raises(CheckFailed, match="your steps use other values"):
        check_torch_rmsprop(rmsprop_class("defaults alpha"))


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_mistake_gets_its_own_message(mistake):
    with pytest.raises(CheckFailed, match=MISTAKES[mistake].replace("(", r"\(").replace(")", r"\)")):
        check_torch_rmsprop(rmsprop_class(mistake))


def test_messages_never_repeat():
    messages = set()
    for mistake in MISTAKES:
        with pytest.raises(CheckFailed) as caught:
            check_torch_rmsprop(rmsprop_class(mistake))
        messages.add(str(caught.value).splitlines()[-1])
    assert len(messages) == len(MISTAKES)


def test_missing_no_grad_is_named():
    with pytest.raises(CheckFailed, match=r"@torch.no_grad\(\)"):
        check_torch_rmsprop(rmsprop_class(decorate=False))


def test_not_an_optimizer_and_a_stub_are_named():
    with pytest.raises(CheckFailed, match="must be a class that subclasses torch.optim.Optimizer"):
        check_torch_rmsprop(lambda params: None)

    class Stub(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0):
            super().__init__(params, {"lr": lr})

        @torch.no_grad()
        def step(self, closure=None):
            raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not implemented yet"):
        check_torch_rmsprop(Stub)
