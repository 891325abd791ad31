"""The grading pipeline end to end: a simulated class of exercise 01 (momentum), handed in as
zips, graded by the real command (descent_instructor.grade → nbgrader autograde and feedback) on a copy
of the course, every expected score asserted exactly, two at a time (--jobs 2); then the hardest
eight of them (a timeout, a dead kernel, a student who writes files and the one graded after her,
two with nothing to grade, a sign error, a right one) again one at a time (--jobs 1) on a second
copy, with the same CSV rows, gradebook and feedback. (The whole class one at a time as well cost
80 s of every CI run and found nothing the eight do not.)
(tests/test_grading_stages.py tests the command's stages one by one.)

Exercise 01 has 16 autograded points and two 2-point written answers graded by hand:
    the rules (8): 01-momentum-reference 2, 01-momentum-properties 1, 01-momentum-further 2 (hidden),
                   01-ema-reference 1, 01-ema-properties 1, 01-ema-further 1 (hidden);
    the rest (8):  01-tuning-test 2, 01-torch-test 2, 01-finding-test 2 (values that need no rule)
                   and 01-experiment-test 2 (a roll-out of the student's own `momentum`).
Every submission below answers correctly (6 points for the values) unless it says otherwise, so its
score is 6 plus the points of the rule checks its rules pass, plus 2 where its `momentum` runs the
experiment's two tuned roll-outs to the right step counts: a wrong `momentum` with a right
`momentum_ema` is 6 + 3 + what of momentum's 5 it passes + 2 if its roll-outs still come out right
(a rule that is right on a batch of 2-D runs but wrong elsewhere, or diverges, or breaks, differs).
"""
from __future__ import annotations

import csv
import difflib
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest
from descent_instructor.paths import KERNEL_FILES
from conftest import ROOT, env_with

from descent import submit

pytestmark = pytest.mark.slow

EXERCISE = "01_momentum"
READS = "reads the reference values or the checker's data"  # review.READS_REFERENCE
TIMEOUT = 6  # seconds per cell in the simulated class: the infinite loop must not cost minutes
REFERENCE = (ROOT / "solutions" / "rules.py").read_text()
STUBS = (ROOT / "lib" / "descent" / "rules.py").read_text()


def with_rule(source: str) -> str:
    """The reference rules with one rule redefined (a later definition wins)."""
    return REFERENCE + "\n\n" + source


SIGN_ERROR = with_rule('''
@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] + eta * g  # sign error
    return theta + v, {"v": v}
''')
MODIFIES_INPUT = with_rule('''
@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    v = state["v"]
    v *= alpha          # changes the caller's state in place
    v -= eta * g
    return theta + v, {"v": v}
''')
RETURNS_NAN = with_rule('''
@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return theta + v * np.nan, {"v": v}
''')
WRONG_SHAPE = with_rule('''
@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return np.ravel(theta + v), {"v": v}
''')
# Returns float32 (known mistake: float32): every momentum check names it.
FLOAT32 = with_rule('''
@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return (theta + v).astype(np.float32), {"v": v}
''')
# Keeps its velocity as a Python list (right for a single number, where tolist() gives a float):
# named from the first vector on.
LIST_STATE = with_rule('''
@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    v = alpha * np.asarray(state["v"]) - eta * g
    return theta + v, {"v": v.tolist()}
''')
# Guards against divergence by returning NaN once |θ| > 1000: right on the ordinary cases and the
# properties (which stay small), wrong on the reference case with coordinates up to 1e6 and the
# hidden tests with coordinates up to 1e5.
NAN_WHEN_LARGE = with_rule('''
@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    new_theta = theta + v
    return np.where(np.abs(new_theta) > 1e3, np.nan, new_theta), {"v": v}
''')
# v = αv + ηg and θ − v: θ is right everywhere (so the properties, which look at θ, pass), the
# velocity has the opposite sign (the named mistake; the hidden test checks the state too).
OPPOSITE_VELOCITY = with_rule('''
@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] + eta * g
    return theta - v, {"v": v}
''')
# The right velocity, θ stepped against it: the check says the state is right and θ is not.
WRONG_THETA = with_rule('''
@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    v = alpha * state["v"] - eta * g
    return theta - v, {"v": v}
''')
# Right, and slow where θ is a single number (0.1 s a call): it passes every check within the time
# limit, and the reference check warns that it takes more than 10 ms per step.
SLOW_WARNED = with_rule('''
import time as _time


@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    if np.ndim(theta) == 0:
        _time.sleep(0.1)
    v = alpha * state["v"] - eta * g
    return theta + v, {"v": v}
''')
# Memorises the visible reference values and falls back to gradient descent: the visible reference
# check passes; the properties (a constant gradient's steps) and the hidden closed-form check on
# other inputs do not. Reading the reference values is flagged for review.
MEMORISED = with_rule('''
import json as _json
from importlib import resources as _resources

_seen = {}
for _case in _json.loads(_resources.files("descent").joinpath("references", "momentum.json").read_text())["cases"]:
    for _t in range(len(_case["grads"])):
        _key = (repr(np.asarray(_case["theta"][_t], dtype=float).tolist()), repr(np.asarray(_case["grads"][_t], dtype=float).tolist()))
        _seen[_key] = (_case["theta"][_t + 1], _case["state"]["v"][_t + 1])


@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    key = (repr(np.asarray(theta, dtype=float).tolist()), repr(np.asarray(g, dtype=float).tolist()))
    if key in _seen:
        theta_t, v_t = _seen[key]
        return np.array(theta_t, dtype=float), {"v": np.array(v_t, dtype=float)}
    return theta - eta * g, {"v": np.zeros_like(theta - eta * g)}
''')
INFINITE_LOOP = with_rule('''
@with_state(m=0.0)
def momentum_ema(theta, g, state, *, eta, beta):
    while np.any(np.asarray(beta) == 0):  # never ends for a run with beta = 0
        pass
    m = beta * state["m"] + (1 - beta) * g
    return theta - eta * m, {"m": m}
''')
# A correct rule that is slow: it sleeps at every call (here only for a single number θ, so that the
# simulated class stays quick). Its cells that run it on a number are stopped at the time limit.
SLOW_BUT_RIGHT = with_rule('''
import time as _time


@with_state(v=0.0)
def momentum(theta, g, state, *, eta, alpha):
    if np.ndim(theta) == 0:
        _time.sleep(4)  # a pause left in from debugging
    v = alpha * state["v"] - eta * g
    return theta + v, {"v": v}
''')
KILLS_KERNEL = with_rule('''
import os as _os


@with_state(m=0.0)
def momentum_ema(theta, g, state, *, eta, beta):
    _os._exit(1)
''')
DELEGATES_IMPORT = '''
from descent.contract import with_state
from descent.reference import rule

gd = rule("gd")
momentum = rule("momentum")
momentum_ema = rule("momentum_ema")
'''
DELEGATES_PATH = '''
# reads the reference implementation from the grading machine's course folder
from pathlib import Path

for _folder in Path.cwd().parents:
    if (_folder / "solutions" / "rules.py").exists():
        exec((_folder / "solutions" / "rules.py").read_text())
        break
else:
    raise RuntimeError("reference not found")
'''
DELEGATES_SHELL = '''
import subprocess as _sp
from pathlib import Path

exec(_sp.run(["cat", str(Path.cwd().parents[3] / "solutions" / "rules.py")],
             capture_output=True, text=True, check=True).stdout)
'''
COPIES_CLASSMATE = '''
from pathlib import Path

exec((Path.cwd().parent.parent / "ada" / "01_momentum" / "rules.py").read_text())
'''


