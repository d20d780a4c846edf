"""optimlab.gpu: the Chapter 9 optimizers against torch.optim, the training loop, the benchmark."""

import copy
import functools
import math
import re
import subprocess
import sys

import pytest
import torch
from conftest import ROOT
from optimlab import gpu

STEPS = 200


def _model(seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)).to(dtype)


def _run_pair(mine, theirs, model, steps=STEPS, seed=1, dtype=torch.float64, device="cpu"):
    """Step two copies of ``model`` with the same random gradients; the largest difference seen."""
    model = model.to(device)
    twin = copy.deepcopy(model)
    a, b = mine(list(model.parameters())), theirs(list(twin.parameters()))
    generator = torch.Generator().manual_seed(seed)
    worst = 0.0
    for _ in range(steps):
        for p, q in zip(model.parameters(), twin.parameters(), strict=True):
            g = torch.randn(p.shape, generator=generator, dtype=dtype).to(device)
            p.grad, q.grad = g.clone(), g.clone()
        a.step()
        b.step()
        for p, q in zip(model.parameters(), twin.parameters(), strict=True):
            worst = max(worst, ((p - q).abs().max() / q.abs().max().clamp_min(1.0)).item())
    return worst


CASES = [
    ("SGD", {"lr": 0.05}), ("SGD", {"lr": 0.01, "weight_decay": 0.1}),
    ("Momentum", {"lr": 0.01}), ("Momentum", {"lr": 0.02, "beta": 0.5, "weight_decay": 0.05}),
    ("Adam", {}), ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("AdamW", {}), ("AdamW", {"lr": 0.01, "betas": (0.5, 0.9), "weight_decay": 0.3}),
]


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_optimizer_matches_torch_optim_in_float64(name, hyper):
    worst = _run_pair(lambda ps: gpu.OPTIMIZERS[name](ps, **hyper),
                      lambda ps: gpu.torch_counterpart(name, ps, **hyper), _model())
    assert worst < 1e-12


@pytest.mark.parametrize("name", list(gpu.OPTIMIZERS))
def test_optimizer_matches_torch_on_the_chosen_device_in_float32(name):
    """On a GPU (or the CPU when there is none), float32, to a stated tolerance of 1e-5 relative."""
    device = gpu.pick_device()
    hyper = {"lr": 0.01} if name in ("SGD", "Momentum") else {}
    worst = _run_pair(lambda ps: gpu.OPTIMIZERS[name](ps, **hyper),
                      lambda ps: gpu.torch_counterpart(name, ps, **hyper),
                      _model(dtype=torch.float32), steps=50, dtype=torch.float32, device=device)
    assert worst < 1e-5


def test_defaults_are_torch_optims():
    import inspect

    def defaults(cls, skip=()):
        return {k: p.default for k, p in inspect.signature(cls).parameters.items()
                if p.default is not inspect.Parameter.empty and k not in skip}

    torch_keys = ("lr", "betas", "eps", "weight_decay")
    for mine, theirs in ((gpu.Adam, torch.optim.Adam), (gpu.AdamW, torch.optim.AdamW)):
        assert {k: v for k, v in defaults(mine).items() if k in torch_keys} == \
               {k: v for k, v in defaults(theirs).items() if k in torch_keys}
    assert defaults(gpu.Momentum)["beta"] == 0.9


def test_param_groups_are_honoured_and_parameters_without_gradients_are_skipped():
    model = _model()
    first, last = model[0], model[2]
    frozen = last.bias.detach().clone()
    opt = gpu.Adam([{"params": first.parameters(), "lr": 0.1}, {"params": last.parameters()}], lr=1e-3)
    twin = copy.deepcopy(model)
    ref = torch.optim.Adam([{"params": twin[0].parameters(), "lr": 0.1}, {"params": twin[2].parameters()}], lr=1e-3)
    for o, m in ((opt, model), (ref, twin)):
        o.zero_grad()
        m(torch.ones(2, 5, dtype=torch.float64)).sum().backward()
        m[2].bias.grad = None
        o.step()
    assert torch.equal(model[2].bias, frozen)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert torch.allclose(p, q, rtol=0, atol=1e-14)


