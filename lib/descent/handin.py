"""Course code (read it, don't edit it): the hand-in format, one definition for both sides.

``descent.submit`` (your side) writes hand-ins in this format and the instructor's grading command
(solutions/descent_instructor/grading/) reads them with it. A hand-in is one zip,
``<exercise>__<student>.zip``, holding

* ``<exercise>.ipynb`` - the exercise notebook,
* ``rules.py`` - your rules (the grading kernel imports this file and nothing else),
* ``submission.json`` - the manifest: who, which exercise, when (ISO 8601, UTC, from your
  machine's clock), and the SHA-256 of each of the two files.

Through nbgrader's exchange (a JupyterHub) the same two files travel in a folder, without the
manifest: nbgrader records who and when itself.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

#: what a student id may look like: it becomes a folder name on the grading machine
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: a hand-in's file name, ``<exercise>__<student>.zip`` (found at the end of a longer name too)
ZIP_NAME = re.compile(r"(?P<exercise>\d\d_[a-z0-9_]+?)__(?P<student>[A-Za-z0-9][A-Za-z0-9._-]*)\.zip$")
RULES = "rules.py"
MANIFEST = "submission.json"


def notebook_name(exercise: str) -> str:
    return f"{exercise}.ipynb"


def files(exercise: str) -> tuple[str, str]:
    """The names of the files handed in: the notebook and ``rules.py``."""
    return notebook_name(exercise), RULES


def zip_name(exercise: str, student: str) -> str:
    return f"{exercise}__{student}.zip"


def named(filename: str) -> tuple[str, str] | None:
    """(exercise, student) that a zip's name gives, or None when it is not named as a hand-in."""
    found = ZIP_NAME.search(filename)
    return (found["exercise"], found["student"]) if found else None


def same_student(named_for: str, student: str) -> bool:
    """Whether a zip named for ``named_for`` can hold ``student``'s manifest: the same id, or the
    id with a download's ``-1``, ``-2``... (a browser's renaming of a second download)."""
    return named_for == student or re.fullmatch(re.escape(student) + r"-\d+", named_for) is not None


def manifest(student: str, exercise: str, contents: dict[str, bytes],
             created: datetime | None = None) -> dict:
    """``submission.json`` for ``contents`` ({file name: bytes}) handed in now (or at ``created``)."""
    when = (created or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {
        "student": student, "exercise": exercise,
        "created": when.isoformat(timespec="seconds"),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()},
    }


def dumps(manifest: dict) -> str:
    return json.dumps(manifest, indent=2)


def created(manifest: dict) -> datetime | None:
    """When the manifest says the hand-in was made (UTC), or None if it does not say readably."""
    try:
        t = datetime.fromisoformat(str(manifest.get("created")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)
