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
             "adamax", "nadam", "radam", "local_gains", "reference"]
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
