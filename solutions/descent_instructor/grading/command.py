"""The grading command: collect → autograde → feedback → grades CSV, for one exercise.

    python3 course.py grade 01_momentum ZIP_FOLDER     # zips handed in (Binder, e-mail, an LMS)
    python3 course.py grade 01_momentum --exchange     # nbgrader collect on a JupyterHub
    python3 course.py grade 01_momentum                # what is already in grading/submitted/

Each submission is the exercise notebook plus the student's own ``rules.py``
(``python3 course.py submit``). Each student is graded by nbgrader's autograde in a fresh kernel
that imports that student's ``rules.py`` and nothing else: a fresh grading lib (the course's lib
with ``rules.py`` replaced by a loader of the submission's file and ``reference.py`` by a stub that
refuses), and an audit hook that keeps the kernel out of the rest of the course folder
(solutions/descent_instructor/grading_kernel/). Several students are graded at once (``--jobs``,
default: the number of cores), with the same grades as one at a time. Writes

    grading/feedback/<student>/<exercise>/<exercise>.html   feedback for each student
    grading/grades_<exercise>.csv                          one row per student, with a status
    grading/class_<exercise>.csv, .html                    what the class got wrong: per check
                                                           and mistake, how many students, who

and prints a summary. A student whose kernel died is flagged INCOMPLETE and gets no score in the
CSV (nbgrader itself stops there and says nothing; its export shows 0 or a partial score). Re-running
is safe: every submission is collected and graded afresh, with the same result. The exit status
is non-zero only when the run itself failed, never because a student's code is broken.
"""
from __future__ import annotations

import argparse
import copy
import os
import shutil
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from . import classview, collect, gradebook
from .report import progress, summary, write_csv
from .run import Job, Outcome, grade_student, nbgrader_config
from .student import FAILED, Folders, RunFailed, Student


def quiet() -> None:
    """Warnings nobody grading can act on (called in each process that grades)."""
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes from nbgrader's gradebook
    warnings.filterwarnings("ignore", module="nbformat")  # cell ids nbgrader leaves out when re-inserting


def load_exercise(config, folders: Folders, exercise: str) -> None:
    """nbgrader's gradebook learns the exercise's cells, points and hidden tests from the source
    folder (nbgrader generate_assignment, into a scratch release folder)."""
    from nbgrader.apps import NbGraderAPI

    release = folders.grading / "release-check"
    config = copy.deepcopy(config)
    config.CourseDirectory.release_directory = os.path.relpath(release, folders.root)
    made = NbGraderAPI(config=config).generate_assignment(exercise, force=True, create=True)
    shutil.rmtree(release, ignore_errors=True)
    if not made["success"]:
        raise RunFailed(f"nbgrader generate_assignment {exercise} failed:\n{made.get('log')}"
                        f"{made.get('error')}")


def graded(todo: list[Job], jobs: int) -> Iterator[Outcome]:
    """Each job's outcome, in the order they finish: ``jobs`` students at a time, each in a worker
    process of its own (one at a time: in this process)."""
    if jobs <= 1 or len(todo) <= 1:
        yield from map(grade_student, todo)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn, not fork: this process has threads (zmq, SQLAlchemy) that a fork would copy mid-step
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=quiet,
                               mp_context=multiprocessing.get_context("spawn"))
    try:
        running = {pool.submit(grade_student, job): job for job in todo}
        for future in as_completed(running):
            try:
                yield future.result()
            except Exception as err:  # noqa: BLE001  (a worker process died: grade_student never raises)
                s = running[future].student
                s.status, s.score = FAILED, None
                s.notes.append(f"its grading process stopped ({type(err).__name__}: {err}); "
                               "grade it again")
                yield Outcome(s)
    finally:  # the run stopped early (an error, Ctrl+C): grade no one else
        pool.shutdown(wait=True, cancel_futures=True)


