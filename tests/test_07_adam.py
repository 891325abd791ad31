"""Topic 07 · Adam: `adam`, `adamw`, confirmed independently (first steps by hand, the unrolled
averages whose weights sum to 1 − βᵗ, a constant gradient in closed form, torch's step counter)
and the lecture's mathematics (the first step η·g/(|g|+ε), the paper's bound on a step, the loss
times c, ε̂, Adam as momentum_ema + rmsprop, L2 against decoupled decay).

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/07_adam.ipynb,
exercises/07_adam/, solutions/assignments/07_adam/, solutions/topics/07_adam.py."""
import json

import numpy as np
import pytest
from conftest import ROOT, quadratic_case, reference_cases, reference_rule

from descent import surfaces
from descent.contract import with_state
from descent.rollout import rollout


def test_first_steps_by_hand():
    case = quadratic_case("adam")  # η = 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-8, g_1 = (1.5, 10)
    g1 = np.array([1.5, 10.0])
    np.testing.assert_allclose(case.state["m"][1], 0.1 * g1, rtol=1e-15)
    np.testing.assert_allclose(case.state["s"][1], 0.001 * g1**2, rtol=1e-12)
    # m̂_1 = g_1 and ŝ_1 = g_1²: the first step is η·g/(|g| + ε), η in every coordinate
    np.testing.assert_allclose(case.theta[1], [1.5, 1.0] - 1e-3 * g1 / (g1 + 1e-8), rtol=1e-14)
    g2 = np.array([1.0, 10.0]) * case.theta[1]
    m2, s2 = 0.09 * g1 + 0.1 * g2, 0.000999 * g1**2 + 0.001 * g2**2
    step2 = 1e-3 * (m2 / 0.19) / (np.sqrt(s2 / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(case.theta[2], case.theta[1] - step2, rtol=1e-13)
    assert case.state["t"].tolist() == list(range(9))


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_reference_values_equal_the_unrolled_averages(name):
    for case in reference_cases(name):
        h = {k: np.asarray(v) for k, v in case.hyper.items()}
        b1, b2, lam = h["beta1"], h["beta2"], h.get("weight_decay", 0.0)
        theta = [case.theta0]
        for t in range(1, case.steps + 1):
            g = case.grads[:t]  # m_t = (1−β₁)·Σ_k β₁^(t−k) g_k; its weights sum to 1 − β₁ᵗ
            m = (1 - b1) * sum(b1 ** (t - k) * g[k - 1] for k in range(1, t + 1))
            s = (1 - b2) * sum(b2 ** (t - k) * g[k - 1] ** 2 for k in range(1, t + 1))
            np.testing.assert_allclose(case.state["m"][t], m, rtol=1e-12, atol=1e-300)
            np.testing.assert_allclose(case.state["s"][t], s, rtol=1e-12, atol=1e-300)
            weights1 = (1 - b1) * sum(b1 ** (t - k) for k in range(1, t + 1))
            weights2 = (1 - b2) * sum(b2 ** (t - k) for k in range(1, t + 1))
            step = (m / weights1) / (np.sqrt(s / weights2) + h["eps"]) + lam * theta[-1]
            theta.append(theta[-1] - h["eta"] * step)
        np.testing.assert_allclose(case.theta, np.array(theta), rtol=1e-11, atol=1e-12,
                                   err_msg=case.name)


def test_a_constant_gradient_moves_eta_from_the_first_step():
    """m̂_t = g and ŝ_t = g² exactly: every step is η·g/(|g|+ε), whatever |g| (ε aside)."""
    rule = reference_rule("adam")
    g = np.array([1e-4, 1.0, 1e4])
    theta, state = np.zeros(3), {"m": 0.0, "s": 0.0, "t": 0}
    for _ in range(20):
        new, state = rule(theta, g, state, eta=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
        np.testing.assert_allclose(theta - new, 0.01 * g / (g + 1e-8), rtol=1e-9)
        theta = new


def test_torch_counts_steps_from_one_as_t():
    for name in ("adam", "adamw"):
        fixture = json.loads((ROOT / "tests" / "data" / "torch" / f"{name}.json").read_text())
        for case in fixture["cases"]:
            for run in case["runs"]:
                assert [int(x) for x in run["state"]["step"][1:]] == list(
                    range(1, len(run["theta"])))


def test_the_step_obeys_cauchy_schwarz_and_the_papers_bound_roughly():
    """|m̂_t|/√ŝ_t ≤ (1−β₁)/(1−β₁ᵗ)·√((1−β₂ᵗ)/(1−β₂))·√(Σ_{j<t} (β₁²/β₂)^j) exactly (Cauchy–
    Schwarz on the two averages); the paper's bound (η·(1−β₁)/√(1−β₂) if 1−β₁ > √(1−β₂), else η)
    is approximate: Gaussian gradients stay within 1 % of it, heavy-tailed ones exceed it."""
    rule = reference_rule("adam")
    b1 = np.array([0.0, 0.5, 0.9, 0.9, 0.99])[:, None]
    b2 = np.array([0.5, 0.9, 0.999, 0.99, 0.999])[:, None]
    paper = np.where(1 - b1 > np.sqrt(1 - b2), (1 - b1) / np.sqrt(1 - b2), 1.0)[:, 0]
    t = np.arange(1, 301)
    strict = ((1 - b1) / (1 - b1**t) * np.sqrt((1 - b2**t) / (1 - b2))
              * np.sqrt(np.cumsum((b1**2 / b2) ** (t - 1), axis=1)))
    found = {}
    for kind in ("normal", "standard_cauchy"):
        grads = getattr(np.random.default_rng(7), kind)(size=(300, 5, 50))
        theta, state, steps = np.zeros((5, 50)), {"m": 0.0, "s": 0.0, "t": 0}, []
        for g in grads:
            new, state = rule(theta, g, state, eta=1.0, beta1=b1, beta2=b2, eps=1e-12)
            steps.append(np.abs(new - theta))
            theta = new
        steps = np.array(steps)  # (t, run, coordinate)
        assert (steps.max(axis=2).T <= strict * (1 + 1e-9)).all()
        found[kind] = steps.max(axis=(0, 2))
    assert (found["normal"] <= paper * 1.01).all()
    assert (found["standard_cauchy"] > paper * 1.05).any()


def test_loss_times_c_changes_nothing_but_eps():
    rule, q = reference_rule("adam"), surfaces.quadratic(1.0, 10.0)
    hyper = dict(eta=0.05, beta1=0.9, beta2=0.999)
    base = rollout(rule, q, steps=60, eps=1e-8, **hyper)
    c = 1e4
    scaled = rollout(rule, q, steps=60, grad=lambda th: c * q.grad(th), eps=1e-8 * c, **hyper)
    np.testing.assert_allclose(scaled.theta, base.theta, rtol=1e-11, atol=1e-13)


def test_keras_eps_hat_is_the_course_eps_divided_by_root_of_the_correction():
    """Keras/the paper's efficient form: α_t = η·√(1−β₂ᵗ)/(1−β₁ᵗ), θ −= α_t·m_t/(√s_t + ε̂),
    which is the course's rule with ε_t = ε̂/√(1 − β₂ᵗ)."""
    rule, rng = reference_rule("adam"), np.random.default_rng(3)
    b1, b2, eta, eps_hat = 0.9, 0.999, 1e-3, 1e-7
    theta_k = theta_c = rng.normal(size=4)
    m = s = np.zeros(4)
    state = {"m": 0.0, "s": 0.0, "t": 0}
    for t in range(1, 30):
        g = rng.normal(size=4) * 1e-5
        m, s = b1 * m + (1 - b1) * g, b2 * s + (1 - b2) * g * g
        alpha = eta * np.sqrt(1 - b2**t) / (1 - b1**t)
        theta_k = theta_k - alpha * m / (np.sqrt(s) + eps_hat)
        theta_c, state = rule(theta_c, g, state, eta=eta, beta1=b1, beta2=b2,
                              eps=eps_hat / np.sqrt(1 - b2**t))
        np.testing.assert_allclose(theta_c, theta_k, rtol=1e-12)


def test_adam_is_momentum_ema_over_rmsprop_up_to_bias_correction():
    from descent.compose import adam_from
    m_rule, s_rule = reference_rule("momentum_ema"), reference_rule("rmsprop")
    built, adam = adam_from(m_rule, s_rule), reference_rule("adam")
    q = surfaces.quadratic(1.0, 10.0)
    hyper = dict(eta=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    a = rollout(built, q, steps=50, **hyper)
    b = rollout(adam, q, steps=50, **hyper)
    np.testing.assert_allclose(a.theta, b.theta, rtol=1e-12, atol=1e-15)
    raw = rollout(adam_from(m_rule, s_rule, corrected=False), q, steps=50, **hyper)
    assert np.abs(raw.theta[1] - b.theta[1]).max() > 1e-3


def test_decoupled_decay_differs_from_l2_for_adam_and_coincides_for_gd():
    q, lam = surfaces.quadratic(1.0, 10.0), 0.1
    adamw, adam = reference_rule("adamw"), reference_rule("adam")
    hyper = dict(eta=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    decoupled = rollout(adamw, q, steps=100, weight_decay=lam, **hyper)
    l2 = rollout(adam, q, steps=100, grad=lambda th: q.grad(th) + lam * th, **hyper)
    assert np.abs(decoupled.theta - l2.theta).max() > 1e-3
    # SGD: θ − η(g + λθ) either way; adamw with β₁ = 0 would not be SGD, so write GD out
    gd = reference_rule("gd")
    gd_l2 = rollout(gd, q, steps=100, grad=lambda th: q.grad(th) + lam * th, eta=0.05)
    theta = np.array(q.start, float)
    for _ in range(100):
        theta = theta - 0.05 * q.grad(theta) - 0.05 * lam * theta
    np.testing.assert_allclose(gd_l2.theta[-1], theta, rtol=1e-13)


def test_yours_or_reference_takes_the_students_rule_once_it_runs(monkeypatch):
    from descent import compose, rules
    rule, who = compose.yours_or_reference("momentum_ema")  # the lib's stub raises: the reference
    assert who == "the reference" and rule is reference_rule("momentum_ema")
    monkeypatch.setattr(rules, "momentum_ema", reference_rule("momentum"))  # raises: wrong names
    assert compose.yours_or_reference("momentum_ema")[1] == "the reference"

    @with_state(m=0.0)
    def written(theta, g, state, *, eta, beta):
        return reference_rule("momentum_ema")(theta, g, state, eta=eta, beta=beta)

    monkeypatch.setattr(rules, "momentum_ema", written)
    assert compose.yours_or_reference("momentum_ema") == (written, "your")


def test_the_exercises_diagnosis_log_and_its_rubric():
    """Exercise 07's log (adam, η = 0.1, noisy bowl ½(θ₁² + 4θ₂²), noise σ = 1, seed 0: averages over
    the 100 steps up to t) and the rubric's floors: the loss averaged over the last 1000 of 3000 steps
    and five seeds is 0.05 at η = 0.1, 0.006 at η = 0.01, 0.0016 with η_t = 0.1/√t, 0.04 at β₁ = 0.99."""
    rule, bowl = reference_rule("adam"), surfaces.quadratic(1.0, 4.0)

    def run(seed, eta=0.1, beta1=0.9):
        rng = np.random.default_rng(seed)
        return rollout(rule, bowl, steps=3000, eta=eta, beta1=beta1, beta2=0.999, eps=1e-8,
                       grad=lambda th: bowl.grad(th) + rng.standard_normal(np.shape(th)))

    log = run(0)
    grad_norm = np.linalg.norm(np.array([bowl.grad(th) for th in log.theta]), axis=-1)
    step = np.linalg.norm(np.diff(log.theta, axis=0), axis=-1)  # step[t − 1] = ‖θ_t − θ_{t−1}‖
    table = {100: (0.189, 0.71, 0.043), 300: (0.036, 0.33, 0.028), 1000: (0.093, 0.49, 0.029),
             2000: (0.076, 0.49, 0.033), 3000: (0.122, 0.75, 0.043)}
    for t, (loss, norm, length) in table.items():
        window = slice(t - 99, t + 1)
        assert abs(log.loss[window].mean() - loss) < 5e-4, t
        assert abs(grad_norm[window].mean() - norm) < 5e-3, t
        assert abs(step[t - 100:t].mean() - length) < 5e-4, t
    floor = lambda **kw: np.mean([run(seed, **kw).loss[-1000:].mean() for seed in range(5)])  # noqa: E731
    assert abs(floor() - 0.05) < 0.002 and abs(floor(eta=0.01) - 0.006) < 0.0006
    assert abs(floor(eta=lambda t: 0.1 / np.sqrt(t)) - 0.0016) < 1e-4
    assert abs(floor(beta1=0.99) - 0.043) < 0.002
