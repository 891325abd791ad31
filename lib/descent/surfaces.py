"""Course code (read it, don't edit it): 2-D loss surfaces with exact gradients and Hessians.

Every function takes points of shape (..., 2) - one point, or a whole batch of them - and
returns the loss (...), the gradient (..., 2) or the Hessian (..., 2, 2). The Hessians are
derived by hand and checked against finite differences in tests/test_surfaces.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, NamedTuple

import numpy as np

Array = np.ndarray


class CriticalPoint(NamedTuple):
    """A point where the gradient is 0, and its kind: "minimum", "maximum", "saddle" (Hessian
    eigenvalues of both signs) or "flat" (an eigenvalue 0: the second-derivative test says
    nothing)."""

    theta: Array
    kind: str


def classify(hessian, tol: float = 1e-9) -> str:
    """The kind of a critical point from its Hessian's eigenvalues (see :class:`CriticalPoint`)."""
    lam = np.linalg.eigvalsh(np.asarray(hessian, dtype=float))
    scale = tol * max(1.0, float(np.abs(lam).max()))
    if (np.abs(lam) <= scale).any():
        return "flat"
    if (lam > 0).all():
        return "minimum"
    if (lam < 0).all():
        return "maximum"
    return "saddle"


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss L(θ) on the plane, θ = (x, y)."""

    name: str
    title: str
    loss_fn: Callable[[Array, Array], Array]
    grad_fn: Callable[[Array, Array], tuple]
    hessian_fn: Callable[[Array, Array], tuple]
    minimizer: Array
    start: Array
    xlim: tuple
    ylim: tuple
    params: dict = field(default_factory=dict)
    log_levels: bool = True
    critical: tuple = ()  # every critical point (CriticalPoint); () means the minimizer alone

    @property
    def critical_points(self) -> list:
        """Every critical point of the surface with its kind, as :class:`CriticalPoint`
        (minima, saddles, flat critical points); the plots mark each of them."""
        if self.critical:
            return [CriticalPoint(np.asarray(p, dtype=float), kind) for p, kind in self.critical]
        return [CriticalPoint(np.asarray(self.minimizer, dtype=float), "minimum")]

    def loss(self, theta) -> Array:
        theta = np.asarray(theta, dtype=float)
        return self.loss_fn(theta[..., 0], theta[..., 1])

    def grad(self, theta) -> Array:
        theta = np.asarray(theta, dtype=float)
        out = np.empty(theta.shape)
        out[..., 0], out[..., 1] = self.grad_fn(theta[..., 0], theta[..., 1])
        return out

    def hessian(self, theta) -> Array:
        theta = np.asarray(theta, dtype=float)
        hxx, hxy, hyy = np.broadcast_arrays(*self.hessian_fn(theta[..., 0], theta[..., 1]))
        return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)

    def noisy_grad(self, theta, sigma, rng: np.random.Generator) -> Array:
        """The exact gradient plus Gaussian noise of standard deviation ``sigma`` (a stand-in
        for a mini-batch gradient). Pass a seeded ``np.random.default_rng(seed)``."""
        g = self.grad(theta)
        return g + sigma * rng.standard_normal(g.shape)

    @property
    def min_loss(self) -> float:
        return float(self.loss(self.minimizer))

    @cached_property
    def _grids(self) -> dict:
        return {}

    def grid(self, n: int = 240):
        """(X, Y, Z) on an n×n grid over the plot limits, computed once and cached."""
        if n not in self._grids:
            x = np.linspace(*self.xlim, n)
            y = np.linspace(*self.ylim, n)
            X, Y = np.meshgrid(x, y)
            self._grids[n] = (X, Y, self.loss_fn(X, Y))
        return self._grids[n]

    def __repr__(self) -> str:
        return f"<Surface {self.name}: {self.title}>"


def quadratic(h1: float = 1.0, h2: float = 10.0) -> Surface:
    """L = ½(h1·θ₁² + h2·θ₂²): curvatures h1 and h2 along the axes, minimum at the origin."""
    return Surface(
        name="quadratic",
        title=f"quadratic bowl ½({h1:g}θ₁² + {h2:g}θ₂²)",
        loss_fn=lambda x, y: 0.5 * (h1 * x**2 + h2 * y**2),
        grad_fn=lambda x, y: (h1 * x, h2 * y),
        hessian_fn=lambda x, y: (h1 + 0 * x, 0 * x, h2 + 0 * y),
        minimizer=np.zeros(2),
        start=np.array([1.5, 1.0]),
        xlim=(-2.0, 2.0),
        ylim=(-1.5, 1.5),
        params=dict(h1=h1, h2=h2),
    )


def _log_cosh(u):
    """log(cosh u), accurate for large |u| too."""
    return np.logaddexp(u, -u) - np.log(2.0)


def valley(a: float = 0.01, b: float = 1000.0, w: float = 1.0) -> Surface:
    """An ill-conditioned convex valley: L = ½a·θ₁² + b·w²·log cosh(θ₂/w).

    Along x the floor is almost flat (curvature a); across it the walls are steep (curvature b
    on the floor, slope approaching b·w far up the walls). With a = 0.01 and b = 1000 the
    condition number is 10⁵: a learning rate large enough to move along the floor bounces from
    wall to wall, and one small enough not to bounce barely moves along the floor.
    """
    return Surface(
        name="valley",
        title="ill-conditioned convex valley",
        loss_fn=lambda x, y: 0.5 * a * x**2 + b * w**2 * _log_cosh(y / w),
        grad_fn=lambda x, y: (a * x, b * w * np.tanh(y / w)),
        hessian_fn=lambda x, y: (a + 0 * x, 0 * x, b / np.cosh(y / w) ** 2),
        minimizer=np.zeros(2),
        start=np.array([-8.0, 3.0]),
        xlim=(-10.0, 10.0),
        ylim=(-6.0, 6.0),
        params=dict(a=a, b=b, w=w),
    )


def plateau(k: float = 1.0, q: float = 2.0, b: float = 1.0) -> Surface:
    """A slope, a flat shelf, and a second slope down to the minimum.

    L = k·(x⁴/4 − q·x³/3) + ½b·y², so ∂L/∂x = k·x²·(x − q): downhill for every x < q, with a
    flat critical point at x = 0 (Hessian eigenvalues 0 and b: the test is inconclusive) and the
    minimum at (q, 0). Gradient descent coming from the left creeps towards the shelf and never
    crosses it; momentum carries through.
    """
    return Surface(
        name="plateau",
        title="slope – flat shelf – slope",
        loss_fn=lambda x, y: k * (x**4 / 4 - q * x**3 / 3) + 0.5 * b * y**2,
        grad_fn=lambda x, y: (k * x**2 * (x - q), b * y),
        hessian_fn=lambda x, y: (k * (3 * x**2 - 2 * q * x), 0 * x, b + 0 * y),
        minimizer=np.array([q, 0.0]),
        start=np.array([-1.5, 1.0]),
        xlim=(-2.0, 3.0),
        ylim=(-1.5, 1.5),
        params=dict(k=k, q=q, b=b),
        log_levels=False,
        critical=(((0.0, 0.0), "flat"), ((q, 0.0), "minimum")),
    )


def saddle(c: float = 1.0) -> Surface:
    """Two minima and a saddle between them: L = ¼(x² − 1)² + ½c·y².

    Critical points: (±1, 0), minima (Hessian eigenvalues 2 and c), and (0, 0), a saddle
    (eigenvalues −1 and c).
    """
    return Surface(
        name="saddle",
        title="two minima and a saddle",
        loss_fn=lambda x, y: 0.25 * (x**2 - 1) ** 2 + 0.5 * c * y**2,
        grad_fn=lambda x, y: (x**3 - x, c * y),
        hessian_fn=lambda x, y: (3 * x**2 - 1, 0 * x, c + 0 * y),
        minimizer=np.array([1.0, 0.0]),
        start=np.array([0.0, 1.5]),
        xlim=(-2.0, 2.0),
        ylim=(-2.0, 2.0),
        params=dict(c=c),
        log_levels=False,
        critical=(((-1.0, 0.0), "minimum"), ((1.0, 0.0), "minimum"), ((0.0, 0.0), "saddle")),
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """The banana valley: L = (a − x)² + b·(y − x²)², minimum at (a, a²)."""
    return Surface(
        name="rosenbrock",
        title=f"Rosenbrock banana valley (b = {b:g})",
        loss_fn=lambda x, y: (a - x) ** 2 + b * (y - x**2) ** 2,
        grad_fn=lambda x, y: (-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)),
        hessian_fn=lambda x, y: (2 - 4 * b * (y - x**2) + 8 * b * x**2, -4 * b * x, 2 * b + 0 * y),
        minimizer=np.array([a, a * a]),
        start=np.array([-1.5, 2.0]),
        xlim=(-2.0, 2.0),
        ylim=(-1.0, 3.0),
        params=dict(a=a, b=b),
    )



def _softplus(u):
    """log(1 + e^u), accurate for large |u| too."""
    return np.logaddexp(0.0, u)


def _sigmoid(u):
    return 0.5 * (1.0 + np.tanh(0.5 * u))


def cliff(a: float = 0.01, b: float = 1.0, edge: float = 0.0, m: float = 1.0, w: float = 0.1,
          d: float = 0.05, c: float = 1.0) -> Surface:
    """A flat stretch, then a steep one down to a narrow well: the profile of the NTU lecture's
    "crescent" along θ₁, where the learning rate a stretch needs changes along the way.

        L = b·w·log cosh((θ₁ − m)/w) − (b − a)·d·softplus(−(θ₁ − edge)/d) + ½c·θ₂²

    Along θ₁ the slope is −a (gentle, 0.01) left of the edge at θ₁ = 0, −b (steep, 1.0: a
    hundred times steeper) from the edge down to the well at θ₁ ≈ m, whose floor has curvature
    b/w; across, a plain bowl of curvature c. A rule whose scale remembers the flat stretch for
    long (the root mean square of every past gradient) takes huge steps down the cliff; one
    that forgets in a few steps (RMSProp) brakes.
    """
    def h1(x):  # ∂L/∂θ₁
        return b * np.tanh((x - m) / w) + (b - a) * _sigmoid(-(x - edge) / d)

    def h11(x):  # ∂²L/∂θ₁²
        s = _sigmoid(-(x - edge) / d)
        return b / w / np.cosh((x - m) / w) ** 2 - (b - a) / d * s * (1 - s)

    x = float(m)  # the minimum: h1 = 0 near m (the softplus's tail moves it by ~1e-9), Newton
    for _ in range(20):
        x -= h1(x) / h11(x)
    return Surface(
        name="cliff",
        title="a flat stretch, then a cliff down to a narrow well",
        loss_fn=lambda x, y: (b * w * _log_cosh((x - m) / w)
                              - (b - a) * d * _softplus(-(x - edge) / d) + 0.5 * c * y**2),
        grad_fn=lambda x, y: (h1(x), c * y),
        hessian_fn=lambda x, y: (h11(x), 0 * x, c + 0 * y),
        minimizer=np.array([x, 0.0]),
        start=np.array([-5.0, 0.5]),
        xlim=(-6.0, 2.0),
        ylim=(-1.5, 1.5),
        params=dict(a=a, b=b, edge=edge, m=m, w=w, d=d, c=c),
        log_levels=False,
    )

def funnel(a: float = 0.2, k: float = 1.0) -> Surface:
    """A valley whose walls are steep far from the minimum and gentle near it (lecture 10's
    warm-up problem): L = ½a·θ₁² + ½(1 + k·θ₁²)·θ₂².

    Along θ₁ a gentle slope (curvature a); across, walls of curvature 1 + k·θ₁²: 101 at the
    start θ₁ = −10 (k = 1), 1 at the minimum. A learning rate is stable across the walls only
    where η·(1 + k·θ₁²) < 2: η = 0.1 needs |θ₁| < √19 ≈ 4.36, η = 0.01 is stable from the start.
    A run that starts at the large rate diverges; one that warms up at the small rate until
    the walls have become gentle can then take the large one.
    """
    return Surface(
        name="funnel",
        title="a funnel: steep walls far out, gentle at the minimum",
        loss_fn=lambda x, y: 0.5 * a * x**2 + 0.5 * (1 + k * x**2) * y**2,
        grad_fn=lambda x, y: (a * x + k * x * y**2, (1 + k * x**2) * y),
        hessian_fn=lambda x, y: (a + k * y**2, 2 * k * x * y, 1 + k * x**2),
        minimizer=np.zeros(2),
        start=np.array([-10.0, 1.0]),
        xlim=(-11.0, 2.0),
        ylim=(-2.0, 2.0),
        params=dict(a=a, k=k),
    )


def double_well(k: float = 0.2, tilt: float = 0.2, c: float = 1.0) -> Surface:
    """Two basins side by side (lecture 11's noisy problem): L = k·((θ₁² − 1)² + tilt·θ₁ + ½c·θ₂²).

    Along θ₁ a quartic double well: minima near θ₁ = ∓1 with a ridge near 0 between them, the
    tilt making the left basin the deeper one (the minimizer, near −1.02) and the right one a
    worse local minimum (higher by about 2k·tilt); across, a plain bowl of curvature k·c. At the
    bottom of a basin the gradient is 0, so a rule whose first steps do not depend on the
    gradient's size (Adam: η·sign(g₁) at t = 1) can be thrown over the ridge by noise alone.
    """
    roots = np.sort(np.roots([4.0, 0.0, -4.0, tilt]).real)  # ∂L/∂θ₁ = k·(4θ₁³ − 4θ₁ + tilt)
    for _ in range(3):  # polish: Newton on 4x³ − 4x + tilt
        roots = roots - (4 * roots**3 - 4 * roots + tilt) / (12 * roots**2 - 4)
    good, ridge, bad = roots
    return Surface(
        name="double_well",
        title="two basins: the deeper on the left, a worse one on the right",
        loss_fn=lambda x, y: k * ((x * x - 1) ** 2 + tilt * x + 0.5 * c * y * y),
        grad_fn=lambda x, y: (k * (4 * x * (x * x - 1) + tilt), k * c * y),
        hessian_fn=lambda x, y: (k * (12 * x * x - 4) + 0 * y, 0 * x, k * c + 0 * y),
        minimizer=np.array([good, 0.0]),
        start=np.array([good, 0.0]),
        xlim=(-2.0, 2.0),
        ylim=(-1.5, 1.5),
        params=dict(k=k, tilt=tilt, c=c),
        critical=(((good, 0.0), "minimum"), ((ridge, 0.0), "saddle"), ((bad, 0.0), "minimum")),
    )


SURFACES = {f.__name__: f for f in (quadratic, valley, plateau, saddle, rosenbrock, cliff, funnel,
                                     double_well)}


def get(name: str, **params) -> Surface:
    """A surface by name, e.g. ``get("valley")`` or ``get("quadratic", h1=1, h2=4)``."""
    return SURFACES[name](**params)
