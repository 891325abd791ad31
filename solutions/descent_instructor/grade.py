"""The grading command: collect → autograde → feedback → grades CSV, for one exercise.

    python3 course.py grade 01_momentum ZIP_FOLDER     # zips handed in (Binder, e-mail, an LMS)
    python3 course.py grade 01_momentum --exchange     # nbgrader collect on a JupyterHub
    python3 course.py grade 01_momentum                # what is already in grading/submitted/

Each submission is the exercise notebook plus the student's own ``rules.py``
(``python3 course.py submit``). Grading runs nbgrader's autograde for one student at a time, with
the kernel importing that student's ``rules.py`` and nothing else: the grading lib in
``grading/env/`` is the course's lib with ``rules.py`` replaced by a loader of the submission's
file and ``reference.py`` by a stub that refuses, and an audit hook keeps the kernel out of the
rest of the course folder (solutions/descent_instructor/grading_kernel/). Writes

    grading/feedback/<student>/<exercise>/<exercise>.html   feedback for each student
    grading/grades_<exercise>.csv                          one row per student, with a status

and prints a summary. A student whose kernel died is flagged INCOMPLETE and gets no score in the
CSV (nbgrader itself stops there and says nothing; its export shows 0 or a partial score). Re-running
is safe: every submission is collected and graded afresh, with the same result. The exit status
is non-zero only when the run itself failed, never because a student's code is broken.
"""
from __future__ import annotations

import argparse
import csv
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from descent_instructor.paths import GRADING, KERNEL_FILES, ROOT, solution_notebook
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ZIP_NAME = re.compile(r"(?P<exercise>\d\d_[a-z0-9_]+?)__(?P<student>[A-Za-z0-9][A-Za-z0-9._-]*)\.zip$")
MAX_FILE_BYTES = 20 * 2**20
RULES = "rules.py"


class RunFailed(Exception):
    """The grading run itself cannot go on (not a problem with one student's work)."""


# -- outcome of one student ------------------------------------------------------------------
GRADED, TIMED_OUT, KERNEL_DIED, MISSING, FAILED = (
    "graded", "graded, timed out", "INCOMPLETE: kernel died", "graded, files missing",
    "INCOMPLETE: not graded")
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


# -- collect -----------------------------------------------------------------------------------
def _read_zip(path: Path, exercise: str, notebook: str) -> tuple[str | None, dict, list[str]]:
    """(student id or None, {name: bytes} of the files we take, notes) from one zip.
    Any way a zip can be broken is a note about that zip, never the end of the run."""
    try:
        return _read_zip_unchecked(path, exercise, notebook)
    except Exception as err:  # noqa: BLE001  (corrupt members, encryption, odd manifests, ...)
        return None, {}, [f"{path.name}: unreadable ({type(err).__name__}: {err}): skipped"]


def _members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files of a zip, without folders and the resource forks macOS adds (__MACOSX/, ._x)."""
    return [i for i in zf.infolist() if not i.is_dir() and "__MACOSX" not in i.filename
            and not i.filename.replace("\\", "/").rsplit("/", 1)[-1].startswith("._")]


def _read_zip_unchecked(path: Path, exercise: str, notebook: str):
    notes = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        return None, {}, [f"{path.name}: not a readable zip ({err})"]
    with zf:
        by_name = {}
        for info in _members(zf):  # by base name only: nothing is extracted to a path it names
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            if base in (notebook, RULES, "submission.json"):
                if info.file_size > MAX_FILE_BYTES:
                    notes.append(f"{base} is larger than {MAX_FILE_BYTES >> 20} MB: ignored")
                    continue
                by_name.setdefault(base, zf.read(info))
        if notebook not in by_name:  # renamed on the way (a download's " (1)", an LMS prefix)
            others = [i for i in _members(zf) if i.filename.endswith(".ipynb")
                      and ".ipynb_checkpoints" not in i.filename and i.file_size <= MAX_FILE_BYTES]
            if len(others) == 1:
                by_name[notebook] = zf.read(others[0])
                notes.append(f"took {others[0].filename} as {notebook}")
    manifest = {}
    if "submission.json" in by_name:
        try:
            manifest = json.loads(by_name.pop("submission.json"))
        except ValueError:
            pass
        if not isinstance(manifest, dict):
            manifest = {}
            notes.append("submission.json is unreadable: ignored")
    named = ZIP_NAME.search(path.name)
    student = str(manifest.get("student") or (named and named["student"]) or "")
    claimed = str(manifest.get("exercise") or (named and named["exercise"]) or "")
    if (named and manifest.get("student") and named["student"] != student  # "-1": a re-download
            and not re.fullmatch(re.escape(student) + r"-\d+", named["student"])):
        return None, {}, [f"{path.name}: named for {named['student']} but submission.json says "
                          f"{student}: skipped, decide by hand"]
    if claimed and claimed != exercise:
        return None, {}, [f"{path.name}: a submission for {claimed}, not {exercise}: skipped"]
    if not STUDENT_ID.fullmatch(student):
        return None, {}, [f"{path.name}: cannot tell whose it is (no submission.json and not "
                          f"named <exercise>__<student>.zip): skipped"]
    when = _when(manifest.get("created"), path)
    if when > datetime.now(timezone.utc) + timedelta(days=1):  # a wrong clock, or a trick
        notes.append(f"submission.json's time {when:%Y-%m-%d %H:%M} is in the future: this zip "
                     "counts as the oldest of the student's")
        when = datetime.min.replace(tzinfo=timezone.utc)
    return student, {**by_name, "created": when}, notes


def _when(created, path: Path) -> datetime:
    """When the zip was made: its submission.json's time (the student's clock), else the file's."""
    try:
        t = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
        return t if t.tzinfo else t.replace(tzinfo=timezone.utc)
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)


