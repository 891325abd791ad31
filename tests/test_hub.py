"""A real JupyterHub with nbgrader's exchange, end to end (README › Grading › 2. Distribute).

JupyterHub (tests/requirements.txt) and configurable-http-proxy (npm, installed into a cache folder
when missing: tests/hub/proxy.py) run on this machine with local Unix accounts made for the test:
one instructor and three students, each with a clone of the course and a JupyterLab server started
through the hub's REST API, running as that account in the course's .venv/. Then, as the README
tells them:
* the instructor releases exercise 00 (`nbgrader release_assignment`, in a terminal of their server);
* each student fetches it from the Assignment List and works in their clone: ada writes the
  reference rule (solutions/rules.py) and answers both questions, bob the same with a sign error in
  `gd`, cy leaves everything as released; each hands in with `python3 course.py submit
  00_gradient_descent --exchange` in a terminal of their server;
* the instructor grades with `python3 course.py grade 00_gradient_descent --exchange` and
  releases the feedback (`nbgrader release_feedback`);
* each student fetches their feedback from the Assignment List and it shows their score.

Skipped where the hub cannot run (not root, no useradd, no npm, no JupyterHub), with the reason;
with DESCENT_REQUIRE_HUB=1 (CI: .ci/run) that is a failure instead.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets

import nbformat
import pytest
from conftest import ROOT

from hub import deployment

pytestmark = pytest.mark.slow

REQUIRED = os.environ.get("DESCENT_REQUIRE_HUB", "") not in ("", "0")
EXERCISE = "00_gradient_descent"
NOTEBOOK = f"descent/exercises/{EXERCISE}/{EXERCISE}.ipynb"
REFERENCE = (ROOT / "solutions" / "rules.py").read_text()
SIGN_ERROR = REFERENCE + '''

@with_state()
def gd(theta, g, state, *, eta):
    return theta + eta * g, {}  # sign error
'''
INSTRUCTOR_PANELS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                     "@jupyter/nbgrader:course-list"]
#: what students use on a hub: Validate, the Assignment List and the Nbgrader menu that opens it
#: (holding only the Assignment List: its other entries' commands are the instructor panels')
STUDENT_PLUGINS = ["@jupyter/nbgrader:validate-assignment", "@jupyter/nbgrader:assignment-list",
                   "@jupyter/nbgrader:menu"]

_tag = secrets.token_hex(2)  # account names no one else on the machine has
TEACHER = f"dh{_tag}-teacher"
ADA, BOB, CY = (f"dh{_tag}-{name}" for name in ("ada", "bob", "cy"))
STUDENTS = [ADA, BOB, CY]


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


SOURCE = nbformat.read(ROOT / "solutions" / "assignments" / EXERCISE / f"{EXERCISE}.ipynb", as_version=4)
#: points of the checks and numeric answers, and of the answers graded by hand
AUTO_POINTS = sum(_nbgrader(c).get("points", 0) for c in SOURCE.cells
                  if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution"))
MANUAL_POINTS = sum(_nbgrader(c).get("points", 0) for c in SOURCE.cells
                    if _nbgrader(c).get("grade") and _nbgrader(c).get("solution"))


def solved_notebook() -> dict:
    """The released exercise with every answer cell as the solution notebook has it."""
    answers = {_nbgrader(c).get("grade_id"): c.source for c in SOURCE.cells if _nbgrader(c).get("solution")}
    nb = nbformat.read(ROOT / "exercises" / EXERCISE / f"{EXERCISE}.ipynb", as_version=4)
    for cell in nb.cells:
        if _nbgrader(cell).get("solution"):
            cell.source = "\n".join(line for line in answers[_nbgrader(cell)["grade_id"]].splitlines()
                                    if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)
    return json.loads(nbformat.writes(nb))


@pytest.fixture(scope="module")
def hub():
    why = deployment.problem()
    if why:
        message = (f"JupyterHub test: {why}. DESCENT_REQUIRE_HUB=1 (set by .ci/run) turns this skip "
                   "into a failure.")
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    h = deployment.Hub.create()
    try:
        h.install()
        for user in [TEACHER, *STUDENTS]:
            h.add_user(user)
        h.start(admins=[TEACHER])
        h.start_servers([TEACHER, *STUDENTS])
        yield h
    finally:
        left = h.close()
        if left:
            print("Hub clean-up:", *left, sep="\n  ")


def in_terminal(hub, user: str, command: str) -> str:
    """Run a command in the course folder, in a terminal of `user`'s server; what it showed.
    Fails the test on a non-zero exit status."""
    status, shown = hub.terminal(user, f"cd ~/descent && {command}")
    assert status == 0, f"{user}: `{command}` exited {status}:\n{shown}"
    return shown


def assignment_list(hub, user: str, action: str | None = None) -> list[dict]:
    """The Assignment List's entries for the course (after `action`: fetch, fetch_feedback)."""
    if action:
        reply = hub.server(user, "POST", f"/assignments/{action}",
                           {"course_id": "descent", "assignment_id": EXERCISE})
    else:
        reply = hub.server(user, "GET", "/assignments?course_id=descent")
    assert reply.status == 200, f"{user}: Assignment List {action or 'list'}: {reply.status} {reply.text}"
    listed = reply.json()
    assert listed["success"], f"{user}: Assignment List {action or 'list'}: {listed['value']}"
    return [a for a in listed["value"] if a["assignment_id"] == EXERCISE]


