"""Topic 01 · Momentum: the specs of `momentum` (velocity form) and `momentum_ema` (the EMA form
Adam uses). See descent_instructor/spec.py for what each field means.

Values confirmed independently in tests/test_01_momentum.py (first steps by hand, the unrolled
sums of both recurrences) and, for `momentum`, against torch.optim.SGD (tests/data/torch/)."""
from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common


@with_state(v=0.0)
def _momentum_as_ema(theta, g, state, *, eta, alpha):
    m = alpha * state["v"] + (1 - alpha) * g
    return theta - eta * m, {"v": m}


@with_state(v=0.0)
def _momentum_torch_buffer(theta, g, state, *, eta, alpha):
    b = alpha * state["v"] + g
    return theta - eta * b, {"v": b}


@with_state(v=0.0)
def _momentum_stale_velocity(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return theta + state["v"], {"v": v}


@with_state(v=0.0)
def _momentum_opposite_velocity(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] + eta * g  # the velocity points uphill, and θ steps against it
    return theta - v, {"v": v}


@with_state(m=0.0)
def _ema_swapped(theta, g, state, *, eta, beta):
    m = (1 - beta) * state["m"] + beta * g
    return theta - eta * m, {"m": m}


@with_state(m=0.0)
def _ema_no_one_minus_beta(theta, g, state, *, eta, beta):
    m = beta * state["m"] + g
    return theta - eta * m, {"m": m}


@with_state(m=0.0)
def _ema_as_velocity(theta, g, state, *, eta, beta):
    v = beta * state["m"] - eta * g
    return theta + v, {"m": v}


BATCH = [0.01, 0.05, 0.1, 0.3]

RULES = (
    Rule(
        "momentum",
        hyper=({"eta": 0.1, "alpha": 0.9}, {"eta": 0.037, "alpha": 0.7},
               {"eta": BATCH, "alpha": [0.0, 0.5, 0.9, 0.99]}),
        properties=("pure", "batch", ("reduces_to_gd", {"off": {"alpha": 0.0}}),
                    ("constant_gradient", {"gain": "eta / (1 - alpha)", "formula": "η/(1−α)"})),
        mistakes=(
            common.gradient_sign("The velocity is v_t = α·v_{t−1} − η·g_t."),
            Mistake("EMA form instead of the velocity form",
                    "you wrote m_t = α·m_{t−1} + (1−α)·g_t and θ_t = θ_{t−1} − η·m_t, the EMA form "
                    "(momentum_ema). This rule is the velocity form: {equation}. They agree only "
                    "after rescaling η by 1/(1−α) (lecture 01).", _momentum_as_ema),
            Mistake("torch's buffer stored as the velocity",
                    "your parameters are right, but the state holds torch's buffer "
                    "b_t = α·b_{t−1} + g_t (= −v_t/η) instead of the velocity "
                    "v_t = α·v_{t−1} − η·g_t. Store v_t itself.", _momentum_torch_buffer),
            Mistake("velocity with the opposite sign",
                    "your θ is right, but your velocity is −v_t: you wrote v_t = α·v_{t−1} + η·g_t "
                    "and θ_t = θ_{t−1} − v_t. The course's velocity points the way θ moves: "
                    "{equation}.", _momentum_opposite_velocity),
            Mistake("stale velocity",
                    "θ moved by the previous velocity v_{t−1}; compute v_t first, then "
                    "θ_t = θ_{t−1} + v_t.", _momentum_stale_velocity),
            common.state_not_updated("Here: return the new velocity v_t."),
            common.eta_left_out(),
        ),
        torch=Torch("SGD", options=lambda h: {"lr": h["eta"], "momentum": h["alpha"]},
                    state={"v": lambda s, h: -h["eta"] * s["momentum_buffer"]},
                    note="torch keeps b_t = μ·b_{t−1} + g_t and steps θ_t = θ_{t−1} − lr·b_t: "
                         "the course's v_t = −η·b_t while η is constant"),
    ),
    Rule(
        "momentum_ema",
        hyper=({"eta": 0.1, "beta": 0.9}, {"eta": 0.037, "beta": 0.7},
               {"eta": BATCH, "beta": [0.0, 0.5, 0.9, 0.99]}),
        properties=("pure", "batch", ("reduces_to_gd", {"off": {"beta": 0.0}}),
                    ("constant_gradient", {"gain": "eta", "formula": "η"})),
        mistakes=(
            Mistake("β and 1−β swapped",
                    "the weights are swapped: the old average keeps weight β, the new gradient "
                    "gets 1−β: m_t = β·m_{t−1} + (1−β)·g_t.", _ema_swapped),
            Mistake("missing (1−β)",
                    "the new gradient is added with weight 1 instead of (1−β): that is torch's "
                    "momentum buffer, not an average.", _ema_no_one_minus_beta),
            common.step_sign("θ_t = θ_{t−1} − η·m_t."),
            Mistake("velocity form instead of the EMA form",
                    "you wrote the velocity form v_t = β·v_{t−1} − η·g_t; this rule averages the "
                    "gradients: {equation}.", _ema_as_velocity),
            common.state_not_updated("Here: return the new average m_t."),
            common.eta_left_out(),
        ),
        # no torch counterpart: torch's SGD with dampening = β starts its buffer at b_1 = g_1
    ),
)
