"""The checker itself (descent.checks), with hand-written broken rules: every broken submission
gets a clear message, and nothing wrong passes. Rules with a step counter and a non-zero initial
state, and learning-rate schedules, are checked through reference files made here from small
specs by the release's own code. (Each rule of the course is checked in tests/test_rules.py.)"""
import json
import re

import numpy as np
import pytest
from conftest import reference_rule

from descent import checks
from descent.contract import with_state
from descent_instructor import references
from descent_instructor.spec import Rule, Schedule, common

pytestmark = pytest.mark.usefixtures("short_headlines")  # every failure's first line is short

def test_first_difference_names_step_and_state_variable():
    @with_state(v=0.0)
    def late(theta, g, state, *, eta, alpha):  # right for one step, then forgets α
        v = (alpha if np.all(state["v"] == 0) else 0.5) * state["v"] - eta * g
        return theta + v, {"v": v}

    with pytest.raises(checks.RuleCheckFailed) as err:
        checks.check_rule(late, "momentum")
    message = str(err.value)
    assert "at step t = 2" in message and "expected θ_2" in message
    assert "the first step is right" in message


def test_wrong_state_only_is_reported_as_the_state_variable():
    @with_state(v=0.0)
    def wrong_state(theta, g, state, *, eta, alpha):
        v = alpha * state["v"] - eta * g
        return theta + v, {"v": 2 * v}

    with pytest.raises(checks.RuleCheckFailed, match=r"in state\['v'\]:"):
        checks.check_rule(wrong_state, "momentum")


@pytest.mark.parametrize("body,expected", [
    (lambda th, g, s, eta: (th.__isub__(eta * g), {}), "modified its input theta"),
    (lambda th, g, s, eta: (th - eta * g + np.nan, {}), "returned NaN or inf"),
    (lambda th, g, s, eta: ((th - eta * g).sum(), {}), "(wrong shape)"),
    (lambda th, g, s, eta: th - eta * g, "returns a pair"),
    (lambda th, g, s, eta: (th - eta * g, None), "must be a dict"),
    (lambda th, g, s, eta: 1 / 0, "raised ZeroDivisionError"),
    (lambda th, g, s, eta: ("θ", {}), "not an array of numbers"),
])
def test_broken_submissions_get_a_clear_message(body, expected):
    def rule(theta, g, state, *, eta):
        return body(theta, g, state, eta)

    with pytest.raises(checks.RuleCheckFailed) as err:
        checks.check_rule(rule, "gd")
    assert expected in str(err.value)


def test_modified_state_is_caught():
    @with_state(v=0.0)
    def in_place(theta, g, state, *, eta, alpha):
        state["v"] *= alpha
        state["v"] -= eta * g
        return theta + state["v"], {"v": state["v"].copy()}

    with pytest.raises(checks.RuleCheckFailed, match=r"modified its input state\['v'\]"):
        checks.check_rule(in_place, "momentum")


def test_missing_state_key_is_reported():
    @with_state(v=0.0)
    def no_state(theta, g, state, *, eta, alpha):
        return theta - eta * g, {}

    with pytest.raises(checks.RuleCheckFailed, match=r"lacks \['v'\]"):
        checks.check_rule(no_state, "momentum")


def test_a_rule_that_ignores_per_run_hyperparameters_fails_the_batch_property():
    def first_eta_only(theta, g, state, *, eta):
        return theta - np.ravel(eta)[0] * g, {}

    with pytest.raises(checks.RuleCheckFailed):
        checks.check_rule(first_eta_only, "gd")
    with pytest.raises(checks.RuleCheckFailed, match="differs from the same run done alone"):
        checks.check_properties(first_eta_only, "gd")


def test_momentum_that_is_not_gd_at_alpha_zero_fails_the_property():
    @with_state(v=0.0)
    def plus_one(theta, g, state, *, eta, alpha):
        v = (alpha + 0.01) * state["v"] - eta * g
        return theta + v, {"v": v}

    with pytest.raises(checks.RuleCheckFailed, match="alpha = 0 should be plain gradient descent"):
        checks.check_properties(plus_one, "momentum")


