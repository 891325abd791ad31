"""Course code (read it, don't edit it): hand in an exercise, its notebook with your own rules.py.

    python3 course.py submit 01_momentum --student YOUR_ID            # writes a zip (Binder, local)
    python3 course.py submit 01_momentum --student YOUR_ID --exchange # nbgrader submit (on a hub)

(Where the course's ``.venv`` is not used, e.g. on Binder: ``python -m descent.submit ...``.)
Save the notebook first (Ctrl+S). The zip, ``submissions/<exercise>__<id>.zip``, holds
``<exercise>.ipynb``, ``rules.py`` and ``submission.json`` (who, which exercise, when, and the
files' SHA-256: the format is in ``descent/handin.py``); hand it in the way your instructor asks.
With ``--exchange`` the same two files go through nbgrader's exchange, as ``nbgrader submit`` does
on a JupyterHub with nbgrader.
Your rules are graded from the ``rules.py`` you hand in, never from anyone else's copy.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import handin
from .handin import RULES, STUDENT_ID


class SubmitError(Exception):
    pass


def course_root(start: Path | None = None) -> Path:
    """The course folder: the nearest folder above ``start`` (default: here) with exercises/ and
    lib/descent/, else the clone this package is installed from."""
    for folder in [p for s in [(start or Path.cwd()).resolve()] for p in (s, *s.parents)]:
        if (folder / "exercises").is_dir() and (folder / "lib" / "descent").is_dir():
            return folder
    here = Path(__file__).resolve().parents[2]
    if (here / "exercises").is_dir():
        return here
    raise SubmitError("Cannot find the course folder (one with exercises/ and lib/descent/): "
                      "run this from inside your copy of the course.")


def files_to_submit(root: Path, exercise: str) -> dict[str, Path]:
    notebook = root / "exercises" / exercise / handin.notebook_name(exercise)
    if not notebook.is_file():
        known = sorted(p.name for p in (root / "exercises").iterdir() if p.is_dir())
        raise SubmitError(f"There is no exercise {exercise!r}; the exercises are: {', '.join(known)}.")
    try:
        json.loads(notebook.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SubmitError(f"{notebook} is not a readable notebook ({err}).") from None
    rules = root / "lib" / "descent" / RULES
    if not rules.is_file():
        raise SubmitError(f"Your rules file {rules} is missing.")
    return {notebook.name: notebook, RULES: rules}


def pack(exercise: str, student: str, root: Path | None = None, out: Path | None = None) -> Path:
    """Write ``<out>/<exercise>__<student>.zip`` and return its path."""
    if not STUDENT_ID.fullmatch(student):
        raise SubmitError(f"Student id {student!r}: use letters, digits, '.', '_' or '-' "
                          "(at most 64 characters), e.g. your university login.")
    root = root or course_root()
    files = files_to_submit(root, exercise)
    out = out or root / "submissions"
    out.mkdir(parents=True, exist_ok=True)
    contents = {name: path.read_bytes() for name, path in files.items()}
    manifest = handin.manifest(student, exercise, contents)
    target = out / handin.zip_name(exercise, student)
    partial = target.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in contents.items():
            zf.writestr(name, data)
        zf.writestr(handin.MANIFEST, handin.dumps(manifest))
    partial.replace(target)
    return target


def submit_to_exchange(exercise: str, root: Path | None = None, nbgrader=("nbgrader",),
                       extra_args=()) -> None:
    """``nbgrader submit`` of a folder holding the exercise notebook and your rules.py."""
    root = root or course_root()
    files = files_to_submit(root, exercise)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / exercise
        folder.mkdir()
        for name, path in files.items():
            shutil.copy(path, folder / name)
        # this folder, whatever a hub's nbgrader_config.py says: its Exchange.assignment_dir
        # (the folder the Assignment List shows) holds the notebook without rules.py
        done = subprocess.run([*nbgrader, "submit", exercise, "--course=descent",
                               f"--Exchange.assignment_dir={tmp}",
                               "--Exchange.path_includes_course=False", *extra_args],
                              cwd=tmp, capture_output=True, text=True)
    if done.returncode:
        raise SubmitError(f"nbgrader submit failed:\n{done.stdout}{done.stderr}")


def _stub_warnings(root: Path, exercise: str) -> list[str]:
    """Rules of this exercise that are still the untouched stub (a hint, not a refusal)."""
    from .syllabus import TOPICS

    topic = next((t for t in TOPICS if t.slug == exercise), None)
    text = (root / "lib" / "descent" / RULES).read_text("utf-8")
    return [name for name in getattr(topic, "rules", ())
            if re.search(rf'raise NotYetImplemented\("{name}"\)', text)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 course.py submit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("exercise", help="e.g. 01_momentum")
    parser.add_argument("--student", help="your student id (required for a zip)")
    parser.add_argument("--exchange", action="store_true",
                        help="submit through nbgrader's exchange (JupyterHub) instead of a zip")
    parser.add_argument("--out", type=Path, help="folder for the zip (default: submissions/)")
    args = parser.parse_args(argv)
    try:
        root = course_root()
        for name in _stub_warnings(root, args.exercise):
            print(f"Warning: `{name}` in lib/descent/rules.py is still the stub; it will score 0.")
        if args.exchange:
            submit_to_exchange(args.exercise, root, (sys.executable, "-m", "nbgrader"))
            print(f"Submitted {args.exercise} (notebook and rules.py) through nbgrader's exchange.")
        else:
            if not args.student:
                parser.error("--student YOUR_ID is required for a zip submission")
            path = pack(args.exercise, args.student, root, args.out)
            print(f"Wrote {path}\nIt holds {args.exercise}.ipynb and your rules.py. Did you save "
                  "the notebook first? Hand the zip in as your instructor asks (on Binder: "
                  "right-click it in the file browser, Download).")
    except SubmitError as err:
        print(f"Not submitted: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
