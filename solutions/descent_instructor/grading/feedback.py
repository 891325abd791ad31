"""Feedback students can act on, without the hidden tests.

nbgrader's feedback is the autograded notebook as HTML, and the autograded notebook has the
hidden tests back in its grade cells. ``HideHiddenTests`` (nbgrader_config.py registers it in
``GenerateFeedback.preprocessors``) runs before the HTML is written:

* the hidden-test region of a cell is replaced by one comment line;
* an error in a cell that has hidden tests is shown as its message only (a Python traceback
  quotes the lines around the failing call, which would reveal the hidden test);
* any output that quotes a line of a hidden test (a cell can print IPython's input history) is
  replaced by a note;
* a failed course check (``RuleCheckFailed``, ``NotYetImplemented``) is shown as its message
  only: the message already says where the rule went wrong, and the traceback through the
  checking code would only bury it;
* a cell stopped at the per-cell time limit says so in plain words, with the limit and the line
  of the student's rules.py it was running, instead of nbgrader's KeyboardInterrupt traceback and
  CellTimeoutError (``timeout_message``);
* the grader's own paths (the submission's folder under grading/autograded/, the grading lib under
  grading/work/, the course folder, the Python environment, temporary folders) are shown as the
  student knows them: ``rules.py``, ``descent/checks.py``, ``numpy/...`` (``shown_paths``);
* consecutive prints to one stream are one output (``coalesced``), however the kernel split them.

After nbgrader has written the page, ``mark_pending`` marks the written answers that are graded
by hand and not graded yet as pending ("not graded yet (2 points)", and the total as "13 / 13
automatic, 2 pending"), where nbgrader's page would show 0 / 2 as if it were their grade.

A student nbgrader could not grade to the end (or had nothing to grade) gets a page saying why
instead (``write_page``).
"""
from __future__ import annotations

import html
import re
import sysconfig
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Integer

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HIDDEN_NOTE = "# (further checks, hidden until grading, ran here)"
MESSAGE_ONLY = {"RuleCheckFailed", "NotYetImplemented"}


def without_hidden_tests(source: str) -> tuple[str, bool]:
    """The source with each hidden-test region replaced by a note, and whether there was one."""
    pattern = re.compile(rf"^[ \t]*{re.escape(BEGIN)}.*?^[ \t]*{re.escape(END)}[^\n]*\n?",
                         re.MULTILINE | re.DOTALL)
    cleaned, n = pattern.subn(HIDDEN_NOTE + "\n", source)
    return cleaned.rstrip("\n"), n > 0


def hidden_lines(source: str) -> set[str]:
    """The substantial lines inside the hidden-test regions of a cell's source."""
    lines, inside = set(), False
    for line in source.splitlines():
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        elif inside and len(line.strip()) >= 20:
            lines.add(line.strip())
    return lines


def _texts(out) -> list[str]:
    data = out.get("data", {})
    return [out.get("text", ""), out.get("evalue", ""), *out.get("traceback", []),
            *(v for v in data.values() if isinstance(v, str))]


QUOTED_NOTE = "(output removed from the feedback: it quoted the hidden tests)"


# -- the grader's paths, as the student knows them ------------------------------------------------
#: a grading lib (sandbox.py: grading/work/students/<id>/env/), wherever it was: its files are
#: the course's lib, ``descent/checks.py``, as in the student's clone
_GRADING_LIB = re.compile(r"(?:[/\\][^/\\\s'\"\x1b]+)*?[/\\]work[/\\]students[/\\][^/\\\s'\"\x1b]+[/\\]env[/\\]")
_TEMPORARY = re.compile(r"(?:[/\\][^/\\\s'\"\x1b]+)*?[/\\]descent-grading-[\w-]+[/\\]")
#: another student's folder (the student's own is a folder given, replaced before): never its id
_OTHER_STUDENT = re.compile(r"(?:(?:[/\\][^/\\\s'\"\x1b]+)*[/\\]|(?<![\w/\\.\-]))grading[/\\]"
                            r"(?:autograded|submitted|feedback)[/\\][^/\\\s'\"\x1b]+(?:[/\\]|(?![\w.\-]))")
OTHER_STUDENT = "<another student's folder>/"


def environment_folders() -> dict[str, str]:
    """This interpreter's library folders (numpy's frames in a traceback): shown relative."""
    paths = sysconfig.get_paths()
    return {paths[k]: "" for k in ("purelib", "platlib", "stdlib", "platstdlib") if k in paths}


