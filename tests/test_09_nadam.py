"""Topic 09 · NAdam: `nadam`, confirmed independently (first steps by hand, the unrolled moments
term by term, a constant gradient in closed form, Dozat's form with products of μ written as
torch.optim.NAdam computes it, against torch's own numbers) and the lecture's mathematics (the
momentum schedule's values, units).

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/09_nadam.ipynb,
exercises/09_nadam/, solutions/assignments/09_nadam/, solutions/topics/09_nadam.py."""
import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule

from descent import surfaces
from descent.rollout import rollout

#: torch 2.13 CPU, float64: torch.optim.NAdam([p]) with its defaults (lr 2e-3, betas (0.9, 0.999),
#: eps 1e-8, momentum_decay 4e-3) on L = ½(θ₁² + 10θ₂²) from (1.5, 1.0), gradients by autograd:
#: θ_t for t = 1, 2, 10, 200
TORCH_DEFAULT = {1: [1.4978870964573752, 0.9978870964454021],
                 2: [1.4963207065700428, 0.9963211967668579],
                 10: [1.4838706298832298, 0.9838847987318786],
                 200: [1.1315417931203622, 0.6448390543188289]}


def dozat(theta0, grad, steps, *, eta, beta1, beta2, eps, psi):
    """Dozat's NAdam with the momentum schedule μ_t = β₁(1 − ½·0.96^(tψ)), as torch 2.13 writes it:
    θ_t = θ_{t−1} − η·[(1 − μ_t)·g_t/(1 − Π_{i≤t} μ_i) + μ_{t+1}·m_t/(1 − Π_{i≤t+1} μ_i)]/(√ŝ_t + ε)."""
    theta, m, s, product, out = np.array(theta0, float), 0.0, 0.0, 1.0, []
    for t in range(1, steps + 1):
        g = grad(theta)
        mu, mu_next = (beta1 * (1 - 0.5 * 0.96 ** (k * psi)) for k in (t, t + 1))
        product *= mu
        m, s = beta1 * m + (1 - beta1) * g, beta2 * s + (1 - beta2) * g * g
        step = (1 - mu) * g / (1 - product) + mu_next * m / (1 - product * mu_next)
        theta = theta - eta * step / (np.sqrt(s / (1 - beta2 ** t)) + eps)
        out.append(theta)
    return np.array(out)


