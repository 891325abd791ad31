"""Topic 08 · AdaMax: `adamax`, confirmed independently (first steps by hand, the max and the
average unrolled, a constant gradient in closed form) and the lecture's mathematics (the Lp norm's
p → ∞ limit, the step bound, a spike remembered for ln(G/|g|)/ln(1/β₂) steps, ε's place).

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/08_adamax.ipynb,
exercises/08_adamax/, solutions/assignments/08_adamax/, solutions/topics/08_adamax.py."""
import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule

from descent import checks
from descent.rollout import rollout
from descent import surfaces


def test_first_steps_by_hand():
    case = quadratic_case("adamax")  # η = 0.002, β₁ = 0.9, β₂ = 0.999, ε = 0.1, g_1 = (1.5, 10)
    np.testing.assert_allclose(case.state["m"][1], [0.15, 1.0], rtol=1e-15)
    np.testing.assert_allclose(case.state["u"][1], [1.6, 10.1], rtol=1e-15)  # |g_1| + ε, no β₂ yet
    # m̂_1 = g_1, so the first step is η·g/(|g| + ε): just under η in both coordinates
    np.testing.assert_allclose(case.theta[1], [1.5 - 0.002 * 1.5 / 1.6, 1 - 0.002 * 10 / 10.1],
                               rtol=1e-15)
    g2 = np.array([1.0, 10.0]) * case.theta[1]
    np.testing.assert_allclose(case.state["u"][2], np.maximum(0.999 * np.array([1.6, 10.1]),
                                                              np.abs(g2) + 0.1), rtol=1e-15)
    assert case.state["u"][2][1] == pytest.approx(0.999 * 10.1)  # the old max, decayed, wins


