"""Benchmark (a script, not a test): how fast the course feels.

    .venv/bin/python tests/benchmark.py            # everything
    .venv/bin/python tests/benchmark.py --quick    # slider only
    .venv/bin/python tests/benchmark.py --explorers [07_adam ...]   # every explorer of the lectures

Prints
* the execution time of every lecture notebook, headless, from a fresh kernel (goal ≤ 20 s each),
  with the kernel-side time of its cells;
* the kernel-side time of one slider step of an explorer with 4 trajectories × 200 steps:
  roll out all four, blit, encode the JPEG (goal ≤ 20 ms median); and of one Play step
  (reveal more of the same trajectories, no roll-out);
* with --explorers: every explorer the lectures build (run in this process, as the kernel would),
  each of its sliders moved through 12 neighbouring values: the kernel-side time of a step.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def lecture_times():
    import nbformat
    from nbclient import NotebookClient

    print("Lecture notebooks (headless, fresh kernel each):")
    for path in sorted((ROOT / "lectures").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        wall = time.perf_counter() - start
        cells = 0.0
        for c in nb.cells:
            ex = c.get("metadata", {}).get("execution", {})
            if "iopub.execute_input" in ex and "shell.execute_reply" in ex:
                t0 = datetime.fromisoformat(ex["iopub.execute_input"].replace("Z", "+00:00"))
                t1 = datetime.fromisoformat(ex["shell.execute_reply"].replace("Z", "+00:00"))
                cells += (t1 - t0).total_seconds()
        print(f"  {path.name:32s} {wall:6.2f} s total   {cells:6.2f} s in cells")


def slider_times(repeats: int = 60):
    from descent import reference, surfaces, widgets

    R = reference.rules()
    runs = [widgets.Run("GD", R.gd), widgets.Run("momentum", R.momentum),
            widgets.Run("Nesterov", R.nesterov),
            widgets.Run("EMA", R.momentum_ema, lambda h: {"eta": h["eta"] / (1 - h["alpha"]),
                                                          "beta": h["alpha"]})]
    ex = widgets.Explorer(surfaces.rosenbrock(), runs,
                          {"eta": widgets.log_slider(1e-5, 2e-3, 1e-3),
                           "alpha": widgets.slider(0.0, 0.99, 0.9)}, steps=200)
    values = np.geomspace(1e-4, 1.5e-3, repeats)
    step = []
    for v in values:
        t = time.perf_counter()
        ex.hyper_sliders["eta"].value = float(v)
        step.append(time.perf_counter() - t)
    play = []
    for n in list(range(0, 201, 5)) * 2:
        t = time.perf_counter()
        ex.steps.value = n
        play.append(time.perf_counter() - t)
    ms = lambda xs: f"median {1e3 * statistics.median(xs):5.1f} ms, max {1e3 * max(xs):5.1f} ms"  # noqa: E731
    print(f"Slider step, 4 trajectories × 200 steps, roll-out + redraw + JPEG ({repeats} steps): {ms(step)}")
    print(f"Play step, reveal more steps + redraw + JPEG ({len(play)} steps):                 {ms(play)}")
    print(f"Picture size {len(ex.image.value) / 1024:.0f} KiB")


def explorer_times(names=(), moves: int = 12):
    """Run each lecture's cells in an IPython shell in this process, keep every explorer's
    controls, and time moving each slider through ``moves`` neighbouring values (kernel side:
    roll-out, redraw, JPEG; the browser adds its messaging, measured by benchmark_browser.py)."""
    import os

    import matplotlib
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell

    from descent.explorer import sliders as S

    matplotlib.use("Agg")
    made = []
    init = S.Controls.__init__

    def recording(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    S.Controls.__init__ = recording
    shell = InteractiveShell.instance()
    print("Explorers (kernel side, one slider step = roll-out + redraw + JPEG):")
    for path in sorted((ROOT / "lectures").glob("*.ipynb")):
        if names and not any(path.stem.startswith(n) for n in names):
            continue
        made.clear()
        os.chdir(path.parent)
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                shell.run_cell(cell.source, silent=True)
        for i, controls in enumerate(made):
            for name, s in controls.hyper_sliders.items():
                start = s.value
                times = []
                for k in range(1, moves + 1):
                    value = min(s.max, s.min + k * s.step) if not hasattr(s, "base") else \
                        s.base ** min(s.max, s.min + k * s.step)
                    began = time.perf_counter()
                    s.value = value
                    times.append(time.perf_counter() - began)
                s.value = start
                print(f"  {path.stem:22s} explorer {i + 1}, {name:8s}: median "
                      f"{1e3 * statistics.median(times):6.1f} ms, max {1e3 * max(times):6.1f} ms")
    S.Controls.__init__ = init


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="slider only")
    parser.add_argument("--explorers", nargs="*", metavar="LECTURE",
                        help="time every explorer of these lectures (all if none is named)")
    args = parser.parse_args(argv)
    if args.explorers is not None:
        return explorer_times(args.explorers)
    slider_times()
    if not args.quick:
        lecture_times()


if __name__ == "__main__":
    sys.exit(main())
