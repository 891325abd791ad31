"""`python3 course.py update`: the course's latest version, merged into a student's clone without
losing anything the student wrote.

    1. fetch the course (the branch's upstream, e.g. origin/main);
    2. commit everything the student has changed or added (a snapshot: `git log` shows it);
    3. merge the course's changes. Where the student and the course changed the same file:
       * lib/descent/rules.py is merged function by function: the course's new stubs are added,
         every function the student wrote is kept (the course's version of the file is the base);
       * a notebook the student only ran (outputs, metadata) takes the course's new version;
       * a notebook the student wrote in (answers, notes) stays as it is, and the course's new
         version is saved beside it as NAME.course-update.ipynb;
       * any other file stays the student's, the course's version saved beside it the same way;
       and the student's version of each of those files is copied to backups/<time>/ first;
    4. commit the merge and say what happened to each file.

Nothing is overwritten without a copy. Updating again when nothing new came is a no-op.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from pathlib import Path

STUDENT_RULES = "lib/descent/rules.py"
BESIDE = ".course-update"
ME = ["-c", "user.name=Descent student", "-c", "user.email=student@descent.invalid"]


class UpdateError(Exception):
    pass


def git(root: Path, *args, check=True) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if check and done.returncode:
        raise UpdateError(f"git {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def blob(root: Path, rev: str, path: str) -> bytes | None:
    done = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=root, capture_output=True)
    return done.stdout if done.returncode == 0 else None


# -- lib/descent/rules.py, function by function ------------------------------------------------
def _parts(source: str) -> tuple[list[str], dict[str, tuple[int, int]], list[str]]:
    """The file's lines, each top-level function's or class's line span (decorators included),
    and the source of its other top-level statements."""
    lines = source.splitlines(keepends=True)
    spans, others = {}, []
    for node in ast.parse(source).body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            spans[node.name] = (start, node.end_lineno)
        else:
            others.append("".join(lines[start:node.end_lineno]))
    return lines, spans, others


def merge_rules(base: str, ours: str, theirs: str) -> tuple[str, list[str]]:
    """The course's new file (`theirs`) with every function the student changed or added
    (`ours` against `base`) put back, and notes on what was done."""
    b_lines, b_spans, b_others = _parts(base)
    o_lines, o_spans, o_others = _parts(ours)
    t_lines, t_spans, t_others = _parts(theirs)

    def text(lines, spans, name):
        start, end = spans[name]
        return "".join(lines[start:end])

    def changed(name):  # by the student
        return name not in b_spans or text(o_lines, o_spans, name) != text(b_lines, b_spans, name)

    mine = [n for n in o_spans if changed(n)]
    notes, out, i = [], [], 0
    first_def = min((s for s, _ in t_spans.values()), default=len(t_lines))
    added_statements = [s for s in o_others if s not in b_others and s not in t_others]
    for name, (start, end) in sorted(t_spans.items(), key=lambda kv: kv[1][0]):
        if start >= first_def and i <= first_def and added_statements:
            out += t_lines[i:first_def] + [s if s.endswith("\n") else s + "\n" for s in added_statements]
            out.append("\n")
            i = first_def
            notes.append("kept your own top-level lines (imports, constants)")
        out += t_lines[i:start]
        if name in mine:
            out.append(text(o_lines, o_spans, name))
            course_changed = name in b_spans and text(t_lines, t_spans, name) != text(b_lines, b_spans, name)
            notes.append(f"kept your {name}" + (" (the course changed its stub too: its new version "
                                                "is in the backup folder's course copy)" if course_changed else ""))
        else:
            out.append(text(t_lines, t_spans, name))
            if name not in o_spans:
                notes.append(f"added the new stub {name}")
        i = end
    out += t_lines[i:]
    for name in mine:
        if name not in t_spans:  # the student's own helper, or one the course no longer has
            out += ["\n\n", text(o_lines, o_spans, name)]
            notes.append(f"kept your {name}")
    merged = "".join(out)
    if not merged.endswith("\n"):
        merged += "\n"
    ast.parse(merged)  # never write a file that does not parse
    return merged, notes


# -- notebooks ----------------------------------------------------------------------------------
def _sources(notebook: bytes) -> list:
    """What a person writes in a notebook: each cell's type and text (not outputs, counts, ids)."""
    cells = json.loads(notebook.decode("utf-8")).get("cells", [])
    return [(c.get("cell_type"), "".join(c.get("source", ""))) for c in cells]


