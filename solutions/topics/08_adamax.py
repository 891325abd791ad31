"""Topic 08 · AdaMax: the spec of `adamax` (fields: descent_instructor/spec.py).

The course puts ε inside the max, u_t = max(β₂·u_{t−1}, |g_t| + ε), and starts from m_0 = u_0 = 0
with t counted from 1, as torch.optim.Adamax and optax's adamax do: the values agree with torch 2.13
on every case (tests/data/torch/adamax.json). The paper's AdaMax (Kingma & Ba 2015, §7.1) is ε = 0;
Keras adds ε outside the max, to u_t in the denominator (lecture 08 shows by how much). Values
confirmed independently in tests/test_08_adamax.py (first steps by hand, the max unrolled as
max_k β₂^(t−k)·(|g_k| + ε) and the average as a weighted sum, a constant gradient in closed form,
the Lp norm's p → ∞ limit)."""
import numpy as np

from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common


@with_state(m=0.0, u=0.0, t=0)
def _max_without_beta2(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(state["u"], np.abs(g) + eps)
    return theta - eta * (m / (1 - beta1 ** t)) / u, {"m": m, "u": u, "t": t}


@with_state(m=0.0, u=0.0, t=0)
def _max_without_abs(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], g + eps)
    return theta - eta * (m / (1 - beta1 ** t)) / u, {"m": m, "u": u, "t": t}


@with_state(m=0.0, u=0.0, t=0)
def _squared_gradient(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], g * g + eps)
    return theta - eta * (m / (1 - beta1 ** t)) / u, {"m": m, "u": u, "t": t}


@with_state(m=0.0, u=0.0, t=0)
def _beta2_on_the_gradient(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(state["u"], beta2 * np.abs(g) + eps)
    return theta - eta * (m / (1 - beta1 ** t)) / u, {"m": m, "u": u, "t": t}


@with_state(m=0.0, u=0.0, t=0)
def _u_bias_corrected(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], np.abs(g) + eps)
    return theta - eta * (m / (1 - beta1 ** t)) / (u / (1 - beta2 ** t)), {"m": m, "u": u, "t": t}


@with_state(m=0.0, u=0.0, t=0)
def _eps_outside_the_max(theta, g, state, *, eta, beta1, beta2, eps):
    # Keras's Adamax: u_t = max(β₂·u_{t−1}, |g_t|), then m_t/(u_t + ε)
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], np.abs(g))
    return theta - eta * (m / (1 - beta1 ** t)) / (u + eps), {"m": m, "u": u, "t": t}


@with_state(m=0.0, u=0.0, t=0)
def _no_eps(theta, g, state, *, eta, beta1, beta2, eps):
    # the paper's AdaMax whatever ε is given
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], np.abs(g))
    return theta - eta * (m / (1 - beta1 ** t)) / u, {"m": m, "u": u, "t": t}


@with_state(m=0.0, u=0.0, t=0)
def _m_not_corrected(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], np.abs(g) + eps)
    return theta - eta * m / u, {"m": m, "u": u, "t": t}


@with_state(m=0.0, u=0.0, t=0)
def _betas_swapped(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta2 * state["m"] + (1 - beta2) * g
    u = np.maximum(beta1 * state["u"], np.abs(g) + eps)
    return theta - eta * (m / (1 - beta2 ** t)) / u, {"m": m, "u": u, "t": t}


RULES = (
    Rule(
        "adamax",
        # Early steps (T ≤ 8) keep 1 − β₁ᵗ far from 1; ε = 0.1 and 1e-3 are comparable to the
        # gradients (about 2; the magnitudes case goes down to 1e-6): ε's place changes every case
        # by more than 1e-6 relative (tests/test_08_adamax.py). The batch's first run is the
        # paper's AdaMax (ε = 0) and its second has β₁ = 0 (no bias to correct).
        hyper=({"eta": 0.002, "beta1": 0.9, "beta2": 0.999, "eps": 0.1},
               {"eta": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-3},
               {"eta": [0.002, 0.01, 0.05, 0.3], "beta1": [0.9, 0.0, 0.5, 0.99],
                "beta2": [0.999, 0.5, 0.9, 0.99], "eps": [0.0, 1e-8, 1e-3, 0.1]}),
        properties=("pure", "batch",
                    ("constant_gradient", {"gain": "eta / (abs(g) + eps)",
                                           "formula": "η/(|g|+ε)"})),
        mistakes=(
            common.gradient_sign(),
            Mistake("max without β₂",
                    "you took max(u_{t−1}, |g_t| + ε): without the decay β₂ the largest gradient "
                    "ever seen stays in u_t for good. Multiply u_{t−1} by β₂ inside the max: "
                    "{equation}.", _max_without_beta2),
            Mistake("max without the absolute value",
                    "you took the max of β₂·u_{t−1} and g_t + ε, so a negative gradient never "
                    "enters u_t (and u_1 can be 0): u_t is a decaying max of the gradient's size "
                    "|g_t|. {equation}.", _max_without_abs),
            Mistake("max of g² instead of |g|",
                    "you took the max of β₂·u_{t−1} and g_t² + ε, as if u_t were Adam's s_t; AdaMax's "
                    "u_t is a decaying max of the gradient's size |g_t| (no square, and no root "
                    "afterwards), so m_t/u_t is a ratio of like units. {equation}.", _squared_gradient),
            Mistake("β₂ on the gradient instead of on u",
                    "the decay multiplies the new |g_t| while the old u_{t−1} is kept whole: it "
                    "is the past that decays, so β₂ multiplies u_{t−1}. {equation}.",
                    _beta2_on_the_gradient),
            Mistake("u bias-corrected",
                    "you divided u_t by (1 − β₂ᵗ) as Adam does with ŝ_t. A max does not start "
                    "biased towards 0 (u_1 = |g_1| + ε already), so only m_t is corrected: "
                    "{equation}.", _u_bias_corrected),
            Mistake("ε outside the max",
                    "you divided by u_t + ε with u_t = max(β₂·u_{t−1}, |g_t|), as Keras's Adamax "
                    "does; this rule (like torch and optax) adds ε to |g_t| inside the max, so u_t "
                    "itself holds it: {equation}.", _eps_outside_the_max),
            Mistake("ε left out",
                    "your u_t has no ε (the paper's AdaMax, ε = 0); this rule, like torch, adds ε "
                    "to |g_t| inside the max: {equation}.", _no_eps),
            Mistake("bias correction of m missing",
                    "the step uses m_t as it is; m_t starts at 0 and is too small by the factor "
                    "1 − β₁ᵗ over the first steps, so the step is divided by it: {equation}.",
                    _m_not_corrected),
            common.t_off_by_one(),
            Mistake("β₁ and β₂ swapped",
                    "the average of g decays with β₂ and the max with β₁: β₁ is the first "
                    "moment's (m_t, and its correction 1 − β₁ᵗ), β₂ the max's. {equation}.",
                    _betas_swapped),
            common.state_not_updated("Here: return the new m_t, u_t and t."),
            common.eta_left_out(),
        ),
        torch=Torch("Adamax",
                    options=lambda h: {"lr": h["eta"], "betas": [h["beta1"], h["beta2"]],
                                       "eps": h["eps"]},
                    state={"m": lambda s, h: s["exp_avg"], "u": lambda s, h: s["exp_inf"]},
                    note="torch.optim.Adamax(lr=η, betas=(β₁, β₂), eps=ε): exp_avg is m_t, "
                         "exp_inf is u_t = max(β₂·u_{t−1}, |g_t| + ε) (ε inside the max), step "
                         "is t counted from 1, m_0 = u_0 = 0"),
    ),
)
