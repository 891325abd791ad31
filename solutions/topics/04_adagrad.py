"""Topic 04 · Adagrad: the spec of `adagrad`, the sum form of Duchi et al. (2011) that torch runs.

The NTU lecture's form (σ_t = the root MEAN square of all past gradients, with a constant η) is
the same rule with η·√t; the lecture and the exercise compute it from `adagrad` (rollout's
schedule), and writing it as this rule is a known mistake below.

Values confirmed independently in tests/test_04_adagrad.py (the first steps by hand, the closed
form of a constant gradient, G_t as a cumulative sum, the mean form as η·√t) and against
torch.optim.Adagrad (tests/data/torch/adagrad.json), which agrees to ~1e-16 with lr_decay = 0 and
initial_accumulator_value = 0."""
import numpy as np

from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common


@with_state(G=0.0)
def _eps_inside(theta, g, state, *, eta, eps):
    G = state["G"] + g * g
    return theta - eta * g / np.sqrt(G + eps), {"G": G}


@with_state(G=0.0)
def _no_root(theta, g, state, *, eta, eps):
    G = state["G"] + g * g
    return theta - eta * g / (G + eps), {"G": G}


@with_state(G=0.0)
def _mean_in_state(theta, g, state, *, eta, eps):
    t = state.get("t", 0) + 1  # the mean needs a step count the rule does not keep
    G = state["G"] + (g * g - state["G"]) / t
    return theta - eta * g / (np.sqrt(G) + eps), {"G": G, "t": t}


@with_state(G=0.0)
def _mean_of_sum(theta, g, state, *, eta, eps):
    t = state.get("t", 0) + 1
    G = state["G"] + g * g
    return theta - eta * g / (np.sqrt(G / t) + eps), {"G": G, "t": t}


@with_state(G=0.0)
def _stale_accumulator(theta, g, state, *, eta, eps):
    G = state["G"] + g * g
    return theta - eta * g / (np.sqrt(state["G"]) + eps), {"G": G}


@with_state(G=0.0)
def _optax_start(theta, g, state, *, eta, eps):
    G = np.where(state["G"] == 0, 0.1, state["G"]) + g * g  # the sum started at optax's 0.1
    return theta - eta * g / (np.sqrt(G) + eps), {"G": G}


@with_state(G=0.0)
def _not_accumulated(theta, g, state, *, eta, eps):
    G = g * g
    return theta - eta * g / (np.sqrt(G) + eps), {"G": G}


RULES = (
    Rule(
        "adagrad",
        # ε large enough in the first case and the batch that ε inside or outside the root differ
        # by more than the checks' tolerance; ε = 1e-8 in the second, where the magnitudes case
        # (g from 1e-6) separates them
        hyper=({"eta": 0.1, "eps": 1e-3},
               {"eta": 0.037, "eps": 1e-8},
               {"eta": [0.01, 0.05, 0.1, 0.5], "eps": [1e-10, 1e-6, 1e-3, 0.1]}),
        properties=("pure", "batch",
                    ("constant_gradient", {"gain": "eta / (sqrt(300) * abs(g) + eps)",
                                           "formula": "η/(√300·|g| + ε)", "steps": 300})),
        mistakes=(
            common.gradient_sign("The rule is {equation}."),
            Mistake("ε inside the root",
                    "you divided by √(G_t + ε); this rule (as torch) adds ε outside the root: "
                    "{equation}. The two differ where √G_t is comparable to ε (the first steps "
                    "of a small gradient).", _eps_inside),
            Mistake("missing root",
                    "you divided by G_t + ε, not by √G_t + ε. G_t has the units of g², so the step "
                    "would have the units of 1/g: take the root, {equation}.", _no_root),
            Mistake("mean instead of sum",
                    "your G_t is the mean of the squared gradients (the NTU lecture's σ_t²), "
                    "not their sum. The course's adagrad, like Duchi et al. and torch, sums "
                    "them: {equation}. The mean form is this rule with η·√t (lecture 04).",
                    _mean_in_state),
            Mistake("mean instead of sum (G_t/t under the root)",
                    "your state holds the sum, but you divided it by t under the root: that "
                    "is the mean form, steps √t times larger. The course's adagrad divides by "
                    "the root of the sum itself: {equation}.", _mean_of_sum),
            Mistake("accumulator updated after the step",
                    "your step divides by √G_{t−1} + ε, the sum before this step's gradient "
                    "was added (the first step is then g_1/ε, enormous). Add g_t² first, then "
                    "step: {equation}.", _stale_accumulator),
            Mistake("accumulator not accumulated",
                    "your G_t is g_t² alone, so every step is about η·sign(g_t): add each new "
                    "g_t² to the sum so far, {equation}.", _not_accumulated),
            Mistake("wrong initial accumulator",
                    "your sum starts at 0.1, optax's and Keras's initial_accumulator_value; the course's "
                    "starts at G_0 = 0, as torch's default: {equation}. With small gradients the "
                    "start value dominates the first steps.", _optax_start),
            common.state_not_updated("Here: return the new sum G_t."),
            common.eta_left_out(),
        ),
        torch=Torch("Adagrad",
                    options=lambda h: {"lr": h["eta"], "eps": h["eps"], "lr_decay": 0.0,
                                       "initial_accumulator_value": 0.0},
                    state={"G": lambda s, h: s["sum"]},
                    note="torch keeps the sum of squared gradients as state['sum'] (the course's "
                         "G_t, started at initial_accumulator_value = G_0 = 0) and its step count "
                         "as state['step']; lr_decay = 0 keeps lr/(1 + (t−1)·lr_decay) = η, and "
                         "ε is added outside the root as here"),
    ),
)