def collect_zips(folder: Path, exercise: str) -> tuple[list[Student], list[str]]:
    """Put each student's newest zip into grading/submitted/<student>/<exercise>/."""
    notebook = f"{exercise}.ipynb"
    newest: dict[str, tuple[datetime, Path, dict, list[str]]] = {}
    problems = []
    zips = sorted(folder.glob("*.zip"))
    if not zips:
        raise RunFailed(f"No .zip files in {folder}.")
    for path in zips:
        student, files, notes = _read_zip(path, exercise, notebook)
        if student is None:
            problems.extend(notes)
            continue
        when = files["created"]
        if student in newest:
            older = min((newest[student][:2], (when, path)))
            problems.append(f"{student}: several zips; graded the newest, not {older[1].name}")
            if when < newest[student][0]:
                continue
        newest[student] = (when, path, files, notes)
    folded = {}
    for sid in newest:  # one folder per student, also where file names ignore case
        folded.setdefault(sid.lower(), []).append(sid)
    for same in (ids for ids in folded.values() if len(ids) > 1):
        problems.append(f"{' and '.join(same)} differ only in case: skipped, decide by hand")
        for sid in same:
            del newest[sid]
    students = []
    for sid, (when, path, files, notes) in sorted(newest.items()):
        target = GRADING / "submitted" / sid / exercise
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in (notebook, RULES):
            if name in files:
                (target / name).write_bytes(files[name])
        (target / "timestamp.txt").write_text(
            when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        students.append(Student(sid, path.name, list(notes)))
    return students, problems


def submitted_students(exercise: str) -> list[Student]:
    return [Student(p.parent.name, f"grading/submitted/{p.parent.name}")
            for p in sorted((GRADING / "submitted").glob(f"*/{exercise}")) if p.is_dir()]


# -- code to look at by hand --------------------------------------------------------------------
#: what a rule or an answer never needs, and what gaming the grader does need (tokens, comments cut)
SUSPICIOUS = [  # (pattern, why, look inside string literals too)
    (r"\bdescent\s*\.\s*(checks|reference)\b|\bimport\b[^\n]*\b(checks|reference)\b",
     "reaches for the course's checks or reference", True),
    (r"_getframe|\binspect\b|\bgc\b|\bf_(back|locals|globals)\b", "inspects the interpreter", False),
    (r"__code__|__globals__|__closure__|cell_contents|__builtins__|\bsys\s*\.\s*modules\b",
     "rewrites functions or modules", False),
    (r"get_ipython|input_transformers|\b(In|Out|_ih|_oh|_i\d+|_ii+)\b|\baudit",
     "reaches into IPython or the grading guard", False),
    (r"sqlite3|subprocess|_posixsubprocess|ctypes|dir_fd|/proc/|\bsocket\b|_exit\s*\("
     r"|\bos\s*\.\s*(system|open|exec\w*|spawn\w*|fork|kill)\b|\.kill\s*\(",
     "uses the operating system", True),
    (r"""["'/\\](solutions|autograded|submitted)\b|\b(solutions|autograded|submitted)["'/\\]|gradebook""",
     "names the grading machine's folders", True),
    (r"""\bopen\s*\([^#]*["'][rbt]*[wax+][rbt+]*["']|\.write_(text|bytes)\s*\(|\bshutil\b|\.pth\b"""
     r"|\bos\s*\.\s*(remove|unlink|rename|replace|mkdir|makedirs|rmdir|symlink|link)\b|\.unlink\s*\(",
     "writes files", True),
]


def _code_only(source: str, strings: bool) -> str:
    """The source without comments (a header comment naming solutions/ is no sign of anything)
    and, unless ``strings``, without string literals (a word in a message is not a name)."""
    import io
    import tokenize

    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        return tokenize.untokenize(
            (t.type, "''" if t.type == tokenize.STRING and not strings else t.string)
            for t in tokens if t.type != tokenize.COMMENT)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source  # IPython magics or broken code: look at all of it


def review_notes(submitted: Path, released: Path) -> list[str]:
    """Why a submission's own code (its rules.py; notebook cells it changed or added) deserves a
    look by hand. The score stands; the CSV marks the student for review."""
    import nbformat

    sources = []
    if (submitted / RULES).is_file():
        sources.append((RULES, (submitted / RULES).read_text("utf-8", errors="replace")))
    try:
        given = {c.source for c in nbformat.read(released, as_version=4).cells}
        cells = nbformat.read(submitted / released.name, as_version=4).cells
        sources += [(f"cell {c.get('id', i)}", c.source) for i, c in enumerate(cells)
                    if c.cell_type == "code" and c.source not in given]
    except Exception:  # noqa: BLE001  (an unreadable notebook is reported elsewhere)
        pass
    notes = []
    for pattern, why, strings in SUSPICIOUS:
        for where, source in sources:
            code, original = _code_only(source, strings).splitlines(), source.splitlines()
            for i, line in enumerate(code):
                if re.search(pattern, line):
                    shown = original[i] if len(code) == len(original) else line  # as written
                    notes.append(f"REVIEW: {where} {why} (`{shown.strip()[:80]}`)")
                    break
            else:
                continue
            break
    return notes


# -- the grading lib the kernel sees ------------------------------------------------------------
def build_grading_lib() -> Path:
    """grading/env/: the course lib with the submission's rules.py loader and no reference."""
    env = GRADING / "env"
    shutil.rmtree(env, ignore_errors=True)
    shutil.copytree(ROOT / "lib" / "descent", env / "descent",
                    ignore=shutil.ignore_patterns("__pycache__", RULES, "reference.py"))
    for name in (RULES, "reference.py"):
        shutil.copy(KERNEL_FILES / name, env / "descent" / name)
    shutil.copy(KERNEL_FILES / "sitecustomize.py", env / "sitecustomize.py")
    return env


def kernel_environment(env: Path) -> None:
    """Environment the grading kernels inherit from this process (nbgrader starts them)."""
    os.environ.pop("DESCENT_REFERENCE_RULES", None)
    os.environ["PYTHONPATH"] = str(env)  # before the installed lib: its rules.py is never used
    os.environ["DESCENT_GRADING_ROOT"] = str(ROOT)
    os.environ["DESCENT_GRADING_LIB"] = str(env)


@contextmanager
def scratch_environment(scratch: str):
    """One kernel's temporary folder and IPython folder, both in ``scratch``: the kernel may
    write there and nowhere else that lasts. IPython's profile (created at start-up where it is
    missing, as on a new machine) and its history live there, and the instructor's own profile
    and start-up files stay out of the grading."""
    new = {"TMPDIR": scratch, "IPYTHONDIR": os.path.join(scratch, "ipython")}
    old = {name: os.environ.get(name) for name in new}
    os.environ.update(new)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# -- nbgrader ---------------------------------------------------------------------------------
def nbgrader_api(timeout: int | None):
    from jupyter_core.paths import jupyter_config_path
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    # as nbgrader does: system, then user config (a hub's exchange is set there), then the course's
    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(ROOT)]:
        if os.path.isfile(os.path.join(folder, "nbgrader_config.py")):
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
    if timeout:
        config.Execute.timeout = timeout
    config.Application.log_level = "ERROR"  # their log goes into each result; the summary is ours
    # the kernels' own start-up chatter would drown the progress display
    config.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:",
                                      "--IPKernelApp.log_level=ERROR"]
    return NbGraderAPI(config=config)


