"""Feedback students can act on, without the hidden tests (nbgrader_config.py registers this).

nbgrader's feedback is the autograded notebook as HTML, and the autograded notebook has the
hidden tests back in its grade cells. This preprocessor runs before the HTML is written:

* the hidden-test region of a cell is replaced by one comment line;
* an error in a cell that has hidden tests is shown as its message only (a Python traceback
  quotes the lines around the failing call, which would reveal the hidden test);
* any output that quotes a line of a hidden test (a cell can print IPython's input history) is
  replaced by a note;
* a failed course check (``RuleCheckFailed``, ``NotYetImplemented``) is shown as its message
  only: the message already says where the rule went wrong, and the traceback through the
  checking code would only bury it.
"""
from __future__ import annotations

import re

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
