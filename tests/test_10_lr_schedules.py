"""Topic 10 · Learning-rate schedules and warm-up: `step_decay`, `inv_sqrt`, `warmup_linear`,
`transformer`, `warmup_cosine`, confirmed independently (first values by hand, each case by a
formula written another way: the staircase by repeated multiplication, 1/√t by t·η_t² = η², the
warm-up by equal increments, the Transformer by its two branches meeting at the peak, the cosine
as cos² and by its symmetry), the Transformer's peak 6.988e-4 for d_model = 512, warmup = 4000,
a schedule composed with gradient descent in closed form, and a division by zero at t = 1 named.

The generic checks (reference values, stubs, known mistakes, torch) run for every schedule from
its spec in tests/test_rules.py. This topic's other places: lectures/10_lr_schedules.ipynb,
exercises/10_lr_schedules/, solutions/assignments/10_lr_schedules/, solutions/topics/10_lr_schedules.py."""
import numpy as np
import pytest
from conftest import reference_cases, reference_rule

from descent import checks, surfaces
from descent.rollout import rollout


def _runs(case):
    """(hyperparameters, η_1..η_T) of each run of a case: a batch case's columns."""
    if case.eta.ndim == 1:
        return [(case.hyper, case.eta)]
    return [({k: (v[i] if np.ndim(v) else v) for k, v in case.hyper.items()}, case.eta[:, i])
            for i in range(case.eta.shape[1])]


def _all(name):
    return [(h, eta, case.t) for case in reference_cases(name) for h, eta in _runs(case)]


def test_first_values_by_hand():
    c = 1 / np.sqrt(3)  # every first case has η = 1/√3
    step = reference_cases("step_decay")[0].eta  # γ = 0.7 every 3 steps: η η η, 0.7η ×3, 0.49η ×3, ...
    np.testing.assert_allclose(step[:10], c * np.array([1, 1, 1, .7, .7, .7, .49, .49, .49, .343]),
                               rtol=1e-14)
    inv = reference_cases("inv_sqrt")[0].eta
    np.testing.assert_allclose(inv[[0, 3, 8]], [c, c / 2, c / 3], rtol=1e-15)
    warm = reference_cases("warmup_linear")[0].eta  # warmup = 7: η/7, 2η/7, ..., η at t = 7, then η
    np.testing.assert_allclose(warm, c * np.minimum(np.arange(1, 13), 7) / 7, rtol=1e-15)
    noam = reference_cases("transformer")[0].eta  # d_model = 7, warmup = 3: t/(√7·3√3) up to t = 3
    np.testing.assert_allclose(noam[:3], np.arange(1, 4) / (np.sqrt(7) * 3 * np.sqrt(3)), rtol=1e-14)
    np.testing.assert_allclose(noam[3], 1 / (np.sqrt(7) * 2), rtol=1e-15)  # t = 4: 1/√(7·4)
    cos = reference_cases("warmup_cosine")[0].eta  # warmup 3, total 10
    np.testing.assert_allclose(cos[:3], c * np.array([1, 2, 3]) / 3, rtol=1e-15)
    np.testing.assert_allclose(cos[[9, 10, 11]], 0, atol=1e-17)  # 0 at total = 10, and after


@pytest.mark.parametrize("hyper,eta,t", _all("step_decay"))
def test_step_decay_is_a_staircase(hyper, eta, t):
    rate, want = hyper["eta"], []
    for k in t:  # one multiplication by γ after every `every` steps
        want.append(rate)
        if k % hyper["every"] == 0:
            rate = rate * hyper["gamma"]
    np.testing.assert_allclose(eta, want, rtol=1e-13)


@pytest.mark.parametrize("hyper,eta,t", _all("inv_sqrt"))
def test_inv_sqrt_keeps_t_eta_squared_constant(hyper, eta, t):
    np.testing.assert_allclose(t * eta**2, hyper["eta"] ** 2, rtol=1e-14)


@pytest.mark.parametrize("hyper,eta,t", _all("warmup_linear"))
def test_warmup_climbs_in_equal_steps_then_stays(hyper, eta, t):
    w, top = int(hyper["warmup"]), hyper["eta"]
    np.testing.assert_allclose(np.diff(np.r_[0.0, eta[:w]]), top / w, rtol=1e-12)
    np.testing.assert_allclose(eta[w - 1:], top, rtol=1e-15)


@pytest.mark.parametrize("hyper,eta,t", _all("transformer"))
def test_transformer_rises_to_its_peak_at_warmup_then_falls_as_one_over_root_t(hyper, eta, t):
    d, w = hyper["d_model"], hyper["warmup"]
    peak = 1 / np.sqrt(d * w)  # both branches at t = warmup: w^(−½) = w·w^(−3/2)
    want = np.where(t <= w, peak * t / w, peak * np.sqrt(w / t))
    np.testing.assert_allclose(eta, want, rtol=1e-13)


def test_the_transformer_peak_of_the_paper():
    t = np.arange(1, 100_001)
    eta = reference_rule("transformer")(t, d_model=512, warmup=4000)
    assert int(t[np.argmax(eta)]) == 4000
    assert f"{eta.max():.3e}" == "6.988e-04"
    np.testing.assert_allclose(eta.max(), (512 * 4000) ** -0.5, rtol=1e-15)