# Games the grader instead of implementing anything: the score it gets is flagged for review.
PATCHES_CHECKS = STUBS + '''
import descent.checks as _c

_c.check_rule = _c.check_properties = _c.check_against = lambda *args, **kwargs: None
'''


# Writes a passing check into the grading lib (which its own kernel imports after its rules.py):
# without the guard's refusal to write, it and everyone graded after it would get full marks.
TAMPERS = STUBS + '''
import os as _os

try:
    with open(_os.path.join(_os.environ["DESCENT_GRADING_LIB"], "descent", "checks.py"), "a") as _f:
        _f.write("\\ndef check_rule(*a, **k): print('ok')\\ndef check_properties(*a, **k): print('ok')\\n")
except (KeyError, PermissionError):
    pass
'''


def print_history(nb):
    """Adds a last cell that prints every input IPython ran, the restored hidden tests included."""
    nb.cells.append(nbformat.v4.new_code_cell("print('\\n'.join(In))"))


def edit_test_cells(nb):
    for cell in nb.cells:
        if cell.get("id") in ("01-momentum-reference", "01-momentum-properties"):
            cell.source = 'print("✓ all good")'


def delete_hidden_test_cell(nb):
    nb.cells = [c for c in nb.cells if c.get("id") != "01-momentum-further"]


def delete_first_test_cell(nb):  # its neighbour is a locked cell, where nbgrader alone fails
    nb.cells = [c for c in nb.cells if c.get("id") != "01-momentum-reference"]


def paste_answer_cell_twice(nb):  # JupyterLab's copy and paste keeps the nbgrader metadata
    at, cell = next((i, c) for i, c in enumerate(nb.cells) if c.get("id") == "01-torch")
    nb.cells.insert(at + 1, nbformat.from_dict({**cell, "id": "pasted-copy"}))


def delete_every_cell(nb):
    nb.cells = []


def swapped_torch_steps(nb):  # the two forms' steps after the learning-rate drop, swapped
    cell = next(c for c in nb.cells if c.get("id") == "01-torch")
    cell.source = "b50 = sum(0.9 ** k for k in range(50))\nstep51_torch = 0.9 * 0.1 * b50 + 0.01\nstep51_course = 0.01 * (0.9 * b50 + 1)\n"


# student id → (rules.py text or None to leave it out, notebook edit, values answered?,
#               expected autograded points, expected status, words expected in the notes)
CLASS = {
    "ada": (REFERENCE, None, True, 16, "graded", ""),
    "bea": (FLOAT32, None, True, 11, "graded", ""),
    "bob": (STUBS, None, False, 0, "graded", ""),
    "cal": (LIST_STATE, None, True, 11, "graded", ""),
    "cy": (SIGN_ERROR, None, True, 9, "graded", ""),
    "dan": (NAN_WHEN_LARGE, None, True, 12, "graded", ""),  # momentum's properties pass (2)
    "dee": (MODIFIES_INPUT, None, True, 11, "graded", ""),
    "eli": (RETURNS_NAN, None, True, 9, "graded", ""),
    "eve": (OPPOSITE_VELOCITY, None, True, 12, "graded", ""),  # momentum's properties pass (2)
    "fay": (WRONG_SHAPE, None, True, 9, "graded", ""),
    "fin": (WRONG_THETA, None, True, 9, "graded", ""),
    "gil": (REFERENCE, swapped_torch_steps, True, 14, "graded", ""),  # all but the conversion
    "gus": (MEMORISED, None, True, 11, "graded", "REVIEW"),  # momentum's reference values (2)
    "hal": (INFINITE_LOOP, None, True, 14, "graded, timed out",  # all but the EMA's 1 + 1
            "timed out in 01-ema-reference, 01-ema-properties"),
    "ivy": (KILLS_KERNEL, None, True, None, "INCOMPLETE: kernel died", "kernel died"),
    "jo": (SIGN_ERROR, edit_test_cells, True, 9, "graded", ""),
    "kai": (REFERENCE, delete_hidden_test_cell, True, 16, "graded", ""),
    "lu": (None, None, True, 0, "graded, files missing", "no rules.py in the submission"),
    "max": (DELEGATES_IMPORT, None, True, 0, "graded", ""),
    "ned": (DELEGATES_PATH, None, True, 0, "graded", ""),
    "ola": (DELEGATES_SHELL, None, True, 0, "graded", ""),
    "pia": (COPIES_CLASSMATE, None, True, 0, "graded", ""),
    "qi": (SLOW_BUT_RIGHT, None, True, 13, "graded, timed out",  # all but momentum's 2 + 1
           "timed out in 01-momentum-reference, 01-momentum-properties"),
    "rex": (PATCHES_CHECKS, None, True, 14, "graded", "REVIEW: rules.py reaches for the course's checks"),
    "sol": (SLOW_WARNED, None, True, 16, "graded", ""),
    "tom": (REFERENCE, print_history, True, 16, "graded", "reaches into IPython"),
    "una": (TAMPERS, None, True, 6, "graded", "writes files"),  # the value test only
    "vic": (STUBS, None, True, 6, "graded", ""),  # graded after una: the value test only
    "wes": (REFERENCE, delete_first_test_cell, True, 16, "graded",
            "missing cells 01-momentum-reference were put back as released"),
    "xan": (REFERENCE, paste_answer_cell_twice, True, 16, "graded",
            "copies of cells 01-torch were graded as ordinary cells"),
    "yul": (REFERENCE, delete_every_cell, False, 8, "graded", "missing cells 01-setup, 01-momentum"),
    "zoe": (REFERENCE, None, True, 16, "graded", ""),  # handed in as ..._zoe-1.zip, a re-download
}
#: whose code the summary and the CSV flag for a look by hand (and no one else's)
REVIEWED = {"gus": "reads the reference values or the checker's data",
            "ivy": "uses the operating system", "max": "reaches for the course's checks or reference",
            "ned": "names the grading machine's folders", "ola": "uses the operating system",
            "rex": "reaches for the course's checks", "tom": "reaches into IPython",
            "una": "writes files"}
