"""Checks for Chapter 8's coding exercise (one step of Adam with bias correction)."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ._common import CheckFailed, _invoke, _passed, _results, _run_alongside
from ._common import _same as _same_within

__all__ = ["check_adam_step", "adam_step_with_mistake", "MISTAKES"]


def _right(theta, g, m, v, t, lr, betas, eps):
    """The step of eqs. ``eq-adam-moments`` and ``eq-bias-correction``, as :class:`~optimlab.optimizers.Adam` does."""
    from ..optimizers import Adam

    optimizer = Adam(lr, betas, eps)
    optimizer.m, optimizer.v = np.array(m, dtype=np.float64), np.array(v, dtype=np.float64)
    optimizer.t = t - 1
    theta_new = optimizer.step(theta, g)
    return theta_new, optimizer.m, optimizer.v


def _adam(theta, g, m, v, t, lr, betas, eps, *, power="t", power_m=None, power_v=None, m_factor=True,
          v_factor=True, square=True, root=True, eps_at="outside", correct_m=True, correct_v=True,
          v_corrected_with_beta1=False,
          step_size="lr", numerator="m_hat", v_max=False, sign=-1.0, swap=False, fixed_betas=False,
          m_root=False, hat_m=False, hat_v=False, moments_swapped=False):
    """Adam's step with some things changed: the computations behind the likely mistakes.

    With the defaults it is the right step. ``power`` is the exponent of the correction ("t",
    "1", "t - 1", "t + 1", or "paren" for (1 - beta)**t), ``power_m`` and ``power_v`` that of one
    moment alone; ``m_root`` divides m_t by sqrt(1 - beta1^t); ``eps_at`` is "outside",
    "inside", "both", "squared" (eps**2 inside), "fixed" (1e-8 whatever eps is), "efficient"
    (alpha_t and the raw moments, eq-efficient-adam) or "before correction" (v_t + eps corrected
    as a whole: the efficient form with eps inside); ``step_size`` is "lr", "none" or "alpha_t"
    (the efficient form's rate, used with the corrected moments).
    """
    beta1, beta2 = (0.9, 0.999) if fixed_betas else betas
    beta1, beta2 = (beta2, beta1) if swap else (beta1, beta2)
    m_new = beta1 * m + ((1 - beta1) * g if m_factor else g)
    v_new = beta2 * v + (1 - beta2 if v_factor else 1.0) * (g**2 if square else g)
    if v_max:
        v_new = np.maximum(v, v_new)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        def bias(beta, kind):
            exponent = {"t": t, "1": 1, "t - 1": t - 1, "t + 1": t + 1, "paren": t}[kind]
            return (1 - beta) ** exponent if kind == "paren" else 1 - beta**exponent

        m_bias = bias(beta1, power_m or power)
        m_hat = m_new / (np.sqrt(m_bias) if m_root else m_bias) if correct_m else m_new
        v_beta = beta1 if v_corrected_with_beta1 else beta2
        v_hat = v_new / bias(v_beta, power_v or power) if correct_v else v_new
        rate = {"lr": lr, "none": 1.0, "alpha_t": lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)}[step_size]
        top = m_hat if numerator == "m_hat" else g
        if eps_at == "efficient":
            rate, top, v_hat = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t), m_new, v_new
        scale = np.sqrt(v_hat) if root else v_hat
        denominator = {"outside": scale + eps, "inside": np.sqrt(v_hat + eps), "both": np.sqrt(v_hat + eps) + eps,
                       "squared": np.sqrt(v_hat + eps**2), "fixed": scale + 1e-8, "efficient": scale + eps,
                       "before correction": np.sqrt((v_new + eps) / (1 - beta2**t))}[eps_at]
        theta_new = theta + sign * rate * top / denominator
    m_out, v_out = (m_hat if hat_m else m_new), (v_hat if hat_v else v_new)
    return (theta_new, v_out, m_out) if moments_swapped else (theta_new, m_out, v_out)


#: Likely wrong steps: what makes :func:`_adam` compute each, and what to say about it. "{first}"
#: becomes the size of the first step (in units of lr, with torch's betas) that the mistake takes.
MISTAKES = {
    "no correction": ({"correct_m": False, "correct_v": False},
                      "the bias correction is missing (your first step is {first} x lr): divide m_t by "
                      "1 - beta1**t and v_t by 1 - beta2**t before the step."),
    "only m corrected": ({"correct_v": False},
                         "you correct m but not v (your first step is {first} x lr): divide v_t by 1 - beta2**t "
                         "too, v_hat = v_new / (1 - beta2**t)."),
    "only v corrected": ({"correct_m": False},
                         "you correct v but not m (your first step is {first} x lr): divide m_t by 1 - beta1**t "
                         "too, m_hat = m_new / (1 - beta1**t)."),
    "m factor": ({"m_factor": False},
                 "the factor (1 - beta1) is missing in m (your first step is {first} x lr): "
                 "m_new = beta1 * m + (1 - beta1) * grad."),
    "v factor": ({"v_factor": False},
                 "the factor (1 - beta2) is missing in v (your first step is {first} x lr): "
                 "v_new = beta2 * v + (1 - beta2) * grad**2."),
    "beta not beta^t": ({"power": "1"},
                        "you divide by 1 - beta1 and 1 - beta2: the correction is 1 - beta1**t and 1 - beta2**t, "
                        "with the power t (your first step is right, later ones are not)."),
    "parenthesis": ({"power": "paren"},
                    "you divide by (1 - beta1)**t and (1 - beta2)**t: the power belongs to beta alone, "
                    "1 - beta1**t and 1 - beta2**t (Python's ** binds tighter than -)."),
    "m root": ({"m_root": True},
               "you divide m_t by sqrt(1 - beta1**t) (your first step is {first} x lr): the square root belongs "
               "to v's correction, through sqrt(v_hat); m_hat = m_new / (1 - beta1**t)."),
    "t from 0": ({"power": "t - 1"},
                 "your correction uses beta**(t - 1), as if t were counted from 0: on the first step that divides "
                 "by 1 - beta**0 = 0. Here t is the number of this step, counted from 1: use beta1**t and beta2**t."),
    "t plus one": ({"power": "t + 1"},
                   "your correction uses beta**(t + 1): that is the DS 542 indexing, whose steps count from 0; "
                   "here t already counts from 1, so divide by 1 - beta1**t and 1 - beta2**t."),
    "m: t - 1": ({"power_m": "t - 1"},
                 "m's correction uses beta1**(t - 1): with t counted from 1, m_hat = m_new / (1 - beta1**t)."),
    "m: t + 1": ({"power_m": "t + 1"},
                 "m's correction uses beta1**(t + 1): with t counted from 1, m_hat = m_new / (1 - beta1**t)."),
    "v: t - 1": ({"power_v": "t - 1"},
                 "v's correction uses beta2**(t - 1): with t counted from 1, v_hat = v_new / (1 - beta2**t)."),
    "v: t + 1": ({"power_v": "t + 1"},
                 "v's correction uses beta2**(t + 1): with t counted from 1, v_hat = v_new / (1 - beta2**t)."),
    "beta1 in v's correction": ({"v_corrected_with_beta1": True},
                                "v_hat divides by 1 - beta1**t (your first step is {first} x lr): v's correction "
                                "uses its own beta, v_hat = v_new / (1 - beta2**t)."),
    "betas swapped": ({"swap": True},
                      "beta1 and beta2 are swapped: beta1 (0.9) averages the gradient in m, beta2 (0.999) averages "
                      "its square in v."),
    "fixed betas": ({"fixed_betas": True},
                    "you use beta1 = 0.9 and beta2 = 0.999 whatever the argument betas says: take them from it, "
                    "beta1, beta2 = betas."),
    "eps inside": ({"eps_at": "inside"},
                   "you put eps inside the square root, sqrt(v_hat + eps): the book (and torch) add it outside, "
                   "m_hat / (sqrt(v_hat) + eps)."),
    "eps squared inside": ({"eps_at": "squared"},
                           "you put eps**2 inside the square root, sqrt(v_hat + eps**2): close to eps outside, "
                           "but not the same where sqrt(v_hat) is near eps; add eps outside, "
                           "m_hat / (np.sqrt(v_hat) + eps)."),
    "eps before the correction": ({"eps_at": "before correction"},
                                  "you add eps to v_t before correcting it, sqrt((v_t + eps) / (1 - beta2**t)) (the "
                                  "efficient form with eps inside the root): add eps after the correction, outside "
                                  "the root, m_hat / (np.sqrt(v_hat) + eps)."),
    "eps twice": ({"eps_at": "both"},
                  "you add eps twice, inside the square root and outside it: add it once, outside, "
                  "m_hat / (np.sqrt(v_hat) + eps)."),
    "fixed eps": ({"eps_at": "fixed"},
                  "your step ignores the argument eps (a 1e-8 typed in?): use the eps you are given."),
    "efficient form": ({"eps_at": "efficient"},
                       "you compute the efficient form, alpha_t * m_t / (sqrt(v_t) + eps): with the same eps it is "
                       "not the explicit step (its eps acts as eps / sqrt(1 - beta2**t)); the exercise asks for "
                       "lr * m_hat / (sqrt(v_hat) + eps)."),
    "NPFL114 box": ({"step_size": "alpha_t", "eps_at": "inside"},
                    "you use the step size alpha_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t) with the corrected "
                    "moments and eps inside the root, as NPFL114's box prints it: that corrects twice (your first "
                    "step is {first} x lr). Use lr with m_hat and v_hat."),
    "corrected twice": ({"step_size": "alpha_t"},
                        "you use the step size alpha_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t) with the "
                        "corrected moments, which corrects twice (your first step is {first} x lr): either lr with "
                        "m_hat and v_hat (asked for here) or alpha_t with the raw m_t and v_t."),
    "no lr": ({"step_size": "none"}, "the learning rate is missing: theta_new = theta - lr * m_hat / (...)."),
    "grad on top": ({"numerator": "grad"},
                    "the step's numerator is the averaged gradient m_hat, not the gradient grad itself."),
    "AMSGrad's maximum": ({"v_max": True},
                          "v_new = np.maximum(v, ...) is AMSGrad's running maximum (Chapter 7): Adam's v_t is the "
                          "average itself, v_new = beta2 * v + (1 - beta2) * grad**2."),
    "g not g^2": ({"square": False},
                  "v averages the SQUARED gradient: v_t = beta2 v_{t-1} + (1 - beta2) * grad**2, not grad."),
    "no sqrt": ({"root": False},
                "the step divides by the square ROOT of v_hat: m_hat / (np.sqrt(v_hat) + eps)."),
    "sign": ({"sign": 1.0}, "your step goes uphill: theta_t = theta_{t-1} MINUS lr * m_hat / (sqrt(v_hat) + eps)."),
}

#: Mistakes in the moments handed back (the step itself is right).
_MOMENT_MISTAKES = {
    "hatted moments": ({"hat_m": True, "hat_v": True},
                       "you return the corrected moments m_hat and v_hat: return the raw m_t and v_t. The next step "
                       "averages into them, and a corrected m or v would be corrected again."),
    "stored back m": ({"hat_m": True},
                      "your m_new has the correction divided into it (m = m / (1 - beta1**t) stored back): the "
                      "correction then compounds from step to step. Keep m_t raw and compute m_hat separately."),
    "stored back v": ({"hat_v": True},
                      "your v_new has the correction divided into it (v = v / (1 - beta2**t) stored back): the "
                      "correction then compounds from step to step. Keep v_t raw and compute v_hat separately."),
    "moments swapped": ({"moments_swapped": True},
                        "you return v_new where m_new belongs and m_new where v_new belongs: the order is "
                        "theta_new, m_new, v_new."),
}

#: What each input array must not be changed by, and the line that leaves it alone.
_IN_PLACE = {
    "theta": "theta_new = theta - lr * m_hat / (np.sqrt(v_hat) + eps) instead of theta -= (or [:] =) on theta",
    "grad": "grad**2 makes a new array, grad **= 2 squares the caller's gradient",
    "m": "m_new = beta1 * m + (1 - beta1) * grad instead of m *= beta1 and m += (or [:] =) on m",
    "v": "v_new = beta2 * v + (1 - beta2) * grad**2 instead of v *= beta2 and v += (or [:] =) on v",
}


def adam_step_with_mistake(mistake, theta, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam step ``(theta_new, m_new, v_new)`` computed with a named mistake (Chapter 8's exercises).

    ``mistake`` is a key of :data:`MISTAKES` (e.g. ``"beta not beta^t"``, ``"t from 0"``,
    ``"NPFL114 box"``), ``"stored back"`` (the corrected moments returned and so compounded), or
    ``None`` for the right step of eqs. ``eq-adam-moments`` and ``eq-bias-correction``. The
    chapter runs its buggy versions with it, and :func:`check_adam_step` recognises them by it.
    """
    kinds = {None: {}, "stored back": _MOMENT_MISTAKES["hatted moments"][0]}
    kinds.update({name: kwargs for name, (kwargs, _) in MISTAKES.items()})
    if mistake not in kinds:
        raise ValueError(f"adam_step_with_mistake: unknown mistake {mistake!r}; known: {sorted(map(str, kinds))}")
    arrays = [np.asarray(a, dtype=np.float64) for a in (theta, grad, m, v)]
    return _adam(*arrays, t, lr, betas, eps, **kinds[mistake])


def _cases():
    """(theta, grad, m, v, t, lr, betas, eps): the first is a first step with torch's defaults; the last
    has gradients as small as eps, where eps's place and the efficient form show."""
    return [
        (np.array([0.5, -1.0, 2.0]), np.array([0.3, -2.0, 0.05]), np.zeros(3), np.zeros(3), 1, 1e-3,
         (0.9, 0.999), 1e-8),
        (np.array([1.0, -2.0]), np.array([0.4, -0.7]), np.array([0.2, -0.1]), np.array([0.3, 0.5]), 5, 1e-2,
         (0.9, 0.999), 1e-8),
        (np.array([0.2, 0.4, -1.0]), np.array([1.5, 0.5, -0.5]), np.array([-1.0, 2.0, 0.5]),
         np.array([1.0, 4.0, 0.5]), 3, 0.1, (0.8, 0.99), 0.05),
        (np.array([3.0]), np.array([-4.0]), np.array([2.0]), np.array([6.0]), 50, 0.2, (0.5, 0.9), 1e-3),
        (np.array([0.5, -1.5]), np.array([0.012, -0.02]), np.array([0.001, -0.0015]), np.array([1e-6, 3e-6]), 2,
         1e-2, (0.9, 0.99), 1e-2),
    ]


# what the student returns, and why all of it is needed
_RESULTS = (("theta_new", "m_new", "v_new"), "the next step needs m_t and v_t")


def _same(got, want) -> bool:
    """Moments equal up to float32 rounding. Looser than the other checks: in float32, 1 - 0.999 is
    off by 1.3e-5 of itself, so v carries that much error."""
    return _same_within(got, want, rtol=1e-4)


def _same_step(got, want, theta) -> bool:
    """The steps ``got - theta`` and ``want - theta`` agree to 1e-3 of the step's size.

    Compared as steps, not as parameters: a step of 1e-3 on a parameter of 2 would hide a
    wrong step inside the parameter's digits. 1e-3 leaves room for an answer computed in float32.
    """
    got_step, want_step = got - theta, want - theta
    if got_step.shape != want_step.shape:
        return False
    finite = want_step[np.isfinite(want_step)]
    size = np.abs(finite).max() if finite.size else 0.0
    return bool(np.allclose(got_step, want_step, rtol=1e-3, atol=1e-3 * size + 1e-15, equal_nan=True))


def _first_step(kwargs) -> str:
    """The first step the mistake ``kwargs`` takes on the first case, in units of lr (largest coordinate)."""
    theta, g, m, v, t, lr, betas, eps = _cases()[0]
    return f"{np.max(np.abs(_adam(theta, g, m, v, t, lr, betas, eps, **kwargs)[0] - theta)) / lr:.3g}"


def _combined(first, second):
    """Two mistakes made together, as one set of keywords, or None where they change the same thing."""
    if set(first) & set(second):
        return None
    return {**first, **second}


def _misfit(got, wrong, theta) -> float | None:
    """How far the step ``got`` is from ``wrong``'s, relative to its size, or None if they differ."""
    if not _same_step(got, wrong, theta):
        return None
    with np.errstate(invalid="ignore"):
        gap = np.nan_to_num(np.abs((got - theta) - (wrong - theta)), nan=0.0)
        size = np.nanmax(np.abs(wrong - theta), initial=0.0)
    return float(gap.max() / size) if size > 0 else 0.0


def _diagnose_step(got, want, args) -> str | None:
    """The message of the mistake (or of two mistakes together) that reproduces the student's step.

    Among the mistakes whose step agrees with the student's (to 1e-3), the one that also
    reproduces the moments wins; then one that fits to rounding rather than only to 1e-3 (where
    eps hardly matters, eps inside and outside the root both agree to 1e-3); then the first.
    """
    theta = args[0]
    singles = list(MISTAKES.values())
    pairs = [(both, f"two mistakes. First, {_alone(m1)} Second, {_alone(m2)}")
             for (k1, m1), (k2, m2) in combinations(singles, 2) if (both := _combined(k1, k2)) is not None]
    fitting = []
    for order, (kwargs, message) in enumerate(singles + pairs):
        wrong = _adam(*args, **kwargs)
        misfit = _misfit(got[0], wrong[0], theta)
        if misfit is not None and not _same_step(wrong[0], want[0], theta):
            moments_fit = _same(got[1], wrong[1]) and _same(got[2], wrong[2])
            fitting.append((not moments_fit, misfit, order, kwargs, message))
    if not fitting:
        return None
    best = min(misfit for _, misfit, *_ in fitting)
    _, _, _, kwargs, message = min(fitting, key=lambda f: (f[0], f[1] > 10 * best + 1e-9, f[2]))
    return message.replace("{first}", _first_step(kwargs))


def _alone(message: str) -> str:
    """A mistake's message without the first step it would take alone (two mistakes take another)."""
    return message.replace(" (your first step is {first} x lr)", "")


def _implied_eps(got, want, args) -> str:
    """' Your step is Adam's with eps = ...' where one constant eps in place of the given one explains it."""
    theta, g, m, v, t, lr, (beta1, beta2), eps = args
    m_hat = (beta1 * m + (1 - beta1) * g) / (1 - beta1**t)
    v_hat = (beta2 * v + (1 - beta2) * g**2) / (1 - beta2**t)
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = -lr * m_hat / (got - theta) - np.sqrt(v_hat)
    if (np.all(np.isfinite(implied)) and np.ptp(implied) <= 1e-2 * np.abs(implied).max()
            and implied.mean() >= 0 and abs(implied.mean() / eps - 1) > 1e-2):
        return (f" Your step is Adam's with eps = {implied.mean():.3g} in place of the given eps = {eps}: use "
                "eps as given, once, outside the root.")
    return ""


def _size_ratio(got, want, theta) -> str:
    """' (k times the right size in every coordinate)' where the student's step is a multiple of the right one."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (got - theta) / (want - theta)
    if np.all(np.isfinite(ratio)) and np.ptp(ratio) < 1e-3 * abs(ratio.mean()) and ratio.mean() > 0:
        return f" Your step is {ratio.mean():.4g} times the right one in every coordinate."
    return ""


def check_adam_step(fn) -> None:
    """Check a student's ``fn(theta, grad, m, v, t, lr, betas, eps)`` returning ``(theta_new, m_new, v_new)``.

    Chapter 8, exercise on eqs. ``eq-adam-moments`` and ``eq-bias-correction``: ``t`` is the number of
    this step, counted from 1; ``m`` and ``v`` are the raw moments of step t - 1 (zeros before the
    first step), and the function returns the new parameters and the new raw moments, without
    modifying its inputs. Compared with :class:`optimlab.optimizers.Adam` on five single steps (the
    step theta_new - theta to 1e-3 of its size, the moments to float32 rounding; the last case has
    gradients as small as eps) and a 30-step run on a quadratic. A mismatch is matched against the
    likely mistakes of :data:`MISTAKES`, alone or two together, each with its own message; the
    moments are matched against the corrected moments returned or stored back and against m and v
    swapped; a changed input is named.
    """
    name = getattr(fn, "__name__", "your function")
    for theta, g, m, v, t, lr, betas, eps in _cases():
        inputs = [theta.copy(), g.copy(), m.copy(), v.copy()]
        result = _invoke(fn, *inputs, t, lr, betas, eps, copy_arrays=False)
        where = f"for t = {t}, lr = {lr}, betas = {betas}, eps = {eps}:"
        changed = [label for given, original, label in zip(inputs, (theta, g, m, v), _IN_PLACE, strict=True)
                   if not np.array_equal(given, original)]
        if changed:
            fixes = "; ".join(_IN_PLACE[label] for label in changed)
            raise CheckFailed(f"{where} your function changed the caller's {' and '.join(changed)} in place: "
                              f"compute new arrays, {fixes}.")
        got = _results(result, name, *_RESULTS)
        want = _right(theta, g, m, v, t, lr, betas, eps)
        args = (theta, g, m, v, t, lr, betas, eps)
        step_right = _same_step(got[0], want[0], theta)
        if step_right and _same(got[1], want[1]) and _same(got[2], want[2]):
            continue
        if not step_right:
            message = _diagnose_step(got, want, args)
            if message is not None:
                raise CheckFailed(f"{where} {message}")
            if not np.all(np.isfinite(got[0])):
                raise CheckFailed(f"{where} your theta_new contains {got[0].tolist()}: look for a division by "
                                  "zero or the root of a negative number.")
            raise CheckFailed(f"{where} expected theta_new = {want[0].tolist()}, got {got[0].tolist()}."
                              f"{_implied_eps(got[0], want[0], args) or _size_ratio(got[0], want[0], theta)}")
        for kwargs, message in _MOMENT_MISTAKES.values():
            _, wrong_m, wrong_v = _adam(*args, **kwargs)
            if _same(got[1], wrong_m) and _same(got[2], wrong_v):
                raise CheckFailed(f"{where} {message}")
        for kwargs, message in MISTAKES.values():
            _, wrong_m, wrong_v = _adam(*args, **kwargs)
            if (_same(got[1], wrong_m) and _same(got[2], wrong_v)
                    and not (_same(wrong_m, want[1]) and _same(wrong_v, want[2]))):
                raise CheckFailed(f"{where} your step is right here, but your moments are not: {_alone(message)}")
        raise CheckFailed(f"{where} theta_new is right but the moments are not: expected m_new = "
                          f"{want[1].tolist()} and v_new = {want[2].tolist()}, got {got[1].tolist()} and "
                          f"{got[2].tolist()}.")
    # a run: the moments handed back must be the ones the next step uses, with t = 1, 2, ...
    from ..optimizers import Adam

    state = {"m": np.zeros(2), "v": np.zeros(2)}

    def student_step(t, theta, grad):
        result = _invoke(fn, theta, grad, state["m"], state["v"], t, 0.05, (0.9, 0.999), 1e-8)
        theta, state["m"], state["v"] = _results(result, name, *_RESULTS)
        return theta

    _run_alongside(student_step, Adam(0.05), 30, "Adam",
                   close=lambda got, want: np.allclose(got, want, rtol=1e-3, atol=1e-5))
    _passed("check_adam_step", len(_cases()) + 1)
