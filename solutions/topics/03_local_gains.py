"""Topic 03 · Per-weight local gains: the spec of `local_gains` (see descent_instructor/spec.py).

The course's reading (lecture 03): the gain is updated first, then used (γ_t moves step t); the
state keeps the previous gradient g_{t−1}, starting at g_0 = 0, so a zero product (the first step,
or a gradient exactly 0) leaves the gain as it is, as Jacobs' delta-bar-delta does.

No library has this rule (torch.optim has none; its Rprop is sign-only and multiplicative both
ways), so there is no torch mapping and no torch fixture. Values confirmed independently in
tests/test_03_local_gains.py: the first steps by hand, the gain rebuilt from counting sign
agreements (no recurrence on θ), and closed forms for a constant and an alternating gradient."""
import numpy as np
from descent.contract import with_state

from descent_instructor.spec import Mistake, Rule, common


# Each wrong rule is whole on its own (tests/test_grading_mistakes.py hands its source in as a
# student's rules.py): the reference's lines, with the one mistake.
@with_state(gain=1.0, g_prev=0.0)
def _swapped(theta, g, state, *, eta, kappa, phi, gain_min, gain_max):
    agree = g * state["g_prev"]  # grows at a flip, shrinks while the sign holds
    grown = np.minimum(state["gain"] + kappa, gain_max)
    shrunk = np.maximum((1 - phi) * state["gain"], gain_min)
    gain = np.where(agree < 0, grown, np.where(agree > 0, shrunk, state["gain"]))
    return theta - eta * gain * g, {"gain": gain, "g_prev": np.array(g, dtype=float)}


@with_state(gain=1.0, g_prev=0.0)
def _current_gradient(theta, g, state, *, eta, kappa, phi, gain_min, gain_max):
    agree = g * g  # compared with itself: the sign always "holds"
    grown = np.minimum(state["gain"] + kappa, gain_max)
    shrunk = np.maximum((1 - phi) * state["gain"], gain_min)
    gain = np.where(agree > 0, grown, np.where(agree < 0, shrunk, state["gain"]))
    return theta - eta * gain * g, {"gain": gain, "g_prev": np.array(g, dtype=float)}


@with_state(gain=1.0, g_prev=0.0)
def _stale_gain(theta, g, state, *, eta, kappa, phi, gain_min, gain_max):
    agree = g * state["g_prev"]
    grown = np.minimum(state["gain"] + kappa, gain_max)
    shrunk = np.maximum((1 - phi) * state["gain"], gain_min)
    gain = np.where(agree > 0, grown, np.where(agree < 0, shrunk, state["gain"]))
    return theta - eta * state["gain"] * g, {"gain": gain, "g_prev": np.array(g, dtype=float)}  # the old gain


@with_state(gain=1.0, g_prev=0.0)
def _no_clipping(theta, g, state, *, eta, kappa, phi, gain_min, gain_max):
    agree = g * state["g_prev"]
    gain = np.where(agree > 0, state["gain"] + kappa,
                    np.where(agree < 0, (1 - phi) * state["gain"], state["gain"]))
    return theta - eta * gain * g, {"gain": gain, "g_prev": np.array(g, dtype=float)}


@with_state(gain=1.0, g_prev=0.0)
def _zero_is_a_flip(theta, g, state, *, eta, kappa, phi, gain_min, gain_max):
    agree = g * state["g_prev"]  # "if same sign: grow, else: shrink", so a zero product shrinks
    grown = np.minimum(state["gain"] + kappa, gain_max)
    shrunk = np.maximum((1 - phi) * state["gain"], gain_min)
    gain = np.where(agree > 0, grown, shrunk)
    return theta - eta * gain * g, {"gain": gain, "g_prev": np.array(g, dtype=float)}


@with_state(gain=1.0, g_prev=0.0)
def _times_phi(theta, g, state, *, eta, kappa, phi, gain_min, gain_max):
    agree = g * state["g_prev"]
    grown = np.minimum(state["gain"] + kappa, gain_max)
    shrunk = np.maximum(phi * state["gain"], gain_min)  # φ, not 1 − φ
    gain = np.where(agree > 0, grown, np.where(agree < 0, shrunk, state["gain"]))
    return theta - eta * gain * g, {"gain": gain, "g_prev": np.array(g, dtype=float)}


