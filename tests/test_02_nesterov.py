"""Topic 02 · Nesterov momentum: `nesterov`, its values confirmed independently (first step by hand, the unrolled sums, Sutskever's look-ahead
form).

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/02_nesterov.ipynb,
exercises/02_nesterov/, solutions/assignments/02_nesterov/, solutions/topics/02_nesterov.py."""
import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule

from descent import surfaces
from descent.rollout import rollout


@pytest.mark.parametrize("case", reference_cases("nesterov"), ids=lambda c: c.name)
def test_values_equal_the_unrolled_sum(case):
    eta, alpha = np.asarray(case.hyper["eta"]), np.asarray(case.hyper["alpha"])
    v = np.zeros((case.steps + 1,) + case.theta0.shape)
    for t in range(1, case.steps + 1):
        v[t] = -eta * sum(alpha ** (t - k) * case.grads[k - 1] for k in range(1, t + 1))
    steps = alpha * v[1:] - eta * case.grads
    np.testing.assert_allclose(case.state["v"], v, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(case.theta[1:], case.theta0 + np.cumsum(steps, axis=0), rtol=1e-12, atol=1e-13)


def test_first_step_by_hand():
    case = quadratic_case("nesterov")  # η = 0.1, α = 0.9: θ_1 = θ_0 − η(1 + α) g_1
    np.testing.assert_allclose(case.theta[1], [1.5 - 0.19 * 1.5, 1.0 - 0.19 * 10], rtol=0, atol=1e-15)
    np.testing.assert_allclose(case.state["v"][1], [-0.15, -1.0], rtol=0, atol=1e-15)


def test_rule_iterates_are_the_look_ahead_points_of_sutskevers_form():
    surface, eta, alpha, steps = surfaces.rosenbrock(), 1e-3, 0.9, 200
    theta, v, look_ahead = surface.start.copy(), np.zeros(2), [surface.start.copy()]
    for _ in range(steps):  # v ← αv − η∇L(θ + αv); θ ← θ + v
        v = alpha * v - eta * surface.grad(theta + alpha * v)
        theta = theta + v
        look_ahead.append(theta + alpha * v)
    traj = rollout(reference_rule("nesterov"), surface, steps=steps, eta=eta, alpha=alpha)
    np.testing.assert_allclose(traj.theta, np.array(look_ahead), rtol=0, atol=1e-12)
