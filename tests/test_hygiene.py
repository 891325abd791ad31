"""Notebook hygiene: committed without outputs, stable unique cell ids, nbgrader metadata sane,
lectures linked to the notation table and their exercise."""
import json
import re

import pytest
from descent_instructor.paths import solution_notebook
from descent_instructor.scaffold import RUN_HINT
from conftest import BUILT, ROOT

NOTEBOOKS = sorted(p for d in ("lectures", "exercises", "solutions") for p in (ROOT / d).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3 * len(BUILT)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_without_outputs_and_with_stable_ids(path):
    nb = json.loads(path.read_text())
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 5
    prefix = path.name[:2]
    ids = [c["id"] for c in nb["cells"]]
    assert len(ids) == len(set(ids)), "duplicate cell ids"
    for cell in nb["cells"]:
        assert re.fullmatch(rf"{prefix}-[a-z0-9-]+", cell["id"]), cell["id"]
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, cell["id"]


@pytest.mark.parametrize("topic", BUILT, ids=lambda t: t.slug)
def test_lecture_links_notation_and_exercise_and_has_a_slider_explorer(topic):
    text = (ROOT / topic.lecture).read_text()
    assert "widgets.Explorer(" in text or "widgets.compare(" in text
    assert "../README.md#notation" in text
    assert f"../exercises/{topic.slug}/{topic.slug}.ipynb" in text


@pytest.mark.parametrize("topic", BUILT, ids=lambda t: t.slug)
def test_lecture_says_how_to_run_it_under_its_title(topic):
    # a lecture opens with no outputs: without the hint a newcomer to Jupyter sees no slider
    title = json.loads((ROOT / topic.lecture).read_text())["cells"][0]
    assert title["id"] == f"{topic.slug[:2]}-title"
    lines = "".join(title["source"]).splitlines()
    assert lines[0].startswith("# ") and "\n".join(lines[2:4]) == RUN_HINT, lines[:4]


@pytest.mark.parametrize("topic", BUILT, ids=lambda t: t.slug)
def test_solution_has_graded_parts(topic):
    nb = json.loads((solution_notebook(topic.slug)).read_text())
    meta = [c["metadata"].get("nbgrader") for c in nb["cells"] if c["metadata"].get("nbgrader")]
    grade_ids = [m["grade_id"] for m in meta]
    assert len(grade_ids) == len(set(grade_ids))
    tests = [m for m in meta if m["grade"] and not m["solution"]]
    manual = [m for m in meta if m["grade"] and m["solution"]]
    answers = [m for m in meta if m["solution"] and not m["grade"]]
    assert tests and all(m["locked"] and m["points"] > 0 for m in tests)
    assert len(manual) >= 1 and len(answers) >= 1   # a written answer, a value answered by code
    sources = {c["id"]: "".join(c["source"]) for c in nb["cells"]}
    assert sum("BEGIN HIDDEN TESTS" in s for s in sources.values()) >= 2


def test_lectures_and_library_never_read_the_shared_folder():
    for path in [*NOTEBOOKS, *(ROOT / "lib").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        if path.name == "test_hygiene.py":
            continue
        assert "/shared/" not in path.read_text() and "../shared" not in path.read_text(), path


def test_every_lib_module_but_rules_says_it_is_course_code():
    modules = sorted((ROOT / "lib" / "descent").rglob("*.py"))
    assert len(modules) > 8
    for path in modules:
        first = path.read_text().lstrip().splitlines()[0]
        if path.name == "rules.py" and path.parent.name == "descent":
            assert "This is the file you edit" in first
        else:
            assert first.startswith('"""Course code (read it, don\'t edit it'), path


def test_the_grading_kernels_reference_module_offers_what_the_libs_does():
    import ast

    from descent_instructor.paths import KERNEL_FILES

    def public(path):
        tree = ast.parse(path.read_text())
        return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                and not n.name.startswith("_")}

    lib, kernel = public(ROOT / "lib" / "descent" / "reference.py"), public(KERNEL_FILES / "reference.py")
    assert lib == kernel, f"the grading kernel's reference.py lacks {lib - kernel}, has {kernel - lib}"


def test_nbgraders_source_folder_holds_only_the_assignments():
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    api = NbGraderAPI(config=config)
    from descent.syllabus import TOPICS

    assert sorted(api.get_source_assignments()) == [
        t.slug for t in TOPICS if solution_notebook(t.slug).is_file()]
    assert set(t.slug for t in BUILT) <= set(api.get_source_assignments())


def test_nbgraders_feedback_hides_the_hidden_tests():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    names = [p.__name__ for p in config.GenerateFeedback.preprocessors]
    assert "HideHiddenTests" in names, names
