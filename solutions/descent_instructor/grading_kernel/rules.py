"""Grading copy of ``descent.rules``: the submission's own ``rules.py``, nothing else.

The grading command puts this file in each student's grading lib (descent_instructor.grading.sandbox)
in place of the course's ``rules.py``. It runs
the ``rules.py`` found in the kernel's working directory (the student's submission folder) as
this module. There is no fallback: a submission without its own ``rules.py`` gets a clear error,
and neither the course's copy, another student's, nor an installed package is ever used.
"""
from pathlib import Path as _Path

_submitted = _Path.cwd() / "rules.py"
if not _submitted.is_file():
    raise ImportError(
        "This submission has no rules.py, so there are no update rules to grade. Hand in "
        "lib/descent/rules.py together with the notebook: `python3 course.py submit "
        "<exercise> --student <id>` packs both (instructor guide: README › Grading).")
__file__ = str(_submitted)
exec(compile(_submitted.read_bytes(), __file__, "exec"), globals())
del _Path, _submitted
