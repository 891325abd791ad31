"""The explorer's figure (descent.explorer.canvas): lines moved with set_data and blitted over the
kept background give, to the pixel, the picture a full draw gives; the loss panel's y axis is
fixed once; runs are coloured by method; diverged runs are marked; the readout."""
import io
from types import SimpleNamespace

import numpy as np
from conftest import reference_rule
from PIL import Image

from descent import surfaces
from descent.explorer.canvas import Canvas
from descent.explorer.runs import Run, diverged_at, number
from descent.rollout import rollout

QUAD = surfaces.quadratic()
RUNS = [Run("momentum", reference_rule("momentum")), Run("GD", reference_rule("gd"), dashed=True)]


def _results(eta, steps=60, surface=QUAD):
    with np.errstate(all="ignore"):  # some diverge
        return {"momentum": rollout(reference_rule("momentum"), surface, steps=steps, eta=eta,
                                    alpha=0.9),
                "GD": rollout(reference_rule("gd"), surface, steps=steps, eta=eta)}


def _pixels(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(jpeg)))


def _same(picture, full) -> bool:
    """The same picture, but for JPEG noise and the antialiasing of a few pixels where the
    y axis's ticks meet the loss panel's edge (a line missing changes 30,000 pixels by 200)."""
    diff = np.abs(_pixels(picture).astype(int) - _pixels(full).astype(int))
    return diff.max() <= 8 and (diff.sum(axis=-1) > 0).sum() < 200


def _losses(lo, hi):
    """A made-up trajectory whose losses (above the minimum) span lo..hi."""
    loss = np.geomspace(hi, lo, 11) + QUAD.min_loss
    return {"GD": SimpleNamespace(theta=np.zeros((11, 2)), loss=loss)}


def test_a_picture_is_a_jpeg_of_the_figure():
    canvas = Canvas(QUAD, RUNS, 60, size=(9.0, 3.8), dpi=80)
    canvas.place(_results(0.05), 60)
    picture = canvas.picture()
    assert picture[:2] == b"\xff\xd8" and _pixels(picture).shape == (304, 720, 3)
    assert [line.get_label() for line in canvas.lines] == ["momentum", "GD"]
    assert canvas.lines[1].get_linestyle() == "--"


def test_blitting_gives_the_picture_a_full_draw_gives():
    canvas = Canvas(QUAD, RUNS, 60)
    for eta, n in [(0.05, 60), (0.2, 60), (0.005, 60), (0.05, 10), (0.05, 0)]:
        canvas.place(_results(eta), n)
        blitted = canvas.picture()
        assert _same(blitted, canvas.full_picture()), (eta, n)
        assert canvas.picture() == blitted  # a full draw leaves the kept background as it was
    alone = Canvas(QUAD, RUNS, 60, loss_panel=False)
    alone.place(_results(0.05), 60)
    assert alone.ax_loss is None and alone.loss_lines == []
    assert _same(alone.picture(), alone.full_picture())


def test_lines_show_the_first_n_steps():
    canvas = Canvas(QUAD, RUNS, 60)
    results = _results(0.05)
    canvas.place(results, 10)
    x, y = canvas.lines[0].get_data()
    np.testing.assert_allclose(np.c_[x, y], results["momentum"].theta[:11])
    np.testing.assert_allclose(np.c_[canvas.ends[0].get_data()], results["momentum"].theta[10:11])
    np.testing.assert_allclose(np.c_[canvas.starts[0].get_data()], results["momentum"].theta[:1])
    np.testing.assert_allclose(canvas.loss_lines[1].get_data()[1],
                               results["GD"].loss[:11] - QUAD.min_loss)
    canvas.place({"GD": results["GD"]}, 10)  # no trajectory for momentum: no lines
    assert len(canvas.lines[0].get_data()[0]) == len(canvas.loss_lines[0].get_data()[0]) == 0


