"""The race (descent.race): each optimizer's own η from one batched sweep per track, scores that
rank runs as the lectures claim, and the effective per-coordinate rate against the ideal 1/λ."""
import numpy as np
import pytest
from conftest import reference_rule

from descent import problems, race, surfaces
from descent.rollout import effective_rates, ideal_rates, rollout

BOWL = race.Track("bowl", surfaces.quadratic(1, 10), 60)


def test_gd_is_tuned_to_the_grid_value_with_the_fastest_rate():
    """On a quadratic, GD's error after T steps shrinks like ρ(η)^T with ρ = max |1 − ηλ|: the
    tuned η is the grid value with the smallest ρ (the optimum 2/(λ_min + λ_max) = 2/11 is off the
    grid), and a value beyond 2/λ_max = 0.2 grows and scores worst; one that overflows scores ∞."""
    grid = np.array([0.05, 0.1, 0.14, 0.17, 0.188, 0.21])   # ρ: 0.95, 0.9, 0.86, 0.83, 0.88, 1.1
    tuned = race.tune(race.Entry("GD", reference_rule("gd"), values=grid), BOWL)
    rho = np.maximum(abs(1 - grid * 1.0), abs(1 - grid * 10.0))
    assert tuned.value == grid[np.argmin(rho)] == 0.17
    assert np.argsort(tuned.scores).tolist() == np.argsort(rho).tolist() and tuned.scores[-1] > 1e4
    overflow = race.tune(race.Entry("GD", reference_rule("gd"), values=[0.17, 5.0]), race.Track("b", BOWL.problem, 400))
    assert np.isinf(overflow.scores[1]) and overflow.value == 0.17
    np.testing.assert_array_equal(tuned.best.theta, rollout(reference_rule("gd"), BOWL.problem, steps=60, eta=0.17).theta)


def test_the_score_is_the_late_loss_above_the_floor_averaged_over_seeds():
    track = race.Track("noisy", surfaces.quadratic(1, 4), 200, noise=1.0, seeds=50)
    tuned = race.tune(race.Entry("GD", reference_rule("gd"), values=[0.01, 0.05]), track)
    # the noise floor of GD, ηs²/(2(2 − ηλ)) per direction (lecture 01), for η = 0.05 after 200 steps
    floor = sum(0.05 / (2 * (2 - 0.05 * lam)) for lam in (1.0, 4.0))
    assert tuned.scores[1] == pytest.approx(floor, rel=0.25)
    assert track.floor == 0.0


def test_equal_scores_go_to_the_run_that_arrives_first():
    entries = [race.Entry("slow", reference_rule("gd"), values=[0.3]),
               race.Entry("fast", reference_rule("gd"), values=[0.9])]
    track = race.Track("exact", problems.quadratic([1.0]), 400)   # both reach the floor exactly
    result = race.run(entries, [track])
    assert result.tuned["exact"]["slow"].score < 1e-100 and result.tuned["exact"]["fast"].score < 1e-100
    assert result.winner("exact") == "fast"
    assert all(len(line) <= 90 for line in result.table().splitlines())


def test_effective_rates_are_eta_for_gd_and_grow_to_eta_over_one_minus_alpha_for_momentum():
    gd = rollout(reference_rule("gd"), surfaces.quadratic(1, 10), steps=20, eta=0.05)
    np.testing.assert_allclose(effective_rates(gd, surfaces.quadratic(1, 10)), 0.05, rtol=1e-9)
    line = problems.quadratic([1e-9, 1.0], start=[1e3, 1.0])       # along θ₁ the slope stays 1e-6
    mom = rollout(reference_rule("momentum"), line, steps=300, eta=0.1, alpha=0.9)
    rates = effective_rates(mom, line)
    assert rates[0, 0] == pytest.approx(0.1) and rates[-1, 0] == pytest.approx(0.1 / (1 - 0.9), rel=1e-3)
    with pytest.raises(ValueError, match="every step"):
        effective_rates(rollout(reference_rule("gd"), line, steps=10, every=2, eta=0.1), line)


def test_the_ideal_rate_is_one_over_the_curvature():
    np.testing.assert_allclose(ideal_rates(problems.quadratic([2.0, 50.0]), [0.3, -0.7]), [0.5, 0.02], rtol=1e-8)
    valley = surfaces.valley()   # ½a·θ₁² + b·w²·log cosh(θ₂/w): curvatures a and b on the floor
    np.testing.assert_allclose(ideal_rates(valley, valley.minimizer), [1 / 0.01, 1 / 1000], rtol=1e-6)


def test_the_race_figure_has_a_panel_per_track_naming_its_winner_and_the_rates_their_ideal():
    import matplotlib
    matplotlib.use("Agg")
    from descent import plots

    entries = [race.Entry("GD", reference_rule("gd")), race.Entry("momentum", reference_rule("momentum"), {"alpha": 0.9})]
    result = race.run(entries)
    fig = plots.race(result)
    titles = [ax.get_title() for ax in fig.axes]
    assert [t.split(":")[0].split(",")[0] for t in titles] == [t.name for t in race.TRACKS]
    assert all(t.endswith(f"{result.winner(track.name)} ahead") for t, track in zip(titles, race.TRACKS))
    assert [line.get_color() for line in fig.axes[0].lines] == [plots.color("gd"), plots.color("momentum")]
    fig2, ax = plots.panels(1)
    valley = surfaces.valley()
    rates = {"GD": effective_rates(rollout(reference_rule("gd"), valley, steps=30, eta=1e-3), valley)}
    plots.effective_rates(ax, rates, ideal_rates(valley, valley.minimizer), coordinate=2)
    assert [line.get_label() for line in ax.lines] == ["GD", "ideal 1/λ₂"]
    assert ax.lines[1].get_ydata()[0] == pytest.approx(1e-3) and ax.get_yscale() == "log"


def test_a_scheduled_entry_tunes_the_peak_of_its_schedule():
    """η_t = η·schedule(t, steps): GD on L = ½θ² with a schedule halving η after the first step
    multiplies θ by (1 − η)(1 − η/2)² in three steps; the tuned η is the schedule's peak."""
    track = race.Track("bowl", surfaces.quadratic(1.0, 1.0), 3)
    seen = set()

    def halve(t, steps):
        seen.add(steps)
        return 1.0 if t == 1 else 0.5

    tuned = race.tune(race.Entry("GD halved", reference_rule("gd"), values=np.array([0.5, 0.8]),
                                 schedule=halve), track)
    assert tuned.value == 0.8 and seen == {3}
    np.testing.assert_allclose(tuned.best.theta[-1], track.problem.start * 0.2 * 0.6**2, rtol=1e-14)
    np.testing.assert_allclose(tuned.best.theta[1], track.problem.start * 0.2, rtol=1e-14)