def test_check_against_uses_the_given_values(capsys):
    rule = reference_rule("gd")
    theta0, grads = np.array([1.0]), np.array([[2.0], [4.0]])
    assert checks.check_against(rule, "gd", theta0, grads, {"eta": 0.5}, [[1.0], [0.0], [-2.0]],
                                {}) is None  # printed, not returned: nbgrader would read it as a score
    assert "✓ gd matches the reference values: 1 case, 2 steps" in capsys.readouterr().out
    with pytest.raises(checks.RuleCheckFailed, match="expected θ_2"):
        checks.check_against(rule, "gd", theta0, grads, {"eta": 0.5}, [[1.0], [0.0], [-2.5]], {})


def test_a_rule_without_its_declared_state_is_told_to_keep_the_decorator():
    def undeclared(theta, g, state, *, eta, alpha):  # right update, decorator deleted
        v = alpha * state["v"] - eta * g
        return theta + v, {"v": v}

    with pytest.raises(checks.RuleCheckFailed, match="(?i)keep the @with_state"):
        checks.check_rule(undeclared, "momentum")


def test_state_kept_between_calls_gets_a_hint():
    memory = {}

    def global_velocity(theta, g, state, *, eta):  # remembers across calls, outside `state`
        memory["v"] = 0.5 * memory.get("v", 0.0) - eta * g
        return theta + memory["v"], {}

    one_step = checks.Case("one step", {"eta": 0.1}, np.zeros(1), np.ones((1, 1)),
                           np.array([[0.0], [-0.1]]), {})
    with pytest.raises(checks.RuleCheckFailed, match="keep something between calls"):
        checks.check_rule(global_velocity, "gd", [one_step, one_step])


def test_properties_report_nan_before_comparing_runs():
    @with_state(v=0.0)
    def nan_rule(theta, g, state, *, eta, alpha):
        v = alpha * state["v"] - eta * g
        return theta + v * np.nan, {"v": v}

    with pytest.raises(checks.RuleCheckFailed, match=r"returned NaN or inf at step t = 1 from finite"):
        checks.check_properties(nan_rule, "momentum")


# -- a rule with a step counter and a state that starts at 1 (as local gains and Adam have) ------
@with_state(gain=1.0, t=0)
def _toy(theta, g, state, *, eta, kappa):
    """A toy rule with a counter: the gain grows by κ/(t + 1).

        t ← t + 1;  k_t = k_{t-1}·(1 + κ/(t + 1));  θ_t = θ_{t-1} − η·k_t·g_t
    """
    assert type(state["t"]) is int, "the checks hand the rule its counter as an int"
    t = state["t"] + 1
    gain = state["gain"] * (1 + kappa / (t + 1))
    return theta - eta * gain * g, {"gain": gain, "t": t}


TOY = Rule("toy", hyper=({"eta": 0.1, "kappa": 0.5}, {"eta": 0.05, "kappa": 0.2},
                         {"eta": [0.1, 0.2, 0.3, 0.4], "kappa": [0.0, 0.1, 0.5, 1.0]}),
           properties=("pure", "batch", ("reduces_to_gd", {"off": {"kappa": 0.0}})),
           mistakes=(common.t_off_by_one(), common.state_not_updated()))


@pytest.fixture(scope="module")
def toy_reference():
    return checks.parse(json.loads(json.dumps(references.rule_file("99_toy", TOY, _toy))))


def test_a_counter_is_an_int_in_the_reference_and_the_state_starts_from_the_declaration(toy_reference, capsys):
    assert toy_reference["initial_state"] == {"gain": 1.0, "t": 0}
    case = toy_reference["cases"][0]
    assert case.state["t"].dtype.kind == "i" and case.state["t"].tolist() == list(range(case.steps + 1))
    checks.check_rule(_toy, "toy", toy_reference["cases"])
    # reduces to GD with κ = 0 only if the gain starts at its declared 1, not at 0
    checks.check_properties(_toy, "toy", reference=toy_reference)
    assert "kappa = 0 gives gradient descent" in capsys.readouterr().out


