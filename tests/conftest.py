"""Shared fixtures: the repository layout, an instructor copy of the lib, notebook execution."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

from descent.syllabus import TOPICS  # noqa: E402

BUILT = [t for t in TOPICS if t.built]


def env_with(**extra) -> dict:
    """This process's environment, its interpreter's scripts first on PATH, plus ``extra``."""
    env = {**os.environ, **extra}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


@pytest.fixture(scope="session")
def instructor_lib(tmp_path_factory) -> dict:
    """Environment in which `descent.rules` is the reference (solutions/rules.py): the
    instructor's version of the file students edit. Returns the environment variables."""
    where = tmp_path_factory.mktemp("instructor_lib")
    shutil.copytree(ROOT / "lib" / "descent", where / "descent",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "solutions" / "rules.py", where / "descent" / "rules.py")
    return env_with(PYTHONPATH=str(where),
                    DESCENT_REFERENCE_RULES=str(ROOT / "solutions" / "rules.py"))


def execute(path: Path, env: dict | None = None, allow_errors: bool = False, timeout: int = 300):
    """Run a notebook top to bottom in a fresh kernel (cwd: its folder) and return it."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env or env_with())
    return nb


def error_outputs(nb) -> list[tuple[str, str]]:
    """(cell id, "Ename: evalue") of every error output."""
    return [(c.get("id"), f"{o['ename']}: {o['evalue']}")
            for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.fixture
def short_headlines(monkeypatch):
    """Every RuleCheckFailed raised during the test, as a list of messages; the test fails when
    the first line of one is longer than checking.files.HEADLINE (nbgrader's Validate dialog
    shows only the start of each line)."""
    from descent.checking.files import HEADLINE, RuleCheckFailed

    raised, init = [], RuleCheckFailed.__init__

    def recording(self, *args):
        raised.append(str(args[0]) if args else "")
        init(self, *args)

    monkeypatch.setattr(RuleCheckFailed, "__init__", recording)
    yield raised
    long = [m.splitlines()[0] for m in raised if len(m.splitlines()[0]) > HEADLINE]
    assert not long, f"first lines over {HEADLINE} characters: {long}"


def reference_rule(name: str):
    from descent import reference

    return reference.rule(name)


def reference_cases(name: str):
    from descent import checks

    return checks.load(name)["cases"]


def quadratic_case(name: str):
    return next(c for c in reference_cases(name) if c.name.startswith("quadratic"))
