# Your implementations of the course's update rules. This is the file you edit.
# (Generated from the course's solutions/rules.py by `python3 course.py release`.)
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
    raise NotYetImplemented("gd")


@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    """Heavy-ball momentum, velocity form (lecture 01).

        v_t = α·v_{t-1} − η·g_t
        θ_t = θ_{t-1} + v_t

    eta: learning rate η; alpha: momentum coefficient α in [0, 1) (0 gives plain GD).
    state: {"v": velocity v_{t-1}}, v_0 = 0.  Return (θ_t, {"v": v_t}).
    """
    raise NotYetImplemented("momentum")


@with_state(m=0.0)
def momentum_ema(theta, g, state, *, eta, beta):
    """Momentum as an exponential moving average of gradients, the form Adam uses (lecture 01).

        m_t = β·m_{t-1} + (1 − β)·g_t
        θ_t = θ_{t-1} − η·m_t

    eta: learning rate η; beta: averaging coefficient β in [0, 1).
    state: {"m": average m_{t-1}}, m_0 = 0.  Return (θ_t, {"m": m_t}).
    """
    raise NotYetImplemented("momentum_ema")


@with_state(v=0.0)
def nesterov(theta, g, state, *, eta, alpha):
    """Nesterov momentum in the form that needs only the gradient at θ itself (lecture 02).

        v_t = α·v_{t-1} − η·g_t
        θ_t = θ_{t-1} + α·v_t − η·g_t

    Here θ is the lecture's look-ahead point; the sequence equals the look-ahead form's.
    eta: learning rate η; alpha: momentum coefficient α.
    state: {"v": velocity v_{t-1}}, v_0 = 0.  Return (θ_t, {"v": v_t}).
    """
    raise NotYetImplemented("nesterov")


@with_state(s=0.0)
def rmsprop(theta, g, state, *, eta, beta2, eps):
    """RMSProp: divide each step by the root of a moving average of squared gradients (lecture 05).

        s_t = β₂·s_{t-1} + (1 − β₂)·g_t²
        θ_t = θ_{t-1} − η·g_t / (√s_t + ε)

    eta: learning rate η; beta2: weight β₂ in [0, 1) of the past in the average (torch's alpha);
    eps: ε > 0, added outside the root as torch does.
    state: {"s": average s_{t-1}}, s_0 = 0.  Return (θ_t, {"s": s_t}).
    """
    raise NotYetImplemented("rmsprop")


@with_state(s=0.0, d=0.0)
def adadelta(theta, g, state, *, rho, eps):
    """Adadelta: a step in θ's own units, the RMS of past steps over the RMS of gradients (lecture 06).

        s_t = ρ·s_{t-1} + (1 − ρ)·g_t²
        Δθ_t = −(√(d_{t-1} + ε) / √(s_t + ε))·g_t
        d_t = ρ·d_{t-1} + (1 − ρ)·Δθ_t²
        θ_t = θ_{t-1} + Δθ_t

    No learning rate. rho: weight ρ in [0, 1) of the past in both averages (torch's rho);
    eps: ε > 0, inside both roots, as Zeiler and torch put it.
    state: {"s": E[g²]_{t-1}, "d": E[Δθ²]_{t-1}}, both 0 at the start.
    Return (θ_t, {"s": s_t, "d": d_t}).
    """
    raise NotYetImplemented("adadelta")


@with_state(G=0.0)
def adagrad(theta, g, state, *, eta, eps):
    """Adagrad: one learning rate per coordinate, from the sum of all past squared gradients (lecture 04).

        G_t = G_{t-1} + g_t²
        θ_t = θ_{t-1} − η·g_t / (√G_t + ε)

    eta: learning rate η; eps: ε > 0, added outside the root as torch does (torch's default 1e-10).
    state: {"G": sum G_{t-1} of the squared gradients so far}, G_0 = 0 (torch's
    initial_accumulator_value).  Return (θ_t, {"G": G_t}).
    """
    raise NotYetImplemented("adagrad")


