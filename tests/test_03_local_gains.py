"""Topic 03 · Per-weight local gains: `local_gains`, confirmed independently.

No library has this rule (torch.optim has no local-gains optimizer; Rprop is sign-only and
multiplicative both ways), so there is no torch fixture: the confirmation is hand-derived steps,
the gains rebuilt element by element from the signs with plain Python scalars, and closed forms
(a constant gradient: the gain grows linearly, then is clipped; an alternating one: it decays
geometrically to its floor).

The generic checks (reference values, properties, stubs, known mistakes) run for every rule from
its spec in tests/test_rules.py. This topic's other places: lectures/03_local_gains.ipynb,
exercises/03_local_gains/, solutions/assignments/03_local_gains/, solutions/topics/03_local_gains.py."""
import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule

from descent import surfaces
from descent.rollout import rollout

COMMON = dict(kappa=0.05, phi=0.05, gain_min=0.1, gain_max=10.0)


def test_first_steps_by_hand():
    case = quadratic_case("local_gains")  # η = 0.1, κ = φ = 0.05, [0.1, 10]; g_1 = (1.5, 10)
    # step 1: no previous gradient (g_0 = 0): both gains stay 1, a plain GD step
    np.testing.assert_allclose(case.state["gain"][1], [1.0, 1.0], rtol=0, atol=0)
    np.testing.assert_allclose(case.theta[1], [1.35, 0.0], rtol=0, atol=1e-15)
    # step 2: g_2 = (1.35, 0): θ₁'s sign held, γ₁ = 1.05; θ₂'s product is 0, γ₂ stays 1
    np.testing.assert_allclose(case.state["gain"][2], [1.05, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(case.theta[2], [1.35 * (1 - 0.105), 0.0], rtol=0, atol=1e-15)
    # step 3: γ₁ = 1.10, θ₁ = 1.20825·(1 − 0.11)
    np.testing.assert_allclose(case.state["gain"][3, 0], 1.1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(case.theta[3, 0], 1.20825 * 0.89, rtol=0, atol=1e-15)
    np.testing.assert_allclose(case.state["g_prev"][3], [1.20825, 0.0], rtol=0, atol=1e-15)


def _by_hand(case):
    """Every element's gains from its own gradients, with Python floats and an if/elif (no numpy
    on arrays, no np.where); then θ_t = θ_0 − Σ_k η·γ_k·g_k."""
    g = case.grads
    hyper = {k: np.broadcast_to(np.asarray(v, float), g.shape[1:]) for k, v in case.hyper.items()}
    gains = np.ones((case.steps + 1,) + g.shape[1:])
    for idx in np.ndindex(*g.shape[1:]):
        eta, kappa, phi, lo, hi = (float(hyper[k][idx]) for k in
                                   ("eta", "kappa", "phi", "gain_min", "gain_max"))
        gain, previous = 1.0, 0.0
        for t in range(1, case.steps + 1):
            now = float(g[(t - 1,) + idx])
            if now * previous > 0:
                gain = min(gain + kappa, hi)
            elif now * previous < 0:
                gain = max(gain * (1 - phi), lo)
            gains[(t,) + idx] = gain
            previous = now
    eta = np.broadcast_to(np.asarray(case.hyper["eta"], float), g.shape[1:])
    theta = case.theta0 - np.concatenate([np.zeros((1,) + g.shape[1:]),
                                          np.cumsum(eta * gains[1:] * g, axis=0)])
    return gains, theta


@pytest.mark.parametrize("case", reference_cases("local_gains"), ids=lambda c: c.name)
def test_reference_values_equal_the_gains_rebuilt_by_hand(case):
    gains, theta = _by_hand(case)
    np.testing.assert_allclose(case.state["gain"], gains, rtol=1e-13, atol=0)
    np.testing.assert_allclose(case.state["g_prev"][1:], case.grads, rtol=0, atol=0)
    np.testing.assert_allclose(case.theta, theta, rtol=1e-12, atol=1e-13 * np.abs(case.theta0).max())


def test_constant_gradient_gain_grows_linearly_then_is_clipped():
    """γ_t = min(1 + κ(t − 1), γ_max); θ_t = θ_0 − η·g·Σ_{k≤t} γ_k."""
    kappas, eta, g, T = np.array([0.0, 0.05, 0.2, 0.9]), 0.01, 2.0, 300
    run = rollout(reference_rule("local_gains"), surfaces.quadratic(), theta0=np.zeros(2), steps=T,
                  grad=lambda th: np.broadcast_to([g, 0.0], th.shape), eta=eta, kappa=kappas,
                  phi=0.05, gain_min=0.1, gain_max=10.0)
    t = np.arange(1, T + 1)[:, None]
    gain = np.minimum(1 + kappas * (t - 1), 10.0)
    np.testing.assert_allclose(-np.diff(run.theta[..., 0], axis=0), eta * gain * g, rtol=1e-12)
    # before the clip the positions are the arithmetic sum t + κ·t(t − 1)/2
    np.testing.assert_allclose(run.theta[100, 1, 0], -eta * g * (100 + 0.05 * 100 * 99 / 2), rtol=1e-12)
    # the clip is reached at step 1 + (γ_max − 1)/κ: step 181 for κ = 0.05
    assert gain[179, 1] < 10 and gain[180, 1] == 10


def test_alternating_gradient_gain_decays_geometrically_to_its_floor():
    """g_t = (−1)^(t+1)·g: every step from t = 2 on is a flip, γ_t = max((1 − φ)^(t−1), γ_min)."""
    phis, T, calls = np.array([0.05, 0.3, 0.9]), 60, iter(range(10**6))  # one gradient a step
    run = rollout(reference_rule("local_gains"), surfaces.quadratic(), theta0=np.zeros(2), steps=T,
                  grad=lambda th: np.broadcast_to([1.0, 0.0], th.shape) * (-1.0) ** next(calls),
                  eta=1e-3, kappa=0.05, phi=phis, gain_min=0.1, gain_max=10.0)
    t = np.arange(1, T + 1)[:, None]
    gain = np.maximum((1 - phis) ** (t - 1), 0.1)
    sign = np.where(t % 2 == 1, 1.0, -1.0)
    np.testing.assert_allclose(-np.diff(run.theta[..., 0], axis=0), 1e-3 * gain * sign, rtol=1e-12)


def test_a_scaled_loss_scales_the_steps_the_gains_do_not_notice():
    """Only signs enter the gains: for c·L the run equals the run on L with η·c (no adaptation to
    scale, unlike the magnitude-based rules of lectures 04-07)."""
    c, bowl = 7.0, surfaces.quadratic(1, 10)
    scaled = rollout(reference_rule("local_gains"), bowl, steps=50,
                     grad=lambda th: c * bowl.grad(th), eta=0.01, **COMMON)
    plain = rollout(reference_rule("local_gains"), bowl, steps=50, eta=0.01 * c, **COMMON)
    np.testing.assert_allclose(scaled.theta, plain.theta, rtol=1e-12, atol=1e-15)


def test_on_the_valley_the_steep_gain_settles_near_the_ideal_and_the_flat_one_is_clipped():
    """The sign test asks whether η·γ·λ < 1 (a step that stops short keeps its sign): the steep
    coordinate's gain hovers about 1/(ηλ) = 1/3 at η = 3e-3; the flat one climbs to γ_max."""
    valley, eta = surfaces.valley(), 3e-3
    rule, theta = reference_rule("local_gains"), valley.start.copy()
    from descent.contract import init_state
    state, gains = init_state(rule, theta), []
    for _ in range(1000):
        theta, state = rule(theta, valley.grad(theta), state, eta=eta, **COMMON)
        gains.append(state["gain"])
    gains = np.array(gains)
    assert gains[-1, 0] == 10.0 and gains[180, 0] == 10.0 and gains[179, 0] < 10.0  # t = 181
    assert 0.8 < gains[100:, 1].mean() * eta * valley.params["b"] < 1.3
    gd = rollout(reference_rule("gd"), valley, steps=1000, eta=1e-3)   # GD's best stable η
    assert theta[0] - valley.start[0] > 10 * (gd.final[0] - valley.start[0])  # 10× the way


def test_noisy_signs_pull_the_flat_gain_back_to_kappa_over_phi():
    """With noise the signs agree about half the time: the gain's mean settles where
    p·κ = (1 − p)·φ·γ, γ = κ/φ = 1 for p = ½, instead of climbing to γ_max."""
    valley = surfaces.valley()
    clean = rollout(reference_rule("local_gains"), valley, steps=2000, eta=1e-2, **COMMON)
    noisy = rollout(reference_rule("local_gains"), valley, steps=2000, eta=1e-2, noise=1.0, **COMMON)
    assert abs(noisy.final[0]) > 3 * abs(clean.final[0])   # the floor's acceleration is lost
