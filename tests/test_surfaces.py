"""Surfaces: exact gradients and Hessians (checked against finite differences), minimizers."""
import numpy as np
import pytest

from descent import surfaces

ALL = [surfaces.get(name) for name in surfaces.SURFACES]


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.name)
def test_gradient_and_hessian_match_finite_differences(s):
    rng = np.random.default_rng(0)
    lo, hi = np.array([s.xlim[0], s.ylim[0]]), np.array([s.xlim[1], s.ylim[1]])
    pts = lo + (hi - lo) * rng.random((20, 2))
    h = 1e-6
    eye = np.eye(2) * h
    num_grad = np.stack([(s.loss(pts + e) - s.loss(pts - e)) / (2 * h) for e in eye], -1)
    np.testing.assert_allclose(s.grad(pts), num_grad, rtol=1e-6, atol=1e-5 * (1 + np.abs(num_grad).max()))
    num_hess = np.stack([(s.grad(pts + e) - s.grad(pts - e)) / (2 * h) for e in eye], -1)
    np.testing.assert_allclose(s.hessian(pts), num_hess, rtol=1e-5, atol=1e-4 * (1 + np.abs(num_hess).max()))


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.name)
def test_minimizer_is_a_minimum(s):
    np.testing.assert_allclose(s.grad(s.minimizer), 0, atol=1e-12)
    assert (np.linalg.eigvalsh(s.hessian(s.minimizer)) > 0).all()
    X, Y, Z = s.grid(60)
    assert Z.min() >= s.min_loss - 1e-12


def test_shapes_broadcast_over_batches():
    s = surfaces.rosenbrock()
    pts = np.zeros((3, 4, 2))
    assert s.loss(pts).shape == (3, 4)
    assert s.grad(pts).shape == (3, 4, 2)
    assert s.hessian(pts).shape == (3, 4, 2, 2)


def test_saddle_and_plateau_critical_points():
    sd, pl = surfaces.saddle(), surfaces.plateau()
    np.testing.assert_allclose(np.linalg.eigvalsh(sd.hessian([0.0, 0.0])), [-1.0, 1.0])
    np.testing.assert_allclose(np.linalg.eigvalsh(pl.hessian([0.0, 0.0])), [0.0, 1.0])
    np.testing.assert_allclose(pl.grad([0.0, 0.0]), 0)


def test_noisy_gradient_is_seeded():
    s = surfaces.quadratic()
    a = s.noisy_grad(s.start, 0.5, np.random.default_rng(3))
    b = s.noisy_grad(s.start, 0.5, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, s.grad(s.start))


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.name)
def test_every_critical_point_has_zero_gradient_and_the_kind_its_hessian_says(s):
    points = s.critical_points
    assert any(np.allclose(p.theta, s.minimizer) and p.kind == "minimum" for p in points)
    for p in points:
        np.testing.assert_allclose(s.grad(p.theta), 0, atol=1e-12)
        lam = np.linalg.eigvalsh(s.hessian(p.theta))
        assert surfaces.classify(s.hessian(p.theta)) == p.kind, (p, lam)
        want = {"minimum": lam.min() > 0, "maximum": lam.max() < 0,
                "saddle": lam.min() < 0 < lam.max(), "flat": np.isclose(lam, 0).any()}
        assert want[p.kind], (p, lam)


def test_the_saddle_surface_has_two_minima_and_a_saddle_and_the_plateau_a_flat_point():
    kinds = sorted((p.kind, tuple(p.theta)) for p in surfaces.saddle().critical_points)
    assert kinds == [("minimum", (-1.0, 0.0)), ("minimum", (1.0, 0.0)), ("saddle", (0.0, 0.0))]
    kinds = sorted((p.kind, tuple(p.theta)) for p in surfaces.plateau().critical_points)
    assert kinds == [("flat", (0.0, 0.0)), ("minimum", (2.0, 0.0))]


def test_the_double_well_has_a_deeper_left_basin_a_ridge_and_a_worse_right_basin():
    s = surfaces.double_well()  # k = 0.2, tilt = 0.2
    (good, _), (ridge, _), (bad, _) = (p.theta for p in s.critical_points)
    assert -1.1 < good < -1 < 0 < ridge < 0.1 < 0.9 < bad < 1
    np.testing.assert_allclose(s.start, s.minimizer)
    gap = s.loss([bad, 0.0]) - s.loss([good, 0.0])
    np.testing.assert_allclose(gap, 2 * 0.2 * 0.2, rtol=0.02)  # about 2k·tilt