# what each one's feedback must say: the check's message and the mistake it resembles
FEEDBACK = {
    "ada": ["✓ momentum matches the reference values"],
    "bob": ["`momentum` is not implemented yet"],
    "cy": ["momentum", "sign error"],
    "dee": ["modified its input state['v']", "known mistake: modified input"],
    "eli": ["Your rule returned NaN or inf", "returned NaN or inf at step t = 1"],
    "bea": ["new_theta at step t = 1 is float32 (known mistake: float32)"],
    "cal": ["at step t = 1 is a Python list", "The contract asks for numpy arrays"],
    "dan": ["large and small magnitudes", "Your rule returned NaN or inf",
            "coordinates 1e-5 and 1e5"],
    "eve": ["This matches a well-known mistake — velocity with the opposite sign"],
    "fin": ["The state after step 1 is right (v); θ_1 is not: look at the formula that moves θ"],
    "gil": ["step51_course is not step 51 of v_t = α·v_{t−1} − η_t·g_t (that is torch's)"],
    "sol": ["⚠ momentum took", "ms per step here"],
    "fay": ["has shape (1,) (wrong shape)", "It should have shape (), the shape of theta"],
    "gus": ["differs from the reference at step t = ", "in case “graded: 3 runs, 9 steps”",
            "should settle to −η/(1−α)·g"],
    "hal": ["This cell ran longer than the 6 s limit and was stopped: a rule this slow cannot be checked.",
            "of your rules.py (in momentum_ema)"],
    "qi": ["This cell ran longer than the 6 s limit and was stopped: a rule this slow cannot be checked.",
           "of your rules.py (in momentum)"],
    "ivy": ["kernel died"],
    "lu": ["This submission has no rules.py"],
    "max": ["The reference rules are not available while a submission is graded"],
    "ned": ["PermissionError", "refused"],
    "ola": ["PermissionError", "subprocess.Popen is not allowed"],
    "pia": ["PermissionError", "refused"],
    "tom": ["(output removed from the feedback: it quoted the hidden tests)"],
}


def copy_course(where: Path) -> Path:
    """A copy of the course, as an instructor's clone (nothing from this working tree's grading/)."""
    copy = where / "descent"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "grading", "artifacts", "submissions", "__pycache__", ".pytest_cache",
        "*.egg-info", ".ipynb_checkpoints"))
    return copy


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return copy_course(tmp_path_factory.mktemp("course"))


#: a student's answers to everything but the rules (cell id -> source), as they would write them
ANSWERS = {
    "01-tuning": """H = np.array([[50.5, 49.5], [49.5, 50.5]])
lam_min, lam_max = np.linalg.eigvalsh(H)
k = np.sqrt(lam_max / lam_min)
alpha_star = ((k - 1) / (k + 1)) ** 2
eta_star = (2 / (np.sqrt(lam_max) + np.sqrt(lam_min))) ** 2
rate_star = np.sqrt(alpha_star)
""",
    "01-experiment": """run = rollout(rules.momentum, problems.quadratic_form(H, start=[1.0, 0.0]), steps=2000,
              eta=np.array([2 / (lam_min + lam_max), eta_star]), alpha=np.array([0.0, alpha_star]))
small = np.linalg.norm(run.theta, axis=-1) <= 1e-6
steps_gd, steps_momentum = int(np.argmax(small[:, 0])), int(np.argmax(small[:, 1]))
""",
    "01-torch": """b50 = sum(0.9 ** k for k in range(50))
step51_course = 0.9 * 0.1 * b50 + 0.01
step51_torch = 0.01 * (0.9 * b50 + 1)
""",
    "01-finding": "alpha_cross = 0.38\n",
    "01-diagnosis": "It oscillates: α = 0.99 is too little friction. Lower α to about 0.9.",
    "01-written": "Momentum keeps the velocity it built up on the slope and coasts across.",
}


def student_notebook(answered: bool, edit=None):
    nb = nbformat.read(ROOT / "exercises" / EXERCISE / f"{EXERCISE}.ipynb", as_version=4)
    if answered:
        for cell_id, source in ANSWERS.items():
            next(c for c in nb.cells if c.get("id") == cell_id).source = source
    if edit:
        edit(nb)
    return nb


def hand_in(folder: Path, student: str, rules: str | None, edit, answered: bool) -> Path:
    """The student's side: their clone's files, packed by the real submit command."""
    home = folder.parent / "students" / folder.name / student
    (home / "exercises" / EXERCISE).mkdir(parents=True)
    (home / "lib" / "descent").mkdir(parents=True)
    nbformat.write(student_notebook(answered, edit), home / "exercises" / EXERCISE / f"{EXERCISE}.ipynb")
    if rules is not None:
        (home / "lib" / "descent" / "rules.py").write_text(rules)
        return submit.pack(EXERCISE, student, root=home, out=folder)
    # handed in by hand without the lib file
    path = folder / f"{EXERCISE}__{student}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(home / "exercises" / EXERCISE / f"{EXERCISE}.ipynb", f"{EXERCISE}.ipynb")
    return path


def run_grade(course: Path, *args) -> subprocess.CompletedProcess:
    # graded as on a new machine: a home folder with no ~/.ipython, ~/.cache or ~/.local yet
    # (IPython creates its profile when a kernel starts, and the guard refuses writes in $HOME)
    home = course.parent / "new-machine-home"
    home.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "descent_instructor.grade", EXERCISE, *map(str, args),
                           "--timeout", str(TIMEOUT)], capture_output=True, text=True,
                          env=env_with(HOME=str(home), DESCENT_COURSE_ROOT=str(course)), cwd=course)


def read_csv(course: Path) -> dict[str, dict]:
    with (course / "grading" / f"grades_{EXERCISE}.csv").open(encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    zips = tmp_path_factory.mktemp("inbox") / "zips"
    zips.mkdir()
    for student, (rules, edit, answered, *_) in CLASS.items():
        hand_in(zips, student, rules, edit, answered)
    # an older zip of ada's (untouched stub): the newest one is graded
    (zips.parent / "old").mkdir()
    old = hand_in(zips.parent / "old", "ada", STUBS, None, False)
    manifest = json.loads(zipfile.ZipFile(old).read("submission.json"))
    manifest["created"] = "2026-01-01T00:00:00+00:00"
    with zipfile.ZipFile(zips / "ada-first-try.zip", "w") as zf:
        for name in (f"{EXERCISE}.ipynb", "rules.py"):
            zf.writestr(name, zipfile.ZipFile(old).read(name))
        zf.writestr("submission.json", json.dumps(manifest))
    (zips / f"{EXERCISE}__zoe.zip").rename(zips / f"{EXERCISE}__zoe-1.zip")
    # a stub for cy dated in the future: it must not displace cy's real (later-made) zip
    forged = hand_in(zips.parent / "old", "cy", STUBS, None, False)
    manifest = json.loads(zipfile.ZipFile(forged).read("submission.json"))
    manifest["created"] = "2099-01-01T00:00:00+00:00"
    with zipfile.ZipFile(zips / "cy-forged.zip", "w") as zf:
        for name in (f"{EXERCISE}.ipynb", "rules.py"):
            zf.writestr(name, zipfile.ZipFile(forged).read(name))
        zf.writestr("submission.json", json.dumps(manifest))
    (zips / "notes.zip").write_text("not a zip")
    with zipfile.ZipFile(zips / f"{EXERCISE}__rae.zip", "w") as zf:  # a notebook cut short
        zf.writestr(f"{EXERCISE}.ipynb", '{"cells": [')
        zf.writestr("rules.py", REFERENCE)
    with zipfile.ZipFile(zips / f"{EXERCISE}__sam.zip", "w") as zf:  # rules.py only
        zf.writestr("rules.py", REFERENCE)
    done = run_grade(course, zips, "--jobs", "2")
    print(done.stdout, done.stderr)
    # the command's output for the whole class, kept as a test artifact (git-ignored)
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / f"grading_{EXERCISE}_simulated_class.txt").write_text(
        done.stdout + ("\n--- stderr ---\n" + done.stderr if done.stderr else ""), encoding="utf-8")
    return done, zips