def validate(hub, user: str) -> dict:
    """nbgrader's Validate button on the exercise: the validator's result."""
    reply = hub.server(user, "POST", "/assignments/validate", {"path": NOTEBOOK}, timeout=300)
    assert reply.status == 200, f"{user}: Validate: {reply.status} {reply.text}"
    result = reply.json()
    assert result["success"], f"{user}: Validate failed to run: {result['value']}"
    return result["value"]


@pytest.fixture(scope="module")
def course_run(hub):
    """The whole cycle, as the README gives it; what each step showed."""
    run = {"release": in_terminal(hub, TEACHER, f"nbgrader release_assignment {EXERCISE}")}
    run["fetched"] = {s: assignment_list(hub, s, "fetch") for s in STUDENTS}
    for student, rules in ((ADA, REFERENCE), (BOB, SIGN_ERROR)):
        hub.write_file(student, "descent/lib/descent/rules.py", rules)
        hub.write_notebook(student, NOTEBOOK, solved_notebook())
    run["validated"] = {s: validate(hub, s) for s in (ADA, CY)}
    run["submit"] = {s: in_terminal(hub, s, f"python3 course.py submit {EXERCISE} --exchange")
                     for s in STUDENTS}
    run["grade"] = in_terminal(hub, TEACHER, f"python3 course.py grade {EXERCISE} --exchange")
    run["release_feedback"] = in_terminal(hub, TEACHER, f"nbgrader release_feedback {EXERCISE}")
    run["grades"] = {row["student"]: row for row in csv.DictReader(io.StringIO(
        hub.read_file(TEACHER, f"descent/grading/grades_{EXERCISE}.csv")))}
    run["feedback"] = {}
    for student in STUDENTS:
        listed = assignment_list(hub, student, "fetch_feedback")
        submissions = [s for a in listed if a["status"] == "submitted" for s in a["submissions"]]
        assert submissions and submissions[-1]["has_local_feedback"], (
            f"{student}: no feedback after Fetch Feedback: {listed}\nThe instructor's "
            f"release_feedback showed:\n{run['release_feedback']}\ngrade showed:\n{run['grade']}")
        run["feedback"][student] = hub.read_file(
            student, f"{submissions[-1]['local_feedback_path']}/{EXERCISE}.html")
    return run


def lab_page_config(hub, user: str) -> dict:
    """The page config JupyterLab gives the browser (its extensions, and which are disabled)."""
    reply = hub.server(user, "GET", "/lab")
    assert reply.status == 200, f"{user}: /lab: {reply.status}"
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      reply.text, re.S)
    assert found, f"{user}: no page config in JupyterLab's page"
    return json.loads(found[1])


