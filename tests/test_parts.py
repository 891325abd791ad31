"""descent.parts: every rule of the course assembled from (m_t, σ_t, η_t) equals the rule itself."""
import numpy as np
import pytest
from conftest import reference_cases, reference_rule

from descent import parts
from descent.contract import init_state


def _run(rule, theta0, grads, hyper):
    theta, state, out = np.asarray(theta0, float), init_state(rule, theta0), [np.asarray(theta0, float)]
    for g in grads:
        theta, state = rule(theta, g, state, **hyper)
        out.append(theta)
    return np.array(out), state


@pytest.mark.parametrize("name", list(parts.TABLE))
def test_the_assembled_rule_is_the_rule(name):
    """On every reference case (numbers from 1e-6 to 1e6, a batch with η, β per run) and on fresh
    random gradients, the rule assembled from its parts gives the same θ (and state) to ~1e-15 of
    the values' size (the order of the floating-point operations differs)."""
    built, rule = parts.assemble(name), reference_rule(name)
    cases = reference_cases(name)
    for case in cases:
        hyper = {k: np.asarray(v) for k, v in case.hyper.items()}
        got, _ = _run(built, case.theta0, case.grads, hyper)
        np.testing.assert_allclose(got, case.theta, rtol=1e-13, atol=1e-15 * np.abs(case.theta).max(),
                                   err_msg=case.name)
    rng = np.random.default_rng(len(name))
    theta0 = rng.normal(size=(4, 5))
    grads = rng.normal(size=(12, 4, 5)) * np.linspace(1, 0.1, 12)[:, None, None]  # shrinking
    hyper = {k: np.asarray(v) for k, v in cases[0].hyper.items()}
    want, want_state = _run(rule, theta0, grads, hyper)
    got, state = _run(built, theta0, grads, hyper)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15 * np.abs(want).max())
    if name not in ("momentum", "nesterov"):   # they keep m = −v/η, not the velocity v
        for key in want_state:
            np.testing.assert_allclose(state[key], want_state[key], rtol=1e-13, atol=1e-300)


