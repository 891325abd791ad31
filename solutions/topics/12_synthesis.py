"""Topic 12 · Synthesis: the spec of `amsgrad`, the optimizer the student assembles from parts.

AMSGrad (Reddi, Kale & Kumar 2018) is Adam whose denominator never shrinks: the scale part is the
running maximum of the second moment. The course keeps the maximum of the RAW s_t and corrects it
afterwards, √(s_max,t/(1 − β₂ᵗ)) + ε, as torch.optim.Adam(amsgrad=True) does: the values agree with
torch 2.13 (float64) on every case (tests/data/torch/amsgrad.json). Divergences, named in lecture
12 with their size: optax's amsgrad takes the maximum of the corrected ŝ_t (a different rule, a
known mistake below: with β₂ = 0.999 the two differ from the second step on); the paper's
Algorithm 2 has no bias correction at all and ε nowhere. Values confirmed independently in
tests/test_12_synthesis.py (first steps by hand, a constant gradient in closed form, a gradient
that shrinks where the maximum keeps the first step's scale) and in tests/test_parts.py (the
rule assembled from descent.parts: Adam's m̂ and the running maximum)."""
import numpy as np

from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common


@with_state(m=0.0, s=0.0, s_max=0.0, t=0)
def _max_of_s_hat(theta, g, state, *, eta, beta1, beta2, eps):
    # optax's form: the maximum of the corrected ŝ_t, kept in the state
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    s_max = np.maximum(state["s_max"], s / (1 - beta2 ** t))
    m_hat = m / (1 - beta1 ** t)
    return theta - eta * m_hat / (np.sqrt(s_max) + eps), {"m": m, "s": s, "s_max": s_max, "t": t}


@with_state(m=0.0, s=0.0, s_max=0.0, t=0)
def _max_not_used(theta, g, state, *, eta, beta1, beta2, eps):
    # the maximum is kept, but the step divides by Adam's √ŝ_t
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    s_max = np.maximum(state["s_max"], s)
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return theta - eta * m_hat / (np.sqrt(s_hat) + eps), {"m": m, "s": s, "s_max": s_max, "t": t}


@with_state(m=0.0, s=0.0, s_max=0.0, t=0)
def _max_of_last_two(theta, g, state, *, eta, beta1, beta2, eps):
    # max(s_{t−1}, s_t): the previous average, not the running maximum
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    s_max = np.maximum(state["s"], s)
    m_hat = m / (1 - beta1 ** t)
    sigma = np.sqrt(s_max / (1 - beta2 ** t)) + eps
    return theta - eta * m_hat / sigma, {"m": m, "s": s, "s_max": s_max, "t": t}


@with_state(m=0.0, s=0.0, s_max=0.0, t=0)
def _max_not_corrected(theta, g, state, *, eta, beta1, beta2, eps):
    # the maximum of the raw s_t, never divided by 1 − β₂ᵗ
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    s_max = np.maximum(state["s_max"], s)
    m_hat = m / (1 - beta1 ** t)
    return theta - eta * m_hat / (np.sqrt(s_max) + eps), {"m": m, "s": s, "s_max": s_max, "t": t}