@pytest.mark.parametrize("hyper,eta,t", _all("warmup_cosine"))
def test_cosine_is_cos_squared_and_symmetric_about_its_middle(hyper, eta, t):
    top, w, total = hyper["eta"], int(hyper["warmup"]), int(hyper["total"])
    p = np.clip((t - w) / (total - w), 0, 1)
    after = top * np.cos(np.pi * p / 2) ** 2  # ½(1 + cos πp) = cos²(πp/2)
    np.testing.assert_allclose(eta[w:], after[w:], rtol=1e-12, atol=1e-15)
    for k in range(0, total - w + 1):  # η_{w+k} + η_{total−k} = η
        if total - k <= len(t) and w + k <= len(t):
            np.testing.assert_allclose(eta[w + k - 1] + eta[total - k - 1], top, rtol=1e-13)


def test_a_schedule_composes_with_gradient_descent_in_closed_form():
    """On L = ½λθ², GD multiplies θ by (1 − η_t·λ) at step t: θ_T = θ_0·Π(1 − η_t·λ)."""
    lam, surface = 1.0, surfaces.quadratic(1.0, 1.0)
    sched = lambda t: reference_rule("step_decay")(t, eta=0.5, gamma=0.5, every=2)  # noqa: E731
    run = rollout(reference_rule("gd"), surface, theta0=np.array([1.0, -2.0]), steps=6, eta=sched)
    factors = np.cumprod([1 - sched(t) * lam for t in range(1, 7)])
    np.testing.assert_allclose(run.theta[1:, 0], factors, rtol=1e-14)
    np.testing.assert_allclose(run.theta[1:, 1], -2 * factors, rtol=1e-14)


def test_a_division_by_zero_at_the_first_step_is_named_t_off_by_one():
    """The Transformer counted from 0 in Python ints raises at t = 1 (0 ** -0.5); in floats
    the min is 0 there. Both are named."""
    def raises(t, *, d_model, warmup):
        n = t - 1
        return d_model ** -0.5 * min(n ** -0.5, n * warmup ** -1.5)

    with pytest.raises(checks.RuleCheckFailed) as err:
        checks.check_schedule(raises, "transformer")
    assert "raised ZeroDivisionError at t = 1" in str(err.value)
    assert "well-known mistake — t off by one" in str(err.value)

    def floats(t, *, d_model, warmup):
        n = np.float64(t - 1)
        with np.errstate(divide="ignore"):
            return d_model ** -0.5 * np.minimum(n ** -0.5, n * warmup ** -1.5)

    with pytest.raises(checks.RuleCheckFailed, match="well-known mistake — t off by one"):
        checks.check_schedule(floats, "transformer")


def test_a_schedule_written_with_python_if_or_math_is_told_to_use_numpy():
    """Correct for one number, but the reference's third case gives the hyperparameters per run
    (arrays): Python's `if` and `math` raise there, and the message names numpy's functions."""
    import math

    def with_if(t, *, eta, warmup, total):
        if t <= warmup:
            return eta * t / warmup
        return eta * 0.5 * (1 + math.cos(math.pi * min(1.0, (t - warmup) / (total - warmup))))

    with pytest.raises(checks.RuleCheckFailed, match="(?s)given per run, as arrays.*np.where.*case 3"):
        checks.check_schedule(with_if, "warmup_cosine")


def test_a_mistake_is_named_only_when_it_gives_every_value_of_the_case():
    """w^(+3/2) makes the min always t^(−1/2): it agrees with the max (a known mistake) before the
    peak only, and is not named as it; an integer η_t is said to be one."""
    def plus(t, *, d_model, warmup):
        return d_model ** -0.5 * np.minimum(t ** -0.5, t * warmup ** 1.5)

    with pytest.raises(checks.RuleCheckFailed) as err:
        checks.check_schedule(plus, "transformer")
    assert "at t = 1" in str(err.value) and "well-known mistake" not in str(err.value)

    with pytest.raises(checks.RuleCheckFailed, match="returned an integer at t = 1"):
        checks.check_schedule(lambda t, *, eta, gamma, every: int(eta * gamma ** ((t - 1) // every)),
                              "step_decay")


def test_the_diagnosis_log_of_the_exercise_is_the_run_it_describes():
    """Exercise 10, part 7: torch's SGD(lr=0.2) with CosineAnnealingLR(T_max=1000) for 2000 updates on
    the noisy bowl (one run from its start, noise 1, seed 3): the lr, the mean loss and the RMS of
    ‖∇L‖ over the 100 updates up to t, as the table prints them; with T_max = 2000 the last 100
    updates average 0.0012, as the rubric says."""
    bowl, lam = surfaces.quadratic(1.0, 4.0), np.array([1.0, 4.0])
    log = {100: (0.195, 0.159, 0.939), 500: (0.1, 0.0781, 0.655), 900: (0.00499, 0.0108, 0.187),
           1000: (4.9e-7, 0.00564, 0.150), 1100: (0.0048, 0.00548, 0.143),
           1500: (0.0997, 0.0414, 0.494), 2000: (0.2, 0.117, 0.821)}
    for t_max in (1000, 2000):
        lr = lambda t: 0.1 * (1 + np.cos(np.pi * (t - 1) / t_max))  # noqa: E731 (update t = epoch t − 1)
        run = rollout(reference_rule("gd"), bowl, steps=2000, noise=1.0, seed=3, eta=lr)
        grad = np.linalg.norm(lam * run.theta, axis=-1)
        if t_max == 2000:
            assert f"{run.loss[1901:].mean():.2g}" == "0.0012"
            continue
        for t, (rate, loss, rms) in log.items():
            window = slice(t - 99, t + 1)
            got = (lr(t), run.loss[window].mean(), np.sqrt((grad[window] ** 2).mean()))
            np.testing.assert_allclose(got, (rate, loss, rms), rtol=0.01)
