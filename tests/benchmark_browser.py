"""Benchmark (a script, not a test): how fast the course feels in JupyterLab in a real browser.

    .venv/bin/python tests/benchmark_browser.py              # everything
    .venv/bin/python tests/benchmark_browser.py --steps 40   # more slider steps
    .venv/bin/python tests/benchmark_browser.py --slider     # the explorer only
    .venv/bin/python tests/benchmark_browser.py --slider --course DIR  # another version's lib
                                                             # and lectures (git archive ...)

Starts JupyterLab on a copy of the course and headless Chromium, as tests/browser/ does (needs
Chromium: $DESCENT_CHROMIUM or chromium on PATH, and playwright), and prints
* per lecture: page load (navigation until the first cell is shown, and until its kernel is
  idle) and Run → Run All Cells (click until every cell has run and the kernel is idle);
* the momentum lecture's first explorer (η slider), as a reader sees it. The headline figure of
  each measurement is the time until the new picture is *painted*: in the page, a
  MutationObserver on the explorer's <img> sees its src change, then waits for the picture to
  be decoded (``img.decode()``) and for the next animation frame (``requestAnimationFrame``),
  which is when it is on the screen; the time runs from the input event's timestamp. The time
  until the src changes (the picture has arrived, not yet shown) is printed beside it.
  - neighbour step: ``--steps`` single key presses (→ or ←), each to the next value on the
    slider's grid, spaced out (the next key 0.3 s after the previous step has settled, as a
    reader pauses, so the front end does not coalesce them). The step is split into (1) key
    press until the explorer's update starts in the kernel, (2) the update itself (roll-outs,
    drawing, JPEG, sending it) and (3) until the page has the new picture, from the page's and
    the kernel's wall clocks (same machine);
  - far jump: ``--jumps`` presses of End and Home in turn (the slider's two ends), the explorer
    forgetting its kept pictures after each step: a value never seen, drawn when the key
    arrives;
  - the floor: the neighbour steps again with an update that only swaps two pictures drawn
    beforehand: what is left is the messaging;
  - Play: the play button pressed once; frames painted per second while it plays (from the
    first painted frame to the last), the gaps between frames (median, p90 and longest), how
    many of the frames it plays were painted, and in the kernel how often a frame was drawn
    and how long drawing and sending it took.
Goals (localhost): neighbour step and far jump ≤ 40 ms median (painted), Play ≥ 30 frames/s.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser.lab import Notebook, lab_session, new_page  # noqa: E402

LECTURES = sorted((Path(__file__).resolve().parents[1] / "lectures").glob("*.ipynb"))
MOMENTUM = "lectures/01_momentum.ipynb"
EXPLORER = "01-explorer"  # the cell of the explorer measured: GD and momentum on the banana
PAUSE = 0.3  # seconds between slider steps, after the previous one has settled

#: in the page: time each key press until the <img> src changes and until the new picture is
#: decoded and the next frame drawn. ``window.__slider.arm()`` returns a promise of that step,
#: so the script waits without polling the page (polling on every animation frame would keep
#: the renderer busy and slow down what it measures).
_JS_WATCH = """
(img) => {
  const rec = window.__slider = {steps: [], key: null, done: null, frames: null};
  rec.arm = () => new Promise(resolve => {
    rec.done = resolve;
    setTimeout(() => resolve(-1), 10000);     // no new picture within 10 s: -1
  });
  const input = e => { rec.key = e.timeStamp; };
  document.addEventListener('keydown', input, true);
  new MutationObserver(() => {
    const now = performance.now();
    if (rec.frames !== null) {                // Play: every frame, painted when?
      const frame = {src: now, painted: null};
      rec.frames.push(frame);
      img.decode().catch(() => null).then(() => requestAnimationFrame(() => {
        frame.painted = performance.now();
      }));
      return;
    }
    if (rec.key === null) return;             // a change not caused by an input: not a step
    const step = {key: rec.key, src: now, painted: null, origin: performance.timeOrigin};
    rec.key = null;
    rec.steps.push(step);
    img.decode().catch(() => null).then(() => requestAnimationFrame(() => {
      step.painted = performance.now();
      if (rec.done) rec.done(rec.steps.length);
    }));
  }).observe(img, {attributes: true, attributeFilter: ['src']});
}
"""

#: wrap the first explorer's update() to time the kernel's part of each step
_KERNEL_TIMER = r'''
import time as _t
from descent import widgets as _dw
_ex = [v for _, v in sorted(Out.items()) if isinstance(v, _dw.Explorer)][__N__]
_ex._bench_times = []
_ex._bench_forget = False  # far jumps: keep no picture after a step
_update = type(_ex).update
def _timed(self=_ex):
    t, c = _t.time(), _t.thread_time()
    _update(self)
    self._bench_times.append((t, _t.time(), _t.thread_time() - c))  # wall clock, and CPU
    if self._bench_forget:
        with self.pictures.lock:
            self.pictures.kept._kept.clear()
_ex.update = _timed
_ex._bench_redraws = []  # Play: when each steps value arrived, and when its picture was sent
_redraw = type(_ex).redraw
def _timed_redraw(self=_ex):
    t = _t.time()
    _redraw(self)
    self._bench_redraws.append((t, _t.time()))
_ex.redraw = _timed_redraw
print("TIMER ready, step", _ex.hyper_sliders["eta"].step)
'''
_KERNEL_TIMES = r'''
import json as _j
print("TIMES" + _j.dumps(_ex._bench_times)); _ex._bench_times.clear()
'''
#: far jumps: after each step the explorer forgets the pictures it kept, so that the next jump
#: (to the slider's other end) is to a value never seen
_FORGET = "_ex._bench_forget = True; _ex.pictures.kept._kept.clear(); print('FORGET on')"
_KEEP = "_ex._bench_forget = False; print('FORGET off')"
#: the floor: the same explorer, but a step only swaps in one of two pictures drawn beforehand
#: (no roll-out, no drawing): what is left is the messaging between page, server and kernel,
#: and the page's own work
_FLOOR = r'''
_pictures = [bytes(_ex.image.value), bytes(_ex.image.value) + b"\0"]  # (a byte after the end)
def _swap(self=_ex):
    _pictures.reverse()
    self.image.value = _pictures[0]
_ex.update = _swap
print("FLOOR ready")
'''


def p90(xs) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def ms(xs) -> str:
    return (f"{1e3 * statistics.median(xs):7.1f} {1e3 * p90(xs):7.1f} {1e3 * max(xs):7.1f} "
            f"{1e3 * min(xs):7.1f}")


def open_timed(browser, server, path) -> tuple[Notebook, float, float]:
    page = new_page(browser, server)
    start = time.monotonic()
    page.goto(server.url(path), wait_until="domcontentloaded")
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
    shown = time.monotonic() - start
    nb = Notebook(page, server, path)
    ready = shown + nb.wait_settled(quiet=0.3, timeout=90)
    return nb, shown, ready


def lectures(browser, server, keep: dict) -> list[tuple]:
    rows = []
    for path in LECTURES:
        rel = f"lectures/{path.name}"
        nb, shown, ready = open_timed(browser, server, rel)
        run = nb.run_all()
        assert not nb.errors(), nb.error_report()
        rows.append((path.name, shown, ready, run))
        if rel == MOMENTUM:
            keep["momentum"] = nb
        else:
            nb.page.context.close()
            server.shutdown_kernels(rel)
    return rows


def explorer_index(nb: Notebook, cell_id: str = EXPLORER) -> int:
    """The index of the explorer cell ``cell_id`` shows among the notebook's explorers (in the
    page, and in Out after Run All)."""
    ids = [c["id"] for c in nb.cells()]
    cells = nb.page.locator(".jp-Notebook .jp-Cell")
    return sum(cells.nth(i).locator("img.widget-image").count() > 0
               for i in range(ids.index(cell_id)))


def slider_steps(nb: Notebook, steps: int) -> dict:
    n = nb.bench_explorer = explorer_index(nb)
    explorer = nb.explorer(n)
    assert explorer.label(0) in ("η", "eta")
    explorer.wait_settled()
    ready = nb.run_scratch(_KERNEL_TIMER.replace("__N__", str(n)))
    assert "TIMER ready" in ready, ready
    step = float(ready.split("step", 1)[1])  # log10(η) per key press
    handle = explorer.handle(0)
    handle.scroll_into_view_if_needed()
    explorer.image.evaluate(_JS_WATCH)
    handle.focus()
    lo, hi = (float(handle.get_attribute(f"aria-value{k}")) for k in ("min", "max"))
    now = float(handle.get_attribute("aria-valuenow"))
    key = "ArrowRight" if now + step <= hi + 1e-9 else "ArrowLeft"
    page = nb.page
    for i in range(steps):
        value = float(handle.get_attribute("aria-valuenow"))
        if (key == "ArrowRight" and value + step > hi + 1e-9) or \
                (key == "ArrowLeft" and value - step < lo - 1e-9):
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
        page.evaluate("() => { window.__step = window.__slider.arm(); }")
        page.keyboard.press(key)
        assert page.evaluate("window.__step") == i + 1, f"step {i + 1}: no new picture"
        time.sleep(PAUSE)  # as a reader pauses: nothing left running when the next key comes
        if nb.status():  # (rarely) the kernel is still busy: wait, without polling in a step
            nb.wait_settled(quiet=0.1, timeout=30)
    recorded = page.evaluate("window.__slider.steps")
    return _split(nb, recorded, steps)


def _split(nb: Notebook, recorded: list, steps: int) -> dict:
    """The page's and the kernel's records of ``steps`` steps -> the parts of each step."""
    text = nb.run_scratch(_KERNEL_TIMES)
    kernel = json.loads(text.split("TIMES", 1)[1])
    assert len(kernel) == len(recorded) == steps, (len(kernel), len(recorded))
    wall = lambda s, key: (s["origin"] + s[key]) / 1e3  # noqa: E731  (epoch seconds)
    return {"src": [(s["src"] - s["key"]) / 1e3 for s in recorded],
            "painted": [(s["painted"] - s["key"]) / 1e3 for s in recorded],
            "to kernel": [k[0] - wall(s, "key") for s, k in zip(recorded, kernel)],
            "kernel": [k[1] - k[0] for k in kernel],
            "kernel cpu": [k[2] for k in kernel],
            "to page": [wall(s, "src") - k[1] for s, k in zip(recorded, kernel)]}


def far_jumps(nb: Notebook, jumps: int) -> dict:
    """End and Home pressed in turn on the η slider (its ends), each a value never seen: the
    explorer forgets its pictures after each step (and draws ahead only next to the end it is
    at), so every jump is drawn when it arrives."""
    explorer = nb.explorer(nb.bench_explorer)
    page = nb.page
    assert "FORGET on" in nb.run_scratch(_FORGET)
    page.evaluate("window.__slider.steps = []")
    handle = explorer.handle(0)
    handle.scroll_into_view_if_needed()
    handle.focus()
    for i in range(jumps):
        page.evaluate("() => { window.__step = window.__slider.arm(); }")
        page.keyboard.press("End" if i % 2 == 0 else "Home")
        assert page.evaluate("window.__step") == i + 1, f"jump {i + 1}: no new picture"
        time.sleep(PAUSE)
        if nb.status():
            nb.wait_settled(quiet=0.1, timeout=30)
    recorded = page.evaluate("window.__slider.steps")
    result = _split(nb, recorded, jumps)
    assert "FORGET off" in nb.run_scratch(_KEEP)
    return result


def play(nb: Notebook) -> dict:
    """Press Play once; the frames painted while it plays."""
    explorer = nb.explorer(nb.bench_explorer)
    page = nb.page
    toggle = explorer.root.locator(".widget-toggle-button")
    if toggle.count():  # the kernel plays (descent.explorer.player)
        button = toggle.first
        asked = int(nb.run_scratch("print(len(_ex.controls.player.values()))").strip())
    else:  # ipywidgets' Play, linked to the steps slider in the page (before it)
        button = explorer.root.locator(".widget-play button").first
        asked = int(nb.run_scratch("print(len(range(_ex.play.min, _ex.play.max + 1, "
                                   "_ex.play.step)))").strip())
    button.scroll_into_view_if_needed()
    page.evaluate("window.__slider.frames = []")
    button.click()
    last, calm = 0, 0
    for _ in range(600):  # until no new frame for 1 s
        time.sleep(0.1)
        n = page.evaluate("window.__slider.frames.length")
        calm = calm + 1 if n == last else 0
        last = n
        if calm >= 10 and n:
            break
    time.sleep(0.2)
    frames = page.evaluate("() => { const f = window.__slider.frames; "
                           "window.__slider.frames = null; return f; }")
    painted = sorted(f["painted"] for f in frames if f["painted"] is not None)
    gaps = [(b - a) / 1e3 for a, b in zip(painted, painted[1:])]
    span = (painted[-1] - painted[0]) / 1e3
    text = nb.run_scratch("import json as _j; print('REDRAWS' + _j.dumps(_ex._bench_redraws)); "
                          "_ex._bench_redraws.clear()")
    redraws = json.loads(text.split("REDRAWS", 1)[1])
    return {"frames": len(painted), "asked": asked, "fps": (len(painted) - 1) / span,
            "gaps": gaps, "redraws": len(redraws),
            "arrivals": [b[0] - a[0] for a, b in zip(redraws, redraws[1:])],
            "redraw": [b - a for a, b in redraws]}


def floor_steps(nb: Notebook, steps: int) -> list[float]:
    """The same key presses with an update that only swaps two ready pictures."""
    assert "FLOOR ready" in nb.run_scratch(_FLOOR)
    explorer = nb.explorer(nb.bench_explorer)
    page = nb.page
    page.evaluate("window.__slider.steps = []")
    handle = explorer.handle(0)
    handle.scroll_into_view_if_needed()
    handle.focus()
    key = "ArrowLeft"
    for i in range(steps):
        key = "ArrowRight" if key == "ArrowLeft" else "ArrowLeft"
        page.evaluate("() => { window.__step = window.__slider.arm(); }")
        page.keyboard.press(key)
        assert page.evaluate("window.__step") == i + 1, f"floor step {i + 1}: no new picture"
        time.sleep(PAUSE)
        if nb.status():
            nb.wait_settled(quiet=0.1, timeout=30)
    recorded = page.evaluate("window.__slider.steps")
    return [(s["src"] - s["key"]) / 1e3 for s in recorded], \
        [(s["painted"] - s["key"]) / 1e3 for s in recorded]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30, help="slider steps (at least 20)")
    parser.add_argument("--jumps", type=int, default=12, help="far jumps (at least 6)")
    parser.add_argument("--slider", action="store_true", help="the explorer only")
    parser.add_argument("--course", type=Path, metavar="DIR",
                        help="take lib/ and lectures/ from DIR (another version of the course, "
                             "e.g. from git archive) instead of this one's")
    parser.add_argument("--widgets", type=Path, metavar="FILE",
                        help="a widgets.py to use in the course copy instead of "
                             "lib/descent/widgets.py (to compare two versions)")
    args = parser.parse_args(argv)
    steps = max(args.steps, 20)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="descent-bench-") as tmp:
        t = time.monotonic()
        with lab_session(Path(tmp), widgets=args.widgets) as (server, browser):
            started = time.monotonic() - t
            if args.course is not None:
                for name in ("lib", "lectures"):
                    shutil.rmtree(server.course / name)
                    shutil.copytree(args.course / name, server.course / name)
            keep: dict = {}
            if args.slider:
                nb, *_ = open_timed(browser, server, MOMENTUM)
                nb.run_all()
                keep["momentum"] = nb
                rows = []
            else:
                rows = lectures(browser, server, keep)
            slider = slider_steps(keep["momentum"], steps)
            jumps = far_jumps(keep["momentum"], max(args.jumps, 6))
            played = play(keep["momentum"])
            floor, floor_painted = floor_steps(keep["momentum"], steps)

    print(f"\nJupyterLab {_version('jupyterlab')}, ipywidgets {_version('ipywidgets')}, "
          f"headless Chromium; server and browser started in {started:.1f} s; "
          f"{os.cpu_count()} CPUs, load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after (other work on the machine slows every figure)\n")
    if rows:
        print(f"{'lecture':28s} {'page shown':>11s} {'kernel idle':>12s} {'Run All':>9s}")
        for name, shown, ready, run in rows:
            print(f"{name:28s} {shown:9.2f} s {ready:10.2f} s {run:7.2f} s")
        print()
    n = len(slider["src"])
    print(f"{MOMENTUM}, cell {EXPLORER} (η slider), as a reader sees it:")
    print(f"{'':44s} {'median':>7s} {'p90':>7s} {'max':>7s} {'min':>7s}  (ms)")
    print(f"{f'  neighbour step ({n} key presses), PAINTED':44s} {ms(slider['painted'])}")
    print(f"{'    (new <img> src, not yet painted)':44s} {ms(slider['src'])}")
    print(f"{'    1. key press → update starts in kernel':44s} {ms(slider['to kernel'])}")
    print(f"{'    2. explorer update in the kernel':44s} {ms(slider['kernel'])}")
    print(f"{'       (its CPU time)':44s} {ms(slider['kernel cpu'])}")
    print(f"{'    3. update done → new <img> src':44s} {ms(slider['to page'])}")
    m = len(jumps["src"])
    print(f"{f'  far jump, never seen ({m} keys), PAINTED':44s} {ms(jumps['painted'])}")
    print(f"{'    (new <img> src, not yet painted)':44s} {ms(jumps['src'])}")
    print(f"{'    1. key press → update starts in kernel':44s} {ms(jumps['to kernel'])}")
    print(f"{'    2. explorer update in the kernel':44s} {ms(jumps['kernel'])}")
    print(f"{'       (its CPU time)':44s} {ms(jumps['kernel cpu'])}")
    print(f"{'    3. update done → new <img> src':44s} {ms(jumps['to page'])}")
    print(f"{'  floor: a key press, picture ready, PAINTED':44s} {ms(floor_painted)}")
    print(f"{'    (new <img> src, not yet painted)':44s} {ms(floor)}")
    print(f"  Play: {played['fps']:.1f} frames/s painted; {played['frames']} of its "
          f"{played['asked']} frames painted; gaps between frames "
          f"{1e3 * statistics.median(played['gaps']):.1f} ms median, "
          f"{1e3 * p90(played['gaps']):.1f} ms p90, {1e3 * max(played['gaps']):.1f} ms longest")
    print(f"        in the kernel: {played['redraws']} frames drawn, one every "
          f"{1e3 * statistics.median(played['arrivals']):.1f} ms median; each picture drawn and "
          f"sent in {1e3 * statistics.median(played['redraw']):.1f} ms median")
    print()
    for name, got, goal, unit, low in (
            ("neighbour step, painted, median", 1e3 * statistics.median(slider["painted"]), 40,
             "ms", True),
            ("far jump, painted, median", 1e3 * statistics.median(jumps["painted"]), 40, "ms",
             True),
            ("Play, frames/s", played["fps"], 30, "fps", False)):
        met = got <= goal if low else got >= goal
        print(f"Goal {name} {'≤' if low else '≥'} {goal} {unit}: "
              f"{'met' if met else 'MISSED'} ({got:.1f} {unit})")
    return 0


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    sys.exit(main())
