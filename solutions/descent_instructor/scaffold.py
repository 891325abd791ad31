"""Start a new topic: every file it needs, with the course's standard cells, ready to fill in.

    python3 course.py new-topic 04_adagrad adagrad                 # one rule
    python3 course.py new-topic 07_adam adam --hyper eta=0.001 beta1=0.9 beta2=0.999 eps=1e-8
    python3 course.py new-topic 10_lr_schedules --schedule warmup_linear --schedule cosine

It writes (and never overwrites; it stops if any of them exists):

    solutions/topics/NN_slug.py              the topic's spec: cases, properties, known mistakes, torch
    solutions/assignments/NN_slug/NN_slug.ipynb   the nbgrader source: the standard cells, points
    lectures/NN_slug.ipynb                   the lecture's sections (COURSE_PATTERN), a setup cell
    tests/test_NN_slug.py                    the topic's own mathematics: failing until written

and adds a skeleton of each rule to solutions/rules.py (between solution markers; it raises
until you write it, so the release refuses to make reference values from it) and the names to
the topic's line in lib/descent/syllabus.py. The topic stays "coming" until you set
``built=True`` there (and in the README's syllabus table) when all four places are done. Then
`python3 course.py release` makes the stubs, the reference values and the student's exercise.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from descent_instructor import paths

PREFIX_HELP = "the topic's slug as in lib/descent/syllabus.py, e.g. 04_adagrad"


# -- notebooks ----------------------------------------------------------------------------------
def _cell(kind: str, cell_id: str, source: str, grade: dict | None = None) -> dict:
    cell = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": source.strip("\n")}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    if grade is not None:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, "task": False, **grade}
    return cell


def _notebook(cells: list[dict]) -> dict:
    for c in cells:  # nbformat's on-disk form: a list of lines
        c["source"] = c["source"].splitlines(keepends=True)
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def _locked_test(cell_id: str, source: str, points: int) -> dict:
    return _cell("code", cell_id, source, {"grade": True, "grade_id": cell_id, "locked": True,
                                           "points": points, "solution": False})


def _answered(n: str, part: str, heading: str | None, question: str, name: str, *, prelude: str = "",
              model: str = "") -> list[dict]:
    """A question, the student's answer cell (storing ``name``) and its 2-point test: a visible
    type check, and a hidden one against a value derived independently."""
    title = f"## {heading}\n" if heading else ""
    return [
        _cell("markdown", f"{n}-q-{part}", f"{title}{question}"),
        _cell("code", f"{n}-{part}", f"""
{prelude}### BEGIN SOLUTION
{model + chr(10) if model else ""}{name} = float("nan")  # TODO: the model answer, computed
### END SOLUTION
{name}""", {"grade": False, "grade_id": f"{n}-{part}", "locked": False, "solution": True}),
        _locked_test(f"{n}-{part}-test", f"""
assert isinstance({name}, (float, np.floating)), "store a float"
### BEGIN HIDDEN TESTS
assert False, "TODO: compare {name} with the value derived independently; name each wrong answer"
### END HIDDEN TESTS""", 2),
    ]


def _written(n: str, part: str) -> dict:
    return _cell("markdown", f"{n}-{part}", """
### BEGIN SOLUTION
TODO: the model answer: precise, with the numbers.
### END SOLUTION""", {"grade": True, "grade_id": f"{n}-{part}", "locked": False, "points": 2,
                     "solution": True})


def cid(name: str) -> str:
    """A rule's name as a part of a cell id: ids are lower case, digits and hyphens
    (tests/test_hygiene.py), so local_gains becomes local-gains."""
    return name.replace("_", "-")


