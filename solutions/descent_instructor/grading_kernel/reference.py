"""Grading copy of ``descent.reference``: the reference rules are not available while grading.

The grading command puts this file in each student's grading lib (descent_instructor.grading.sandbox)
in place of the course's ``reference.py``,
so a submission that delegates to the reference implementation fails instead of earning credit.
"""


class ReferenceUnavailable(RuntimeError):
    pass


_MESSAGE = ("The reference rules are not available while a submission is graded: "
            "your rules must compute their updates themselves.")


def path():
    raise ReferenceUnavailable(_MESSAGE)


def available() -> bool:
    return False


def rules():
    raise ReferenceUnavailable(_MESSAGE)


def rule(name: str):
    raise ReferenceUnavailable(_MESSAGE)
