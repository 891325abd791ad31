"""Course code (read it, don't edit it): which picture an explorer shows, and when it is drawn.

The picture for the sliders' state is the one kept (``cache``), else it is drawn now. After a
slider step, the states next to it are drawn ahead while the kernel is idle (``ahead``). All this
happens one picture at a time: ipykernel runs some widget callbacks in a second thread, and the
figure is one, so whatever places lines on it, draws, or sends a picture holds one lock.
"""
from __future__ import annotations

import threading
from typing import NamedTuple

from .ahead import DrawAhead
from .cache import PictureCache


class Frame(NamedTuple):
    """One picture for the page, with the trajectories it shows and its status line."""

    picture: bytes
    results: dict  # run label -> Trajectory
    status: str
    readout: dict = {}  # run label -> how its shown steps end, in words
    surface: object = None  # the surface drawn on, where problem sliders make it (else None)


class Pictures:
    """The pictures of one explorer.

    controls: its :class:`~descent.explorer.sliders.Controls`
    canvas:   its :class:`~descent.explorer.canvas.Canvas`
    runs:     its runs (a picture depends on their rules)
    draw:     ``draw(values, start, n) -> Frame``, drawn now
    show:     ``show(frame)`` sends a frame to the page
    """

    AHEAD = 2  # neighbouring values drawn ahead on each side of the slider just moved

    def __init__(self, controls, canvas, runs, draw, show):
        self.controls = controls
        self.canvas = canvas
        self.runs = runs
        self.draw = draw
        self.show = show
        self.lock = threading.RLock()
        self.kept = PictureCache()
        self.ahead = DrawAhead(self._draw_ahead, done=self._follow_page, lock=self.lock)
        self.shown = Frame(b"", {}, "")  # the frame on the page

    def key(self, values, start, n) -> tuple:
        return self.kept.key(values, start, n, [run.rule for run in self.runs])

    def show_state(self):
        """Show the picture for the current state of the sliders: kept, or drawn now."""
        with self.lock:
            values, start, n = self.controls.state()
            key = self.key(values, start, n)
            frame = self.kept.get(key)
            if frame is None:
                frame = self.ahead.draw_now(self.draw, values, start, n)
            else:
                self.canvas.place(frame.results, n, frame.surface)  # the figure follows the page
            self.kept.keep(key, frame)
            self.shown = frame
            self.show(frame)

    def show_steps(self):
        """Show the steps now chosen of the trajectories shown (nothing rolled out)."""
        with self.lock:
            n = self.controls.steps.value
            self.canvas.place(self.shown.results, n, self.shown.surface)
            self.show(self.shown._replace(picture=self.canvas.picture(),
                                          readout=self.canvas.readout(self.shown.results, n)))

    def draw_ahead(self, slider):
        """While the kernel is idle, draw the states next to ``slider``'s value (the slider just
        moved) not yet kept."""
        self.ahead.schedule(lambda: [state for state in self.controls.neighbours(slider, self.AHEAD)
                                     if self.key(*state) not in self.kept])

    def _draw_ahead(self, state):
        values, start, n = state
        self.kept.keep(self.key(values, start, n), self.draw(values, start, n))

    def _follow_page(self):
        """After drawing ahead: the figure's lines are those of the picture on the page again."""
        self.canvas.place(self.shown.results, self.controls.steps.value, self.shown.surface)
