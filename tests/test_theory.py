"""descent.theory: the closed-form rates confirmed independently (numpy's eigenvalues of the
iteration matrix, a grid search over (η, α), and rates measured from roll-outs)."""
import numpy as np
import pytest

from descent import problems, reference, theory
from descent.rollout import rollout

R = reference.rules()


def spectral_radius(h, alpha):
    """max |eig| of [[1 + α − h, −α], [1, 0]], by numpy, for arrays of h and α."""
    h, alpha = np.broadcast_arrays(np.asarray(h, float), np.asarray(alpha, float))
    M = np.zeros(h.shape + (2, 2))
    M[..., 0, 0], M[..., 0, 1], M[..., 1, 0] = 1 + alpha - h, -alpha, 1.0
    return np.abs(np.linalg.eigvals(M)).max(axis=-1)


def test_heavy_ball_rate_is_the_spectral_radius_of_the_iteration_matrix():
    h = np.logspace(-5, np.log10(6.0), 2000)[:, None]
    alpha = np.array([0.0, 0.1, 0.5, 0.9, 0.99, 0.999])
    # near a double root numpy's eigenvalues carry ~√(machine ε) error: compare at 1e-6
    np.testing.assert_allclose(theory.rate_heavy_ball(h, alpha), spectral_radius(h, alpha), rtol=0, atol=1e-6)


def test_alpha_zero_is_gd_and_the_critical_band_is_flat_at_sqrt_alpha():
    h = np.linspace(0.0, 4.0, 401)
    np.testing.assert_allclose(theory.rate_heavy_ball(h, 0.0), theory.rate_gd(h), atol=1e-15)
    for a in (0.25, 0.5, 0.9):
        lo, hi = theory.critical_band(a)
        inside = np.linspace(lo, hi, 101)
        # at the edges the discriminant is 0 up to rounding (~1e-16), whose square root is ~1e-8
        np.testing.assert_allclose(theory.rate_heavy_ball(inside, a), np.sqrt(a), rtol=1e-7)
        outside = np.array([lo * 0.9, hi * 1.1])
        assert (theory.rate_heavy_ball(outside, a) > np.sqrt(a) + 1e-4).all()
        # at the band's edges the roots meet: the discriminant of z² − (1 + α − h)z + α is 0
        for edge in (lo, hi):
            assert abs((1 + a - edge) ** 2 - 4 * a) < 1e-12


def test_scalar_in_scalar_out():
    assert np.ndim(theory.rate_heavy_ball(0.5, 0.9)) == 0
    assert np.ndim(theory.steps_per_efold(0.5)) == 0


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_optimal_heavy_ball_minimises_the_worst_case_on_a_grid(kappa):
    lam_min, lam_max = 2.0, 2.0 * kappa
    eta, alpha, rate = theory.optimal_heavy_ball(lam_min, lam_max)
    assert np.isclose(eta, 4 / (np.sqrt(lam_max) + np.sqrt(lam_min)) ** 2, rtol=1e-12)
    assert np.isclose(rate, np.sqrt(alpha), rtol=1e-12)
    # both ends of the spectrum sit on the band's edges, a double root: rounding error ~1e-8
    assert np.isclose(theory.worst_rate_heavy_ball(eta, alpha, lam_min, lam_max), rate, rtol=1e-7)
    # a fine grid around the optimum (relative scan of η and of 1 − α): nothing beats it
    etas = eta * np.linspace(0.8, 1.2, 401)[:, None]
    alphas = 1 - (1 - alpha) * np.linspace(0.5, 1.5, 401)[None, :]
    worst = np.maximum(spectral_radius(etas * lam_min, alphas), spectral_radius(etas * lam_max, alphas))
    assert worst.min() >= rate - 1e-6
    i, j = np.unravel_index(worst.argmin(), worst.shape)
    assert abs(etas[i, 0] / eta - 1) < 0.01 and abs((1 - alphas[0, j]) / (1 - alpha) - 1) < 0.01


@pytest.mark.parametrize("kappa", [10.0, 1e3, 1e5])
def test_optimal_gd_minimises_the_worst_case(kappa):
    eta, rate = theory.optimal_gd(1.0, kappa)
    etas = np.linspace(0.5, 1.5, 100001) * eta
    worst = theory.worst_rate_gd(etas, 1.0, kappa)
    assert abs(etas[worst.argmin()] / eta - 1) < 1e-4
    assert np.isclose(worst.min(), rate, rtol=1e-9) and np.isclose(rate, (kappa - 1) / (kappa + 1))


