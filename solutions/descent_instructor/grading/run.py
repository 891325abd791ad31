"""Run: grade one student - nbgrader's autograde in a fresh sandbox, the status, the scores and the
feedback. ``grade_student`` is what the command runs for each student, in this process or in a
worker process; it reads and writes that student's folders and sandbox only, and returns what the
command writes to the gradebook (gradebook.write) and reports.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

from descent import handin

from . import gradebook
from .feedback import mark_pending, write_page
from .kernel import GradingExecute, without_shutdown_noise
from .repair import RepairCells
from .review import review_notes
from .sandbox import UNSET, Sandbox, sandbox
from .student import (COMPLETE, FAILED, GRADED, KERNEL_DIED, MISSING, TIMED_OUT, Folders, RunFailed,
                      Student)


def nbgrader_config(root: Path, timeout: int | None):
    """nbgrader's configuration for grading: as nbgrader reads it (system, then user config, where
    a hub's exchange is set, then the course's nbgrader_config.py), with this command's steps."""
    from jupyter_core.paths import jupyter_config_path
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import DeduplicateIds, Execute
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(root)]:
        if os.path.isfile(os.path.join(folder, "nbgrader_config.py")):
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
    if timeout:
        config.Execute.timeout = timeout
    # a cell stopped at the limit says which limit, in the graded notebook and the feedback
    limit = config.Execute.get("timeout", Execute.class_traits()["timeout"].default())
    if limit:
        stopped = f"the cell ran longer than the {limit} s limit and was stopped"
        config.Execute.error_on_timeout = {
            "ename": "CellTimeoutError", "evalue": stopped,
            "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: {stopped}"]}
        config.HideHiddenTests.timeout = int(limit)
    config.Application.log_level = "ERROR"  # their log goes into each result; the summary is ours
    # the kernels' own start-up chatter would drown the progress display
    config.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:",
                                      "--IPKernelApp.log_level=ERROR"]
    traits = Autograde.class_traits()
    # the repairs before nbgrader's own handling of ids and cells (repair.py says why)
    sanitize = list(config.Autograde.get("sanitize_preprocessors",
                                         traits["sanitize_preprocessors"].default()))
    sanitize.insert(sanitize.index(DeduplicateIds) if DeduplicateIds in sanitize else 0, RepairCells)
    config.Autograde.sanitize_preprocessors = sanitize
    # the kernel's environment and output from the sandbox (kernel.py says why)
    steps = [GradingExecute if p is Execute else p
             for p in config.Autograde.get("autograde_preprocessors",
                                           traits["autograde_preprocessors"].default())]
    if GradingExecute not in steps:  # without it, no grading lib and no guard: never grade so
        raise RunFailed("Autograde.autograde_preprocessors must contain nbgrader's Execute class.")
    config.Autograde.autograde_preprocessors = steps
    return config


def sandboxed(config, box: Sandbox, released: Path, submission: Path | None = None):
    """``config`` for grading in ``box``: its gradebook copy, kernel environment and files, and
    the feedback's names for the folders the kernel saw (the ``submission``'s graded copy, under
    autograded/: its files are the student's own; the grading lib: the course's lib)."""
    config = copy.deepcopy(config)
    config.HideHiddenTests.shown_paths = {
        **({str(submission): ""} if submission else {}), str(box.lib): "", str(box.scratch): "",
        str(box.root): ""}
    config.CourseDirectory.db_url = box.db_url
    config.GradingExecute.kernel_env = box.kernel_environment()
    config.GradingExecute.kernel_unset = list(UNSET)
    config.GradingExecute.kernel_output = str(box.kernel_output)
    config.RepairCells.released = str(released)
    config.RepairCells.report = str(box.repairs)
    return config


@dataclass
class Job:
    """One student to grade, and all that grading them needs (picklable: it goes to a worker)."""
    exercise: str
    student: Student
    folders: Folders
    snapshot: Path                  # the gradebook before this run (gradebook.snapshot)
    points: tuple[float, float]     # the exercise's points: all, autograded
    timeout: int | None = None


@dataclass
class Outcome:
    student: Student
    #: the submission to put in the gradebook; None: remove the student's submission from it
    record: gradebook.SubmissionRecord | None = None
    #: what the kernel printed outside the notebook, known harmless noise removed
    kernel_output: str = ""
    #: a failure of the grader itself on this student (a traceback), for the instructor's eyes
    error: str = ""


def _unreadable(notebook: Path) -> str | None:
    """Why nbgrader cannot read the notebook, or None."""
    import nbformat

    if not notebook.is_file():
        return "no notebook in the submission"
    try:
        nbformat.read(notebook, as_version=4)
    except Exception as err:  # noqa: BLE001  (any way of being unreadable)
        return f"the notebook is not readable ({type(err).__name__}: {str(err)[:120]})"
    return None


def _timeouts(notebook: Path) -> list[str]:
    import nbformat

    return [c.get("id", "?") for c in nbformat.read(notebook, as_version=4).cells
            if c.cell_type == "code"
            and any(o.get("ename") == "CellTimeoutError" for o in c.get("outputs", []))]


