"""Slider explorers end to end, headless: moving a slider changes the picture to the new
trajectories; the explorer works before the student has written anything and survives broken
rules; pictures kept or drawn ahead are exactly the pictures for their values, and never outlive
an edited rule. The explorer's parts have their own tests: tests/test_widgets_*.py."""
import asyncio
import time

import numpy as np
from conftest import reference_rule
from test_widgets_ahead import in_a_kernel

from descent import rules, surfaces, widgets
from descent.rollout import rollout

SLIDERS = {"eta": widgets.log_slider(1e-4, 1e-1, 1e-2), "alpha": widgets.slider(0.0, 0.99, 0.9)}


def _explorer(rolled=None, **kw):
    """Momentum and GD on a quadratic; ``rolled`` (a list) gets an item per roll-out of momentum."""
    momentum = widgets.Run("momentum", reference_rule("momentum"))
    if rolled is not None:
        momentum.hyper = lambda h: rolled.append(dict(h)) or dict(h)
    runs = [momentum, widgets.Run("GD", reference_rule("gd"))]
    return widgets.Explorer(surfaces.quadratic(), runs, SLIDERS, steps=60, **kw)


def test_the_public_names_notebooks_use():
    for name in ("Explorer", "Run", "compare", "log_slider", "slider"):
        assert hasattr(widgets, name), name
    assert widgets.log_slider(1e-4, 1e-1, 1e-2)["kind"] == "log"
    assert widgets.slider(0.0, 0.99, 0.9, 0.01, description="α")["description"] == "α"


def test_slider_change_redraws_with_the_new_trajectory():
    ex = _explorer()
    before, renders = ex.image.value, ex.renders
    ex.hyper_sliders["eta"].value = 0.05
    assert ex.renders == renders + 1 and ex.image.value != before
    expected = rollout(reference_rule("momentum"), surfaces.quadratic(), steps=60, eta=0.05, alpha=0.9)
    x, y = ex.lines[0].get_data()
    np.testing.assert_allclose(np.c_[x, y], expected.theta)
    np.testing.assert_allclose(ex.results["momentum"].theta, expected.theta)
    gd = rollout(reference_rule("gd"), surfaces.quadratic(), steps=60, eta=0.05)  # GD ignores α
    np.testing.assert_allclose(np.c_[ex.lines[1].get_data()], gd.theta)
    assert ex.values() == {"eta": 0.05, "alpha": 0.9}


def test_start_point_and_steps_sliders():
    ex = _explorer()
    ex.start_x.value = -1.0
    assert ex.lines[0].get_data()[0][0] == -1.0
    before = ex.image.value
    ex.steps.value = 10
    assert len(ex.lines[0].get_data()[0]) == 11 and ex.image.value != before


def test_play_reveals_more_steps_without_rolling_out():
    rolled = []
    ex = _explorer(rolled)
    renders, before = ex.renders, len(rolled)
    for n in (0, 5, 60):
        ex.steps.value = n  # what the Play button does
        assert len(ex.lines[0].get_data()[0]) == n + 1
    assert ex.renders == renders + 3 and len(rolled) == before
    ex.controls.player.interval = 0.001
    ex.play.value = True  # from the start to the end, a picture per step (60 < 100 frames)
    ex.controls.player.thread.join(10)
    assert ex.renders == renders + 3 + 61 and len(rolled) == before
    assert ex.steps.value == 60 and len(ex.lines[0].get_data()[0]) == 61


def test_the_picture_goes_to_the_page_before_the_status_line():
    steep = surfaces.quadratic(1.0, 1000.0)
    ex = widgets.Explorer(steep, [widgets.Run("GD", reference_rule("gd"))],
                          {"eta": widgets.log_slider(1e-4, 1e-1, 1e-3)}, steps=200, note="a note")
    assert ex.status.value == "a note"
    sent = []
    ex.image.observe(lambda change: sent.append("picture"), names="value")
    ex.status.observe(lambda change: sent.append("status"), names="value")
    ex.hyper_sliders["eta"].value = 0.1  # diverges: a new status line
    assert sent == ["picture", "status"]
    assert ex.status.value.startswith("a note<br><b>GD</b>: not finite")


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