def test_steps_per_efold_scale_as_kappa_and_sqrt_kappa():
    kappa = np.logspace(2, 6, 9)
    gd = theory.steps_per_efold(theory.optimal_gd(1.0, kappa)[1])
    hb = theory.steps_per_efold(theory.optimal_heavy_ball(1.0, kappa)[2])
    np.testing.assert_allclose(gd, kappa / 2, rtol=1e-3)            # −ln((κ−1)/(κ+1)) ≈ 2/κ
    np.testing.assert_allclose(hb, np.sqrt(kappa) / 2, rtol=1e-2)   # −ln((√κ−1)/(√κ+1)) ≈ 2/√κ
    assert np.isclose(theory.steps_per_efold(np.exp(-0.25)), 4.0)


def test_measured_rates_of_rollouts_match():
    """Tuned GD and tuned heavy ball on bowls ½(θ₁² + κθ₂²), one batched roll-out per method."""
    kappa = np.array([30.0, 100.0, 1000.0])     # ρ^t stays above 1e-100 (‖θ‖² must not underflow)
    bowls = problems.Quadratic(np.stack([np.ones_like(kappa), kappa], -1), np.ones((3, 2)))
    eta_gd, rho_gd = theory.optimal_gd(1.0, kappa)
    eta_hb, alpha_hb, rho_hb = theory.optimal_heavy_ball(1.0, kappa)
    gd = rollout(R.gd, bowls, steps=400, eta=eta_gd)
    hb = rollout(R.momentum, bowls, steps=400, eta=eta_hb, alpha=alpha_hb)
    norm_gd, norm_hb = np.linalg.norm(gd.theta, axis=-1), np.linalg.norm(hb.theta, axis=-1)
    np.testing.assert_allclose((norm_gd[400] / norm_gd[200]) ** (1 / 200), rho_gd, rtol=1e-9)
    # at critical damping ‖θ_t‖ ∝ t·ρ^t: divide the factor t out before measuring
    measured = ((norm_hb[400] / 400) / (norm_hb[200] / 200)) ** (1 / 200)
    np.testing.assert_allclose(measured, rho_hb, rtol=1e-4)
    # one arbitrary (η, α) in the oscillating regime: ρ = √α
    one = rollout(R.momentum, problems.quadratic([1.0, 50.0]), steps=600, eta=0.03, alpha=0.8)
    n = np.linalg.norm(one.theta, axis=-1)
    rho = theory.worst_rate_heavy_ball(0.03, 0.8, 1.0, 50.0)
    assert abs((n[400:600].max() / n[200:400].max()) ** (1 / 200) - rho) < 2e-3


def stationary_loss(eta, lam, noise, alpha):
    """E[½λθ²] of θ_t = (1 + α − ηλ)θ_{t−1} − αθ_{t−2} − ηξ_t, Var ξ = s², by numpy: the state
    z = (θ_t, θ_{t−1}) has a stationary covariance C = M C Mᵀ + Q, solved as (I − M⊗M) vec C = vec Q."""
    M = np.array([[1 + alpha - eta * lam, -alpha], [1.0, 0.0]])
    Q = np.array([[(eta * noise) ** 2, 0.0], [0.0, 0.0]])
    C = np.linalg.solve(np.eye(4) - np.kron(M, M), Q.ravel()).reshape(2, 2)
    return 0.5 * lam * C[0, 0]


def test_noise_floor_is_the_stationary_variance_of_the_noisy_recursion():
    for alpha in (0.0, 0.5, 0.9, 0.99):
        for lam in (0.5, 4.0):
            hs = np.linspace(0.01, 1.98 * (1 + alpha), 25)       # across the stable window
            want = [stationary_loss(h / lam, lam, 0.7, alpha) for h in hs]
            np.testing.assert_allclose(theory.noise_floor(hs / lam, lam, 0.7, alpha), want, rtol=1e-9)
    # GD: ηs²/(2(2 − ηλ)), about ηs²/4 for small ηλ whatever λ; momentum: GD at η/(1 − α)
    assert np.isclose(theory.noise_floor(0.5, 2.0, 1.0), 0.5 / (2 * 1.0))
    np.testing.assert_allclose(theory.noise_floor(1e-4, [0.1, 10.0], 2.0), 1e-4 * 4 / 4, rtol=1e-3)
    np.testing.assert_allclose(theory.noise_floor(1e-5, 3.0, 1.0, alpha=0.9), 1e-4 / 4, rtol=1e-3)
    # outside the stable window there is no floor
    assert np.isinf(theory.noise_floor(1.0, 2.0, 1.0)) and np.isinf(theory.noise_floor(1.0, 4.0, 1.0, alpha=0.9))
    assert np.ndim(theory.noise_floor(0.1, 1.0, 1.0)) == 0
