"""Topic 07 · Adam: the specs of `adam` and `adamw` (fields: descent_instructor/spec.py).

The course writes Adam as the paper's Algorithm 1 (Kingma & Ba 2015) and torch.optim.Adam do: both
moments start at 0, t counts from 1 for the first step, both are bias-corrected, ε is added outside
the root of ŝ_t. The values agree with torch 2.13 (float64) on every case (tests/data/torch/adam.json,
adamw.json). Divergences, named in lecture 07 with their size: the paper's "efficient" form and
Keras add a constant ε̂ to √s_t before the correction, which is this rule with ε = ε̂/√(1 − β₂ᵗ)
(31.6·ε̂ at t = 1 for β₂ = 0.999, falling to ε̂); optax's eps_root sits inside the root (0 by
default). AdamW multiplies the decoupled decay by η, as torch and optax do. Values confirmed
independently in tests/test_07_adam.py (first steps by hand, the unrolled averages with weights
summing to 1 − βᵗ, a constant gradient in closed form, L2 against decoupled decay)."""
import numpy as np

from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common


@with_state(m=0.0, s=0.0, t=0)
def _m_not_corrected(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    s_hat = s / (1 - beta2 ** t)
    return theta - eta * m / (np.sqrt(s_hat) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _s_not_corrected(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    return theta - eta * m_hat / (np.sqrt(s) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _neither_corrected(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    return theta - eta * m / (np.sqrt(s) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _corrected_with_t_plus_one(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** (t + 1))
    s_hat = s / (1 - beta2 ** (t + 1))
    return theta - eta * m_hat / (np.sqrt(s_hat) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _t_never_incremented(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return theta - eta * m_hat / (np.sqrt(s_hat) + eps), {"m": m, "s": s, "t": state["t"]}


@with_state(m=0.0, s=0.0, t=0)
def _eps_inside(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return theta - eta * m_hat / np.sqrt(s_hat + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _no_root(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return theta - eta * m_hat / (s_hat + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _betas_swapped(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta2 * state["m"] + (1 - beta2) * g
    s = beta1 * state["s"] + (1 - beta1) * g * g
    m_hat = m / (1 - beta2 ** t)
    s_hat = s / (1 - beta1 ** t)
    return theta - eta * m_hat / (np.sqrt(s_hat) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _old_s_hat(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = state["s"] / (1 - beta2 ** t)  # s_{t−1}: the new g_t² has not entered yet
    s = beta2 * state["s"] + (1 - beta2) * g * g
    return theta - eta * m_hat / (np.sqrt(s_hat) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _corrected_moments_stored(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m, s = m / (1 - beta1 ** t), s / (1 - beta2 ** t)  # m̂_t, ŝ_t handed on as m_t, s_t
    return theta - eta * m / (np.sqrt(s) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _eps_inside_and_outside(theta, g, state, *, eta, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return theta - eta * m_hat / (np.sqrt(s_hat + eps) + eps), {"m": m, "s": s, "t": t}


# -- AdamW -----------------------------------------------------------------------------------------
@with_state(m=0.0, s=0.0, t=0)
def _decay_in_the_gradient(theta, g, state, *, eta, beta1, beta2, eps, weight_decay):
    g = g + weight_decay * theta  # L2 in the loss: the decay goes through both moments
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return theta - eta * m_hat / (np.sqrt(s_hat) + eps), {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _decay_without_eta(theta, g, state, *, eta, beta1, beta2, eps, weight_decay):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    new = theta - eta * m_hat / (np.sqrt(s_hat) + eps) - weight_decay * theta
    return new, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _decay_after_the_step(theta, g, state, *, eta, beta1, beta2, eps, weight_decay):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    stepped = theta - eta * m_hat / (np.sqrt(s_hat) + eps)
    return stepped - eta * weight_decay * stepped, {"m": m, "s": s, "t": t}


@with_state(m=0.0, s=0.0, t=0)
def _adamw_not_corrected(theta, g, state, *, eta, beta1, beta2, eps, weight_decay):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    new = theta - eta * (m / (np.sqrt(s) + eps) + weight_decay * theta)
    return new, {"m": m, "s": s, "t": t}


def _options(h):
    return {"lr": h["eta"], "betas": [h["beta1"], h["beta2"]], "eps": h["eps"]}


# torch's per-parameter "step" is the course's t (one int for the whole batch): compared in
# tests/test_07_adam.py
_STATE = {"m": lambda s, h: s["exp_avg"], "s": lambda s, h: s["exp_avg_sq"]}


_NO_M_HAT = ("bias correction of m missing",
             "you divided m_t itself, not m̂_t = m_t/(1 − β₁ᵗ): m_t starts at 0 and its weights sum "
             "to 1 − β₁ᵗ, so your first steps are too small by that factor (1 − β₁ = 0.1 at t = 1 "
             "for β₁ = 0.9). {equation}.")
_NO_BOTH = ("bias correction missing (both moments)",
            "you used m_t and s_t without dividing them by 1 − β₁ᵗ and 1 − β₂ᵗ: the first steps are "
            "off by (1 − β₁)/√(1 − β₂) (about 3 times too large at t = 1 for β₁ = 0.9, β₂ = 0.999). "
            "Correct both moments: {equation}.")
_SIGN = common.gradient_sign("The rule is {equation}.")

RULES = (
    Rule(
        "adam",
        # the paper's defaults (β₂ = 0.999 makes the correction of s a factor ~30 at t = 1), then
        # ε = 1e-3 in the vector and magnitudes cases, comparable to √ŝ of the small gradients
        # (1e-6, 1e-2): ε inside the root differs by far more than 1e-6 there; in the batch β₁ = 0
        # (RMSProp with a corrected s), β₂ = 0.5 < β₁, and ε up to 0.1
        hyper=({"eta": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
               {"eta": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
               {"eta": [0.001, 0.01, 0.05, 0.2], "beta1": [0.0, 0.5, 0.9, 0.95],
                "beta2": [0.9, 0.99, 0.999, 0.5], "eps": [1e-8, 1e-6, 1e-3, 0.1]}),
        properties=("pure", "batch",
                    # corrected moments of a constant g are g and g² from t = 1: every step is the
                    # same, η·g/(|g| + ε)
                    ("constant_gradient", {"gain": "eta / (abs(g) + eps)",
                                           "formula": "η/(|g|+ε)", "steps": 3})),
        mistakes=(
            _SIGN,
            Mistake(*_NO_M_HAT, _m_not_corrected),
            Mistake("bias correction of s missing",
                    "you divided by √s_t, not by √ŝ_t with ŝ_t = s_t/(1 − β₂ᵗ): early on s_t is far "
                    "below g² (s_1 = (1 − β₂)·g_1²), so the first steps are too large, by "
                    "1/√(1 − β₂) ≈ 32 at t = 1 for β₂ = 0.999. {equation}.", _s_not_corrected),
            Mistake(*_NO_BOTH, _neither_corrected),
            common.t_off_by_one(),
            Mistake("t off by one (corrections with t + 1)",
                    "you incremented t but corrected the moments with t + 1 (1 − β^(t+1)), as if "
                    "the first step were the second: the first step uses 1 − β₁ and 1 − β₂. "
                    "{equation}.", _corrected_with_t_plus_one),
            Mistake("t never incremented",
                    "the step counter you return is the one you received, so every step is "
                    "corrected as the first (t = 1): return the incremented t in the state.",
                    _t_never_incremented),
            Mistake("ε inside the root",
                    "you divided by √(ŝ_t + ε) (optax's eps_root, TF1's form); this rule, the paper "
                    "and torch add ε outside the root: {equation}. The two differ where ŝ_t is "
                    "small.", _eps_inside),
            Mistake("ε both inside and outside the root",
                    "you divided by √(ŝ_t + ε) + ε: ε belongs only outside the root, added to "
                    "√ŝ_t. With ε = 1e-8 the extra ε inside hardly shows; where ε is comparable "
                    "to ŝ_t it does. {equation}.", _eps_inside_and_outside),
            Mistake("corrected moments returned as the state",
                    "you handed on m̂_t and ŝ_t as the state instead of m_t and s_t: the next step "
                    "averages the corrected values and corrects them again. Keep the raw averages "
                    "in the state and use the corrected ones only for the step: {equation}.",
                    _corrected_moments_stored),
            Mistake("missing root",
                    "you divided by ŝ_t + ε, the mean square itself, instead of its root: the step "
                    "then scales like 1/g and is no longer about η long. {equation}.", _no_root),
            Mistake("β₁ and β₂ swapped",
                    "the first moment averages with β₂ and the second with β₁: β₁ (0.9) goes with "
                    "the gradient m_t, β₂ (0.999) with its square s_t. {equation}.",
                    _betas_swapped),
            Mistake("ŝ used before it is updated",
                    "the step divides by the old second moment s_{t−1} (at t = 1 that is 0, a "
                    "step of η·m̂_1/ε): add g_t² into s_t first, then correct and divide. "
                    "{equation}.", _old_s_hat),
            common.state_not_updated("Here: return m_t, s_t and t."),
            common.eta_left_out(),
        ),
        torch=Torch("Adam", options=_options, state=_STATE,
                    note="torch.optim.Adam(lr=η, betas=(β₁, β₂), eps=ε), amsgrad=False, "
                         "weight_decay=0: "
                         "exp_avg is m_t, exp_avg_sq is s_t, step is t (from 1); ε outside the root "
                         "of the corrected s, as the course"),
    ),
    Rule(
        "adamw",
        # λ = 0.01 (torch's default) with the paper's other defaults; a strong decay λ = 0.5 with
        # η = 0.05 (the decay's place, before or after the Adam step, moves θ by η²λ·step, ~1e-5
        # relative here); in the batch λ from 0 (plain Adam) to 1
        hyper=({"eta": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
               {"eta": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3, "weight_decay": 0.5},
               {"eta": [0.001, 0.01, 0.05, 0.2], "beta1": [0.0, 0.5, 0.9, 0.95],
                "beta2": [0.9, 0.99, 0.999, 0.5], "eps": [1e-8, 1e-6, 1e-3, 0.1],
                "weight_decay": [0.0, 0.01, 0.1, 1.0]}),
        properties=("pure", "batch"),
        mistakes=(
            _SIGN,
            Mistake("decay added to the gradient (L2, not decoupled)",
                    "you added λ·θ to the gradient before the moments, which is Adam with L2 in "
                    "the loss: the decay is then divided by √ŝ like the gradient. AdamW keeps it "
                    "out of m and s and subtracts η·λ·θ_{t−1} beside the Adam step: {equation}.",
                    _decay_in_the_gradient),
            Mistake("decay not multiplied by η",
                    "you subtracted λ·θ_{t−1}, not η·λ·θ_{t−1}: in this rule (torch's and optax's "
                    "AdamW) the decay is scaled by the learning rate too. {equation}.",
                    _decay_without_eta),
            Mistake("decay applied after the step",
                    "you decayed θ after the Adam step (η·λ times the new θ); the decay uses "
                    "θ_{t−1}, the parameters before this step: {equation}.", _decay_after_the_step),
            Mistake(*_NO_BOTH, _adamw_not_corrected),
            common.state_not_updated("Here: return m_t, s_t and t."),
            common.eta_left_out(),
        ),
        torch=Torch("AdamW", options=lambda h: {**_options(h), "weight_decay": h["weight_decay"]},
                    state=_STATE,
                    note="torch.optim.AdamW(lr=η, betas=(β₁, β₂), eps=ε, weight_decay=λ), "
                         "amsgrad=False: the decay θ ← θ(1 − ηλ) before the Adam step, which is "
                         "θ_{t−1} − η·(m̂/(√ŝ+ε) + λθ_{t−1}); exp_avg, exp_avg_sq, step as in Adam"),
    ),
)
