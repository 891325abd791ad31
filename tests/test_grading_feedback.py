"""What the grading command tells students and the instructor, stage by stage and without a kernel
(tests/test_grading.py checks the same on a whole simulated class, graded for real):

* feedback pages show the student's own file names, never the grader's folders;
* a cell stopped at the time limit says so, with the limit and the line it was running;
* a written answer not graded yet is pending (page, CSV, summary line), never 0 / 2;
* the class view: each check's failures named by mistake, counted, with who.
"""
from __future__ import annotations

import csv
import sysconfig
from pathlib import Path

import nbformat
import pytest
from descent_instructor.grading import classview
from descent_instructor.grading.feedback import (HideHiddenTests, limit_seconds, mark_pending,
                                                 shown_paths, timeout_message)
from descent_instructor.grading.report import CSV_COLUMNS, final, line, summary, write_csv
from descent_instructor.grading.student import Student
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

COURSE = "/home/prof/descent"
MINE = f"{COURSE}/grading/autograded/ada/01_momentum"
LIB = f"{COURSE}/grading/work/students/ada/env"
PURELIB = sysconfig.get_paths()["purelib"]


# -- the grader's paths ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, shown", [
    (f"at {MINE}/rules.py, line 5: return theta", "at rules.py, line 5: return theta"),
    (f'File "{LIB}/descent/checks.py", line 179, in run_case', 'File "descent/checks.py", line 179, in run_case'),
    (f"\x1b[32m{MINE}/rules.py:87\x1b[39m", "\x1b[32mrules.py:87\x1b[39m"),
    (f"open on {COURSE}/solutions/rules.py refused", "open on solutions/rules.py refused"),
    (f"{PURELIB}/numpy/_core/fromnumeric.py:99", "numpy/_core/fromnumeric.py:99"),
    ("/tmp/descent-grading-x1y2/ipykernel_12/3.py", "ipykernel_12/3.py"),
    (f"cwd is {COURSE}", "cwd is ."),
    (f"open on {COURSE}/grading/autograded/bo/01_momentum/rules.py refused",
     "open on <another student's folder>/01_momentum/rules.py refused"),
    (f"{COURSE}/grading/submitted/bo", "<another student's folder>/"),
    (f"{COURSE}-old/notes.txt", f"{COURSE}-old/notes.txt"),  # another folder: not a path inside it
])
def test_feedback_shows_paths_as_the_student_knows_them(text, shown):
    assert shown_paths(text, {MINE: "", COURSE: "", PURELIB: ""}) == shown


def test_a_grading_lib_is_recognised_without_being_named():
    """A notebook graded earlier (its sandbox gone) still shows the lib's files as the lib's."""
    other = "/srv/x/grading/work/students/bo/env/descent/checks.py:12"
    assert shown_paths(other, {}) == "descent/checks.py:12"


def error(ename: str, evalue: str, traceback: list[str] | None = None):
    return new_output("error", ename=ename, evalue=evalue,
                      traceback=traceback if traceback is not None else [f"{ename}: {evalue}"])


def run_feedback_step(nb, timeout=None, folders=None):
    config = Config()
    config.CourseDirectory.root = COURSE
    if timeout:
        config.HideHiddenTests.timeout = timeout
    step = HideHiddenTests(config=config, shown_paths=folders or {LIB: ""})
    nb, _ = step.preprocess(nb, {"metadata": {"path": MINE}, "nbgrader": {}})
    return nb


def test_every_output_of_the_feedback_is_cleaned_of_the_graders_paths():
    cell = new_code_cell("checks.check_rule(rules.momentum, 'momentum')")
    cell.outputs = [
        new_output("stream", name="stdout", text=f"reading {MINE}/rules.py\n"),
        error("RuleCheckFailed", f"`momentum` raised ZeroDivisionError: division by zero\n"
                                 f"  at {MINE}/rules.py, line 9: return theta / 0"),
        error("ZeroDivisionError", "division by zero",
              [f"File {LIB}/descent/checks.py:179, in run_case", f"File {MINE}/rules.py:9, in momentum"]),
    ]
    nb = run_feedback_step(new_notebook(cells=[cell]))
    text = repr(nb.cells[0].outputs)
    assert COURSE not in text and "grading/" not in text and "/work/students/" not in text
    assert "at rules.py, line 9" in nb.cells[0].outputs[1]["evalue"]
    assert nb.cells[0].outputs[2]["traceback"] == ["File descent/checks.py:179, in run_case",
                                                   "File rules.py:9, in momentum"]