def test_the_loss_axis_is_fixed_once_from_the_surface_and_the_first_runs():
    canvas = Canvas(QUAD, RUNS, 60)
    _, _, Z = QUAD.grid(240)
    assert canvas.limit >= 10 * (Z.max() - QUAD.min_loss)  # the top: 10 × the plotted losses
    canvas.place(_losses(3e-5, 0.2), 10)
    lo, hi = canvas.loss_decades
    assert lo == -7 and 10.0 ** hi == canvas.limit  # two decades below the lowest loss reached
    first = canvas.ax_loss.get_ylim()
    for lo_, hi_ in [(1e-30, 1.0), (10.0, 10.0), (3e-2, 20.0)]:  # later runs: the same axis
        canvas.place(_losses(lo_, hi_), 10)
        assert canvas.ax_loss.get_ylim() == first and canvas.loss_decades == (lo, hi)
        assert _same(canvas.picture(), canvas.full_picture())


def test_without_a_finite_loss_the_panel_has_no_y_axis_as_when_first_drawn():
    """As when every rule raises: the axis is fixed by the first runs with a finite loss."""
    canvas = Canvas(QUAD, RUNS, 60)
    canvas.place({}, 60)
    empty = canvas.picture()
    assert canvas.loss_decades is None and _same(empty, canvas.full_picture())
    canvas.place(_results(0.05), 60)
    assert canvas.loss_decades is not None and not _same(canvas.picture(), empty)


def test_a_diverged_run_ends_with_a_cross_at_the_step_it_diverged():
    steep = surfaces.quadratic(1.0, 1000.0)
    canvas = Canvas(steep, RUNS, 200)
    results = _results(0.1, steps=200, surface=steep)  # GD diverges, momentum too
    canvas.place(results, 200)
    k = diverged_at(results["GD"], steep.min_loss, canvas.limit)
    assert k is not None and 0 < k < 200
    steps, gap = canvas.loss_lines[1].get_data()
    assert np.isfinite(gap).all() and gap.max() == canvas.limit  # clipped to the top...
    assert steps[-1] == k and len(steps) == k + 1  # ...and ends at the step it diverged
    assert list(canvas.loss_crosses[1].get_data()[0]) == [k]
    assert len(canvas.crosses[1].get_data()[0]) == 1 and len(canvas.ends[1].get_data()[0]) == 0
    x, y = canvas.lines[1].get_data()
    assert len(x) == k and np.isfinite(x).all()  # the path stops before it leaves
    canvas.place(results, k - 1)  # before it diverged: no cross yet
    assert len(canvas.crosses[1].get_data()[0]) == 0 and len(canvas.ends[1].get_data()[0]) == 1
    assert len(canvas.loss_crosses[1].get_data()[0]) == 0
    lo, hi = canvas.ax_loss.get_ylim()
    assert 0 < lo < hi == canvas.limit


def test_runs_are_coloured_by_their_method():
    from descent import plots

    runs = [Run("GD", reference_rule("gd")), Run("fast", reference_rule("momentum")),
            Run("reference nesterov", reference_rule("nesterov")),
            Run("your nesterov", reference_rule("nesterov"), dashed=True, method="nesterov"),
            Run("mine", reference_rule("gd"), color="#123456")]
    canvas = Canvas(QUAD, runs, 60)
    assert canvas.colors == [plots.COLORS["gd"], plots.COLORS["momentum"],
                             plots.COLORS["nesterov"], plots.COLORS["nesterov"], "#123456"]
    assert canvas.lines[3].get_linestyle() == "--" and canvas.lines[2].get_linestyle() == "-"
    assert [h.get_color() for h in canvas.halos] == ["white"] * 5  # seen on dark contours too
    two = Canvas(QUAD, [Run("GD small η", reference_rule("gd")),
                        Run("GD large η", reference_rule("gd"))], 60)
    assert two.colors[0] == plots.COLORS["gd"] and two.colors[1] != two.colors[0]


