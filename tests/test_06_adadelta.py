"""Topic 06 · Adadelta: `adadelta`, its reference values confirmed independently (first steps by
hand, both averages unrolled, the balance of units every step keeps, a constant gradient in closed
form) and the topic's mathematics: the units (θ rescaled by c gives the path times c once ε is
rescaled with θ; GD and Adagrad with the same η do not follow), the slow start set by ε, and the
effective rate that settles at the edge of stability 2/λ.

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/06_adadelta.ipynb,
exercises/06_adadelta/, solutions/assignments/06_adadelta/, solutions/topics/06_adadelta.py."""
import math

import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule

from descent import problems, surfaces
from descent.contract import with_state
from descent.rollout import effective_rates, rollout


def test_first_steps_by_hand():
    case = quadratic_case("adadelta")  # ρ = 0.9, ε = 1e-6, θ_0 = (1.5, 1), g_1 = (1.5, 10)
    rho, eps = 0.9, 1e-6
    for i, (theta0, g1, lam) in enumerate([(1.5, 1.5, 1.0), (1.0, 10.0, 10.0)]):
        s1 = 0.1 * g1 * g1                                   # 0.225 and 10
        step1 = -math.sqrt(eps) / math.sqrt(s1 + eps) * g1    # d_0 = 0: only ε in the numerator
        d1 = 0.1 * step1 * step1
        assert case.state["s"][1][i] == pytest.approx(s1, rel=1e-15)
        assert case.theta[1][i] == pytest.approx(theta0 + step1, rel=1e-15)
        assert case.state["d"][1][i] == pytest.approx(d1, rel=1e-14)
        # the first step is about √(ε/(1−ρ)) = 3.162e-3 long in both coordinates, whatever g
        assert abs(step1) == pytest.approx(math.sqrt(eps / (1 - rho)), rel=1e-5)
        theta1 = theta0 + step1
        g2 = lam * theta1                                    # the quadratic's gradient at θ_1
        s2 = rho * s1 + 0.1 * g2 * g2
        step2 = -math.sqrt(d1 + eps) / math.sqrt(s2 + eps) * g2
        assert case.theta[2][i] == pytest.approx(theta1 + step2, rel=1e-14)
        assert case.state["d"][2][i] == pytest.approx(rho * d1 + 0.1 * step2 * step2, rel=1e-13)


def _unrolled(coef, squares):
    """(1−ρ)·Σ_{k≤t} ρ^(t−k)·x_k² for t = 0..T, term by term (no recurrence)."""
    out = np.zeros((len(squares) + 1,) + squares.shape[1:])
    for t in range(1, len(squares) + 1):
        out[t] = (1 - coef) * sum(coef ** (t - k) * squares[k - 1] for k in range(1, t + 1))
    return out


@pytest.mark.parametrize("case", reference_cases("adadelta"), ids=lambda c: c.name)
def test_both_averages_unrolled_and_the_units_balance(case):
    rho, eps = np.asarray(case.hyper["rho"]), np.asarray(case.hyper["eps"])
    steps = np.diff(case.theta, axis=0)                    # Δθ_t = θ_t − θ_{t−1}
    np.testing.assert_allclose(case.state["s"], _unrolled(rho, case.grads ** 2), rtol=1e-12, atol=1e-300)
    # Δθ_t read from θ_t − θ_{t−1} carries θ's rounding (θ up to 1e6): that much slack, no more
    slack = 1e-14 * np.abs(case.theta).max(axis=0) / np.abs(steps).min(axis=0)
    d_unrolled = _unrolled(rho, steps ** 2)
    assert (np.abs(case.state["d"] - d_unrolled) <= (1e-12 + slack) * d_unrolled).all()
    # every step balances: Δθ_t²·(E[g²]_t + ε) = (E[Δθ²]_{t−1} + ε)·g_t², against the gradient
    s, d = case.state["s"][1:], case.state["d"][:-1]
    lhs, rhs = steps ** 2 * (s + eps), (d + eps) * case.grads ** 2
    assert (np.abs(lhs - rhs) <= (1e-12 + slack) * rhs).all()
    assert (steps * case.grads <= 0).all()


