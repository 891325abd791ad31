"""Drawing ahead (descent.explorer.ahead): queued states are drawn while the event loop is idle,
80 ms after they are queued, nearest first, one per turn of the loop; a newer queue replaces the
older; a slow drawing stops it; nothing is drawn outside a kernel or for rules slow to draw."""
import asyncio
import threading
import time

from descent.explorer.ahead import DrawAhead


def in_a_kernel(coroutine):
    """Run ``coroutine`` as a kernel runs callbacks: in an event loop, here in a thread of its own
    (no other event loop may run in it, as Playwright's may in this one)."""
    errors = []

    def run():
        try:
            asyncio.run(coroutine)
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _recorder():
    drawn, done = [], []
    ahead = DrawAhead(drawn.append, done=lambda: done.append(list(drawn)))
    return ahead, drawn, done


def test_outside_a_kernel_nothing_is_drawn_ahead():
    ahead, drawn, done = _recorder()
    asked = []
    # in a thread of its own: no event loop runs there (in this one, Playwright's may, when the
    # browser tests ran first)
    thread = threading.Thread(target=ahead.schedule, args=(lambda: asked.append(1) or [1, 2],))
    thread.start()
    thread.join()
    assert drawn == done == asked == []  # the states were not even listed


def test_the_queue_is_drawn_nearest_first_after_a_pause_one_per_turn_of_the_loop():
    async def kernel():
        loop = asyncio.get_running_loop()
        events = []
        ahead = DrawAhead(lambda s: events.append(s) or loop.call_soon(events.append, f"turn {s}"),
                          done=lambda: events.append("done"))
        assert ahead.AFTER == 0.08 and ahead.SLOWER == 0.1
        ahead.schedule([1, 2, 3])
        await asyncio.sleep(0.01)
        assert events == []  # the page has its picture first
        await asyncio.sleep(0.2)
        # another callback (a message from the page) runs between two drawings
        assert events == [1, "turn 1", 2, "turn 2", 3, "done", "turn 3"]

    in_a_kernel(kernel())


def test_a_newer_queue_replaces_the_older():
    async def kernel():
        ahead, drawn, done = _recorder()
        ahead.schedule([1, 2, 3])
        ahead.schedule([4, 5])  # before the first was drawn
        await asyncio.sleep(0.2)
        assert drawn == [4, 5] and done == [[4, 5]]

        ahead, drawn, done = _recorder()
        ahead.draw = lambda s: drawn.append(s) or (s == 1 and ahead.schedule([9]))
        ahead.schedule([1, 2, 3])  # a new step while the first queue is being drawn
        await asyncio.sleep(0.3)
        assert drawn == [1, 9]
        assert ahead.generation == 2

    in_a_kernel(kernel())


def test_a_rule_slow_to_draw_is_not_drawn_ahead():
    async def kernel():
        ahead, drawn, done = _recorder()
        ahead.slower = 0.05
        assert ahead.draw_now(lambda x: time.sleep(0.06) or x, "picture") == "picture"
        assert ahead.slow
        asked = []
        ahead.schedule(lambda: asked.append(1) or [1, 2])
        await asyncio.sleep(0.2)
        assert drawn == asked == []
        ahead.draw_now(lambda: None)  # drawn fast again: drawn ahead again
        assert not ahead.slow
        ahead.schedule([1, 2])
        await asyncio.sleep(0.2)
        assert drawn == [1, 2]

    in_a_kernel(kernel())


def test_a_slow_or_failing_drawing_ahead_stops_its_queue():
    async def kernel():
        ahead, drawn, done = _recorder()
        ahead.slower = 0.05
        ahead.draw = lambda s: drawn.append(s) or time.sleep(0.06)
        ahead.schedule([1, 2, 3])
        await asyncio.sleep(0.3)
        assert drawn == [1] and len(done) == 1

        def fails(s):
            drawn.append(s)
            raise ValueError("never shown in the page")

        ahead, drawn, done = _recorder()
        ahead.draw = fails
        ahead.schedule([1, 2, 3])
        await asyncio.sleep(0.2)
        assert drawn == [1] and len(done) == 1

    in_a_kernel(kernel())


def test_whatever_draws_ahead_holds_the_lock():
    """ipykernel may run a widget callback in another thread: it waits for the drawing."""
    async def kernel():
        lock = threading.RLock()
        free = []

        def draw(state):
            other = threading.Thread(target=lambda: free.append(lock.acquire(blocking=False)))
            other.start()
            other.join()

        ahead = DrawAhead(draw, lock=lock)
        ahead.schedule([1, 2])
        await asyncio.sleep(0.2)
        assert free == [False, False]

    in_a_kernel(kernel())
