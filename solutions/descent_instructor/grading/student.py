"""One student's outcome, the statuses, and the folders every stage is given."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class RunFailed(Exception):
    """The grading run itself cannot go on (not a problem with one student's work)."""


GRADED, TIMED_OUT, KERNEL_DIED, MISSING, FAILED = (
    "graded", "graded, timed out", "INCOMPLETE: kernel died", "graded, files missing",
    "INCOMPLETE: not graded")
STATUSES = (GRADED, TIMED_OUT, MISSING, KERNEL_DIED, FAILED)  # in the summary's order
COMPLETE = {GRADED, TIMED_OUT, MISSING}


@dataclass
class Student:
    id: str
    source: str = ""                               # the zip (or folder) it came from
    notes: list[str] = field(default_factory=list)  # what the instructor should know
    status: str = ""
    score: float | None = None                      # total so far, None if incomplete
    auto: tuple[float, float] = (0.0, 0.0)          # autograded points: earned, possible
    manual_pending: float = 0.0                     # points awaiting grading by hand
    max_score: float = 0.0
    seconds: float = 0.0
    ran: bool = False                               # nbgrader autograded it in this run

    @property
    def review(self) -> bool:
        return any(n.startswith("REVIEW") for n in self.notes)


@dataclass(frozen=True)
class Folders:
    """Where grading reads and writes. ``for_course`` takes them from paths.py and nbgrader's
    configuration (nbgrader_config.py); a test may point each one elsewhere."""
    root: Path          # the course (nbgrader's CourseDirectory.root)
    grading: Path       # the grades CSV, and work/: each student's grading lib and gradebook copy
    source: Path        # nbgrader's source folder (solutions/assignments/)
    released: Path      # the student versions (exercises/)
    submitted: Path     # nbgrader's submitted/, autograded/ and feedback/ folders
    autograded: Path
    feedback: Path
    lib: Path           # the course's lib (lib/descent/), copied into each grading lib
    kernel_files: Path  # what replaces parts of it there (grading_kernel/)
    db_url: str         # the gradebook
    course_id: str

    @classmethod
    def for_course(cls, coursedir) -> Folders:
        from descent_instructor.paths import GRADING, KERNEL_FILES, LIB

        root = Path(coursedir.root)
        return cls(root=root, grading=GRADING, source=root / coursedir.source_directory,
                   released=root / coursedir.release_directory,
                   submitted=root / coursedir.submitted_directory,
                   autograded=root / coursedir.autograded_directory,
                   feedback=root / coursedir.feedback_directory, lib=LIB,
                   kernel_files=KERNEL_FILES, db_url=coursedir.db_url,
                   course_id=coursedir.course_id)

    @property
    def work(self) -> Path:
        return self.grading / "work"

    def source_notebook(self, exercise: str) -> Path:
        return self.source / exercise / f"{exercise}.ipynb"

    def released_notebook(self, exercise: str) -> Path:
        return self.released / exercise / f"{exercise}.ipynb"