@with_state(gain=1.0, g_prev=0.0)
def local_gains(theta, g, state, *, eta, kappa, phi, gain_min, gain_max):
    """Per-weight local gains: each weight's gain grows while its gradient keeps its sign (lecture 03).

        γ_t = min(γ_{t-1} + κ, γ_max)       where g_t·g_{t-1} > 0 (the sign held)
        γ_t = max((1 − φ)·γ_{t-1}, γ_min)   where g_t·g_{t-1} < 0 (the sign flipped)
        γ_t = γ_{t-1}                       where g_t·g_{t-1} = 0 (so at t = 1, as g_0 = 0)
        θ_t = θ_{t-1} − η·γ_t·g_t

    eta: learning rate η; kappa: additive increase κ ≥ 0; phi: fraction φ in [0, 1) taken off
    at a flip; gain_min, gain_max: the range γ_min ≤ 1 ≤ γ_max the gains stay in.
    state: {"gain": γ_{t-1}, "g_prev": g_{t-1}}, γ_0 = 1, g_0 = 0.  The gain is updated first,
    then used.  Return (θ_t, {"gain": γ_t, "g_prev": g_t}).
    """
    raise NotYetImplemented("local_gains")



@with_state(m=0.0, s=0.0, t=0)
def adam(theta, g, state, *, eta, beta1, beta2, eps):
    """Adam: an average of g over the root of an average of g², both corrected for starting at 0 (lecture 07).

        m_t = β₁·m_{t-1} + (1 − β₁)·g_t,   s_t = β₂·s_{t-1} + (1 − β₂)·g_t²
        m̂_t = m_t / (1 − β₁ᵗ),   ŝ_t = s_t / (1 − β₂ᵗ)
        θ_t = θ_{t-1} − η·m̂_t / (√ŝ_t + ε)

    eta: learning rate η; beta1: weight β₁ of the past in the first moment (lecture 01's β);
    beta2: weight β₂ of the past in the second moment (lecture 05's β₂); eps: ε > 0, added outside
    the root of ŝ, as the paper's Algorithm 1 and torch do.
    state: {"m": m_{t-1}, "s": s_{t-1}, "t": steps taken so far}, all 0 at the start. Increment t
    first: the first step uses t = 1.  Return (θ_t, {"m": m_t, "s": s_t, "t": t}).
    """
    raise NotYetImplemented("adam")


@with_state(m=0.0, s=0.0, t=0)
def adamw(theta, g, state, *, eta, beta1, beta2, eps, weight_decay):
    """AdamW: Adam's step plus a decay of θ itself, kept out of the moments (lecture 07).

        m_t, s_t, m̂_t, ŝ_t as in adam
        θ_t = θ_{t-1} − η·(m̂_t / (√ŝ_t + ε) + λ·θ_{t-1})

    eta, beta1, beta2, eps: as in adam; weight_decay: λ ≥ 0, the decoupled weight decay,
    multiplied by η as torch.optim.AdamW and optax do (Loshchilov & Hutter's schedule multiplier
    is η here). state: as in adam.  Return (θ_t, {"m": m_t, "s": s_t, "t": t}).
    """
    raise NotYetImplemented("adamw")


@with_state(m=0.0, u=0.0, t=0)
def adamax(theta, g, state, *, eta, beta1, beta2, eps):
    """AdaMax: Adam with the L∞ norm: a decaying maximum of |g| in place of the root of s (lecture 08).

        m_t = β₁·m_{t-1} + (1 − β₁)·g_t
        u_t = max(β₂·u_{t-1}, |g_t| + ε)
        θ_t = θ_{t-1} − (η / (1 − β₁ᵗ))·m_t / u_t

    eta: learning rate η; beta1, beta2: as in adam; eps: ε ≥ 0 added to |g_t| inside the max, as
    torch and optax do (the paper's AdaMax is ε = 0; u needs no bias correction).
    state: {"m": m_{t-1}, "u": u_{t-1}, "t": steps so far}, all 0 at the start; the first step
    uses t = 1.  Return (θ_t, {"m": m_t, "u": u_t, "t": t}).
    """
    raise NotYetImplemented("adamax")


@with_state(m=0.0, s=0.0, t=0)
def nadam(theta, g, state, *, eta, beta1, beta2, eps):
    """NAdam: Adam whose momentum looks one step ahead, Nesterov's rewrite applied to m̂ (lecture 09).

        m_t, s_t, ŝ_t as in adam
        m̄_t = β₁·m_t / (1 − β₁^(t+1)) + (1 − β₁)·g_t / (1 − β₁ᵗ)
        θ_t = θ_{t-1} − η·m̄_t / (√ŝ_t + ε)

    The simple form (optax's nadam; Dozat's with a constant β₁; torch.optim.NAdam adds a
    momentum schedule). eta, beta1, beta2, eps: as in adam. state: as in adam.
    Return (θ_t, {"m": m_t, "s": s_t, "t": t}).
    """
    raise NotYetImplemented("nadam")


