"""The release command: regenerate everything derived from solutions/.

    python3 course.py release           # write the generated files
    python3 course.py release --check   # regenerate into a scratch folder; exit 1 on drift

Sources (instructor side)             Generated (committed, what students get)
solutions/rules.py  ---- stubs ---->  lib/descent/rules.py        solution code cut out
solutions/rules.py  ---- values --->  lib/descent/references/*.json  (with solutions/topics/*.py)
solutions/assignments/NN_slug/NN_slug.ipynb -> exercises/NN_slug/NN_slug.ipynb   (nbgrader generate_assignment,
                                                   then the `raises-exception` tag: see run_all_reaches_every_cell)
"""
from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from descent.syllabus import TOPICS

from descent_instructor.paths import ASSIGNMENTS, REFERENCE_RULES as RULES_SOURCE, ROOT
from descent_instructor.references import ReferenceNotWritten, make_references

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB_HEADER = (
    "# Your implementations of the course's update rules. This is the file you edit.\n"
    "# (Generated from the course's solutions/rules.py by `python3 course.py release`.)\n"
)


def stub_rules(source: str) -> str:
    """Replace each solution block by a `raise NotYetImplemented("<rule>")` line."""
    out, current, inside = [], None, False
    for line in source.splitlines(keepends=True):
        m = re.match(r"def (\w+)\(", line)
        if m:
            current = m.group(1)
        stripped = line.strip()
        if stripped == BEGIN:
            if current is None:
                raise ValueError("solution block outside a function")
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotYetImplemented("{current}")\n')
            inside = True
        elif stripped == END:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError("unterminated solution block")
    return STUB_HEADER + "".join(out)


# -- exercises ------------------------------------------------------------------------------
def release_exercises(root: Path, release_dir: Path) -> None:
    """nbgrader generate_assignment for every built topic (a topic still being written stays out
    of the students' exercises/), solutions/assignments/ -> release_dir."""
    # nbgrader runs `alembic` as a command: make this interpreter's scripts folder findable.
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                  os.environ.get("PATH", "")])}
    with tempfile.TemporaryDirectory() as db_dir:
        for topic in TOPICS:
            if not topic.built or not (ASSIGNMENTS / topic.slug).is_dir():
                continue
            subprocess.run(
                [sys.executable, "-m", "nbgrader", "generate_assignment", topic.slug, "--force",
                 "--log-level=WARN",
                 f"--CourseDirectory.root={root}",
                 f"--CourseDirectory.source_directory={ASSIGNMENTS.relative_to(root)}",
                 f"--CourseDirectory.release_directory={release_dir}",
                 f"--CourseDirectory.db_url=sqlite:///{db_dir}/gradebook.db"],
                check=True, cwd=root, env=env)


RUNS_ON = "raises-exception"


def runs_on_past_an_error(cell) -> bool:
    """Whether Run All should go on past this cell when it raises: every code cell of the
    student's version but a locked cell that is not graded (the set-up: when it fails, nothing
    after it can work). The checks fail while the rules are stubs, the rule's try cell raises
    NotYetImplemented, the answer cells raise NotImplementedError and their tests a NameError."""
    grading = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and not (grading.get("locked") and not grading.get("grade"))


def run_all_reaches_every_cell(notebook: Path) -> None:
    """Tag the cells of a released notebook that may raise `raises-exception`, so that Run All
    in JupyterLab runs every cell of an untouched exercise and shows each failing check with its
    message (without the tag the kernel drops every queued cell after the first error: JupyterLab
    sends each execute request with stop_on_error = false only for a cell with that tag,
    packages/outputarea/src/widget.ts, OutputArea.execute). Grading is unchanged: nbgrader
    executes with allow_errors and scores a graded cell by its error output, whatever its tags,
    and its checksums do not cover tags."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if runs_on_past_an_error(cell) and RUNS_ON not in tags:
            cell.metadata["tags"] = [*tags, RUNS_ON]
    nbformat.write(nb, notebook)


def generate(out: Path) -> None:
    """Write every generated file under ``out`` (the repository, or a scratch copy)."""
    references = make_references()  # first: a rule not written yet stops the release here
    folder = out / "lib" / "descent" / "references"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in set(p.name for p in folder.glob("*.json")) - set(references):
        (folder / stale).unlink()  # a rule no spec names any more
    for fname, text in references.items():
        (folder / fname).write_text(text, encoding="utf-8")
    (out / "lib" / "descent" / "rules.py").write_text(stub_rules(RULES_SOURCE.read_text("utf-8")),
                                                      encoding="utf-8")
    release = out / "exercises"
    for topic in TOPICS:
        if topic.built and (ASSIGNMENTS / topic.slug).is_dir() and (release / topic.slug).is_dir():
            shutil.rmtree(release / topic.slug)
    release_exercises(ROOT, release.resolve())
    for topic in TOPICS:
        if topic.built and (release / topic.slug).is_dir():
            for notebook in (release / topic.slug).glob("*.ipynb"):
                run_all_reaches_every_cell(notebook)


def drift() -> list[str]:
    """Generated files that differ from what the release command makes now."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        generate(scratch)
        problems = []
        for rel in ["lib/descent/rules.py"]:
            if not filecmp.cmp(ROOT / rel, scratch / rel, shallow=False):
                problems.append(rel)
        for sub in ["lib/descent/references", "exercises"]:
            mine = {p.relative_to(ROOT / sub) for p in (ROOT / sub).rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts
                    and ".ipynb_checkpoints" not in p.parts}
            fresh = {p.relative_to(scratch / sub) for p in (scratch / sub).rglob("*") if p.is_file()}
            fresh_topics = {p.parts[0] for p in fresh}
            mine = {p for p in mine if sub != "exercises" or p.parts[0] in fresh_topics}
            for rel in sorted(mine ^ fresh):
                problems.append(f"{sub}/{rel} ({'missing' if rel in fresh else 'not generated'})")
            for rel in sorted(mine & fresh):
                if not filecmp.cmp(ROOT / sub / rel, scratch / sub / rel, shallow=False):
                    problems.append(f"{sub}/{rel}")
        return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 course.py release", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report drift, change nothing")
    args = parser.parse_args(argv)
    try:
        return _release(args.check)
    except ReferenceNotWritten as err:
        print(f"release stopped: {err}", file=sys.stderr)
        return 1


def _release(check: bool) -> int:
    if check:
        problems = drift()
        for p in problems:
            print(f"drift: {p}")
        print("generated files are up to date" if not problems else
              "run `python3 course.py release` and commit the result")
        return 1 if problems else 0
    generate(ROOT)
    print("regenerated lib/descent/rules.py, lib/descent/references/, exercises/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
