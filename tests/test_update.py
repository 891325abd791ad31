"""`python3 course.py update` for real: a scratch course repository, a student's clone of it with
rules written and notebooks run and answered, then a new commit of the course that adds a rule
stub and changes the notebooks; the student updates."""
import json
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

RULES = "lib/descent/rules.py"
LECTURE = "lectures/00_gradient_descent.ipynb"
EXERCISE = "exercises/01_momentum/01_momentum.ipynb"
MY_MOMENTUM = '''    v = alpha * state["v"] - eta * g  # my momentum
    return theta + v, {"v": v}
'''
NEW_STUB = '''

def lion(theta, g, state, *, eta):
    """Lion (a later topic: a rule the course does not have yet)."""
    raise NotYetImplemented("lion")
'''


def git(where, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=where,
                          check=True, capture_output=True, text=True).stdout


def edit_notebook(path, change):
    nb = json.loads(path.read_text())
    change(nb)
    path.write_text(json.dumps(nb, indent=1) + "\n")


def run_it(nb):  # what running a notebook leaves in it
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ran\n"]}]
    nb["metadata"]["widgets"] = {"state": {}}


def answer(nb):
    run_it(nb)
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")
                and c["cell_type"] == "markdown")
    cell["source"] = ["My answer: the velocity remembers the past gradients."]


def add_cell(nb):
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["New in the course."]})


@pytest.fixture
def course(tmp_path):
    """The course's repository (its first version) and a student's clone of it."""
    upstream = tmp_path / "course"
    for rel in ["course.py", ".gitignore", RULES, LECTURE, EXERCISE]:
        (upstream / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, upstream / rel)
    shutil.copytree(ROOT / "descent_setup", upstream / "descent_setup",
                    ignore=shutil.ignore_patterns("__pycache__"))
    git(upstream, "init", "-q", "-b", "main")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "course v1")
    student = tmp_path / "student"
    git(tmp_path, "clone", "-q", str(upstream), str(student))
    return upstream, student


def update(student):
    return subprocess.run([sys.executable, "course.py", "update"], cwd=student,
                          capture_output=True, text=True)


def test_update_keeps_the_students_work_and_adds_the_new_stub(course):
    upstream, student = course
    # the student: writes momentum and a helper, runs the lecture, answers the exercise, takes notes
    rules = student / RULES
    text = rules.read_text().replace('    raise NotYetImplemented("momentum")\n', MY_MOMENTUM)
    rules.write_text(text + '\n\ndef my_helper(x):\n    return 2 * x\n')
    edit_notebook(student / LECTURE, run_it)
    edit_notebook(student / EXERCISE, answer)
    (student / "notes.md").write_text("my notes\n")
    mine = {p: (student / p).read_bytes() for p in (RULES, LECTURE, EXERCISE)}

    # the course: a new topic's stub, and a new cell in the lecture and the exercise
    (upstream / RULES).write_text((upstream / RULES).read_text() + NEW_STUB)
    edit_notebook(upstream / LECTURE, add_cell)
    edit_notebook(upstream / EXERCISE, add_cell)
    git(upstream, "commit", "-q", "-am", "course v2: lion")

    done = update(student)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr

    merged = rules.read_text()
    assert MY_MOMENTUM in merged and "def my_helper(x):" in merged  # the student's code intact
    assert NEW_STUB.strip() in merged  # the course's new stub
    assert 'raise NotYetImplemented("gd")' in merged  # the stubs the student has not written yet
    compile(merged, RULES, "exec")

    # the lecture was only run: the course's new version; the exercise has answers: kept, the
    # course's new one beside it
    assert "New in the course." in (student / LECTURE).read_text()
    assert (student / EXERCISE).read_bytes() == mine[EXERCISE]
    assert "New in the course." in (student / EXERCISE.replace(".ipynb", ".course-update.ipynb")).read_text()
    assert (student / "notes.md").read_text() == "my notes\n"
    # every file of the student's the update changed or merged has a copy
    backups = list((student / "backups").iterdir())
    assert len(backups) == 1
    for rel in (RULES, LECTURE, EXERCISE):
        assert (backups[0] / rel).read_bytes() == mine[rel], rel
    for name in ("lion", "momentum", "my_helper", LECTURE, EXERCISE):
        assert name in done.stdout, name
    assert git(student, "status", "--porcelain") == ""

    # updating again: nothing to do, nothing touched
    head = git(student, "rev-parse", "HEAD")
    files = {p: p.read_bytes() for p in student.rglob("*") if p.is_file() and ".git" not in p.parts}
    again = update(student)
    assert again.returncode == 0 and "Already up to date" in again.stdout
    assert git(student, "rev-parse", "HEAD") == head
    assert files == {p: p.read_bytes() for p in student.rglob("*") if p.is_file() and ".git" not in p.parts}


def test_update_without_changes_of_the_student_takes_the_course(course):
    upstream, student = course
    (upstream / RULES).write_text((upstream / RULES).read_text() + NEW_STUB)
    git(upstream, "commit", "-q", "-am", "course v2")
    done = update(student)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (student / RULES).read_text() == (upstream / RULES).read_text()
    assert not (student / "backups").exists()


def test_a_rules_file_that_does_not_parse_is_kept_and_the_course_version_put_beside(course):
    upstream, student = course
    broken = (student / RULES).read_text().replace('    raise NotYetImplemented("momentum")\n',
                                                  "    v = alpha * (\n")
    (student / RULES).write_text(broken)
    (upstream / RULES).write_text((upstream / RULES).read_text() + NEW_STUB)
    git(upstream, "commit", "-q", "-am", "course v2")
    done = update(student)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (student / RULES).read_text() == broken
    assert NEW_STUB.strip() in (student / "lib/descent/rules.course-update.py").read_text()
    assert "syntax error" in done.stdout
