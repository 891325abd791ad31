"""Runs rolled out for the sliders' values (descent.explorer.runs): one batched roll-out per rule,
each run alone where the batch fails; a rule's error or a diverged run becomes a note."""
import numpy as np
from conftest import reference_rule

from descent import surfaces
from descent.contract import NotYetImplemented, with_state
from descent.explorer.runs import Run, accepted, roll_out
from descent.rollout import rollout

QUAD = surfaces.quadratic()
VALUES = {"eta": 0.05, "alpha": 0.9}


def _counted(rule, calls):
    """``rule``, noting the shape of θ at each call."""
    @with_state(**rule.initial_state)
    def counted(theta, g, state, *, eta, alpha):
        calls.append(np.shape(theta))
        return rule(theta, g, state, eta=eta, alpha=alpha)

    return counted


def test_runs_of_one_rule_share_one_batched_roll_out():
    calls = []
    momentum = _counted(reference_rule("momentum"), calls)
    runs = [Run("a", momentum), Run("b", momentum, {"alpha": 0.5}), Run("c", momentum, {"eta": 0.01})]
    results, notes = roll_out(runs, QUAD, QUAD.start, 30, VALUES)
    assert calls == [(3, 2)] * 30 and notes == []  # one loop over the steps, all three runs
    calls.clear()
    mapped = Run("mapped", momentum, lambda h: {"eta": 2 * h["eta"], "alpha": h["alpha"]})
    roll_out([*runs, mapped], QUAD, QUAD.start, 30, VALUES)  # mapped to plain numbers: batched too
    assert calls == [(4, 2)] * 30
    for run in runs:
        alone = rollout(reference_rule("momentum"), QUAD, steps=30, **run.hyperparameters(VALUES))
        np.testing.assert_allclose(results[run.label].theta, alone.theta)
        np.testing.assert_allclose(results[run.label].loss, alone.loss)


def test_runs_of_different_rules_or_with_schedules_roll_out_alone():
    calls = []
    momentum = _counted(reference_rule("momentum"), calls)
    runs = [Run("v", momentum), Run("scheduled", momentum, lambda h: {"eta": lambda t: h["eta"] / t,
                                                                     "alpha": h["alpha"]}),
            Run("GD", reference_rule("gd"))]
    results, notes = roll_out(runs, QUAD, QUAD.start, 20, VALUES)
    assert calls == [(2,)] * 40 and list(results) == ["v", "scheduled", "GD"]
    gd = rollout(reference_rule("gd"), QUAD, steps=20, eta=0.05)  # GD takes no α
    np.testing.assert_allclose(results["GD"].theta, gd.theta)


def test_when_the_batch_fails_each_run_is_tried_alone_and_the_failing_one_named():
    @with_state()
    def picky(theta, g, state, *, eta):
        if np.any(np.asarray(eta) > 0.1):
            raise ValueError("η too large")
        return theta - eta * g, state

    runs = [Run("small", picky), Run("large", picky, {"eta": 0.5})]
    results, notes = roll_out(runs, QUAD, QUAD.start, 10, VALUES)
    assert list(results) == ["small"] and notes == ["<b>large</b> raised ValueError: η too large"]


def test_a_stub_says_it_is_not_implemented_yet():
    def stub(theta, g, state, *, eta):
        raise NotYetImplemented("momentum")

    results, notes = roll_out([Run("your <momentum>", stub)], QUAD, QUAD.start, 10, VALUES)
    assert results == {}
    assert notes[0].startswith("<b>your &lt;momentum&gt;</b>: <code>momentum</code> is not "
                               "implemented yet")


def test_a_failing_hyperparameter_mapping_is_a_note():
    runs = [Run("bad", reference_rule("gd"), lambda h: {"eta": h["beta"]}),
            Run("GD", reference_rule("gd"))]
    results, notes = roll_out(runs, QUAD, QUAD.start, 10, VALUES)
    assert list(results) == ["GD"] and notes == ["<b>bad</b> raised KeyError: &#x27;beta&#x27;"]


def test_a_diverged_run_is_kept_and_noted():
    steep = surfaces.quadratic(1.0, 1000.0)
    runs = [Run("GD", reference_rule("gd"))]
    results, notes = roll_out(runs, steep, steep.start, 200, {"eta": 0.1})
    bad = int(np.argmax(~np.isfinite(results["GD"].theta).all(axis=-1)))
    assert notes == [f"<b>GD</b>: not finite from step {bad} on "
                     "(the run diverged, or the rule returns NaN)"]


def test_a_rule_gets_the_slider_values_it_takes():
    def gd(theta, g, state, *, eta):
        pass

    def any_(theta, g, state, **hyper):
        pass

    assert accepted(gd, VALUES) == {"eta": 0.05}
    assert accepted(any_, VALUES) == VALUES
    assert Run("fixed", gd, {"eta": 0.5}).hyperparameters(VALUES) == {"eta": 0.5}
    assert Run("mapped", gd, lambda h: {"eta": h["eta"] * h["alpha"]}).hyperparameters(VALUES) == {
        "eta": 0.05 * 0.9}


def test_a_learning_rate_drop_set_by_sliders():
    from descent.explorer.runs import lr_drop

    run = Run("velocity form", reference_rule("momentum"), schedule=lr_drop("after", "drop"))
    hyper = run.hyperparameters({"eta": 0.05, "alpha": 0.9, "drop": 0.2, "after": 2})
    assert hyper["alpha"] == 0.9 and set(hyper) == {"eta", "alpha"}
    assert [hyper["eta"](t) for t in (1, 2, 3, 10)] == [0.05, 0.05, 0.05 * 0.2, 0.05 * 0.2]
    ema = Run("EMA form", reference_rule("momentum_ema"), schedule=lr_drop(5, 0.5),
              hyper=lambda h: {"eta": h["eta"] / (1 - h["alpha"]), "beta": h["alpha"]})
    eta = ema.hyperparameters({"eta": 0.01, "alpha": 0.9})["eta"]
    assert abs(eta(5) - 0.1) < 1e-15 and abs(eta(6) - 0.05) < 1e-15
