"""The momentum lecture's banana explorer (cell 01-explorer), used as a student uses it: a
slider moved with the keyboard and dragged with the mouse. Each time the picture in the page must
change, and must be *the* picture for the new value: the bytes the <img> shows equal the Image
widget's current value in the kernel, which equals what a fresh explorer draws for the slider
values the kernel holds; and the slider's readout shows that value."""
from __future__ import annotations

import math

import pytest

from .lab import probe_explorer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LECTURE = "01_momentum.ipynb"
CELL = "01-explorer"  # GD and momentum on the banana, sliders η and α


@pytest.fixture
def momentum(lecture):
    """The momentum lecture after Run All (shared with test_lectures.py: it runs once), and the
    index of the explorer of cell ``CELL`` among its explorers (in the page, and in Out)."""
    nb = lecture(LECTURE)
    assert not nb.errors(), nb.error_report()
    if not hasattr(nb, "explorer_index"):
        ids = [c["id"] for c in nb.cells()]
        cells = nb.page.locator(".jp-Notebook .jp-Cell")
        nb.explorer_index = sum(cells.nth(i).locator("img.widget-image").count() > 0
                                for i in range(ids.index(CELL)))
    return nb


def _slider_state(explorer, i=0) -> dict:
    handle = explorer.handle(i)
    return {k: float(handle.get_attribute(f"aria-value{k}")) for k in ("now", "min", "max")}


def _assert_shows_the_picture_for(explorer, before: dict, before_shown: str) -> dict:
    """After a slider move: the picture changed and is the one for the kernel's new values."""
    explorer.wait_settled()
    after = probe_explorer(explorer.notebook, explorer.notebook.explorer_index)
    shown = explorer.digest()
    facts = f"\nbefore: {before}\nafter:  {after}\npage showed {before_shown}, shows {shown}"
    assert after["values"] != before["values"], "the slider move did not reach the kernel" + facts
    assert after["renders"] > before["renders"], "the kernel did not redraw" + facts
    assert shown != before_shown, "the picture in the page did not change" + facts
    assert shown == after["digest"], "the page shows a stale picture, not the kernel's latest" + facts
    assert after["digest"] == after["expected"], \
        "the kernel's picture is not the one drawn for the slider's current values" + facts
    readout = float(explorer.readout(0).replace("−", "-"))
    assert readout == pytest.approx(after["values"]["eta"], rel=0.01), \
        "the readout does not show the kernel's value"
    return after


def test_arrow_keys_on_the_eta_slider_redraw_the_picture_for_the_new_value(momentum):
    explorer = momentum.explorer(momentum.explorer_index)
    assert explorer.label(0) == "η"
    explorer.wait_settled()
    before, before_shown = probe_explorer(momentum, momentum.explorer_index), explorer.digest()
    assert before_shown == before["digest"] == before["expected"], \
        "to begin with, the page does not show the picture for the kernel's slider values"

    slider = _slider_state(explorer)  # log10(eta), step 0.05
    key, sign = ("ArrowRight", 1) if slider["now"] + 0.15 <= slider["max"] else ("ArrowLeft", -1)
    handle = explorer.handle(0)
    handle.scroll_into_view_if_needed()
    handle.focus()
    momentum.screenshot("explorer-keyboard-1-before", element=explorer.root)
    for _ in range(3):
        momentum.page.keyboard.press(key)

    after = _assert_shows_the_picture_for(explorer, before, before_shown)
    assert math.log10(after["values"]["eta"]) == pytest.approx(slider["now"] + sign * 0.15,
                                                               abs=1e-9)
    assert after["values"]["alpha"] == before["values"]["alpha"]
    momentum.screenshot("explorer-keyboard-2-after", element=explorer.root)


def test_dragging_the_eta_slider_redraws_the_picture_for_the_new_value(momentum):
    explorer = momentum.explorer(momentum.explorer_index)
    explorer.wait_settled()
    before, before_shown = probe_explorer(momentum, momentum.explorer_index), explorer.digest()
    assert before_shown == before["digest"] == before["expected"], \
        "to begin with, the page does not show the picture for the kernel's slider values"

    slider = _slider_state(explorer)
    momentum.screenshot("explorer-drag-1-before", element=explorer.root)
    handle = explorer.handle(0)
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    track = explorer.slider(0).locator(".noUi-base").bounding_box()
    # towards the side with more room, by a third of the track
    room_right = slider["max"] - slider["now"] > slider["now"] - slider["min"]
    dx = (1 if room_right else -1) * track["width"] / 3
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse = momentum.page.mouse
    mouse.move(x, y)
    mouse.down()
    mouse.move(x + dx, y, steps=12)
    mouse.up()

    after = _assert_shows_the_picture_for(explorer, before, before_shown)
    moved = math.log10(after["values"]["eta"]) - slider["now"]
    assert moved * dx > 0 and abs(moved) >= 0.2, f"dragged by {dx:.0f} px, log10(eta) moved {moved}"
    assert after["values"]["alpha"] == before["values"]["alpha"]
    momentum.screenshot("explorer-drag-2-after", element=explorer.root)
