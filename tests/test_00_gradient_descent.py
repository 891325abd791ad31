"""Topic 00 · Gradient descent: `gd`, its reference values confirmed independently (first step by hand, the closed form) and the
valley experiment the lecture teaches.

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/00_gradient_descent.ipynb,
exercises/00_gradient_descent/, solutions/assignments/00_gradient_descent/, solutions/topics/00_gradient_descent.py."""
import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule

from descent import surfaces
from descent.rollout import rollout


def test_first_step_by_hand():
    # θ_1 = θ_0 − η g_1 on ½(θ₁² + 10θ₂²) from (1.5, 1.0), η = 0.1: g_1 = (1.5, 10), θ_1 = (1.35, 0)
    case = quadratic_case("gd")
    assert case.hyper == {"eta": 0.1}
    np.testing.assert_array_equal(case.grads[0], [1.5, 10.0])
    np.testing.assert_allclose(case.theta[1], [1.35, 0.0], rtol=0, atol=1e-15)


@pytest.mark.parametrize("case", reference_cases("gd"), ids=lambda c: c.name)
def test_reference_values_equal_the_closed_form(case):
    # θ_t = θ_0 − η Σ_{k≤t} g_k, summed directly, no recurrence
    eta = case.hyper["eta"]
    expected = case.theta0 - eta * np.concatenate([np.zeros((1,) + case.theta0.shape),
                                                   np.cumsum(case.grads, axis=0)])
    np.testing.assert_allclose(case.theta, expected, rtol=1e-13, atol=1e-14)


def test_the_valley_experiment_of_the_lecture():
    """η = 1e-2 bounces with a large gradient and a stuck loss; η = 1e-7 stalls far away."""
    valley = surfaces.valley()
    traj = rollout(reference_rule("gd"), valley, steps=100_000, every=100, eta=[1e-2, 1e-7])
    big, small = traj.run(0), traj.run(1)
    assert big.loss[10:].min() > 4000 and big.grad_norm[10:].min() > 990
    assert abs(big.loss[-1] - big.loss[100]) / big.loss[100] < 0.05  # stuck
    assert abs(small.final[1]) < 1e-2                                # reached the floor
    assert small.final[0] < -7.99                                    # but not the minimum at x = 0


def test_largest_stable_learning_rate_is_two_over_lambda():
    q = surfaces.quadratic(1.0, 10.0)
    etas = np.array([0.199, 0.201])
    traj = rollout(reference_rule("gd"), q, steps=2000, eta=etas)
    assert traj.loss[-1, 0] < 1e-3 < 1e3 < traj.loss[-1, 1]