def solution_notebook(slug: str, title: str, rules: list[str], schedules: list[str],
                      hyper: dict) -> dict:
    n = slug[:2]
    call = ", ".join(f"{k}={v}" for k, v in hyper.items())
    cells = [
        _cell("markdown", f"{n}-title", f"""
# Exercise {n} · {title}

Lecture: [lectures/{slug}.ipynb](../../lectures/{slug}.ipynb) · Notation: [README › Notation](../../README.md#notation)

TODO: what the student writes in `lib/descent/rules.py`, what they check, what they answer, and a table of
the parts and their points (implementing the rules at most 40%). From a terminal in the course folder:
`python3 course.py check {" ".join(rules + schedules)}`."""),
        _cell("code", f"{n}-setup", """
# Your rules come from lib/descent/rules.py (when graded: the rules.py handed in with this notebook).
from descent import rules, checks, surfaces, widgets, problems
from descent.rollout import rollout
import numpy as np
%load_ext autoreload
%autoreload 2""", {"grade": False, "grade_id": f"{n}-setup", "locked": True, "solution": False}),
    ]
    for name in rules:
        cells += [
            _cell("markdown", f"{n}-task-{cid(name)}", f"""
## `{name}`

TODO: the update in the course's notation, the state it keeps (`state["..."]`) and its start value,
the keyword arguments. Keep the rule pure: build new arrays, never change `theta`, `g` or `state` in place.

Try one step: from $\\theta_0 = 1$ with $g_1 = 2$ and TODO you should get TODO."""),
            _cell("code", f"{n}-try-{cid(name)}",
                  f"rules.{name}(np.array(1.0), np.array(2.0), TODO_state, {call})"),
            _locked_test(f"{n}-{cid(name)}-reference", f'checks.check_rule(rules.{name}, "{name}")', 2),
            _locked_test(f"{n}-{cid(name)}-properties", f'checks.check_properties(rules.{name}, "{name}")', 1),
            _locked_test(f"{n}-{cid(name)}-further", f"""
# Further checks of {name} on other inputs run when your work is graded.
### BEGIN HIDDEN TESTS
# TODO: an independent closed form (not the rule's own recurrence), on fresh inputs with large and
# small magnitudes, then:
# checks.check_against(rules.{name}, "{name}", theta0, grads, hyper, theta, state, "graded: ...")
raise NotImplementedError("write the hidden test of {name}")
### END HIDDEN TESTS""", 2),
        ]
    for name in schedules:
        cells += [
            _cell("markdown", f"{n}-task-{cid(name)}", f"""
## `{name}`

TODO: the schedule $\\eta_t$ in the course's notation, t = 1 for the first step."""),
            _locked_test(f"{n}-{cid(name)}-reference", f'checks.check_schedule(rules.{name}, "{name}")', 2),
            _locked_test(f"{n}-{cid(name)}-further", f"""
# Further checks of {name} run when your work is graded.
### BEGIN HIDDEN TESTS
# TODO: values derived independently, then
# checks.check_schedule_against(rules.{name}, "{name}", hyper, ts, etas, "graded: ...")
raise NotImplementedError("write the hidden test of {name}")
### END HIDDEN TESTS""", 2),
        ]
    first = (rules or schedules)[0]
    cells += [
        *_answered(n, "derived", "A number to derive", """
TODO: one number the student derives for a case the lecture does not state (the fastest η and its
rate for a given Hessian, α* for a given κ, the step after a schedule change, the first step's size).
Store it as a float in `answer`.""", "answer"),
        *_answered(n, "experiment", "Predict, then run", f"""
TODO: predict (as a comment), then run the student's own `rules.{first}` with `rollout` (3-10 lines,
a batch of runs in one call) and store what was measured.""", "measured",
                   prelude="# my prediction: ...\n", model="run = rollout(...)  # TODO"),
        _cell("markdown", f"{n}-q-diagnosis", """
## Diagnose a run from its log

TODO: a log (loss, ‖g‖, step norm, effective η) of a run that went wrong; what went wrong and which
hyperparameter to change, to what.

**Rubric (2 points).** 1 point: TODO (what went wrong, with the numbers of the log). 1 point: TODO
(what to change, to what value, and why)."""),
        _written(n, "diagnosis"),
        *_answered(n, "torch", "In PyTorch (or optax)", """
TODO: a conversion between the course's hyperparameters or state and torch's or optax's where they
differ (REFERENCE_SEMANTICS), with the numbers of a concrete run.""", "converted"),
        _cell("markdown", f"{n}-q-written-md", """
## In your words

TODO: a question that asks for understanding, answered in two to four sentences.

**Rubric (2 points).** 1 point: TODO. 1 point: TODO."""),
        _written(n, "written"),
        _cell("markdown", f"{n}-widget-md", """
## What the explorer shows

TODO: the question this explorer answers (predict, then move the slider)."""),
        _cell("code", f"{n}-widget",
              f'widgets.compare("{first}", rules.{first}, surfaces.valley(), {{}})  # TODO: sliders'),
        *_answered(n, "finding", None, """
TODO: what the student found with the explorer (a threshold, a setting), checked against a
measurement made with the reference rules.""", "found"),
        _cell("markdown", f"{n}-hand-in", f"""
## Hand it in

Save this notebook (Ctrl+S). Then, in a terminal in the course folder (File › New › Terminal), run

```
python3 course.py submit {slug} --student YOUR_ID
```

It writes `submissions/{slug}__YOUR_ID.zip` holding this notebook and your `lib/descent/rules.py`: your
rules are graded from that file and nothing else. Hand the zip in as your instructor asks (on Binder,
right-click it in the file browser and choose Download before the session ends). On a JupyterHub with
nbgrader, `python3 course.py submit {slug} --exchange` submits the same two files through nbgrader."""),
    ]
    return _notebook(cells)


