"""Slider explorers, headless: moving a slider changes the picture to the new trajectories; the
explorer works before the student has written anything and survives broken rules; pictures kept
or drawn ahead are exactly the pictures for their values, and never outlive an edited rule."""
import asyncio
import threading

import numpy as np
from conftest import reference_rule

from descent import rules, surfaces, widgets
from descent.rollout import rollout

SLIDERS = {"eta": widgets.log_slider(1e-4, 1e-1, 1e-2), "alpha": widgets.slider(0.0, 0.99, 0.9)}


def _explorer(**kw):
    runs = [widgets.Run("momentum", reference_rule("momentum")),
            widgets.Run("GD", reference_rule("gd"))]
    return widgets.Explorer(surfaces.quadratic(), runs, SLIDERS, steps=60, **kw)


def test_slider_change_redraws_with_the_new_trajectory():
    ex = _explorer()
    before, renders = ex.image.value, ex.renders
    ex.hyper_sliders["eta"].value = 0.05
    assert ex.renders == renders + 1 and ex.image.value != before
    expected = rollout(reference_rule("momentum"), surfaces.quadratic(), steps=60, eta=0.05, alpha=0.9)
    x, y = ex.lines[0].get_data()
    np.testing.assert_allclose(np.c_[x, y], expected.theta)
    gd = rollout(reference_rule("gd"), surfaces.quadratic(), steps=60, eta=0.05)  # GD ignores α
    np.testing.assert_allclose(np.c_[ex.lines[1].get_data()], gd.theta)


def test_start_point_and_steps_sliders():
    ex = _explorer()
    ex.start_x.value = -1.0
    assert ex.lines[0].get_data()[0][0] == -1.0
    before = ex.image.value
    ex.steps.value = 10
    assert len(ex.lines[0].get_data()[0]) == 11 and ex.image.value != before


def test_compare_before_the_rule_is_written_shows_the_reference_and_says_why():
    ex = widgets.compare("momentum", rules.momentum, surfaces.plateau(), SLIDERS)
    assert "not implemented yet" in ex.status.value
    assert len(ex.lines[0].get_data()[0]) == 201      # reference drawn
    assert len(ex.lines[1].get_data()[0]) == 0        # yours: nothing


def test_compare_after_the_rule_is_written_shows_both_labelled():
    ex = widgets.compare("momentum", reference_rule("momentum"), surfaces.plateau(), SLIDERS,
                         others=["gd"])
    labels = [ln.get_label() for ln in ex.lines]
    assert labels == ["reference momentum", "your momentum", "reference gd"]
    assert ex.status.value == ""
    np.testing.assert_array_equal(ex.lines[0].get_data(), ex.lines[1].get_data())


def test_broken_rules_do_not_break_the_explorer():
    def raises(theta, g, state, *, eta, alpha):
        raise ValueError("oops")

    def nan(theta, g, state, *, eta, alpha):
        return theta * np.nan, {}

    ex = widgets.Explorer(surfaces.quadratic(), [widgets.Run("a", raises), widgets.Run("b", nan),
                                                 widgets.Run("ok", reference_rule("gd"))], SLIDERS)
    assert "raised ValueError: oops" in ex.status.value
    assert "not finite from step 1" in ex.status.value
    ex.hyper_sliders["eta"].value = 0.02  # still responsive
    assert len(ex.lines[2].get_data()[0]) == 201


def test_diverging_runs_keep_the_loss_panel_finite():
    steep = surfaces.quadratic(1.0, 1000.0)  # η = 0.1: the steep coordinate grows 99× per step
    ex = widgets.Explorer(steep, [widgets.Run("GD", reference_rule("gd")),
                                  widgets.Run("slow GD", reference_rule("gd"), {"eta": 1e-3})],
                          SLIDERS, steps=200)
    ex.hyper_sliders["eta"].value = 0.1
    assert "<b>GD</b>: not finite from step" in ex.status.value   # overflowed to inf, then NaN
    lo, hi = ex.ax_loss.get_ylim()
    assert np.isfinite([lo, hi]).all() and 0 < lo < hi < 1e12
    capped = ex.loss_lines[0].get_data()[1]
    assert np.isfinite(capped).all() and capped.max() <= 1e3 * steep.loss(steep.start) * 1.0001


def test_run_hyper_mapping():
    ema = widgets.Run("ema", reference_rule("momentum_ema"),
                      lambda h: {"eta": h["eta"] / (1 - h["alpha"]), "beta": h["alpha"]})
    ex = widgets.Explorer(surfaces.quadratic(), [widgets.Run("v", reference_rule("momentum")), ema],
                          SLIDERS, steps=40)
    np.testing.assert_allclose(ex.results["v"].theta, ex.results["ema"].theta, atol=1e-12)


