"""A simulated class for every exercise but 01 (tests/test_grading.py grades exercise 01's large
class): one student per known mistake of each rule in the topic's spec, each handing in rules.py
with that one mistake (and the reference for every other rule), and one student with every rule
right. Graded by the real command, two at a time; every mistaken student's feedback names their
mistake, their rule checks fail where the right student's pass, and nobody else's do.

The mistaken rule is the spec's own code for the mistake (its function's source, renamed to the
rule), or for the mistakes every rule shares (descent_instructor.spec.common) the same wrong rule
written out as a student would: a wrapper around their otherwise right rule."""
from __future__ import annotations

import csv
import inspect
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from descent_instructor import topics
from conftest import BUILT, ROOT, env_with
from test_grading import copy_course

from descent import submit

pytestmark = pytest.mark.slow

REFERENCE = (ROOT / "solutions" / "rules.py").read_text()
TIMEOUT = 20
#: the rules every spec's common mistakes stand for, as a student would write them (`_right` is
#: their otherwise right rule)
COMMON = {
    "gradient_sign": "return _right(theta, -np.asarray(g), state, **hyper)",
    "step_sign": "new_theta, new_state = _right(theta, g, state, **hyper)\n"
                 "return 2 * np.asarray(theta) - new_theta, new_state",
    "eta_left_out": 'return _right(theta, g, state, **{**hyper, "eta": 1.0})',
    "state_not_updated": "new_theta, _ = _right(theta, g, state, **hyper)\n"
                         "return new_theta, {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v)\n"
                         "                   for k, v in state.items()}",  # a step counter stays an int
    "t_off_by_one": "new_theta, new_state = _right(theta, g, {**state, COUNTER: state[COUNTER] - 1}, **hyper)\n"
                    "return new_theta, {**new_state, COUNTER: new_state[COUNTER] + 1}",
    # a schedule's (eta_t = schedule(t, **hyper)): counted from 0, as torch's LambdaLR calls it
    "schedule_t_off_by_one": "return _right(t - 1, **hyper)",
}
#: exercise 01 has its own class (tests/test_grading.py); exercise 02's mistakes are named by the
#: checks in tests/test_rules.py and graded as 01's are. Exercise 00 (three students) keeps this
#: machinery exercised; from Part II on every exercise gets its class (verified on 02 as well: 7
#: mistakes, each named).
CLASSES = [t for t in BUILT if t.slug == "00_gradient_descent" or t.slug >= "03"]


def mistaken_rules(rule: str, mistake, schedule: bool = False) -> str:
    """The reference rules.py with ``rule`` (or the schedule ``rule``) replaced by ``mistake``'s
    wrong version."""
    state = "" if schedule else f"{rule}.initial_state = _right.initial_state\n"
    if mistake.derived:
        kind = mistake.wrong.__qualname__.split(".")[1]          # common.<kind>.<locals>.make
        body = COMMON[kind]
        counter = inspect.getclosurevars(mistake.wrong).nonlocals.get("counter")
        if counter:
            body = body.replace("COUNTER", repr(counter))
        signature = "t, **hyper" if schedule else "theta, g, state, **hyper"
        return (f"{REFERENCE}\n\n_right = {rule}\n\n\ndef {rule}({signature}):\n"
                f"{textwrap.indent(body, '    ')}\n\n\n{state}")
    source = textwrap.dedent(inspect.getsource(mistake.wrong))
    source = re.sub(rf"\bdef {mistake.wrong.__name__}\(", f"def {rule}(", source)
    return f"{REFERENCE}\n\n_right = {rule}\n\n\n{source}\n" + (
        "" if schedule else f"if not hasattr({rule}, 'initial_state'):\n    {state}")


def students(slug: str) -> dict[str, tuple[str, str | None]]:
    """student id -> (rules.py, the mistake their feedback must name; None: all right)."""
    spec = topics.load(slug)
    out = {"right": (REFERENCE, None)}
    for rule in spec.rules:
        for i, mistake in enumerate(rule.mistakes):
            out[f"{rule.name}-{i}"] = (mistaken_rules(rule.name, mistake), mistake.name)
    for schedule in spec.schedules:
        for i, mistake in enumerate(schedule.mistakes):
            out[f"{schedule.name}-{i}"] = (mistaken_rules(schedule.name, mistake, schedule=True),
                                           mistake.name)
    return out


@pytest.fixture(scope="module", params=CLASSES, ids=lambda t: t.slug)
def graded(request, tmp_path_factory):
    topic = request.param
    slug = topic.slug
    course = copy_course(tmp_path_factory.mktemp(f"course-{slug}"))
    inbox = tmp_path_factory.mktemp(f"inbox-{slug}")
    released = nbformat.read(ROOT / topic.exercise, as_version=4)
    for student, (rules, _) in students(slug).items():
        home = inbox.parent / f"home-{slug}-{student}"
        (home / "exercises" / slug).mkdir(parents=True)
        (home / "lib" / "descent").mkdir(parents=True)
        nbformat.write(released, home / "exercises" / slug / f"{slug}.ipynb")
        (home / "lib" / "descent" / "rules.py").write_text(rules)
        submit.pack(slug, student, root=home, out=inbox)
    home = course.parent / "new-machine-home"
    home.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "descent_instructor.grade", slug, str(inbox), "--jobs", "2",
                           "--timeout", str(TIMEOUT)], capture_output=True, text=True, cwd=course,
                          env=env_with(HOME=str(home), DESCENT_COURSE_ROOT=str(course)))
    assert done.returncode == 0, done.stdout + done.stderr
    with (course / "grading" / f"grades_{slug}.csv").open(encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return topic, course, rows


def test_every_known_mistake_is_named_in_its_students_feedback(graded):
    topic, course, rows = graded
    slug = topic.slug
    right = float(rows["right"]["auto_score"])
    for student, (_, mistake) in students(slug).items():
        row = rows[student]
        assert row["status"] == "graded", row
        page = (course / "grading" / "feedback" / student / slug / f"{slug}.html").read_text()
        if mistake is None:
            continue
        assert mistake in page, f"{slug}, {student}: the feedback does not name “{mistake}”"
        assert float(row["auto_score"]) < right, f"{slug}, {student} scored as the right rules: {row}"


def test_the_right_rules_pass_every_rule_check(graded):
    topic, course, rows = graded
    nb = nbformat.read(course / "grading" / "autograded" / "right" / topic.slug / f"{topic.slug}.ipynb", 4)
    rule_checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
                   and "checks.check_" in c.source]
    assert rule_checks
    for cell in rule_checks:
        assert not [o for o in cell.outputs if o.get("output_type") == "error"], cell.id
