"""Topic 11 · RAdam: `radam`, confirmed independently (the first steps by hand, ρ_t as the length of
the simple moving average with the EMA's mean age, r_t as a ratio of variances, every case from the
unrolled moments, a constant gradient in closed form, the rectified step as r_t times Adam's).

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/11_radam.ipynb,
exercises/11_radam/, solutions/assignments/11_radam/, solutions/topics/11_radam.py."""
import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule


def rho_by_mean_age(t, beta2):
    """ρ_t as Liu et al. derive it: the length f of a simple moving average whose mean age
    (f − 1)/2 equals that of the EMA's weights (1 − β₂)·β₂^a, a = 0..t−1 (normalised), summed."""
    a = np.arange(t)
    w = beta2 ** a
    return 2 * float((a * w).sum() / w.sum()) + 1


def variance_of_rate(rho):
    """The paper's Var[ψ] ∝ ρ/((ρ − 2)(ρ − 4)) for ψ² of a scaled inverse χ² with ρ degrees."""
    return rho / ((rho - 2) * (rho - 4))


def test_first_steps_by_hand():
    case = quadratic_case("radam")  # η = 0.01, β₁ = 0.9, β₂ = 0.999, g = (θ₁, 10θ₂)
    # t = 1: ρ_1 = 1, momentum SGD with m̂_1 = g_1 = (1.5, 10): θ_1 = θ_0 − 0.01·g_1
    np.testing.assert_allclose(case.theta[1], [1.485, 0.9], rtol=1e-15)
    np.testing.assert_allclose(case.state["m"][1], [0.15, 1.0], rtol=1e-15)
    np.testing.assert_allclose(case.state["s"][1], [0.001 * 2.25, 0.1], rtol=1e-13)
    # t = 2: m̂_2 = (0.09·g_1 + 0.1·g_2)/0.19, g_2 = (1.485, 9)
    m_hat = (0.09 * np.array([1.5, 10]) + 0.1 * np.array([1.485, 9])) / 0.19
    np.testing.assert_allclose(case.theta[2], np.array([1.485, 0.9]) - 0.01 * m_hat, rtol=1e-14)
    # t = 6 is the first rectified step (ρ_6 = 5.99 > 5): r_6 ≈ 0.0221, a step far below η
    assert list(case.state["t"]) == list(range(9))
    step6 = np.abs(case.theta[6] - case.theta[5])
    assert (step6 < 0.01 * 0.03).all() and (np.abs(case.theta[5] - case.theta[4]) > 5e-3).all()


@pytest.mark.parametrize("beta2", [0.5, 0.9, 0.99, 0.999, 0.9999])
def test_rho_is_twice_the_mean_age_plus_one_and_below_five_for_five_steps(beta2):
    rho_inf = 2 / (1 - beta2) - 1
    for t in (1, 2, 5, 6, 10, 100):
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        # ρ_∞ minus a nearly equal number: ρ_t loses about log10(ρ_∞) digits to cancellation
        assert rho_t == pytest.approx(rho_by_mean_age(t, beta2), rel=1e-9, abs=rho_inf * 1e-11)
        if t <= 5:
            assert rho_t <= 5  # whatever β₂: torch never rectifies before t = 6
    assert rho_by_mean_age(1, beta2) == 1
    assert rho_by_mean_age(int(60 / (1 - beta2)), beta2) == pytest.approx(rho_inf, rel=1e-6)


def test_where_the_three_thresholds_first_rectify():
    rho = lambda t, b: 2 / (1 - b) - 1 - 2 * t * b**t / (1 - b**t)  # noqa: E731
    assert rho(5, 0.999) == pytest.approx(4.996, abs=5e-4) and rho(6, 0.999) > 5
    assert 4 < rho(5, 0.9) < 5 < rho(6, 0.9)
    # the paper (ρ_t > 4) moves θ adaptively at t = 5 with β₂ = 0.999, torch only from t = 6
    assert rho(4, 0.999) < 4
    assert 2 / (1 - 2 / 3) - 1 == pytest.approx(5)  # β₂ ≤ 2/3: ρ_∞ ≤ 5, never rectified