def _picture_for(ex) -> bytes:
    """What a fresh explorer draws for ``ex``'s current slider values."""
    specs = {"eta": widgets.log_slider(1e-4, 1e-1, ex.hyper_sliders["eta"].value),
             "alpha": widgets.slider(0.0, 0.99, ex.hyper_sliders["alpha"].value)}
    return widgets.Explorer(ex.surface, ex.runs, specs, steps=ex.max_steps).image.value


def _step(slider, k=1):
    """k steps of a log slider, its value computed from the slider's grid as the page does (not
    as the explorer computes the values it draws ahead: they may differ in the last bits)."""
    n = round((np.log10(slider.value) - slider.min) / slider.step) + k
    slider.value = float(10.0 ** (slider.min + n * slider.step))


def test_in_a_kernel_the_neighbouring_values_are_drawn_ahead_and_shown_exactly():
    """In a kernel (an event loop runs), after a step the explorer draws the moved slider's
    neighbours while idle; the next step shows that picture without computing, and it is exactly
    the picture drawn for the new value."""
    async def kernel():
        ex = _explorer()
        eta = ex.hyper_sliders["eta"]
        _step(eta)
        await asyncio.sleep(0.05 + 2 * ex.AHEAD * 0.2)  # idle: the neighbours are drawn
        # the start, this step and its neighbours (one of which is the start)
        assert len(ex._frames) == 1 + 2 * ex.AHEAD
        computed, renders = [], ex.renders
        rollouts = ex._rollouts
        ex._rollouts = lambda *a: computed.append(a) or rollouts(*a)
        _step(eta)
        assert computed == [] and ex.renders == renders + 1, "the next step was drawn again"
        assert ex.image.value == _picture_for(ex)
        _step(eta, -5)  # a value never seen: drawn now
        assert len(computed) == 1 and ex.image.value == _picture_for(ex)
        ex._rollouts = rollouts

    _in_a_kernel(kernel())


def _in_a_kernel(coroutine):
    """Run ``coroutine`` as a kernel runs callbacks: in an event loop, here in a thread of its own
    (no other event loop may run in it, as Playwright's may in this one)."""
    errors = []

    def run():
        try:
            asyncio.run(coroutine)
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_a_kept_picture_is_never_shown_after_the_rule_changed():
    """autoreload replaces an edited rule's code: a value seen before is then drawn again."""
    def mine(theta, g, state, *, eta):
        return theta - eta * g, state

    def edited(theta, g, state, *, eta):
        return theta - 0.5 * eta * g, state

    ex = widgets.Explorer(surfaces.quadratic(), [widgets.Run("mine", mine)], SLIDERS, steps=60)
    eta = ex.hyper_sliders["eta"]
    _step(eta)
    old = ex.image.value
    _step(eta, -1)
    mine.__code__ = edited.__code__  # what %autoreload 2 does to a function edited in rules.py
    _step(eta)
    assert ex.image.value != old
    np.testing.assert_allclose(np.c_[ex.lines[0].get_data()],
                               rollout(edited, surfaces.quadratic(), steps=60, eta=eta.value).theta)


def test_after_a_cell_runs_no_kept_picture_is_shown():
    """In IPython, autoreload loads an edited rules.py before a cell runs. An edit that leaves the
    function's code as it was (only the @with_state line fixed) must still be drawn afresh."""
    from IPython.core.interactiveshell import InteractiveShell

    def mine(theta, g, state, *, eta, alpha):  # the state was not declared: KeyError 'v'
        v = alpha * state["v"] - eta * g
        return theta + v, {"v": v}

    shell = InteractiveShell.instance()
    try:
        shell.user_ns["make"] = lambda: widgets.Explorer(
            surfaces.quadratic(), [widgets.Run("mine", mine)], SLIDERS, steps=60)
        shell.run_cell("ex = make()")
        ex = shell.user_ns["ex"]
        eta = ex.hyper_sliders["eta"]
        first = eta.value
        _step(eta)
        _step(eta, -1)  # back to the first value: its picture is kept
        assert "KeyError" in ex.status.value
        mine.initial_state = {"v": 0.0}  # what autoreload does when only that line changed
        shell.run_cell("pass")
        _step(eta)
        _step(eta, -1)
    finally:
        InteractiveShell.clear_instance()
    assert eta.value == first and ex.status.value == "", ex.status.value
    np.testing.assert_allclose(np.c_[ex.lines[0].get_data()],
                               rollout(mine, surfaces.quadratic(), steps=60, eta=first, alpha=0.9).theta)