def _cells(notebook: Path):
    import nbformat

    return nbformat.read(notebook, as_version=4).cells


def _timeouts(notebook: Path) -> list[str]:
    return [c.get("id", "?") for c in _cells(notebook) if c.cell_type == "code"
            and any(o.get("ename") == "CellTimeoutError" for o in c.get("outputs", []))]


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


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def repair_cells(notebook: Path, released: Path) -> list[str]:
    """Put the notebook's nbgrader cells in the state nbgrader can grade, and say what changed.

    nbgrader restores the content of locked and test cells and re-inserts missing ones, but it
    stops with a KeyError when a missing cell's neighbour is a locked cell, when a pasted copy
    repeats a cell's grade id, or when nbgrader metadata lost its id. Here: a repeated id (a
    pasted copy) and an id-less entry become ordinary cells, and each missing cell of the
    released notebook is put back after the cell that precedes it there.
    """
    import copy

    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    given = nbformat.read(released, as_version=4).cells
    notes, seen, repeated = [], set(), []
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if "nbgrader" in cell.metadata and (grade_id is None or grade_id in seen):
            del cell.metadata["nbgrader"]
            repeated.append(grade_id or cell.get("id", "?"))
        seen.add(grade_id)
    if repeated:
        notes.append(f"copies of cells {', '.join(repeated)} were graded as ordinary cells")
    ids = {c.get("id") for c in nb.cells}
    put_back = []
    for i, cell in enumerate(given):
        grade_id = _grade_id(cell)
        if grade_id is None or grade_id in seen:
            continue
        before = [_grade_id(c) for c in given[:i] if _grade_id(c)]
        at = next((j + 1 for g in reversed(before) for j, c in enumerate(nb.cells)
                   if _grade_id(c) == g), 0)
        cell = copy.deepcopy(cell)
        if cell.get("id") in ids:
            cell["id"] = f"{grade_id}-restored"[:64]
        nb.cells.insert(at, cell)
        seen.add(grade_id)
        ids.add(cell.get("id"))
        put_back.append(grade_id)
    if put_back:
        notes.append(f"missing cells {', '.join(put_back)} were put back as released")
    if notes:
        nbformat.write(nb, notebook)
    return notes