def test_grading_run_succeeds_and_prints_a_summary(graded):
    done, _ = graded
    assert done.returncode == 0, done.stderr
    out = done.stdout
    n = len(CLASS) + len(NOTHING_TO_GRADE)
    assert f"Grading {EXERCISE}: {n} students" in out
    assert f"[{n:>3}/{n}]" in out  # progress, one line per student
    assert "Summary of 01_momentum" in out
    assert "INCOMPLETE students have no score in the CSV" in out
    assert "notes.zip: not a readable zip" in out
    assert "ada: several zips; graded the newest, not ada-first-try.zip" in out
    assert "cy: several zips; graded the newest, not cy-forged.zip" in out
    assert "Traceback" not in done.stderr, done.stderr  # nothing went wrong in the grader itself


@pytest.mark.parametrize("student", CLASS)
def test_simulated_class_scores_exactly(graded, course, student):
    _, _, answered, points, status, notes = CLASS[student]
    row = read_csv(course)[student]
    assert row["status"] == status, row
    assert notes in row["notes"], row
    assert (row["review"] == "yes") == (student in REVIEWED), row
    if student in REVIEWED:
        assert REVIEWED[student] in row["notes"], row
    assert row["max_score"] == "20" and row["auto_max"] == "16"
    if points is None:  # flagged, no score, never the partial points nbgrader kept
        assert (row["score"], row["auto_score"], row["manual_pending"], row["final"]) == ("", "", "", "no"), row
    else:
        assert float(row["auto_score"]) == points, row
        assert float(row["score"]) == points, row
        assert row["manual_pending"] == ("4" if answered else "0"), row  # the two written answers
        assert row["final"] == ("no" if answered else "yes"), row  # final once nothing awaits a hand


NOTHING_TO_GRADE = {"rae": "the notebook is not readable (NotJSONError", "sam": "no notebook in the submission"}


@pytest.mark.parametrize("student", NOTHING_TO_GRADE)
def test_an_unreadable_or_missing_notebook_scores_zero_with_a_message(graded, course, student):
    row = read_csv(course)[student]
    assert (row["status"], row["score"], row["auto_max"]) == ("graded, files missing", "0", "16")
    assert NOTHING_TO_GRADE[student] in row["notes"]
    page = (course / "grading" / "feedback" / student / EXERCISE / f"{EXERCISE}.html").read_text()
    assert "nothing to grade" in page and NOTHING_TO_GRADE[student] in page


@pytest.mark.parametrize("student", FEEDBACK)
def test_feedback_says_what_went_wrong_without_hidden_tests(graded, course, student):
    page = (course / "grading" / "feedback" / student / EXERCISE / f"{EXERCISE}.html").read_text()
    for words in FEEDBACK[student]:
        assert words in page, (student, words)
    assert "BEGIN HIDDEN TESTS" not in page
    assert "_rng = np.random.default_rng(1999)" not in page  # the hidden check's source
    assert "np.cumsum" not in page


def feedback_page(course: Path, student: str) -> str:
    return (course / "grading" / "feedback" / student / EXERCISE / f"{EXERCISE}.html").read_text()


