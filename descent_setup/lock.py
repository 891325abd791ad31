"""requirements.lock: the exact version of every package the course installs.

`requirements.txt` names the course's packages as ranges (edit it by hand). `python3 course.py lock`
installs those ranges into a scratch virtual environment with this Python and writes what pip
resolved (`pip freeze`: every package, dependencies included, `name==version`) to
`requirements.lock`. Binder (environment.yml) and the local set-up (`python3 course.py lab|test`)
install the lock, so a course started in September runs the same packages in December, and CI
tests exactly what students get. Run it again to move to newer versions, run the tests, commit.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

PYTHON_LINE = re.compile(r"^# python (\d+\.\d+)$", re.M)


def header(python: str) -> str:
    return ("# The exact version of every package the course installs: Binder (environment.yml) and\n"
            "# `python3 course.py lab|test` install this file. Generated from the ranges in\n"
            "# requirements.txt by `python3 course.py lock`; do not edit.\n"
            f"# python {python}\n")


def lock_python(lock_text: str) -> str | None:
    """The Python version (major.minor) the lock was resolved for."""
    m = PYTHON_LINE.search(lock_text)
    return m.group(1) if m else None


def pins(lock_text: str) -> dict[str, str]:
    """{normalised name: version} of a lock."""
    out = {}
    for line in lock_text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            out[normalise(name)] = version.strip()
    return out


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def resolve(ranges: Path, pip_args=()) -> str:
    """Install `ranges` into a scratch venv of this Python; the lock text of what pip chose."""
    from descent_setup.install import pip_install

    with tempfile.TemporaryDirectory(prefix="descent-lock-") as tmp:
        venv.create(tmp, with_pip=True)
        python = Path(tmp) / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
        pip_install(python, ["-r", str(ranges), *pip_args], what=f"resolving {ranges.name}")
        frozen = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"],
                                check=True, capture_output=True, text=True).stdout
    lines = sorted((ln.strip() for ln in frozen.splitlines() if "==" in ln), key=str.lower)
    return header(f"{sys.version_info[0]}.{sys.version_info[1]}") + "\n".join(lines) + "\n"


def binder_python(root: Path) -> str | None:
    """The Python version environment.yml gives Binder (python=3.11)."""
    m = re.search(r"^\s*-\s*python\s*=+\s*(\d+\.\d+)", (root / "environment.yml").read_text(), re.M)
    return m.group(1) if m else None


def main(root: Path) -> int:
    ranges, lock = root / "requirements.txt", root / "requirements.lock"
    here, binder = f"{sys.version_info[0]}.{sys.version_info[1]}", binder_python(root)
    if binder and here != binder:
        print(f"The lock is made with Binder's Python ({binder}, environment.yml); this is {here}. "
              f"Run it with that Python: python{binder} course.py lock", file=sys.stderr)
        return 1
    print(f"Resolving {ranges.name} in a scratch environment of Python "
          f"{sys.version.split()[0]} (a minute or two)...", flush=True)
    text = resolve(ranges)
    before = pins(lock.read_text()) if lock.exists() else {}
    lock.write_text(text)
    after = pins(text)
    changed = sorted(n for n in after.keys() | before.keys() if after.get(n) != before.get(n))
    for name in changed if before else []:
        print(f"  {name}: {before.get(name, '-')} -> {after.get(name, '-')}")
    print(f"Wrote {lock.name}: {len(after)} packages, {len(changed)} changed. Run the tests "
          "(python3 course.py test), then commit it.")
    return 0
