#!/usr/bin/env python3
"""Set up and run the Descent course (needs only Python 3.10+ and internet access to PyPI).

    python3 course.py lab     # install into .venv/ what is missing, open JupyterLab on lecture 00
    python3 course.py test    # install into .venv/ what is missing, run every test

    python3 course.py check momentum                    # students: check one rule (or all: no name)
    python3 course.py submit 01_momentum --student ID   # students: pack an exercise to hand in
    python3 course.py update                             # students: the course's updates, your work kept
    python3 course.py grade 01_momentum ZIP_FOLDER       # instructors: collect, autograde, feedback, CSV
    python3 course.py release [--check]                  # maintainers: regenerate what solutions/ derives
    python3 course.py new-topic 04_adagrad adagrad       # maintainers: scaffold a topic's files
    python3 course.py lock                               # maintainers: requirements.txt -> requirements.lock

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
import signal
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
RANGES = ROOT / "requirements.txt"  # the course's packages as ranges: edit this one
LOCK = ROOT / "requirements.lock"  # every package's exact version: `python3 course.py lock` writes it

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


def _env(bin_dir: Path) -> dict:
    """Environment with the venv's scripts first on PATH (nbgrader calls `alembic` by name)."""
    return {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}


def student_extensions(prefix: Path) -> None:
    """nbgrader's instructor panels (and JupyterLab's news pop-up) disabled and locked in the
    environment at `prefix`; the Validate button stays."""
    from descent_setup.jupyter_config import configure

    configure(prefix, dict.fromkeys(INSTRUCTOR_LAB_PLUGINS + QUIET_LAB_PLUGINS, False),
              dict.fromkeys(INSTRUCTOR_SERVER_EXTENSIONS, False))


def instructor_extensions(prefix: Path) -> None:
    """Undo student_extensions: the formgrader etc. back, for grading written answers by hand."""
    from descent_setup.jupyter_config import configure

    configure(prefix, dict.fromkeys(INSTRUCTOR_LAB_PLUGINS, True),
              dict.fromkeys(INSTRUCTOR_SERVER_EXTENSIONS, True))


def _stale(stamp: Path, *sources: Path) -> str | None:
    """The wanted stamp text if `sources` changed since `stamp` was written, else None."""
    wanted = hashlib.sha256(b"".join(p.read_bytes() for p in sources) + sys.version.encode()).hexdigest()
    return None if stamp.exists() and stamp.read_text() == wanted else wanted


def requirements() -> tuple[list, int | None]:
    """What pip installs into .venv/: the lock when it was made for this Python (Binder's and
    CI's), else the ranges it was made from; and how many packages that names."""
    from descent_setup.install import count_requirements
    from descent_setup.lock import lock_python

    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    locked_for = lock_python(LOCK.read_text())
    if locked_for == here:
        return ["-r", LOCK], count_requirements(LOCK)
    print(f"      (requirements.lock holds the versions tested with Python {locked_for}; with Python "
          f"{here}, pip installs the newest versions requirements.txt allows instead)", flush=True)
    return ["-r", RANGES], None


