"""Rollout: one batched loop equals many single runs; schedules, noise and thinning."""
import numpy as np
import pytest
from conftest import reference_rule

from descent import problems, surfaces
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


# -- problems of any size: the protocol the 2-D surfaces and a small real model share -------------
def test_surfaces_and_d_dimensional_problems_follow_one_protocol():
    assert isinstance(surfaces.valley(), problems.Problem)
    assert isinstance(problems.quadratic([1.0, 2.0, 3.0]), problems.Problem)
    assert isinstance(problems.linear_regression(), problems.Problem)


def test_rollout_in_d_dimensions_is_the_closed_form_for_a_batch_of_rates():
    h = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
    bowl, etas = problems.quadratic(h, start=np.arange(1.0, 6.0)), np.array([0.01, 0.1, 0.2])
    traj = rollout(reference_rule("gd"), bowl, steps=30, eta=etas)
    assert traj.theta.shape == (31, 3, 5) and traj.loss.shape == (31, 3)
    t = np.arange(31)[:, None, None]
    np.testing.assert_allclose(traj.theta, (1 - etas[:, None] * h) ** t * bowl.start, rtol=1e-12)
    np.testing.assert_allclose(traj.grad_norm, np.linalg.norm(h * traj.theta, axis=-1))


def test_a_bowl_with_a_full_hessian_is_the_rotated_diagonal_bowl():
    """quadratic_form(H) with H = Q diag(λ) Qᵀ: GD is θ_t = (I − ηH)^t θ_0, the same run as on the
    diagonal bowl in the rotated coordinates Qᵀθ."""
    H = np.array([[8.0, 3.0], [3.0, 4.0]])
    lam, Q = np.linalg.eigh(H)
    bowl, diag = problems.quadratic_form(H, start=[1.0, -2.0]), problems.quadratic(lam, start=Q.T @ [1.0, -2.0])
    traj = rollout(reference_rule("gd"), bowl, steps=12, eta=np.array([0.05, 0.15]))
    for i, eta in enumerate([0.05, 0.15]):
        closed = [np.linalg.matrix_power(np.eye(2) - eta * H, t) @ bowl.start for t in range(13)]
        np.testing.assert_allclose(traj.theta[:, i], closed, rtol=1e-12, atol=1e-15)
    rotated = rollout(reference_rule("gd"), diag, steps=12, eta=0.15)
    np.testing.assert_allclose(traj.loss[:, 1], rotated.loss, rtol=1e-12)
    np.testing.assert_allclose(bowl.loss(bowl.start), 0.5 * bowl.start @ H @ bowl.start)
    with pytest.raises(ValueError, match="symmetric"):
        problems.quadratic_form([[1.0, 2.0], [0.0, 1.0]])


def test_a_small_real_model_full_batch_and_mini_batch():
    model = problems.linear_regression(n=120, d=6, seed=3)
    rule = reference_rule("momentum")
    full = rollout(rule, model, steps=400, eta=0.1, alpha=0.5)
    np.testing.assert_allclose(full.final, model.minimizer, atol=1e-8)
    # a mini-batch of all the data is the full gradient, in a shuffled order of the same terms
    whole = rollout(rule, model, steps=50, eta=0.1, alpha=0.5, batch_size=120)
    np.testing.assert_allclose(whole.theta, full.theta[:51], rtol=1e-10, atol=1e-12)
    noisy = rollout(rule, model, steps=400, eta=0.05, alpha=0.5, batch_size=8, seed=1)
    again = rollout(rule, model, steps=400, eta=0.05, alpha=0.5, batch_size=8, seed=1)
    np.testing.assert_array_equal(noisy.theta, again.theta)
    gap = lambda traj: traj.loss[-100:].mean() - model.loss(model.minimizer)  # noqa: E731
    assert abs(gap(full)) < 1e-12 < gap(noisy) < 0.01  # the noise floor of stochastic gradients
    # the gradient is exact: finite differences of the loss
    theta, eps = np.random.default_rng(0).normal(size=6), 1e-6
    fd = [(model.loss(theta + eps * e) - model.loss(theta - eps * e)) / (2 * eps) for e in np.eye(6)]
    np.testing.assert_allclose(model.grad(theta), fd, rtol=1e-6, atol=1e-9)
