"""Every rule and schedule of every topic spec (solutions/topics/NN_slug.py), by one set of generic
checks. The table is the specs themselves: a rule that is written but named in no spec, or named
in a spec but missing from the syllabus, the reference rules or the reference files, fails
`test_one_registry`, so no built rule can go untested.

Each topic's own mathematics (closed forms, hand-derived steps, lecture experiments) stays in
tests/test_NN_slug.py."""
import ast
import json
import re

import numpy as np
import pytest
from conftest import ROOT, reference_rule

from descent import checks, rules
from descent.syllabus import TOPICS
from descent_instructor import topics
from descent_instructor.paths import REFERENCE_RULES, REFERENCES
from descent_instructor.spec import equation, modifies_input

SPECS = topics.specs()
RULES = [(spec.slug, r) for spec in SPECS for r in spec.rules]
SCHEDULES = [(spec.slug, s) for spec in SPECS for s in spec.schedules]
NAMES = [r.name for _, r in RULES] + [s.name for _, s in SCHEDULES]
MISTAKES = [(r.name, m) for _, r in RULES for m in r.mistakes]
TORCH = [r for _, r in RULES if r.torch]
TORCH_DATA = ROOT / "tests" / "data" / "torch"
pytestmark = pytest.mark.usefixtures("short_headlines")  # every failure's first line is short
MAKE_FIXTURES = ("make it with torch 2.13 in an environment of its own, as the docstring of "
                 "tests/data/make_torch_fixtures.py says, and commit it")


def test_one_registry():
    """syllabus = specs = reference rules = stubs = reference files, for every topic with a spec."""
    assert SPECS, "no topic specs found in solutions/topics/"
    built = {t.slug for t in TOPICS if t.built}
    assert built <= {s.slug for s in SPECS}, "a built topic has no spec in solutions/topics/"
    for spec in SPECS:  # topics.load() already refused a spec that disagrees with the syllabus
        topic = next(t for t in TOPICS if t.slug == spec.slug)
        assert spec.names == topic.names
    written = {f.name for f in ast.parse(REFERENCE_RULES.read_text()).body
               if isinstance(f, ast.FunctionDef) and not f.name.startswith("_")}
    assert written == set(NAMES), "solutions/rules.py and the specs name different rules"
    stubs = {f.name for f in ast.parse((ROOT / "lib" / "descent" / "rules.py").read_text()).body
             if isinstance(f, ast.FunctionDef)}
    assert stubs == set(NAMES), "run `python3 course.py release`"
    files = {p.stem for p in REFERENCES.glob("*.json")}
    assert files == set(NAMES), "run `python3 course.py release`"
    fixtures = {p.stem for p in TORCH_DATA.glob("*.json")}
    missing, stale = {r.name for r in TORCH} - fixtures, fixtures - {r.name for r in TORCH}
    assert not missing, f"no torch values for {sorted(missing)} (tests/data/torch/): {MAKE_FIXTURES}"
    assert not stale, f"torch values for {sorted(stale)}, whose specs have no torch mapping"


@pytest.mark.parametrize("slug,spec", RULES, ids=[r.name for _, r in RULES])
def test_reference_file_says_what_the_checker_needs(slug, spec):
    data = json.loads((REFERENCES / f"{spec.name}.json").read_text())
    rule = reference_rule(spec.name)
    assert data["format"] == checks.FORMAT and data["kind"] == "rule"
    assert (data["rule"], data["topic"]) == (spec.name, slug)
    assert data["equation"] == equation(rule)  # from the docstring, never a copy
    assert data["initial_state"] == rule.initial_state
    assert data["properties"] == spec.property_list()
    assert all(p["name"] in checks.PROPERTIES for p in data["properties"])
    assert data["hyperparameters"] == sorted(spec.hyper[0])


@pytest.mark.parametrize("name", NAMES)
def test_provenance_and_full_precision(name):
    data = checks.load(name)
    named = re.findall(r"(?:solutions|tests)/[\w/]+\.(?:py|json)", data["provenance"])
    assert "solutions/rules.py" in named and any(n.startswith("tests/test_") for n in named)
    for path in named:
        assert (ROOT / path).is_file(), f"the provenance names {path}, which does not exist" + (
            f": {MAKE_FIXTURES}" if path.startswith("tests/data/torch/") else "")
    if data["kind"] == "rule":
        random = [c for c in data["cases"] if not c.name.startswith("quadratic")]  # short decimals there
        values = np.concatenate([c.theta[1:].ravel() for c in random])
        assert len(data["cases"]) >= 4 and any(c.theta0.ndim == 2 for c in data["cases"])
    else:
        values = np.concatenate([c.eta.ravel() for c in data["cases"]])
    values = values[(values != 0) & (np.abs(values) < 1e3)]
    # stored as computed: none rounded to 12 significant digits or fewer
    rounded = [x for x in values if float(f"{x:.12g}") == x]
    assert len(rounded) < 0.02 * len(values), rounded[:5]


@pytest.mark.parametrize("name", [r.name for _, r in RULES])
def test_reference_rule_reproduces_its_values_and_properties(name, capsys):
    checks.check_rule(reference_rule(name), name)
    checks.check_properties(reference_rule(name), name)
    out = capsys.readouterr().out
    assert f"✓ {name} matches the reference values" in out and f"✓ {name} has the expected" in out


@pytest.mark.parametrize("name", [s.name for _, s in SCHEDULES])
def test_reference_schedule_reproduces_its_values(name):
    checks.check_schedule(reference_rule(name), name)


SCHEDULE_MISTAKES = [(s.name, m) for _, s in SCHEDULES for m in s.mistakes]