@pytest.mark.parametrize("user", [ADA, TEACHER])
def test_every_user_keeps_validate_and_has_the_assignment_list_but_no_formgrader(hub, user):
    config = lab_page_config(hub, user)
    assert "@jupyter/nbgrader" in [e["name"] for e in config["federated_extensions"]]
    disabled = config["disabledExtensions"]
    assert not set(STUDENT_PLUGINS) & set(disabled), disabled
    assert set(INSTRUCTOR_PANELS) <= set(disabled), disabled
    # the server side agrees: the Assignment List answers, the formgrader does not exist
    assert hub.server(user, "GET", "/assignments?course_id=descent").status == 200
    assert hub.server(user, "GET", "/formgrader").status == 404


def test_the_released_exercise_is_in_each_students_clone(course_run):
    for student, listed in course_run["fetched"].items():
        assert [(a["status"], a["path"]) for a in listed] == [
            ("fetched", f"descent/exercises/{EXERCISE}")], (student, listed)


def test_validate_passes_the_right_work_and_names_what_is_missing(course_run):
    ada, cy = course_run["validated"][ADA], course_run["validated"][CY]
    assert not ada.get("failed") and not ada.get("changed"), ada
    assert cy.get("failed"), cy
    # the first failure is the untouched rule, with the stub's message (its lib is cy's own)
    assert cy["failed"][0]["source"] == 'checks.check_rule(rules.gd, "gd")', cy["failed"][0]
    assert "`gd` is not implemented yet: write it in lib/descent/rules.py." in cy["failed"][0]["error"]


def test_students_hand_in_with_the_course_command(course_run):
    for student, shown in course_run["submit"].items():
        assert f"Submitted {EXERCISE} (notebook and rules.py) through nbgrader's exchange." in shown
    assert "still the stub" in course_run["submit"][CY]
    assert "still the stub" not in course_run["submit"][ADA]


def points(text: str) -> float:
    return float(text) if text else float("nan")


def test_the_instructor_grades_the_exchange_with_the_course_command(course_run):
    assert f"Grading {EXERCISE}: 3 students" in course_run["grade"]
    rows = course_run["grades"]
    assert sorted(rows) == sorted(STUDENTS)
    assert {s: row["status"] for s, row in rows.items()} == dict.fromkeys(STUDENTS, "graded")
    assert {points(row["auto_max"]) for row in rows.values()} == {AUTO_POINTS}
    # the reference rule and the solution's answers: every automatic point, the written ones pending
    assert (points(rows[ADA]["auto_score"]), points(rows[ADA]["manual_pending"])) == (AUTO_POINTS, MANUAL_POINTS)
    # the same answers with a sign error in gd: its checks fail, what does not use gd stands
    assert 0 < points(rows[BOB]["auto_score"]) < AUTO_POINTS
    assert points(rows[BOB]["manual_pending"]) == MANUAL_POINTS
    # nothing done: nothing scored, nothing pending (the answers are as released)
    assert (points(rows[CY]["score"]), points(rows[CY]["manual_pending"]), rows[CY]["final"]) == (0, 0, "yes")


def test_each_student_fetches_feedback_with_their_score(course_run):
    rows, feedback = course_run["grades"], course_run["feedback"]
    for student in (ADA, BOB):
        row = rows[student]
        heading = (f"{EXERCISE} (Score: {row['auto_score']} / {row['auto_max']} automatic, "
                   f"{row['manual_pending']} pending)")
        assert heading in feedback[student], (student, re.findall(r"<h4>.*?</h4>", feedback[student]))
    assert "sign error" in feedback[BOB] and "sign error" not in feedback[ADA]
    total = float(rows[CY]["max_score"])
    assert f"{EXERCISE} (Score: 0.0 / {total:.1f})" in feedback[CY], re.findall(r"<h4>.*?</h4>", feedback[CY])
    for page in feedback.values():
        assert "HIDDEN TESTS" not in page
