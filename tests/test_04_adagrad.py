"""Topic 04 · Adagrad: `adagrad`, its reference values confirmed independently (first steps by hand,
G_t as a cumulative sum, a constant gradient's closed form), the NTU lecture's mean form as the
same rule with η·√t, and the mathematics lecture 04 shows (scale invariance, the effective rate
against 1/λ, the late bursts only the mean form can make).

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/04_adagrad.ipynb,
exercises/04_adagrad/, solutions/assignments/04_adagrad/, solutions/topics/04_adagrad.py."""
import numpy as np
import pytest
from conftest import quadratic_case, reference_cases, reference_rule

from descent import problems, surfaces
from descent.rollout import rollout


def test_first_steps_by_hand():
    case = quadratic_case("adagrad")  # η = 0.1, ε = 1e-3, L = ½(θ₁² + 10θ₂²), θ_0 = (1.5, 1)
    assert case.hyper == {"eta": 0.1, "eps": 1e-3}
    # g_1 = (1.5, 10), G_1 = (2.25, 100), steps 0.1·1.5/1.501 and 0.1·10/10.001
    np.testing.assert_allclose(case.state["G"][1], [2.25, 100.0], rtol=0, atol=1e-15)
    theta1 = [1.5 - 0.15 / 1.501, 1.0 - 1.0 / 10.001]
    np.testing.assert_allclose(case.theta[1], theta1, rtol=0, atol=1e-15)
    # step 2: g_2 = (θ₁, 10·θ₂) at θ_1, G_2 = G_1 + g_2²
    g2 = np.array([theta1[0], 10 * theta1[1]])
    G2 = np.array([2.25, 100.0]) + g2**2
    np.testing.assert_allclose(case.state["G"][2], G2, rtol=1e-15)
    np.testing.assert_allclose(case.theta[2], theta1 - 0.1 * g2 / (np.sqrt(G2) + 1e-3), rtol=1e-15)


@pytest.mark.parametrize("case", reference_cases("adagrad"), ids=lambda c: c.name)
def test_values_equal_the_cumulative_sums(case):
    """G_t = Σ_{k≤t} g_k² and θ_t = θ_0 − η Σ_{k≤t} g_k/(√G_k + ε), without the recurrence."""
    eta, eps = np.asarray(case.hyper["eta"]), np.asarray(case.hyper["eps"])
    zero = np.zeros((1,) + case.theta0.shape)
    G = np.concatenate([zero, np.cumsum(case.grads**2, axis=0)])
    np.testing.assert_allclose(case.state["G"], G, rtol=1e-13, atol=0)
    steps = eta * case.grads / (np.sqrt(G[1:]) + eps)
    want = case.theta0 - np.concatenate([zero, np.cumsum(steps, axis=0)])
    np.testing.assert_allclose(case.theta, want, rtol=1e-12, atol=1e-13 * np.abs(case.theta0).max())


def test_a_constant_gradient_takes_steps_that_shrink_like_one_over_root_t():
    adagrad = reference_rule("adagrad")
    g, eta, T = np.array([3.0, -0.002, 5e4]), 0.05, 400
    theta, state, steps = np.zeros(3), {"G": np.zeros(3)}, []
    for _ in range(T):
        new, state = adagrad(theta, g, state, eta=eta, eps=0.0)
        steps.append(new - theta)
        theta = new
    t = np.arange(1, T + 1)[:, None]
    np.testing.assert_allclose(steps, -eta * np.sign(g) / np.sqrt(t) * np.ones(3), rtol=1e-13)
    # the distance after T steps: η Σ 1/√t, below 2η√T
    distance = np.abs(theta)
    assert np.allclose(distance, eta * np.sum(1 / np.sqrt(t)), rtol=1e-12)
    assert (distance < 2 * eta * np.sqrt(T)).all() and (distance > 2 * eta * (np.sqrt(T + 1) - 1)).all()