def ensure_env(with_tests: bool = False) -> Path:
    """Create .venv/ and install requirements.lock and the lib (and, `with_tests`, the test-only
    packages of tests/requirements.txt), unless already done, saying what it does step by step."""
    if sys.version_info < (3, 10):
        sys.exit(f"Descent needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    python = BIN / ("python.exe" if os.name == "nt" else "python")
    # the instructor tools (solutions/descent_instructor/) where the clone has them
    instructor = [ROOT / "solutions"] if (ROOT / "solutions" / "pyproject.toml").is_file() else []
    create = not python.exists()
    wanted = _stale(STAMP, LOCK, RANGES, ROOT / "lib" / "pyproject.toml",
                    *(p / "pyproject.toml" for p in instructor))
    wanted_tests = with_tests and _stale(TEST_STAMP, TEST_REQUIREMENTS, LOCK)
    steps = [create, wanted, wanted, wanted_tests]
    total, done = sum(map(bool, steps)), 0

    if total:
        from descent_setup.install import pip_install

    def step(text):
        nonlocal done
        done += 1
        print(f"[{done}/{total}] {text}", flush=True)

    if create:
        step(f"Creating the virtual environment {VENV.name}/ (the course's own Python packages)")
        venv.create(VENV, with_pip=True)
    if wanted:
        step("Installing the course's packages into .venv/ (a few minutes the first time, "
             "seconds later)")
        args, count = requirements()
        pip_install(python, [*args, "-e", ROOT / "lib", *(x for p in instructor for x in ("-e", p))],
                    what="packages", total=count and count + 1 + len(instructor))
        step("Configuring JupyterLab for students (nbgrader's Validate button; no instructor panels)")
        student_extensions(VENV)
        STAMP.write_text(wanted)
    if wanted_tests:
        args = args if wanted else requirements()[0]
        step("Installing the test-only packages (tests/requirements.txt)")
        pinned = ["-c", LOCK] if LOCK in args else []  # the course's packages stay at their pins
        pip_install(python, ["-r", TEST_REQUIREMENTS, *pinned], what="test packages")
        TEST_STAMP.write_text(wanted_tests)
    if total:
        print("Ready.", flush=True)
    return python


def _run_child(cmd: list, env: dict, server: bool = False) -> int:
    """Run `cmd` from the course's root until it ends; Ctrl+C never prints a traceback here.

    A server (JupyterLab) runs in its own process group, so the terminal's Ctrl+C reaches this
    process only: it asks JupyterLab once to stop (SIGTERM: Jupyter's own clean shutdown, kernels
    included, without its "Shut down this Jupyter server (y/[n])?" question) and waits for it; a
    second Ctrl+C stops it at once. Any other command (pytest) gets the terminal's Ctrl+C itself
    and ends in its own way, and this process waits for it."""
    cmd = [str(c) for c in cmd]
    own_group = server and os.name != "nt"
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env,
                            **({"stdin": subprocess.DEVNULL, "preexec_fn": os.setpgrp}
                               if own_group else {}))
    asked = 0

    def stop(signum, frame):
        nonlocal asked
        asked += 1
        if not own_group:
            return
        if asked == 1:
            print("\nStopping JupyterLab and its kernels (what you saved stays saved)...", flush=True)
            proc.terminate()
        else:
            print("Stopping JupyterLab at once.", flush=True)
            proc.kill()

    caught = [s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s)] if own_group else ["SIGINT"]
    before = {s: signal.signal(getattr(signal, s), stop) for s in caught}
    try:
        code = proc.wait()
    finally:
        for s, handler in before.items():
            signal.signal(getattr(signal, s), handler)
    if own_group and asked:
        print("JupyterLab stopped.", flush=True)
        return 0
    return code


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its package is not installed in this interpreter
        return False


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "test", "check", "update", "submit", "grade", "release",
                                   "new-topic", "lock", "student-extensions",
                                   "instructor-extensions"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "student-extensions":  # in an environment that is already set up (Binder)
        student_extensions(Path(sys.prefix))
        return 0
    if command == "lock":  # maintainers: requirements.txt's ranges -> requirements.lock
        from descent_setup import lock

        return lock.main(ROOT)
    if command == "update":  # students: the course's changes, their own work kept
        from descent_setup import update

        return update.main(ROOT, rest)
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
        instructor_extensions(VENV)
        return 0
    if command == "lab":
        # the whole course as the file browser's root, lecture 00 open
        cmd = [BIN / "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
               "--LabApp.default_url=/lab/tree/lectures/00_gradient_descent.ipynb", *rest]
        if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in rest:
            cmd.append("--allow-root")  # containers often run as root; JupyterLab refuses otherwise
        if not any("log_level" in a or "log-level" in a for a in rest):
            # the address to open and anything that goes wrong; not every extension loaded
            cmd += ["--ServerApp.log_level=WARN", "--LabApp.log_level=WARN"]
        print("Starting JupyterLab (Ctrl+C here stops it)...", flush=True)
        return _run_child(cmd, env, server=True)
    if command == "submit":
        cmd = [python, "-m", "descent.submit", *rest]
    elif command in ("grade", "release"):
        cmd = [python, "-m", f"descent_instructor.{command}", *rest]
    elif command == "new-topic":
        cmd = [python, "-m", "descent_instructor.scaffold", *rest]
    else:
        cmd = [python, "-m", "pytest", *rest]
    print("+", " ".join(map(str, cmd)), flush=True)
    return _run_child(cmd, env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
