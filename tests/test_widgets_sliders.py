"""An explorer's sliders (descent.explorer.sliders): the widgets a spec makes, their values as the
explorer computes with them, and the values next to a slider's value on its grid, as the page
computes them (those are drawn ahead)."""
import ipywidgets as W
import numpy as np

from descent import surfaces
from descent.explorer.sliders import Controls, exact, log_slider, make_slider, slider

SLIDERS = {"eta": log_slider(1e-4, 1e-1, 1e-2), "alpha": slider(0.0, 0.99, 0.9)}


def test_specs_make_log_and_linear_sliders():
    eta = make_slider("eta", log_slider(1e-4, 1e-1, 1e-2, description="η"))
    assert isinstance(eta, W.FloatLogSlider) and eta.description == "η"
    assert (eta.base, eta.min, eta.max, eta.step, eta.value) == (10, -4, -1, 0.05, 1e-2)
    alpha = make_slider("alpha", slider(0.0, 0.999, 0.9, 0.001))
    assert isinstance(alpha, W.FloatSlider) and alpha.description == "α"  # Greek by default
    assert (alpha.min, alpha.max, alpha.step, alpha.value) == (0.0, 0.999, 0.001, 0.9)
    assert eta.continuous_update and alpha.continuous_update


def test_integers_get_integer_sliders_and_numbers_read_plainly():
    after = make_slider("after", slider(1, 30, 2, 1))
    assert isinstance(after, W.IntSlider) and after.value == 2 and after.description == "after"
    c = Controls(surfaces.quadratic(), {"after": slider(1, 30, 2, 1), **SLIDERS}, steps=60)
    assert c.values()["after"] == 2 and isinstance(c.values()["after"], int)
    assert [v["after"] for v, _, _ in c.neighbours(c.hyper_sliders["after"], 2)] == [3, 1, 4]
    assert isinstance(c.steps, W.IntSlider)
    eta = make_slider("eta", log_slider(1e-4, 1e-1, 1e-2))
    assert eta.readout_format == ".3~r"  # 0.05, 0.001, 2000: never 5.01e-2 or 0.00100
    assert make_slider("alpha", slider(0.0, 0.99, 0.9, 0.01)).readout_format == ".2~f"  # 0.9
    assert make_slider("alpha", slider(0.0, 0.999, 0.9, 0.001)).readout_format == ".3~f"
    # a log slider's grid runs through its first value: 0.05 is shown as 0.05, not 0.0501
    eta = make_slider("eta", log_slider(1e-3, 1e-1, 0.05))
    assert eta.value == 0.05 and 10 ** eta.min >= 1e-3 and 10 ** eta.max <= 1e-1
    assert abs((np.log10(0.05) - eta.min) / eta.step - round((np.log10(0.05) - eta.min) / eta.step)) < 1e-9
    assert [make_slider(k, SLIDERS[k]).description for k in SLIDERS] == ["η", "α"]
    widths = {s.style.description_width for s in (*c.hyper_sliders.values(), c.start_x, c.steps)}
    lengths = {s.layout.width for s in (*c.hyper_sliders.values(), c.start_x, c.steps)}
    assert len(widths) == 1 and len(lengths) == 1  # labels of equal width, sliders of equal length
    assert c.box.children[-1].children[0] is c.steps  # the steps slider first in its row: aligned


def test_the_controls_and_their_state():
    quad = surfaces.quadratic()
    c = Controls(quad, SLIDERS, steps=60)
    assert list(c.hyper_sliders) == ["eta", "alpha"]
    assert c.trajectory_sliders == [*c.hyper_sliders.values(), c.start_x, c.start_y]
    assert c.state() == ({"eta": 0.01, "alpha": 0.9}, tuple(quad.start), 60)
    assert (c.steps.max, c.steps.value, c.play.value) == (60, 60, False)
    assert c.player.values() == list(range(61))  # at the end: from 0, every step (60 < 100)
    c = Controls(quad, SLIDERS, steps=10, start=(0.5, -0.25))
    assert c.start() == (0.5, -0.25)