def _unrolled(case):
    """θ_0..θ_T of a case from the moments summed term by term and ρ_t from the mean age."""
    h = {k: np.asarray(v, float) for k, v in case.hyper.items()}
    eta, b1, b2, eps = h["eta"], h["beta1"], h["beta2"], h["eps"]
    theta = [case.theta0]
    for t in range(1, case.steps + 1):
        m = (1 - b1) * sum(b1 ** (t - k) * case.grads[k - 1] for k in range(1, t + 1))
        s = (1 - b2) * sum(b2 ** (t - k) * case.grads[k - 1] ** 2 for k in range(1, t + 1))
        np.testing.assert_allclose(case.state["m"][t], m, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(case.state["s"][t], s, rtol=1e-12, atol=1e-300)
        rho_inf = 2 / (1 - b2) - 1
        rho = np.vectorize(rho_by_mean_age)(t, b2)
        m_hat = m / (1 - b1**t)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.sqrt(variance_of_rate(rho_inf) / variance_of_rate(rho))
            adaptive = r * m_hat / (np.sqrt(s / (1 - b2**t)) + eps / np.sqrt(1 - b2**t))
        theta.append(theta[-1] - eta * np.where(rho > 5, adaptive, m_hat))
    return np.array(theta)


@pytest.mark.parametrize("case", reference_cases("radam"), ids=lambda c: c.name)
def test_values_equal_the_unrolled_moments_and_the_variance_ratio(case):
    # ρ_t is ill-conditioned (ρ_∞ minus a nearly equal number), so the absolute tolerance is 1e-12
    np.testing.assert_allclose(case.theta, _unrolled(case), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("beta2", [0.9, 0.999])
def test_a_constant_gradient_in_closed_form(beta2):
    """m̂_t = g and s_t = (1 − β₂ᵗ)·g²: the step is −η·g while ρ_t ≤ 5, then
    −η·r_t·g/(|g| + ε/√(1 − β₂ᵗ))."""
    rule, eta, eps, g = reference_rule("radam"), 0.01, 1e-3, np.array([0.02, -1.0, 30.0])
    theta, state, steps = np.zeros(3), dict(rule.initial_state), []
    for _ in range(80):
        new, state = rule(theta, g, state, eta=eta, beta1=0.9, beta2=beta2, eps=eps)
        steps.append(new - theta)
        theta = new
    rho_inf = 2 / (1 - beta2) - 1
    for t, step in enumerate(steps, start=1):
        rho = rho_by_mean_age(t, beta2)
        if rho <= 5:
            want = -eta * g
        else:
            r = np.sqrt(variance_of_rate(rho_inf) / variance_of_rate(rho))
            want = -eta * r * g / (np.abs(g) + eps / np.sqrt(1 - beta2**t))
        np.testing.assert_allclose(step, want, rtol=1e-9, err_msg=f"t = {t}")
    assert t > 5


def test_rectified_step_is_r_times_adams_step_without_eps():
    radam, adam = reference_rule("radam"), reference_rule("adam")
    rng = np.random.default_rng(11)
    hyper = dict(eta=0.01, beta1=0.9, beta2=0.99, eps=0.0)
    th_r = th_a = rng.normal(size=4)
    s_r, s_a = dict(radam.initial_state), dict(adam.initial_state)
    rho_inf = 2 / (1 - 0.99) - 1
    for t in range(1, 30):
        g = rng.normal(size=4)
        new_r, s_r = radam(th_r, g, s_r, **hyper)
        new_a, s_a = adam(th_r, g, s_a, **hyper)  # Adam from RAdam's iterate, with the same moments
        rho = rho_by_mean_age(t, 0.99)
        if rho > 5:
            r = np.sqrt(variance_of_rate(rho_inf) / variance_of_rate(rho))
            np.testing.assert_allclose(new_r - th_r, r * (new_a - th_r), rtol=1e-10)
        th_r = new_r
    assert 0 < r < 1


def test_a_small_beta2_never_rectifies_it_is_momentum_sgd_with_bias_correction():
    rule, rng = reference_rule("radam"), np.random.default_rng(3)
    theta, state, m = np.ones(2), dict(reference_rule("radam").initial_state), np.zeros(2)
    for t in range(1, 200):
        g = rng.normal(size=2)
        new, state = rule(theta, g, state, eta=0.1, beta1=0.8, beta2=0.6, eps=1e-8)
        m = 0.8 * m + 0.2 * g
        np.testing.assert_allclose(new, theta - 0.1 * m / (1 - 0.8**t), rtol=1e-13)
        theta = new
