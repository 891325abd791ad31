"""Benchmark (a script, not a test): how fast the course feels in JupyterLab in a real browser.

    .venv/bin/python tests/benchmark_browser.py              # everything
    .venv/bin/python tests/benchmark_browser.py --steps 40   # more slider steps
    .venv/bin/python tests/benchmark_browser.py --slider     # the slider only

Starts JupyterLab on a copy of the course and headless Chromium, as tests/browser/ does (needs
Chromium: $DESCENT_CHROMIUM or chromium on PATH, and playwright), and prints
* per lecture: page load (navigation until the first cell is shown, and until its kernel is
  idle) and Run → Run All Cells (click until every cell has run and the kernel is idle);
* the slider of the momentum lecture's first explorer (η): key press → new picture, median and
  max over ``--steps`` single steps. In the page, a MutationObserver on the explorer's <img>
  records when its src changes; the time is measured from the keydown event's timestamp, and
  also until the new picture is decoded and the next frame drawn. Steps are spaced out (the
  next key only after the previous picture arrived and the kernel is idle), so the front end
  does not coalesce them and each is measured on its own (the next key 0.3 s after the
  previous step has settled, as a reader pauses). The step is split into (1) key press
  until the explorer's update starts in the kernel, (2) the update itself (roll-outs, drawing,
  JPEG, sending it) and (3) until the page has the new picture, from the page's and the kernel's
  wall clocks (same machine). A last row, the floor, repeats the steps with an update that only
  swaps two pictures drawn beforehand: what is left is the messaging.
Goal: slider step ≤ 40 ms median on localhost.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser.lab import Notebook, lab_session, new_page  # noqa: E402

LECTURES = sorted((Path(__file__).resolve().parents[1] / "lectures").glob("*.ipynb"))
MOMENTUM = "lectures/01_momentum.ipynb"
PAUSE = 0.3  # seconds between slider steps, after the previous one has settled

#: in the page: time each key press until the <img> src changes and until the new picture is
#: decoded and the next frame drawn. ``window.__slider.arm()`` returns a promise of that step,
#: so the script waits without polling the page (polling on every animation frame would keep
#: the renderer busy and slow down what it measures).
_JS_WATCH = """
(img) => {
  const rec = window.__slider = {steps: [], key: null, done: null};
  rec.arm = () => new Promise(resolve => {
    rec.done = resolve;
    setTimeout(() => resolve(-1), 10000);     // no new picture within 10 s: -1
  });
  document.addEventListener('keydown', e => { rec.key = e.timeStamp; }, true);
  new MutationObserver(() => {
    const now = performance.now();
    if (rec.key === null) return;             // a change not caused by a key: not a step
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
_ex = [v for _, v in sorted(Out.items()) if isinstance(v, _dw.Explorer)][0]
_ex._bench_times = []
_update = type(_ex).update
def _timed(self=_ex):
    t, c = _t.time(), _t.thread_time()
    _update(self)
    self._bench_times.append((t, _t.time(), _t.thread_time() - c))  # wall clock, and CPU
_ex.update = _timed
print("TIMER ready, step", _ex.hyper_sliders["eta"].step)
'''
_KERNEL_TIMES = r'''
import json as _j
print("TIMES" + _j.dumps(_ex._bench_times)); del _ex.update
'''
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


def ms(xs) -> str:
    return f"{1e3 * statistics.median(xs):7.1f} {1e3 * max(xs):7.1f} {1e3 * min(xs):7.1f}"


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


def slider_steps(nb: Notebook, steps: int) -> dict:
    explorer = nb.explorer(0)
    assert explorer.label(0) == "eta"
    explorer.wait_settled()
    ready = nb.run_scratch(_KERNEL_TIMER)
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


def floor_steps(nb: Notebook, steps: int) -> list[float]:
    """The same key presses with an update that only swaps two ready pictures."""
    assert "FLOOR ready" in nb.run_scratch(_FLOOR)
    explorer = nb.explorer(0)
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
    nb.run_scratch("del _ex.update")
    return [(s["src"] - s["key"]) / 1e3 for s in recorded]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30, help="slider steps (at least 20)")
    parser.add_argument("--slider", action="store_true", help="the slider only")
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
            keep: dict = {}
            if args.slider:
                nb, *_ = open_timed(browser, server, MOMENTUM)
                nb.run_all()
                keep["momentum"] = nb
                rows = []
            else:
                rows = lectures(browser, server, keep)
            slider = slider_steps(keep["momentum"], steps)
            floor = floor_steps(keep["momentum"], steps)

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
    print(f"Slider step, {MOMENTUM} first explorer (η), {n} single steps:")
    print(f"{'':40s} {'median':>7s} {'max':>7s} {'min':>7s}  (ms)")
    print(f"{'  key press → new picture (<img> src)':40s} {ms(slider['src'])}")
    print(f"{'  key press → new picture decoded, drawn':40s} {ms(slider['painted'])}")
    print(f"{'  1. key press → update starts in kernel':40s} {ms(slider['to kernel'])}")
    print(f"{'  2. explorer update in the kernel':40s} {ms(slider['kernel'])}")
    print(f"{'     (its CPU time)':40s} {ms(slider['kernel cpu'])}")
    print(f"{'  3. update done → new <img> src':40s} {ms(slider['to page'])}")
    print(f"{'  floor: same, picture ready (no drawing)':40s} {ms(floor)}")
    goal = 1e3 * statistics.median(slider["src"])
    print(f"\nGoal ≤ 40 ms median: {'met' if goal <= 40 else 'MISSED'} ({goal:.1f} ms)")
    return 0


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    sys.exit(main())
