"""Topic 11 · RAdam: the spec of `radam` (fields: descent_instructor/spec.py).

The course writes torch.optim.RAdam's form (2.13, decoupled_weight_decay=False, weight_decay=0):
the rectified adaptive step once ρ_t > 5, with ε added to the uncorrected √s_t, and before that
momentum SGD with the bias-corrected m̂_t. The values agree with torch 2.13 on every case
(tests/data/torch/radam.json). The paper (Liu et al. 2019, Alg. 2) rectifies as soon as ρ_t > 4 and
has no ε; the official code and optax rectify when ρ_t ≥ 5, and the official code's default makes
no update at all before that. ρ_1 = 1 for every β₂ and ρ_t < 5 for t ≤ 5 whatever β₂, so torch's
first rectified step is t = 6 at the earliest (β₂ = 0.9 and 0.999 both reach it there), while
β₂ ≤ 2/3 never rectifies (ρ_∞ ≤ 5). Values confirmed independently in tests/test_11_radam.py (the
first steps by hand, ρ_t against its series, a constant gradient in closed form, the rectified
step against Adam's)."""
import numpy as np

from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common

# a constant gradient for 300 steps: m̂ = g and s = (1 − β₂³⁰⁰)·g², so the step is
# −η·r₃₀₀·g/(|g| + ε/√(1 − β₂³⁰⁰)), with ρ₃₀₀ = ρ_∞ − 600·β₂³⁰⁰/(1 − β₂³⁰⁰)
_RHO_INF = "(2 / (1 - beta2) - 1)"
_RHO_300 = f"({_RHO_INF} - 600 * beta2 ** 300 / (1 - beta2 ** 300))"
_GAIN_300 = (f"eta * sqrt(({_RHO_300} - 4) * ({_RHO_300} - 2) * {_RHO_INF} / "
             f"(({_RHO_INF} - 4) * ({_RHO_INF} - 2) * {_RHO_300})) "
             "/ (abs(g) + eps / sqrt(1 - beta2 ** 300))")


