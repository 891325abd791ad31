"""Feedback students can act on, without the hidden tests (nbgrader_config.py registers this).

nbgrader's feedback is the autograded notebook as HTML, and the autograded notebook has the
hidden tests back in its grade cells. This preprocessor runs before the HTML is written:

* the hidden-test region of a cell is replaced by one comment line;
* an error in a cell that has hidden tests is shown as its message only (a Python traceback
  quotes the lines around the failing call, which would reveal the hidden test);
* a failed course check (``RuleCheckFailed``, ``NotYetImplemented``) is shown as its message
  only: the message already says where the rule went wrong, and the traceback through the
  checking code would only bury it.
"""
from __future__ import annotations

import re

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


class HideHiddenTests(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        cell.source, hidden = without_hidden_tests(cell.source)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and (hidden or out.get("ename") in MESSAGE_ONLY):
                out["traceback"] = [f"\x1b[0;31m{out['ename']}\x1b[0m: {out['evalue']}"]
        return cell, resources
