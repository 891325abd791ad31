"""Topic 05 · RMSProp: the spec of `rmsprop` (fields: descent_instructor/spec.py).

The course writes ε outside the root and starts the average at s_0 = 0, as torch.optim.RMSprop
does (centered=False, momentum=0): the values agree with torch 2.13 on every case
(tests/data/torch/rmsprop.json). Keras, TensorFlow and optax put ε inside the root (a different
rule; lecture 05 shows by how much), TF1 started the average at 1, and the NTU lecture starts it at
the first squared gradient. Values confirmed independently in tests/test_05_rmsprop.py (first
steps by hand, the unrolled average s_t = (1−β₂)·Σ β₂^(t−k)·g_k², a constant gradient in closed
form)."""
import numpy as np

from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common


@with_state(s=0.0)
def _eps_inside(theta, g, state, *, eta, beta2, eps):
    s = beta2 * state["s"] + (1 - beta2) * g * g
    return theta - eta * g / np.sqrt(s + eps), {"s": s}


@with_state(s=0.0)
def _no_root(theta, g, state, *, eta, beta2, eps):
    s = beta2 * state["s"] + (1 - beta2) * g * g
    return theta - eta * g / (s + eps), {"s": s}


@with_state(s=0.0)
def _weights_swapped(theta, g, state, *, eta, beta2, eps):
    s = (1 - beta2) * state["s"] + beta2 * g * g
    return theta - eta * g / (np.sqrt(s) + eps), {"s": s}


@with_state(s=0.0)
def _sum_like_adagrad(theta, g, state, *, eta, beta2, eps):
    s = state["s"] + g * g
    return theta - eta * g / (np.sqrt(s) + eps), {"s": s}


@with_state(s=0.0)
def _no_one_minus_beta(theta, g, state, *, eta, beta2, eps):
    s = beta2 * state["s"] + g * g
    return theta - eta * g / (np.sqrt(s) + eps), {"s": s}


@with_state(s=0.0)
def _average_after_step(theta, g, state, *, eta, beta2, eps):
    s = beta2 * state["s"] + (1 - beta2) * g * g
    return theta - eta * g / (np.sqrt(state["s"]) + eps), {"s": s}


@with_state(s=0.0)
def _started_at_first_square(theta, g, state, *, eta, beta2, eps):
    # the NTU lecture's σ_0 = |g_0|: a zero average is replaced by the first squared gradient
    s = np.where(np.asarray(state["s"]) == 0, g * g, beta2 * state["s"] + (1 - beta2) * g * g)
    return theta - eta * g / (np.sqrt(s) + eps), {"s": s}


RULES = (
    Rule(
        "rmsprop",
        # ε = 1e-3 and 0.1 make ε's place visible on gradients of size 1 (with ε = 1e-8 only the
        # case with gradients of 1e-6 tells inside from outside)
        hyper=({"eta": 0.01, "beta2": 0.9, "eps": 1e-8},
               {"eta": 0.0037, "beta2": 0.99, "eps": 1e-3},
               {"eta": [0.001, 0.01, 0.1, 0.3], "beta2": [0.0, 0.5, 0.9, 0.99],
                "eps": [1e-8, 1e-6, 1e-3, 0.1]}),
        properties=("pure", "batch",
                    ("constant_gradient", {"gain": "eta / (abs(g) + eps)",
                                           "formula": "η/(|g|+ε)"})),
        mistakes=(
            common.gradient_sign("The rule is {equation}."),
            Mistake("ε inside the root",
                    "you divided by √(s_t + ε), as Keras and optax do; this rule (and torch) adds ε "
                    "outside the root: {equation}. The two differ most where s_t is small.",
                    _eps_inside),
            Mistake("missing root",
                    "you divided by s_t + ε, the mean square itself, instead of its root: the step "
                    "then scales like 1/g instead of being unit-free. {equation}.", _no_root),
            Mistake("β₂ and 1−β₂ swapped",
                    "the weights of the average are swapped: the past keeps weight β₂ and the new "
                    "squared gradient gets 1−β₂: s_t = β₂·s_{t−1} + (1 − β₂)·g_t².",
                    _weights_swapped),
            Mistake("missing (1−β₂)",
                    "the new squared gradient is added with weight 1 instead of (1−β₂), so s_t is "
                    "not an average (it settles near g²/(1−β₂)): {equation}.", _no_one_minus_beta),
            Mistake("a sum, as Adagrad",
                    "you added g_t² to a growing sum (Adagrad, lecture 04) instead of averaging "
                    "with weight β₂ on the past: {equation}.", _sum_like_adagrad),
            Mistake("average updated after the step",
                    "θ moved with the old average s_{t−1} (at t = 1 that is s_0 = 0, a step of "
                    "η·g/ε): update s_t first, then divide by √s_t + ε.", _average_after_step),
            Mistake("average started at the first squared gradient",
                    "your first average is g_1² (the NTU lecture's σ_0 = |g_0|), but this rule, "
                    "like torch, starts from s_0 = 0, so s_1 = (1 − β₂)·g_1²: {equation}.",
                    _started_at_first_square),
            common.state_not_updated("Here: return the new average s_t."),
            common.eta_left_out(),
        ),
        torch=Torch("RMSprop",
                    options=lambda h: {"lr": h["eta"], "alpha": h["beta2"], "eps": h["eps"]},
                    state={"s": lambda s, h: s["square_avg"]},
                    note="torch.optim.RMSprop(lr=η, alpha=β₂, eps=ε), centered=False, momentum=0: "
                         "square_avg is the course's s_t, ε outside the root, s_0 = 0"),
    ),
)