LECTURE_SECTIONS = [
    ("failure", "A failure on a running benchmark",
     "TODO: what the previous method cannot do, shown on a surface the course already uses."),
    ("idea", "The idea in one sentence, and one step drawn",
     "TODO: the update vector at one point, decomposed."),
    ("derivation", "The derivation",
     "TODO: in the course's notation; what happens when θ or the loss is multiplied by c."),
    ("measurement", "Measurement against theory",
     "TODO: a batched sweep finds a boundary, a rate or an optimum; the formula drawn over it; "
     "every quoted number computed and asserted."),
    ("failure-mode", "Where it fails", "TODO: a regime where it is worse than its predecessor."),
    ("libraries", "Library conventions",
     "TODO: defaults, ε placement, how t is counted, initial state, names in torch, optax and "
     "Keras; a cell shows by how much a difference changes results."),
    ("explore", "Explore", "TODO: one or two explorers, each answering one question."),
    ("summary", "Summary", "TODO: the summary; your turn: the exercise link; previous and next."),
]


#: Under every lecture's title (a test checks each lecture has it): a lecture opens with no
#: outputs, and a newcomer to Jupyter would see no numbers, no figures and no sliders.
RUN_HINT = ("> **To run this lecture:** Run › Run All Cells in the menu, or Shift+Enter in each cell from the top.\n"
            "> The numbers and figures appear under each cell as it runs, the sliders under the explorer cells.")


def lecture_notebook(slug: str, title: str) -> dict:
    n = slug[:2]
    cells = [
        _cell("markdown", f"{n}-title", f"""
# {n} · {title}

{RUN_HINT}

Notation: [README › Notation](../README.md#notation) · Exercise:
[exercises/{slug}/{slug}.ipynb](../exercises/{slug}/{slug}.ipynb)"""),
        _cell("code", f"{n}-setup", """
import numpy as np
import matplotlib.pyplot as plt

from descent import surfaces, rollout, reference, plots, widgets

R = reference.rules()          # the course's reference rules
valley = surfaces.valley()"""),
    ]
    for key, heading, todo in LECTURE_SECTIONS:
        cells.append(_cell("markdown", f"{n}-{key}", f"## {heading}\n\n{todo}"))
    return _notebook(cells)


