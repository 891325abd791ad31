"""Every lecture and solution notebook runs; untouched exercises fail their checks as they
should; nbgrader's Validator passes every solution notebook. Each notebook executes once: the
Validator's own execution is the one whose outputs are checked."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from descent_instructor.paths import solution_notebook
from descent_instructor.release import RUNS_ON
from conftest import BUILT, ROOT, error_outputs, execute

pytestmark = pytest.mark.slow

#: the widest line a lecture may print: JupyterLab in a 1400-pixel window with its file browser
#: open shows about 95 characters of output, and wraps a longer line in the middle of a number
WIDEST = 90


def _shown_text(output) -> str:
    """The text JupyterLab shows for an output: a stream's, or a result's that has nothing richer
    (a figure, a widget) to show instead."""
    data = output.get("data", {})
    return output.get("text") or (data["text/plain"] if list(data) == ["text/plain"] else "")


def printed_lines(nb) -> list[tuple[str, str]]:
    """(cell id, line) of every line of text the code cells show."""
    return [(c.get("id"), line) for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) for line in _shown_text(o).splitlines()]


@pytest.fixture(scope="module")
def lectures_run():
    """Every lecture, executed two at a time (each in its own kernel: on two cores this halves the
    wait; the tests below take their lecture's result as it comes). Default environment:
    lib/descent/rules.py holds the stubs, as for a new student."""
    pool = ThreadPoolExecutor(max_workers=2)
    yield {t.slug: pool.submit(execute, ROOT / t.lecture) for t in BUILT}
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("topic", BUILT, ids=lambda t: t.slug)
def test_lecture_runs_without_error_before_any_rule_is_written_and_its_tables_fit(topic, lectures_run):
    nb = lectures_run[topic.slug].result()
    assert error_outputs(nb) == []
    wide = [f"{cell} ({len(line)}): {line}" for cell, line in printed_lines(nb) if len(line) > WIDEST]
    assert not wide, f"lines over {WIDEST} characters wrap in JupyterLab:\n" + "\n".join(wide)


def validate(path, monkeypatch, env: dict | None):
    """nbgrader's Validator (the Validate button) on ``path``, its kernel in ``env`` (this
    process's environment plus these variables, or without the instructor lib). Returns the
    Validator's verdict and the notebook as it executed it: each notebook runs once per suite."""
    from nbgrader.validator import Validator

    for key in ("PYTHONPATH", "DESCENT_REFERENCE_RULES"):
        monkeypatch.delenv(key, raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)

    class Keeping(Validator):
        executed = None

        def _preprocess(self, nb):
            self.executed = super()._preprocess(nb)
            return self.executed

    validator = Keeping()
    return validator.validate(str(path)), validator.executed


@pytest.mark.parametrize("topic", BUILT, ids=lambda t: t.slug)
def test_solution_notebook_runs_and_validates(topic, instructor_lib, monkeypatch):
    result, nb = validate(solution_notebook(topic.slug), monkeypatch, instructor_lib)
    assert not result.get("failed") and not result.get("mismatch_changed"), result
    assert error_outputs(nb) == []
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))
    for rule in topic.rules:
        assert f"✓ {rule} matches the reference values" in printed
        assert f"✓ {rule} has the expected properties" in printed
    for schedule in topic.schedules:  # a schedule has values, no properties
        assert f"✓ {schedule} matches the reference values" in printed


def _only_comments(source: str) -> bool:
    """A test cell whose checks are all hidden: the student's copy holds a comment only."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in source.splitlines())


@pytest.mark.parametrize("topic", BUILT, ids=lambda t: t.slug)
def test_untouched_exercise_fails_validation_with_the_helpful_message(topic, monkeypatch):
    # default environment: lib/descent/rules.py holds the stubs, as for a new student
    result, nb = validate(ROOT / topic.exercise, monkeypatch, None)
    assert result.get("failed"), "an untouched exercise should not validate"
    errors = dict(error_outputs(nb))
    visible_tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
                     and c.cell_type == "code" and not _only_comments(c.source)]
    assert visible_tests
    for cell in visible_tests:
        assert cell.id in errors, f"test cell {cell.id} passed on an untouched exercise"
    assert len(result["failed"]) >= len(visible_tests), result["failed"]  # the tag changes no grade
    # JupyterLab's Run All stops at the first error of a cell without the tag (the release adds it)
    untagged = [c.id for c in nb.cells if c.id in errors and RUNS_ON not in c.metadata.get("tags", [])]
    assert not untagged, f"Run All would stop at {untagged[0]}: no {RUNS_ON!r} tag"
    # a failed check shows its message alone: none of the checker's own frames
    for cell in visible_tests:
        for out in cell.outputs:
            if out.get("output_type") == "error" and out["ename"] == "RuleCheckFailed":
                shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(out["traceback"]))
                assert shown == f"RuleCheckFailed: {out['evalue']}", shown
    for rule in topic.names:
        message = next(e for e in errors.values() if f"`{rule}` is not implemented yet" in e)
        assert "not implemented yet" in message and topic.lecture in message
        assert topic.exercise in message and "lib/descent/rules.py" in message
    # the widget cell still works: it shows the reference and says why yours is missing
    widget = next(c for c in nb.cells if c.id.endswith("-widget"))
    assert not any(o.get("output_type") == "error" for o in widget.outputs)
