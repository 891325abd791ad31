"""Benchmark (a script, not a test): how long grading a class takes.

    .venv/bin/python tests/benchmark_grading.py [--students 30]

Builds a simulated class of exercise 01 on a scratch copy of the course (half correct, the rest
with a sign error, NaN or an untouched stub, as tests/test_grading.py builds them), grades it
with the real command (`python -m descent_instructor.grade`) and prints seconds per notebook per student (nbgrader
autograde and feedback of one submission; goal ≤ 3 s) and the total for the class.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_grading as simulated  # noqa: E402  (the simulated class's submissions)
from conftest import env_with  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=30)
    n = parser.parse_args().students
    kinds = [simulated.REFERENCE, simulated.REFERENCE, simulated.SIGN_ERROR, simulated.REFERENCE,
             simulated.RETURNS_NAN, simulated.STUBS]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        course = simulated.copy_course(tmp)
        zips = tmp / "zips"
        zips.mkdir()
        for i in range(n):
            simulated.hand_in(zips, f"s{i:03d}", kinds[i % len(kinds)], None, True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "descent_instructor.grade",
                               simulated.EXERCISE, str(zips)], capture_output=True, text=True,
                              env=env_with(DESCENT_COURSE_ROOT=str(course)), cwd=course)
        total = time.perf_counter() - start
    if done.returncode:
        sys.exit(done.stdout + done.stderr)
    per = [float(m) for m in re.findall(r"^\[\s*\d+/\d+\].*?([\d.]+) s$", done.stdout, re.M)]
    print(done.stdout.split("\nSummary")[0].splitlines()[0])
    print(f"students graded               {len(per)}")
    print(f"s per notebook per student    median {statistics.median(per):.2f}   max {max(per):.2f}"
          "   (autograde + scores + feedback; goal ≤ 3 s)")
    print(f"total for the class           {total:.1f} s  (incl. start-up, gradebook, CSV)")


if __name__ == "__main__":
    main()