def only_ran(base: bytes | None, ours: bytes) -> bool:
    """Whether the student's copy differs from the course's old one only by running it."""
    try:
        return base is not None and _sources(base) == _sources(ours)
    except (ValueError, UnicodeDecodeError):
        return False


def beside(path: str) -> str:
    p = Path(path)
    return str(p.with_name(p.stem + BESIDE + p.suffix))


# -- the command --------------------------------------------------------------------------------
def resolve(root: Path, path: str, base_rev: str, theirs_rev: str, backups: Path) -> str:
    """Write the merged `path` (changed by the student and by the course) and say what was done."""
    # the student's version is the snapshot's (the working copy may hold git's conflict markers)
    ours, theirs, base = (blob(root, rev, path) for rev in ("HEAD", theirs_rev, base_rev))
    if ours == theirs:
        return ""
    if ours is not None:
        (backups / path).parent.mkdir(parents=True, exist_ok=True)
        (backups / path).write_bytes(ours)
    saved = f"yours saved in {(backups / path).relative_to(root)}"
    if theirs is None:  # the course deleted it: the student's copy stays
        (root / path).write_bytes(ours)
        return f"{path}: kept yours (the course no longer has it)"
    if ours is None:  # the student deleted it: the course's new version comes back
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(theirs)
        return f"{path}: the course's new version (you had deleted it)"
    if path == STUDENT_RULES:
        course_copy = backups / "course" / path
        course_copy.parent.mkdir(parents=True, exist_ok=True)
        course_copy.write_bytes(theirs)
        try:
            merged, notes = merge_rules((base or b"").decode(), ours.decode(), theirs.decode())
        except SyntaxError as e:  # the student's file does not parse: merge it by hand
            (root / path).write_bytes(ours)
            (root / beside(path)).write_bytes(theirs)
            return (f"{path}: kept yours as it is (it has a syntax error, line {e.lineno}); the "
                    f"course's new version is {beside(path)}: copy its new functions into yours")
        (root / path).write_text(merged)
        return f"{path}: merged function by function: {'; '.join(notes)} ({saved})"
    if path.endswith(".ipynb") and only_ran(base, ours):
        (root / path).write_bytes(theirs)
        return f"{path}: the course's new version (you had only run it; {saved})"
    (root / path).write_bytes(ours)
    (root / beside(path)).write_bytes(theirs)
    return f"{path}: kept yours; the course's new version is {beside(path)} ({saved})"


