"""The gradebook: each student graded against a copy, one writer of the results.

nbgrader's gradebook is one SQLite file, and its autograde writes to it at several moments while a
student is graded (the submission when it starts, each cell's score when the notebook has run, the
late penalty). Students graded at the same time would be writers of one file from several
processes. Instead:

* before grading, ``snapshot`` copies the gradebook (SQLite's backup API: a consistent copy);
* each student is graded by nbgrader against their own copy of the snapshot (sandbox), which holds
  everything autograde reads: the exercise's cells, and the student's earlier submission with the
  written answers already graded by hand;
* ``read_submission`` takes from that copy what autograde wrote for the student, and ``write``,
  called by the command alone, one student at a time, puts it into the gradebook.

What autograde writes, and so what is carried over: the student and the submission with its time
(Autograde.init_assignment), each grade's ``auto_score`` and ``needs_manual_grade`` and each
comment's ``auto_comment`` (SaveAutoGrades, and init_assignment for a missing notebook), each
notebook's ``late_submission_penalty`` (AssignLatePenalties). Scores given by hand, extra credit,
flags and extensions are the instructor's and are left as they are in the gradebook.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .student import RunFailed

SQLITE = "sqlite:///"


def sqlite_path(db_url: str) -> Path:
    if not db_url.startswith(SQLITE):
        raise RunFailed(f"The gradebook {db_url} is not an SQLite file: this command grades with "
                        "SQLite gradebooks only (nbgrader's default, CourseDirectory.db_url).")
    return Path(db_url[len(SQLITE):])


def snapshot(db_url: str, target: Path) -> Path:
    """A consistent copy of the gradebook at ``target``."""
    target.unlink(missing_ok=True)
    with closing(sqlite3.connect(sqlite_path(db_url))) as source, \
            closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target


def _open(db_url: str, course_id: str):
    from nbgrader.api import Gradebook

    return Gradebook(db_url, course_id)


def points(db_url: str, course_id: str, exercise: str) -> tuple[float, float]:
    """(all points, autograded points) of the exercise. The course's convention: code grade
    cells are tests, markdown ones written answers."""
    with _open(db_url, course_id) as gb:
        cells = [c for nb in gb.find_assignment(exercise).notebooks for c in nb.grade_cells]
        return (sum(c.max_score for c in cells),
                sum(c.max_score for c in cells if c.cell_type == "code"))


def scores(db_url: str, course_id: str, exercise: str, student: str):
    """(autograded points earned, points awaiting grading by hand, score), or None if nbgrader
    has no submission."""
    from nbgrader.api import MissingEntry

    with _open(db_url, course_id) as gb:
        try:
            sub = gb.find_submission(exercise, student)
        except MissingEntry:
            return None
        grades = [g for nb in sub.notebooks for g in nb.grades]
        return (sum(g.auto_score or 0.0 for g in grades if g.cell.cell_type == "code"),
                sum(g.max_score for g in grades if g.cell.cell_type != "code"
                    and g.needs_manual_grade and g.manual_score is None),
                sum(g.score for g in grades))


def pending(db_url: str, course_id: str, exercise: str, student: str) -> tuple[dict[str, float], bool]:
    """({grade id: points} of the written answers awaiting grading by hand, whether any answer has
    been graded by hand already). Nothing pending for a student nbgrader has no submission of."""
    from nbgrader.api import MissingEntry

    with _open(db_url, course_id) as gb:
        try:
            sub = gb.find_submission(exercise, student)
        except MissingEntry:
            return {}, False
        grades = [g for nb in sub.notebooks for g in nb.grades]
        return ({g.name: g.max_score for g in grades if g.cell.cell_type != "code"
                 and g.needs_manual_grade and g.manual_score is None},
                any(g.manual_score is not None for g in grades))


@dataclass
class NotebookRecord:
    late_submission_penalty: float | None = None
    grades: dict[str, tuple[float | None, bool]] = field(default_factory=dict)  # auto_score, needs_manual_grade
    comments: dict[str, str | None] = field(default_factory=dict)                # auto_comment


@dataclass
class SubmissionRecord:
    """What nbgrader's autograde wrote for one student's submission (see the module's doc)."""
    timestamp: datetime | None
    notebooks: dict[str, NotebookRecord] = field(default_factory=dict)


def read_submission(db_url: str, course_id: str, exercise: str, student: str) -> SubmissionRecord | None:
    from nbgrader.api import MissingEntry

    with _open(db_url, course_id) as gb:
        try:
            sub = gb.find_submission(exercise, student)
        except MissingEntry:
            return None
        return SubmissionRecord(sub.timestamp, {
            nb.name: NotebookRecord(
                nb.late_submission_penalty,
                {g.name: (g.auto_score, bool(g.needs_manual_grade)) for g in nb.grades},
                {c.name: c.auto_comment for c in nb.comments})
            for nb in sub.notebooks})


def write(db_url: str, course_id: str, exercise: str, student: str,
          record: SubmissionRecord | None) -> None:
    """Put ``record`` into the gradebook as the student's submission; with None, remove the
    student's submission (graded part of the way, or nothing to grade: nothing in the gradebook,
    which nbgrader export and the formgrader read, may stand for this run)."""
    from nbgrader.api import MissingEntry

    with _open(db_url, course_id) as gb:
        if record is None:
            try:
                gb.remove_submission(exercise, student)
            except MissingEntry:
                pass
            return
        gb.update_or_create_student(student)
        if record.timestamp is not None:
            sub = gb.update_or_create_submission(exercise, student, timestamp=record.timestamp)
        else:
            sub = gb.update_or_create_submission(exercise, student)
        for nb in sub.notebooks:
            done = record.notebooks.get(nb.name)
            if done is None:
                continue
            nb.late_submission_penalty = done.late_submission_penalty
            for grade in nb.grades:
                if grade.name in done.grades:
                    grade.auto_score, grade.needs_manual_grade = done.grades[grade.name]
            for comment in nb.comments:
                if comment.name in done.comments:
                    comment.auto_comment = done.comments[comment.name]
        gb.db.commit()
