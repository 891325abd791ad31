"""Rollout: one batched loop equals many single runs; schedules, noise and thinning."""
import numpy as np
from conftest import reference_rule

from descent import surfaces
from descent.rollout import rollout


def test_batch_of_hyperparameters_equals_runs_one_at_a_time():
    s, rule = surfaces.rosenbrock(), reference_rule("momentum")
    etas, alphas = np.array([1e-4, 5e-4, 1e-3]), np.array([0.0, 0.5, 0.9])
    batch = rollout(rule, s, steps=50, eta=etas, alpha=alphas)
    assert batch.theta.shape == (51, 3, 2) and batch.loss.shape == (51, 3)
    for i in range(3):
        one = rollout(rule, s, steps=50, eta=etas[i], alpha=alphas[i])
        np.testing.assert_array_equal(batch.theta[:, i], one.theta)
        np.testing.assert_array_equal(batch.grad_norm[:, i], one.grad_norm)


def test_batch_of_start_points_and_a_grid_of_hyperparameters():
    s, rule = surfaces.quadratic(), reference_rule("gd")
    starts = np.array([[1.0, 1.0], [-1.0, 0.5]])
    traj = rollout(rule, s, starts, steps=3, eta=0.1)
    np.testing.assert_allclose(traj.theta[1], starts - 0.1 * s.grad(starts))
    grid = rollout(rule, s, steps=3, eta=np.linspace(0.01, 0.1, 12).reshape(3, 4))
    assert grid.theta.shape == (4, 3, 4, 2)


def test_schedule_is_called_with_t_from_one():
    seen = []
    rollout(reference_rule("gd"), surfaces.quadratic(), steps=4, eta=lambda t: seen.append(t) or 0.1)
    assert seen == [1, 2, 3, 4]


def test_noise_is_reproducible_and_every_thins():
    s, rule = surfaces.quadratic(), reference_rule("gd")
    a = rollout(rule, s, steps=20, eta=0.05, noise=0.3, seed=5)
    b = rollout(rule, s, steps=20, eta=0.05, noise=0.3, seed=5)
    c = rollout(rule, s, steps=20, eta=0.05, noise=0.3, seed=6)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.allclose(a.theta, c.theta)
    thin = rollout(rule, s, steps=20, eta=0.05, noise=0.3, seed=5, every=5)
    np.testing.assert_array_equal(thin.theta, a.theta[::5])
    np.testing.assert_array_equal(thin.steps, [0, 5, 10, 15, 20])
