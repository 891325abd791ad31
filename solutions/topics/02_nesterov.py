"""Topic 02 · Nesterov momentum: the spec of `nesterov` in the rewritten form (its iterate is the
look-ahead point). See descent_instructor/spec.py for what each field means.

Values confirmed independently in tests/test_02_nesterov.py (first step by hand, the unrolled
sums, Sutskever's look-ahead form on Rosenbrock) and against torch.optim.SGD(nesterov=True)."""
from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, Torch, common


@with_state(v=0.0)
def _nesterov_heavy_ball(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return theta + v, {"v": v}


@with_state(v=0.0)
def _nesterov_no_gradient_term(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return theta + alpha * v, {"v": v}


@with_state(v=0.0)
def _nesterov_opposite_velocity(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] + eta * g  # the velocity points uphill, and θ steps against it
    return theta - alpha * v - eta * g, {"v": v}


@with_state(v=0.0)
def _nesterov_torch_buffer(theta, g, state, *, eta, alpha):
    b = alpha * state["v"] + g
    return theta - eta * (g + alpha * b), {"v": b}


RULES = (
    Rule(
        "nesterov",
        hyper=({"eta": 0.1, "alpha": 0.9}, {"eta": 0.037, "alpha": 0.7},
               {"eta": [0.01, 0.05, 0.1, 0.3], "alpha": [0.0, 0.5, 0.9, 0.99]}),
        properties=("pure", "batch", ("reduces_to_gd", {"off": {"alpha": 0.0}}),
                    ("constant_gradient", {"gain": "eta / (1 - alpha)", "formula": "η/(1−α)"})),
        mistakes=(
            Mistake("heavy-ball momentum (no look-ahead)",
                    "this is lecture 01's momentum, θ_t = θ_{t−1} + v_t. Nesterov's rewritten "
                    "form adds the look-ahead: θ_t = θ_{t−1} + α·v_t − η·g_t.", _nesterov_heavy_ball),
            Mistake("gradient term left out",
                    "θ moved by α·v_t only; the rewritten form also takes the gradient step: "
                    "θ_t = θ_{t−1} + α·v_t − η·g_t.", _nesterov_no_gradient_term),
            common.gradient_sign("{equation}."),
            Mistake("velocity with the opposite sign",
                    "your θ is right, but your velocity is −v_t: you wrote v_t = α·v_{t−1} + η·g_t "
                    "and subtracted it. The course's velocity points the way θ moves: {equation}.",
                    _nesterov_opposite_velocity),
            Mistake("torch's buffer stored as the velocity",
                    "your parameters are right, but the state holds torch's buffer "
                    "b_t = α·b_{t−1} + g_t (= −v_t/η) instead of the velocity v_t.",
                    _nesterov_torch_buffer),
            common.state_not_updated("Here: return the new velocity v_t."),
            common.eta_left_out(),
        ),
        torch=Torch("SGD", options=lambda h: {"lr": h["eta"], "momentum": h["alpha"],
                                             "nesterov": True},
                    state={"v": lambda s, h: -h["eta"] * s["momentum_buffer"]},
                    note="torch's iterate is the look-ahead point, the course's θ; its buffer "
                         "b_t = μ·b_{t−1} + g_t is −v_t/η while η is constant"),
    ),
)