@with_state(m=0.0, s=0.0, t=0)
def radam(theta, g, state, *, eta, beta1, beta2, eps):
    """RAdam: Adam's adaptive step only once the variance of ŝ is finite, rectified by r_t (lecture 11).

        m_t, s_t, m̂_t as in adam;  ρ_∞ = 2/(1 − β₂) − 1,  ρ_t = ρ_∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
        if ρ_t > 5:  r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t))
                     θ_t = θ_{t-1} − η·r_t·m̂_t·√(1 − β₂ᵗ) / (√s_t + ε)
        else:        θ_t = θ_{t-1} − η·m̂_t        (momentum SGD with bias correction)

    The threshold 5 and ε added to the uncorrected √s_t are torch.optim.RAdam's (the paper
    rectifies when ρ_t > 4 and has no ε). eta, beta1, beta2, eps: as in adam. state: as in adam.
    Return (θ_t, {"m": m_t, "s": s_t, "t": t}).
    """
    raise NotYetImplemented("radam")


def step_decay(t, *, eta, gamma, every):
    """Step decay: η multiplied by γ every `every` steps (lecture 10).

        η_t = η·γ^⌊(t − 1)/every⌋

    eta: η, the rate of the first `every` steps; gamma: γ in (0, 1], the factor; every: steps
    per stage (torch's StepLR step_size, counting its epochs k = t − 1).  Return η_t.
    """
    raise NotYetImplemented("step_decay")


def inv_sqrt(t, *, eta):
    """1/√t decay: the rate that makes a constant-η RMS of all past gradients into Adagrad (lecture 10).

        η_t = η / √t

    eta: η, the rate of the first step.  Return η_t.
    """
    raise NotYetImplemented("inv_sqrt")


def warmup_linear(t, *, eta, warmup):
    """Linear warm-up: η grows in equal steps for `warmup` steps, then stays (lecture 10).

        η_t = η·min(1, t / warmup)

    eta: η, the rate after warm-up; warmup: the number of warm-up steps (the first step uses
    η/warmup, step `warmup` uses η).  Return η_t.
    """
    raise NotYetImplemented("warmup_linear")


def transformer(t, *, d_model, warmup):
    """The Transformer's schedule: linear warm-up, then 1/√t decay (Vaswani et al. 2017, eq. 3; lecture 10).

        η_t = d_model^(−1/2)·min(t^(−1/2), t·warmup^(−3/2))

    d_model: the model's width (512 in the paper); warmup: the step of the peak (4000), where
    both branches meet.  Return η_t.
    """
    raise NotYetImplemented("transformer")


def warmup_cosine(t, *, eta, warmup, total):
    """Linear warm-up, then a half cosine from η down to 0 at step `total` (lecture 10).

        η_t = η·t / warmup                                   for t ≤ warmup
        η_t = η·½·(1 + cos(π·min(1, (t − warmup)/(total − warmup))))   after

    eta: η, the peak; warmup: steps of warm-up; total: the step where η_t reaches 0 (it stays 0
    after, unlike torch's CosineAnnealingLR, which climbs back).  Return η_t.
    """
    raise NotYetImplemented("warmup_cosine")


@with_state(m=0.0, s=0.0, s_max=0.0, t=0)
def amsgrad(theta, g, state, *, eta, beta1, beta2, eps):
    """AMSGrad: Adam whose denominator never shrinks, the running maximum of s (lecture 12).

        m_t, s_t as in adam;  s_max,t = max(s_max,t−1, s_t)   (the raw s, before bias correction)
        θ_t = θ_{t-1} − η·(m_t / (1 − β₁ᵗ)) / (√(s_max,t / (1 − β₂ᵗ)) + ε)

    Assembled from parts: Adam's first moment and bias corrections, with the scale
    σ_t = √(s_max,t/(1 − β₂ᵗ)) + ε. The max of the raw s, corrected afterwards, is torch's
    Adam(amsgrad=True) (optax's amsgrad takes the max of the corrected ŝ instead).
    eta, beta1, beta2, eps: as in adam.
    state: {"m": m_{t-1}, "s": s_{t-1}, "s_max": s_max,t−1, "t": steps so far}, all 0 at the start;
    increment t first.  Return (θ_t, {"m": m_t, "s": s_t, "s_max": s_max,t, "t": t}).
    """
    raise NotYetImplemented("amsgrad")
