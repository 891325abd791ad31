"""The explorer's figure (descent.explorer.canvas): lines moved with set_data and blitted over the
kept background give, to the pixel, the picture a full draw gives; the loss panel's y axis is
drawn once per decade range and kept."""
import io
from types import SimpleNamespace

import numpy as np
from conftest import reference_rule
from PIL import Image

from descent import surfaces
from descent.explorer.canvas import Canvas
from descent.explorer.runs import Run
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


def test_the_loss_panel_is_limited_to_whole_decades():
    canvas = Canvas(QUAD, RUNS, 60)
    canvas.place(_losses(3e-5, 0.2), 10)
    assert canvas.loss_decades == (-5, 0) and canvas.ax_loss.get_ylim() == (1e-5, 1.0)
    canvas.place(_losses(10.0, 10.0), 10)  # at least one decade shown
    assert canvas.loss_decades == (0, 1)
    canvas.place(_losses(1e-30, 1.0), 10)  # at most 14 decades below the top
    assert canvas.loss_decades == (-14, 0)


def test_the_y_axis_is_drawn_once_per_decade_range_and_kept():
    canvas = Canvas(QUAD, RUNS, 60)
    canvas.place(_losses(3e-5, 0.2), 10)
    first = canvas.picture()
    canvas.place(_losses(3e-2, 20.0), 10)
    other = canvas.picture()
    canvas.place(_losses(2e-5, 0.3), 10)
    assert canvas.kept_y_axes == ((-5, 0), (-2, 2))
    assert canvas.picture() != first  # the lines moved, the axis is the one kept
    canvas.place(_losses(3e-5, 0.2), 10)
    assert canvas.picture() == first and _same(first, canvas.full_picture())
    assert not _same(other, first)
    for k in range(canvas.KEPT_Y_AXES + 3):
        canvas.place(_losses(10.0 ** (-k - 3), 10.0 ** (-k)), 10)
    assert len(canvas.kept_y_axes) == canvas.KEPT_Y_AXES == 32
    assert canvas.kept_y_axes[-1] == (-37, -34)
    assert _same(canvas.picture(), canvas.full_picture())


def test_without_a_finite_loss_the_panel_has_no_y_axis_as_when_first_drawn():
    """As when every rule raises (a run that diverges stays at the top of the panel)."""
    canvas = Canvas(QUAD, RUNS, 60)
    canvas.place({}, 60)
    empty = canvas.picture()
    assert canvas.loss_decades is None and _same(empty, canvas.full_picture())
    canvas.place(_results(0.05), 60)
    assert canvas.loss_decades is not None and not _same(canvas.picture(), empty)
    canvas.place({}, 60)
    assert canvas.loss_decades is None and canvas.picture() == empty


def test_diverging_runs_are_capped_at_the_top_of_the_loss_panel():
    steep = surfaces.quadratic(1.0, 1000.0)
    canvas = Canvas(steep, RUNS, 200)
    results = _results(0.1, steps=200, surface=steep)
    canvas.place(results, 200)
    capped = canvas.loss_lines[1].get_data()[1]
    cap = 1e3 * (steep.loss(steep.start) - steep.min_loss)
    assert np.isfinite(capped).all() and np.isclose(capped.max(), cap)
    lo, hi = canvas.ax_loss.get_ylim()
    assert 0 < lo < hi <= 10 * cap