def test_the_readout_says_how_each_run_ends():
    steep = surfaces.quadratic(1.0, 1000.0)
    canvas = Canvas(steep, RUNS, 200)
    results = _results(0.1, steps=200, surface=steep)
    k = diverged_at(results["GD"], steep.min_loss, canvas.limit)
    assert canvas.readout(results, 200)["GD"] == f"diverged at step {k}"
    good = _results(0.05, steps=400)
    text = Canvas(QUAD, RUNS, 400).readout(good, 400)["momentum"]
    traj = good["momentum"]
    reached = int(np.argmax(traj.loss - QUAD.min_loss <= 1e-6))
    assert 0 < reached < 400
    assert text == (f"loss {number(traj.loss[400])}   ‖g‖ {number(traj.grad_norm[400])}   "
                    f"within 10⁻⁶ of the minimum at step {reached}")
    assert "not within 10⁻⁶" in Canvas(QUAD, RUNS, 60).readout(good, 3)["momentum"]
    assert number(0.05) == "0.05" and number(2000) == "2000" and number(1.5e-9) == "1.5·10⁻⁹"
    assert [number(x) for x in (0.0501187, 1.832e-4, 5.049, 1e-6, 0.9, 12345.6, -3e-7)] == \
        ["0.0501", "1.83·10⁻⁴", "5.05", "10⁻⁶", "0.9", "12300", "−3·10⁻⁷"]


def test_an_explorer_can_share_another_ones_fixed_loss_axis():
    from descent import reference, surfaces, widgets

    runs = [widgets.Run("momentum", reference.rule("momentum"), hyper={"alpha": 0.9})]

    def explorer(eta, **kw):
        return widgets.Explorer(surfaces.rosenbrock(), runs,
                                {"eta": widgets.log_slider(1e-4, 1e-2, eta)}, steps=300, **kw)

    first = explorer(1e-3)
    first.hyper_sliders["eta"].value = 2e-3  # the axis stays where the first runs fixed it
    same = explorer(2e-3, loss_decades=first.canvas.loss_decades)
    own = explorer(2e-3)
    assert same.canvas.loss_decades == first.canvas.loss_decades
    assert own.canvas.loss_decades != first.canvas.loss_decades  # fixed from its own first runs
    assert bytes(same.image.value) == bytes(first.image.value)
    assert bytes(own.image.value) != bytes(first.image.value)


def test_a_coordinate_panel_shows_theta2_against_the_step_under_the_loss():
    canvas = Canvas(QUAD, RUNS, 60, size=(9.0, 5.0), coordinate=2)
    results = _results(0.05)
    canvas.place(results, 40)
    t, y = canvas.coord_lines[0].get_data()
    np.testing.assert_array_equal(t, np.arange(41))
    np.testing.assert_allclose(y, results["momentum"].theta[:41, 1])
    assert canvas.coord_lines[1].get_linestyle() == "--"
    assert canvas.ax_coord.get_yscale() == "symlog" and canvas.ax_coord.get_ylim() == QUAD.ylim
    # one step axis: the loss panel's above it, unlabelled
    assert canvas.ax_coord.get_shared_x_axes().joined(canvas.ax_coord, canvas.ax_loss)
    assert canvas.ax_coord.bbox.y1 < canvas.ax_loss.bbox.y0
    assert _same(canvas.picture(), canvas.full_picture())
    alone = Canvas(QUAD, RUNS, 60, loss_panel=False, coordinate=1)
    alone.place(results, 60)
    np.testing.assert_allclose(alone.coord_lines[0].get_data()[1], results["momentum"].theta[:, 0])
    assert _same(alone.picture(), alone.full_picture())


def test_another_surface_gets_its_own_background_drawn_once():
    canvas = Canvas(QUAD, RUNS, 60)
    canvas.place(_results(0.05), 60)
    steep = surfaces.quadratic(1, 100)
    canvas.place(_results(0.005, surface=steep), 60, steep)
    assert canvas.surface is steep and "100θ₂²" in canvas.ax.get_title()
    assert _same(canvas.picture(), canvas.full_picture())
    back = canvas._background
    canvas.place(_results(0.05), 60, QUAD)
    assert _same(canvas.picture(), canvas.full_picture()) and canvas._background is not back
    canvas.place(_results(0.005, surface=steep), 60, steep)
    assert canvas._background is back  # kept, not drawn again