def _error_line(log: str) -> str:
    """The line of nbgrader's log that names the error, else its last line."""
    lines = [ln.strip() for ln in log.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"[\w.]*(Error|Exception)\b.*:", ln)]
    return (errors or lines or ["no log"])[-1][:200]


def autograde(api, exercise: str, student: Student) -> None:
    for old in ("autograded", "feedback"):  # nothing from an earlier run may be mistaken for this one
        shutil.rmtree(GRADING / old / student.id / exercise, ignore_errors=True)
    submitted = GRADING / "submitted" / student.id / exercise
    notebook = submitted / f"{exercise}.ipynb"
    if problem := _unreadable(notebook):
        student.status, student.score = MISSING, 0.0  # nothing to grade: 0, complete
        student.notes.append(f"{problem}: 0")
        return
    missing_rules = not (submitted / RULES).is_file()
    released = ROOT / "exercises" / exercise / notebook.name
    student.notes += review_notes(submitted, released)
    try:
        student.notes += repair_cells(notebook, released)
    except Exception as err:  # noqa: BLE001  (nbgrader will say what it makes of the notebook)
        student.notes.append(f"its cells could not be checked ({type(err).__name__}: {err})")
    student.ran = True
    result = api.autograde(exercise, student.id, force=True, create=True)
    log = (result.get("log") or "") + (result.get("error") or "")
    autograded = GRADING / "autograded" / student.id / exercise / f"{exercise}.ipynb"
    if result["success"]:
        student.status = MISSING if missing_rules else GRADED
        if missing_rules:
            student.notes.append("no rules.py in the submission: its checks could not run")
        if autograded.exists() and (cells := _timeouts(autograded)):
            student.status = TIMED_OUT if not missing_rules else student.status
            student.notes.append(f"timed out in {', '.join(cells)}; later cells were graded")
    elif "DeadKernelError" in log or "Kernel died" in log or "kernel died" in log:
        student.status = KERNEL_DIED
        student.notes.append("the kernel died while running the student's code (os._exit, a "
                             "crash or memory exhaustion); nbgrader stopped grading there")
    else:
        student.status = FAILED
        student.notes.append(f"nbgrader could not grade it: {_error_line(log)}")


