"""The release command: generated files match their sources, and release files carry no
solution or hidden-test text."""
import ast
import json
import re
import subprocess
import sys

import pytest
from descent_instructor.paths import solution_notebook
from conftest import BUILT, ROOT, env_with

from descent_instructor import release

LEAKS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS")


@pytest.mark.slow
def test_release_regenerates_byte_identically():
    out = subprocess.run([sys.executable, "-m", "descent_instructor.release", "--check"], cwd=ROOT,
                         capture_output=True, text=True, env=env_with())
    assert out.returncode == 0, out.stdout + out.stderr


def test_stub_generation_cuts_every_solution_block():
    source = (ROOT / "solutions" / "rules.py").read_text()
    stub = release.stub_rules(source)
    assert stub == (ROOT / "lib" / "descent" / "rules.py").read_text()
    src_funcs = {f.name: f for f in ast.parse(source).body if isinstance(f, ast.FunctionDef)}
    stub_funcs = {f.name: f for f in ast.parse(stub).body if isinstance(f, ast.FunctionDef)}
    assert src_funcs.keys() == stub_funcs.keys()
    for name, func in stub_funcs.items():
        body = [n for n in func.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        assert len(body) == 1 and isinstance(body[0], ast.Raise), name
        assert ast.unparse(body[0]) == f"raise NotYetImplemented('{name}')"
        assert ast.get_docstring(func) == ast.get_docstring(src_funcs[name])
        assert [ast.unparse(d) for d in func.decorator_list] == [ast.unparse(d) for d in src_funcs[name].decorator_list]


def test_stub_generation_rejects_malformed_markers():
    with pytest.raises(ValueError):
        release.stub_rules("def f():\n    ### BEGIN SOLUTION\n    return 1\n")


def test_release_files_carry_no_solution_or_hidden_test_text():
    files = [ROOT / "lib" / "descent" / "rules.py", *(ROOT / "exercises").rglob("*.ipynb"),
             *(ROOT / "exercises").rglob("*.py")]
    for path in files:
        assert not LEAKS.search(path.read_text()), path
    solution_lines = set()
    for topic in BUILT:
        nb = json.loads((solution_notebook(topic.slug)).read_text())
        for cell in nb["cells"]:
            text = "".join(cell["source"])
            for block in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", text, re.S):
                solution_lines |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 12}
    src = (ROOT / "solutions" / "rules.py").read_text()
    for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", src, re.S):
        solution_lines |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 12}
    assert solution_lines
    for path in files:
        text = path.read_text()
        leaked = [ln for ln in solution_lines if ln in text]
        assert not leaked, f"{path}: {leaked[:3]}"


def test_every_built_topic_has_its_four_places():
    for topic in BUILT:
        assert (ROOT / topic.lecture).is_file()
        assert (ROOT / topic.exercise).is_file()
        assert (solution_notebook(topic.slug)).is_file()
        assert (ROOT / "tests" / f"test_{topic.slug}.py").is_file()
        for rule in topic.rules:
            assert (ROOT / "lib" / "descent" / "references" / f"{rule}.json").is_file()