def test_a_counter_returned_as_a_float_is_reported(toy_reference):
    @with_state(gain=1.0, t=0)
    def float_t(theta, g, state, *, eta, kappa):
        new_theta, new_state = _toy(theta, g, state, eta=eta, kappa=kappa)
        return new_theta, {**new_state, "t": float(new_state["t"])}

    with pytest.raises(checks.RuleCheckFailed, match=r"(?s)state\['t'\] at step t = 1 is 1.0 \(float\).*an int"):
        checks.check_rule(float_t, "toy", toy_reference["cases"])


def test_t_off_by_one_and_a_declared_float_counter_are_named(toy_reference):
    wrong = common.t_off_by_one().build(_toy)
    with pytest.raises(checks.RuleCheckFailed, match="well-known mistake — t off by one"):
        checks.check_rule(wrong, "toy", toy_reference["cases"])

    @with_state(gain=1.0, t=0.0)
    def declared_float(theta, g, state, *, eta, kappa):
        return _toy(theta, g, {**state, "t": int(state["t"])}, eta=eta, kappa=kappa)

    with pytest.raises(checks.RuleCheckFailed, match="step counter 't'"):
        checks.check_rule(declared_float, "toy", toy_reference["cases"])


# a rule whose t = 0 divides by zero, as Adam's bias correction 1 − βᵗ does
@with_state(m=0.0, t=0)
def _corrected(theta, g, state, *, eta, beta):
    """A toy average corrected for starting at 0.

        t ← t + 1;  m_t = β·m_{t-1} + (1 − β)·g_t;  θ_t = θ_{t-1} − η·m_t/(1 − βᵗ)
    """
    t = state["t"] + 1
    m = beta * state["m"] + (1 - beta) * g
    return theta - eta * m / (1 - beta ** t), {"m": m, "t": t}


def test_a_mistake_that_returns_nan_is_still_named():
    spec = Rule("corrected", hyper=({"eta": 0.1, "beta": 0.5}, {"eta": 0.2, "beta": 0.9},
                                    {"eta": [0.1, 0.2, 0.3, 0.4], "beta": [0.1, 0.5, 0.9, 0.99]}),
                mistakes=(common.t_off_by_one(),))
    cases = checks.parse(json.loads(json.dumps(references.rule_file("99_toy", spec, _corrected))))["cases"]
    wrong = common.t_off_by_one().build(_corrected)
    with np.errstate(all="ignore"), pytest.raises(
            checks.RuleCheckFailed, match=r"(?s)NaN or inf.*well-known mistake — t off by one"):
        checks.check_rule(wrong, "corrected", cases)

    @with_state(m=0.0, t=0)
    def python_floats(theta, g, state, *, eta, beta):  # 1/(1 − β⁰) in Python floats raises
        t = state["t"]
        m = beta * state["m"] + (1 - beta) * g
        return theta - (eta / (1 - beta ** t)) * m, {"m": m, "t": t + 1}

    with pytest.raises(checks.RuleCheckFailed, match=r"(?s)ZeroDivisionError at step t = 1.*t off by one"):
        checks.check_rule(python_floats, "corrected", cases)


def test_properties_start_from_the_declared_state_not_zeros(toy_reference):
    @with_state(gain=0.0, t=0)  # the gain would stay 0: no step at all
    def starts_at_zero(theta, g, state, *, eta, kappa):
        return _toy(theta, g, state, eta=eta, kappa=kappa)

    with pytest.raises(checks.RuleCheckFailed, match="starts its state 'gain' at 0"):
        checks.check_properties(starts_at_zero, "toy", reference=toy_reference)


# -- learning-rate schedules: eta_t = schedule(t, **hyper) ------------------------------------
def _warmup(t, *, eta, warmup):
    """Linear warm-up to η over the first steps, then constant.

        η_t = η·min(1, t/w)
    """
    return eta * np.minimum(1.0, t / warmup)


WARMUP = Schedule("warmup", hyper=({"eta": 0.1, "warmup": 4}, {"eta": 0.37, "warmup": 7},
                                   {"eta": [0.1, 0.2, 0.3], "warmup": 5}),
                  steps=10, mistakes=(common.schedule_t_off_by_one(),))