@with_state(m=0.0, s=0.0, t=0)
def _paper_threshold(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    rectified = rho_t > 4  # the paper's threshold, not torch's 5
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = r * np.sqrt(1 - beta2 ** t) / (np.sqrt(s) + eps)
    return theta - eta * np.where(rectified, adaptive, 1.0) * m_hat, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _not_rectified(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    adaptive = np.sqrt(1 - beta2 ** t) / (np.sqrt(s) + eps)  # no r_t: Adam's step
    return theta - eta * np.where(rho_t > 5, adaptive, 1.0) * m_hat, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _s_not_corrected(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = r / (np.sqrt(s) + eps)  # √(1 − β₂ᵗ) missing
    return theta - eta * np.where(rho_t > 5, adaptive, 1.0) * m_hat, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _s_corrected_twice(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = r * np.sqrt(1 - beta2 ** t) / (np.sqrt(s_hat) + eps)  # ŝ and √(1 − β₂ᵗ)
    return theta - eta * np.where(rho_t > 5, adaptive, 1.0) * m_hat, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _eps_on_corrected_root(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = r / (np.sqrt(s_hat) + eps)  # Adam's √ŝ_t + ε
    return theta - eta * np.where(rho_t > 5, adaptive, 1.0) * m_hat, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _no_update_before_threshold(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = r * np.sqrt(1 - beta2 ** t) / (np.sqrt(s) + eps)
    return theta - eta * np.where(rho_t > 5, adaptive, 0.0) * m_hat, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _fallback_uncorrected(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        step = r * np.sqrt(1 - beta2 ** t) / (np.sqrt(s) + eps) * m_hat
    return theta - eta * np.where(rho_t > 5, step, m), {"m": m, "s": s, "t": t}  # m, not m̂


@with_state(m=0.0, s=0.0, t=0)
def _r_upside_down(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_inf - 4) * (rho_inf - 2) * rho_t / ((rho_t - 4) * (rho_t - 2) * rho_inf))  # ρ's swapped
        adaptive = r * np.sqrt(1 - beta2 ** t) / (np.sqrt(s) + eps)
    return theta - eta * np.where(rho_t > 5, adaptive, 1.0) * m_hat, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _rho_power_t_minus_1(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** (t - 1) / (1 - beta2 ** t)  # β₂^(t−1) where β₂ᵗ belongs
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = r * np.sqrt(1 - beta2 ** t) / (np.sqrt(s) + eps)
    return theta - eta * np.where(rho_t > 5, adaptive, 1.0) * m_hat, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _rectified_uncorrected_m(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        step = r * np.sqrt(1 - beta2 ** t) / (np.sqrt(s) + eps) * m  # m, not m̂
    return theta - eta * np.where(rho_t > 5, step, m_hat), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _betas_swapped(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta2 * state["m"] + (1 - beta2) * g          # β₂ where β₁ belongs ...
    s = beta1 * state["s"] + (1 - beta1) * g * g      # ... and β₁ where β₂ belongs
    m_hat = m / (1 - beta2 ** t)
    rho_inf = 2 / (1 - beta1) - 1
    rho_t = rho_inf - 2 * t * beta1 ** t / (1 - beta1 ** t)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = r * np.sqrt(1 - beta1 ** t) / (np.sqrt(s) + eps)
    return theta - eta * np.where(rho_t > 5, adaptive, 1.0) * m_hat, {"m": m, "s": s, "t": t}


RULES = (
    Rule(
        "radam",
        # β₂ = 0.999 (torch's default) and 0.9 both rectify first at t = 6, within the 8 steps of
        # the quadratic case (first set) and the 6 of the vector (second set); both have ρ_5 in
        # (4, 5] (4.996 and 4.58), where the paper already rectifies. ε = 0.1 against gradients of
        # size 2 puts ε where √s_t is (the second set: ε on √s_t or on √ŝ_t differ by a factor
        # 1/√(1 − β₂ᵗ) ≈ 1.5 at t = 6); the batch has a β₂ per run, from one that never
        # rectifies (0.5: ρ_∞ = 3) to 0.999, and a β₁ of 0 (m̂_t = g_t).
        hyper=({"eta": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
               {"eta": 0.037, "beta1": 0.8, "beta2": 0.9, "eps": 0.1},
               {"eta": [0.001, 0.01, 0.03, 0.1], "beta1": [0.0, 0.5, 0.9, 0.99],
                "beta2": [0.5, 0.9, 0.99, 0.999], "eps": [1e-8, 1e-6, 1e-3, 0.1]}),
        properties=("pure", "batch",
                    # β₁ = 0 and β₂ = 0.5: m̂_t = g_t and ρ_∞ = 3 < 5, never rectified
                    ("reduces_to_gd", {"off": {"beta1": 0.0, "beta2": 0.5}}),
                    ("constant_gradient", {"gain": _GAIN_300, "steps": 300,
                                           "formula": "η·r₃₀₀/(|g| + ε/√(1−β₂³⁰⁰))"})),
        mistakes=(
            common.gradient_sign("The rule is {equation}."),
            Mistake("threshold 4 of the paper instead of 5",
                    "your rule rectified at a step where 4 < ρ_t ≤ 5 (with β₂ = 0.999, at t = 5: "
                    "ρ_5 = 4.996). That is the paper's Algorithm 2; this rule, like torch, takes "
                    "the adaptive step only once ρ_t > 5, and momentum SGD before. {equation}.",
                    _paper_threshold),
            Mistake("rectification r_t left out",
                    "past the threshold your step is Adam's: multiply the adaptive step by the "
                    "rectification r_t, which is well below 1 in the first steps after the "
                    "threshold and only tends to 1. {equation}.", _not_rectified),
            Mistake("second moment not bias-corrected",
                    "your adaptive step divides by √s_t without the factor √(1 − β₂ᵗ) in the "
                    "numerator: early on s_t is far too small, so the step is too large. Correct "
                    "s_t once. {equation}.", _s_not_corrected),
            Mistake("second moment corrected twice",
                    "you divided by √ŝ_t = √(s_t/(1 − β₂ᵗ)) and also multiplied by √(1 − β₂ᵗ): "
                    "the correction is applied twice. Use one of them, with ε where torch puts "
                    "it. {equation}.", _s_corrected_twice),
            Mistake("ε on the corrected root",
                    "you added ε to √ŝ_t, as Adam does; torch's RAdam (and this rule) adds ε to "
                    "the uncorrected √s_t and multiplies by √(1 − β₂ᵗ), which makes ε "
                    "1/√(1 − β₂ᵗ) times smaller in the step. The two differ where ε is comparable "
                    "to √s_t. {equation}.", _eps_on_corrected_root),
            Mistake("no update before the threshold",
                    "your θ stays put while ρ_t ≤ 5: that is the official code's default "
                    "convention, not this rule's (nor torch's), which takes a momentum SGD step "
                    "η·m̂_t before the threshold. {equation}.", _no_update_before_threshold),
            Mistake("fallback without the bias correction of m",
                    "before the threshold your step is η·m_t: use the bias-corrected m̂_t = "
                    "m_t/(1 − β₁ᵗ), as in the adaptive branch (at t = 1 the step is then η·g_1). "
                    "{equation}.", _fallback_uncorrected),
            Mistake("rectification r_t upside down",
                    "your r_t is the inverse ratio, ≥ 1: it enlarges the first adaptive steps "
                    "instead of damping them. r_t has ρ_t's factors on top, "
                    "√((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t)) ≤ 1, and tends to 1 as "
                    "ρ_t → ρ_∞. {equation}.", _r_upside_down),
            Mistake("ρ_t with β₂^(t−1)",
                    "your ρ_t has β₂^(t−1) in the numerator: ρ_t = ρ_∞ − 2t·β₂ᵗ/(1 − β₂ᵗ), the "
                    "same power t above and below (then ρ_1 = 1 for every β₂, one gradient seen). "
                    "{equation}.", _rho_power_t_minus_1),
            Mistake("rectified step with m_t instead of m̂_t",
                    "past the threshold your step uses the uncorrected m_t: the adaptive step is "
                    "η·r_t·m̂_t·√(1 − β₂ᵗ)/(√s_t + ε), with m̂_t = m_t/(1 − β₁ᵗ) as in the "
                    "momentum branch. {equation}.", _rectified_uncorrected_m),
            common.t_off_by_one(),
            Mistake("β₁ and β₂ swapped",
                    "β₂ played β₁'s part and β₁ played β₂'s: the first moment m averages with "
                    "weight β₁ on the past, the second moment s and ρ_t use β₂. {equation}.",
                    _betas_swapped),
            common.state_not_updated("Here: return the new m_t, s_t and t."),
            common.eta_left_out(),
        ),
        torch=Torch("RAdam",
                    options=lambda h: {"lr": h["eta"], "betas": [h["beta1"], h["beta2"]],
                                       "eps": h["eps"]},
                    state={"m": lambda s, h: s["exp_avg"], "s": lambda s, h: s["exp_avg_sq"]},
                    note="torch.optim.RAdam(lr=η, betas=(β₁, β₂), eps=ε), weight_decay=0: "
                         "exp_avg is m_t, exp_avg_sq is s_t, step is t (counted from 1); "
                         "rectified when ρ_t > 5 with ε added to the uncorrected √s_t, momentum "
                         "SGD with m̂_t before. The paper rectifies when ρ_t > 4 and has no ε"),
    ),
)