def test_feedback_shows_the_students_file_names_not_the_graders_folders(graded, course):
    graders = [str(course), "grading/autograded", "grading/work", "/work/students/", "descent-grading-",
               sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"], str(ROOT)]
    pages = {p.parent.parent.name: p.read_text() for p in
             (course / "grading" / "feedback").glob(f"*/{EXERCISE}/{EXERCISE}.html")}
    assert len(pages) == len(CLASS) + len(NOTHING_TO_GRADE)
    for student, text in pages.items():
        for folder in graders:
            assert folder not in text, (student, folder)
    # a traceback through the student's file names it as they know it, and the lib's as the lib's
    frames = r'File </span><span class="ansi-green-fg">([^<]*?):\d+</span>'
    assert "rules.py" in re.findall(frames, pages["ned"])
    assert "descent/reference.py" in re.findall(frames, pages["max"])
    assert "open on solutions/rules.py refused" in pages["ned"]  # where the guard said no
    assert "folder&gt;/01_momentum/rules.py refused" in pages["pia"]  # a classmate's, without their id
    assert "/ada/" not in pages["pia"]


def test_a_wrong_value_is_named_without_the_right_one(graded, course):
    page = feedback_page(course, "gil")
    assert ("AssertionError</span>: step51_course is not step 51 of v_t = α·v_{t−1} − η_t·g_t (that is torch's); "
            "step51_torch is not lr_51·b_51 with b_t = α·b_{t−1} + g_t (that is the course's)") in page
    assert "_b50" not in page and "0.9 ** 50" not in page  # the hidden test's own computation is not shown


def test_a_timed_out_cell_says_so_not_with_a_traceback(graded, course):
    for student in ("hal", "qi"):
        page = feedback_page(course, student)
        assert "KeyboardInterrupt" not in page and "CellTimeoutError" not in page, student
        assert page.count("This cell ran longer than the 6 s limit and was stopped") == 2, student
    # the line it was running when it was stopped: the sleep in qi's rule
    line = next(i for i, text in enumerate(SLOW_BUT_RIGHT.splitlines(), 1) if "_time.sleep(4)" in text)
    assert f"it was running line {line} of your rules.py (in momentum)" in feedback_page(course, "qi")


def test_written_answers_not_graded_yet_are_pending_not_zero(graded, course):
    done, _ = graded
    page = feedback_page(course, "ada")
    assert "<h4>01_momentum (Score: 16 / 16 automatic, 4 pending)</h4>" in page
    assert page.count("Written response</a>: not graded yet (2 points)</li>") == 2
    assert page.count("Not graded yet (2 points): graded by hand") == 2
    assert "0.0 / 2.0" not in page and "16.0 / 20.0" not in page
    unanswered = feedback_page(course, "bob")  # nothing to grade by hand: nbgrader's final score
    assert "<h4>01_momentum (Score: 0.0 / 20.0)</h4>" in unanswered and "pending" not in unanswered
    assert re.search(r"^\[\s*\d+/\d+\] ada\s+graded\s+16/16 auto, 4 pending\s", done.stdout, re.M)
    assert re.search(r"^  bob\s+graded\s+0/16 auto, 0/20 total\s*$", done.stdout, re.M)
    waiting = sum(1 for s, (_, _, answered, points, *_) in CLASS.items() if answered and points is not None)
    assert f"{waiting} students with written answers pending: their scores are not final" in done.stdout


def class_view(course: Path) -> list[dict]:
    with (course / "grading" / f"class_{EXERCISE}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_class_view_counts_each_mistake_with_who_made_it(graded, course):
    done, _ = graded
    rows = class_view(course)
    seen = {(r["check"], r["mistake"]): r["ids"].split() for r in rows}
    assert seen[("01-momentum-reference", "sign error")] == ["cy", "jo"]  # jo edited the test cells
    assert seen[("01-momentum-reference", "modified input")] == ["dee"]
    assert seen[("01-momentum-reference", "wrong shape")] == ["fay"]
    assert seen[("01-momentum-reference", "not implemented yet")] == ["bob", "una", "vic"]
    assert seen[("01-momentum-reference", "timed out")] == ["qi"]
    assert seen[("01-ema-reference", "timed out")] == ["hal"]
    assert seen[("01-torch-test", "NameError: name 'step51_course' is not defined")] == ["bob", "yul"]
    # a wrong value: its message with the numbers masked, so that one mistake is one row
    assert seen[("01-torch-test", "AssertionError: stepx_course is not step x of v_t = α·v_{t−x} − η_t·g_t")] == ["gil"]
    # the experiment runs the student's own momentum: a rule that diverges fails it
    assert seen[("01-experiment-test", "AssertionError: a step number between x and x")] == ["cy", "eli", "fin", "gus", "jo"]
    assert seen[("01-momentum-reference", "velocity with the opposite sign")] == ["eve"]
    assert seen[("01-momentum-reference", "float32")] == ["bea"]
    assert seen[("01-momentum-reference", "state['v'] is a Python list")] == ["cal"]
    assert seen[("01-momentum-properties", "with a constant gradient, steps should settle to −η/(1−α)·g")] == ["gus"]
    assert seen[("01-momentum-reference", "differs from the reference, in the parameters θ")] == ["dan", "eli", "fin"]
    assert seen[("01-momentum-reference", "setup failed: PermissionError: Descent grading")] == ["ned", "ola", "pia"]
    # everyone graded to the end is counted, once per check; the most common mistakes first
    counted = len(CLASS) - 1  # all but ivy, whose kernel died
    assert {r["of"] for r in rows} == {str(counted)}
    assert all(int(r["students"]) == len(r["ids"].split()) for r in rows)
    assert [int(r["students"]) for r in rows] == sorted((int(r["students"]) for r in rows), reverse=True)
    assert not {s for r in rows for s in r["ids"].split()} - set(CLASS) - {"ivy"}
    assert "ivy" not in {s for r in rows for s in r["ids"].split()}
    for student, (_, _, answered, points, *_) in CLASS.items():  # a student with every point failed nothing
        if points == 16:
            assert student not in {s for r in rows for s in r["ids"].split()}, student
    page = (course / "grading" / f"class_{EXERCISE}.html").read_text()
    assert "<td>sign error <i>(well-known)</i></td><td class=n>2 of %d</td><td>cy, jo</td>" % counted in page
    assert "ivy (INCOMPLETE: kernel died)" in page and "rae (nothing graded)" in page
    # the summary names the two files and the most common mistakes
    assert (f"What the class got wrong (grading/class_{EXERCISE}.csv and "
            f"grading/class_{EXERCISE}.html):") in done.stdout
    assert re.search(r"^  differs from the reference, in the parameters θ\s+5 of %d: cy, dan, eli, fin, jo$" % counted,
                     done.stdout, re.M)


def test_restored_and_reinserted_test_cells_are_graded(graded, course):
    for student in ("jo", "kai", "wes", "yul"):
        nb = nbformat.read(course / "grading" / "autograded" / student / EXERCISE / f"{EXERCISE}.ipynb", 4)
        source = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
        assert "### BEGIN HIDDEN TESTS" in source["01-momentum-further"]  # back, hidden part too
        assert source["01-momentum-reference"] == 'checks.check_rule(rules.momentum, "momentum")'


def test_a_pasted_copy_is_graded_as_an_ordinary_cell(graded, course):
    nb = nbformat.read(course / "grading" / "autograded" / "xan" / EXERCISE / f"{EXERCISE}.ipynb", 4)
    copy = next(c for c in nb.cells if c.get("id") == "pasted-copy")
    assert "nbgrader" not in copy.metadata and "step51_torch" in copy.source


def test_an_incomplete_student_has_nothing_in_the_gradebook(graded, course):
    """nbgrader export and the formgrader read the gradebook: no partial points may stand there."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}", "descent") as gb:
        with pytest.raises(MissingEntry):
            gb.find_submission(EXERCISE, "ivy")
        assert gb.find_submission(EXERCISE, "ada").score == 16


def test_each_kernel_imported_its_own_rules(graded, course):
    """The grading lib loads the submission's rules.py (tests/test_grading_stages.py: it has no
    rules of its own and a reference that refuses); each student's was removed after grading."""
    assert not (course / "grading" / "work").exists()
    nb = nbformat.read(course / "grading" / "autograded" / "lu" / EXERCISE / f"{EXERCISE}.ipynb", 4)
    setup = next(c for c in nb.cells if c.get("id") == "01-setup")
    assert any("This submission has no rules.py" in o.get("evalue", "") for o in setup.outputs)


# -- several students at once: the same grades as one at a time -----------------------------------
def gradebook_contents(course: Path) -> dict:
    """Every submission of the exercise in the course's gradebook: its time, and per cell the
    scores, whether it awaits grading by hand, its comments, and each notebook's late penalty."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}", "descent") as gb:
        return {sub.student.id: (
            str(sub.timestamp),
            {(nb.name, g.name): (g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade, g.score)
             for nb in sub.notebooks for g in nb.grades},
            {(nb.name, c.name): (c.auto_comment, c.manual_comment) for nb in sub.notebooks for c in nb.comments},
            {nb.name: nb.late_submission_penalty for nb in sub.notebooks},
        ) for sub in gb.find_assignment(EXERCISE).submissions}


def feedback_pages(course: Path) -> dict[str, str]:
    """Each student's feedback page, normalised for what differs between two runs on two copies of
    the course: the course's folder, temporary folders and files, times, where in a loop that
    never ends a timed-out cell was interrupted (the line its feedback names), and how slow a slow
    rule was (the checks' ⚠ names its milliseconds per step)."""
    pages = {}
    for page in sorted((course / "grading" / "feedback").glob(f"*/{EXERCISE}/{EXERCISE}.html")):
        text = page.read_text(encoding="utf-8").replace(str(course), "<course>")
        text = re.sub(r"<pre>(?:(?!<pre>).)*?KeyboardInterrupt</span>: </pre>",
                      "<pre><interrupted></pre>", text, flags=re.S)
        text = re.sub(r"running line \d+ of your rules.py", "running line <n> of your rules.py", text)
        text = re.sub(r"took \d+ ms per step", "took <n> ms per step", text)
        text = re.sub(r"descent-grading-[\w-]+", "<scratch>", text)
        text = re.sub(r"ipykernel_\d+[/\\]\d+\.py", "<cell>", text)
        text = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( ?[A-Z]{3}|[+-]\d\d:?\d\d)?", "<time>", text)
        pages[page.parent.parent.name] = text
    return pages


def progress_lines(out: str) -> list[str]:
    """The progress lines without their number and seconds (they come in the order of grading)."""
    return sorted(re.sub(r"\s+[\d.]+ s$", "", m) for m in re.findall(r"^\[\s*\d+/\d+\] (.*)$", out, re.M))


#: graded again one at a time: the students whose grading can go wrong in its own way
SERIAL = ("ada", "cy", "hal", "ivy", "una", "vic", "rae", "sam")


@pytest.fixture(scope="module")
def graded_one_at_a_time(graded, tmp_path_factory):
    """Eight of the class (SERIAL), the same zips, graded one at a time on a second copy."""
    _, zips = graded
    inbox = tmp_path_factory.mktemp("serial-inbox")
    for student in SERIAL:
        shutil.copy(zips / f"{EXERCISE}__{student}.zip", inbox)
    course = copy_course(tmp_path_factory.mktemp("serial"))
    done = run_grade(course, inbox, "--jobs", "1")
    (ROOT / "artifacts" / f"grading_{EXERCISE}_simulated_class_jobs1.txt").write_text(
        done.stdout + ("\n--- stderr ---\n" + done.stderr if done.stderr else ""), encoding="utf-8")
    return done, course


def test_grading_one_at_a_time_gives_the_same_results_as_in_parallel(graded, course, graded_one_at_a_time):
    (parallel, _), (serial, course_1) = graded, graded_one_at_a_time
    assert serial.returncode == 0, serial.stderr
    assert "Traceback" not in serial.stderr, serial.stderr
    assert f"Grading {EXERCISE}: {len(CLASS) + len(NOTHING_TO_GRADE)} students, 2 at a time" in parallel.stdout
    assert f"Grading {EXERCISE}: {len(SERIAL)} students\n" in serial.stdout  # --jobs 1: one at a time

    def only(d: dict) -> dict:
        return {k: v for k, v in d.items() if k in SERIAL}

    # the CSV, row by row (it has no seconds), and each student's progress line
    assert read_csv(course_1) == only(read_csv(course))
    mine = [line for line in progress_lines(parallel.stdout) if line.split()[0] in SERIAL]
    assert progress_lines(serial.stdout) == mine and len(mine) == len(SERIAL)
    # the gradebook: the same submissions, scores per student and cell, comments, times
    assert gradebook_contents(course_1) == only(gradebook_contents(course))
    # the feedback pages, for every student
    assert feedback_pages(course_1) == only(feedback_pages(course))
    assert set(feedback_pages(course)) == set(CLASS) | set(NOTHING_TO_GRADE)
    complete = {s for s, row in read_csv(course).items() if not row["status"].startswith("INCOMPLETE")
                and s not in NOTHING_TO_GRADE}
    assert set(gradebook_contents(course)) == complete


def test_rerunning_gives_the_same_grades_and_keeps_what_was_graded_by_hand(graded, course, tmp_path):
    from nbgrader.api import Gradebook

    _, zips = graded
    before = read_csv(course)
    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}", "descent") as gb:
        gb.find_grade("01-written", EXERCISE, EXERCISE, "ada").manual_score = 1.5  # in the formgrader
        gb.find_grade("01-diagnosis", EXERCISE, EXERCISE, "ada").manual_score = 2
        gb.db.commit()
    again = tmp_path / "again"
    again.mkdir()
    for student in ("ada", "cy", "ivy", "lu"):
        shutil.copy(zips / f"{EXERCISE}__{student}.zip", again)
    done = run_grade(course, again)
    assert done.returncode == 0, done.stderr
    after = read_csv(course)
    ada_before, ada_after = before.pop("ada"), after.pop("ada")
    assert after == before  # the others graded again, identically; everyone else's rows kept
    # ada's written answer, graded by hand since: her score is final, and her page says it all
    assert (ada_before["score"], ada_before["final"], ada_before["manual_pending"]) == ("16", "no", "4")
    assert (ada_after["score"], ada_after["final"], ada_after["manual_pending"]) == ("19.5", "yes", "0")
    page = feedback_page(course, "ada")
    assert "<h4>01_momentum (Score: 19.5 / 20.0)</h4>" in page and "pending" not in page
    assert re.search(r"^  ada\s+graded\s+16/16 auto, 19.5/20 total\s*$", done.stdout, re.M)
    # the class view still counts the whole class, not the four graded again
    assert {r["of"] for r in class_view(course)} == {str(len(CLASS) - 1)}


def test_a_failed_run_exits_non_zero(course, tmp_path):
    done = run_grade(course, tmp_path)  # an empty folder: nothing to grade
    assert done.returncode == 1 and "No .zip files" in done.stderr


# -- the guard in the grading kernel, attempt by attempt (a plain Python process, no nbgrader) --
#: files outside the course a submission must not be able to create (removed after each test)
PROBES = (Path(sysconfig.get_paths()["purelib"]) / "descent_guard_probe.pth",
          Path.home() / ".descent_guard_probe")
ATTEMPTS = {  # each prints what it obtained; the guard must leave it nothing to print
    "read the reference": "print(open(ROOT / 'solutions' / 'rules.py').read())",
    "list solutions/": "print(os.listdir(ROOT / 'solutions'))",
    "import it from solutions/": "sys.path.insert(0, str(ROOT / 'solutions')); import rules; print(rules.SECRET)",
    "load it by file location": (
        "import importlib.util as u; s = u.spec_from_file_location('r', ROOT / 'solutions' / 'rules.py');"
        " m = u.module_from_spec(s); s.loader.exec_module(m); print(m.SECRET)"),
    "read the instructor's lib": "print(open(ROOT / 'lib' / 'descent' / 'reference.py').read())",
    "read a classmate's submission": "print(open(ROOT / 'grading' / 'submitted' / 'bo' / 'ex' / 'rules.py').read())",
    "write to the gradebook": "open(ROOT / 'grading' / 'gradebook.db', 'wb'); print('SECRET')",
    "open the gradebook with sqlite": "import sqlite3; sqlite3.connect(str(ROOT / 'grading' / 'gradebook.db')); print('SECRET')",
    "scan the course": "print([e.name for e in os.scandir(ROOT)])",
    "run a shell": "import subprocess; print(subprocess.run(['cat', str(ROOT / 'solutions' / 'rules.py')], capture_output=True, text=True).stdout)",
    "os.system": "os.system('cat ' + str(ROOT / 'solutions' / 'rules.py'))",
    "C through ctypes": "import ctypes; print('SECRET', ctypes.CDLL(None).getpid())",
    "signal the grader": "import signal; os.kill(os.getppid(), signal.SIGCONT); print('SECRET')",
    "symlink the reference in": "os.symlink(ROOT / 'solutions' / 'rules.py', 'ref.py'); print(open('ref.py').read())",
    "sqlite by URI": "import sqlite3; sqlite3.connect('file:' + str(ROOT / 'grading' / 'gradebook.db'), uri=True); print('SECRET')",
    "a folder's descriptor": ("fd = os.open('/', os.O_RDONLY); "
                              "print(os.read(os.open(str(ROOT / 'solutions' / 'rules.py')[1:], os.O_RDONLY, dir_fd=fd), 99))"),
    "the grader's environment": "print('SECRET', open(f'/proc/{os.getppid()}/environ').read())",
    # writing: what would change how the next student is graded, or the instructor's machine
    "change the grading lib": "open(ROOT / 'grading' / 'env' / 'descent' / 'checks.py', 'a'); print('SECRET')",
    "delete from the grading lib": "os.remove(ROOT / 'grading' / 'env' / 'descent' / 'references' / 'gd.json'); print('SECRET')",
    "plant a .pth in the environment": f"open({str(PROBES[0])!r}, 'w').write('import os'); print('SECRET')",
    "write a start-up file at home": f"open({str(PROBES[1])!r}, 'w'); print('SECRET')",
    "hard-link the lib in, write through it": (
        "os.link(ROOT / 'grading' / 'env' / 'descent' / 'references' / 'gd.json', 'gd.json');"
        " open('gd.json', 'a').write('x'); print('SECRET')"),
    "copy a file into the lib": "import shutil; shutil.copyfile('rules.py', ROOT / 'grading' / 'env' / 'x.py'); print('SECRET')",
    "the instructor's own files by os.open": f"os.open({str(PROBES[1])!r}, os.O_WRONLY | os.O_CREAT); print('SECRET')",
}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """A course folder with a submission folder, and the grading lib's sitecustomize."""
    root = tmp_path_factory.mktemp("guard") / "course"
    for path in ("solutions/rules.py", "lib/descent/reference.py", "grading/gradebook.db",
                 "grading/submitted/bo/ex/rules.py", "grading/env/descent/references/gd.json"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("SECRET = 1\n")
    (root / "grading" / "autograded" / "al" / "ex").mkdir(parents=True)
    (root / "grading" / "autograded" / "al" / "ex" / "rules.py").write_text("MINE = 1\n")
    shutil.copy(KERNEL_FILES / "sitecustomize.py", root / "grading" / "env")
    return root


def run_guarded(root: Path, code: str, grading: bool = True) -> subprocess.CompletedProcess:
    env = env_with(PYTHONPATH=str(root / "grading" / "env"), DESCENT_GRADING_ROOT=str(root),
                   DESCENT_GRADING_LIB=str(root / "grading" / "env"))
    if grading:
        env["NBGRADER_EXECUTION"] = "autograde"
    prelude = f"import os, sys\nfrom pathlib import Path\nROOT = Path({str(root)!r})\n"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True,
                          cwd=root / "grading" / "autograded" / "al" / "ex", env=env)


@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_guard_refuses(guarded, attempt):
    try:
        done = run_guarded(guarded, ATTEMPTS[attempt])
        planted = [p for p in PROBES if p.exists()]
    finally:
        for p in PROBES:
            p.unlink(missing_ok=True)
    assert not planted
    assert "SECRET" not in done.stdout and done.returncode != 0, (done.stdout, done.stderr)
    # refused outright, or (import) the refused folder was skipped and its module not found
    assert ("PermissionError: Descent grading:" in done.stderr
            or "module 'rules' has no attribute 'SECRET'" in done.stderr), done.stderr


def test_guard_allows_what_a_rule_needs(guarded):
    done = run_guarded(guarded, "\n".join([
        "import numpy as np, matplotlib, json",
        "print(open('rules.py').read().strip())",                     # its own submission
        "print(sorted(os.listdir(ROOT / 'grading' / 'env' / 'descent' / 'references')))",  # the lib
        "open('scratch.txt', 'w').write('ok')",                        # its own folder
        "import tempfile; tempfile.TemporaryFile().close()",           # outside the course
        "print(np.linalg.norm(np.ones(4)))",
    ]))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["MINE", "=", "1", "['gd.json']", "2.0"]


def test_guard_is_off_outside_autograde(guarded):
    """The instructor's own tools (nbgrader itself, this process) are never restricted."""
    done = run_guarded(guarded, ATTEMPTS["read the reference"], grading=False)
    assert done.returncode == 0 and "SECRET = 1" in done.stdout, done.stderr


# -- on a hub: nbgrader's exchange carries the same two files -----------------------------------
def test_exchange_submission_carries_the_rules_and_is_graded(tmp_path):
    course = copy_course(tmp_path)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    config = tmp_path / "jupyter-config"
    config.mkdir()
    (config / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = 'descent'\n")
    env = env_with(JUPYTER_CONFIG_DIR=str(config))
    nbgrader = [sys.executable, "-m", "nbgrader"]
    released = subprocess.run([*nbgrader, "release_assignment", EXERCISE, "--force"], cwd=course,
                              env=env, capture_output=True, text=True)
    assert released.returncode == 0, released.stderr
    home = tmp_path / "students" / "me"  # the student's clone, with their work
    (home / "exercises" / EXERCISE).mkdir(parents=True)
    (home / "lib" / "descent").mkdir(parents=True)
    nbformat.write(student_notebook(True), home / "exercises" / EXERCISE / f"{EXERCISE}.ipynb")
    (home / "lib" / "descent" / "rules.py").write_text(SIGN_ERROR)
    done = subprocess.run([sys.executable, "-m", "descent.submit", EXERCISE, "--exchange"],
                          cwd=home, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    inbound = list((exchange / "descent" / "inbound").iterdir())
    assert len(inbound) == 1
    student, exercise, *_ = inbound[0].name.split("+")  # nbgrader names it after the login
    assert exercise == EXERCISE
    assert sorted(p.name for p in inbound[0].iterdir() if not p.name.startswith(".")) == [
        f"{EXERCISE}.ipynb", "rules.py", "submission_secret.txt", "timestamp.txt"]
    graded_run = subprocess.run([sys.executable, "-m", "descent_instructor.grade", EXERCISE,
                                 "--exchange", "--timeout", str(TIMEOUT)], cwd=course, env={**env, "DESCENT_COURSE_ROOT": str(course)},
                                capture_output=True, text=True)
    assert graded_run.returncode == 0, graded_run.stderr
    row = read_csv(course)[student]
    assert (row["status"], row["auto_score"]) == ("graded", "9")  # the sign error, as in the zip case (cy)


# -- the student's side: one command packs the notebook with their rules ------------------------
def student_home(tmp_path: Path, rules: str) -> Path:
    home = tmp_path / "clone"
    (home / "exercises" / EXERCISE).mkdir(parents=True)
    (home / "lib" / "descent").mkdir(parents=True)
    nbformat.write(student_notebook(True), home / "exercises" / EXERCISE / f"{EXERCISE}.ipynb")
    (home / "lib" / "descent" / "rules.py").write_text(rules)
    return home


def test_submit_packs_notebook_rules_and_manifest(tmp_path):
    import hashlib

    home = student_home(tmp_path, SIGN_ERROR)
    path = submit.pack(EXERCISE, "alice.b-1", root=home)
    assert path == home / "submissions" / f"{EXERCISE}__alice.b-1.zip"
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == [f"{EXERCISE}.ipynb", "rules.py", "submission.json"]
        manifest = json.loads(zf.read("submission.json"))
        assert zf.read("rules.py").decode() == SIGN_ERROR
        assert manifest["files"]["rules.py"] == hashlib.sha256(SIGN_ERROR.encode()).hexdigest()
    assert (manifest["student"], manifest["exercise"]) == ("alice.b-1", EXERCISE)


@pytest.mark.parametrize("student", ["", "../bob", "a b", "x" * 65, "-lead"])
def test_submit_refuses_an_id_that_cannot_be_a_folder_name(tmp_path, student):
    with pytest.raises(submit.SubmitError, match="Student id"):
        submit.pack(EXERCISE, student, root=student_home(tmp_path, REFERENCE))


def test_submit_names_the_exercises_when_one_is_unknown(tmp_path):
    with pytest.raises(submit.SubmitError, match=f"no exercise '01_momentom'.*{EXERCISE}"):
        submit.pack("01_momentom", "alice", root=student_home(tmp_path, REFERENCE))


def test_submit_command_warns_about_stubs_and_says_where_the_zip_is(tmp_path):
    home = student_home(tmp_path, STUBS)
    done = subprocess.run([sys.executable, "-m", "descent.submit", EXERCISE, "--student", "bob"],
                          cwd=home / "exercises", env=env_with(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "`momentum` in lib/descent/rules.py is still the stub" in done.stdout
    assert "`momentum_ema` in lib/descent/rules.py is still the stub" in done.stdout
    assert f"submissions/{EXERCISE}__bob.zip" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "descent.submit", EXERCISE, "--student", "a b"],
                         cwd=home, env=env_with(), capture_output=True, text=True)
    assert bad.returncode == 1 and "Not submitted: Student id 'a b'" in bad.stderr


@pytest.mark.parametrize("where", ["binder", "clone"])
def test_the_readme_hand_in_command_makes_the_zip(tmp_path, where):
    """`python3 course.py submit …` as the README gives it: on Binder the lib is installed in that
    interpreter; in a clone it is not (only in .venv, which course.py set up and uses)."""
    import hashlib

    home = student_home(tmp_path, REFERENCE)
    shutil.copy(ROOT / "course.py", home)
    python = [sys.executable]
    if where == "clone":  # an interpreter without the lib (no site-packages), and a ready .venv
        python.append("-S")
        stamped = ("requirements.lock", "requirements.txt", "lib/pyproject.toml")
        for name in stamped:
            shutil.copy(ROOT / name, home / name)
        bin_ = home / ".venv" / "bin"
        bin_.mkdir(parents=True)
        (bin_ / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        (bin_ / "python").chmod(0o755)
        wanted = b"".join((home / n).read_bytes() for n in stamped)
        (home / ".venv" / ".descent-installed").write_text(
            hashlib.sha256(wanted + sys.version.encode()).hexdigest())
    done = subprocess.run([*python, "course.py", "submit", EXERCISE, "--student", "alice"],
                          cwd=home, env=env_with(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(home / "submissions" / f"{EXERCISE}__alice.zip") as zf:
        assert zf.read("rules.py").decode() == REFERENCE


@pytest.mark.parametrize("source, why", [
    ("for _i in range(3):", None),
    ('raise ValueError("see the solutions in lecture 01")', None),
    ('data = open("weights.txt").read()', None),
    ('open(path, "a").write(text)', "writes files"),
    ('Path("x.pth").write_text("import os")', "writes files"),
    ('exec((folder / "solutions" / "rules.py").read_text())', "names the grading machine's folders"),
    ("print(_i3)", "reaches into IPython or the grading guard"),
    ("import descent.checks as c", "reaches for the course's checks or reference"),
    ("# a comment naming solutions/rules.py and open(p, 'w')", None),
    # the reference values and the checker's data, however they are reached
    ('_resources.files("descent").joinpath("references", "momentum.json")', READS),
    ("from importlib import resources as _resources", READS),
    ('json.loads((Path(descent.__file__).parent / "references" / "gd.json").read_text())', READS),
    ('data = checks.load("momentum")', READS),
    ('cases = checks.parse(raw)["cases"]', READS),
    ("checks._fmt(theta)", READS),
    ("vars(checks)", READS),
    ("case = Case('x', {}, theta0, grads, theta, state)", READS),
    ("open(_folder / 'references' / 'momentum.json')", READS),
    # ...and not the checks a student may run again in a cell, nor a word in a message
    ('checks.check_rule(rules.momentum, "momentum")', None),
    ('checks.check_properties(rules.momentum_ema, "momentum_ema")', None),
    ('raise ValueError("see the references in lecture 01, case 2")', None),
    ('raise ValueError("as in checks.py, theta is an array")', None),
    ("for case in cases: total += case", None),
    ("new = {k: np.copy(v) for k, v in state.items()}", None),
])
def test_review_flags_what_no_rule_needs_and_nothing_else(source, why):
    """The first reason a line is flagged for (no reason: not flagged)."""
    from descent_instructor.grading import review

    found = [w for pattern, w, strings in review.SUSPICIOUS
             if re.search(pattern, review.code_only(source, strings))]
    assert found[:1] == ([why] if why else []), found


def test_the_reference_rules_and_the_stubs_are_never_flagged(tmp_path):
    from descent_instructor.grading.review import review_notes

    released = ROOT / "exercises" / EXERCISE / f"{EXERCISE}.ipynb"
    for rules in (REFERENCE, STUBS):
        (tmp_path / "rules.py").write_text(rules)
        shutil.copy(released, tmp_path / released.name)
        assert review_notes(tmp_path, released) == []
    (tmp_path / "rules.py").write_text(MEMORISED)
    assert [n.split(" (")[0] for n in review_notes(tmp_path, released)] == [f"REVIEW: rules.py {READS}"]


def test_feedback_cuts_hidden_tests_out_of_the_source():
    from descent_instructor.grading.feedback import HIDDEN_NOTE, without_hidden_tests

    source = "visible()\n### BEGIN HIDDEN TESTS\nsecret = 1\nassert secret\n### END HIDDEN TESTS\nafter()"
    assert without_hidden_tests(source) == (f"visible()\n{HIDDEN_NOTE}\nafter()", True)
    assert without_hidden_tests("plain()") == ("plain()", False)