def read_scores(exercise: str, students: list[Student]) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{GRADING / 'gradebook.db'}", "descent") as gb:
        cells = [c for nb in gb.find_assignment(exercise).notebooks for c in nb.grade_cells]
        for s in students:
            # the course's convention: code grade cells are tests, markdown ones written answers
            s.max_score = sum(c.max_score for c in cells)
            s.auto = (0.0, sum(c.max_score for c in cells if c.cell_type == "code"))
            if not s.ran or s.status not in COMPLETE:
                # no notebook, or graded part of the way: nothing in the gradebook (nbgrader
                # export, the formgrader) may stand for this run
                try:
                    gb.remove_submission(exercise, s.id)
                except MissingEntry:
                    pass
                continue
            try:
                sub = gb.find_submission(exercise, s.id)
            except MissingEntry:
                continue
            grades = [g for nb in sub.notebooks for g in nb.grades]
            auto = [g for g in grades if g.cell.cell_type == "code"]
            s.auto = (sum(g.auto_score or 0.0 for g in auto), s.auto[1])
            s.manual_pending = sum(g.max_score for g in grades if g.cell.cell_type != "code"
                                   and g.needs_manual_grade and g.manual_score is None)
            if s.status in COMPLETE:
                s.score = sum(g.score for g in grades)


def feedback(api, exercise: str, s: Student) -> None:
    folder = GRADING / "feedback" / s.id / exercise
    if s.status in COMPLETE and (GRADING / "autograded" / s.id / exercise).exists():
        result = api.generate_feedback(exercise, s.id, force=True)
        if result["success"]:
            return
        s.notes.append("feedback could not be generated: " + (result.get("error") or "")[-200:])
        return  # the score stands; say so in the summary, do not write a misleading page
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    note = html.escape("; ".join(s.notes) or s.status)
    if s.status in COMPLETE:  # nothing nbgrader could run
        title, text = "nothing to grade", (
            f"Your submission scored 0: {note}. Save the notebook, then hand it in with "
            f"<code>python3 course.py submit {html.escape(exercise)} --student YOUR_ID</code>, "
            "which packs the notebook together with your rules.py.")
    else:
        title, text = "not graded completely", (
            f"Your submission could not be graded to the end: {note}. Run the exercise notebook "
            "top to bottom yourself (Kernel › Restart Kernel and Run All Cells) to find the cell "
            "that stops it, fix it, and hand it in again, or talk to your instructor.")
    (folder / f"{exercise}.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>Feedback</title>"
        f"<h1>{html.escape(exercise)}: {title}</h1><p>{text}</p>", "utf-8")


# -- report ------------------------------------------------------------------------------------
def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _points(x: float) -> str:
    return f"{x:g}"


CSV_COLUMNS = ["student", "exercise", "status", "score", "max_score", "auto_score", "auto_max",
               "manual_pending", "review", "notes"]


def write_csv(exercise: str, students: list[Student]) -> Path:
    """The exercise's grade sheet: this run's students, and the rows of earlier runs for everyone
    else (a folder of late zips adds to the sheet; it does not replace it)."""
    path = GRADING / f"grades_{exercise}.csv"
    rows = {}
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as f:
            rows = {r["student"]: [r.get(c, "") for c in CSV_COLUMNS] for r in csv.DictReader(f)}
    for s in students:
        partial = s.score is None  # no points of a run that did not finish
        rows[s.id] = [s.id, exercise, s.status, "" if partial else _points(s.score),
                      _points(s.max_score), "" if partial else _points(s.auto[0]),
                      _points(s.auto[1]), "" if partial else _points(s.manual_pending),
                      "yes" if s.review else "", "; ".join(s.notes)]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        w.writerows(rows[sid] for sid in sorted(rows))
    return path


def line(s: Student) -> str:
    score = (f"{_points(s.auto[0]):>4}/{_points(s.auto[1])} auto" if s.score is not None
             else "  no score  ")
    pending = f"(+{_points(s.manual_pending)} by hand)" if s.manual_pending and s.score is not None else ""
    return f"{s.id:<20} {s.status:<24} {score} {pending:<15}"