def grade(exercise: str, zips: Path | None = None, exchange: bool = False,
          timeout: int | None = None, jobs: int = 1, echo: Callable[[str], None] = print,
          warn: Callable[[str], None] | None = None, folders: Folders | None = None) -> list[Student]:
    """Grade every submission of ``exercise``; the students, in the CSV's order. ``echo`` gets
    the progress and the summary, ``warn`` what the instructor must see besides (stderr)."""
    from nbgrader.apps import NbGraderAPI

    from descent_instructor.paths import ROOT

    warn = warn or (lambda text: print(text, file=sys.stderr, flush=True))
    config = nbgrader_config(folders.root if folders else ROOT, timeout)
    api = NbGraderAPI(config=config)
    folders = folders or Folders.for_course(api.coursedir)
    if not folders.source_notebook(exercise).is_file():
        raise RunFailed(f"No exercise {exercise!r} in {folders.source.relative_to(folders.root)}/.")
    gradebook.sqlite_path(folders.db_url)
    folders.grading.mkdir(exist_ok=True)
    load_exercise(config, folders, exercise)
    problems: list[str] = []
    if zips is not None:
        students, problems = collect.from_zips(zips, exercise, folders.submitted)
    else:
        if exchange:
            collect.from_exchange(api, exercise)
        students = collect.submitted_students(folders.submitted, exercise)
    if not students:
        raise RunFailed(f"No submissions of {exercise} to grade." + "".join(f"\n  {p}" for p in problems))
    points = gradebook.points(folders.db_url, folders.course_id, exercise)
    workers = max(1, min(jobs, len(students)))
    echo(f"Grading {exercise}: {len(students)} students"
         + (f", {workers} at a time" if workers > 1 else ""))
    results: dict[str, Student] = {}
    shutil.rmtree(folders.work, ignore_errors=True)
    folders.work.mkdir(parents=True)
    try:
        # every student is graded against this copy; only this loop writes the gradebook
        snap = gradebook.snapshot(folders.db_url, folders.work / "gradebook.db")
        todo = [Job(exercise, s, folders, snap, points, timeout) for s in students]
        for done, out in enumerate(graded(todo, workers), 1):
            s = results[out.student.id] = out.student
            gradebook.write(folders.db_url, folders.course_id, exercise, s.id, out.record)
            echo(progress(done, len(students), s))
            if out.kernel_output:
                warn(f"{s.id}: the grading kernel printed, outside the notebook:\n"
                     + textwrap.indent(out.kernel_output, "  | "))
            if out.error:
                warn(f"{s.id}: the grading command failed on this student:\n{out.error}")
    finally:
        shutil.rmtree(folders.work, ignore_errors=True)
    students = [results[s.id] for s in students]
    csv_path = write_csv(folders.grading / f"grades_{exercise}.csv", exercise, students)
    echo(summary(exercise, students, problems, _shown(csv_path, folders.root),
                 f"{_shown(folders.feedback, folders.root)}/<student>/{exercise}/"))
    try:  # the whole class (this run's students and earlier runs'), from the grade sheet
        view = classview.class_view(exercise, csv_path, folders.autograded)
        made = classview.write(view, folders.grading)
    except Exception as err:  # noqa: BLE001  (the grades stand; the class view is an extra)
        warn(f"The class view could not be made ({type(err).__name__}: {err}); the grades stand.")
    else:
        echo(f"\nWhat the class got wrong ({' and '.join(_shown(p, folders.root) for p in made)}):"
             + "".join(f"\n  {line}" for line in classview.top_lines(view)))
    return students


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _jobs(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return n


def main(argv: Iterable[str] | None = None) -> int:
    quiet()
    parser = argparse.ArgumentParser(prog="python3 course.py grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("exercise", help="e.g. 01_momentum")
    parser.add_argument("zips", nargs="?", type=Path, help="folder of submission zips")
    parser.add_argument("--exchange", action="store_true", help="nbgrader collect first (hub)")
    parser.add_argument("--timeout", type=int, help="seconds per cell (default: nbgrader_config.py)")
    parser.add_argument("--jobs", type=_jobs, default=os.cpu_count() or 1,
                        help="students graded at once, each in a process of its own (default: "
                             "the number of cores, %(default)s here; 1: one after another)")
    args = parser.parse_args(None if argv is None else list(argv))
    if args.zips and args.exchange:
        parser.error("give a zip folder or --exchange, not both")
    # nbgrader runs `alembic` by name when it creates a gradebook: this interpreter's scripts
    # first. The entry point sets up its process; the stages change no process-wide state.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    try:
        grade(args.exercise, args.zips.resolve() if args.zips else None, args.exchange,
              args.timeout, args.jobs)
    except RunFailed as err:
        print(f"Grading run failed: {err}", file=sys.stderr)
        return 1
    return 0