def test_prints_split_by_the_kernel_are_one_output_on_the_page():
    """The kernel may send two prints as one message or two (timing): the page is the same."""
    cell = new_code_cell("print(1); print(2)")
    cell.outputs = [new_output("stream", name="stdout", text="✓ one\n"),
                    new_output("stream", name="stdout", text="✓ two\n"),
                    new_output("stream", name="stderr", text="warn\n"),
                    new_output("stream", name="stdout", text="three\n")]
    nb = run_feedback_step(new_notebook(cells=[cell]))
    assert [(o["name"], o["text"]) for o in nb.cells[0].outputs] == [
        ("stdout", "✓ one\n✓ two\n"), ("stderr", "warn\n"), ("stdout", "three\n")]


# -- a cell stopped at the time limit ----------------------------------------------------------------
def timed_out_cell(evalue: str):
    """The outputs nbgrader leaves: the kernel's KeyboardInterrupt, then its own CellTimeoutError."""
    cell = new_code_cell('checks.check_rule(rules.momentum_ema, "momentum_ema")')
    cell.outputs = [
        new_output("stream", name="stdout", text="started\n"),
        error("KeyboardInterrupt", "", [
            "\x1b[31mKeyboardInterrupt\x1b[39m                         Traceback (most recent call last)",
            f"\x1b[36mFile \x1b[39m\x1b[32m{LIB}/descent/rules.py:18\x1b[39m",
            f"\x1b[36mFile \x1b[39m\x1b[32m{LIB}/descent/checks.py:179\x1b[39m, in \x1b[36mrun_case\x1b[39m",
            f"\x1b[36mFile \x1b[39m\x1b[32m{MINE}/rules.py:87\x1b[39m, in \x1b[36mmomentum_ema\x1b[39m",
            "\x1b[31mKeyboardInterrupt\x1b[39m: "]),
        error("CellTimeoutError", evalue, ["\x1b[0;31mCellTimeoutError\x1b[0m: ..."]),
    ]
    return cell


def test_a_timed_out_cell_says_so_in_plain_words_with_the_limit_and_the_line():
    nb = run_feedback_step(new_notebook(cells=[timed_out_cell(
        "the cell ran longer than the 120 s limit and was stopped")]))
    outputs = nb.cells[0].outputs
    assert [o.get("ename") for o in outputs] == [None, "CellTimeoutError"]  # the interrupt is gone
    said = "\n".join(outputs[1]["traceback"])
    assert said.startswith("\x1b[0;31mTime limit\x1b[0m: This cell ran longer than the 120 s limit "
                           "and was stopped: a rule this slow cannot be checked.")
    assert "line 87 of your rules.py (in momentum_ema)" in said
    assert "KeyboardInterrupt" not in repr(outputs) and COURSE not in repr(outputs)


def test_the_limit_comes_from_the_error_else_from_the_configuration():
    assert limit_seconds("the cell ran longer than the 6 s limit and was stopped") == 6
    assert limit_seconds("") is None
    nb = run_feedback_step(new_notebook(cells=[timed_out_cell("")]), timeout=45)
    assert "longer than the 45 s limit" in nb.cells[0].outputs[1]["evalue"]
    assert "the time limit for a cell" in timeout_message(None)


def test_the_grading_configuration_names_the_limit_where_a_cell_times_out():
    from descent_instructor.grading.run import nbgrader_config

    from conftest import ROOT

    config = nbgrader_config(ROOT, 6)
    assert config.Execute.error_on_timeout["evalue"] == "the cell ran longer than the 6 s limit and was stopped"
    assert config.HideHiddenTests.timeout == 6
    assert nbgrader_config(ROOT, None).HideHiddenTests.timeout == 120  # nbgrader_config.py's


# -- written answers not graded yet --------------------------------------------------------------------
def nbgrader_page(tmp_path: Path, written_score: float = 0.0) -> Path:
    """A feedback page as nbgrader's own feedback template writes it (GetGrades' metadata)."""
    import nbgrader
    from nbconvert import HTMLExporter

    def graded(cell, grade_id, points, score, solution=False):
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": points,
                                     "score": score, "solution": solution, "locked": not solution}
        return cell

    nb = new_notebook(cells=[graded(new_code_cell("checks.check_rule(rules.momentum, 'momentum')"),
                                    "01-momentum-reference", 13, 13),
                             graded(new_markdown_cell("Momentum coasts across."), "01-written", 2,
                                    written_score, solution=True)])
    formgrader = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    exporter = HTMLExporter(  # as nbgrader's GenerateFeedback configures it
        template_name="feedback", extra_template_basedirs=[str(formgrader / "templates")],
        extra_template_paths=[str(formgrader / "static" / "node_modules" / "bootstrap" / "dist" / "css")])
    body, _ = exporter.from_notebook_node(nb, resources={"nbgrader": {
        "notebook": "01_momentum", "score": 13 + written_score, "max_score": 15, "late_penalty": 0}})
    page = tmp_path / "01_momentum.html"
    page.write_text(body, "utf-8")
    return page


