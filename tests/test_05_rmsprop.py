"""Topic 05 · RMSProp: `rmsprop`, confirmed independently (first steps by hand, the unrolled
average, a constant gradient in closed form) and the lecture's mathematics (units, braking at a
cliff, ε's place).

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/05_rmsprop.ipynb,
exercises/05_rmsprop/, solutions/assignments/05_rmsprop/, solutions/topics/05_rmsprop.py."""
import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule

from descent import surfaces
from descent.rollout import rollout


def test_first_steps_by_hand():
    case = quadratic_case("rmsprop")  # η = 0.01, β₂ = 0.9, ε = 1e-8, g_1 = (1.5, 10)
    np.testing.assert_allclose(case.state["s"][1], [0.225, 10.0], rtol=1e-15)
    # s_1 = 0.1·g_1², so g_1/√s_1 = √10 in both coordinates: the first step is η·√10 each way
    np.testing.assert_allclose(case.theta[1], [1.5 - 0.01 * np.sqrt(10), 1 - 0.01 * np.sqrt(10)],
                               rtol=1e-8)
    g2 = np.array([1.0, 10.0]) * case.theta[1]
    np.testing.assert_allclose(case.state["s"][2], 0.09 * np.array([1.5, 10]) ** 2 + 0.1 * g2**2,
                               rtol=1e-14)


@pytest.mark.parametrize("case", reference_cases("rmsprop"), ids=lambda c: c.name)
def test_values_equal_the_unrolled_average(case):
    eta, beta2, eps = (np.asarray(case.hyper[k]) for k in ("eta", "beta2", "eps"))
    theta = [case.theta0]
    for t in range(1, case.steps + 1):  # s_t = (1−β₂)·Σ_k β₂^(t−k)·g_k², term by term
        s = (1 - beta2) * sum(beta2 ** (t - k) * case.grads[k - 1] ** 2 for k in range(1, t + 1))
        np.testing.assert_allclose(case.state["s"][t], s, rtol=1e-12, atol=1e-300)
        theta.append(theta[-1] - eta * case.grads[t - 1] / (np.sqrt(s) + eps))
    np.testing.assert_allclose(case.theta, np.array(theta), rtol=1e-12, atol=1e-12)


def test_a_constant_gradient_in_closed_form():
    """s_t = (1 − β₂^t)·g², so the t-th step is −η·g/(|g|·√(1 − β₂^t) + ε): it starts at
    η/√(1−β₂) (3.16η for β₂ = 0.9) and settles to η·sign(g), whatever the size of g."""
    rule, beta2, eps = reference_rule("rmsprop"), 0.9, 1e-8
    for g in (1e-3, 1.0, 1e3):
        theta, state, steps = np.zeros(1), {"s": 0.0}, []
        for _ in range(60):
            new, state = rule(theta, np.array([g]), state, eta=0.1, beta2=beta2, eps=eps)
            steps.append(float(theta[0] - new[0]))
            theta = new
        t = np.arange(1, 61)
        np.testing.assert_allclose(steps, 0.1 * g / (g * np.sqrt(1 - beta2**t) + eps), rtol=1e-12)
    assert steps[0] == pytest.approx(0.1 / np.sqrt(0.1), rel=1e-9)


def test_units_loss_times_c_changes_nothing_but_theta_times_c_needs_eta_times_c():
    rule, q = reference_rule("rmsprop"), surfaces.quadratic(1.0, 10.0)
    base = rollout(rule, q, steps=50, eta=0.05, beta2=0.9, eps=1e-8)
    c = 1e3  # the loss times c: every gradient times c, the steps the same (ε times c too)
    scaled = rollout(rule, q, steps=50, grad=lambda th: c * q.grad(th), eta=0.05, beta2=0.9,
                     eps=1e-8 * c)
    np.testing.assert_allclose(scaled.theta, base.theta, rtol=1e-12, atol=1e-15)
    # θ = c·φ: L(φ) = q(cφ) has gradients c·∇q; RMSProp's φ-steps are η-sized, so η/c in φ
    phi = rollout(rule, q, base.theta[0] / c, steps=50, grad=lambda ph: c * q.grad(c * ph),
                  eta=0.05 / c, beta2=0.9, eps=1e-8 * c)
    np.testing.assert_allclose(c * phi.theta, base.theta, rtol=1e-10, atol=1e-12)


def test_at_the_cliff_rmsprop_brakes_in_a_few_steps_and_the_root_mean_square_of_all_cannot():
    """The first step down the cliff: at most η/√(1−β₂) for RMSProp; about η·√(n+1) for the
    root mean square of all n+1 gradients (the NTU lecture's Adagrad, η_t = η·√t here)."""
    cliff, eta = surfaces.cliff(), 0.05
    rms = rollout(reference_rule("rmsprop"), cliff, steps=200, eta=eta, beta2=0.9, eps=1e-8)
    mean = rollout(reference_rule("adagrad"), cliff, steps=200, eta=lambda t: eta * np.sqrt(t),
                   eps=1e-8)
    n = int(np.argmax(rms.theta[:, 0] > 0))  # θ_n: the first iterate past the edge
    steps = np.abs(np.diff(rms.theta[:, 0]))
    assert steps[n - 1: n + 40].max() <= eta / np.sqrt(1 - 0.9) * 1.001
    assert (steps[n + 3: n + 40] < 2 * eta).all()  # braked within 4 steps, then into the well
    n = int(np.argmax(mean.theta[:, 0] > 0))
    steps = np.abs(np.diff(mean.theta[:, 0]))
    assert steps[n - 1:].max() > 0.8 * eta * np.sqrt(n)
    assert (steps[n + 4: n + 12] > 2 * eta).all()  # still fast 12 steps down


def test_eps_inside_or_outside_the_root_differ_where_s_is_small():
    rule = reference_rule("rmsprop")
    g, eps = np.array([1e-4, 1.0]), 1e-8
    outside, _ = rule(np.zeros(2), g, {"s": 0.0}, eta=1.0, beta2=0.9, eps=eps)
    inside = -g / np.sqrt(0.1 * g**2 + eps)
    rel = np.abs(outside - inside) / np.abs(inside)
    assert rel[0] > 0.5 and rel[1] < 1e-6