# -- python files -------------------------------------------------------------------------------------
def spec_file(slug: str, title: str, rules: list[str], schedules: list[str], hyper: dict) -> str:
    n = slug[:2]
    # η varies; the other values are the given ones: choose them so that each mistake shows
    second = {k: (float(f"{v * 0.37:.6g}") if k == "eta" else v) for k, v in hyper.items()}
    batch = {k: ([float(f"{v * f:.6g}") for f in (0.1, 0.5, 1.0, 2.0)] if k == "eta" else [v] * 4)
             for k, v in hyper.items()}
    rule_entries = "".join(f'''
    Rule(
        "{name}",
        # two sets of scalar hyperparameters, and one with a value per run of the batch case: vary
        # every hyperparameter, with values that make each mistake below visible (the release
        # stops on a mistake that no case tells apart, e.g. ε inside a root with ε = 1e-8)
        hyper=({hyper!r},
               {second!r},
               {batch!r}),
        # checks from descent.checks.PROPERTIES, e.g. ("reduces_to_gd", {{"off": {{"beta": 0.0}}}}),
        # ("constant_gradient", {{"gain": "eta / (1 - alpha)", "formula": "η/(1−α)"}}): each tests values
        properties=("pure", "batch"),
        # common mistakes are built from the reference rule; add Mistake("name", "why", wrong_rule)
        # for the ones particular to this rule (write wrong_rule above, with @with_state)
        mistakes=(common.gradient_sign(), common.eta_left_out(), common.state_not_updated()),
        # torch.optim's counterpart, if any: its options for one run, and each state variable
        # of the course from torch's state (then make tests/data/torch/{name}.json: see
        # tests/data/make_torch_fixtures.py), e.g.
        # torch=Torch("SGD", options=lambda h: {{"lr": h["eta"], "momentum": h["alpha"]}},
        #             state={{"v": lambda s, h: -h["eta"] * s["momentum_buffer"]}}, note="..."),
    ),''' for name in rules)
    schedule_entries = "".join(f'''
    Schedule(
        "{name}",
        hyper=({hyper!r},),  # one case per set of hyperparameters
        steps=12,
        mistakes=(common.schedule_t_off_by_one(),),
    ),''' for name in schedules)
    return f'''"""Topic {n} · {title}: the specs of its rules (fields: descent_instructor/spec.py).

Values confirmed independently in tests/test_{slug}.py (TODO: say how)."""
from descent_instructor.spec import Mistake, Rule, Schedule, Torch, common  # noqa: F401

RULES = ({rule_entries}
)
''' + (f"""
SCHEDULES = ({schedule_entries}
)
""" if schedules else "")


def rule_skeleton(name: str, slug: str, hyper: dict) -> str:
    args = ", ".join(hyper)
    return f'''

@with_state()  # TODO: the state and its start values, e.g. @with_state(s=0.0, t=0)
def {name}(theta, g, state, *, {args}):
    """TODO: what the rule does, in one line (lecture {slug[:2]}).

        θ_t = θ_{{t-1}} − ...   (TODO: the update, in the course's notation)

    TODO: each hyperparameter and the state.  Return (θ_t, new state).
    """
    ### BEGIN SOLUTION
    raise NotImplementedError("{name}: write the reference rule in solutions/rules.py")
    ### END SOLUTION
'''


def schedule_skeleton(name: str, slug: str, hyper: dict) -> str:
    args = ", ".join(hyper)
    return f'''

def {name}(t, *, {args}):
    """TODO: what the schedule does, in one line (lecture {slug[:2]}).

        η_t = ...   (TODO: t = 1 for the first step)

    TODO: each hyperparameter.  Return η_t.
    """
    ### BEGIN SOLUTION
    raise NotImplementedError("{name}: write the reference schedule in solutions/rules.py")
    ### END SOLUTION
'''


def test_file(slug: str, title: str, names: list[str]) -> str:
    n = slug[:2]
    return f'''"""Topic {n} · {title}: {", ".join(f"`{x}`" for x in names)}, confirmed independently.

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/{slug}.ipynb,
exercises/{slug}/, solutions/assignments/{slug}/, solutions/topics/{slug}.py."""
import numpy as np  # noqa: F401
from conftest import reference_cases, reference_rule  # noqa: F401


def test_first_steps_by_hand():
    raise NotImplementedError("derive the first steps of a reference case by hand and assert them")


def test_reference_values_equal_a_closed_form():
    raise NotImplementedError("confirm every case by a closed form independent of the rule's code")
'''


