"""Collect: the submissions to grade, one folder per student in nbgrader's submitted/ folder.

From a folder of hand-in zips (the format is lib/descent/handin.py), from nbgrader's exchange
(``nbgrader collect``, on a hub), or what is already in the submitted folder. Any way a zip can be
broken is a note about that zip, never the end of the run.
"""
from __future__ import annotations

import json
import shutil
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from descent import handin

from .student import RunFailed, Student

MAX_FILE_BYTES = 20 * 2**20


def _members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files of a zip, without folders and the resource forks macOS adds (__MACOSX/, ._x)."""
    return [i for i in zf.infolist() if not i.is_dir() and "__MACOSX" not in i.filename
            and not i.filename.replace("\\", "/").rsplit("/", 1)[-1].startswith("._")]


def read_zip(path: Path, exercise: str) -> tuple[str | None, dict, list[str]]:
    """(student id or None, {name: bytes} of the files we take plus "created", notes) of one zip."""
    try:
        return _read_zip(path, exercise)
    except Exception as err:  # noqa: BLE001  (corrupt members, encryption, odd manifests, ...)
        return None, {}, [f"{path.name}: unreadable ({type(err).__name__}: {err}): skipped"]


def _read_zip(path: Path, exercise: str):
    notebook = handin.notebook_name(exercise)
    notes = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        return None, {}, [f"{path.name}: not a readable zip ({err})"]
    with zf:
        by_name = {}
        for info in _members(zf):  # by base name only: nothing is extracted to a path it names
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            if base in (*handin.files(exercise), handin.MANIFEST):
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
    if handin.MANIFEST in by_name:
        try:
            manifest = json.loads(by_name.pop(handin.MANIFEST))
        except ValueError:
            pass
        if not isinstance(manifest, dict):
            manifest = {}
            notes.append(f"{handin.MANIFEST} is unreadable: ignored")
    named = handin.named(path.name) or ("", "")
    student = str(manifest.get("student") or named[1])
    claimed = str(manifest.get("exercise") or named[0])
    if named[1] and manifest.get("student") and not handin.same_student(named[1], student):
        return None, {}, [f"{path.name}: named for {named[1]} but {handin.MANIFEST} says "
                          f"{student}: skipped, decide by hand"]
    if claimed and claimed != exercise:
        return None, {}, [f"{path.name}: a submission for {claimed}, not {exercise}: skipped"]
    if not handin.STUDENT_ID.fullmatch(student):
        return None, {}, [f"{path.name}: cannot tell whose it is (no {handin.MANIFEST} and not "
                          f"named {handin.zip_name('<exercise>', '<student>')}): skipped"]
    when = handin.created(manifest) or datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    if when > datetime.now(timezone.utc) + timedelta(days=1):  # a wrong clock, or a trick
        notes.append(f"{handin.MANIFEST}'s time {when:%Y-%m-%d %H:%M} is in the future: this zip "
                     "counts as the oldest of the student's")
        when = datetime.min.replace(tzinfo=timezone.utc)
    return student, {**by_name, "created": when}, notes


def from_zips(folder: Path, exercise: str, submitted: Path) -> tuple[list[Student], list[str]]:
    """Put each student's newest zip into ``submitted``/<student>/<exercise>/; the students, and
    notes about zips that were skipped."""
    newest: dict[str, tuple[datetime, Path, dict, list[str]]] = {}
    problems = []
    zips = sorted(folder.glob("*.zip"))
    if not zips:
        raise RunFailed(f"No .zip files in {folder}.")
    for path in zips:
        student, files, notes = read_zip(path, exercise)
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
        target = submitted / sid / exercise
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in handin.files(exercise):
            if name in files:
                (target / name).write_bytes(files[name])
        (target / "timestamp.txt").write_text(  # read by nbgrader as the submission's time
            when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        students.append(Student(sid, path.name, list(notes)))
    return students, problems


def from_exchange(api, exercise: str) -> None:
    """``nbgrader collect``: the exchange's newest submissions into the submitted folder."""
    got = api.collect(exercise, update=True)
    if not got["success"]:
        raise RunFailed(f"nbgrader collect {exercise} failed:\n{got.get('error')}")


def submitted_students(submitted: Path, exercise: str) -> list[Student]:
    """Every student with a folder for ``exercise`` in ``submitted``."""
    return [Student(p.parent.name, f"{submitted.name}/{p.parent.name}")
            for p in sorted(submitted.glob(f"*/{exercise}")) if p.is_dir()]
