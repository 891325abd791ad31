"""The momentum exercise as a student meets it in JupyterLab.

Untouched (the rules still stubs): Run All runs every cell down to the last one (JupyterLab goes
on past an error only in a cell tagged raises-exception, which the release adds): every rule check
fails with the helpful message, the value cell raises NotImplementedError and its test a
NameError, nothing else errs, and the explorer still draws the reference and says why yours is
missing. nbgrader's Validate button reports those failures.

With correct rules (a kernel that imports the instructor's lib, in which descent/rules.py is the
reference): every rule check passes; only the answer cells and their tests err until the student
types the answers in (the experiment's runs the student's own momentum); after that Run All shows no
error at all, Validate fails on the two written answers alone, and once they are typed in too,
Validate reports success.
Validate also reports each manual-graded written answer (a markdown cell) while it still reads
"YOUR ANSWER HERE" ("You did not provide a response."): success needs those answers too.
"""
from __future__ import annotations

import json
import re

import nbformat
import numpy as np
import pytest

from descent.contract import NotYetImplemented

from .lab import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXERCISE = "exercises/01_momentum/01_momentum.ipynb"
SOLUTION = ROOT / "solutions" / "assignments" / "01_momentum" / "01_momentum.ipynb"
#: the copy that runs in the kernel with correct rules
CORRECT = "exercises/01_momentum/01_momentum_correct_rules.ipynb"
CORRECT_KERNEL = "descent-correct-rules"


def _only_comments(source: str) -> bool:
    return all(not ln.strip() or ln.lstrip().startswith("#") for ln in source.splitlines())