def test_a_written_answer_not_graded_yet_is_pending_on_the_page(tmp_path):
    page = nbgrader_page(tmp_path)
    assert "Written response</a> (Score: 0.0 / 2.0)" in page.read_text()  # nbgrader's own page
    assert mark_pending(page, {"01-written": 2.0})
    text = page.read_text()
    assert "(Score: 0.0 / 2.0)" not in text and "Score: 0.0 / 2.0" not in text
    assert "<h4>01_momentum (Score: 13 / 13 automatic, 2 pending)</h4>" in text
    assert 'Written response</a>: not graded yet (2 points)</li>' in text  # the contents
    assert "Not graded yet (2 points): graded by hand" in text             # the answer's heading
    assert "Your written answer is not graded yet (2 points)" in text
    assert "Score: 13.0 / 13.0" in text  # the checks' own scores are untouched


def test_once_graded_by_hand_the_page_is_nbgraders(tmp_path):
    page = nbgrader_page(tmp_path, written_score=1.5)
    before = page.read_text()
    assert mark_pending(page, {}) and page.read_text() == before
    assert "(Score: 14.5 / 15.0)" in before


def test_an_unknown_page_still_says_what_is_pending(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Score: 0 / 2</p></body></html>")
    assert not mark_pending(page, {"01-written": 2.0})
    assert "<body><p class=\"pending-note\"><b>Your written answer is not graded yet (2 points)" in page.read_text()


def test_the_csv_and_the_summary_say_a_score_is_not_final_while_answers_wait(tmp_path):
    waiting = Student("ada", status="graded", score=13.0, auto=(13.0, 13.0), manual_pending=2.0, max_score=15.0)
    done = Student("bo", status="graded", score=14.5, auto=(13.0, 13.0), max_score=15.0)
    died = Student("cy", status="INCOMPLETE: kernel died", score=None, auto=(0.0, 13.0), max_score=15.0)
    assert (final(waiting), final(done), final(died)) == (False, True, False)
    assert "13/13 auto, 2 pending" in line(waiting)
    assert "13/13 auto, 14.5/15 total" in line(done)
    assert "no score" in line(died)
    path = write_csv(tmp_path / "grades.csv", "01_momentum", [waiting, done, died])
    with path.open() as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert list(rows["ada"]) == CSV_COLUMNS
    assert [(rows[s]["score"], rows[s]["final"], rows[s]["manual_pending"]) for s in ("ada", "bo", "cy")] == [
        ("13", "no", "2"), ("14.5", "yes", "0"), ("", "no", "")]
    said = summary("01_momentum", [waiting, done, died], [], "grades.csv", "feedback/")
    assert "1 student with written answers pending: their scores are not final (CSV: final = no)" in said


# -- the class view --------------------------------------------------------------------------------------
@pytest.mark.parametrize("ename, evalue, named", [
    ("RuleCheckFailed", "`momentum` differs from the reference at step t = 1, in the parameters θ:\n"
     "  in case “one number”\n  expected θ_1 = 0.3\n  This matches a well-known mistake — sign error: the step goes "
     "uphill.", "sign error"),
    ("RuleCheckFailed", "`momentum` modified its input state['v'] (known mistake: modified input).\n"
     "  It changed state['v'] at step t = 1 in case “vector of 3”.", "modified input"),
    ("RuleCheckFailed", "`momentum` raised ZeroDivisionError at step t = 2:\n  division by zero",
     "raised ZeroDivisionError"),
    ("RuleCheckFailed", "`momentum` is not implemented yet. Read lectures/01_momentum.ipynb", "not implemented yet"),
    ("RuleCheckFailed", "`momentum`: new_theta at step t = 1 has shape (1,) (wrong shape).\n  It should have "
     "shape (), the shape of theta", "wrong shape"),
    ("RuleCheckFailed", "`momentum` differs from the reference at step t = 4, in state['v']:\n"
     "  in case “graded: 3 runs”\n  expected", "differs from the reference, in state['v']"),
    ("RuleCheckFailed", "`momentum` with alpha = 0 should be plain gradient descent:\n  θ_t = θ_{t−1} − η·g_t, "
     "but at step t = 1 it gives [1.0, 2.0] instead of [0.5, 1.5] (η = 0.1).",
     "with alpha = 0 should be plain gradient descent"),
    ("RuleCheckFailed", "`momentum`: with a constant gradient, steps should settle to −η/(1−α)·g.\n  With g_t",
     "with a constant gradient, steps should settle to −η/(1−α)·g"),
    ("RuleCheckFailed", "`momentum`: state['v'] at step t = 1 is a Python list.\n  The contract asks",
     "state['v'] is a Python list"),
    ("CellTimeoutError", "the cell ran longer than the 6 s limit and was stopped", "timed out"),
    ("AssertionError", "terminal_step = 0.19; the limit is η·g/(1−α) = 0.2", "AssertionError: terminal_step = x"),
    ("NameError", "name 'eta_ema' is not defined", "NameError: name 'eta_ema' is not defined"),
])
def test_a_failure_is_named_by_its_mistake(ename, evalue, named):
    assert classview.mistake(ename, evalue) == named


def check(grade_id, points, *errors):
    cell = new_code_cell(f"check('{grade_id}')")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": points,
                                 "solution": False, "locked": True}
    cell.outputs = list(errors)
    return cell


