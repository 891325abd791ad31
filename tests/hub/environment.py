"""The hub's Python environment: one for every user, as a hub administrator installs it.

The course's .venv/ cannot serve a hub when its Python lives where other users cannot go (here:
pyenv's under /root, mode 700: another account running .venv/bin/python silently gets the system's
libpython and standard library instead, of another version). So the hub gets an environment made
from a Python every account can run (checked by running it as `nobody`), with the course's
requirements and JupyterHub (pinned in tests/requirements.txt), configured for students by the
course's own command. It is kept in a cache folder every account can read, keyed by what it was
made from, and only the course's two packages are installed afresh for each run (editable, from
that run's copy of the course).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("DESCENT_HUB_CACHE", "/var/cache/descent-hub"))
CANDIDATES = ("/usr/local/bin/python3", "/usr/bin/python3")
#: what the course's own packages need to be installed editable (their pyproject.toml files)
BUILD = ("setuptools>=64", "wheel")


def hub_requirement() -> str:
    """JupyterHub's pinned line in tests/requirements.txt."""
    lines = (ROOT / "tests" / "requirements.txt").read_text().splitlines()
    return next(line.strip() for line in lines if line.strip().startswith("jupyterhub"))


def runs_for_everyone(python: str) -> str | None:
    """The version of `python` when an account without privileges can run it with venv, else None."""
    if not os.access(python, os.X_OK):
        return None
    done = subprocess.run(["runuser", "-u", "nobody", "--", python, "-c",
                           "import sys, venv, ensurepip; print('%d.%d.%d' % sys.version_info[:3])"],
                          capture_output=True, text=True, cwd="/")
    version = done.stdout.strip()
    return version if done.returncode == 0 and tuple(map(int, version.split(".")[:2])) >= (3, 10) else None


def base_python() -> tuple[str, str] | None:
    for python in CANDIDATES:
        version = runs_for_everyone(python)
        if version:
            return python, version
    return None


def problem() -> str | None:
    if base_python() is None:
        return (f"no Python 3.10+ with venv that every account can run ({', '.join(CANDIDATES)}; "
                "Debian/Ubuntu: `sudo apt-get install python3-venv`)")
    return None


def _run(*cmd, **kw) -> None:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{done.stdout}{done.stderr}")


def ensure() -> Path:
    """The environment's folder (made the first time: a few minutes; later: at once)."""
    python, version = base_python()
    made_from = [python, version, hub_requirement(), *BUILD, (ROOT / "requirements.txt").read_text()]
    key = hashlib.sha256("\n".join(made_from).encode()).hexdigest()[:16]
    env = CACHE / f"env-{key}"
    done = env / ".descent-hub-ready"
    if done.is_file():
        return env
    CACHE.mkdir(parents=True, exist_ok=True)
    CACHE.chmod(0o755)
    for old in CACHE.glob("env-*"):  # a build that stopped half-way, or made from older files
        shutil.rmtree(old, ignore_errors=True)
    _run(python, "-m", "venv", env)
    _run(env / "bin" / "python", "-m", "pip", "install", "--quiet", "-r", ROOT / "requirements.txt",
         hub_requirement(), *BUILD)
    _run(env / "bin" / "python", ROOT / "course.py", "student-extensions", cwd=ROOT)
    done.write_text(key)
    return env


def install_course(env: Path, course: Path) -> None:
    """The lib and the instructor tools of `course` into `env`, editable, as `course.py` does."""
    _run(env / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "-e", course / "lib", "-e", course / "solutions")