@with_state(m=0.0, s=0.0, s_max=0.0, t=0)
def _m_not_corrected(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    s_max = np.maximum(state["s_max"], s)
    sigma = np.sqrt(s_max / (1 - beta2 ** t)) + eps
    return theta - eta * m / sigma, {"m": m, "s": s, "s_max": s_max, "t": t}


@with_state(m=0.0, s=0.0, s_max=0.0, t=0)
def _max_of_m(theta, g, state, *, eta, beta1, beta2, eps):
    # the maximum taken over the first moment's square instead of the second moment
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    s_max = np.maximum(state["s_max"], m * m)
    m_hat = m / (1 - beta1 ** t)
    sigma = np.sqrt(s_max / (1 - beta2 ** t)) + eps
    return theta - eta * m_hat / sigma, {"m": m, "s": s, "s_max": s_max, "t": t}


@with_state(m=0.0, s=0.0, s_max=0.0, t=0)
def _max_of_g2(theta, g, state, *, eta, beta1, beta2, eps):
    # AdaMax's habit (lecture 08): the running maximum of the single g_t², not of the average s_t
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    s_max = np.maximum(state["s_max"], g * g)
    m_hat = m / (1 - beta1 ** t)
    sigma = np.sqrt(s_max / (1 - beta2 ** t)) + eps
    return theta - eta * m_hat / sigma, {"m": m, "s": s, "s_max": s_max, "t": t}


@with_state(m=0.0, s=0.0, s_max=0.0, t=0)
def _eps_inside(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    s_max = np.maximum(state["s_max"], s)
    m_hat = m / (1 - beta1 ** t)
    sigma = np.sqrt(s_max / (1 - beta2 ** t) + eps)
    return theta - eta * m_hat / sigma, {"m": m, "s": s, "s_max": s_max, "t": t}


# torch's per-parameter "step" is the course's t (one int for the whole batch): compared in
# tests/test_12_synthesis.py
_STATE = {"m": lambda s, h: s["exp_avg"], "s": lambda s, h: s["exp_avg_sq"],
          "s_max": lambda s, h: s["max_exp_avg_sq"]}

RULES = (
    Rule(
        "amsgrad",
        # β₂ = 0.5 and 0.9 let s_t fall within a few steps of random gradients, so the maximum
        # matters early (with β₂ = 0.999 the raw s_t grows for the first steps and only the
        # corrected ŝ_t falls); ε = 1e-3 comparable to √ŝ of the small gradients (1e-6, 1e-2) of
        # the magnitudes case; the batch runs β₁ = 0 (RMSProp's numerator) to 0.95, ε up to 0.1
        hyper=({"eta": 0.01, "beta1": 0.9, "beta2": 0.9, "eps": 1e-8},
               {"eta": 0.05, "beta1": 0.8, "beta2": 0.5, "eps": 1e-3},
               {"eta": [0.001, 0.01, 0.05, 0.2], "beta1": [0.0, 0.5, 0.9, 0.95],
                "beta2": [0.9, 0.99, 0.999, 0.5], "eps": [1e-8, 1e-6, 1e-3, 0.1]}),
        properties=("pure", "batch",
                    ("constant_gradient", {"gain": "eta / (abs(g) + eps)", "formula": "η/(|g|+ε)"})),
        mistakes=(
            common.gradient_sign("The rule is {equation}."),
            Mistake("maximum of the corrected ŝ (optax's form)",
                    "you kept the maximum of ŝ_t = s_t/(1 − β₂ᵗ), as optax's amsgrad does; this "
                    "rule (and torch) keeps the maximum of the raw s_t and corrects it afterwards. "
                    "The two differ as soon as the correction falls faster than s_t grows. "
                    "{equation}.", _max_of_s_hat),
            Mistake("maximum kept but not used",
                    "s_max is updated, but the step still divides by Adam's √ŝ_t: the scale part "
                    "must be the running maximum. {equation}.", _max_not_used),
            Mistake("maximum of the last two averages",
                    "you compared s_t with s_{t−1} only: the maximum must run over every step so "
                    "far, so compare with the stored s_max,t−1. {equation}.", _max_of_last_two),
            Mistake("maximum not bias-corrected",
                    "you divided by √s_max + ε without the correction 1/(1 − β₂ᵗ) of the second "
                    "moment, so the first steps are far too large. {equation}.",
                    _max_not_corrected),
            Mistake("bias correction of m missing",
                    "the numerator is m_t itself, not m_t/(1 − β₁ᵗ): your first steps are too "
                    "small by 1 − β₁ᵗ. {equation}.", _m_not_corrected),
            Mistake("maximum of the first moment",
                    "the running maximum is taken over m_t², the first moment, instead of over "
                    "the second moment s_t. {equation}.", _max_of_m),
            Mistake("maximum of g² instead of s",
                    "your s_max keeps the largest single g_t², as AdaMax keeps the largest |g_t| "
                    "(lecture 08); AMSGrad keeps the largest average: s_max,t = max(s_max,t−1, "
                    "s_t), with s_t = β₂·s_{t−1} + (1 − β₂)·g_t². {equation}.", _max_of_g2),
            Mistake("ε inside the root",
                    "you divided by √(ŝ_max + ε); this rule (and torch) adds ε outside the root: "
                    "{equation}. The two differ most where s is small.", _eps_inside),
            common.t_off_by_one(),
            common.state_not_updated("Here: return m_t, s_t, the new maximum s_max,t and t."),
            common.eta_left_out(),
        ),
        torch=Torch("Adam",
                    options=lambda h: {"lr": h["eta"], "betas": [h["beta1"], h["beta2"]],
                                       "eps": h["eps"], "amsgrad": True},
                    state=_STATE,
                    note="torch.optim.Adam(lr=η, betas=(β₁, β₂), eps=ε, amsgrad=True), "
                         "weight_decay=0: exp_avg is m_t, exp_avg_sq is s_t, max_exp_avg_sq is "
                         "s_max,t (the maximum of the raw s), step is t (from 1); ε outside the "
                         "root of s_max/(1 − β₂ᵗ), as the course"),
    ),
)
