"""Course code (read it, don't edit it): drawing pictures ahead while the kernel is idle.

After a slider step the kernel waits for the page's next message. :class:`DrawAhead` uses that
time: 80 ms after the step (once the page has painted its picture) it draws the states queued, nearest
first, one per turn of the kernel's event loop, so that a message from the page (the next slider
step) waits for one drawing at most. A newer queue replaces the older one. Nothing is drawn ahead
outside a kernel (no event loop runs), nor for rules that take over 0.1 s to draw: Kernel ›
Interrupt does not reach work done between messages.
"""
from __future__ import annotations

import asyncio
import threading
import time


class DrawAhead:
    """Draws queued states with ``draw(state)`` while the event loop is idle, then calls
    ``done()`` (if given) when a queue is finished. Whatever draws holds ``lock``: ipykernel may run
    a widget's callback in another thread than the one drawing ahead."""

    # seconds between a step's picture and drawing ahead: meanwhile the page decodes and
    # paints the picture without the kernel competing for the processor
    AFTER = 0.08
    SLOWER = 0.1  # seconds: a rule slower than this to draw is not drawn ahead

    def __init__(self, draw, done=None, lock=None, after: float = AFTER, slower: float = SLOWER):
        self.draw = draw
        self.done = done
        self.lock = threading.RLock() if lock is None else lock
        self.after = after
        self.slower = slower
        self.generation = 0  # of the queue: a newer queue replaces an older one still drawn
        self.slow = False  # the last picture drawn now took long: draw nothing ahead

    def draw_now(self, draw, *args):
        """``draw(*args)``, timed: if it takes longer than ``slower``, nothing is drawn ahead
        until a picture is drawn fast again."""
        began = time.perf_counter()
        result = draw(*args)
        self.slow = time.perf_counter() - began > self.slower
        return result

    def schedule(self, states):
        """Draw ``states`` (nearest first; or a function returning them, called only if they
        are to be drawn) while the kernel is idle, replacing any queue not yet drawn."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not in a kernel
            return
        with self.lock:
            self.generation += 1  # an older queue still being drawn stops at its next turn
            if self.slow:
                return
            queue = list(states() if callable(states) else states)
            generation = self.generation
        if queue:  # after the page has had the picture: not competing with it for the processor
            loop.call_later(self.after, self._turn, loop, queue, generation)

    def _turn(self, loop, queue, generation):
        """Draw the next state of ``queue``, then give the event loop a turn."""
        with self.lock:
            if generation != self.generation or not queue:
                return
            state = queue.pop(0)
            began = time.perf_counter()
            try:
                self.draw(state)
            except Exception:  # drawing ahead is a convenience: never an error in the page
                queue.clear()
            finally:
                if time.perf_counter() - began > self.slower:
                    queue.clear()
                if not queue and self.done is not None:
                    self.done()
        if queue:
            loop.call_soon(self._turn, loop, queue, generation)