@with_state(gain=1.0, g_prev=0.0)
def _sign_stored(theta, g, state, *, eta, kappa, phi, gain_min, gain_max):
    agree = g * state["g_prev"]
    grown = np.minimum(state["gain"] + kappa, gain_max)
    shrunk = np.maximum((1 - phi) * state["gain"], gain_min)
    gain = np.where(agree > 0, grown, np.where(agree < 0, shrunk, state["gain"]))
    return theta - eta * gain * g, {"gain": gain, "g_prev": np.sign(g).astype(float)}


RULES = (
    Rule(
        "local_gains",
        # the common constants (+0.05, ×0.95, [0.1, 10]); a narrow range that both clips bite
        # in a few steps; per run: plain GD (κ = φ = 0), common, narrow, the seed's β = 0.9
        hyper=({"eta": 0.1, "kappa": 0.05, "phi": 0.05, "gain_min": 0.1, "gain_max": 10.0},
               {"eta": 0.037, "kappa": 0.5, "phi": 0.3, "gain_min": 0.8, "gain_max": 1.6},
               {"eta": [0.01, 0.05, 0.1, 0.3], "kappa": [0.0, 0.05, 0.5, 0.9],
                "phi": [0.0, 0.05, 0.3, 0.9], "gain_min": [0.1, 0.1, 0.8, 0.01],
                "gain_max": [10.0, 10.0, 1.6, 100.0]}),
        properties=("pure", "batch", ("reduces_to_gd", {"off": {"kappa": 0.0, "phi": 0.0}}),
                    ("constant_gradient", {"gain": "eta * gain_max", "formula": "η·γ_max"})),
        mistakes=(
            common.gradient_sign("The step is θ_t = θ_{t−1} − η·γ_t·g_t."),
            Mistake("increase and decrease swapped",
                    "your gain grows when the sign flips and shrinks while it holds. Add κ when "
                    "g_t·g_{t−1} > 0, multiply by (1 − φ) when g_t·g_{t−1} < 0: {equation}.",
                    _swapped),
            Mistake("sign compared with the current gradient",
                    "your gain grows at every step: the sign of g_t was compared with g_t itself "
                    "(or the state was updated before the comparison). Compare g_t with the "
                    "previous gradient, state['g_prev'], then store g_t.", _current_gradient),
            Mistake("gain applied before its update",
                    "your gains are right, but step t moved with the old gain γ_{t−1}. The "
                    "course updates the gain first and steps with the new one: "
                    "θ_t = θ_{t−1} − η·γ_t·g_t.", _stale_gain),
            Mistake("clipping missing",
                    "your gain left its range [γ_min, γ_max]: cap the increase at γ_max and "
                    "the decrease at γ_min: {equation}.", _no_clipping),
            Mistake("a zero product treated as a flip",
                    "your gain shrank at the first step, where there is no previous gradient "
                    "(g_0 = 0): an 'if the signs agree, grow, else shrink' treats "
                    "g_t·g_{t−1} = 0 as a flip. The course leaves the gain unchanged when the "
                    "product is 0: {equation}.", _zero_is_a_flip),
            Mistake("multiplied by φ instead of (1 − φ)",
                    "at a flip your gain was multiplied by φ: φ is the fraction taken off, so "
                    "the gain becomes (1 − φ)·γ_{t−1} (φ = 0.05 keeps 95%).", _times_phi),
            Mistake("sign stored instead of the gradient",
                    "your θ and gains are right, but state['g_prev'] holds sign(g_t). The "
                    "course's state keeps the previous gradient itself: store g_t.",
                    _sign_stored),
            common.state_not_updated("Here: return the new gain γ_t and the gradient g_t."),
            common.eta_left_out("The step is θ_t = θ_{t−1} − η·γ_t·g_t."),
        ),
        # no torch counterpart: torch.optim has no local-gains optimizer (Rprop is sign-only)
    ),
)