SIGN = error("RuleCheckFailed", "`momentum` differs from the reference at step t = 1, in the "
             "parameters θ:\n  in case “a”\n  This matches a well-known mistake — sign error: uphill.")


def graded_notebook(*checks, setup_error=None):
    setup = new_code_cell("from descent import rules, checks\nimport numpy as np")
    setup.metadata["nbgrader"] = {"grade": False, "grade_id": "setup", "locked": True, "solution": False}
    if setup_error:
        setup.outputs = [setup_error]
    answer = new_code_cell("terminal_step = 0.2\nraise NotImplementedError()")
    answer.metadata["nbgrader"] = {"grade": False, "grade_id": "values", "solution": True, "locked": False}
    answer.outputs = [error("NotImplementedError", "")]
    return new_notebook(cells=[setup, *checks[:2], answer, *checks[2:]])


def test_each_check_is_passed_or_failed_by_a_named_mistake():
    nb = graded_notebook(check("ref", 3, SIGN), check("props", 2),
                         check("values", 2, error("NameError", "name 'terminal_step' is not defined")))
    assert classview.failures(nb) == {"ref": "sign error", "props": None,
                                      "values": "NameError: name 'terminal_step' is not defined"}
    broken = graded_notebook(check("ref", 3, error("NameError", "name 'checks' is not defined")),
                             setup_error=error("PermissionError", "Descent grading: open on solutions/x refused"))
    assert classview.failures(broken) == {"ref": "setup failed: PermissionError: Descent grading"}


def test_the_class_view_counts_who_made_which_mistake(tmp_path):
    autograded = tmp_path / "autograded"
    notebooks = {
        "ada": graded_notebook(check("ref", 3), check("props", 2)),
        "bo": graded_notebook(check("ref", 3, SIGN), check("props", 2, error("RuleCheckFailed", "`momentum` "
                              "with alpha = 0 should be plain gradient descent, but at step t = 1 it gives"))),
        "cy": graded_notebook(check("ref", 3, SIGN), check("props", 2)),
        "di": graded_notebook(check("ref", 3, error("KeyboardInterrupt", ""), error("CellTimeoutError", "")),
                              check("props", 2)),
        "ed": graded_notebook(check("ref", 3, SIGN), check("props", 2)),  # INCOMPLETE: not counted
    }
    for sid, nb in notebooks.items():
        (autograded / sid / "01_momentum").mkdir(parents=True)
        nbformat.write(nb, autograded / sid / "01_momentum" / "01_momentum.ipynb")
    grades = tmp_path / "grades.csv"
    with grades.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for sid in ("ada", "bo", "cy", "di", "fi"):  # fi: nothing graded (no notebook)
            w.writerow([sid, "01_momentum", "graded", "0", "no", "15", "0", "13", "0", "", ""])
        w.writerow(["ed", "01_momentum", "INCOMPLETE: kernel died", "", "no", "15", "", "13", "", "", ""])
    view = classview.class_view("01_momentum", grades, autograded)
    assert view.counted == ["ada", "bo", "cy", "di"]
    assert view.left_out == {"ed": "INCOMPLETE: kernel died", "fi": "nothing graded"}
    assert view.mistakes() == [("sign error", ["bo", "cy"], ["ref"]),
                               ("timed out", ["di"], ["ref"]),
                               ("with alpha = 0 should be plain gradient descent", ["bo"], ["props"])]
    assert view.named == {"sign error"} and view.passed("ref") == 1 and view.passed("props") == 3
    csv_path, html_path = classview.write(view, tmp_path)
    assert (csv_path.name, html_path.name) == ("class_01_momentum.csv", "class_01_momentum.html")
    with csv_path.open() as f:
        rows = list(csv.reader(f))
    assert rows == [classview.CLASS_COLUMNS, ["ref", "3", "sign error", "2", "4", "bo cy"],
                    ["ref", "3", "timed out", "1", "4", "di"],
                    ["props", "2", "with alpha = 0 should be plain gradient descent", "1", "4", "bo"]]
    page = html_path.read_text()
    assert "<td>sign error <i>(well-known)</i></td><td class=n>2 of 4</td><td>bo, cy</td>" in page
    assert "ed (INCOMPLETE: kernel died); fi (nothing graded)" in page
    lines = classview.top_lines(view)
    assert lines[0].startswith("sign error") and lines[0].endswith("2 of 4: bo, cy  (well-known mistake)")
