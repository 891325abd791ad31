"""The scaffold command (`python3 course.py new-topic`): a new topic is one spec plus its content.

Run on a copy of the course: it writes the spec, the rule's skeleton, the nbgrader source with the
standard cells, the lecture's sections and the topic's test file, adds the rule to the syllabus,
refuses to overwrite, and the release refuses to make reference values until the reference rule
is written; once it is, the generic machinery (references, checks) works for the new rule."""
import json
import re
import shutil
import subprocess
import sys
import textwrap

import nbformat
import pytest
from conftest import ROOT, env_with

SLUG, RULE = "03_local_gains", "local_gains"


def unwrite(copy, slug, rule):
    """Take a written topic out of a copy of the course again (its spec, nbgrader source and
    reference rule; its syllabus line back to a bare title), so that the scaffold can write it
    anew: the test keeps one topic, whichever topics the course has built since."""
    shutil.rmtree(copy / "solutions" / "assignments" / slug, ignore_errors=True)
    (copy / "solutions" / "topics" / f"{slug}.py").unlink(missing_ok=True)
    rules = copy / "solutions" / "rules.py"
    rules.write_text(re.sub(rf"\n\n\n@with_state\([^\n]*\)\ndef {rule}\(.*?### END SOLUTION\n", "\n",
                            rules.read_text(), flags=re.S))
    syllabus = copy / "lib" / "descent" / "syllabus.py"
    syllabus.write_text(re.sub(rf'^(    Topic\("{slug}", "[^"]*").*\),$', r"\1),", syllabus.read_text(),
                               flags=re.M))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    copy = tmp_path_factory.mktemp("scaffold") / "course"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("lib", "solutions"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=skip)
    (copy / "lectures").mkdir()
    (copy / "tests").mkdir()
    unwrite(copy, SLUG, RULE)
    return copy


def run(course, *args, code=None):
    env = env_with(PYTHONPATH=f"{course / 'lib'}:{course / 'solutions'}",
                   DESCENT_COURSE_ROOT=str(course))
    cmd = [sys.executable, "-c", textwrap.dedent(code)] if code else \
        [sys.executable, "-m", "descent_instructor.scaffold", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=course)


def test_new_topic_writes_every_place_and_refuses_to_overwrite(course):
    done = run(course, SLUG, RULE, "--hyper", "eta=0.1", "mu=0.05")
    assert done.returncode == 0, done.stderr
    for rel in (f"solutions/topics/{SLUG}.py", f"solutions/assignments/{SLUG}/{SLUG}.ipynb",
                f"lectures/{SLUG}.ipynb", f"tests/test_{SLUG}.py"):
        assert f"wrote {rel}" in done.stdout and (course / rel).is_file()
    assert f'Topic("{SLUG}", "Per-weight local gains", ("{RULE}",)),' in \
        (course / "lib/descent/syllabus.py").read_text()
    assert f"def {RULE}(theta, g, state, *, eta, mu):" in (course / "solutions/rules.py").read_text()

    again = run(course, SLUG, RULE)
    assert again.returncode != 0 and "not overwriting" in again.stderr


def test_the_solution_notebook_has_the_standard_graded_cells(course):
    path = course / f"solutions/assignments/{SLUG}/{SLUG}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert all(c.id.startswith("03-") for c in nb.cells)
    graded = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader.get("points")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    rid = RULE.replace("_", "-")                                # cell ids: no underscores
    assert graded == {f"03-{rid}-reference": 2, f"03-{rid}-properties": 1, f"03-{rid}-further": 2,
                      "03-derived-test": 2, "03-experiment-test": 2, "03-diagnosis": 2, "03-torch-test": 2,
                      "03-written": 2, "03-finding-test": 2}   # the pattern's parts; the rule 5 of 17
    source = "\n".join(c.source for c in nb.cells)
    assert f'checks.check_rule(rules.{RULE}, "{RULE}")' in source
    assert "### BEGIN HIDDEN TESTS" in source and f"submit {SLUG} --student" in source
    lecture = json.loads((course / f"lectures/{SLUG}.ipynb").read_text())
    headings = [c["source"][0] for c in lecture["cells"] if c["cell_type"] == "markdown"]
    assert any("Where it fails" in h for h in headings) and any("Library conventions" in h for h in headings)


def test_the_release_waits_for_the_reference_rule_then_the_machinery_takes_the_new_rule(course):
    stopped = run(course, code="""
        from descent_instructor import release
        raise SystemExit(release.main([]))""")
    assert stopped.returncode == 1
    assert "no reference values for local_gains: local_gains: write the reference rule" in stopped.stderr

    rules = course / "solutions/rules.py"
    rules.write_text(rules.read_text().replace(
        '@with_state()  # TODO', '@with_state(k=1.0)  # TODO').replace(
        'raise NotImplementedError("local_gains: write the reference rule in solutions/rules.py")',
        'k = state["k"] * (1 + mu)\n    return theta - eta * k * g, {"k": k}'))
    done = run(course, code="""
        import json
        from descent import checks
        from descent_instructor import references, release, topics
        spec = topics.load("03_local_gains")
        rule = references.reference_module().local_gains
        data = checks.parse(json.loads(json.dumps(references.rule_file(spec.slug, spec.rules[0], rule))))
        assert data["initial_state"] == {"k": 1.0}, data["initial_state"]
        checks.check_rule(rule, "local_gains", data["cases"])
        checks.check_properties(rule, "local_gains", reference=data)
        print(sorted(data["cases"][0].mistakes))
        stubs = release.stub_rules(open("solutions/rules.py").read())
        assert 'raise NotYetImplemented("local_gains")' in stubs
        """)
    assert done.returncode == 0, done.stderr
    assert "✓ local_gains matches the reference values: 6 cases" in done.stdout
    assert "['learning rate left out', 'sign error', 'state not updated']" in done.stdout