def _rms_form(theta0, grad, eta, steps):
    """The NTU lecture's Adagrad, written out as it states it: σ_t = √(mean of g_0², ..., g_t²)
    (so σ⁰ = |g⁰|), θ_{t+1} = θ_t − η/σ_t · g_t with a constant η."""
    theta, past, out = np.array(theta0, float), [], [np.array(theta0, float)]
    for _ in range(steps):
        g = grad(theta)
        past.append(g * g)
        sigma = np.sqrt(np.mean(past, axis=0))
        theta = theta - eta / sigma * g
        out.append(theta)
    return np.array(out)


def test_the_mean_form_is_adagrad_with_eta_times_root_t():
    q = surfaces.quadratic(1.0, 10.0)
    rms = _rms_form(q.start, q.grad, 0.2, 50)
    run = rollout(reference_rule("adagrad"), q, steps=50, eta=lambda t: 0.2 * np.sqrt(t), eps=0.0)
    np.testing.assert_allclose(run.theta, rms, rtol=1e-12, atol=1e-15)
    plain = rollout(reference_rule("adagrad"), q, steps=50, eta=0.2, eps=0.0)
    assert np.abs(plain.theta - rms).max() > 0.05  # without the √t they differ


def test_scaling_the_loss_changes_nothing_and_scaling_theta_scales_eta():
    adagrad = reference_rule("adagrad")
    q = surfaces.quadratic(1.0, 10.0)
    base = rollout(adagrad, q, steps=40, eta=0.3, eps=0.0)
    loss_times_c = rollout(adagrad, q, steps=40, grad=lambda th: 1e4 * q.grad(th), eta=0.3, eps=0.0)
    np.testing.assert_allclose(loss_times_c.theta, base.theta, rtol=1e-12, atol=1e-15)
    # θ' = cθ: L'(θ') = L(θ'/c) has gradient g/c; the same path in θ needs η' = c·η
    c = 7.0
    scaled = rollout(adagrad, q, q.start * c, steps=40, grad=lambda th: q.grad(th / c) / c,
                     eta=0.3 * c, eps=0.0)
    np.testing.assert_allclose(scaled.theta / c, base.theta, rtol=1e-12, atol=1e-15)


def test_the_late_rate_is_the_ideal_one_over_lambda_times_a_factor_set_by_eta():
    """On ½Σλ_iθ_i² from θ_0 = 1 the rate η/√G_t settles to c(η)/λ_i with the same c(η) for every
    λ_i (the shape of the ideal 1/λ_i); c ≈ 4η²/(θ_0(θ_0 + 4η)) when η ≪ θ_0 (lecture 04)."""
    lam = np.array([0.01, 1.0, 100.0])
    etas = np.array([0.003, 0.01, 0.03])  # settled after a few times θ_0²/(4η²) steps
    theta, state = np.ones((3, 3)), {"G": np.zeros((3, 3))}
    for _ in range(100_000):
        theta, state = reference_rule("adagrad")(theta, lam * theta, state, eta=etas[:, None], eps=0.0)
    c = etas[:, None] / np.sqrt(state["G"]) * lam
    np.testing.assert_allclose(c, c[:, :1] * np.ones(3), rtol=1e-12)  # the same for every λ
    np.testing.assert_allclose(c[:, 0], 4 * etas**2 / (1 + 4 * etas), rtol=0.05)


def test_only_the_mean_form_bursts_late_on_the_valley():
    """With a gradient never exactly 0 (noise 1e-3), the mean form's rate η√t/√G_t grows until it
    passes 2/λ on the valley's floor and θ₂ bursts out; the sum form's η/√G_t can only fall."""
    v, eta = surfaces.valley(), 0.1
    adagrad = reference_rule("adagrad")
    mean = rollout(adagrad, v, steps=12_000, every=10, noise=1e-3, eta=lambda t: eta * np.sqrt(t), eps=1e-10)
    summ = rollout(adagrad, v, steps=12_000, every=10, noise=1e-3, eta=eta, eps=1e-10)
    late = mean.steps > 3000
    assert mean.loss[late].min() < 1e-3 and mean.loss[late].max() > 1.0
    assert summ.loss[late].max() < 0.1
