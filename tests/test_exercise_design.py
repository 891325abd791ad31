"""What an exercise asks for (COURSE_PATTERN's exercise, as README › "What an exercise asks" states it):
implementing the rules is at most 40% of the points; every written answer is worth 2 points and
comes with a two-point rubric the grader can apply; every part an exercise auto-grades beyond the
rule checks keeps its answer in the student's cell (a hidden test that can be failed), and the
exercise has the parts the pattern names: a derived number, an experiment, a diagnosis, a conversion
and what the explorer showed."""
from __future__ import annotations

import json
import re

import pytest
from descent_instructor.paths import solution_notebook
from conftest import BUILT

RULE_CHECKS = ("checks.check_rule(", "checks.check_properties(", "checks.check_against(",
               "checks.check_schedule(", "checks.check_schedule_against(")  # schedules are rules too
#: the parts every exercise has, by the words in its answer cells' ids
PARTS = {"an experiment with rollout": "-experiment", "a diagnosis from a log": "-diagnosis",
         "a conversion to torch's conventions": "-torch", "what the explorer showed": "-finding"}


def cells(topic):
    return json.loads(solution_notebook(topic.slug).read_text())["cells"]


def graded(topic):
    return [c for c in cells(topic) if c["metadata"].get("nbgrader", {}).get("grade")]


def is_rule_check(cell) -> bool:
    return any(call in "".join(cell["source"]) for call in RULE_CHECKS)


@pytest.mark.parametrize("topic", BUILT, ids=lambda t: t.slug)
def test_implementing_the_rules_is_at_most_40_percent_of_the_points(topic):
    points = {c["id"]: c["metadata"]["nbgrader"]["points"] for c in graded(topic)}
    rule = sum(p for cid, p in points.items() if is_rule_check(next(c for c in cells(topic) if c["id"] == cid)))
    assert rule > 0, "the rule checks earn points"
    assert rule <= 0.4 * sum(points.values()), f"{rule} of {sum(points.values())} points for implementing the rules"


@pytest.mark.parametrize("topic", BUILT, ids=lambda t: t.slug)
def test_every_written_answer_has_a_two_point_rubric_before_it(topic):
    nb = cells(topic)
    written = [i for i, c in enumerate(nb) if c["cell_type"] == "markdown"
               and c["metadata"].get("nbgrader", {}).get("solution") and c["metadata"]["nbgrader"].get("grade")]
    assert len(written) >= 2, "a diagnosis and an explanation, graded by hand"
    for i in written:
        assert nb[i]["metadata"]["nbgrader"]["points"] == 2
        question = "".join(nb[i - 1]["source"])
        rubric = re.search(r"\*\*Rubric \(2 points\)\.\*\*\s+1 point:\s(.+?)\s1 point:\s(.+)", question, re.S)
        assert rubric, f"{nb[i]['id']}: the question before it has no two-point rubric"
        model = "".join(nb[i]["source"])
        assert "### BEGIN SOLUTION" in model and len(model.split()) > 40, f"{nb[i]['id']}: a model answer"


@pytest.mark.parametrize("topic", BUILT, ids=lambda t: t.slug)
def test_the_exercise_asks_for_understanding_not_only_the_rule(topic):
    nb = cells(topic)
    ids = [c["id"] for c in nb]
    for part, suffix in PARTS.items():
        assert any(i.endswith(suffix) for i in ids), f"{topic.slug} has no {part} ({suffix})"
    # the experiment runs a roll-out, and its hidden test recomputes the answer without one
    experiment = "".join(next(c for c in nb if c["id"] == f"{topic.slug[:2]}-experiment")["source"])
    assert "rollout(" in experiment
    # every auto-graded answer beyond the rules is checked by a hidden test the student cannot see
    for c in graded(topic):
        if c["cell_type"] == "code" and not is_rule_check(c):
            source = "".join(c["source"])
            assert "### BEGIN HIDDEN TESTS" in source, f"{c['id']}: its value is not checked when graded"
