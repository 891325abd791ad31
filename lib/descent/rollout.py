"""Course code (read it, don't edit it): run an update rule for many steps over a batch of runs.

The batch is whatever shape the start points and the hyperparameters broadcast to: 50 learning
rates × 1 start point, 1 learning rate × 20 start points, a 30 × 30 grid of (η, α) ... Every step
is one call of the rule on the whole batch, so the cost is one Python loop over steps, never
over runs. The problem is anything with ``start``, ``loss`` and ``grad`` (descent.problems): a
2-D surface, or a problem with d parameters; θ then has shape (*batch, d).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .contract import init_state


@dataclass
class Trajectory:
    """Iterates θ_0..θ_T (shape (T+1, *batch, d)), their losses and gradient norms (T+1, *batch)."""

    theta: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    steps: np.ndarray  # the step number of each stored row (0, every, 2·every, ...)

    @property
    def final(self) -> np.ndarray:
        return self.theta[-1]

    def run(self, *index) -> "Trajectory":
        """One run (or a sub-batch) of the batch, e.g. ``traj.run(3)``."""
        sel = (slice(None),) + index
        return Trajectory(self.theta[sel], self.loss[sel], self.grad_norm[sel], self.steps)


def batch_hyper(theta0, **hyper):
    """Broadcast start points (..., d) against hyperparameters given per run.

    A hyperparameter of shape ``batch`` gets a trailing axis so that it broadcasts against
    θ of shape ``batch + (d,)``. Returns (theta0 of shape batch + (d,), hyper).
    """
    theta0 = np.asarray(theta0, dtype=float)
    arrays = {k: np.asarray(v, dtype=float) for k, v in hyper.items() if not callable(v)}
    shape = np.broadcast_shapes(theta0.shape[:-1], *(v.shape for v in arrays.values()))
    theta0 = np.broadcast_to(theta0, shape + theta0.shape[-1:]).copy()
    out = {}
    for k, v in arrays.items():
        out[k] = float(v) if v.ndim == 0 else np.broadcast_to(v, shape)[..., None]
    return theta0, out


def rollout(rule, surface, theta0=None, steps: int = 100, *, every: int = 1,
            noise: float = 0.0, seed: int | None = 0, grad=None, batch_size: int | None = None,
            **hyper) -> Trajectory:
    """Apply ``rule`` for ``steps`` steps on ``surface`` (any problem: descent.problems) from
    ``theta0`` (default: its start point), for every run of the batch at once.

    Hyperparameters are keyword arguments (``eta=...``, ``alpha=...``); any of them may be an
    array giving one value per run, or a schedule: a function of the step t = 1, 2, ... that
    returns the value (or one value per run) for that step, e.g. ``eta=lambda t: 0.1 / t``. ``noise`` adds Gaussian noise of that standard deviation to
    every gradient, drawn from ``np.random.default_rng(seed)``; ``grad`` replaces the surface's
    gradient (a function θ -> g). ``batch_size`` takes each step's gradient on a random
    mini-batch of that many examples (a problem with ``minibatch_grad``, e.g.
    ``problems.linear_regression()``), drawn from the same seeded generator. ``every`` keeps every
    k-th iterate only (long runs).
    """
    if theta0 is None:
        theta0 = surface.start
    schedules = {k: v for k, v in hyper.items() if callable(v)}
    theta, hyper = batch_hyper(theta0, **{k: v for k, v in hyper.items() if not callable(v)})
    batch = theta.shape[:-1]
    rng = np.random.default_rng(seed) if noise or batch_size else None
    if batch_size is not None:
        if grad is not None:
            raise ValueError("give either grad or batch_size, not both")
        grad = lambda theta: surface.minibatch_grad(theta, rng, batch_size)  # noqa: E731
    grad = surface.grad if grad is None else grad
    state = init_state(rule, theta)

    kept = steps // every + 1
    thetas = np.empty((kept,) + theta.shape)
    thetas[0] = theta
    row = 1
    for t in range(1, steps + 1):
        g = grad(theta)
        if noise:
            g = g + noise * rng.standard_normal(g.shape)
        for k, schedule in schedules.items():
            value = np.asarray(schedule(t), dtype=float)
            hyper[k] = float(value) if value.ndim == 0 else np.broadcast_to(value, batch)[..., None]
        theta, state = rule(theta, g, state, **hyper)
        if t % every == 0:
            thetas[row] = theta
            row += 1
    with np.errstate(all="ignore"):
        losses = surface.loss(thetas)
        norms = np.linalg.norm(surface.grad(thetas), axis=-1)
    return Trajectory(thetas, losses, norms, np.arange(kept) * every)


def effective_rates(traj: Trajectory, problem, tiny: float = 1e-12) -> np.ndarray:
    """The learning rate each coordinate actually got at each step, −(θ_t − θ_{t−1})_i / g_{t,i}
    with g_t = ∇L(θ_{t−1}): shape (T, *batch, d). η for gradient descent; for an adaptive rule its
    per-coordinate rate (η/σ_t, ...), to compare with the ideal 1/λ_i (:func:`ideal_rates`).
    NaN where the gradient is below ``tiny`` (no rate to read). Needs every step kept (every=1)."""
    if len(traj.steps) > 1 and traj.steps[1] != 1:
        raise ValueError("effective_rates needs every step: roll out with every=1")
    g = problem.grad(traj.theta[:-1])
    step = traj.theta[1:] - traj.theta[:-1]
    with np.errstate(all="ignore"):
        return np.where(np.abs(g) > tiny, -step / g, np.nan)


def ideal_rates(problem, theta, h: float = 1e-5) -> np.ndarray:
    """1/λ_i, the ideal per-coordinate learning rate at ``theta`` (diagonal preconditioning,
    lecture 00), from the Hessian's diagonal λ_i = ∂²L/∂θ_i² by central differences of the gradient."""
    theta = np.asarray(theta, dtype=float)
    eye = np.eye(theta.shape[-1])
    lam = np.stack([(problem.grad(theta + h * e)[..., i] - problem.grad(theta - h * e)[..., i]) / (2 * h)
                    for i, e in enumerate(eye)], axis=-1)
    return 1.0 / lam

