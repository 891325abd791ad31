"""The class view: what the class got wrong in one exercise, for the next lecture.

After a grading run, every student graded to the end (the grade sheet's complete statuses) is read
from their autograded notebook (grading/autograded/<student>/<exercise>/): each grade cell (a
check) either passed or failed, and a failure is named by its error (``mistake``):

* the well-known mistake a check recognised ("This matches a well-known mistake — sign error: ..."
  gives ``sign error``), or one the check names in brackets ("(known mistake: modified input)");
* else what went wrong, from the error's first line: ``not implemented yet``, ``timed out``,
  ``raised ZeroDivisionError``, ``wrong shape``, or the first clause of the check's message with
  the case, the step and the numbers left out ("differs from the reference, in the parameters θ");
* a check that could not run because the notebook's set-up failed before it (a NameError for a
  name that an earlier locked cell, such as the imports, defines and did not, as it failed):
  ``setup failed: <that error>``.

Mistakes a check recognised by name are marked well-known (``ClassView.named``).

``write`` puts it in grading/class_<exercise>.csv (one row per check and mistake: how many students,
who) and grading/class_<exercise>.html (the mistakes across checks, most common first, then each
check), and ``top_lines`` gives the summary's lines. The students' ids are the instructor's: the
class view is not for students (it names the hidden checks' failures too).
"""
from __future__ import annotations

import csv
import html
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from descent import handin

from .report import CSV_COLUMNS
from .student import COMPLETE

CLASS_COLUMNS = ["check", "points", "mistake", "students", "of", "ids"]
NAMED = re.compile(r"well-known mistake — ([^:\n]+):")
KNOWN = re.compile(r"\(known mistake: ([^)]+)\)")
TIMEOUT = "CellTimeoutError"
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _gist(line: str) -> str:
    """The first clause of a message, without the rule's name, the case, the step or arrays."""
    s = re.sub(r"^`[^`]*`:?\s*", "", line.strip())
    s = re.sub(r"\s*in case “[^”]*”:?", "", s)
    s = re.sub(r",?\s*at (step )?t = \d+", "", s)
    array = re.compile(r"\[[^\[\]]*[\d…][^\[\]]*\]")  # numbers, not an index such as ['v']
    while array.search(s):
        s = array.sub("…", s)
    s = re.split(r":\s|, but |; |\.\s|\s\(", s)[0].strip(" :,.")
    return s if len(s) <= 80 else s[:79] + "…"