def summary(exercise: str, students: list[Student], problems: list[str], csv_path: Path) -> str:
    out = [f"\nSummary of {exercise}: {_count(len(students), 'student')}"]
    out += ["  " + line(s) + "".join(f"\n  {'':<20} - {n}" for n in s.notes) for s in students]
    counts = {st: sum(s.status == st for s in students) for st in
              (GRADED, TIMED_OUT, MISSING, KERNEL_DIED, FAILED)}
    out.append("  " + "; ".join(f"{n} {st}" for st, n in counts.items() if n))
    if any(s.status not in COMPLETE for s in students):
        out.append("  INCOMPLETE students have no score in the CSV: look at their work by hand.")
    if flagged := [s.id for s in students if s.review]:
        out.append(f"  REVIEW {', '.join(flagged)}: code that games the checks or the grading "
                   "machine, or needs none of it; read it before accepting the score.")
    if any(s.manual_pending and s.score is not None for s in students):
        out.append("  Written answers await grading by hand in nbgrader's formgrader (README › "
                   "Grading); then run this command again to refresh the CSV and feedback.")
    out += [f"  ! {p}" for p in problems]
    out.append(f"  grades: {csv_path.relative_to(ROOT)}; feedback: grading/feedback/<student>/{exercise}/")
    return "\n".join(out)


# -- the command -------------------------------------------------------------------------------
def grade(exercise: str, zips: Path | None = None, exchange: bool = False,
          timeout: int | None = None, echo=print) -> list[Student]:
    if not solution_notebook(exercise).is_file():
        raise RunFailed(f"No exercise {exercise!r} in solutions/assignments/.")
    GRADING.mkdir(exist_ok=True)
    # nbgrader runs `alembic` by name to set up a gradebook: this interpreter's scripts first
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    api = nbgrader_api(timeout)
    os.chdir(ROOT)
    # the gradebook learns the exercise's cells, points and hidden tests from solutions/
    release = GRADING / "release-check"
    api.coursedir.release_directory = str(release.relative_to(ROOT))
    made = api.generate_assignment(exercise, force=True, create=True)
    shutil.rmtree(release, ignore_errors=True)
    if not made["success"]:
        raise RunFailed(f"nbgrader generate_assignment {exercise} failed:\n{made.get('log')}"
                        f"{made.get('error')}")
    problems: list[str] = []
    if zips is not None:
        students, problems = collect_zips(zips, exercise)
    else:
        if exchange:
            got = api.collect(exercise, update=True)
            if not got["success"]:
                raise RunFailed(f"nbgrader collect {exercise} failed:\n{got.get('error')}")
        students = submitted_students(exercise)
    if not students:
        raise RunFailed(f"No submissions of {exercise} to grade." + "".join(f"\n  {p}" for p in problems))
    echo(f"Grading {exercise}: {_count(len(students), 'student')}")
    tempfile.gettempdir()  # this process keeps its own; each kernel gets a fresh one
    for i, s in enumerate(students, 1):
        start = time.perf_counter()
        # a fresh grading lib and temporary folder per student: nothing one submission left
        # behind (the guard refuses writes elsewhere) can reach the next one
        kernel_environment(build_grading_lib())
        with tempfile.TemporaryDirectory(prefix="descent-grading-") as scratch, \
                scratch_environment(scratch):
            autograde(api, exercise, s)
        read_scores(exercise, [s])
        feedback(api, exercise, s)
        s.seconds = time.perf_counter() - start
        echo(f"[{i:>3}/{len(students)}] {line(s)}  {s.seconds:5.1f} s")
    csv_path = write_csv(exercise, students)
    echo(summary(exercise, students, problems, csv_path))
    return students


def main(argv=None) -> int:
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes from nbgrader's gradebook
    warnings.filterwarnings("ignore", module="nbformat")  # cell ids nbgrader leaves out when re-inserting
    parser = argparse.ArgumentParser(prog="python3 course.py grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("exercise", help="e.g. 01_momentum")
    parser.add_argument("zips", nargs="?", type=Path, help="folder of submission zips")
    parser.add_argument("--exchange", action="store_true", help="nbgrader collect first (hub)")
    parser.add_argument("--timeout", type=int, help="seconds per cell (default: nbgrader_config.py)")
    args = parser.parse_args(argv)
    if args.zips and args.exchange:
        parser.error("give a zip folder or --exchange, not both")
    try:
        grade(args.exercise, args.zips.resolve() if args.zips else None, args.exchange, args.timeout)
    except RunFailed as err:
        print(f"Grading run failed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