@pytest.fixture(scope="module")
def warmup_cases():
    data = checks.parse(json.loads(json.dumps(references.schedule_file("99_toy", WARMUP, _warmup))))
    assert data["kind"] == "schedule" and data["equation"] == "η_t = η·min(1, t/w)"
    return data["cases"]


def test_a_schedule_is_checked_t_by_t(warmup_cases, capsys):
    checks.check_schedule(_warmup, "warmup", warmup_cases)
    assert "✓ warmup matches the reference values: 3 cases, 30 values of t." in capsys.readouterr().out
    assert warmup_cases[0].t.tolist() == list(range(1, 11)) and warmup_cases[2].eta.shape == (10, 3)


@pytest.mark.parametrize("body,expected", [
    (lambda t, eta, warmup: eta * min(1.0, (t - 1) / warmup),
     "at t = 1:.*expected η_1 = 0.025.*got      η_1 = 0..*well-known mistake — t off by one"),
    (lambda t, eta, warmup: eta * np.minimum(1.0, t / warmup) * (1 if t < 6 else 2),
     "at t = 6.*Every t before 6 matched"),
    (lambda t, eta, warmup: eta / (t - 1), "returned NaN or inf|raised ZeroDivisionError"),
    (lambda t, eta, warmup: [eta] * 2, "wrong shape"),
    (lambda t, eta, warmup: "η", "not a number"),
    (lambda t, eta, warmup: eta.fill(0) if isinstance(eta, np.ndarray) else 1 / 0,
     "raised ZeroDivisionError at t = 1"),
])
def test_a_wrong_schedule_gets_a_message_that_says_where(warmup_cases, body, expected):
    def schedule(t, *, eta, warmup):
        return body(t, eta, warmup)

    with pytest.raises(checks.RuleCheckFailed, match=re.compile(expected, re.S)):
        checks.check_schedule(schedule, "warmup", warmup_cases)


def test_a_schedule_is_called_with_an_int_t_and_checked_against_given_values():
    seen = []

    def schedule(t, *, eta):
        seen.append(type(t))
        return eta / np.sqrt(t)

    checks.check_schedule_against(schedule, "decay", {"eta": 0.5}, [1, 4, 16], [0.5, 0.25, 0.125])
    assert set(seen) == {int}
    with pytest.raises(checks.RuleCheckFailed, match="at t = 4"):
        checks.check_schedule_against(schedule, "decay", {"eta": 0.5}, [1, 4], [0.5, 0.3])


def test_a_reference_file_of_another_format_is_refused():
    with pytest.raises(checks.RuleCheckFailed, match="(?s)format 1.*update the course"):
        checks.parse({"format": 1, "rule": "gd", "kind": "rule", "cases": []})
    with pytest.raises(checks.RuleCheckFailed, match="no reference values for 'lion'"):
        checks.load("lion")


def test_the_release_stops_on_a_listed_mistake_that_no_case_shows():
    from descent_instructor.spec import Mistake

    def same_as_reference(theta, g, state, *, eta, kappa):  # changes nothing at these values
        return _toy(theta, g, state, eta=eta, kappa=kappa)

    spec = Rule("toy", TOY.hyper, TOY.properties,
                TOY.mistakes + (Mistake("invisible", "…", same_as_reference),))
    data = references.rule_file("99_toy", spec, _toy)
    assert references._unseen_mistakes(spec, data) == ["invisible"]
    assert references._unseen_mistakes(TOY, references.rule_file("99_toy", TOY, _toy)) == []


def test_a_slow_rule_passes_with_a_warning(capsys):
    import time as _time

    def slow(theta, g, state, *, eta):  # right, but sleeps longer than checks.SLOW per call
        _time.sleep(checks.SLOW * 2)
        return theta - eta * g, {}

    checks.check_against(slow, "gd", [1.0], [[2.0], [4.0]], {"eta": 0.5}, [[1.0], [0.0], [-2.0]], {})
    out = capsys.readouterr().out
    assert "✓ gd matches" in out and "⚠ gd took over 10 ms per step" in out
    def fast(theta, g, state, *, eta):
        return theta - eta * g, {}

    checks.check_against(fast, "gd", [1.0], [[2.0]], {"eta": 0.5}, [[1.0], [0.0]], {})
    assert "⚠" not in capsys.readouterr().out  # sleeps nothing: never flagged


