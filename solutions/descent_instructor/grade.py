"""The grading command's entry point: ``python -m descent_instructor.grade`` (what ``python3
course.py grade`` runs). The command and its stages live in ``descent_instructor.grading``."""
from __future__ import annotations

import sys

from descent_instructor.grading.command import grade, main
from descent_instructor.grading.review import SUSPICIOUS, code_only
from descent_instructor.grading.student import RunFailed, Student

_code_only = code_only  # the name earlier versions had

__all__ = ["grade", "main", "RunFailed", "Student", "SUSPICIOUS", "code_only"]

if __name__ == "__main__":
    sys.exit(main())
