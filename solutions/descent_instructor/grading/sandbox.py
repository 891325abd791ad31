"""Sandbox: what one student's grading kernel gets, built fresh for each student.

* a grading lib: the course's lib with ``rules.py`` replaced by a loader of the submission's own
  file and ``reference.py`` by a stub that refuses, and the guard (``sitecustomize.py``) beside it
  (all three from solutions/descent_instructor/grading_kernel/);
* a temporary folder outside the course, the kernel's TMPDIR and IPython folder, where it may
  write (the instructor's own IPython profile and start-up files stay out);
* for the grader, out of the kernel's reach (inside the course, which the guard closes): a copy of
  the gradebook snapshot that nbgrader writes this student's grades to, and files for the repairs
  made and for what the kernel printed outside the notebook.

Nothing one submission leaves behind can reach the next one, and students graded at the same time
share nothing. The kernel's environment is a dict given to nbgrader's Execute (``kernel``), never
this process's environment.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from descent import handin

from .student import Folders

#: the kernel must not be pointed at the reference rules (descent.reference reads this variable)
UNSET = ("DESCENT_REFERENCE_RULES",)


def build_grading_lib(target: Path, lib: Path, kernel_files: Path) -> Path:
    """``target``: a copy of ``lib`` (the package ``descent``) with the submission's rules.py
    loader and no reference rules, and the guard; the folder to put on the kernel's path."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(lib, target / "descent",
                    ignore=shutil.ignore_patterns("__pycache__", handin.RULES, "reference.py"))
    for name in (handin.RULES, "reference.py"):
        shutil.copy(kernel_files / name, target / "descent" / name)
    shutil.copy(kernel_files / "sitecustomize.py", target / "sitecustomize.py")
    return target


@dataclass(frozen=True)
class Sandbox:
    root: Path           # the course, which the guard closes to the kernel
    work: Path           # grading/work/students/<id>/: the grader's files for this student
    lib: Path            # work/env/: the grading lib
    gradebook: Path      # work/gradebook.db: this student's copy of the gradebook snapshot
    repairs: Path        # work/repairs.json: written by the repair step (repair.RepairCells)
    kernel_output: Path  # work/kernel-output.txt: the kernel's own stdout and stderr
    scratch: Path        # the kernel's temporary folder, outside the course

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    def kernel_environment(self) -> dict[str, str]:
        """Variables the grading kernel gets on top of this process's environment (less UNSET)."""
        return {
            "PYTHONPATH": str(self.lib),  # before the installed lib: its rules.py is never used
            "DESCENT_GRADING_ROOT": str(self.root),  # what the guard closes...
            "DESCENT_GRADING_LIB": str(self.lib),    # ...but for the lib
            "TMPDIR": str(self.scratch),
            "IPYTHONDIR": str(self.scratch / "ipython"),
        }


@contextmanager
def sandbox(folders: Folders, student: str, snapshot: Path) -> Iterator[Sandbox]:
    """A fresh sandbox for grading ``student`` against the gradebook ``snapshot``; removed after."""
    work = folders.work / "students" / student
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        lib = build_grading_lib(work / "env", folders.lib, folders.kernel_files)
        shutil.copyfile(snapshot, work / "gradebook.db")
        with tempfile.TemporaryDirectory(prefix="descent-grading-",
                                         ignore_cleanup_errors=True) as scratch:
            yield Sandbox(root=folders.root, work=work, lib=lib, gradebook=work / "gradebook.db",
                          repairs=work / "repairs.json", kernel_output=work / "kernel-output.txt",
                          scratch=Path(scratch))
    finally:
        shutil.rmtree(work, ignore_errors=True)