def _constant(rule, g, steps, **hyper):
    """θ_t − θ_{t−1} and the state under g_t = g at every step (g an array: one run per entry)."""
    g = np.asarray(g, float)
    theta, state, out = np.zeros_like(g), {"s": 0.0, "d": 0.0}, []
    for _ in range(steps):
        new, state = rule(theta, g, state, **hyper)
        out.append(new - theta)
        theta = new
    return np.array(out), state


def test_constant_gradient_in_closed_form():
    rule, rho = reference_rule("adadelta"), 0.9
    g = np.array([1e-3, 0.3, 1.0, 20.0])
    steps, state = _constant(rule, g, 60, rho=rho, eps=1e-6)
    # E[g²]_t = (1 − ρ^t)·g² exactly, and the first step is −g·√(ε/((1−ρ)g² + ε))
    np.testing.assert_allclose(state["s"], (1 - rho ** 60) * g * g, rtol=1e-14)
    np.testing.assert_allclose(steps[0], -g * np.sqrt(1e-6 / ((1 - rho) * g * g + 1e-6)), rtol=1e-15)
    # where g² ≫ ε the first step is √(ε/(1−ρ)) long, in every coordinate, whatever g
    np.testing.assert_allclose(np.abs(steps[0, 2:]), math.sqrt(1e-6 / (1 - rho)), rtol=1e-5)
    # the fixed point is |Δθ| = |g| (effective rate 1): with ε comparable to g² it is reached
    steps, _ = _constant(rule, g, 400, rho=0.5, eps=4 * g * g)
    np.testing.assert_allclose(steps[-1], -g, rtol=1e-12)


def test_slow_start_squared_step_grows_by_one_minus_rho_times_eps():
    """Under a constant gradient with g² ≫ ε, once ρ^t is negligible,
    E[Δθ²]_t − E[Δθ²]_{t−1} = (1−ρ)·ε·(g² − E[Δθ²]_{t−1})/(g² + ε) ≈ (1−ρ)·ε: the steps grow like √((1−ρ)ε·t)."""
    rule = reference_rule("adadelta")
    for rho, eps in [(0.9, 1e-6), (0.95, 1e-4), (0.5, 1e-8)]:
        d = []
        theta, state = np.zeros(1), {"s": 0.0, "d": 0.0}
        for _ in range(1500):
            theta, state = rule(theta, np.ones(1), state, rho=rho, eps=eps)
            d.append(state["d"][0])
        d = np.array(d)
        growth = np.diff(d)[-500:]
        want = (1 - rho) * eps * (1 - d[-501:-1]) / (1 + eps)
        np.testing.assert_allclose(growth, want, rtol=1e-6)


def _adadelta_two_eps(eps_step, eps_grad):
    """Adadelta with ε in θ²'s units in the numerator and in g²'s units in the denominator
    (one value per coordinate)."""
    @with_state(s=0.0, d=0.0)
    def rule(theta, g, state, *, rho):
        s = rho * state["s"] + (1 - rho) * g * g
        step = -np.sqrt(state["d"] + eps_step) / np.sqrt(s + eps_grad) * g
        return theta + step, {"s": s, "d": rho * state["d"] + (1 - rho) * step * step}
    return rule


