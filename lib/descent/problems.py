"""Course code (read it, don't edit it): the problem protocol rollout runs on, and problems of any size.

A *problem* is anything with

    start        θ_0, an array of shape (d,)
    loss(θ)      θ of shape (..., d) -> losses of shape (...)   (a batch of runs at once)
    grad(θ)      θ of shape (..., d) -> gradients of shape (..., d)

The 2-D surfaces of :mod:`descent.surfaces` are problems with d = 2 (and draw as contour plots);
:func:`quadratic` is a bowl in any dimension, and :func:`linear_regression` a small real model: a
least-squares fit whose gradient can also be taken on a random mini-batch of its data
(``minibatch_grad``), the stochastic gradient of the synthesis topic. ``rollout`` runs any rule
on any problem.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Problem(Protocol):
    start: np.ndarray

    def loss(self, theta) -> np.ndarray: ...

    def grad(self, theta) -> np.ndarray: ...


@dataclass(frozen=True, eq=False)
class Quadratic:
    """L(θ) = ½ Σ_i h_i θ_i²: a bowl with curvature h_i along coordinate i (the Hessian's
    eigenvalues), minimum 0 at θ = 0."""

    h: np.ndarray
    start: np.ndarray
    name: str = "quadratic"

    def loss(self, theta):
        theta = np.asarray(theta, dtype=float)
        return 0.5 * np.sum(self.h * theta * theta, axis=-1)

    def grad(self, theta):
        return self.h * np.asarray(theta, dtype=float)

    @property
    def minimizer(self):
        return np.zeros_like(self.start)


def quadratic(h, start=None) -> Quadratic:
    """A bowl ½ Σ h_i θ_i² in d = len(h) dimensions, from ``start`` (default: all ones)."""
    h = np.asarray(h, dtype=float)
    start = np.ones_like(h) if start is None else np.asarray(start, dtype=float)
    if h.ndim != 1 or start.shape != h.shape:
        raise ValueError(f"h must be a vector and start the same shape, got {h.shape}, {start.shape}")
    return Quadratic(h, start)


@dataclass(frozen=True, eq=False)
class QuadraticForm:
    """L(θ) = ½ θᵀHθ with a full symmetric Hessian H (d×d): a bowl whose axes are H's
    eigenvectors, not the coordinates; minimum 0 at θ = 0."""

    H: np.ndarray
    start: np.ndarray
    name: str = "quadratic form"

    def grad(self, theta):
        return np.asarray(theta, dtype=float) @ self.H  # H symmetric: (Hθ)ᵀ = θᵀH, for a batch of θ

    def loss(self, theta):
        theta = np.asarray(theta, dtype=float)
        return 0.5 * np.sum(theta * self.grad(theta), axis=-1)

    @property
    def minimizer(self):
        return np.zeros_like(self.start)


def quadratic_form(H, start=None) -> QuadraticForm:
    """The bowl ½ θᵀHθ for a symmetric d×d Hessian ``H`` (``quadratic_form([[8, 3], [3, 4]])``),
    from ``start`` (default: all ones)."""
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or not np.allclose(H, H.T):
        raise ValueError(f"H must be a symmetric square matrix, got {H.tolist()}")
    start = np.ones(len(H)) if start is None else np.asarray(start, dtype=float)
    if start.shape != (len(H),):
        raise ValueError(f"start must be a vector of {len(H)}, got shape {start.shape}")
    return QuadraticForm(H, start)


@dataclass(frozen=True, eq=False)
class LeastSquares:
    """L(θ) = 1/(2n) ‖Xθ − y‖²: linear regression on n examples with d features.

    ``grad`` is the full-batch gradient Xᵀ(Xθ − y)/n; ``minibatch_grad(θ, rng, size)`` the same
    on ``size`` examples drawn without replacement (one draw shared by every run of a batch)."""

    X: np.ndarray
    y: np.ndarray
    start: np.ndarray
    name: str = "linear regression"

    def _residual(self, theta, rows=slice(None)):
        return np.asarray(theta, dtype=float) @ self.X[rows].T - self.y[rows]

    def loss(self, theta):
        return 0.5 * np.mean(self._residual(theta) ** 2, axis=-1)

    def grad(self, theta):
        return self._residual(theta) @ self.X / len(self.y)

    def minibatch_grad(self, theta, rng: np.random.Generator, size: int):
        rows = rng.choice(len(self.y), size=size, replace=False)
        return self._residual(theta, rows) @ self.X[rows] / size

    @property
    def minimizer(self):
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]


def linear_regression(n: int = 200, d: int = 10, noise: float = 0.1, seed: int = 0,
                      scales=None) -> LeastSquares:
    """A synthetic regression problem: features of standard deviation ``scales`` (default: all
    1), true weights drawn at random, targets with Gaussian noise; starts at θ = 0."""
    rng = np.random.default_rng(seed)
    scales = np.ones(d) if scales is None else np.asarray(scales, dtype=float)
    X = rng.standard_normal((n, d)) * scales
    y = X @ rng.standard_normal(d) + noise * rng.standard_normal(n)
    return LeastSquares(X, y, np.zeros(d))


@dataclass(frozen=True, eq=False)
class Rescaled:
    """``problem`` in other units: parameters φ = c·θ (``scale`` c, one factor per coordinate or
    one for all) and loss L̃(φ) = k·L(φ/c) (``loss_scale`` k), so ∇L̃(φ) = k·∇L(φ/c)/c. A rule
    whose path here is c times its path on ``problem`` does not depend on θ's units (lecture 06)."""

    problem: object
    scale: np.ndarray
    loss_scale: float = 1.0

    @property
    def start(self):
        return np.asarray(self.problem.start, dtype=float) * self.scale

    @property
    def minimizer(self):
        return np.asarray(self.problem.minimizer, dtype=float) * self.scale

    def loss(self, phi):
        return self.loss_scale * self.problem.loss(np.asarray(phi, dtype=float) / self.scale)

    def grad(self, phi):
        return self.loss_scale * self.problem.grad(np.asarray(phi, dtype=float) / self.scale) / self.scale