def update(root: Path, source: str | None = None) -> int:
    if not (root / ".git").exists():
        raise UpdateError("This folder is not a git clone of the course: download the course again "
                          "(git clone ...) and copy your lib/descent/rules.py and notebooks into it.")
    if (root / ".git" / "MERGE_HEAD").exists():
        raise UpdateError("A merge is in progress in this clone (git status says which files). "
                          "Finish it or run `git merge --abort`, then update again.")
    if source is None:
        source = git(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}",
                     check=False).strip()
        if not source:
            raise UpdateError("This branch follows no course branch: run "
                              "`git branch --set-upstream-to origin/main`, then update again.")
        print(f"[1/3] Fetching the course's changes ({source})...", flush=True)
        git(root, "fetch", "--quiet", source.split("/", 1)[0])
    else:
        print(f"[1/3] Updating from {source}...", flush=True)
    theirs = git(root, "rev-parse", f"{source}^{{commit}}").strip()
    if subprocess.run(["git", "merge-base", "--is-ancestor", theirs, "HEAD"], cwd=root).returncode == 0:
        print("Already up to date: nothing changed.")
        return 0

    known = all(git(root, "config", key, check=False).strip() for key in ("user.name", "user.email"))
    who = [] if known else ME
    stamp = time.strftime("%Y-%m-%d_%H%M%S")
    exclude = root / ".git" / "info" / "exclude"  # backups/ never enters the history
    exclude.parent.mkdir(exist_ok=True)
    if "/backups/" not in (exclude.read_text() if exclude.exists() else ""):
        with exclude.open("a") as f:
            f.write("\n/backups/\n")
    if git(root, "status", "--porcelain").strip():
        git(root, "add", "--all")
        git(root, *who, "commit", "--quiet", "--no-verify", "-m",
            f"My work before the course update of {stamp} (python3 course.py update)")
        print("[2/3] Saved your work in a commit (git log shows it; nothing is lost).", flush=True)
    else:
        print("[2/3] Nothing of yours to save: no file changed since the last update.", flush=True)

    base = git(root, "merge-base", "HEAD", theirs).strip()
    head = git(root, "rev-parse", "HEAD").strip()
    print("[3/3] Merging the course's changes into yours...", flush=True)
    if base == head:  # the student changed nothing: take the course as it is
        git(root, "merge", "--quiet", "--ff-only", theirs)
        print("Updated: you had changed nothing, so your clone is now the course's latest version.")
        return 0
    mine = set(git(root, "diff", "--name-only", "--no-renames", base, "HEAD").split("\n")) - {""}
    course = set(git(root, "diff", "--name-only", "--no-renames", base, theirs).split("\n")) - {""}
    merging = subprocess.run(["git", *who, "merge", "--quiet", "--no-ff", "--no-commit", theirs],
                             cwd=root, capture_output=True, text=True)
    if not (root / ".git" / "MERGE_HEAD").exists():
        raise UpdateError(f"git could not merge the course's changes; your work is in the last "
                          f"commit, nothing else changed:\n{merging.stdout}{merging.stderr}")
    backups = root / "backups" / stamp
    said = []
    for path in sorted(mine & course):
        said.append(resolve(root, path, base, theirs, backups))
        git(root, "add", "--all", "--", path, *([beside(path)] if (root / beside(path)).exists() else []))
    left = git(root, "diff", "--name-only", "--diff-filter=U").split()
    if left:
        git(root, "merge", "--abort", check=False)
        raise UpdateError(f"Could not merge {', '.join(left)}; nothing was changed (your work is "
                          "in the last commit). Ask your instructor.")
    git(root, *who, "commit", "--quiet", "--no-verify", "-m",
        f"The course's update merged with my work (python3 course.py update, {stamp})")
    for line in filter(None, said):
        print("  " + line)
    others = sorted(course - mine)
    if others:
        print(f"  {len(others)} other file(s) of the course updated (you had not changed them): "
              + ", ".join(others[:8]) + (" ..." if len(others) > 8 else ""))
    print("Updated. Your work is kept" + (f"; copies of your versions of the files above are in "
                                          f"backups/{stamp}/." if any(said) else "."))
    return 0


def main(root: Path, argv: list[str]) -> int:
    """python3 course.py update [--from REF]  (REF: a branch or commit; default the upstream)."""
    source = None
    if argv[:1] == ["--from"] and len(argv) == 2:
        source = argv[1]
    elif argv:
        print("usage: python3 course.py update [--from BRANCH]", file=sys.stderr)
        return 2
    print("(Save your notebooks and close JupyterLab first: it would write its open copies back.)")
    try:
        return update(root, source)
    except UpdateError as e:
        print(f"Not updated: {e}", file=sys.stderr)
        return 1
