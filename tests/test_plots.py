"""The course's figures (descent.plots): the lowest contour region filled, every critical point
marked, one colour per method, θ₁/θ₂ on the axes and legends outside the paths."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from descent import plots, surfaces  # noqa: E402

ALL = [surfaces.get(name) for name in surfaces.SURFACES]


def _filled(ax):
    return next(c for c in ax.collections if isinstance(c, ContourSet) and c.filled)


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.name)
def test_the_lowest_region_is_filled_and_every_critical_point_marked(s):
    fig, ax = plt.subplots()
    plots.contour(ax, s)
    levels = _filled(ax).levels
    assert levels.min() <= s.min_loss  # the region of lowest loss is filled, not left white
    _, _, Z = plots._grid(s, 240)
    assert levels.min() <= Z.min() and levels.max() >= Z.max()  # every grid point filled
    marks = [ln for ln in ax.lines if (ln.get_gid() or "").startswith("critical:")]
    got = sorted((ln.get_gid(), float(ln.get_xdata()[0]), float(ln.get_ydata()[0])) for ln in marks)
    want = sorted((f"critical:{p.kind}", float(p.theta[0]), float(p.theta[1]))
                  for p in s.critical_points)
    assert got == want
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("θ₁", "θ₂")
    plt.close(fig)


def test_the_valley_floor_shows_its_slope():
    """The floor rises by ½a·x² = 0.5 from the middle to the edge: several filled levels along it."""
    valley = surfaces.valley()
    X, Y, Z = plots._grid(valley, 240)
    floor = Z[np.argmin(np.abs(Y[:, 0]))]
    assert np.allclose(floor, 0.005 * X[0] ** 2)  # the floor (y = 0) is on the grid
    bands = np.unique(np.searchsorted(plots.contour_levels(valley), floor))
    assert len(bands) >= 6


def test_one_colour_per_method():
    assert plots.color("gd") == plots.COLORS["gd"] and plots.color("adam") == plots.COLORS["adam"]
    names = ["gd", "momentum", "momentum_ema", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
             "adamax", "nadam", "radam", "amsgrad", "adamw", "local_gains", "reference"]
    assert list(plots.COLORS.keys()) == names and len(set(plots.COLORS)) == len(names)
    assert plots.color("GD (α = 0)") == plots.color("reference gd") == plots.COLORS["gd"]
    assert plots.color("your momentum") == plots.COLORS["momentum"]
    assert plots.color("EMA form") == plots.COLORS["momentum_ema"]
    assert plots.color("something else", default="k") == "k"
    with pytest.raises(KeyError):
        plots.color("something else")
    assert plots.COLORS[0] == "#1f77b4" and len(plots.COLORS[1:3]) == 2  # still a sequence
    assert plots.colors_for(["momentum", "gd", "learning rate 1"])[:2] == [
        plots.COLORS["momentum"], plots.COLORS["gd"]]


def test_helpers_colour_by_method_and_put_the_legend_outside():
    s = surfaces.saddle()
    theta = np.linspace([0.0, 1.5], [1.0, 0.0], 20)
    ax = plots.trajectories(s, {"momentum": theta, "GD": theta[::-1]})
    lines = {ln.get_label(): ln for ln in ax.lines if not ln.get_label().startswith("_")}
    assert lines["momentum"].get_color() == plots.COLORS["momentum"]
    assert lines["GD"].get_color() == plots.COLORS["gd"]
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.y1 <= ax.get_window_extent().y0  # below the axes, over no path
    fig, ax2 = plt.subplots()
    plots.curves(ax2, {"adam": [3.0, 2.0, 1.0], "gd": [3.0, 2.5, 2.0]})
    assert [ln.get_color() for ln in ax2.lines] == [plots.COLORS["adam"], plots.COLORS["gd"]]
    plt.close("all")


def test_a_path_that_diverges_ends_with_a_cross_at_its_last_finite_point():
    fig, ax = plt.subplots()
    theta = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [np.inf, np.nan], [np.nan, np.nan]])
    line = plots.path(ax, theta, label="gd")
    assert len(line.get_xdata()) == 3
    cross = [ln for ln in ax.lines if ln.get_marker() == "X"]
    assert len(cross) == 1 and (cross[0].get_xdata()[0], cross[0].get_ydata()[0]) == (2.0, 2.0)
    plt.close(fig)


def test_panels_put_at_most_two_in_a_row():
    fig, ax = plots.panels(1)
    assert isinstance(ax, plt.Axes)
    for n in (2, 3, 4):
        fig, axes = plots.panels(n)
        assert len(axes) == len(fig.axes) == n
        columns = {round(a.get_position().x0, 3) for a in axes}
        assert len(columns) <= 2
    with pytest.raises(ValueError):
        plots.panels(0)
    plt.close("all")


def test_shades_stay_the_method_s_colour_from_light_to_dark():
    from matplotlib.colors import to_rgb

    gd = plots.shades("gd", 3)
    assert len(set(gd)) == 3 and plots.shades("momentum", 1) == [plots.COLORS["momentum"]]
    light, dark = (np.array(to_rgb(c)) for c in plots.shades("gd", 2))
    base = np.array(to_rgb(plots.COLORS["gd"]))
    assert light.sum() > base.sum() > dark.sum()
    hue = lambda c: np.argsort(c).tolist()  # noqa: E731  the order of r, g, b: the same hue
    assert hue(light) == hue(base) == hue(dark)


def test_series_and_finish_colour_by_method_and_put_the_legend_below():
    fig, ax = plots.panels(1)
    lines = plots.series(ax, {"GD": [3.0, 2.0, 1.0], "Nesterov": [3.0, 1.0, 0.5]})
    assert [ln.get_color() for ln in lines] == [plots.COLORS["gd"], plots.COLORS["nesterov"]]
    shade = plots.shades("gd", 2)
    lines = plots.series(ax, {"η = 1": [1, 2], "η = 2": [2, 1]}, x=[1, 2], colors=shade, styles=["-", "--"])
    assert [ln.get_color() for ln in lines] == shade and lines[1].get_linestyle() == "--"
    plots.finish(ax, title="GD stalls", xlabel="step t", ylabel="loss", ylog=True)
    assert ax.get_title() == "GD stalls" and ax.get_yscale() == "log"
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().y1 <= ax.get_window_extent().y0
    plots.finish(ax, legend=None)
    assert ax.get_legend() is None
    plt.close(fig)


def test_trajectories_and_curves_share_colours_and_one_legend():
    s = surfaces.saddle()
    theta = np.linspace([0.0, 1.5], [1.0, 0.0], 20)
    fig, (ax, ax2) = plots.trajectories_and_curves(
        s, {"GD": theta, "momentum": theta[::-1]}, {"GD": np.ones(20), "momentum": np.ones(20) / 2},
        titles=("momentum wins", None))
    paths = {ln.get_label(): ln.get_color() for ln in ax.lines if not ln.get_label().startswith("_")}
    curves = {ln.get_label(): ln.get_color() for ln in ax2.lines}
    assert paths == curves == {"GD": plots.COLORS["gd"], "momentum": plots.COLORS["momentum"]}
    assert ax.get_legend() is None and ax2.get_legend() is not None
    assert ax.get_title() == "momentum wins" and len(fig.axes) == 2
    shade = plots.shades("gd", 2)
    fig, (ax, ax2) = plots.trajectories_and_curves(
        s, {"η = 0.1": theta, "η = 0.2": theta}, {"η = 0.1": np.ones(20), "η = 0.2": np.ones(20)},
        colors=shade, styles=["-", "--"])
    assert [ln.get_color() for ln in ax2.lines] == shade
    plt.close("all")


def test_rate_curves_on_a_log_axis_with_measured_dots_in_the_method_colour():
    fig, ax = plots.panels(1)
    h = np.logspace(-3, 0.5, 50)
    plots.rate_curves(ax, h, {"GD: |1 − h|": np.abs(1 - h), "Nesterov (eigenvalues)": 0.9 + 0 * h},
                      measured={"Nesterov (measured)": 0.9 + 0 * h[::5]}, h_measured=h[::5])
    assert ax.get_xscale() == "log"
    dots = [ln for ln in ax.lines if ln.get_label() == "Nesterov (measured)"]
    assert dots[0].get_color() == plots.COLORS["nesterov"]
    assert any(ln.get_ydata()[0] == 1 for ln in ax.lines if ln.get_linestyle() == ":")  # ρ = 1
    plots.figure_legend(fig, ax)
    assert len(fig.legends) == 1
    plt.close(fig)


def test_measured_vs_theory_pairs_dots_with_lines_and_draws_extra_lines_as_reference():
    fig, ax = plots.panels(1)
    eta = np.geomspace(1e-3, 0.3, 6)
    fine = np.geomspace(1e-3, 0.3, 40)
    plots.measured_vs_theory(ax, eta, {"GD (measured)": eta / 4, "momentum (measured)": eta / 4},
                             {"GD: formula": fine / 4, "momentum: formula": fine / 4, "η/4": fine / 4},
                             x_theory=fine, title="the floor grows ∝ η", xlabel="η", ylabel="floor")
    dots = {ln.get_label(): ln for ln in ax.lines if ln.get_linestyle() == "None"}
    lines = {ln.get_label(): ln for ln in ax.lines if ln.get_linestyle() != "None"}
    assert set(dots) == {"GD (measured)", "momentum (measured)"} and len(dots["GD (measured)"].get_xdata()) == 6
    assert dots["GD (measured)"].get_color() == lines["GD: formula"].get_color() == plots.COLORS["gd"]
    assert dots["momentum (measured)"].get_color() == lines["momentum: formula"].get_color() == plots.COLORS["momentum"]
    assert lines["η/4"].get_color() == plots.COLORS["reference"] and lines["η/4"].get_linestyle() == ":"
    assert len(lines["GD: formula"].get_xdata()) == 40
    assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_title() == "the floor grows ∝ η"
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().y1 <= ax.get_window_extent().y0   # below the axes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]                 # a column per pair
    assert legend == ["GD (measured)", "GD: formula", "momentum (measured)", "momentum: formula", "η/4"]
    assert ax.get_legend()._ncols == 3
    shade = plots.shades("gd", 2)
    fig2, ax2 = plots.panels(1)
    plots.measured_vs_theory(ax2, [1, 2], {"with": [1, 0.5], "without": [1, 0.4]}, {"1/B": [1, 0.5]},
                             colors=shade, xlog=False)
    assert [ln.get_color() for ln in ax2.lines] == [shade[0], shade[1], shade[0]] and ax2.get_xscale() == "linear"
    plt.close("all")


def test_bands_draw_the_median_and_the_range_of_the_seeds_in_the_method_colour():
    fig, ax = plt.subplots()
    steps = np.arange(5)
    runs = {"Adam": np.array([[1.0, 2.0, 3.0]] * 5), "GD": np.ones((5, 3))}
    plots.bands(ax, steps, runs)
    line = ax.get_lines()[0]
    assert line.get_color() == plots.color("adam") and np.allclose(line.get_ydata(), 2.0)
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(1.0) and band.max() == pytest.approx(3.0)
    assert ax.get_yscale() == "log"
    plt.close(fig)


def test_race_map_colours_by_decades_behind_the_best_and_writes_the_places():
    fig, ax = plt.subplots()
    scores = np.array([[1e-3, 1.0], [1e-6, np.inf], [1e-5, 0.5]])
    image = plots.race_map(ax, ["a", "b", "c"], ["one", "two"], scores)
    np.testing.assert_allclose(image.get_array(), [[3, np.log10(2)], [0, 12], [1, 0]], atol=1e-12)
    assert [t.get_text() for t in ax.texts] == ["3", "2", "1", "3", "2", "1"]
    plt.close(fig)
