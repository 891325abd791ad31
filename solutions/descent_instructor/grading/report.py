"""Report: the exercise's grade sheet (CSV), one progress line per student, the summary.

A score is final only when nothing of it awaits grading by hand: while a written answer is not
graded yet, the CSV's ``final`` column says ``no`` (its ``score`` counts the points given so far,
``manual_pending`` the points still to grade), and the student's line says "2 pending".
"""
from __future__ import annotations

import csv
from pathlib import Path

from .student import COMPLETE, STATUSES, Student

CSV_COLUMNS = ["student", "exercise", "status", "score", "final", "max_score", "auto_score",
               "auto_max", "manual_pending", "review", "notes"]


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _points(x: float) -> str:
    return f"{x:g}"


def write_csv(path: Path, exercise: str, students: list[Student]) -> Path:
    """The grade sheet ``path``: this run's students, and the rows of earlier runs for everyone
    else (a folder of late zips adds to the sheet; it does not replace it). Sorted by student."""
    rows = {}
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as f:
            rows = {r["student"]: [r.get(c, "") for c in CSV_COLUMNS] for r in csv.DictReader(f)}
    for s in students:
        partial = s.score is None  # no points of a run that did not finish
        rows[s.id] = [s.id, exercise, s.status, "" if partial else _points(s.score),
                      "yes" if final(s) else "no",
                      _points(s.max_score), "" if partial else _points(s.auto[0]),
                      _points(s.auto[1]), "" if partial else _points(s.manual_pending),
                      "yes" if s.review else "", "; ".join(s.notes)]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        w.writerows(rows[sid] for sid in sorted(rows))
    return path


def final(s: Student) -> bool:
    """Whether the student's score is their grade: complete, and nothing awaits grading by hand."""
    return s.status in COMPLETE and s.score is not None and not s.manual_pending


def line(s: Student) -> str:
    if s.score is None:
        return f"{s.id:<20} {s.status:<24} {'  no score':<26}"
    score = f"{_points(s.auto[0]):>4}/{_points(s.auto[1])} auto"
    if s.manual_pending:  # not the grade yet: the written answers are graded by hand
        more = f", {_points(s.manual_pending)} pending"
    elif s.max_score > s.auto[1]:  # graded by hand, or nothing to grade by hand (no answer)
        more = f", {_points(s.score)}/{_points(s.max_score)} total"
    else:
        more = ""
    return f"{s.id:<20} {s.status:<24} {score + more:<26}"


def progress(done: int, total: int, s: Student) -> str:
    return f"[{done:>3}/{total}] {line(s)}  {s.seconds:5.1f} s"


def summary(exercise: str, students: list[Student], problems: list[str], csv_shown: str,
            feedback_shown: str) -> str:
    out = [f"\nSummary of {exercise}: {_count(len(students), 'student')}"]
    out += ["  " + line(s) + "".join(f"\n  {'':<20} - {n}" for n in s.notes) for s in students]
    counts = {st: sum(s.status == st for s in students) for st in STATUSES}
    out.append("  " + "; ".join(f"{n} {st}" for st, n in counts.items() if n))
    if any(s.status not in COMPLETE for s in students):
        out.append("  INCOMPLETE students have no score in the CSV: look at their work by hand.")
    if flagged := [s.id for s in students if s.review]:
        out.append(f"  REVIEW {', '.join(flagged)}: code that games the checks or the grading "
                   "machine, or needs none of it; read it before accepting the score.")
    if waiting := [s for s in students if s.manual_pending and s.score is not None]:
        out.append(f"  {_count(len(waiting), 'student')} with written answers pending: their "
                   "scores are not final (CSV: final = no). Grade the answers by hand in nbgrader's "
                   "formgrader (README › Grading), then run this command again to refresh the CSV "
                   "and feedback.")
    out += [f"  ! {p}" for p in problems]
    out.append(f"  grades: {csv_shown}; feedback: {feedback_shown}")
    return "\n".join(out)
