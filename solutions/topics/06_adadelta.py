"""Topic 06 · Adadelta: the spec of `adadelta` (fields: descent_instructor/spec.py).

The course writes Zeiler's Algorithm 1 (2012) with ε inside both roots and both averages starting
at 0, as torch.optim.Adadelta does. Zeiler has no learning rate; torch multiplies the step by `lr`
(default 1.0) after it has entered the average of squared steps, so torch with lr = 1.0 is this rule
(the values agree with torch 2.13 on every case, tests/data/torch/adadelta.json). torch with lr ≠ 1
is Adadelta with ε·lr² in the numerator and ε in the denominator, not this rule with another ε
(lecture 06, section 8, checks the identity and shows by how much they differ). Zeiler's
default ρ is 0.95, torch's 0.9; ε = 1e-6 in both. optax's `adadelta()` needs `learning_rate=1.0`
(its default None moves uphill). Values confirmed independently in tests/test_06_adadelta.py
(the first steps by hand, a constant gradient in closed form, the averages unrolled, and the
units: θ rescaled by c with ε rescaled too gives the same path times c)."""
import numpy as np

from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common


@with_state(s=0.0, d=0.0)
def _d_decayed_before_step(theta, g, state, *, rho, eps):
    s = rho * state["s"] + (1 - rho) * g * g
    d = rho * state["d"]                       # E[Δθ²] updated before the step is known ...
    step = -np.sqrt(d + eps) / np.sqrt(s + eps) * g
    return theta + step, {"s": s, "d": d + (1 - rho) * step * step}  # ... and finished after it


@with_state(s=0.0, d=0.0)
def _s_after_step(theta, g, state, *, rho, eps):
    step = -np.sqrt(state["d"] + eps) / np.sqrt(state["s"] + eps) * g  # E[g²]_{t−1}: s not updated yet
    s = rho * state["s"] + (1 - rho) * g * g
    return theta + step, {"s": s, "d": rho * state["d"] + (1 - rho) * step * step}


@with_state(s=0.0, d=0.0)
def _eps_outside(theta, g, state, *, rho, eps):
    s = rho * state["s"] + (1 - rho) * g * g
    step = -(np.sqrt(state["d"]) + eps) / (np.sqrt(s) + eps) * g
    return theta + step, {"s": s, "d": rho * state["d"] + (1 - rho) * step * step}


@with_state(s=0.0, d=0.0)
def _eps_only_below(theta, g, state, *, rho, eps):
    s = rho * state["s"] + (1 - rho) * g * g
    step = -np.sqrt(state["d"]) / np.sqrt(s + eps) * g
    return theta + step, {"s": s, "d": rho * state["d"] + (1 - rho) * step * step}


@with_state(s=0.0, d=0.0)
def _no_root(theta, g, state, *, rho, eps):
    s = rho * state["s"] + (1 - rho) * g * g
    step = -(state["d"] + eps) / (s + eps) * g
    return theta + step, {"s": s, "d": rho * state["d"] + (1 - rho) * step * step}


@with_state(s=0.0, d=0.0)
def _weights_swapped(theta, g, state, *, rho, eps):
    s = (1 - rho) * state["s"] + rho * g * g
    step = -np.sqrt(state["d"] + eps) / np.sqrt(s + eps) * g
    return theta + step, {"s": s, "d": (1 - rho) * state["d"] + rho * step * step}


@with_state(s=0.0, d=0.0)
def _no_numerator(theta, g, state, *, rho, eps):
    s = rho * state["s"] + (1 - rho) * g * g
    step = -g / np.sqrt(s + eps)
    return theta + step, {"s": s, "d": rho * state["d"] + (1 - rho) * step * step}


@with_state(s=0.0, d=0.0)
def _gradient_in_d(theta, g, state, *, rho, eps):
    s = rho * state["s"] + (1 - rho) * g * g
    step = -np.sqrt(state["d"] + eps) / np.sqrt(s + eps) * g
    return theta + step, {"s": s, "d": rho * state["d"] + (1 - rho) * g * g}


RULES = (
    Rule(
        "adadelta",
        # ρ ≠ 0.5 everywhere but one run (so that swapped weights show); ε from 1e-8 to 1e-2, and
        # every case starts from d_0 = 0, where ε alone sets the numerator: ε's place always shows
        hyper=({"rho": 0.9, "eps": 1e-6},
               {"rho": 0.95, "eps": 1e-4},
               {"rho": [0.0, 0.5, 0.9, 0.99], "eps": [1e-2, 1e-6, 1e-8, 1e-4]}),
        properties=("pure", "batch"),
        mistakes=(
            common.gradient_sign("The rule is {equation}."),
            Mistake("E[Δθ²] updated before the step is known",
                    "your numerator used ρ·E[Δθ²]_{t−1}: the average of squared steps was decayed "
                    "before the step was computed, and the new step added after. The numerator is "
                    "the whole previous average d_{t−1}; update d only once Δθ_t is known: "
                    "{equation}.", _d_decayed_before_step),
            Mistake("E[g²] updated after the step",
                    "your denominator used E[g²]_{t−1}, the average from before this gradient "
                    "(the first step is then −g itself). Update s with g_t first, then divide "
                    "by √(s_t + ε): {equation}.", _s_after_step),
            Mistake("ε outside the roots",
                    "you wrote (√d + ε)/(√s + ε): Adadelta (Zeiler, torch) adds ε inside both "
                    "roots. Outside, the first steps are ε/√((1−ρ)g²) instead of about "
                    "√(ε/(1−ρ)): far smaller. {equation}.", _eps_outside),
            Mistake("ε left out of the numerator",
                    "your numerator is √d_{t−1} without ε: since d_0 = 0, every step is 0 and θ "
                    "never moves. ε inside the numerator's root is what starts Adadelta: "
                    "{equation}.", _eps_only_below),
            Mistake("a missing root",
                    "you divided the averages themselves, (d + ε)/(s + ε), not their roots: the "
                    "ratio of RMS values has θ's units, the ratio of mean squares has θ²/g². "
                    "{equation}.", _no_root),
            Mistake("moving-average weights swapped",
                    "the weights are on the wrong terms: the old average keeps weight ρ, the new "
                    "square gets 1−ρ, in both averages: {equation}.", _weights_swapped),
            Mistake("RMSProp with η = 1 (no numerator)",
                    "your step is −g/√(s_t + ε), RMSProp with η = 1: the numerator √(d_{t−1} + ε), "
                    "the RMS of past steps, is what gives the step θ's units. {equation}.",
                    _no_numerator),
            Mistake("gradients averaged in E[Δθ²]",
                    "your second average holds squared gradients, not squared steps: d_t must "
                    "average Δθ_t², the step just taken. {equation}.", _gradient_in_d),
            common.state_not_updated("Here: return the new averages s_t and d_t."),
        ),
        torch=Torch("Adadelta", options=lambda h: {"lr": 1.0, "rho": h["rho"], "eps": h["eps"]},
                    state={"s": lambda s, h: s["square_avg"], "d": lambda s, h: s["acc_delta"]},
                    note="torch's square_avg is s_t = E[g²]_t and acc_delta is d_t = E[Δθ²]_t; "
                         "lr = 1.0 (torch's default) is Zeiler's rule. torch multiplies the step "
                         "by lr after adding the unscaled step to acc_delta, so with lr ≠ 1 it "
                         "is Adadelta with ε·lr² in the numerator only: the course maps lr = 1.0"),
    ),
)