def test_values_are_read_to_twelve_digits():
    assert exact(10.0 ** (-4 + 41 * 0.05)) == exact(0.011220184543019643) == 0.011220184543
    c = Controls(surfaces.quadratic(), SLIDERS, steps=60)
    c.hyper_sliders["eta"].value = 10.0 ** (-4 + 41 * 0.05)  # as the page computes it
    assert c.values()["eta"] == 0.011220184543


def test_neighbours_on_a_log_slider_nearest_first_on_its_grid():
    c = Controls(surfaces.quadratic(), SLIDERS, steps=60)
    eta = c.hyper_sliders["eta"]
    states = c.neighbours(eta, 2)  # 1e-2 is grid point 40 of -4, -3.95, ..., -1
    assert [v["eta"] for v, _, _ in states] == [
        exact(10.0 ** (-4 + i * 0.05)) for i in (41, 39, 42, 38)]
    for values, start, n in states:  # only that slider moves
        assert values["alpha"] == 0.9 and start == c.start() and n == 60
    eta.value = 10.0 ** (-4 + 59 * 0.05)  # next to the top: only one value above
    assert [v["eta"] for v, _, _ in c.neighbours(eta, 2)] == [
        exact(10.0 ** (-4 + i * 0.05)) for i in (60, 58, 57)]


def test_neighbours_on_linear_and_start_sliders():
    c = Controls(surfaces.quadratic(), SLIDERS, steps=60)
    assert [v["alpha"] for v, _, _ in c.neighbours(c.hyper_sliders["alpha"], 1)] == [0.91, 0.89]
    c.hyper_sliders["alpha"].value = 0.0  # the bottom: only values above
    assert [v["alpha"] for v, _, _ in c.neighbours(c.hyper_sliders["alpha"], 2)] == [0.01, 0.02]
    x, y = c.start()
    dx = c.start_x.step
    assert [s for _, s, _ in c.neighbours(c.start_x, 1)] == [(exact(x + dx), y), (exact(x - dx), y)]
    lo, dy = c.start_y.min, c.start_y.step  # the start is off the grid: the page's next values
    (x_up, up), (x_down, down) = [s for _, s, _ in c.neighbours(c.start_y, 1)]
    assert x_up == x_down == x and down < y < up and np.isclose(up - down, 2 * dy)
    assert np.allclose(np.array([up, down]) - lo, np.round((np.array([up, down]) - lo) / dy) * dy)
    assert np.isclose(dx, np.ptp(surfaces.quadratic().xlim) / 200)


def test_values_the_page_sets_are_not_echoed_back():
    """ipywidgets sends a value set in the page back to it ("echo_update"): one message more
    before each picture. The explorer's sliders do not."""
    c = Controls(surfaces.quadratic(), {"after": slider(1, 30, 2, 1), **SLIDERS}, steps=60)
    for w in (*c.hyper_sliders.values(), c.start_x, c.start_y, c.steps):
        assert w.trait_metadata("value", "echo_update") is False, w
        sent = []
        w._send = lambda msg, buffers=None, sent=sent: sent.append(msg)
        w.set_state({"value": w.value})  # as a message from the page does
        assert not [m for m in sent if m.get("method") == "echo_update"], w


def test_the_play_button_plays_the_steps_in_the_kernel():
    """Pressed, it moves the steps slider from where it is to its end, a frame every interval,
    in a thread of its own (nothing waits for the page); then it is released. Pressed again
    while playing, it stops."""
    c = Controls(surfaces.quadratic(), SLIDERS, steps=300)
    shown = []
    c.steps.observe(lambda ch: shown.append(ch["new"]), names="value")
    c.steps.value = 150
    shown.clear()
    c.player.interval = 0.001
    c.play.value = True
    c.player.thread.join(5)
    assert shown == list(range(153, 301, 3)) and c.play.value is False  # 150 is shown already
    assert c.player.values() == list(range(0, 301, 3))  # at the end: from the start, 101 frames
    c.player.interval = 0.05
    shown.clear()
    c.play.value = True
    c.play.value = False  # stopped at once
    c.player.thread.join(5)
    assert len(shown) <= 2 and c.play.value is False
