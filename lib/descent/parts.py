"""Course code (read it, don't edit it): every rule of the course as θ_t = θ_{t−1} − (η_t/σ_t)·m_t.

The NTU summary of the course: an update rule is a choice of three parts,

    m_t   a first-moment part: what direction to go (the gradient, a sum or an average of them)
    σ_t   a scale part: how much to divide each coordinate by (1, a root of squared gradients, ...)
    η_t   a learning rate, constant or from a schedule (``rollout(..., eta=lambda t: ...)``)

and ``compose(first, scale)`` turns a pair of parts into a rule that follows the course's contract
(state: each part's own, plus the step counter t, incremented first). ``TABLE`` writes every rule of
the course this way and ``assemble(name)`` builds it; tests/test_parts.py checks each one against
the rule itself. A part can also be read off a rule you wrote (``from_rule``), so an optimizer can
be assembled from your own pieces:

    from descent import parts
    adam = parts.compose(parts.ema("beta1", corrected=True), parts.ema_sq("beta2", "eps", corrected=True))
    amsgrad = parts.compose(parts.ema("beta1", corrected=True), parts.max_sq("beta2", "eps"))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .contract import init_state, with_state


@dataclass(frozen=True)
class Part:
    """One part of a rule: its symbol and formula (for the table), the state it keeps (initial
    values), the hyperparameters it reads, and ``fn(g, state, t, hyper) -> (value, new_state)``
    (its own state keys only). ``after(step, state, hyper) -> new_state`` updates state once the
    step η_t·m_t/σ_t is known (Adadelta's average of squared steps)."""

    symbol: str
    formula: str
    state: dict
    hyper: tuple
    fn: Callable
    after: Callable | None = field(default=None, compare=False)


# -- first-moment parts: m_t --------------------------------------------------------------------------
def gradient() -> Part:
    """m_t = g_t."""
    return Part("g_t", "g_t", {}, (), lambda g, state, t, h: (g, {}))


def heavy_ball(alpha: str = "alpha", look_ahead: bool = False) -> Part:
    """m_t = α·m_{t−1} + g_t (a sum, not an average): momentum's velocity is v_t = −η·m_t for a
    constant η. ``look_ahead``: Nesterov's α·m_t + g_t."""
    def fn(g, state, t, h):
        m = h[alpha] * state["m"] + g
        return (h[alpha] * m + g if look_ahead else m), {"m": m}
    formula = "α·m_t + g_t, m_t = α·m_{t−1} + g_t" if look_ahead else "α·m_{t−1} + g_t"
    return Part("m_t", formula, {"m": 0.0}, (alpha,), fn)


def ema(beta: str = "beta", corrected: bool = False, look_ahead: bool = False) -> Part:
    """m_t = β·m_{t−1} + (1 − β)·g_t, divided by 1 − βᵗ if ``corrected`` (m̂_t); ``look_ahead``:
    NAdam's β·m_t/(1 − β^(t+1)) + (1 − β)·g_t/(1 − βᵗ)."""
    def fn(g, state, t, h):
        b = h[beta]
        m = b * state["m"] + (1 - b) * g
        if look_ahead:
            return b * m / (1 - b ** (t + 1)) + (1 - b) * g / (1 - b ** t), {"m": m}
        return (m / (1 - b ** t) if corrected else m), {"m": m}
    symbol = "m̄_t" if look_ahead else ("m̂_t" if corrected else "m_t")
    formula = ("β₁·m_t/(1−β₁^(t+1)) + (1−β₁)·g_t/(1−β₁ᵗ)" if look_ahead else
               "m_t/(1−β₁ᵗ), m_t = EMA of g" if corrected else "β·m_{t−1} + (1−β)·g_t")
    return Part(symbol, formula, {"m": 0.0}, (beta,), fn)


# -- scale parts: σ_t ---------------------------------------------------------------------------------
def one() -> Part:
    """σ_t = 1."""
    return Part("1", "1", {}, (), lambda g, state, t, h: (1.0, {}))


def sum_sq(eps: str = "eps") -> Part:
    """σ_t = √G_t + ε, G_t = G_{t−1} + g_t² (Adagrad)."""
    def fn(g, state, t, h):
        G = state["G"] + g * g
        return np.sqrt(G) + h[eps], {"G": G}
    return Part("√G_t + ε", "G_t = Σ g²", {"G": 0.0}, (eps,), fn)


def ema_sq(beta2: str = "beta2", eps: str = "eps", corrected: bool = False) -> Part:
    """σ_t = √s_t + ε with s_t = β₂·s_{t−1} + (1 − β₂)·g_t² (RMSProp), or √(s_t/(1 − β₂ᵗ)) + ε if
    ``corrected`` (Adam)."""
    def fn(g, state, t, h):
        b = h[beta2]
        s = b * state["s"] + (1 - b) * g * g
        return np.sqrt(s / (1 - b ** t) if corrected else s) + h[eps], {"s": s}
    return Part("√ŝ_t + ε" if corrected else "√s_t + ε", "s_t = EMA of g²", {"s": 0.0},
                (beta2, eps), fn)


def max_sq(beta2: str = "beta2", eps: str = "eps", of_corrected: bool = False,
           corrected: bool = True) -> Part:
    """σ_t = √(s_max,t/(1 − β₂ᵗ)) + ε, s_max,t = max(s_max,t−1, s_t): the running maximum of the raw
    second moment, corrected afterwards (AMSGrad as torch writes it). ``of_corrected``: optax's
    form instead, σ_t = √(max_k ŝ_k) + ε, the maximum of the corrected ŝ_t (kept in s_max);
    ``corrected=False``: no correction at all, √s_max,t + ε (the paper's Algorithm 2, with ε)."""
    def fn(g, state, t, h):
        b = h[beta2]
        s = b * state["s"] + (1 - b) * g * g
        if not corrected:
            s_max = np.maximum(state["s_max"], s)
            return np.sqrt(s_max) + h[eps], {"s": s, "s_max": s_max}
        if of_corrected:
            s_max = np.maximum(state["s_max"], s / (1 - b ** t))
            return np.sqrt(s_max) + h[eps], {"s": s, "s_max": s_max}
        s_max = np.maximum(state["s_max"], s)
        return np.sqrt(s_max / (1 - b ** t)) + h[eps], {"s": s, "s_max": s_max}
    if of_corrected:
        return Part("√(max ŝ) + ε", "running max of ŝ (optax)", {"s": 0.0, "s_max": 0.0}, (beta2, eps), fn)
    return Part("√(s_max,t/(1−β₂ᵗ)) + ε", "running max of s", {"s": 0.0, "s_max": 0.0},
                (beta2, eps), fn)


def inf_norm(beta2: str = "beta2", eps: str = "eps") -> Part:
    """σ_t = u_t = max(β₂·u_{t−1}, |g_t| + ε) (AdaMax)."""
    def fn(g, state, t, h):
        u = np.maximum(h[beta2] * state["u"], np.abs(g) + h[eps])
        return u, {"u": u}
    return Part("u_t", "max(β₂·u_{t−1}, |g_t| + ε)", {"u": 0.0}, (beta2, eps), fn)


def rectified(beta2: str = "beta2", eps: str = "eps") -> Part:
    """RAdam's scale: (√s_t + ε)/(r_t·√(1 − β₂ᵗ)) once ρ_t > 5, 1 before."""
    def fn(g, state, t, h):
        b = h[beta2]
        s = b * state["s"] + (1 - b) * g * g
        rho_inf = 2 / (1 - b) - 1
        rho_t = rho_inf - 2 * t * b ** t / (1 - b ** t)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            sigma = (np.sqrt(s) + h[eps]) / (r * np.sqrt(1 - b ** t))
        return np.where(rho_t > 5, sigma, 1.0), {"s": s}
    return Part("(√s_t + ε)/(r_t·√(1−β₂ᵗ))", "1 while ρ_t ≤ 5", {"s": 0.0}, (beta2, eps), fn)


def units(rho: str = "rho", eps: str = "eps") -> Part:
    """Adadelta's scale √(s_t + ε)/√(d_{t−1} + ε), d_t = ρ·d_{t−1} + (1 − ρ)·Δθ_t² after the step."""
    def fn(g, state, t, h):
        s = h[rho] * state["s"] + (1 - h[rho]) * g * g
        return np.sqrt(s + h[eps]) / np.sqrt(state["d"] + h[eps]), {"s": s}

    def after(step, state, h):
        return {"d": h[rho] * state["d"] + (1 - h[rho]) * step * step}
    return Part("√(s_t+ε)/√(d_{t−1}+ε)", "RMS[g]/RMS[Δθ]", {"s": 0.0, "d": 0.0}, (rho, eps), fn, after)


def gains(kappa="kappa", phi="phi", gain_min="gain_min", gain_max="gain_max") -> Part:
    """σ_t = 1/γ_t, the local gains of lecture 03 (grown by κ while g keeps its sign, cut by φ)."""
    def fn(g, state, t, h):
        agree = g * state["g_prev"]
        grown = np.minimum(state["gain"] + h[kappa], h[gain_max])
        shrunk = np.maximum((1 - h[phi]) * state["gain"], h[gain_min])
        gain = np.where(agree > 0, grown, np.where(agree < 0, shrunk, state["gain"]))
        return 1.0 / gain, {"gain": gain, "g_prev": np.array(g, dtype=float)}
    return Part("1/γ_t", "local gains", {"gain": 1.0, "g_prev": 0.0},
                (kappa, phi, gain_min, gain_max), fn)


# -- parts read off a rule ----------------------------------------------------------------------------
def from_rule(rule, key: str, hyper: dict, value: Callable | None = None) -> Part:
    """A part whose state is ``rule``'s and whose value is ``value(new_state, t, h)`` (default: the
    state variable ``key``), by calling the rule itself: ``hyper`` maps the rule's hyperparameter
    names to the composed rule's (``{"eta": 1.0, "beta": "beta1"}``; a number is passed as is).
    This is how your own momentum_ema or rmsprop becomes a part."""
    initial = dict(getattr(rule, "initial_state", {}))
    names = tuple(v for v in hyper.values() if isinstance(v, str))

    def fn(g, state, t, h):
        args = {k: (h[v] if isinstance(v, str) else v) for k, v in hyper.items()}
        own = {k: state[k] for k in initial}
        _, new = rule(np.zeros_like(np.asarray(g, dtype=float)), g, own, **args)
        return (new[key] if value is None else value(new, t, h)), {k: new[k] for k in initial}
    return Part(key, f"from {getattr(rule, '__name__', 'a rule')}", initial, names, fn)


def corrected_ema_of(rule, beta: str = "beta1") -> Part:
    """m̂_t = m_t/(1 − βᵗ) read off ``rule``, a first moment in the form of lecture 01's
    momentum_ema (state m; hyperparameters eta, beta): your momentum_ema as Adam's first part."""
    return from_rule(rule, "m", {"eta": 1.0, "beta": beta},
                     value=lambda new, t, h: new["m"] / (1 - h[beta] ** t))


# -- the rule ----------------------------------------------------------------------------------------
def compose(first: Part, scale: Part, *, eta: bool = True, decay: str | None = None):
    """The rule θ_t = θ_{t−1} − η_t·(m_t/σ_t + λ·θ_{t−1}) with m_t from ``first`` and σ_t from
    ``scale``; λ = 0 unless ``decay`` names a hyperparameter (AdamW's weight_decay); without
    ``eta`` the rule has no learning rate (η_t = 1: Adadelta). State: both parts' and t."""
    clash = set(first.state) & set(scale.state)
    if clash:
        raise ValueError(f"both parts keep the state {sorted(clash)}: give one of them other names")
    names = (("eta",) if eta else ()) + first.hyper + scale.hyper + ((decay,) if decay else ())

    @with_state(**first.state, **scale.state, t=0)
    def rule(theta, g, state, **hyper):
        missing = set(names) - set(hyper)
        if missing:
            raise TypeError(f"missing hyperparameters {sorted(missing)}")
        t = state["t"] + 1
        m, new_first = first.fn(g, state, t, hyper)
        sigma, new_scale = scale.fn(g, state, t, hyper)
        step = (hyper["eta"] if eta else 1.0) * (m / sigma + (hyper[decay] * theta if decay else 0.0))
        new = {**new_first, **new_scale, "t": t}
        if scale.after is not None:
            new.update(scale.after(step, state, hyper))
        return theta - step, new

    rule.parts = (first, scale)
    rule.hyperparameters = names
    return rule


#: every rule of the course as (m_t, σ_t, η_t): the parts, and whether η and a decay enter.
#: momentum and nesterov keep m_t = −v_t/η (the same θ for a constant η; under a schedule the
#: velocity form rescales only new steps, lecture 01), so their state differs from the rule's.
TABLE = {
    "gd": (gradient(), one(), {}),
    "momentum": (heavy_ball("alpha"), one(), {}),
    "momentum_ema": (ema("beta"), one(), {}),
    "nesterov": (heavy_ball("alpha", look_ahead=True), one(), {}),
    "local_gains": (gradient(), gains(), {}),
    "adagrad": (gradient(), sum_sq("eps"), {}),
    "rmsprop": (gradient(), ema_sq("beta2", "eps"), {}),
    "adadelta": (gradient(), units("rho", "eps"), {"eta": False}),
    "adam": (ema("beta1", corrected=True), ema_sq("beta2", "eps", corrected=True), {}),
    "adamw": (ema("beta1", corrected=True), ema_sq("beta2", "eps", corrected=True),
              {"decay": "weight_decay"}),
    "adamax": (ema("beta1", corrected=True), inf_norm("beta2", "eps"), {}),
    "nadam": (ema("beta1", look_ahead=True), ema_sq("beta2", "eps", corrected=True), {}),
    "radam": (ema("beta1", corrected=True), rectified("beta2", "eps"), {}),
    "amsgrad": (ema("beta1", corrected=True), max_sq("beta2", "eps"), {}),
}


def yours_if_right(name: str):
    """(rule, who): your rule ``name`` from descent.rules if it passes the course's reference
    checks (silently), else the reference ("the reference", or "the reference (yours differs)")."""
    import contextlib
    import io

    from . import reference
    from .checks import check_rule
    from .compose import yours_or_reference

    rule, who = yours_or_reference(name)
    if who != "your":
        return rule, who
    try:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            check_rule(rule, name)
    except Exception:  # noqa: BLE001  (any failure: the lecture runs on the reference)
        return reference.rule(name), "the reference (yours differs)"
    return rule, "your"


def assemble(name: str):
    """The rule ``name`` of the course, assembled from its parts in :data:`TABLE`."""
    first, scale, options = TABLE[name]
    return compose(first, scale, **options)


def table() -> str:
    """TABLE as text: one line per rule, its m_t, σ_t and η_t (lines of ≤ 90 characters)."""
    lines = [f"{'rule':<13s}{'m_t':<11s}{'σ_t':<28s}η_t"]
    for name, (first, scale, options) in TABLE.items():
        eta = "1 (no η)" if options.get("eta") is False else "η"
        if options.get("decay"):
            eta += ", + ηλθ"
        lines.append(f"{name:<13s}{first.symbol:<11s}{scale.symbol:<28s}{eta}")
    return "\n".join(lines)


def scheduled(rule, schedule, **schedule_hyper):
    """``rule`` whose η follows ``schedule``: at step t it runs with η_t = schedule(t, eta=η,
    **schedule_hyper), η (its ``eta``) being the schedule's peak, which a race can then tune
    (``scheduled(adamw, warmup_cosine, warmup=45, total=450)``). Keeps its own step counter."""
    initial = dict(getattr(rule, "initial_state", {}))
    if "step" in initial:
        raise ValueError("the rule already keeps a state called 'step'")

    @with_state(**initial, step=0)
    def wrapped(theta, g, state, *, eta, **hyper):
        t = state["step"] + 1
        own = {k: v for k, v in state.items() if k != "step"}
        new_theta, new = rule(theta, g, own, eta=schedule(t, eta=eta, **schedule_hyper), **hyper)
        return new_theta, {**new, "step": t}

    return wrapped


def run_parts(rule, theta, grads, **hyper) -> np.ndarray:
    """θ_0..θ_T of ``rule`` on the given gradients (a helper for comparing two rules)."""
    theta = np.asarray(theta, dtype=float)
    state, out = init_state(rule, theta), [theta]
    for g in grads:
        theta, state = rule(theta, g, state, **hyper)
        out.append(theta)
    return np.array(out)
