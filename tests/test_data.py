"""The course's real data set (descent.data: the UCI 8×8 digits, from scikit-learn's wheel) and the
real model on it (problems.digits: softmax regression, batched, with mini-batches per run)."""
import hashlib

import numpy as np
import pytest

from descent import data, problems, race
from descent.rollout import rollout
from conftest import reference_rule


def test_the_digits_are_the_uci_test_set_byte_for_byte():
    assert hashlib.sha256(data.DIGITS.read_bytes()).hexdigest() == data.DIGITS_SHA256
    images, labels = data.digits()
    assert images.shape == (1797, 64) and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 16
    # the UCI description's class distribution of optdigits.tes
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert not images.flags.writeable
    provenance = data.DIGITS.with_name("README.md").read_text("utf-8")
    assert data.DIGITS_SHA256 in provenance and "BSD 3-Clause" in provenance
    assert data.DIGITS.with_name("COPYING.scikit-learn").read_text("utf-8").startswith("BSD 3-Clause")


def test_the_data_is_packaged_with_the_lib():
    text = (data.DIGITS.parents[2] / "pyproject.toml").read_text("utf-8")
    assert '"data/digits.csv.gz"' in text


PROBLEM = problems.digits()


def test_the_split_is_fixed_and_the_features_standardised():
    assert PROBLEM.X.shape == (1438, 65) and PROBLEM.X_test.shape == (359, 65)
    assert PROBLEM.start.shape == (650,) and PROBLEM.loss(PROBLEM.start) == pytest.approx(np.log(10))
    np.testing.assert_allclose(PROBLEM.X[:, -1], 1.0)
    moved = PROBLEM.X[:, :-1].std(axis=0) > 0
    np.testing.assert_allclose(PROBLEM.X[:, :-1].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(PROBLEM.X[:, :-1][:, moved].std(axis=0), 1, rtol=1e-12)
    np.testing.assert_array_equal(problems.digits().y, PROBLEM.y)
    assert not np.array_equal(problems.digits(seed=1).y, PROBLEM.y)


def test_the_gradient_is_the_loss_derivative():
    theta = np.random.default_rng(0).standard_normal((2, 650)) * 0.3
    g = PROBLEM.grad(theta)
    for j in (0, 9, 64 * 10 + 3, 333):
        e = np.zeros(650)
        e[j] = 1e-6
        numeric = (PROBLEM.loss(theta + e) - PROBLEM.loss(theta - e)) / 2e-6
        np.testing.assert_allclose(g[:, j], numeric, rtol=1e-6, atol=1e-9)


def test_a_batch_is_many_runs_at_once():
    theta = np.random.default_rng(1).standard_normal((3, 70, 650)) * 0.1   # longer than a chunk
    loss, grad = PROBLEM.loss(theta), PROBLEM.grad(theta)
    assert loss.shape == (3, 70) and grad.shape == theta.shape
    for index in [(0, 0), (2, 69), (1, 33)]:
        assert loss[index] == pytest.approx(float(PROBLEM.loss(theta[index])), rel=1e-13)
        np.testing.assert_allclose(grad[index], PROBLEM.grad(theta[index]), rtol=1e-12, atol=1e-15)


def test_a_minibatch_gradient_is_unbiased_and_drawn_per_run():
    theta = np.random.default_rng(2).standard_normal(650) * 0.1
    rng = np.random.default_rng(3)
    draws = PROBLEM.minibatch_grad(np.broadcast_to(theta, (4000, 650)), rng, 16)
    assert not np.allclose(draws[0], draws[1])                            # each run its own draw
    full = PROBLEM.grad(theta)
    spread = draws.std(axis=0) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - full) <= 5 * spread + 1e-12)
    # a mini-batch of one example is that example's gradient
    one = PROBLEM.minibatch_grad(theta, np.random.default_rng(4), 1)
    row = np.random.default_rng(4).integers(len(PROBLEM.y), size=(1,))[0]
    single = problems.SoftmaxRegression(PROBLEM.X[row:row + 1], PROBLEM.y[row:row + 1], PROBLEM.X_test,
                                        PROBLEM.y_test, 10, PROBLEM.start)
    np.testing.assert_allclose(one, single.grad(theta), rtol=1e-12, atol=1e-15)


def test_gd_learns_the_digits_and_the_race_runs_on_them():
    traj = rollout(reference_rule("gd"), PROBLEM, steps=100, every=50, eta=0.5)
    assert traj.loss[-1] < 0.3 and PROBLEM.accuracy(traj.final) > 0.9
    assert PROBLEM.accuracy(PROBLEM.start) == pytest.approx(np.mean(PROBLEM.y_test == 0))
    track = race.Track("digits", PROBLEM, 40, seeds=3, batch_size=32, every=20)
    assert track.floor == 0.0
    tuned = race.tune(race.Entry("GD", reference_rule("gd"), values=[0.01, 0.3]), track)
    assert tuned.value == 0.3 and tuned.runs.loss.shape == (3, 3)
    assert len(set(np.round(tuned.runs.loss[-1], 12))) == 3                 # three seeds, three draws
    np.testing.assert_array_equal(tuned.best.loss, tuned.runs.loss[:, 0])