def test_delegating_to_the_reference_passes_with_a_warning(capsys):
    from descent import reference

    checks.check_rule(reference.rule("gd"), "gd")
    assert "⚠ gd passes because it runs the course's reference rule" in capsys.readouterr().out

    def calls_it(theta, g, state, *, eta):
        return reference.rule("gd")(theta, g, state, eta=eta)

    checks.check_rule(calls_it, "gd")
    assert "⚠ gd passes because it runs the course's reference rule" in capsys.readouterr().out

    def own(theta, g, state, *, eta):
        return theta - eta * g, {}

    checks.check_rule(own, "gd")
    assert "⚠" not in capsys.readouterr().out


def test_types_precision_and_magnitudes_are_named():
    ref = reference_rule("momentum")

    @with_state(v=0.0)
    def as_list(theta, g, state, *, eta, alpha):
        new_theta, new_state = ref(theta, g, state, eta=eta, alpha=alpha)
        return np.atleast_1d(new_theta).tolist(), new_state

    @with_state(v=0.0)
    def list_state(theta, g, state, *, eta, alpha):
        new_theta, new_state = ref(theta, g, state, eta=eta, alpha=alpha)
        return new_theta, {"v": np.atleast_1d(new_state["v"]).tolist()}

    @with_state(v=0.0)
    def in_float32(theta, g, state, *, eta, alpha):
        new_theta, new_state = ref(theta, g, state, eta=eta, alpha=alpha)
        return np.asarray(new_theta, dtype=np.float32), new_state

    @with_state(v=0.0)
    def nan_when_large(theta, g, state, *, eta, alpha):
        new_theta, new_state = ref(theta, g, state, eta=eta, alpha=alpha)
        return np.where(np.abs(new_theta) > 100, np.nan, new_theta), new_state

    for rule, expected in [(as_list, r"new_theta at step t = 1 is a Python list\..*The contract"),
                           (list_state, r"state\['v'\] at step t = 1 is a Python list"),
                           (in_float32, r"is float32 \(known mistake: float32\)"),
                           (nan_when_large, r"“large and small magnitudes.*returned NaN or inf")]:
        with pytest.raises(checks.RuleCheckFailed, match=re.compile(expected, re.S)):
            checks.check_rule(rule, "momentum")


def test_a_right_state_with_a_wrong_theta_points_at_the_theta_formula():
    ref = reference_rule("nesterov")

    @with_state(v=0.0)
    def sutskever_sign(theta, g, state, *, eta, alpha):  # θ_t = θ_{t−1} − α·v_t − η·g_t
        new_theta, new_state = ref(theta, g, state, eta=eta, alpha=alpha)
        return new_theta - 2 * alpha * new_state["v"], new_state

    with pytest.raises(checks.RuleCheckFailed) as err:
        checks.check_rule(sutskever_sign, "nesterov")
    message = str(err.value)
    assert "The state after step 1 is right (v); θ_1 is not" in message
    assert "carries over" not in message


def test_per_run_hyperparameters_print_as_numbers():
    def first_eta_only(theta, g, state, *, eta):
        return theta - np.ravel(eta)[0] * g, {}

    with pytest.raises(checks.RuleCheckFailed) as err:
        checks.check_properties(first_eta_only, "gd")
    assert "eta = '" not in str(err.value) and "in θ at step t = 1" in str(err.value)
    with pytest.raises(checks.RuleCheckFailed) as err:
        checks.check_rule(first_eta_only, "gd")
    assert "eta = [0.01, 0.05, 0.1 , 0.3 ]" in str(err.value) or "eta = [0.01" in str(err.value)