def add_to_syllabus(text: str, slug: str, rules: list[str], schedules: list[str]) -> str:
    line = re.compile(rf'^(    Topic\("{slug}", "[^"]*")(.*)\),$', re.M)
    m = line.search(text)
    if not m:
        raise SystemExit(f"no topic {slug!r} in lib/descent/syllabus.py")
    if m.group(2).strip():
        raise SystemExit(f"the syllabus already lists rules for {slug}: {m.group(0).strip()}")
    def names(xs):
        return "(" + ", ".join(f'"{x}"' for x in xs) + ("," if len(xs) == 1 else "") + ")"

    extra = (f", {names(rules)}" if rules else "") + \
        (f", schedules={names(schedules)}" if schedules else "")
    return text[:m.start()] + m.group(1) + extra + ")," + text[m.end():]


def _hyper(items: list[str], parser) -> dict:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = float(value)
        except ValueError:
            parser.error(f"--hyper takes NAME=VALUE pairs (e.g. eta=0.1 eps=1e-8), got {item!r}; "
                         "name the rules before --hyper")
    return out


def scaffold(slug: str, rules: list[str], schedules: list[str], hyper: dict) -> list[Path]:
    from descent.syllabus import TOPICS

    topic = next((t for t in TOPICS if t.slug == slug), None)
    if topic is None:
        raise SystemExit(f"{slug!r} is not a topic of lib/descent/syllabus.py ({PREFIX_HELP})")
    if not rules and not schedules:
        raise SystemExit("name at least one rule or --schedule")
    made = {
        paths.topic_spec(slug): spec_file(slug, topic.title, rules, schedules, hyper),
        paths.solution_notebook(slug): json.dumps(
            solution_notebook(slug, topic.title, rules, schedules, hyper), indent=1,
            ensure_ascii=False) + "\n",
        paths.LECTURES / f"{slug}.ipynb": json.dumps(lecture_notebook(slug, topic.title), indent=1,
                                                     ensure_ascii=False) + "\n",
        paths.TESTS / f"test_{slug}.py": test_file(slug, topic.title, rules + schedules),
    }
    existing = [p for p in made if p.exists()]
    source = paths.REFERENCE_RULES.read_text("utf-8")
    existing += [f"def {x}( in solutions/rules.py" for x in rules + schedules
                 if re.search(rf"^def {x}\(", source, re.M)]
    if existing:
        raise SystemExit("not overwriting: " + ", ".join(map(str, existing)))
    syllabus = paths.LIB / "syllabus.py"
    new_syllabus = add_to_syllabus(syllabus.read_text("utf-8"), slug, rules, schedules)
    for path, text in made.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    source += "".join(rule_skeleton(x, slug, hyper) for x in rules)
    source += "".join(schedule_skeleton(x, slug, hyper) for x in schedules)
    paths.REFERENCE_RULES.write_text(source, encoding="utf-8")
    syllabus.write_text(new_syllabus, encoding="utf-8")
    return [*made, paths.REFERENCE_RULES, syllabus]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 course.py new-topic", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("slug", help=PREFIX_HELP)
    parser.add_argument("rules", nargs="*", help="the update rules the topic teaches")
    parser.add_argument("--schedule", action="append", default=[], help="a schedule it teaches")
    parser.add_argument("--hyper", nargs="+", default=["eta=0.1"], metavar="NAME=VALUE",
                        help="hyperparameters and a typical value (default: eta=0.1)")
    args = parser.parse_args(argv)
    for path in scaffold(args.slug, args.rules, args.schedule, _hyper(args.hyper, parser)):
        print(f"wrote {path.relative_to(paths.ROOT)}")
    print(NEXT.format(slug=args.slug))
    return 0


NEXT = """Next, for {slug}:
  1. the reference rules in solutions/rules.py, and the spec solutions/topics/{slug}.py (cases
     that show every mistake; a torch mapping, then tests/data/torch/<rule>.json made with torch
     2.13 in its own environment, as tests/data/make_torch_fixtures.py says);
  2. python3 course.py release   (stubs and reference values; tests/test_rules.py then checks the rules)
  3. tests/test_{slug}.py: the first steps by hand and a closed form (it fails until written);
  4. the lecture and the solution notebook (their TODOs), with every quoted number computed;
  5. when all four places are done: built=True in lib/descent/syllabus.py, the README's syllabus
     row with its links and "ready", and python3 course.py release (the exercise is released then)."""


if __name__ == "__main__":
    sys.exit(main())