def _roles(path) -> dict:
    """The exercise's cells by role, from its nbgrader metadata (cell ids)."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    meta = lambda c: c.metadata.get("nbgrader", {})  # noqa: E731
    checks = {c.id: re.search(r'"(\w+)"\)', c.source).group(1) for c in code
              if meta(c).get("grade") and "checks.check_" in c.source}
    answers = [c.id for c in code if meta(c).get("solution")]
    answer_tests = [c.id for c in code if meta(c).get("grade") and c.id not in checks
                    and not _only_comments(c.source)]
    tries = {c.id: re.match(r"rules\.(\w+)\(", c.source.lstrip()).group(1) for c in code
             if not meta(c) and c.source.lstrip().startswith("rules.")}
    widget = [c.id for c in code if "widgets.compare(" in c.source]
    written = [c.id for c in nb.cells if c.cell_type == "markdown" and meta(c).get("grade")
               and meta(c).get("solution")]
    roles = dict(checks=checks, answers=answers, answer_tests=answer_tests, tries=tries,
                 widget=widget, written=written)
    assert all(roles.values()), roles
    return roles


ROLES = _roles(ROOT / EXERCISE)
RULES = sorted(set(ROLES["checks"].values()))


def _solution(cell_id: str) -> str:
    """What the solution notebook has in a cell, solution markers dropped."""
    nb = nbformat.read(SOLUTION, as_version=4)
    source = next(c.source for c in nb.cells if c.id == cell_id)
    return "\n".join(ln for ln in source.splitlines() if "### " not in ln)


def _explorer_status(nb) -> str:
    out = nb.explorer(0).root.locator(".descent-status .widget-html-content")
    return " ".join(out.all_text_contents()).strip()


def test_untouched_exercise_fails_with_the_helpful_message_and_validate_says_so(lab):
    nb = lab(EXERCISE)
    nb.run_all()
    # Run All went on past every failing check: every code cell ran, the last one too
    code = [c for c in nb.cells() if c["type"] == "code" and c["source"].strip()]
    assert code[-1]["count"] is not None, f"Run All stopped before the last cell: {nb.error_report()}"
    assert [c["id"] for c in code if c["count"] is None] == []
    errors = nb.errors()
    first = min(errors.values(), key=lambda e: e["index"])
    nb.screenshot("exercise-untouched-1-run-all-first-error",
                  element=nb.page.locator(".jp-Notebook .jp-Cell").nth(first["index"]))
    expected = {*ROLES["tries"], *ROLES["checks"], *ROLES["answers"], *ROLES["answer_tests"]}
    assert set(errors) == expected, nb.error_report()
    for cell_id in ROLES["tries"]:
        assert errors[cell_id]["ename"] == "NotYetImplemented"
    for cell_id, rule in ROLES["checks"].items():
        message = str(NotYetImplemented(rule))
        assert message in errors[cell_id]["evalue"], errors[cell_id]
        assert message in errors[cell_id]["shown"], "the page does not show the message"
    for cell_id in ROLES["answers"]:
        assert errors[cell_id]["ename"] == "NotImplementedError"
    for cell_id in ROLES["answer_tests"]:
        assert errors[cell_id]["ename"] == "NameError"
    # the explorer draws the reference and says why yours is missing
    status = _explorer_status(nb)
    assert "is not implemented yet" in status, status
    nb.screenshot("exercise-untouched-2-explorer", element=nb.explorer(0).root)

    outcome, text = nb.validate()
    nb.screenshot("exercise-untouched-3-validate")
    assert outcome == "validation-failed", text
    # each rule check, the value test, and the unanswered written question
    failed = [*ROLES["checks"], *ROLES["answer_tests"], *ROLES["written"]]
    assert text.count("The following cell failed:") == len(failed), text
    for rule in RULES:
        assert str(NotYetImplemented(rule)) in text
    assert "NameError" in text  # the value test, the value cell having raised
    assert "You did not provide a response." in text
    nb.close_dialog()


@pytest.fixture
def correct_rules_copy(lab_server):
    """The exercise, untouched, set to run in the kernel with the correct rules."""
    nb = nbformat.read(lab_server.course / EXERCISE, as_version=4)
    nb.metadata["kernelspec"] = {"name": CORRECT_KERNEL, "display_name": "Python 3 (correct rules)",
                                 "language": "python"}
    nbformat.write(nb, lab_server.course / CORRECT)
    return CORRECT


def test_exercise_with_correct_rules_passes_its_checks_and_validates(lab, correct_rules_copy):
    nb = lab(correct_rules_copy)
    assert nb.kernel_name() == "Python 3 (correct rules)"
    nb.run_all()
    errors = nb.errors()
    # until the student answers, only the value cell and its test err
    assert set(errors) == {*ROLES["answers"], *ROLES["answer_tests"]}, nb.error_report()
    printed = nb.printed()
    for rule in RULES:
        assert f"✓ {rule} matches the reference values" in printed
        assert f"✓ {rule} has the expected properties" in printed
    assert _explorer_status(nb) == ""  # yours and the reference, no note
    nb.screenshot("exercise-correct-1-checks-pass",
                  element=nb.page.locator(".jp-Notebook .jp-Cell").nth(
                      next(c["index"] for c in nb.cells() if c["id"] in ROLES["checks"])))

    for cell_id in ROLES["answers"]:
        nb.type_into(cell_id, _solution(cell_id))
    typed = _solution(ROLES["answers"][0])
    nb.run_all()
    assert not nb.errors(), nb.error_report()
    answer = next(c for c in nb.cells() if c["id"] == ROLES["answers"][0])
    result = [o for o in answer["outputs"] if o["type"] == "execute_result"]
    assert result, answer
    scope: dict = {"np": np}
    exec(typed, scope)  # the values the answer computes, here in the test
    expected = eval(typed.splitlines()[-1], scope)
    flat = lambda text: "".join(text.split())  # noqa: E731  (IPython breaks long results over lines)
    assert flat(result[0]["shown"]).endswith(flat(repr(expected))), (result[0]["shown"], expected)
    nb.screenshot("exercise-correct-2-answered",
                  element=nb.page.locator(".jp-Notebook .jp-Cell").nth(answer["index"]))

    # Validate grades what can be graded; the written answer is still the placeholder
    outcome, text = nb.validate()
    nb.screenshot("exercise-correct-3-validate-no-written-answer")
    assert outcome == "validation-failed", text
    assert text.count("The following cell failed:") == len(ROLES["written"]) == 2, text
    assert "YOUR ANSWER HERE" in text and "You did not provide a response." in text
    nb.close_dialog()

    for cell_id in ROLES["written"]:
        nb.type_into(cell_id, _solution(cell_id))
    written = _solution(ROLES["written"][-1])
    outcome, text = nb.validate()
    nb.screenshot("exercise-correct-4-validate")
    assert outcome == "validation-success", text
    assert "Success! Your notebook passes all the tests." in text
    nb.close_dialog()
    # what was validated is what the student typed, saved by Validate
    saved = {c["id"]: "".join(c["source"])
             for c in json.loads((nb.server.course / correct_rules_copy).read_text())["cells"]}
    for cell_id in ROLES["answers"] + ROLES["written"]:
        assert saved[cell_id] == _solution(cell_id), cell_id
    assert saved[ROLES["written"][-1]] == written
