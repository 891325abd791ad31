"""Topic 12 · Synthesis: `amsgrad`, confirmed independently (first steps by hand, the running
maximum recomputed from the unrolled averages on every case, a constant gradient in closed form,
a shrinking gradient where the maximum keeps the first scale, torch's step counter, optax's max of
ŝ against torch's max of s). The rule assembled from its parts (descent.parts) is checked
against it in tests/test_parts.py.

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/12_synthesis.ipynb,
exercises/12_synthesis/, solutions/assignments/12_synthesis/, solutions/topics/12_synthesis.py."""
import json

import numpy as np
from conftest import ROOT, quadratic_case, reference_cases, reference_rule

from descent import parts


def test_first_steps_by_hand():
    case = quadratic_case("amsgrad")  # η = 0.01, β₁ = 0.9, β₂ = 0.9, ε = 1e-8, g_1 = (1.5, 10)
    g1 = np.array([1.5, 10.0])
    np.testing.assert_allclose(case.state["s_max"][1], 0.1 * g1**2, rtol=1e-15)
    # t = 1: m̂ = g, s_max/(1 − β₂) = g²: the first step is η·g/(|g| + ε), as Adam's
    np.testing.assert_allclose(case.theta[1], [1.5, 1.0] - 0.01 * g1 / (g1 + 1e-8), rtol=1e-14)
    g2 = np.array([1.0, 10.0]) * case.theta[1]
    m2, s2 = 0.09 * g1 + 0.1 * g2, 0.09 * g1**2 + 0.1 * g2**2
    smax2 = np.maximum(0.1 * g1**2, s2)
    step2 = 0.01 * (m2 / 0.19) / (np.sqrt(smax2 / 0.19) + 1e-8)
    np.testing.assert_allclose(case.theta[2], case.theta[1] - step2, rtol=1e-13)
    assert case.state["t"].tolist() == list(range(9))


def test_every_case_equals_the_running_maximum_of_the_unrolled_average():
    for case in reference_cases("amsgrad"):
        h = {k: np.asarray(v) for k, v in case.hyper.items()}
        b1, b2 = h["beta1"], h["beta2"]
        theta, s_max = [case.theta0], 0.0
        for t in range(1, case.steps + 1):
            g = case.grads[:t]
            m = (1 - b1) * sum(b1 ** (t - k) * g[k - 1] for k in range(1, t + 1))
            s = (1 - b2) * sum(b2 ** (t - k) * g[k - 1] ** 2 for k in range(1, t + 1))
            s_max = np.maximum(s_max, s)
            np.testing.assert_allclose(case.state["s_max"][t], s_max, rtol=1e-12, atol=1e-300)
            step = h["eta"] * (m / (1 - b1**t)) / (np.sqrt(s_max / (1 - b2**t)) + h["eps"])
            theta.append(theta[-1] - step)
        np.testing.assert_allclose(case.theta, np.array(theta), rtol=1e-11, atol=1e-12,
                                   err_msg=case.name)


def test_a_constant_gradient_gives_adams_steps_and_a_shrinking_one_keeps_the_first_scale():
    rule, adam = reference_rule("amsgrad"), reference_rule("adam")
    hyper = dict(eta=0.01, beta1=0.0, beta2=0.9, eps=0.0)
    g = np.array([1e-3, 1.0, 1e3])
    theta, state = np.zeros(3), {"m": 0.0, "s": 0.0, "s_max": 0.0, "t": 0}
    for _ in range(30):  # s_t = (1 − β₂ᵗ)g² grows: the maximum is s_t, every step η·sign(g)
        new, state = rule(theta, g, state, **hyper)
        np.testing.assert_allclose(new - theta, -0.01 * np.sign(g), rtol=1e-13)
        theta = new
    # g_t = c^t: with β₁ = 0 and ε = 0 the step is η·g_t/√(s_max/(1 − β₂ᵗ)); once s_t falls
    # below its maximum, s_max stays, while Adam's ŝ_t follows the smaller gradients
    c, T = 0.5, 40
    grads = c ** np.arange(1, T + 1)[:, None] * np.ones((T, 1))
    s_hist = [0.0]
    for gt in grads[:, 0]:
        s_hist.append(0.9 * s_hist[-1] + 0.1 * gt * gt)
    s_max = np.maximum.accumulate(np.array(s_hist[1:]))
    theta_a = parts.run_parts(rule, np.zeros(1), grads, **hyper)
    theta_b = parts.run_parts(adam, np.zeros(1), grads, **hyper)
    t = np.arange(1, T + 1)
    want = -grads[:, 0] / np.sqrt(s_max / (1 - 0.9**t)) * 0.01
    np.testing.assert_allclose(np.diff(theta_a[:, 0]), want, rtol=1e-12, atol=1e-17)
    assert s_max[-1] == s_max[1] == s_hist[2] > s_hist[3]     # the maximum froze at step 2
    # Adam's ŝ_t falls with the gradients, AMSGrad's maximum does not: every AMSGrad step is at
    # most Adam's, and after the freeze the gap grows like √(s_2/s_t)
    step_a, step_b = np.abs(np.diff(theta_a[:, 0])), np.abs(np.diff(theta_b[:, 0]))
    assert np.all(step_a <= step_b * (1 + 1e-12)) and step_a[-1] < step_b[-1] / 5


def test_torchs_step_is_t_and_optax_max_of_s_hat_is_another_rule():
    fixture = json.loads((ROOT / "tests" / "data" / "torch" / "amsgrad.json").read_text())
    for torch_case, case in zip(fixture["cases"], reference_cases("amsgrad")):
        for run in torch_case["runs"]:
            assert [int(s) for s in run["state"]["step"][1:]] == case.state["t"][1:].tolist()
    # optax: max of ŝ. With β₂ = 0.999 and gradients of equal size, ŝ_t falls (the correction
    # shrinks faster than s grows) while s_t grows: the two rules part from step 2 on
    rule = reference_rule("amsgrad")
    g = np.array([1.0, 1.0, 1.0])
    state = {"m": 0.0, "s": 0.0, "s_max": 0.0, "t": 0}
    s_hat_max, theta_torch, theta_optax = 0.0, np.zeros(3), np.zeros(3)
    grads = [g, 0.5 * g, 0.5 * g]
    for t, gt in enumerate(grads, start=1):
        theta_torch, state = rule(theta_torch, gt, state, eta=1.0, beta1=0.0, beta2=0.999, eps=0.0)
        s_hat_max = max(s_hat_max, float(state["s"][0]) / (1 - 0.999**t))
        theta_optax = theta_optax - gt / np.sqrt(s_hat_max)
    assert np.all(np.abs(theta_torch - theta_optax) > 0.01)