def test_a_failures_first_line_says_what_is_wrong_and_fits_the_validate_dialog(short_headlines):
    """nbgrader's Validate dialog cuts long lines off on the right: the first line of a stub's
    message, a wrong value's and a failed property's fits in HEADLINE characters (with the
    course's longest rule name), and the case and the numbers follow on the lines after it."""
    from descent.checking.files import HEADLINE
    from descent import rules

    ref = reference_rule("momentum_ema")

    @with_state(m=0.0)
    def wrong_average(theta, g, state, *, eta, beta):  # the state wrong, θ from the right one
        new_theta, new_state = ref(theta, g, state, eta=eta, beta=beta)
        return new_theta, {"m": 2 * new_state["m"]}

    @with_state(m=0.0)
    def uphill(theta, g, state, *, eta, beta):
        new_theta, new_state = ref(theta, g, state, eta=eta, beta=beta)
        return 2 * theta - new_theta, new_state

    @with_state(m=0.0)
    def first_eta_only(theta, g, state, *, eta, beta):
        return ref(theta, g, state, eta=np.ravel(eta)[0], beta=beta)

    @with_state(m=0.0)
    def twice_the_step(theta, g, state, *, eta, beta):
        return ref(theta, g, state, eta=eta * (1 + (beta > 0)), beta=beta)

    headlines = {}
    for check, rule, what in [
        (checks.check_rule, rules.momentum_ema, "not implemented yet"),
        (checks.check_properties, rules.momentum_ema, "not implemented yet"),
        (checks.check_rule, uphill, "differs from the reference at step t = 1, in the parameters θ"),
        (checks.check_rule, wrong_average, "differs from the reference at step t = 1, in state['m']"),
        (checks.check_properties, first_eta_only, "run 1 of a batch of 4 differs"),
        (checks.check_properties, twice_the_step, "steps should settle to −η·g"),
    ]:
        with pytest.raises(checks.RuleCheckFailed) as err:
            check(rule, "momentum_ema")
        first, *details = str(err.value).splitlines()
        assert what in first and details, str(err.value)
        headlines[what] = first
    assert all(len(line) <= HEADLINE for line in headlines.values()), headlines
    assert all("in case “" not in line for line in headlines.values())


def test_a_named_mistake_in_a_later_case_gets_no_hint_about_state_kept_between_calls():
    from descent_instructor import topics

    _, adam = topics.rules()["adam"]
    eps_inside = next(m for m in adam.mistakes if m.name == "ε inside the root")
    with pytest.raises(checks.RuleCheckFailed) as failed:
        checks.check_rule(eps_inside.wrong, "adam")
    message = str(failed.value)
    assert "case 1" not in message.splitlines()[1]  # a later case, wrong from its first step
    assert "well-known mistake — ε inside the root" in message
    assert "between calls" not in message


def test_a_python_if_on_a_hyperparameter_given_per_run_is_told_to_use_numpy():
    @with_state(v=0.0)
    def momentum(theta, g, state, *, eta, alpha):
        if alpha > 0:  # one number only: ambiguous for α given per run
            v = alpha * state["v"] - eta * g
        else:
            v = -eta * g
        return theta + v, {"v": v}

    with pytest.raises(checks.RuleCheckFailed, match="(?s)alpha.*given per run.*np.where"):
        checks.check_rule(momentum, "momentum")


def test_a_mistake_is_named_only_if_it_matches_beyond_the_first_wrong_step():
    # NAdam without any momentum in the look-ahead agrees with "look-ahead with the previous
    # moment" at t = 1 (both give m̄_1 = g_1) and with no known mistake after that
    @with_state(m=0.0, s=0.0, t=0)
    def nadam(theta, g, state, *, eta, beta1, beta2, eps):
        t = state["t"] + 1
        m = beta1 * state["m"] + (1 - beta1) * g
        s = beta2 * state["s"] + (1 - beta2) * g * g
        m_bar = (1 - beta1) * g / (1 - beta1 ** t)
        return theta - eta * m_bar / (np.sqrt(s / (1 - beta2 ** t)) + eps), {"m": m, "s": s, "t": t}

    with pytest.raises(checks.RuleCheckFailed) as failed:
        checks.check_rule(nadam, "nadam")
    assert "differs from the reference at step t = 1" in str(failed.value)
    assert "well-known mistake" not in str(failed.value)