def test_compare_is_not_drawn_while_nbgrader_autogrades(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    shown = widgets.compare("gd", reference_rule("gd"), surfaces.valley(), SLIDERS)
    assert not isinstance(shown, widgets.Explorer) and "not drawn" in repr(shown)


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


def test_a_value_seen_before_is_shown_without_rolling_out():
    rolled = []
    ex = _explorer(rolled)
    eta = ex.hyper_sliders["eta"]
    first = ex.image.value
    _step(eta)
    _step(eta, -1)
    assert len(rolled) == 2 and ex.image.value == first  # the start, and one step
    np.testing.assert_allclose(np.c_[ex.lines[0].get_data()],  # the figure follows the page
                               rollout(reference_rule("momentum"), surfaces.quadratic(), steps=60,
                                       eta=eta.value, alpha=0.9).theta)


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
        rolled = []
        ex = _explorer(rolled)
        eta = ex.hyper_sliders["eta"]
        _step(eta)
        ahead = ex.pictures.AHEAD
        await asyncio.sleep(0.05 + 2 * ahead * 0.2)  # idle: the neighbours are drawn
        # the start, this step and its neighbours (one of which is the start)
        assert len(ex.pictures.kept) == 1 + 2 * ahead
        assert len(rolled) == 2 + (2 * ahead - 1)
        renders, before = ex.renders, len(rolled)
        _step(eta)
        assert len(rolled) == before and ex.renders == renders + 1, "the next step was drawn again"
        assert ex.image.value == _picture_for(ex)
        np.testing.assert_allclose(np.c_[ex.lines[0].get_data()],  # the figure follows the page
                                   rollout(reference_rule("momentum"), surfaces.quadratic(),
                                           steps=60, eta=eta.value, alpha=0.9).theta)
        before = len(rolled)
        _step(eta, -5)  # a value never seen: drawn now
        assert len(rolled) == before + 1 and ex.image.value == _picture_for(ex)

    in_a_kernel(kernel())


def test_in_a_kernel_a_rule_slow_to_draw_is_not_drawn_ahead():
    """Kernel › Interrupt does not reach drawing done between messages: a rule that takes over
    0.1 s to draw is drawn for the values the reader chooses only."""
    async def kernel():
        def slow(h):
            time.sleep(0.12)
            return {"eta": h["eta"]}

        ex = widgets.Explorer(surfaces.quadratic(), [widgets.Run("slow", reference_rule("gd"), slow)],
                              SLIDERS, steps=20)
        _step(ex.hyper_sliders["eta"])
        await asyncio.sleep(0.5)
        assert len(ex.pictures.kept) == 2  # the start and this step: nothing ahead

    in_a_kernel(kernel())


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


def test_the_loss_axis_stays_fixed_and_the_readout_follows_the_sliders():
    steep = surfaces.quadratic(1.0, 1000.0)
    ex = widgets.Explorer(steep, [widgets.Run("GD", reference_rule("gd")),
                                  widgets.Run("momentum", reference_rule("momentum"))],
                          SLIDERS, steps=200)
    first = ex.ax_loss.get_ylim()
    assert ex.readouts["GD"]
    for eta in (1e-3, 0.1, 1e-4, 1e-2):  # converging, diverging, crawling: the same axis
        ex.hyper_sliders["eta"].value = eta
        assert ex.ax_loss.get_ylim() == first
    ex.hyper_sliders["eta"].value = 0.1  # diverges: marked, with the step, in the readout
    k = widgets_diverged(ex, "GD")
    assert ex.readouts["GD"] == f"diverged at step {k}"
    assert list(ex.canvas.loss_crosses[0].get_data()[0]) == [k]
    ex.steps.value = k - 1  # the steps shown: the readout follows, no divergence yet
    assert ex.readouts["GD"].startswith("loss ")
    assert ex.readout in ex.widget.children and ex.widget.children.index(ex.readout) == 2


def widgets_diverged(ex, label):
    from descent.explorer.runs import diverged_at

    return diverged_at(ex.results[label], ex.surface.min_loss, ex.canvas.limit)


def test_compare_colours_yours_like_the_reference_dashed():
    from descent import plots

    ex = widgets.compare("momentum", reference_rule("momentum"), surfaces.quadratic(),
                         SLIDERS, others=["gd"])
    colors = dict(zip(ex.canvas.labels, ex.canvas.colors))
    assert colors == {"reference momentum": plots.COLORS["momentum"],
                      "your momentum": plots.COLORS["momentum"], "reference gd": plots.COLORS["gd"]}
    assert [ln.get_linestyle() for ln in ex.lines] == ["-", "--", "-"]


def test_any_matplotlib_colour_is_shown_in_the_readout_too():
    ex = widgets.Explorer(surfaces.quadratic(), [widgets.Run("GD", reference_rule("gd"), color="0.55")],
                          SLIDERS, steps=20)
    assert 'color:#8c8c8c' in ex.readout.value


def test_the_valleys_bounce_shows_in_the_coordinate_panel():
    """κ = 1e5: on the map every η draws one vertical line; θ₂ against the step shows GD settle
    onto the floor just below η = 2/b and bounce between the walls for good just above it."""
    valley = surfaces.valley()
    explorer = widgets.Explorer(valley, [widgets.Run("GD", reference_rule("gd"))],
                                {"eta": widgets.log_slider(1e-4, 3e-2, 1e-3)}, steps=300,
                                coordinate=2)
    bounce = {}
    for eta in (10 ** -2.75, 10 ** -2.65):  # the slider's values either side of 2/b = 2e-3
        explorer.hyper_sliders["eta"].value = eta
        t, theta2 = explorer.canvas.coord_lines[0].get_data()
        assert len(t) == 301
        bounce[eta] = np.abs(theta2[-50:])
        x = explorer.canvas.lines[0].get_data()[0]
        assert np.ptp(x) < 0.1  # the map: one vertical line (the plot is 20 wide)
    assert bounce[10 ** -2.75].max() < 1e-6
    assert bounce[10 ** -2.65].min() > 0.3
    try:
        widgets.Explorer(valley, [], {}, coordinate=3)
    except ValueError as err:
        assert "coordinate=3" in str(err)
    else:
        raise AssertionError("coordinate=3 accepted")


def _kappa_explorer(seen=None):
    gd = widgets.Run("GD", reference_rule("gd"))
    if seen is not None:
        gd.hyper = lambda h: seen.append(dict(h)) or {"eta": h["eta"]}
    return widgets.Explorer(surfaces.quadratic(1, 10), [gd],
                            {"kappa": widgets.log_slider(1, 1000, 10),
                             "eta": widgets.log_slider(1e-3, 1, 0.1)},
                            problem=lambda kappa: surfaces.quadratic(1, kappa), steps=60)


def test_problem_sliders_set_the_surface_and_not_the_rules():
    seen = []
    ex = _kappa_explorer(seen)
    assert ex.hyper_sliders["kappa"].description == "κ"
    first = bytes(ex.image.value)
    ex.hyper_sliders["kappa"].value = 100.0
    assert all("kappa" not in h for h in seen) and seen[-1] == {"eta": 0.1}
    assert ex.canvas.surface.params == {"h1": 1, "h2": 100.0}
    np.testing.assert_allclose(ex.results["GD"].theta,
                               rollout(reference_rule("gd"), surfaces.quadratic(1, 100),
                                       steps=60, eta=0.1).theta)
    assert "diverged" in ex.readouts["GD"]  # η = 0.1 > 2/κ = 0.02
    assert bytes(ex.image.value) != first
    assert "½(1θ₁² + 100θ₂²)" in ex.canvas.ax.get_title()  # the contours of that bowl
    # back to κ = 10: the picture kept, no roll-out, the contours of that bowl again
    rolled = len(seen)
    ex.hyper_sliders["kappa"].value = 10.0
    assert bytes(ex.image.value) == first and len(seen) == rolled
    assert ex.canvas.surface.params["h2"] == 10
    ex.steps.value = 30  # Play: the steps shown, on the bowl shown
    assert ex.canvas.surface.params["h2"] == 10


def test_the_loss_axis_covers_the_problems_at_the_sliders_ends():
    ex = _kappa_explorer()
    # κ = 1000: the largest loss over the plotted area is ½(4 + 1000·2.25) ≈ 1127: top 10⁵
    assert ex.canvas.top == 5
    plain = widgets.Explorer(surfaces.quadratic(1, 10), [widgets.Run("GD", reference_rule("gd"))],
                             {"eta": widgets.log_slider(1e-3, 1, 0.1)}, steps=60)
    assert plain.canvas.top == 3


def test_a_noise_slider_gives_every_run_the_same_noise_draws():
    runs = [widgets.Run("GD", reference_rule("momentum"), hyper={"alpha": 0.0}),
            widgets.Run("momentum", reference_rule("momentum"), hyper={"alpha": 0.9})]
    bowl = surfaces.quadratic(1, 4)
    ex = widgets.Explorer(bowl, runs, {"s": widgets.log_slider(0.1, 3, 1.0),
                                       "eta": widgets.log_slider(1e-3, 0.3, 0.02)},
                          problem=lambda s: {"noise": s}, steps=100)
    assert ex.hyper_sliders["s"].description == "s"
    for s in (1.0, 10 ** 0.3):
        ex.hyper_sliders["s"].value = s
        for label, alpha in (("GD", 0.0), ("momentum", 0.9)):
            alone = rollout(reference_rule("momentum"), bowl, steps=100, eta=0.02, alpha=alpha,
                            noise=ex.hyper_sliders["s"].value, seed=0)
            np.testing.assert_allclose(ex.results[label].theta, alone.theta)


def test_problem_must_name_sliders():
    try:
        widgets.Explorer(surfaces.quadratic(), [], {"eta": widgets.log_slider(1e-3, 1, 0.1)},
                         problem=lambda kappa: surfaces.quadratic(1, kappa))
    except ValueError as err:
        assert "kappa" in str(err)
    else:
        raise AssertionError("a problem slider without a slider accepted")


def test_the_page_tells_the_status_line_from_the_readout():
    ex = _explorer()
    assert "descent-status" in ex.status._dom_classes
    assert "descent-readout" in ex.readout._dom_classes
    assert ex.widget.children[2] is ex.readout and ex.widget.children[3] is ex.status
    for label, text in ex.readouts.items():
        assert f"{label}:" in ex.readout.value and text in ex.readout.value