def test_a_wrong_part_gives_a_different_rule():
    adam = parts.compose(parts.ema("beta1", corrected=True), parts.ema_sq("beta2", "eps"))  # ŝ missing
    hyper = {"eta": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    grads = np.random.default_rng(0).normal(size=(5, 3))
    a, _ = _run(adam, np.zeros(3), grads, hyper)
    b, _ = _run(reference_rule("adam"), np.zeros(3), grads, hyper)
    assert not np.allclose(a, b)
    with pytest.raises(ValueError, match="both parts keep"):
        parts.compose(parts.ema_sq(), parts.ema_sq())
    with pytest.raises(TypeError, match="eps"):
        adam(np.zeros(3), np.ones(3), init_state(adam, np.zeros(3)), eta=0.1, beta1=0.9, beta2=0.9)


def test_parts_read_off_rules_assemble_adam():
    """Adam from momentum_ema's and rmsprop's own states (the student's rules, in a lecture)."""
    first = parts.from_rule(reference_rule("momentum_ema"), "m", {"eta": 1.0, "beta": "beta1"},
                            value=lambda new, t, h: new["m"] / (1 - h["beta1"] ** t))
    scale = parts.from_rule(reference_rule("rmsprop"), "s", {"eta": 1.0, "beta2": "beta2", "eps": "eps"},
                            value=lambda new, t, h: np.sqrt(new["s"] / (1 - h["beta2"] ** t)) + h["eps"])
    hyper = {"eta": 0.05, "beta1": 0.8, "beta2": 0.9, "eps": 1e-3}
    grads = np.random.default_rng(1).normal(size=(9, 4))
    a, _ = _run(parts.compose(first, scale), np.ones(4), grads, hyper)
    b, _ = _run(reference_rule("adam"), np.ones(4), grads, hyper)
    np.testing.assert_allclose(a, b, rtol=1e-15)


def test_the_table_prints_every_rule_in_short_lines():
    text = parts.table()
    assert all(name in text for name in parts.TABLE) and all(len(l) <= 90 for l in text.splitlines())


def test_a_scheduled_rule_is_the_rule_under_rollouts_schedule():
    from descent.rollout import rollout
    from descent import surfaces
    adamw, cosine = reference_rule("adamw"), reference_rule("warmup_cosine")
    hyper = dict(beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01)
    wrapped = parts.scheduled(adamw, cosine, warmup=5, total=30)
    etas = np.array([0.01, 0.1])
    a = rollout(wrapped, surfaces.valley(), steps=40, eta=etas, **hyper)
    for i, eta in enumerate(etas):
        b = rollout(adamw, surfaces.valley(), steps=40, eta=lambda t, e=eta: cosine(t, eta=e, warmup=5, total=30), **hyper)
        np.testing.assert_allclose(a.theta[:, i], b.theta, rtol=1e-15)
    np.testing.assert_array_equal(a.theta[-1], a.theta[29])   # η_t = 0 from step 30 on


def test_optax_max_of_s_hat_is_the_spec_known_mistake_and_yours_only_if_right(monkeypatch):
    import importlib.util
    from conftest import ROOT
    spec = importlib.util.spec_from_file_location("spec12", ROOT / "solutions" / "topics" / "12_synthesis.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    optax = parts.compose(parts.ema("beta1", corrected=True), parts.max_sq("beta2", "eps", of_corrected=True))
    hyper = {"eta": 0.1, "beta1": 0.9, "beta2": 0.9, "eps": 1e-8}
    grads = np.random.default_rng(5).normal(size=(10, 3)) * np.linspace(2, 0.1, 10)[:, None]
    a, _ = _run(optax, np.ones(3), grads, hyper)
    b, _ = _run(module._max_of_s_hat, np.ones(3), grads, hyper)
    np.testing.assert_allclose(a, b, rtol=1e-15)
    from descent import rules
    monkeypatch.setattr(rules, "amsgrad", module._max_of_s_hat, raising=False)
    rule, who = parts.yours_if_right("amsgrad")
    assert who == "the reference (yours differs)" and rule is not module._max_of_s_hat
    monkeypatch.setattr(rules, "amsgrad", reference_rule("amsgrad"), raising=False)
    assert parts.yours_if_right("amsgrad")[1] == "your"


def test_amsgrad_from_your_first_moment_and_the_max_part():
    amsgrad = parts.compose(parts.corrected_ema_of(reference_rule("momentum_ema")), parts.max_sq())
    hyper = {"eta": 0.05, "beta1": 0.8, "beta2": 0.9, "eps": 1e-3}
    grads = np.random.default_rng(7).normal(size=(9, 4)) * np.linspace(3, 0.1, 9)[:, None]
    a, state = _run(amsgrad, np.ones(4), grads, hyper)
    b, want = _run(reference_rule("amsgrad"), np.ones(4), grads, hyper)
    np.testing.assert_allclose(a, b, rtol=1e-15)
    assert set(state) == set(want) and np.allclose(state["s_max"], want["s_max"])


def test_the_papers_amsgrad_has_no_correction():
    """Reddi et al.'s Algorithm 2 (constant α and β₁, ε added): θ −= α·m_t/(√max s + ε)."""
    paper = parts.compose(parts.ema("beta1"), parts.max_sq(corrected=False))
    hyper = {"eta": 0.1, "beta1": 0.9, "beta2": 0.9, "eps": 1e-8}
    grads = np.array([[1.0], [0.1], [0.1]])
    theta, m, s, s_max = [0.0], 0.0, 0.0, 0.0
    for g in grads[:, 0]:
        m, s = 0.9 * m + 0.1 * g, 0.9 * s + 0.1 * g * g
        s_max = max(s_max, s)
        theta.append(theta[-1] - 0.1 * m / (np.sqrt(s_max) + 1e-8))
    np.testing.assert_allclose(_run(paper, np.zeros(1), grads, hyper)[0][:, 0], theta, rtol=1e-15)