def rescaled(problem, scale=1.0, loss_scale: float = 1.0) -> Rescaled:
    """``problem`` with θ measured in units ``scale`` times smaller (φ = scale·θ, per coordinate)
    and its loss multiplied by ``loss_scale``: ``rescaled(surfaces.valley(), [100, 1])``."""
    return Rescaled(problem, np.asarray(scale, dtype=float), float(loss_scale))


@dataclass(frozen=True, eq=False)
class SoftmaxRegression:
    """Softmax regression: L(θ) = −(1/n) Σ_i log softmax(W·x_i)[y_i] on n examples with f
    features (a constant 1 appended, the bias) and k classes; θ is W flattened, d = f·k (the
    weights of feature j for class c at θ[j·k + c]), batched as (*batch, d).

    ``grad`` is the full-batch gradient (1/n) Σ_i x_i ⊗ (p_i − e_{y_i}); ``minibatch_grad(θ, rng,
    size)`` the same on ``size`` examples drawn with replacement, *a new draw for every run of the
    batch* (runs of a batch are independent seeds; the draw is unbiased). ``accuracy(θ)`` on the
    held-out test set (``test=False``: on the training set). The loss has no minimum (the classes
    separate): its floor is 0."""

    X: np.ndarray          # (n, f) training features, standardised, with the bias column of ones
    y: np.ndarray          # (n,) training labels 0..k-1
    X_test: np.ndarray
    y_test: np.ndarray
    classes: int
    start: np.ndarray
    name: str = "softmax regression"
    floor: float = 0.0
    chunk: int = 128       # thetas per block when the loss or gradient of a long batch is taken

    def _weights(self, theta):
        theta = np.asarray(theta, dtype=float)
        return theta.reshape(theta.shape[:-1] + (self.X.shape[1], self.classes))

    @staticmethod
    def _log_softmax(logits):
        logits = logits - logits.max(axis=-1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))

    def _blocks(self, theta, fn, tail):
        """fn over blocks of ≤ ``chunk`` thetas (bounds the memory of n × k logits per θ)."""
        theta = np.asarray(theta, dtype=float)
        flat = theta.reshape((-1, theta.shape[-1]))
        out = np.concatenate([fn(flat[i:i + self.chunk]) for i in range(0, len(flat), self.chunk)])
        return out.reshape(theta.shape[:-1] + tail)

    def _logits(self, theta, X):
        """(n, b, k) logits of b thetas on X, as one matrix product (no copy of the n·b·k array)."""
        W = self._weights(theta)                                             # (b, f, k)
        b, f, k = W.shape
        return (X @ W.transpose(1, 0, 2).reshape(f, b * k)).reshape(len(X), b, k)

    def _loss(self, theta, X, y):
        logp = self._log_softmax(self._logits(theta, X))                     # (n, b, k)
        return -logp[np.arange(len(y)), :, y].mean(axis=0)

    def _grad(self, theta, X, y):
        p = np.exp(self._log_softmax(self._logits(theta, X)))                # (n, b, k)
        p[np.arange(len(y)), :, y] -= 1.0
        n, b, k = p.shape
        return (X.T @ p.reshape(n, b * k)).reshape(-1, b, k).transpose(1, 0, 2).reshape(b, -1) / n

    def loss(self, theta):
        return self._blocks(theta, lambda th: self._loss(th, self.X, self.y), ())

    def grad(self, theta):
        return self._blocks(theta, lambda th: self._grad(th, self.X, self.y), (self.start.size,))

    def minibatch_grad(self, theta, rng: np.random.Generator, size: int):
        theta = np.asarray(theta, dtype=float)
        rows = rng.integers(len(self.y), size=theta.shape[:-1] + (size,))   # one draw per run
        X, y = self.X[rows], self.y[rows]                                    # (*batch, size, f)
        p = np.exp(self._log_softmax(X @ self._weights(theta)))               # (*batch, size, k)
        np.put_along_axis(p, y[..., None], np.take_along_axis(p, y[..., None], axis=-1) - 1.0, axis=-1)
        return (np.swapaxes(X, -1, -2) @ p).reshape(theta.shape) / size

    def accuracy(self, theta, test: bool = True):
        """The fraction of examples whose most probable class is the label, per θ of the batch."""
        X, y = (self.X_test, self.y_test) if test else (self.X, self.y)
        return self._blocks(theta, lambda th: (self._logits(th, X).argmax(axis=-1) == y[:, None]).mean(axis=0), ())

    def steps_per_epoch(self, size: int) -> int:
        """n / size rounded up: the mini-batch steps of ``size`` examples in one epoch (n examples)."""
        return -(-len(self.y) // size)


def digits(test_fraction: float = 0.2, seed: int = 0) -> SoftmaxRegression:
    """Softmax regression on the 8×8 handwritten digits (descent.data, 1797 images): 64 pixels
    standardised with the training set's mean and standard deviation (a pixel that is always 0
    stays 0), plus a bias feature; 10 classes, so d = 65·10 = 650 parameters, starting at θ = 0
    (loss log 10). The examples are shuffled with ``seed`` and the last ``test_fraction`` held out."""
    from .data import digits as load

    images, labels = load()
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = int(round(test_fraction * len(labels)))
    train, test = order[:len(labels) - n_test], order[len(labels) - n_test:]
    pixels = images.astype(float)
    mean, std = pixels[train].mean(axis=0), pixels[train].std(axis=0)
    std = np.where(std > 0, std, 1.0)

    def features(rows):
        return np.hstack([(pixels[rows] - mean) / std, np.ones((len(rows), 1))])

    classes = int(labels.max()) + 1
    X = features(train)
    return SoftmaxRegression(X, labels[train].copy(), features(test), labels[test].copy(), classes,
                             np.zeros(X.shape[1] * classes))
