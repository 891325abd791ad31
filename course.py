#!/usr/bin/env python3
"""Set up and run the Descent course (needs only Python 3.10+ and internet access to PyPI).

    python3 course.py lab     # install into .venv/ what is missing, open JupyterLab on lecture 00
    python3 course.py test    # install into .venv/ what is missing, run every test

    python3 course.py check momentum                    # students: check one rule (or all: no name)
    python3 course.py submit 01_momentum --student ID   # students: pack an exercise to hand in
    python3 course.py grade 01_momentum ZIP_FOLDER       # instructors: collect, autograde, feedback, CSV
    python3 course.py release [--check]                  # maintainers: regenerate what solutions/ derives
    python3 course.py new-topic 04_adagrad adagrad       # maintainers: scaffold a topic's files

Anything after `lab` or `test` goes to JupyterLab or pytest (`python3 course.py test -k momentum`).
`python3 course.py student-extensions` configures nbgrader's JupyterLab plugins for students
(Binder's postBuild and the local set-up run it): the Validate button stays, the instructor panels
are disabled. `python3 course.py instructor-extensions` brings them back in .venv/ (formgrader,
to grade written answers by hand).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".descent-installed"
TEST_STAMP = VENV / ".descent-test-installed"
TEST_REQUIREMENTS = ROOT / "tests" / "requirements.txt"

#: nbgrader's instructor-side pieces, hidden from students (the Validate button stays)
INSTRUCTOR_LAB_PLUGINS = [
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:menu",
]
#: JupyterLab's "get notified about Jupyter news?" pop-up: noise for a student opening a lecture
QUIET_LAB_PLUGINS = ["@jupyterlab/apputils-extension:announcements"]
INSTRUCTOR_SERVER_EXTENSIONS = [
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
]


def _run(*cmd, quiet=False, **kw):
    print("+", " ".join(map(str, cmd)), flush=True)
    if not quiet:
        subprocess.run([str(c) for c in cmd], check=True, **kw)
        return
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if out.returncode:
        sys.exit(f"{cmd[0]} failed:\n{out.stdout}{out.stderr}")


def _env(bin_dir: Path) -> dict:
    """Environment with the venv's scripts first on PATH (nbgrader calls `alembic` by name)."""
    return {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}


def student_extensions(bin_dir: Path) -> None:
    jupyter = bin_dir / "jupyter"
    env = _env(bin_dir)
    for plugin in INSTRUCTOR_LAB_PLUGINS + QUIET_LAB_PLUGINS:
        _run(jupyter, "labextension", "disable", "--level=sys_prefix", plugin, env=env, quiet=True)
        _run(jupyter, "labextension", "lock", "--level=sys_prefix", plugin, env=env, quiet=True)
    for ext in INSTRUCTOR_SERVER_EXTENSIONS:
        _run(jupyter, "server", "extension", "disable", "--sys-prefix", ext, env=env, quiet=True)


def instructor_extensions(bin_dir: Path) -> None:
    """Undo student_extensions: the formgrader etc. back, for grading written answers by hand."""
    jupyter = bin_dir / "jupyter"
    env = _env(bin_dir)
    for plugin in INSTRUCTOR_LAB_PLUGINS:
        _run(jupyter, "labextension", "unlock", "--level=sys_prefix", plugin, env=env, quiet=True)
        _run(jupyter, "labextension", "enable", "--level=sys_prefix", plugin, env=env, quiet=True)
    for ext in INSTRUCTOR_SERVER_EXTENSIONS:
        _run(jupyter, "server", "extension", "enable", "--sys-prefix", ext, env=env, quiet=True)


def _stale(stamp: Path, *sources: Path) -> str | None:
    """The wanted stamp text if `sources` changed since `stamp` was written, else None."""
    wanted = hashlib.sha256(b"".join(p.read_bytes() for p in sources) + sys.version.encode()).hexdigest()
    return None if stamp.exists() and stamp.read_text() == wanted else wanted


def ensure_env(with_tests: bool = False) -> Path:
    """Create .venv/ and install requirements.txt and the lib (and, `with_tests`, the test-only
    packages of tests/requirements.txt), unless already done."""
    if sys.version_info < (3, 10):
        sys.exit(f"Descent needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    python = BIN / ("python.exe" if os.name == "nt" else "python")
    if not python.exists():
        print(f"Creating the virtual environment {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    # the instructor tools (solutions/descent_instructor/) where the clone has them
    instructor = [ROOT / "solutions"] if (ROOT / "solutions" / "pyproject.toml").is_file() else []
    wanted = _stale(STAMP, ROOT / "requirements.txt", ROOT / "lib" / "pyproject.toml",
                    *(p / "pyproject.toml" for p in instructor))
    if wanted:
        _run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        _run(python, "-m", "pip", "install", "--quiet", "-r", ROOT / "requirements.txt",
             "-e", ROOT / "lib", *(x for p in instructor for x in ("-e", p)))
        student_extensions(BIN)
        STAMP.write_text(wanted)
    wanted = with_tests and _stale(TEST_STAMP, TEST_REQUIREMENTS)
    if wanted:
        _run(python, "-m", "pip", "install", "--quiet", "-r", TEST_REQUIREMENTS)
        TEST_STAMP.write_text(wanted)
    return python


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its package is not installed in this interpreter
        return False


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "test", "check", "submit", "grade", "release", "new-topic",
                                   "student-extensions", "instructor-extensions"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "student-extensions":  # in an environment that is already set up (Binder)
        student_extensions(Path(sys.executable).parent)
        return 0
    if command == "submit" and _importable("descent.submit"):
        # Binder (the lib is installed in this interpreter): no .venv needed to hand in
        return subprocess.run([sys.executable, "-m", "descent.submit", *rest]).returncode
    if command == "check":  # the exercises' checks of the named rules (all: none named)
        selected = [x for name in rest for x in ("--rule", name)]
        python = sys.executable if _importable("descent.checks") else ensure_env()
        return subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               str(ROOT / "exercises"), *selected], cwd=ROOT).returncode
    if command == "grade" and not VENV.exists() and _importable("descent_instructor"):
        # a JupyterHub's shared environment (its terminal's python3) has the tools: grade this
        # clone with them instead of installing a .venv/ into it
        return subprocess.run([sys.executable, "-m", "descent_instructor.grade", *rest], cwd=ROOT,
                              env={**os.environ, "DESCENT_COURSE_ROOT": str(ROOT)}).returncode
    # test-only packages (the browser driver) stay out of the students' environment
    python = ensure_env(with_tests=command == "test")
    env = _env(BIN)
    if command == "instructor-extensions":
        instructor_extensions(BIN)
        return 0
    if command == "lab":
        # the whole course as the file browser's root, lecture 00 open
        cmd = [BIN / "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
               "--LabApp.default_url=/lab/tree/lectures/00_gradient_descent.ipynb", *rest]
        if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in rest:
            cmd.append("--allow-root")  # containers often run as root; JupyterLab refuses otherwise
    elif command == "submit":
        cmd = [python, "-m", "descent.submit", *rest]
    elif command in ("grade", "release"):
        cmd = [python, "-m", f"descent_instructor.{command}", *rest]
    elif command == "new-topic":
        cmd = [python, "-m", "descent_instructor.scaffold", *rest]
    else:
        cmd = [python, "-m", "pytest", *rest]
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