@pytest.mark.parametrize("case", reference_cases("adamax"), ids=lambda c: c.name)
def test_values_equal_the_unrolled_max_and_average(case):
    eta, beta1, beta2, eps = (np.asarray(case.hyper[k]) for k in ("eta", "beta1", "beta2", "eps"))
    theta = [case.theta0]
    for t in range(1, case.steps + 1):  # u_t = max_k β₂^(t−k)·(|g_k| + ε), m_t = (1−β₁)Σ β₁^(t−k)·g_k
        u = np.max([beta2 ** (t - k) * (np.abs(case.grads[k - 1]) + eps) for k in range(1, t + 1)], 0)
        m = (1 - beta1) * sum(beta1 ** (t - k) * case.grads[k - 1] for k in range(1, t + 1))
        np.testing.assert_allclose(case.state["u"][t], u, rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(case.state["m"][t], m, rtol=1e-12, atol=1e-300)
        assert case.state["t"][t] == t
        theta.append(theta[-1] - eta * m / (1 - beta1 ** t) / u)
    np.testing.assert_allclose(case.theta, np.array(theta), rtol=1e-12, atol=1e-15)


def test_bias_correction_eps_and_t_each_change_every_case_by_more_than_1e_6():
    """The spec's promise: on every case, the rule without bias correction, with ε outside the
    max (Keras) and with t off by one move θ (θ_t − θ_0) differently from the reference by
    ≥ 1e-6 relative somewhere."""
    for case in reference_cases("adamax"):
        moved = case.theta[1:] - case.theta[0]
        for mistake in ("bias correction of m missing", "ε outside the max", "t off by one"):
            wrong = case.mistakes[mistake][1]["theta"][1:] - case.theta[0]
            with np.errstate(invalid="ignore"):
                rel = np.abs(wrong - moved) / np.abs(moved)
            assert not np.all(np.nan_to_num(rel, nan=1.0, posinf=1.0) < 1e-6), (case.name, mistake)


def test_a_constant_gradient_steps_by_eta_g_over_abs_g_plus_eps_from_the_first_step():
    """m̂_t = g exactly and u_t = |g| + ε at every step: no warm-up, unlike RMSProp's 1/√(1 − β₂ᵗ)."""
    rule = reference_rule("adamax")
    g = np.array([1e-3, 0.5, 1e3])
    run = rollout(rule, surfaces.quadratic(1.0, 1.0), np.zeros(3), steps=50, grad=lambda th: g,
                  eta=0.1, beta1=0.9, beta2=0.999, eps=1e-3)
    np.testing.assert_allclose(np.diff(run.theta, axis=0), np.broadcast_to(-0.1 * g / (g + 1e-3),
                                                                           (50, 3)), rtol=1e-12)


def test_the_lp_norm_tends_to_the_max_with_error_at_most_ln_t_over_p():
    """v_t = β₂^p·v_{t−1} + (1 − β₂^p)|g_t|^p, u_t^(p) = v_t^(1/p) → max_k β₂^(t−k)|g_k| as p → ∞;
    (1 − β₂^p)^(1/p)·M ≤ u^(p) ≤ t^(1/p)·M, so the relative error is below max(t^(1/p) − 1, β₂^p/p)."""
    rng = np.random.default_rng(8)
    grads, beta2, T = rng.normal(size=(20, 5)), 0.9, 20
    M = np.max([beta2 ** (T - k) * np.abs(grads[k - 1]) for k in range(1, T + 1)], 0)
    errors = []
    for p in (2.0, 8.0, 32.0, 128.0):
        scale = M.max()  # computed in units of the largest term, so |g|^p neither under- nor overflows
        v = np.zeros(5)
        for g in grads:
            v = beta2 ** p * v + (1 - beta2 ** p) * (np.abs(g) / scale) ** p
        rel = np.abs(scale * v ** (1 / p) - M) / M
        assert np.all(rel <= max(T ** (1 / p) - 1, -np.expm1(np.log1p(-beta2 ** p) / p)) + 1e-12)
        errors.append(rel.max())
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.03


def test_every_step_is_at_most_the_bound_and_decaying_gradients_reach_it():
    """|m̂_t|/u_t ≤ (1 − β₁)/(1 − β₁ᵗ)·Σ_{j<t} (β₁/β₂)^j, reached (ε = 0) by gradients that shrink by
    the factor β₂ every step: each g_k then ties for the max."""
    rule, beta1, beta2, T = reference_rule("adamax"), 0.9, 0.999, 60
    r = beta1 / beta2
    t = np.arange(1, T + 1)
    bound = (1 - beta1) * (1 - r ** t) / ((1 - beta1 ** t) * (1 - r))
    rng = np.random.default_rng(1)
    g = rng.standard_cauchy(size=(T, 500))  # heavy tails: outliers of every size
    theta, state, steps = np.zeros(500), {"m": 0.0, "u": 0.0, "t": 0}, []
    for k in range(T):
        new, state = rule(theta, g[k], state, eta=1.0, beta1=beta1, beta2=beta2, eps=0.0)
        steps.append(np.abs(new - theta).max())
        theta = new
    assert np.all(np.array(steps) <= bound * (1 + 1e-12))
    decaying = rollout(rule, surfaces.quadratic(1.0), np.zeros(2), steps=T,
                       grad=lambda th, k=iter(range(T)): np.full(2, beta2 ** next(k)),
                       eta=1.0, beta1=beta1, beta2=beta2, eps=0.0)
    np.testing.assert_allclose(-np.diff(decaying.theta[:, 0]), bound, rtol=1e-12)
    assert bound[-1] > 1.0 and bound[-1] < beta2 * (1 - beta1) / (beta2 - beta1) + 1e-12


def test_a_spike_is_remembered_for_ln_ratio_over_ln_one_over_beta2_steps():
    rule, beta2 = reference_rule("adamax"), 0.999
    G, c = 1e3, 1.0  # one gradient of 1000 at t = 1, then 1 at every step
    theta, state, u = np.zeros(1), {"m": 0.0, "u": 0.0, "t": 0}, []
    for t in range(8000):
        theta, state = rule(theta, np.array([G if t == 0 else c]), state, eta=1e-3, beta1=0.9,
                            beta2=beta2, eps=0.0)
        u.append(state["u"][0])
    u = np.array(u)
    back = int(np.argmax(u == c)) + 1  # the first t with u_t = |g_t| again
    predicted = 1 + np.log(G / c) / np.log(1 / beta2)
    assert abs(back - predicted) <= 1 and 6900 < back < 6910


def test_eps_inside_the_max_keeps_a_coordinate_whose_gradient_is_always_zero_still():
    rule = reference_rule("adamax")
    with np.errstate(invalid="ignore"):
        paper, _ = rule(np.zeros(2), np.array([0.0, 1.0]), {"m": 0.0, "u": 0.0, "t": 0},
                        eta=0.002, beta1=0.9, beta2=0.999, eps=0.0)
    torch_like, state = rule(np.zeros(2), np.array([0.0, 1.0]), {"m": 0.0, "u": 0.0, "t": 0},
                             eta=0.002, beta1=0.9, beta2=0.999, eps=1e-8)
    assert np.isnan(paper[0]) and torch_like[0] == 0.0 and state["u"][0] == 1e-8


def test_t_off_by_one_is_named_whether_it_returns_inf_or_raises(short_headlines):
    ref = reference_rule("adamax")

    def student(theta, g, state, *, eta, beta1, beta2, eps):  # t used before it is incremented
        t = state["t"]
        m = beta1 * state["m"] + (1 - beta1) * g
        u = np.maximum(beta2 * state["u"], np.abs(g) + eps)
        return theta - eta / (1 - beta1 ** t) * m / u, {"m": m, "u": u, "t": t + 1}
    student.initial_state = ref.initial_state
    with pytest.raises(checks.RuleCheckFailed, match="t off by one"):  # ZeroDivisionError at t = 1
        checks.check_rule(student, "adamax")

    def student_inf(theta, g, state, *, eta, beta1, beta2, eps):  # the same, with m̂ an array: ±inf
        t = state["t"]
        m = beta1 * state["m"] + (1 - beta1) * g
        u = np.maximum(beta2 * state["u"], np.abs(g) + eps)
        with np.errstate(divide="ignore"):
            m_hat = m / (1 - beta1 ** t)
        return theta - eta * m_hat / u, {"m": m, "u": u, "t": t + 1}
    student_inf.initial_state = ref.initial_state
    with pytest.raises(checks.RuleCheckFailed, match="well-known mistake — t off by one"):
        checks.check_rule(student_inf, "adamax")