def _error_line(log: str) -> str:
    """The line of nbgrader's log that names the error, else its last line (not nbgrader's own
    closing NbGraderException, which only says to see the traceback above it)."""
    lines = [ln.strip() for ln in log.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"[\w.]*(Error|Exception)\b.*:", ln)
              and "NbGraderException" not in ln]
    return (errors or lines or ["no log"])[-1][:200]


def _status(s: Student, result: dict, autograded: Path, missing_rules: bool) -> None:
    log = (result.get("log") or "") + (result.get("error") or "")
    if result["success"]:
        s.status = MISSING if missing_rules else GRADED
        if missing_rules:
            s.notes.append("no rules.py in the submission: its checks could not run")
        if autograded.exists() and (cells := _timeouts(autograded)):
            s.status = TIMED_OUT if not missing_rules else s.status
            s.notes.append(f"timed out in {', '.join(cells)}; later cells were graded")
    elif "DeadKernelError" in log or "Kernel died" in log or "kernel died" in log:
        s.status = KERNEL_DIED
        s.notes.append("the kernel died while running the student's code (os._exit, a "
                       "crash or memory exhaustion); nbgrader stopped grading there")
    else:
        s.status = FAILED
        s.notes.append(f"nbgrader could not grade it: {_error_line(log)}")


def _grade(job: Job, out: Outcome) -> None:
    from nbgrader.apps import NbGraderAPI

    s, ex, folders = out.student, job.exercise, job.folders
    s.max_score, s.auto = job.points[0], (0.0, job.points[1])
    for old in (folders.autograded, folders.feedback):  # nothing from an earlier run may be
        shutil.rmtree(old / s.id / ex, ignore_errors=True)  # mistaken for this one
    submitted = folders.submitted / s.id / ex
    notebook = submitted / handin.notebook_name(ex)
    if problem := _unreadable(notebook):
        s.status, s.score = MISSING, 0.0  # nothing to grade: 0, complete
        s.notes.append(f"{problem}: 0")
        write_page(folders.feedback / s.id / ex, ex, True, "; ".join(s.notes))
        return
    missing_rules = not (submitted / handin.RULES).is_file()
    s.notes += review_notes(submitted, folders.released_notebook(ex))
    config = nbgrader_config(folders.root, job.timeout)
    with sandbox(folders, s.id, job.snapshot) as box:
        api = NbGraderAPI(config=sandboxed(config, box, folders.released,
                                           folders.autograded / s.id / ex))
        s.ran = True
        result = api.autograde(ex, s.id, force=True, create=True)
        if box.repairs.is_file():  # the repair step ran (nbgrader's sanitize step)
            s.notes += json.loads(box.repairs.read_text("utf-8"))
        _status(s, result, folders.autograded / s.id / ex / notebook.name, missing_rules)
        if box.kernel_output.is_file():
            out.kernel_output = without_shutdown_noise(
                box.kernel_output.read_text("utf-8", errors="replace")).strip()
        if s.status in COMPLETE:
            out.record = gradebook.read_submission(box.db_url, folders.course_id, ex, s.id)
            got = gradebook.scores(box.db_url, folders.course_id, ex, s.id)
            if got is not None:
                s.auto = (got[0], s.auto[1])
                s.manual_pending, s.score = got[1], got[2]
            if (folders.autograded / s.id / ex).exists():
                made = api.generate_feedback(ex, s.id, force=True)
                if not made["success"]:  # the score stands; no misleading page
                    s.notes.append("feedback could not be generated: " + _error_line(
                        (made.get("log") or "") + "\n" + (made.get("error") or "")))
                    return
                page = folders.feedback / s.id / ex / f"{ex}.html"
                waiting, by_hand = gradebook.pending(box.db_url, folders.course_id, ex, s.id)
                if page.is_file() and not mark_pending(page, waiting, automatic=not by_hand):
                    s.notes.append("feedback: the written answers not graded yet are marked "
                                   "at the top of the page only (nbgrader's page has changed)")
                return
    folder = folders.feedback / s.id / ex
    shutil.rmtree(folder, ignore_errors=True)
    write_page(folder, ex, s.status in COMPLETE, "; ".join(s.notes) or s.status)


def grade_student(job: Job) -> Outcome:
    """Grade ``job``'s student. Never raises: a failure of the grader itself on this student is
    reported as that student's (INCOMPLETE: not graded), with its traceback."""
    start = time.perf_counter()
    for attempt in (1, 2):
        out = Outcome(replace(job.student, notes=list(job.student.notes)))
        try:
            _grade(job, out)
        except Exception as err:  # noqa: BLE001  (the next student is graded all the same)
            out.student.status, out.student.score, out.record = FAILED, None, None
            out.student.notes.append(f"the grading command failed on it: {type(err).__name__}: {err}")
            out.error = traceback.format_exc()
        # a kernel that died is graded once more from scratch: a crash of the machine's (a kernel
        # that could not start on a loaded server) must not cost a student their grade, and the
        # student's own crash (os._exit, memory) dies again and is reported as before
        if out.student.status != KERNEL_DIED:
            break
    if attempt == 2:
        out.student.notes.append("graded twice: the kernel died the first time"
                                 + (" and again" if out.student.status == KERNEL_DIED else ""))
    out.student.seconds = time.perf_counter() - start
    return out