def test_units_rescaling_theta_rescales_adadelta_path_not_gd_or_adagrad():
    valley, c, rho, eps = surfaces.valley(), 100.0, 0.9, 1e-6
    scaled = problems.rescaled(valley, [c, 1.0])
    units = np.array([c, 1.0])
    base = rollout(_adadelta_two_eps(eps, eps), valley, steps=2000, rho=rho)
    # with c = 1 the two-ε version is the reference rule
    ref = rollout(reference_rule("adadelta"), valley, steps=2000, rho=rho, eps=eps)
    np.testing.assert_allclose(base.theta, ref.theta, rtol=1e-13, atol=1e-15)
    # ε rescaled with its units: the path in φ is the path in θ, times c, to rounding
    phi = rollout(_adadelta_two_eps(eps * units ** 2, eps / units ** 2), scaled, steps=2000, rho=rho)
    np.testing.assert_allclose(phi.theta / units, base.theta, rtol=1e-9, atol=1e-12)
    # GD and Adagrad with the same η: their φ-path is not the θ-path times c
    for name, hyper in [("gd", {"eta": 1e-3}), ("adagrad", {"eta": 0.5, "eps": 1e-10})]:
        a = rollout(reference_rule(name), valley, steps=2000, **hyper)
        b = rollout(reference_rule(name), scaled, steps=2000, **hyper)
        moved = np.abs(a.final[0] - valley.start[0])
        assert np.abs(b.final[0] / c - a.final[0]) > 0.5 * moved, name
    # torch's single ε is a length in whatever unit θ has: the first step in φ₁ is
    # √ε·|g̃|/√((1−ρ)g̃² + ε) with g̃ = g/c, at most √(ε/(1−ρ)), not c times the step in θ₁
    one = rollout(reference_rule("adadelta"), scaled, steps=1, rho=rho, eps=eps)
    g = abs(valley.grad(valley.start)[0]) / c
    step = abs(one.theta[1, 0] - one.theta[0, 0])
    assert step == pytest.approx(math.sqrt(eps) * g / math.sqrt((1 - rho) * g * g + eps), rel=1e-12)
    assert step < math.sqrt(eps / (1 - rho)) and step / c < 0.01 * abs(ref.theta[1, 0] - ref.theta[0, 0])


def test_uniform_rescale_with_eps_times_c_squared_is_exact_for_the_reference_rule():
    """θ and the loss both measured in units c times smaller (φ = cθ, L̃ = c²L): ε → c²ε in both
    roots, and the reference rule's path is exactly c times the original."""
    q, c = surfaces.quadratic(1.0, 10.0), 7.0
    Scaled = problems.rescaled(q, c, loss_scale=c * c)
    rule = reference_rule("adadelta")
    a = rollout(rule, q, steps=300, rho=0.95, eps=1e-6)
    b = rollout(rule, Scaled, steps=300, rho=0.95, eps=1e-6 * c * c)
    np.testing.assert_allclose(b.theta / c, a.theta, rtol=1e-10, atol=1e-14)


def test_effective_rate_settles_at_the_edge_of_stability_on_the_valley():
    valley = surfaces.valley()
    tr = rollout(reference_rule("adadelta"), valley, steps=3000, rho=0.9, eps=1e-6)
    rate = effective_rates(tr, valley)[-200:, 1]                  # across the floor, late
    b = valley.params["b"]
    np.testing.assert_allclose(rate, 2 / b, rtol=5e-3)           # 2/λ, twice the ideal 1/λ
    assert tr.loss[1000] < 0.1 and tr.loss[-1] > tr.loss[1000]    # it hovers, never settles


def test_rescaled_problem_is_the_loss_in_other_units():
    """problems.rescaled: L̃(φ) = k·L(φ/c), its gradient by central differences, its start and minimizer."""
    banana = surfaces.rosenbrock()
    r = problems.rescaled(banana, [100.0, 0.5], loss_scale=3.0)
    phi = np.array([[-150.0, 1.2], [40.0, -0.7]])
    np.testing.assert_allclose(r.loss(phi), 3.0 * banana.loss(phi / [100.0, 0.5]), rtol=1e-15)
    h = 1e-6 * np.abs(phi)
    fd = np.stack([(r.loss(phi + h * e) - r.loss(phi - h * e)) / (2 * h[:, i])
                   for i, e in enumerate(np.eye(2))], axis=-1)
    np.testing.assert_allclose(r.grad(phi), fd, rtol=1e-6)
    np.testing.assert_allclose(r.start, banana.start * [100.0, 0.5])
    np.testing.assert_allclose(r.minimizer, [100.0, 0.5])