def mistake(ename: str, evalue: str) -> str:
    """What a failed check's error says went wrong, in a few words (the module's doc says how)."""
    if ename == TIMEOUT:
        return "timed out"
    text = (evalue or "").strip()
    if found := NAMED.search(text):
        return found.group(1).strip()
    first = text.splitlines()[0] if text else ""
    if "not implemented yet" in first or ename == "NotYetImplemented":
        return "not implemented yet"
    if found := re.search(r"\braised (\w+)", first):
        return f"raised {found.group(1)}"
    if found := KNOWN.search(first):
        return found.group(1).strip()
    if "(wrong shape)" in first:
        return "wrong shape"
    if ename == "RuleCheckFailed" and first:
        return _gist(first)
    if ename == "AssertionError" and first:  # a test's own message: the student's numbers left out
        return "AssertionError: " + NUMBER.sub("x", _gist(first))
    return f"{ename}: {_gist(first)}" if first else ename


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _is_check(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _defines(source: str, name: str) -> bool:
    """Whether a cell's source defines ``name`` (imports it, assigns it, or defs it)."""
    n = re.escape(name)
    return bool(re.search(rf"^\s*(from\s+\S+\s+)?import\b[^\n]*\b{n}\b|^\s*{n}\s*(,[^=\n]*)?=(?!=)"
                          rf"|^\s*(def|class)\s+{n}\b", source, re.M))


def _setup_failure(err, before: list) -> str | None:
    """For a NameError, the error of the earlier locked cell (not an answer) that should have
    defined the name and failed, as "setup failed: ...", else None."""
    if err.get("ename") != "NameError":
        return None
    found = re.search(r"name '(\w+)' is not defined", err.get("evalue", ""))
    if not found:
        return None
    for cell in before:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        errors = _errors(cell)
        if errors and not meta.get("solution") and _defines(cell.get("source", ""), found.group(1)):
            return "setup failed: " + mistake(errors[0].get("ename", ""), errors[0].get("evalue", ""))
    return None


def failures(nb) -> dict[str, str | None]:
    """Each check (grade cell id) of an autograded notebook → its mistake, or None (passed)."""
    out, before = {}, []
    for cell in nb.cells:
        if not _is_check(cell):
            if cell.get("cell_type") == "code":
                before.append(cell)
            continue
        errors = _errors(cell)
        grade_id = cell["metadata"]["nbgrader"]["grade_id"]
        if not errors:
            out[grade_id] = None
            continue
        err = next((e for e in errors if e.get("ename") == TIMEOUT), errors[0])
        out[grade_id] = (_setup_failure(err, before)
                         or mistake(err.get("ename", ""), err.get("evalue", "")))
    return out


def named(ename: str, evalue: str) -> bool:
    """Whether the error names a well-known mistake."""
    first = (evalue or "").strip().split("\n")[0]
    return bool(NAMED.search(evalue or "") or KNOWN.search(first) or "(wrong shape)" in first)


@dataclass
class ClassView:
    exercise: str
    checks: dict[str, float] = field(default_factory=dict)  # grade id → points, in notebook order
    counted: list[str] = field(default_factory=list)        # the students read
    failed: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    left_out: dict[str, str] = field(default_factory=dict)  # student → why not counted
    named: set[str] = field(default_factory=set)            # the mistakes checks know by name

    def _order(self, check: str) -> int:
        return list(self.checks).index(check) if check in self.checks else len(self.checks)

    def rows(self) -> list[tuple[str, float, str, list[str]]]:
        """(check, points, mistake, students), the most students first, then in the notebook's order."""
        return sorted(((c, self.checks.get(c, 0.0), m, ids) for (c, m), ids in self.failed.items()),
                      key=lambda r: (-len(r[3]), self._order(r[0]), r[2]))

    def mistakes(self) -> list[tuple[str, list[str], list[str]]]:
        """(mistake, students, checks) across the checks, the most students first."""
        who, where = defaultdict(set), defaultdict(list)
        for (check, name), ids in self.failed.items():
            who[name].update(ids)
            where[name].append(check)
        return sorted(((name, sorted(who[name]), sorted(where[name], key=self._order)) for name in who),
                      key=lambda r: (-len(r[1]), self._order(r[2][0]), r[0]))

    def passed(self, check: str) -> int:
        failed = {s for (c, _), ids in self.failed.items() if c == check for s in ids}
        return len(self.counted) - len(failed)


def class_view(exercise: str, grades_csv: Path, autograded: Path) -> ClassView:
    """The class view of ``exercise`` from its grade sheet (every student graded, this run or an
    earlier one) and their autograded notebooks in ``autograded``/<student>/<exercise>/."""
    import nbformat

    view = ClassView(exercise)
    with grades_csv.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if set(r) >= set(CSV_COLUMNS[:3])]
    for row in sorted(rows, key=lambda r: r["student"]):
        sid = row["student"]
        notebook = autograded / sid / exercise / handin.notebook_name(exercise)
        if row["status"] not in COMPLETE:
            view.left_out[sid] = row["status"]
            continue
        if not notebook.is_file():
            view.left_out[sid] = "nothing graded"
            continue
        nb = nbformat.read(notebook, as_version=4)
        for cell in nb.cells:
            if _is_check(cell):
                meta = cell["metadata"]["nbgrader"]
                view.checks.setdefault(meta["grade_id"], float(meta.get("points", 0)))
        view.counted.append(sid)
        for check, name in failures(nb).items():
            if name is not None:
                view.failed[(check, name)].append(sid)
        view.named.update(mistake(e.get("ename", ""), e.get("evalue", ""))
                          for c in nb.cells if _is_check(c) for e in _errors(c)
                          if named(e.get("ename", ""), e.get("evalue", "")))
    return view


