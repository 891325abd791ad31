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
  checking code would only bury it.

A student nbgrader could not grade to the end (or had nothing to grade) gets a page saying why
instead (``write_page``).
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

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


class HideHiddenTests(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        # a cell may print the hidden tests (IPython keeps every input in `In`): cut such output
        secret = set().union(*(hidden_lines(c.source) for c in nb.cells if c.cell_type == "code"))
        nb, resources = super().preprocess(nb, resources)  # hidden regions and their tracebacks
        for cell in nb.cells:
            for i, out in enumerate(cell.get("outputs", [])):
                if any(line in text for text in _texts(out) for line in secret):
                    cell.outputs[i] = new_output("stream", name="stdout", text=QUOTED_NOTE)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        cell.source, hidden = without_hidden_tests(cell.source)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and (hidden or out.get("ename") in MESSAGE_ONLY):
                out["traceback"] = [f"\x1b[0;31m{out['ename']}\x1b[0m: {out['evalue']}"]
        return cell, resources


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
