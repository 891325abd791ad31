"""Well-known wrong versions of each rule, for naming a student's mistake.

Instructor-side only: these are near-copies of the solutions, so they never ship in lib/.
The release command (``python3 course.py release``) runs each of them on the same inputs as the reference and stores their
outputs next to the reference values; ``descent.checks`` compares a student's outputs with them
and, on a match, names the mistake and explains it. Each entry: name -> (explanation, rule).
"""
from descent.contract import with_state


@with_state()
def _gd_uphill(theta, g, state, *, eta):
    return theta + eta * g, {}


@with_state()
def _gd_no_eta(theta, g, state, *, eta):
    return theta - g, {}


@with_state(v=0.0)
def _momentum_sign(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] + eta * g
    return theta + v, {"v": v}


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
def _momentum_state_not_updated(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return theta + v, {"v": state["v"]}


@with_state(m=0.0)
def _ema_swapped(theta, g, state, *, eta, beta):
    m = (1 - beta) * state["m"] + beta * g
    return theta - eta * m, {"m": m}


@with_state(m=0.0)
def _ema_no_one_minus_beta(theta, g, state, *, eta, beta):
    m = beta * state["m"] + g
    return theta - eta * m, {"m": m}


@with_state(m=0.0)
def _ema_sign(theta, g, state, *, eta, beta):
    m = beta * state["m"] + (1 - beta) * g
    return theta + eta * m, {"m": m}


@with_state(m=0.0)
def _ema_as_velocity(theta, g, state, *, eta, beta):
    v = beta * state["m"] - eta * g
    return theta + v, {"m": v}


@with_state(v=0.0)
def _nesterov_heavy_ball(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return theta + v, {"v": v}


@with_state(v=0.0)
def _nesterov_no_gradient_term(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return theta + alpha * v, {"v": v}


@with_state(v=0.0)
def _nesterov_sign(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] + eta * g
    return theta + alpha * v + eta * g, {"v": v}


@with_state(v=0.0)
def _nesterov_torch_buffer(theta, g, state, *, eta, alpha):
    b = alpha * state["v"] + g
    return theta - eta * (g + alpha * b), {"v": b}


SIGN = "the step goes uphill, along +g instead of −g."

MISTAKES = {
    "gd": {
        "sign error": (SIGN + " Gradient descent subtracts: θ_t = θ_{t−1} − η·g_t.", _gd_uphill),
        "learning rate left out": ("the step is −g_t, not −η·g_t: multiply the gradient by η.",
                                   _gd_no_eta),
    },
    "momentum": {
        "sign error": (SIGN + " The velocity is v_t = α·v_{t−1} − η·g_t.", _momentum_sign),
        "EMA form instead of the velocity form": (
            "you wrote m_t = α·m_{t−1} + (1−α)·g_t and θ_t = θ_{t−1} − η·m_t, the EMA form "
            "(momentum_ema). This rule is the velocity form: v_t = α·v_{t−1} − η·g_t, "
            "θ_t = θ_{t−1} + v_t. They agree only after rescaling η by 1/(1−α) (lecture 01).",
            _momentum_as_ema),
        "torch's buffer stored as the velocity": (
            "your parameters are right, but the state holds torch's buffer b_t = α·b_{t−1} + g_t "
            "(= −v_t/η) instead of the velocity v_t = α·v_{t−1} − η·g_t. Store v_t itself.",
            _momentum_torch_buffer),
        "stale velocity": ("θ moved by the previous velocity v_{t−1}; compute v_t first, then "
                           "θ_t = θ_{t−1} + v_t.", _momentum_stale_velocity),
        "state not updated": ("the returned state still holds v_{t−1}: return the new velocity "
                              "v_t so the next step can use it.", _momentum_state_not_updated),
    },
    "momentum_ema": {
        "β and 1−β swapped": ("the weights are swapped: the old average keeps weight β, the new "
                              "gradient gets 1−β: m_t = β·m_{t−1} + (1−β)·g_t.", _ema_swapped),
        "missing (1−β)": ("the new gradient is added with weight 1 instead of (1−β): that is "
                          "torch's momentum buffer, not an average.", _ema_no_one_minus_beta),
        "sign error": (SIGN + " θ_t = θ_{t−1} − η·m_t.", _ema_sign),
        "velocity form instead of the EMA form": (
            "you wrote the velocity form v_t = β·v_{t−1} − η·g_t; this rule averages the "
            "gradients: m_t = β·m_{t−1} + (1−β)·g_t, θ_t = θ_{t−1} − η·m_t.", _ema_as_velocity),
    },
    "nesterov": {
        "heavy-ball momentum (no look-ahead)": (
            "this is lecture 01's momentum, θ_t = θ_{t−1} + v_t. Nesterov's rewritten form adds "
            "the look-ahead: θ_t = θ_{t−1} + α·v_t − η·g_t.", _nesterov_heavy_ball),
        "gradient term left out": (
            "θ moved by α·v_t only; the rewritten form also takes the gradient step: "
            "θ_t = θ_{t−1} + α·v_t − η·g_t.", _nesterov_no_gradient_term),
        "sign error": (SIGN + " v_t = α·v_{t−1} − η·g_t, θ_t = θ_{t−1} + α·v_t − η·g_t.",
                       _nesterov_sign),
        "torch's buffer stored as the velocity": (
            "your parameters are right, but the state holds torch's buffer b_t = α·b_{t−1} + g_t "
            "(= −v_t/η) instead of the velocity v_t.", _nesterov_torch_buffer),
    },
}
