"""Set-up: environment.yml is the single source of dependencies; the README's commands are the
ones CI and Binder use; Binder leaves students the Validate button only."""
import re

from conftest import ROOT

from descent_instructor import release

COURSE = (ROOT / "course.py").read_text()


def test_requirements_are_derived_from_environment_yml():
    env = (ROOT / "environment.yml").read_text()
    assert (ROOT / "requirements.txt").read_text() == release.requirements(env)
    for pkg in ["jupyterlab", "numpy", "matplotlib", "ipywidgets", "nbgrader", "pytest"]:
        assert re.search(rf"^  - {pkg}\b", env, re.M), pkg


def test_requirements_derivation_handles_conda_syntax():
    env = "name: x\ndependencies:\n  - python=3.11\n  - numpy=1.26\n  - scipy>=1.10  # why\n  - pip\n"
    body = release.requirements(env).splitlines()[2:]
    assert body == ["numpy==1.26", "scipy>=1.10"]


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "python3 course.py lab" in readme
    assert "python3 course.py test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^python3 course.py test$", ci, re.M)


def test_binder_badge_opens_lecture_00_in_jupyterlab():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"mybinder\.org/v2/gh/[^)\s]+\?urlpath=lab/tree/lectures/00_gradient_descent\.ipynb", readme)


def test_binder_installs_the_lib_and_hides_instructor_panels_only():
    post = (ROOT / "postBuild").read_text()
    assert "set -euo pipefail" in post and "pip install --no-deps -e lib" in post
    assert "course.py student-extensions" in post
    assert not (ROOT / "binder").exists()  # repo2docker would then ignore the top-level files
    for plugin in ["formgrader", "assignment-list", "course-list", "create-assignment"]:
        assert f'"@jupyter/nbgrader:{plugin}"' in COURSE
    assert "validate" not in COURSE.split("INSTRUCTOR_LAB_PLUGINS")[1].split("]")[0]


def test_instructor_plugin_ids_exist_in_the_installed_nbgrader():
    import nbgrader
    from pathlib import Path

    share = Path(nbgrader.__file__).parents[4] / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
    bundle = "".join(p.read_text(errors="ignore") for p in (share / "static").glob("*.js"))
    for plugin in re.findall(r'"(@jupyter/nbgrader:[a-z-]+)"', COURSE):
        assert plugin in bundle, plugin
    assert "@jupyter/nbgrader:validate-assignment" in bundle
    import jupyterlab

    lab = Path(jupyterlab.__file__).parents[4] / "share" / "jupyter" / "lab" / "static"
    lab_bundle = "".join(p.read_text(errors="ignore") for p in lab.glob("*.js"))
    assert '"@jupyterlab/apputils-extension:announcements"' in COURSE
    assert "@jupyterlab/apputils-extension:announcements" in lab_bundle


def test_browser_automation_stays_out_of_the_students_environment():
    tests_only = (ROOT / "tests" / "requirements.txt").read_text()
    assert re.search(r"^playwright==", tests_only, re.M)
    for students in ("environment.yml", "requirements.txt"):
        assert "playwright" not in (ROOT / students).read_text(), students
    assert "TEST_REQUIREMENTS" in COURSE and 'with_tests=command == "test"' in COURSE


def test_the_check_command_checks_exactly_the_named_rule():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "course.py", "check", "momentum"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 1  # the stubs: not implemented yet
    assert "test_reference_values[momentum]" in done.stdout
    assert "momentum_ema" not in done.stdout and "2 failed" in done.stdout and "deselected" in done.stdout
