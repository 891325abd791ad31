"""The update rules of the Descent course: one short, pure function per rule.

Every rule follows the course's contract (lectures/00_gradient_descent.ipynb, README):

    new_theta, new_state = rule(theta, g, state, **hyperparameters)

theta   θ_{t-1}, an array of any shape (a batch of runs is just a bigger array)
g       g_t = ∇L(θ_{t-1}), the gradient at theta, same shape
state   dict of arrays from the previous call; before the first step it is init_state(rule, θ),
        built from the @with_state(...) line above each rule
hyper-  keyword-only; they broadcast against theta (η of shape (runs, 1) gives every run its own η)
parameters

A rule never modifies theta, g or state: compute new arrays and return them.
Symbols follow the course's notation table (README, "Notation").
"""
import numpy as np  # noqa: F401  (you may want it)

from descent.contract import NotYetImplemented, with_state  # noqa: F401


@with_state()
def gd(theta, g, state, *, eta):
    """Gradient descent (lecture 00).

        θ_t = θ_{t-1} − η·g_t

    eta: learning rate η > 0. There is no state: return an empty dict.
    """
    ### BEGIN SOLUTION
    return theta - eta * g, {}
    ### END SOLUTION


@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    """Heavy-ball momentum, velocity form (lecture 01).

        v_t = α·v_{t-1} − η·g_t
        θ_t = θ_{t-1} + v_t

    eta: learning rate η; alpha: momentum coefficient α in [0, 1) (0 gives plain GD).
    state: {"v": velocity v_{t-1}}, v_0 = 0.  Return (θ_t, {"v": v_t}).
    """
    ### BEGIN SOLUTION
    v = alpha * state["v"] - eta * g
    return theta + v, {"v": v}
    ### END SOLUTION


@with_state(m=0.0)
def momentum_ema(theta, g, state, *, eta, beta):
    """Momentum as an exponential moving average of gradients, the form Adam uses (lecture 01).

        m_t = β·m_{t-1} + (1 − β)·g_t
        θ_t = θ_{t-1} − η·m_t

    eta: learning rate η; beta: averaging coefficient β in [0, 1).
    state: {"m": average m_{t-1}}, m_0 = 0.  Return (θ_t, {"m": m_t}).
    """
    ### BEGIN SOLUTION
    m = beta * state["m"] + (1 - beta) * g
    return theta - eta * m, {"m": m}
    ### END SOLUTION


@with_state(v=0.0)
def nesterov(theta, g, state, *, eta, alpha):
    """Nesterov momentum in the form that needs only the gradient at θ itself (lecture 02).

        v_t = α·v_{t-1} − η·g_t
        θ_t = θ_{t-1} + α·v_t − η·g_t

    Here θ is the lecture's look-ahead point; the sequence equals the look-ahead form's.
    eta: learning rate η; alpha: momentum coefficient α.
    state: {"v": velocity v_{t-1}}, v_0 = 0.  Return (θ_t, {"v": v_t}).
    """
    ### BEGIN SOLUTION
    v = alpha * state["v"] - eta * g
    return theta + alpha * v - eta * g, {"v": v}
    ### END SOLUTION


@with_state(s=0.0)
def rmsprop(theta, g, state, *, eta, beta2, eps):
    """RMSProp: divide each step by the root of a moving average of squared gradients (lecture 05).

        s_t = β₂·s_{t-1} + (1 − β₂)·g_t²
        θ_t = θ_{t-1} − η·g_t / (√s_t + ε)

    eta: learning rate η; beta2: weight β₂ in [0, 1) of the past in the average (torch's alpha);
    eps: ε > 0, added outside the root as torch does.
    state: {"s": average s_{t-1}}, s_0 = 0.  Return (θ_t, {"s": s_t}).
    """
    ### BEGIN SOLUTION
    s = beta2 * state["s"] + (1 - beta2) * g * g
    return theta - eta * g / (np.sqrt(s) + eps), {"s": s}
    ### END SOLUTION