def test_first_steps_by_hand():
    case = quadratic_case("nadam")  # η = 0.002, β₁ = 0.9, β₂ = 0.999, ε = 1e-8, g_1 = (1.5, 10)
    g1 = np.array([1.5, 10.0])
    np.testing.assert_allclose(case.state["m"][1], 0.1 * g1, rtol=1e-15)
    np.testing.assert_allclose(case.state["s"][1], 0.001 * g1**2, rtol=1e-13)
    # ŝ_1 = g_1², and m̄_1 = 0.9·0.1·g/(1 − 0.81) + 0.1·g/0.1 = (1 + 9/19)·g: a first step of 28/19·η
    np.testing.assert_allclose(case.theta[1], [1.5, 1.0] - 0.002 * 28 / 19 * g1 / (g1 + 1e-8), rtol=1e-13)
    g2 = np.array([1.0, 10.0]) * case.theta[1]
    m2, s2 = 0.09 * g1 + 0.1 * g2, 0.999e-3 * g1**2 + 1e-3 * g2**2
    m_bar = 0.9 * m2 / (1 - 0.9**3) + 0.1 * g2 / (1 - 0.9**2)
    want = case.theta[1] - 0.002 * m_bar / (np.sqrt(s2 / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(case.theta[2], want, rtol=1e-13)


@pytest.mark.parametrize("case", reference_cases("nadam"), ids=lambda c: c.name)
def test_values_equal_the_unrolled_moments(case):
    eta, beta1, beta2, eps = (np.asarray(case.hyper[k]) for k in ("eta", "beta1", "beta2", "eps"))
    theta = [case.theta0]
    for t in range(1, case.steps + 1):  # m_t, s_t as weighted sums of all g_k, term by term
        m = (1 - beta1) * sum(beta1 ** (t - k) * case.grads[k - 1] for k in range(1, t + 1))
        s = (1 - beta2) * sum(beta2 ** (t - k) * case.grads[k - 1] ** 2 for k in range(1, t + 1))
        np.testing.assert_allclose(case.state["m"][t], m, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(case.state["s"][t], s, rtol=1e-12, atol=1e-300)
        assert int(case.state["t"][t]) == t
        m_bar = beta1 * m / (1 - beta1 ** (t + 1)) + (1 - beta1) * case.grads[t - 1] / (1 - beta1**t)
        theta.append(theta[-1] - eta * m_bar / (np.sqrt(s / (1 - beta2**t)) + eps))
    np.testing.assert_allclose(case.theta, np.array(theta), rtol=1e-12, atol=1e-12)


def test_a_constant_gradient_in_closed_form():
    """m_t = (1 − β₁ᵗ)g and ŝ_t = g², so step t is η·f(t)·sign(g) (|g| ≫ ε) with
    f(t) = β₁(1 − β₁ᵗ)/(1 − β₁^(t+1)) + (1 − β₁)/(1 − β₁ᵗ): the first step is (1 + β₁/(1 + β₁))·η,
    1.47η at β₁ = 0.9 (Adam's is η), and the steps fall to η."""
    rule = reference_rule("nadam")
    beta1 = np.array([0.0, 0.5, 0.9, 0.99])
    run = rollout(rule, surfaces.quadratic(1.0, 1.0), np.zeros(2), steps=200,
                  grad=lambda th: np.full_like(th, 3.0), eta=0.1, beta1=beta1, beta2=0.9,
                  eps=0.0)
    steps = -np.diff(run.theta[..., 0], axis=0) / 0.1
    t = np.arange(1, 201)[:, None]
    f = beta1 * (1 - beta1**t) / (1 - beta1 ** (t + 1)) + (1 - beta1) / (1 - beta1**t)
    np.testing.assert_allclose(steps, f, rtol=1e-12)
    np.testing.assert_allclose(steps[0], 1 + beta1 / (1 + beta1), rtol=1e-14)
    assert steps[0, 2] == pytest.approx(28 / 19) and np.all(np.diff(steps[:, 2]) < 0)


def test_dozat_with_a_constant_momentum_is_the_rule_and_torchs_default_is_another_sequence():
    q, hyper = surfaces.quadratic(1.0, 10.0), dict(eta=2e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    course = rollout(reference_rule("nadam"), q, steps=200, **hyper).theta[1:]
    # ψ = 1e12: 0.96^(tψ) underflows to 0, μ_t = β₁, and Dozat's products become β₁ᵗ, β₁^(t+1)
    np.testing.assert_allclose(dozat(q.start, q.grad, 200, psi=1e12, **hyper), course,
                               rtol=1e-13, atol=1e-15)
    # ψ = 0.004 (torch's default), written out here, gives torch's own numbers ...
    torch_form = dozat(q.start, q.grad, 200, psi=0.004, **hyper)
    for t, want in TORCH_DEFAULT.items():
        np.testing.assert_allclose(torch_form[t - 1], want, rtol=1e-13)
    # ... which are not the simple form's: μ_t ≈ β₁/2 makes the first step η·(1 − μ₁)/(1 − μ₁)
    # + μ₂·0.1/(1 − μ₁μ₂) in units of η, 1.056 instead of 1.474
    assert np.abs(torch_form - course).max() > 1e-3
    np.testing.assert_allclose((np.array([1.5, 1.0]) - torch_form[0]) / 2e-3, 1.0564, atol=1e-4)


def test_the_momentum_schedule_starts_at_half_of_beta1_and_takes_tens_of_thousands_of_steps():
    mu = lambda t, psi=0.004: 0.9 * (1 - 0.5 * 0.96 ** (t * psi))  # noqa: E731
    assert round(mu(1), 3) == 0.450 and round(mu(10_000), 3) == 0.812
    assert round(mu(1000), 3) == 0.518 and mu(100_000) == pytest.approx(0.9, abs=1e-7)


def test_units_loss_times_c_changes_nothing():
    rule, q = reference_rule("nadam"), surfaces.quadratic(1.0, 10.0)
    hyper = dict(eta=0.05, beta1=0.9, beta2=0.99)
    base = rollout(rule, q, steps=60, eps=1e-8, **hyper)
    c = 1e3
    scaled = rollout(rule, q, steps=60, grad=lambda th: c * q.grad(th), eps=1e-8 * c, **hyper)
    np.testing.assert_allclose(scaled.theta, base.theta, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mistake", ["bias correction of s missing", "ε inside the root", "t off by one"])
def test_the_cases_tell_each_convention_apart_by_more_than_1e_6(mistake):
    """The spec's cases are early steps with ε comparable to √ŝ: bias correction, ε's place and the
    step counter each move θ by more than 1e-6 relative in some case (t = 0 divides by zero: NaN)."""
    worst = 0.0
    for case in reference_cases("nadam"):
        if mistake in case.mistakes:
            wrong = np.asarray(case.mistakes[mistake][1]["theta"], dtype=float)
            with np.errstate(all="ignore"):
                rel = np.abs(wrong - case.theta) / np.maximum(np.abs(case.theta), 1e-300)
            worst = max(worst, np.inf if np.isnan(rel).any() else float(rel.max()))
    assert worst > 1e-6