def shown_paths(text: str, folders: dict[str, str]) -> str:
    """``text`` with each path inside one of ``folders`` shown as that folder's name (a key's
    value; "": the path relative to it), the innermost folder first, any grading lib's or grading
    temporary folder's path as the path inside it, and another student's folder (graded or handed
    in) without the student's id."""
    text = _TEMPORARY.sub("", _GRADING_LIB.sub("", text))
    for folder in sorted(folders, key=len, reverse=True):
        base = folder.rstrip("/\\")
        if not base or base not in text:
            continue
        name = folders[folder]
        text = re.sub(re.escape(base) + r"(?:([/\\])|(?![\w.\-]))",
                      lambda m, name=name: (f"{name}/" if name else "") if m.group(1) else (name or "."),
                      text)
    return _OTHER_STUDENT.sub(OTHER_STUDENT, text)


def _clean_output(out, folders: dict[str, str]) -> None:
    for key in ("text", "evalue"):
        if isinstance(out.get(key), str):
            out[key] = shown_paths(out[key], folders)
    if "traceback" in out:
        out["traceback"] = [shown_paths(t, folders) for t in out["traceback"]]
    for mime, value in out.get("data", {}).items():
        if isinstance(value, str):
            out["data"][mime] = shown_paths(value, folders)


# -- a cell stopped at the time limit ---------------------------------------------------------------
TIMEOUT = "CellTimeoutError"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: a frame of the student's rules.py in an IPython (File rules.py:87, in f) or Python traceback
_FRAME = re.compile(r"""File "?((?:[^\s"]*[/\\])?rules\.py)"?(?::|, line )(\d+),? in (\w+)""")


def limit_seconds(evalue: str) -> int | None:
    """The limit a timed-out cell's error names (run.py has nbgrader write it there), or None."""
    found = re.search(r"(\d+) s limit", evalue or "")
    return int(found.group(1)) if found else None


def timeout_message(seconds: int | None, where: str = "") -> str:
    limit = f"the {seconds} s limit" if seconds else "the time limit for a cell"
    return (f"This cell ran longer than {limit} and was stopped: a rule this slow cannot be checked. "
            "It scores 0; the cells after it were still graded."
            + (f" When it was stopped, it was running {where}." if where else "")
            + " Look for what makes your rule slow: a loop that never ends, a sleep, a Python loop "
              "over the elements, or a list that grows with every call. The checks call your rule "
              "many times, and a correct rule takes a fraction of a millisecond per call.")


def _stopped_at(outputs) -> str:
    """Where in the student's rules.py a timed-out cell was interrupted (its last frame there)."""
    frames = [m for out in outputs if out.get("output_type") == "error"
              for m in _FRAME.finditer(_ANSI.sub("", "\n".join(out.get("traceback", []))))
              if not re.search(r"descent[/\\]rules\.py$", m.group(1))]  # the grading lib's loader
    if not frames:
        return ""
    _, line, function = frames[-1].groups()
    return f"line {line} of your rules.py (in {function})"


class HideHiddenTests(NbGraderPreprocessor):
    shown_paths = Dict(help="Folders whose paths the feedback shows as the student knows them: "
                            "folder → what stands for it ('' : the path relative to it). The "
                            "notebook's own folder (the submission), the course folder and the "
                            "Python environment are always shown relative.").tag(config=True)
    timeout = Integer(None, allow_none=True,
                      help="The per-cell time limit the notebook ran with (seconds), named in "
                           "the feedback of a cell that ran longer, if its error does not name "
                           "it.").tag(config=True)

    def preprocess(self, nb, resources):
        # a cell may print the hidden tests (IPython keeps every input in `In`): cut such output
        secret = set().union(*(hidden_lines(c.source) for c in nb.cells if c.cell_type == "code"))
        self._folders = self._known_folders(resources)
        nb, resources = super().preprocess(nb, resources)  # hidden regions and their tracebacks
        for cell in nb.cells:
            for i, out in enumerate(cell.get("outputs", [])):
                if any(line in text for text in _texts(out) for line in secret):
                    cell.outputs[i] = new_output("stream", name="stdout", text=QUOTED_NOTE)
        return nb, resources

    def _known_folders(self, resources) -> dict[str, str]:
        folders = environment_folders()
        root = self.config.get("CourseDirectory", {}).get("root")
        if isinstance(root, str) and root:
            folders[root] = ""
        here = resources.get("metadata", {}).get("path")  # the submission (autograded/<id>/<ex>/)
        if here:
            folders[str(here)] = ""
        folders.update(self.shown_paths)
        return folders

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        cell.source, hidden = without_hidden_tests(cell.source)
        outputs = cell.get("outputs", [])
        if any(o.get("ename") == TIMEOUT for o in outputs):
            where = _stopped_at(outputs)
            # nbgrader's KeyboardInterrupt traceback (where it was interrupted) goes
            cell.outputs = outputs = [o for o in outputs if o.get("output_type") != "error"
                                      or o.get("ename") == TIMEOUT]
            for out in outputs:
                if out.get("ename") == TIMEOUT:
                    seconds = limit_seconds(out.get("evalue", "")) or self.timeout or None
                    out["evalue"] = timeout_message(seconds, where)
                    out["traceback"] = [f"\x1b[0;31mTime limit\x1b[0m: {out['evalue']}"]
        for out in outputs:
            if (out.get("output_type") == "error" and out.get("ename") != TIMEOUT
                    and (hidden or out.get("ename") in MESSAGE_ONLY)):
                out["traceback"] = [f"\x1b[0;31m{out['ename']}\x1b[0m: {out['evalue']}"]
            _clean_output(out, getattr(self, "_folders", {}))
        cell.outputs = coalesced(outputs)
        return cell, resources


