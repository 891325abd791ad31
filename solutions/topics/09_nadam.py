"""Topic 09 · NAdam: the spec of `nadam` (fields: descent_instructor/spec.py).

The course teaches the simple form of NAdam (optax's `nadam`, Dozat's rule with a constant β₁):
m̄_t = β₁·m_t/(1 − β₁^(t+1)) + (1 − β₁)·g_t/(1 − β₁ᵗ), then Adam's step with m̄_t in place of m̂_t.
torch.optim.NAdam follows Dozat's momentum schedule μ_t = β₁·(1 − ½·0.96^(tψ)), ψ =
`momentum_decay` = 0.004 by default, with products of μ in the corrections: a different sequence
(lecture 09 computes how far it drifts). With `momentum_decay=1e12`, 0.96^(tψ) underflows to 0,
μ_t = β₁ at every step and torch computes exactly the simple form: the fixtures
(tests/data/torch/nadam.json, float64) are made that way and agree to ~1e-16. Values confirmed
independently in tests/test_09_nadam.py (first steps by hand, a constant gradient in closed form,
NAdam as Adam's update with the moment one step ahead, the unrolled moments)."""
import numpy as np

from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common


@with_state(m=0.0, s=0.0, t=0)
def _previous_moment(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_bar = beta1 * state["m"] / (1 - beta1 ** (t + 1)) + (1 - beta1) * g / (1 - beta1 ** t)
    return theta - eta * m_bar / (np.sqrt(s / (1 - beta2 ** t)) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _no_gradient_term(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_bar = beta1 * m / (1 - beta1 ** (t + 1))
    return theta - eta * m_bar / (np.sqrt(s / (1 - beta2 ** t)) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _ruder(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_bar = beta1 * m / (1 - beta1 ** t) + (1 - beta1) * g / (1 - beta1 ** t)
    return theta - eta * m_bar / (np.sqrt(s / (1 - beta2 ** t)) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _corrections_swapped(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_bar = beta1 * m / (1 - beta1 ** t) + (1 - beta1) * g / (1 - beta1 ** (t + 1))
    return theta - eta * m_bar / (np.sqrt(s / (1 - beta2 ** t)) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _both_terms_ahead(theta, g, state, *, eta, beta1, beta2, eps):
    # at t = 1 this gives m̄_1 = g_1, as the previous-moment mistake does: named by the later steps
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_bar = (beta1 * m + (1 - beta1) * g) / (1 - beta1 ** (t + 1))
    return theta - eta * m_bar / (np.sqrt(s / (1 - beta2 ** t)) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _plain_adam(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    return theta - eta * m_hat / (np.sqrt(s / (1 - beta2 ** t)) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _s_not_corrected(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_bar = beta1 * m / (1 - beta1 ** (t + 1)) + (1 - beta1) * g / (1 - beta1 ** t)
    return theta - eta * m_bar / (np.sqrt(s) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _eps_inside(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_bar = beta1 * m / (1 - beta1 ** (t + 1)) + (1 - beta1) * g / (1 - beta1 ** t)
    return theta - eta * m_bar / np.sqrt(s / (1 - beta2 ** t) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _betas_swapped(theta, g, state, *, eta, beta1, beta2, eps):
    beta1, beta2 = beta2, beta1
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_bar = beta1 * m / (1 - beta1 ** (t + 1)) + (1 - beta1) * g / (1 - beta1 ** t)
    return theta - eta * m_bar / (np.sqrt(s / (1 - beta2 ** t)) + eps), {"m": m, "s": s, "t": t}


RULES = (
    Rule(
        "nadam",
        # Every case is early (4 to 8 steps), where bias correction, the look-ahead's 1 − β₁^(t+1)
        # and the step counter all matter; ε = 1e-3 (case 2) and 1e-3, 0.1 (batch) are comparable
        # to √ŝ for gradients of size ~1, so ε inside or outside the root differ (with ε = 1e-8 only
        # the case with gradients of 1e-6 would tell); β₁ ≠ β₂ in every run, so a swap shows.
        hyper=({"eta": 0.002, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
               {"eta": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
               {"eta": [0.001, 0.01, 0.05, 0.2], "beta1": [0.0, 0.5, 0.9, 0.99],
                "beta2": [0.5, 0.9, 0.999, 0.9], "eps": [1e-8, 1e-6, 1e-3, 0.1]}),
        # under a constant g: m_t = (1 − β₁ᵗ)g, ŝ_t = g², and m̄_t → g, so the steps settle at
        # η·g/(|g| + ε); with β₁ = 0 NAdam is RMSProp with bias correction, not GD: no reduces_to_gd
        properties=("pure", "batch",
                    ("constant_gradient", {"gain": "eta / (abs(g) + eps)", "formula": "η/(|g|+ε)"})),
        mistakes=(
            common.gradient_sign("The rule is {equation}."),
            Mistake("look-ahead with the previous moment",
                    "the first term of m̄_t used m_{t−1} (the moment before this step) where NAdam "
                    "looks one step ahead with the new m_t: update m_t first, then m̄_t = "
                    "β₁·m_t/(1 − β₁^(t+1)) + (1 − β₁)·g_t/(1 − β₁ᵗ).", _previous_moment),
            Mistake("look-ahead without the gradient term",
                    "m̄_t is only β₁·m_t/(1 − β₁^(t+1)): the look-ahead also takes the current "
                    "gradient's own share, (1 − β₁)·g_t/(1 − β₁ᵗ), added to it.", _no_gradient_term),
            Mistake("first term corrected with 1 − β₁ᵗ (Ruder's form)",
                    "you divided β₁·m_t by 1 − β₁ᵗ, as Ruder's overview writes it; the moment one "
                    "step ahead is corrected for t + 1 steps: 1 − β₁^(t+1) in the first term, "
                    "1 − β₁ᵗ in the gradient term.", _ruder),
            Mistake("look-ahead's corrections swapped",
                    "the first term is divided by 1 − β₁ᵗ and the gradient term by 1 − β₁^(t+1); it is "
                    "the other way round: β₁·m_t is the known part of the next moment m_{t+1}, corrected "
                    "by 1 − β₁^(t+1), and the gradient's share belongs to m_t, corrected by 1 − β₁ᵗ.",
                    _corrections_swapped),
            Mistake("both terms corrected with 1 − β₁^(t+1)",
                    "you divided the whole look-ahead by 1 − β₁^(t+1); only its first term, β₁·m_t, "
                    "belongs to the next moment: the gradient term (1 − β₁)·g_t belongs to m_t and is "
                    "divided by 1 − β₁ᵗ.", _both_terms_ahead),
            Mistake("plain Adam, no look-ahead",
                    "your step uses Adam's m̂_t = m_t/(1 − β₁ᵗ); NAdam replaces it by the "
                    "look-ahead m̄_t = β₁·m_t/(1 − β₁^(t+1)) + (1 − β₁)·g_t/(1 − β₁ᵗ).",
                    _plain_adam),
            Mistake("bias correction of s missing",
                    "you divided by √s_t + ε; the second moment needs its own bias correction, "
                    "ŝ_t = s_t/(1 − β₂ᵗ), before the root (without it the first steps are up to "
                    "1/√(1 − β₂) times too long).", _s_not_corrected),
            Mistake("ε inside the root",
                    "you divided by √(ŝ_t + ε), as Keras and optax's eps_root do; this rule, like "
                    "the paper and torch, adds ε outside the root: √ŝ_t + ε. They differ most "
                    "where ŝ_t is comparable to ε.", _eps_inside),
            common.t_off_by_one(),
            Mistake("β₁ and β₂ swapped",
                    "the first moment averages with β₂ and the second with β₁: m_t uses β₁ "
                    "(with the look-ahead's corrections), s_t uses β₂. {equation}.", _betas_swapped),
            common.state_not_updated("Here: return the new moments m_t, s_t and the counter t."),
            common.eta_left_out(),
        ),
        torch=Torch("NAdam",
                    options=lambda h: {"lr": h["eta"], "betas": [h["beta1"], h["beta2"]],
                                       "eps": h["eps"], "momentum_decay": 1e12},
                    state={"m": lambda s, h: s["exp_avg"], "s": lambda s, h: s["exp_avg_sq"]},
                    note="torch.optim.NAdam(lr=η, betas=(β₁, β₂), eps=ε, momentum_decay=1e12), "
                         "float64: with ψ = 1e12, 0.96^(tψ) underflows to 0, so torch's momentum "
                         "schedule μ_t = β₁(1 − ½·0.96^(tψ)) is β₁ at every step, its products "
                         "of μ are β₁^t and β₁^(t+1), and it computes the course's simple form "
                         "(exp_avg = m_t, exp_avg_sq = s_t, step = t, ε outside the root). With "
                         "torch's default ψ = 0.004 it is another sequence (lecture 09)."),
    ),
)
