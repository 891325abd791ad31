"""Slider explorers, headless: moving a slider changes the picture to the new trajectories; the
explorer works before the student has written anything and survives broken rules."""
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
