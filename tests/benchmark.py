"""Benchmark (a script, not a test): how fast the course feels.

    .venv/bin/python tests/benchmark.py            # everything
    .venv/bin/python tests/benchmark.py --quick    # slider only

Prints
* the execution time of every lecture notebook, headless, from a fresh kernel (goal ≤ 20 s each),
  with the kernel-side time of its cells;
* the kernel-side time of one slider step of an explorer with 4 trajectories × 200 steps:
  roll out all four, blit, encode the JPEG (goal ≤ 20 ms median); and of one Play step
  (reveal more of the same trajectories, no roll-out).
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="slider only")
    args = parser.parse_args(argv)
    slider_times()
    if not args.quick:
        lecture_times()


if __name__ == "__main__":
    sys.exit(main())
