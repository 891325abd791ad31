"""Course code (read it, don't edit it): per-step contraction rates of GD and heavy ball on a quadratic,
and the loss they settle at under gradient noise.

On one direction of a quadratic with curvature λ, with h = ηλ, gradient descent multiplies the
error by 1 − h per step, and heavy ball (the velocity form of momentum) follows the two-term
recursion θ_t = (1 + α − h)·θ_{t−1} − α·θ_{t−2}, i.e. the iteration matrix [[1 + α − h, −α], [1, 0]].
Its per-step rate ρ is that matrix's spectral radius, the largest |z| with z² − (1 + α − h)·z + α = 0.

With gradient noise (mean 0, variance s² per direction, independent from step to step) a constant
η does not converge: ``noise_floor`` is the mean loss per direction the run settles at.

Every function is plain numpy and takes scalars or arrays (broadcast against each other).
"""
from __future__ import annotations

import numpy as np


def rate_gd(h):
    """GD's per-step factor |1 − h| on a direction with h = ηλ."""
    return np.abs(1.0 - np.asarray(h, dtype=float))


def rate_heavy_ball(h, alpha):
    """Heavy ball's per-step rate ρ(h, α): the largest root modulus of z² − (1 + α − h)·z + α.

    Complex roots (discriminant (1 + α − h)² − 4α < 0, the oscillating regime) have |z| = √α;
    real ones give ρ = (|1 + α − h| + √discriminant)/2. The roots meet (critical damping) at
    h = (1 ∓ √α)², and ρ = √α for every h between these two values.
    """
    h, alpha = np.broadcast_arrays(np.asarray(h, dtype=float), np.asarray(alpha, dtype=float))
    b = 1.0 + alpha - h
    disc = b * b - 4.0 * alpha
    real = (np.abs(b) + np.sqrt(np.maximum(disc, 0.0))) / 2.0
    out = np.where(disc < 0, np.sqrt(alpha), real)
    return out[()] if out.ndim == 0 else out


def critical_band(alpha):
    """The interval of h where heavy ball's two roots are complex or equal: ((1 − √α)², (1 + √α)²)."""
    s = np.sqrt(np.asarray(alpha, dtype=float))
    return (1.0 - s) ** 2, (1.0 + s) ** 2


def worst_rate_gd(eta, lam_min, lam_max):
    """GD's slowest per-step factor over the curvatures [λ_min, λ_max] at learning rate η."""
    return np.maximum(rate_gd(eta * lam_min), rate_gd(eta * lam_max))


def worst_rate_heavy_ball(eta, alpha, lam_min, lam_max):
    """Heavy ball's slowest rate over the curvatures [λ_min, λ_max]: ρ(h) is largest at an end
    of the interval (it falls, stays at √α across the band, then rises)."""
    return np.maximum(rate_heavy_ball(eta * lam_min, alpha), rate_heavy_ball(eta * lam_max, alpha))


def optimal_gd(lam_min, lam_max):
    """GD's best learning rate for curvatures in [λ_min, λ_max] and its rate:
    η = 2/(λ_min + λ_max), ρ = (κ − 1)/(κ + 1) with κ = λ_max/λ_min."""
    lam_min, lam_max = np.asarray(lam_min, dtype=float), np.asarray(lam_max, dtype=float)
    kappa = lam_max / lam_min
    return 2.0 / (lam_min + lam_max), (kappa - 1.0) / (kappa + 1.0)


def optimal_heavy_ball(lam_min, lam_max):
    """Heavy ball's best (η*, α*) for curvatures in [λ_min, λ_max] and its rate:
    α* = ((√κ − 1)/(√κ + 1))², η* = (1 + √α*)²/λ_max = 4/(√λ_max + √λ_min)², ρ = √α*.
    At (η*, α*) both ends of the spectrum sit exactly on the edges of the critical band."""
    lam_min, lam_max = np.asarray(lam_min, dtype=float), np.asarray(lam_max, dtype=float)
    sk = np.sqrt(lam_max / lam_min)
    rate = (sk - 1.0) / (sk + 1.0)
    alpha = rate ** 2
    eta = (1.0 + rate) ** 2 / lam_max
    return eta, alpha, rate


def steps_per_efold(rate):
    """How many steps shrink the error by a factor e at a per-step rate ρ: 1/(−ln ρ)."""
    return -1.0 / np.log(np.asarray(rate, dtype=float))


def noise_floor(eta, lam, noise, alpha=0.0):
    """The stationary mean loss E[½λθ²] of GD (α = 0) or heavy ball on one direction of a quadratic
    with curvature λ, when every gradient carries independent noise of standard deviation ``noise``
    (s) in that direction:

        GD:          θ_t = (1 − ηλ)·θ_{t−1} − η·ξ_t   →   Var θ = ηs²/(λ(2 − ηλ)),  E[½λθ²] = ηs²/(2(2 − ηλ))
        heavy ball:  E[½λθ²] = ηs²(1 + α) / (2(1 − α)(2(1 + α) − ηλ))

    (the stationary variance of the recursion θ_t = (1 + α − ηλ)·θ_{t−1} − α·θ_{t−2} − η·ξ_t). For
    ηλ ≪ 1 both are about (η/(1 − α))·s²/4, whatever λ. Infinite where the run is unstable
    (ηλ ≥ 2(1 + α)). Sum over the directions for the floor of a whole quadratic."""
    eta, lam, alpha = (np.asarray(v, dtype=float) for v in (eta, lam, alpha))
    room = 2.0 * (1.0 + alpha) - eta * lam             # > 0 inside the stable window
    stable = room > 0
    floor = eta * noise**2 * (1.0 + alpha) / (2.0 * (1.0 - alpha) * np.where(stable, room, 1.0))
    out = np.where(stable, floor, np.inf)
    return out[()] if out.ndim == 0 else out
