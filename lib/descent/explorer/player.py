"""Course code (read it, don't edit it): the explorer's Play button, played by the kernel.

ipywidgets' own Play button counts in the page and sends each value to the kernel; the page sends
the next value only once the kernel has answered the last, so the frame rate is one round trip
page → server → kernel → server → page per frame (13-19 frames per second measured, each picture
drawn in 8-11 ms of it). Here the kernel plays: a press of the button starts a thread that moves
the steps slider one frame every ``interval`` seconds, each picture drawn as the slider moves and
sent to the page without waiting for an answer. A second press stops it.
"""
from __future__ import annotations

import threading
import time


class Player:
    """Plays ``steps`` (an IntSlider) when ``button`` (a ToggleButton) is pressed: from its value
    (from 0 if it is at its end) to its end in at most ``frames`` frames, one every ``interval``
    seconds (a frame drawn late is followed by the next at once); the button is released at the
    end. Setting ``steps.value`` draws the frame (the explorer observes it)."""

    FRAMES = 100
    INTERVAL = 1 / 30

    def __init__(self, button, steps, frames: int = FRAMES, interval: float = INTERVAL):
        self.button = button
        self.steps = steps
        self.frames = frames
        self.interval = interval
        self.thread: threading.Thread | None = None
        self._stop = threading.Event()
        button.observe(self._pressed, names="value")

    def values(self) -> list[int]:
        """The steps values to show, from where the slider is."""
        end = self.steps.max
        start = self.steps.value if self.steps.value < end else self.steps.min
        stride = max(1, (end - self.steps.min) // self.frames)
        shown = list(range(start, end + 1, stride))
        if shown[-1] != end:
            shown.append(end)
        return shown

    def _pressed(self, change):
        if change["new"]:
            self._stop.clear()
            self.thread = threading.Thread(target=self._play, daemon=True)
            self.thread.start()
        else:
            self._stop.set()

    def _play(self):
        began = time.perf_counter()
        for i, n in enumerate(self.values()):
            if self._stop.is_set():
                break
            self.steps.value = n
            wait = began + (i + 1) * self.interval - time.perf_counter()
            if wait > 0:
                self._stop.wait(wait)
        self.button.value = False
