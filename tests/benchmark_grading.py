"""Benchmark (a script, not a test): how long grading a class takes, one student at a time and
several at once.

    .venv/bin/python tests/benchmark_grading.py [--students 30] [--jobs 1 2]

Builds a simulated class of exercise 01 on a scratch copy of the course (half correct, the rest
with a sign error, NaN or an untouched stub, as tests/test_grading.py builds them), grades it
with the real command (`python -m descent_instructor.grade --jobs N`) once for each N given, each
time on a fresh copy of the course, and prints for each: the total for the class, seconds per
student (nbgrader autograde, scores and feedback of one submission, in its own process when N > 1;
goal ≤ 3 s) and the class's total divided by its students.
"""
from __future__ import annotations

import argparse
import os
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


def grade(tmp: Path, zips: Path, jobs: int) -> tuple[float, list[float], str]:
    course = simulated.copy_course(tmp / f"jobs{jobs}")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "descent_instructor.grade", simulated.EXERCISE,
                           str(zips), "--jobs", str(jobs)], capture_output=True, text=True,
                          env=env_with(DESCENT_COURSE_ROOT=str(course)), cwd=course)
    total = time.perf_counter() - start
    if done.returncode:
        sys.exit(done.stdout + done.stderr)
    per = [float(m) for m in re.findall(r"^\[\s*\d+/\d+\].*?([\d.]+) s$", done.stdout, re.M)]
    return total, per, done.stdout.split("\nSummary")[0].splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, os.cpu_count() or 1],
                        help="students graded at once, one run each (default: 1 and the number "
                             "of cores)")
    args = parser.parse_args()
    kinds = [simulated.REFERENCE, simulated.REFERENCE, simulated.SIGN_ERROR, simulated.REFERENCE,
             simulated.RETURNS_NAN, simulated.STUBS]
    print(f"{args.students} students, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        zips = tmp / "zips"
        zips.mkdir()
        for i in range(args.students):
            simulated.hand_in(zips, f"s{i:03d}", kinds[i % len(kinds)], None, True)
        for jobs in args.jobs:
            total, per, first = grade(tmp, zips, jobs)
            print(f"--jobs {jobs}: {first}")
            print(f"  students graded               {len(per)}")
            print(f"  s per student                 median {statistics.median(per):.2f}   "
                  f"max {max(per):.2f}   (autograde + scores + feedback; goal ≤ 3 s)")
            print(f"  total for the class           {total:.1f} s  (incl. start-up, gradebook, "
                  f"CSV); {total / len(per):.2f} s per student")


if __name__ == "__main__":
    main()
