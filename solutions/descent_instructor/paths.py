"""Where the course's folders are, seen from the instructor tools (one place for every path)."""
from __future__ import annotations

import os
from pathlib import Path

#: the course's root folder (a clone of the repository); DESCENT_COURSE_ROOT points elsewhere
ROOT = Path(os.environ.get("DESCENT_COURSE_ROOT") or Path(__file__).resolve().parents[2])
SOLUTIONS = ROOT / "solutions"
#: nbgrader's source folder: assignments only (CourseDirectory.source_directory)
ASSIGNMENTS = SOLUTIONS / "assignments"
TOPIC_SPECS = SOLUTIONS / "topics"
REFERENCE_RULES = SOLUTIONS / "rules.py"
LIB = ROOT / "lib" / "descent"
REFERENCES = LIB / "references"
EXERCISES = ROOT / "exercises"
LECTURES = ROOT / "lectures"
TESTS = ROOT / "tests"
GRADING = ROOT / "grading"
KERNEL_FILES = Path(__file__).resolve().parent / "grading_kernel"


def solution_notebook(slug: str) -> Path:
    return ASSIGNMENTS / slug / f"{slug}.ipynb"


def topic_spec(slug: str) -> Path:
    return TOPIC_SPECS / f"{slug}.py"