def _names(ids: list[str], most: int = 8) -> str:
    return ", ".join(ids[:most]) + (f" and {len(ids) - most} more" if len(ids) > most else "")


def write(view: ClassView, folder: Path) -> tuple[Path, Path]:
    """grading/class_<exercise>.csv and .html."""
    n = len(view.counted)
    csv_path = folder / f"class_{view.exercise}.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CLASS_COLUMNS)
        for check, points, name, ids in view.rows():
            w.writerow([check, f"{points:g}", name, len(ids), n, " ".join(ids)])
    e = html.escape
    parts = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>What the class got wrong: {e(view.exercise)}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:1em auto}table{border-collapse:"
        "collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
        "td.n{text-align:right}</style>",
        f"<h1>What the class got wrong: {e(view.exercise)}</h1>",
        f"<p>{n} student{'' if n == 1 else 's'} graded to the end are counted"
        + ("; left out: " + "; ".join(f"{e(s)} ({e(why)})" for s, why in view.left_out.items())
           if view.left_out else "") + ". A student counts once per mistake.</p>",
        "<h2>Mistakes, most common first</h2>",
    ]
    mistakes = view.mistakes()
    if mistakes:
        parts.append("<table><tr><th>mistake</th><th>students</th><th>who</th><th>in checks</th></tr>")
        parts += [f"<tr><td>{e(name)}{' <i>(well-known)</i>' if name in view.named else ''}</td>"
                  f"<td class=n>{len(ids)} of {n}</td><td>{e(', '.join(ids))}</td>"
                  f"<td>{e(', '.join(checks))}</td></tr>" for name, ids, checks in mistakes]
        parts.append("</table>")
    else:
        parts.append("<p>None: every student counted passed every check.</p>")
    parts.append("<h2>Each check</h2><table><tr><th>check</th><th>points</th><th>passed</th>"
                 "<th>mistake</th><th>students</th><th>who</th></tr>")
    for check, points in view.checks.items():
        rows = [r for r in view.rows() if r[0] == check] or [(check, points, "", [])]
        for i, (_, _, name, ids) in enumerate(rows):
            head = (f"<td rowspan={len(rows)}>{e(check)}</td><td rowspan={len(rows)} class=n>"
                    f"{points:g}</td><td rowspan={len(rows)} class=n>{view.passed(check)} of {n}</td>"
                    if i == 0 else "")
            parts.append(f"<tr>{head}<td>{e(name) or '—'}</td><td class=n>{len(ids) or ''}</td>"
                         f"<td>{e(', '.join(ids))}</td></tr>")
    parts.append("</table>")
    html_path = folder / f"class_{view.exercise}.html"
    html_path.write_text("\n".join(parts), "utf-8")
    return csv_path, html_path


def top_lines(view: ClassView, most: int = 6) -> list[str]:
    """The summary's lines: the most common mistakes, with who made them."""
    n = len(view.counted)
    mistakes = view.mistakes()
    if not n:
        return []
    if not mistakes:
        return [f"every one of the {n} students graded to the end passed every check"]
    width = min(56, max(len(name) for name, _, _ in mistakes[:most]))
    lines = [f"{name if len(name) <= width else name[:width - 1] + '…':<{width}} {len(ids):>3} of {n}: "
             f"{_names(ids)}{'  (well-known mistake)' if name in view.named else ''}"
             for name, ids, _ in mistakes[:most]]
    if len(mistakes) > most:
        lines.append(f"... and {len(mistakes) - most} more")
    return lines