def test_step_evaluates_the_closure_and_returns_its_loss():
    model = _model()
    opt = gpu.Momentum(model.parameters(), lr=0.1)

    def closure():
        opt.zero_grad()
        loss = model(torch.ones(1, 5, dtype=torch.float64)).pow(2).sum()
        loss.backward()
        return loss

    before = model[0].weight.detach().clone()
    loss = opt.step(closure)
    assert loss.item() > 0 and not torch.equal(before, model[0].weight)


def test_compiled_adam_matches_eager_adam(monkeypatch):
    """The compiled path traces adam_update_ (here with the aot_eager backend, which checks the
    graph without generating code, so the test stays fast) and must give eager Adam's numbers."""
    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="aot_eager"))
    worst = _run_pair(lambda ps: gpu.Adam(ps, lr=0.01, compiled=True), lambda ps: gpu.Adam(ps, lr=0.01),
                      _model(), steps=20)
    assert worst < 1e-14


@pytest.mark.parametrize(("make", "message"), [
    (lambda ps: gpu.SGD(ps, lr=0.0), "SGD: lr must lie in (0"),
    (lambda ps: gpu.SGD(ps, lr=float("nan")), "SGD: lr must be a finite number"),
    (lambda ps: gpu.Momentum(ps, lr=0.1, beta=1.0), "Momentum: beta must lie in [0.0, 1.0)"),
    (lambda ps: gpu.Adam(ps, betas=(0.9,)), "Adam: betas must be a pair"),
    (lambda ps: gpu.Adam(ps, betas=(0.9, 1.5)), "Adam: beta2 must lie in"),
    (lambda ps: gpu.AdamW(ps, eps=0), "AdamW: eps must lie in (0"),
    (lambda ps: gpu.AdamW(ps, weight_decay=-1), "AdamW: weight_decay must lie in [0.0"),
    (lambda ps: gpu.make_optimizer("Adagrad", ps, lr=0.1), "make_optimizer: name must be one of"),
])
def test_bad_hyperparameters_are_named(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make(_model().parameters())


def test_pick_device_follows_cuda_then_mps_then_cpu():
    device = gpu.pick_device()
    if torch.cuda.is_available():
        assert device.type == "cuda"
    elif torch.backends.mps.is_available():
        assert device.type == "mps"
    else:
        assert device.type == "cpu"
        with pytest.raises(ValueError, match="'cuda' was asked for, but this machine has none"):
            gpu.pick_device("cuda")
    assert gpu.pick_device("cpu").type == "cpu"
    assert gpu.describe_device("cpu").startswith("cpu: ")
    with pytest.raises(ValueError, match="prefer must be one of"):
        gpu.pick_device("tpu")


def test_digits_split_is_seeded_disjoint_and_scaled():
    train, validation, test = gpu.digits(seed=3)
    assert (len(train), len(validation), len(test)) == (1348, 224, 225)
    assert train.x.dtype == torch.float32 and 0 <= train.x.min() and train.x.max() == 1.0
    rows = {tuple(r) for r in train.x.tolist()}
    held_out = {tuple(r) for r in validation.x.tolist()}
    again = gpu.digits(seed=3)
    assert torch.equal(again.train.x, train.x) and torch.equal(again.test.y, test.y)
    assert not torch.equal(gpu.digits(seed=4).train.y, train.y)
    # only the few duplicate images of the data set may appear in two sets
    assert sum(tuple(r) in rows for r in validation.x.tolist()) < 5
    assert sum(tuple(r) in rows or tuple(r) in held_out for r in test.x.tolist()) < 5
    small = gpu.digits(seed=3, train_size=100)
    assert len(small.train) == 100 and torch.equal(small.train.x, train.x[:100])
    assert torch.equal(small.validation.x, validation.x) and torch.equal(small.test.x, test.x)
    for bad, message in (({"held_out_fraction": 1.0}, "held_out_fraction"), ({"train_size": 0}, "train_size"),
                         ({"held_out_fraction": 1e-4}, "leaves no validation")):
        with pytest.raises(ValueError, match=message):
            gpu.digits(**bad)


def test_mlp_is_seeded_and_validated():
    a, b = gpu.mlp(16, seed=1), gpu.mlp(16, seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert sum(p.numel() for p in gpu.mlp(16, depth=2).parameters()) == 64 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10
    with pytest.raises(ValueError, match="mlp: width must be a positive integer"):
        gpu.mlp(0)


def test_training_lowers_both_losses_and_is_reproducible():
    train, validation, _ = gpu.digits(seed=0)

    def run():
        model = gpu.mlp(32, seed=0)
        return gpu.train(model, gpu.Adam(model.parameters(), lr=1e-2), train, validation, epochs=3, progress=False)

    curves = run()
    assert len(curves.train_loss) == len(curves.validation_loss) == len(curves.seconds) == 4
    assert curves.train_loss[-1] < 0.5 * curves.train_loss[0]
    assert curves.validation_loss[-1] < 0.5 * curves.validation_loss[0]
    assert curves.validation_accuracy[-1] > 0.85 and not curves.diverged
    assert run().validation_loss == curves.validation_loss


def test_a_diverging_run_stops_cleanly():
    train, validation, _ = gpu.digits(seed=0)
    model = gpu.mlp(32, seed=0)
    curves = gpu.train(model, gpu.SGD(model.parameters(), lr=1e30), train, validation, epochs=5, progress=False)
    assert curves.diverged
    assert len(curves.train_loss) < 6
    assert all(math.isfinite(x) for x in curves.train_loss + curves.validation_loss)


def test_bandwidth_measurements_are_positive_and_tabulated():
    rows = gpu.bandwidth_table([1024, 4096], "cpu", repeats=2)
    assert [row.n for row in rows] == [1024, 4096]
    assert all(row.copy > 0 and all(v > 0 for v in row.adam.values()) for row in rows)
    assert set(rows[0].adam) == {"optimlab", "foreach", "fused"}
    table = gpu.format_bandwidth_table([gpu.BandwidthRow(4096, 80.0, {"optimlab": 20.0, "fused": 60.0})])
    assert table.splitlines()[1].split()[:3] == ["4,096", "80.0", "20.0"]
    assert "20.0 ( 25%)" in table and "60.0 ( 75%)" in table
    with pytest.raises(ValueError, match="sizes must be positive integers"):
        gpu.bandwidth_table([0], "cpu")


def test_command_line_prints_both_tables(monkeypatch, capsys):
    tiny = {"parameters": [2048], "widths": [8], "repeats": 2, "epochs": 1}
    monkeypatch.setattr(gpu, "benchmark_sizes", lambda device, quick: tiny)
    gpu.main(["--quick", "--device", "cpu"])
    out = capsys.readouterr().out
    assert f"torch {torch.__version__}" in out and "device: cpu" in out
    assert "2,048" in out and "s/epoch" in out


def test_module_needs_only_numpy_torch_sklearn_and_tqdm():
    """``PYTHONPATH=code python -m optimlab.gpu`` works without the book's other dependencies."""
    probe = ("import sys, optimlab.gpu; "
             "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
             "('matplotlib', 'ipywidgets', 'IPython', 'sklearn') "
             "or m.startswith('optimlab.') and m != 'optimlab.gpu'); "
             "print(bad)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "code"), "PATH": "/usr/bin:/bin"}).stdout
    assert out.strip() == "[]"
    help_text = subprocess.run([sys.executable, "-m", "optimlab.gpu", "--help"], capture_output=True, text=True,
                               check=True, env={"PYTHONPATH": str(ROOT / "code"), "PATH": "/usr/bin:/bin"}).stdout
    assert "--quick" in help_text


def test_seconds_per_call_is_the_median_or_the_minimum_and_validates(monkeypatch):
    calls, syncs = [], []
    monkeypatch.setattr(gpu, "synchronize", lambda device: syncs.append(device))

    def timed(statistic, ticks, **kwargs):
        clock = iter(ticks)
        monkeypatch.setattr(gpu.time, "perf_counter", lambda: next(clock))
        return gpu.seconds_per_call(lambda: calls.append(1), torch.device("cpu"), repeats=3, statistic=statistic,
                                    **kwargs)

    samples = [0.0, 1.0, 1.0, 11.0, 11.0, 13.0]  # three samples lasting 1, 10 and 2 seconds
    assert timed("median", samples) == 2.0 and timed("min", samples) == 1.0
    assert len(calls) == 10 and len(syncs) == 8  # per run: 2 warm-up calls and one wait, then 3 timed, 3 waits
    assert timed("median", samples, calls=4) == 0.5  # a sample of 4 calls lasting 2 s: 0.5 s per call
    for bad, message in (({"repeats": 0}, "repeats must be a positive integer"),
                         ({"calls": 0}, "calls must be a positive integer"),
                         ({"statistic": "mean"}, "statistic must be 'median' or 'min'")):
        arguments = {"repeats": 3, **bad}
        with pytest.raises(ValueError, match=message):
            gpu.seconds_per_call(lambda: None, torch.device("cpu"), **arguments)
    monkeypatch.undo()
    assert gpu.describe_device("cpu").endswith((", 1 thread", "threads"))


def test_bandwidths_count_28_bytes_per_adam_parameter_and_8_per_copied_number(monkeypatch):
    monkeypatch.setattr(gpu, "seconds_per_call", lambda run, device, repeats, **kw: (run(), 1.0)[1])
    assert gpu.copy_bandwidth(10**6, "cpu") == pytest.approx(8e6 / 1e9)
    made = []

    def make(params):
        made.append(params)
        return torch.optim.SGD(params, lr=1.0)

    assert gpu.adam_bandwidth(make, 10**6, "cpu") == pytest.approx(28e6 / 1e9)
    (parameter,) = made[0]
    assert parameter.shape == (10**6,) and parameter.abs().sum() > 0  # the step ran on it


def test_the_measured_implementations_are_the_ones_named():
    parameter = torch.zeros(4, requires_grad=True)
    made = {name: make([parameter]) for name, make in gpu.adam_implementations(torch.device("cpu"), True).items()}
    assert type(made["optimlab"]) is gpu.Adam and not made["optimlab"].compiled and made["compiled"].compiled
    assert made["fused"].defaults["fused"] is True and made["foreach"].defaults["foreach"] is True
    assert not made["foreach"].defaults["fused"]


def test_pick_device_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert gpu.pick_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu.pick_device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert gpu.pick_device().type == "cpu"


@pytest.mark.parametrize("name", list(gpu.OPTIMIZERS))
def test_each_parameter_group_keeps_its_own_hyperparameters(name):
    """Groups that differ in every hyperparameter: each optimizer must read them from its group."""
    other = {"SGD": {"lr": 0.2, "weight_decay": 0.3}, "Momentum": {"lr": 0.2, "beta": 0.5, "weight_decay": 0.3},
             "Adam": {"lr": 0.2, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.3},
             "AdamW": {"lr": 0.2, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.3}}[name]

    def groups(model, torch_names=False):
        hyper = {("momentum" if torch_names and k == "beta" else k): v for k, v in other.items()}
        return [{"params": model[0].parameters()}, {"params": model[2].parameters(), **hyper}]

    model = _model()
    twin = copy.deepcopy(model)
    mine = gpu.OPTIMIZERS[name](groups(model), lr=0.01)
    theirs = gpu.torch_counterpart(name, groups(twin, torch_names=True), lr=0.01)
    generator = torch.Generator().manual_seed(0)
    for _ in range(5):
        for p, q in zip(model.parameters(), twin.parameters(), strict=True):
            p.grad = torch.randn(p.shape, generator=generator, dtype=torch.float64)
            q.grad = p.grad.clone()
        mine.step()
        theirs.step()
    worst = max((p - q).abs().max().item() for p, q in zip(model.parameters(), twin.parameters(), strict=True))
    assert worst < 1e-13


def test_compiled_adam_is_not_compiled_again_as_t_grows(monkeypatch):
    import torch._dynamo

    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="aot_eager"))
    torch._dynamo.reset()
    parameter = torch.zeros(8, dtype=torch.float64, requires_grad=True)
    optimizer = gpu.Adam([parameter], lr=0.1, compiled=True)
    parameter.grad = torch.ones(8, dtype=torch.float64)
    optimizer.step()
    optimizer.step()  # the first steps may specialize, then mark the sizes dynamic
    with torch._dynamo.config.patch(error_on_recompile=True):
        for _ in range(5):
            optimizer.step()


def test_best_epoch_is_the_lowest_validation_loss():
    curves = gpu.Curves(validation_loss=[2.0, 0.5, 0.3, 0.4])
    assert curves.best_epoch() == 2


def test_each_epoch_draws_a_new_order_of_the_examples():
    train, validation, _ = gpu.digits(seed=0, train_size=40)
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = gpu.mlp(4, seed=0)

        def forward(self, x):
            if self.training:
                seen.append(x.sum(dim=1).tolist())
            return self.net(x)

    model = Spy()
    gpu.train(model, gpu.SGD(model.parameters(), lr=0.01), train, validation, epochs=2, batch_size=40,
              progress=False)
    first, second = seen
    assert sorted(first) == sorted(second) and first != second
