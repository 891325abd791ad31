"""The checks students see: every well-known mistake is caught and named, every broken
submission gets a clear message, and nothing wrong passes."""
import numpy as np
import pytest
from conftest import reference_rule
from descent_instructor.mistakes import MISTAKES

from descent import checks, rules
from descent.contract import with_state

ALL = [(rule, mistake) for rule, table in MISTAKES.items() for mistake in table]


@pytest.mark.parametrize("rule_name,mistake", ALL, ids=[f"{r}: {m}" for r, m in ALL])
def test_each_known_mistake_fails_and_is_named(rule_name, mistake):
    explanation, wrong = MISTAKES[rule_name][mistake]
    with pytest.raises(checks.RuleCheckFailed) as err:
        checks.check_rule(wrong, rule_name)
    message = str(err.value)
    assert f"well-known mistake — {mistake}: {explanation}" in message
    assert "at step t = " in message and "expected" in message and "got" in message


@pytest.mark.parametrize("name", ["gd", "momentum", "momentum_ema", "nesterov"])
def test_stubs_fail_with_where_to_start(name):
    for check in (checks.check_rule, checks.check_properties):
        with pytest.raises(checks.RuleCheckFailed, match="is not implemented yet"):
            check(getattr(rules, name), name)


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

    with pytest.raises(checks.RuleCheckFailed, match="in the state variable 'v'"):
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
    assert "✓ gd matches the reference values: 1 cases, 2 steps" in capsys.readouterr().out
    with pytest.raises(checks.RuleCheckFailed, match="expected θ_2"):
        checks.check_against(rule, "gd", theta0, grads, {"eta": 0.5}, [[1.0], [0.0], [-2.5]], {})


def test_reference_files_carry_provenance_and_full_precision():
    import re

    from conftest import ROOT

    for name in ["gd", "momentum", "momentum_ema", "nesterov"]:
        data = checks.load(name)
        named = re.findall(r"(?:solutions|tests)/[\w/]+\.(?:py|json)", data["provenance"])
        assert "solutions/rules.py" in named and any(n.startswith("tests/test_") for n in named)
        for path in named:
            assert (ROOT / path).is_file(), path
        random = [c for c in data["cases"] if not c.name.startswith("quadratic")]  # short decimals there
        values = np.concatenate([c.theta[1:].ravel() for c in random])
        values = values[(values != 0) & (np.abs(values) < 1e3)]
        # stored as computed: none rounded to 12 significant digits or fewer
        rounded = [x for x in values if float(f"{x:.12g}") == x]
        assert len(rounded) < 0.02 * len(values), rounded[:5]
        assert len(data["cases"]) >= 4 and any(c.theta0.ndim == 2 for c in data["cases"])


def test_a_rule_without_its_declared_state_is_told_to_keep_the_decorator():
    def undeclared(theta, g, state, *, eta, alpha):  # right update, decorator deleted
        v = alpha * state["v"] - eta * g
        return theta + v, {"v": v}

    with pytest.raises(checks.RuleCheckFailed, match="keep the @with_state"):
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