def coalesced(outputs: list) -> list:
    """Consecutive prints to one stream as one output: how the kernel's messages happened to be
    split (it depends on timing) must not change the page."""
    merged = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (last is not None and out.get("output_type") == "stream" == last.get("output_type")
                and out.get("name") == last.get("name")):
            last["text"] = last.get("text", "") + out.get("text", "")
        else:
            merged.append(out)
    return merged


# -- written answers not graded yet ------------------------------------------------------------------
def _n(x: float) -> str:
    return f"{x:g}"


def _points(x: float) -> str:
    return f"{_n(x)} point{'' if x == 1 else 's'}"


def pending_note(points: float, answers: int = 1) -> str:
    it, is_ = ("they", "are") if answers > 1 else ("it", "is")
    return (f"Your written answer{'s' if answers > 1 else ''} {is_} not graded yet "
            f"({_points(points)}): your instructor grades {it} by hand, and the score above counts "
            f"the rest. This page will show {'their' if answers > 1 else 'its'} score once "
            f"{it} {is_} graded.")


def mark_pending(page: Path, pending: dict[str, float], automatic: bool = True) -> bool:
    """Mark the grade cells ``pending`` (grade id → points), graded by hand and not graded yet,
    in nbgrader's feedback ``page``: "not graded yet (2 points)" for their 0 / 2, and the total
    as "13 / 13 automatic, 2 pending" (``automatic``: nothing has been graded by hand yet; else
    "so far"). Whether every mark found its place in nbgrader's page (else a note at its top
    says it all the same)."""
    if not pending:
        return True
    text, total, found = page.read_text("utf-8"), sum(pending.values()), 0
    for grade_id, points in pending.items():
        gid = re.escape(grade_id)
        text, n = re.subn(rf'(<li><a href="#{gid}">[^<]*</a>) \(Score: [\d.]+ / [\d.]+\)',
                          rf"\1: not graded yet ({_points(points)})", text)
        found += n == 1
        text, n = re.subn(rf'(<a name="{gid}"></a><div class="panel-heading">(?:(?!</div>).)*?'
                          r'<span class="pull-right">\s*)Score: [\d.]+ / [\d.]+',
                          rf"\1Not graded yet ({_points(points)}): graded by hand", text, flags=re.S)
        found += n == 1

    def total_line(m):
        score, most = float(m.group(2)), float(m.group(3))
        kind = "automatic" if automatic else "so far"
        return f"{m.group(1)}{_n(score)} / {_n(most - total)} {kind}, {_n(total)} pending{m.group(4)}"

    text, n = re.subn(r"(<h4>[^<]*\(Score: )([\d.]+) / ([\d.]+)(\)</h4>)", total_line, text, count=1)
    found += n
    note = f'<p class="pending-note"><b>{html.escape(pending_note(total, len(pending)))}</b></p>'
    text, n = re.subn(r"(\)</h4>)", lambda m: m.group(1) + note, text, count=1)
    if not n:
        text = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + note, text, count=1)
    page.write_text(text, "utf-8")
    return found == 2 * len(pending) + 1


def write_page(folder: Path, exercise: str, complete: bool, why: str) -> Path:
    """``folder``/<exercise>.html for a student without nbgrader's feedback: nothing to grade
    (``complete``: it scored 0) or not graded to the end, and ``why``."""
    folder.mkdir(parents=True, exist_ok=True)
    note = html.escape(why)
    if complete:  # nothing nbgrader could run
        title, text = "nothing to grade", (
            f"Your submission scored 0: {note}. Save the notebook, then hand it in with "
            f"<code>python3 course.py submit {html.escape(exercise)} --student YOUR_ID</code>, "
            "which packs the notebook together with your rules.py.")
    else:
        title, text = "not graded completely", (
            f"Your submission could not be graded to the end: {note}. Run the exercise notebook "
            "top to bottom yourself (Kernel › Restart Kernel and Run All Cells) to find the cell "
            "that stops it, fix it, and hand it in again, or talk to your instructor.")
    page = folder / f"{exercise}.html"
    page.write_text("<!doctype html><meta charset='utf-8'><title>Feedback</title>"
                    f"<h1>{html.escape(exercise)}: {title}</h1><p>{text}</p>", "utf-8")
    return page
