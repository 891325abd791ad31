"""Topic 01 · Momentum: `momentum` and `momentum_ema`, their reference values confirmed independently (first steps by hand, the unrolled sums) and how
the two forms relate.

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/01_momentum.ipynb,
exercises/01_momentum/, solutions/assignments/01_momentum/, solutions/topics/01_momentum.py."""
import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule

from descent import surfaces
from descent.rollout import rollout


def _unrolled(case, coef, scale):
    """Σ_{k≤t} coef^(t−k)·g_k·scale for t = 0..T, summed term by term (no recurrence)."""
    out = np.zeros((case.steps + 1,) + case.theta0.shape)
    for t in range(1, case.steps + 1):
        out[t] = sum(coef ** (t - k) * case.grads[k - 1] for k in range(1, t + 1)) * scale
    return out


@pytest.mark.parametrize("case", reference_cases("momentum"), ids=lambda c: c.name)
def test_momentum_values_equal_the_unrolled_sum(case):
    eta, alpha = case.hyper["eta"], case.hyper["alpha"]
    v = _unrolled(case, np.asarray(alpha), -np.asarray(eta))         # v_t = −η Σ α^(t−k) g_k
    np.testing.assert_allclose(case.state["v"], v, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(case.theta, case.theta0 + np.cumsum(v, axis=0), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("case", reference_cases("momentum_ema"), ids=lambda c: c.name)
def test_ema_values_equal_the_unrolled_sum(case):
    eta, beta = np.asarray(case.hyper["eta"]), np.asarray(case.hyper["beta"])
    m = _unrolled(case, beta, 1 - beta)                              # m_t = (1−β) Σ β^(t−k) g_k
    np.testing.assert_allclose(case.state["m"], m, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(case.theta, case.theta0 - eta * np.cumsum(m, axis=0), rtol=1e-12, atol=1e-13)


def test_first_steps_by_hand():
    case = quadratic_case("momentum")  # η = 0.1, α = 0.9, g_1 = (1.5, 10)
    np.testing.assert_allclose(case.state["v"][1], [-0.15, -1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(case.theta[1], [1.35, 0.0], rtol=0, atol=1e-15)
    # step 2: g_2 = (1.35, 0), v_2 = 0.9·(−0.15, −1) − 0.1·(1.35, 0) = (−0.27, −0.9)
    np.testing.assert_allclose(case.state["v"][2], [-0.27, -0.9], rtol=0, atol=1e-15)
    np.testing.assert_allclose(case.theta[2], [1.08, -0.9], rtol=0, atol=1e-15)
    ema = quadratic_case("momentum_ema")  # η = 0.1, β = 0.9: m_1 = 0.1·g_1
    np.testing.assert_allclose(ema.state["m"][1], [0.15, 1.0], rtol=0, atol=1e-15)


def test_ema_form_equals_velocity_form_after_rescaling_only_while_eta_is_constant():
    q, alpha = surfaces.valley(), 0.9
    vel = rollout(reference_rule("momentum"), q, steps=300, eta=1e-4, alpha=alpha)
    ema = rollout(reference_rule("momentum_ema"), q, steps=300, eta=1e-4 / (1 - alpha), beta=alpha)
    np.testing.assert_allclose(vel.theta, ema.theta, rtol=1e-10, atol=1e-10)
    drop = lambda t: 0.05 if t <= 2 else 0.01  # noqa: E731
    q = surfaces.quadratic(1.0, 10.0)
    vel = rollout(reference_rule("momentum"), q, steps=5, eta=drop, alpha=alpha)
    ema = rollout(reference_rule("momentum_ema"), q, steps=5, eta=lambda t: drop(t) / (1 - alpha), beta=alpha)
    np.testing.assert_allclose(vel.theta[:3], ema.theta[:3], atol=1e-14)
    assert np.linalg.norm(vel.final - ema.final) > 0.5


def test_momentum_crosses_the_plateau_where_gd_stalls():
    p = surfaces.plateau()
    gd = rollout(reference_rule("gd"), p, steps=10_000, every=100, eta=0.1)
    mom = rollout(reference_rule("momentum"), p, steps=300, eta=0.1, alpha=0.9)
    assert (gd.theta[..., 0] < 0).all()
    np.testing.assert_allclose(mom.final, p.minimizer, atol=1e-4)