@pytest.mark.parametrize("name,mistake", SCHEDULE_MISTAKES, ids=[f"{n}: {m.name}" for n, m in SCHEDULE_MISTAKES])
def test_each_known_schedule_mistake_fails_and_is_named(name, mistake):
    data = checks.load(name)
    with pytest.raises(checks.RuleCheckFailed) as err, np.errstate(all="ignore"):
        checks.check_schedule(mistake.build(reference_rule(name)), name)
    message = str(err.value)
    assert f"well-known mistake — {mistake.name}: {mistake.text(data['equation'])}" in message
    assert "differs from the reference at t = " in message


TORCH_SCHEDULES = [s for _, s in SCHEDULES if s.torch]


def test_every_torch_schedule_fixture_has_a_mapping():
    fixtures = {p.stem for p in (TORCH_DATA / "schedules").glob("*.json")}
    missing = {s.name for s in TORCH_SCHEDULES} - fixtures
    assert not missing, f"no torch values for {sorted(missing)} (tests/data/torch/schedules/): {MAKE_FIXTURES}"
    assert fixtures <= {s.name for s in TORCH_SCHEDULES}, "torch values for a schedule with no mapping"


@pytest.mark.parametrize("spec", TORCH_SCHEDULES, ids=lambda s: s.name)
def test_reference_schedule_agrees_with_torch(spec):
    """torch.optim.lr_scheduler 2.13 on every case, epoch k = t − 1, where the spec says the
    conventions coincide (``TorchSchedule.coincide``); elsewhere they must differ, as the spec says."""
    fixture = json.loads((TORCH_DATA / "schedules" / f"{spec.name}.json").read_text())
    assert fixture["scheduler"] == spec.torch.scheduler and "torch 2.13" in fixture["provenance"]
    cases = checks.load(spec.name)["cases"]
    assert [c["name"] for c in fixture["cases"]] == [c.name for c in cases]
    for case, torch_case in zip(cases, fixture["cases"]):
        for i, run in enumerate(torch_case["runs"]):
            assert run["options"] == spec.torch.options(run["hyper"])
            ours = case.eta[:, i] if case.eta.ndim > 1 else case.eta
            same = np.array([spec.torch.coincide(int(t), run["hyper"]) for t in case.t])
            np.testing.assert_allclose(ours[same], np.array(run["lr"])[same], rtol=1e-12, atol=0,
                                       err_msg=f"{case.name}, run {i}")
            if (~same).any():  # where the conventions differ, the fixture shows a difference
                assert not np.allclose(ours[~same], np.array(run["lr"])[~same], rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_stub_fails_every_check_with_where_to_start(name):
    topic = next(t for t in TOPICS if name in t.names)
    is_schedule = name in [s.name for _, s in SCHEDULES]
    check_fns = [checks.check_schedule] if is_schedule else [checks.check_rule,
                                                                     checks.check_properties]
    for check in check_fns:
        with pytest.raises(checks.RuleCheckFailed) as err:
            check(getattr(rules, name), name)
        message = str(err.value)
        assert f"`{name}` is not implemented yet" in message and "lib/descent/rules.py" in message
        assert topic.lecture in message and topic.exercise in message
        if topic.built:
            assert (ROOT / topic.lecture).is_file() and (ROOT / topic.exercise).is_file()


@pytest.mark.parametrize("name,mistake", MISTAKES, ids=[f"{n}: {m.name}" for n, m in MISTAKES])
def test_each_known_mistake_fails_and_is_named(name, mistake):
    data = checks.load(name)
    wrong = mistake.build(reference_rule(name))
    with pytest.raises(checks.RuleCheckFailed) as err:
        checks.check_rule(wrong, name)
    message = str(err.value)
    assert f"well-known mistake — {mistake.name}: {mistake.text(data['equation'])}" in message
    assert "at step t = " in message and "expected" in message and "got" in message


@pytest.mark.parametrize("name", [r.name for _, r in RULES])
def test_modified_input_is_named(name):
    with pytest.raises(checks.RuleCheckFailed, match=r"modified its input theta .*modified input"):
        checks.check_rule(modifies_input(reference_rule(name)), name)


@pytest.mark.parametrize("spec", TORCH, ids=lambda r: r.name)
def test_reference_values_agree_with_torch(spec):
    """torch.optim 2.13 on every case, through the spec's mapping of hyperparameters and state."""
    path = TORCH_DATA / f"{spec.name}.json"
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: {MAKE_FIXTURES}")
    fixture = json.loads(path.read_text())
    assert fixture["optimizer"] == spec.torch.optimizer and "torch 2.13" in fixture["provenance"]
    cases = checks.load(spec.name)["cases"]
    assert [c["name"] for c in fixture["cases"]] == [c.name for c in cases]
    compared = 0
    for case, torch_case in zip(cases, fixture["cases"]):
        runs = torch_case["runs"]
        for i, run in enumerate(runs):
            index = (slice(None), i) if len(runs) > 1 else (slice(None),)
            np.testing.assert_allclose(case.theta[index], run["theta"], rtol=1e-13, atol=1e-14,
                                       err_msg=f"{case.name}, run {i}: θ")
            assert run["options"] == spec.torch.options(run["hyper"])
            for var, to_course in spec.torch.state.items():
                raw = run["state"]
                if not all(raw.get(k) and None not in raw[k][1:] for k in raw) or not raw:
                    continue  # torch keeps no such state for this run (e.g. momentum 0)
                mapped = [to_course({k: np.array(v[t]) for k, v in raw.items()}, run["hyper"])
                          for t in range(1, len(run["theta"]))]
                np.testing.assert_allclose(case.state[var][index][1:], mapped, rtol=1e-13,
                                           atol=1e-14, err_msg=f"{case.name}, run {i}: {var}")
                compared += 1
    assert compared or not spec.torch.state, "no state was compared with torch's"
