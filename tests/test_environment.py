"""Set-up: requirements.txt's ranges resolve into requirements.lock, which Binder and the local
set-up install; the README's commands are the ones CI and Binder use; Binder leaves students the
Validate button only."""
import re

from conftest import ROOT

from descent_instructor import release

COURSE = (ROOT / "course.py").read_text()


def _course():
    """course.py as a module (its set-up helpers in descent_setup/ importable)."""
    import importlib.util
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("course_under_test", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lock():
    import sys

    sys.path.insert(0, str(ROOT))
    from descent_setup import lock

    return lock


def test_the_lock_pins_every_package_within_the_ranges():
    """requirements.lock: every line `name==version`, each of requirements.txt's ranges met by
    its pin, and the lib's and the instructor tools' dependencies among them."""
    from packaging.requirements import Requirement

    lock = _lock()
    text = (ROOT / "requirements.lock").read_text()
    body = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert body and all(re.fullmatch(r"[A-Za-z0-9][\w.-]*==[\w.+!-]+", ln) for ln in body), body
    pins = lock.pins(text)
    ranges = [Requirement(ln) for ln in (ROOT / "requirements.txt").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]
    for req in ranges:
        name = lock.normalise(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock: run python3 course.py lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]}, outside {req}: run python3 course.py lock")
    named = {lock.normalise(r.name) for r in ranges}
    for project in ("lib", "solutions"):
        toml = (ROOT / project / "pyproject.toml").read_text()
        listed = re.search(r"^dependencies\s*=\s*\[(.*?)\]", toml, re.M | re.S).group(1)
        for dep in re.findall(r'"([^"]+)"', listed):
            name = lock.normalise(Requirement(dep).name)
            assert name == "descent" or name in named, f"{project} needs {dep}: add it to requirements.txt"
    # the same major.minor as Binder's (environment.yml) and CI's Python
    assert lock.lock_python(text) == "3.11"


def test_the_lock_command_refuses_another_python_than_binders(monkeypatch, capsys):
    import sys

    lock = _lock()
    assert lock.binder_python(ROOT) == "3.11"
    monkeypatch.setattr(sys, "version_info", (3, 12, 1, "final", 0))
    assert lock.main(ROOT) == 1
    assert "python3.11 course.py lock" in capsys.readouterr().err


def test_binder_installs_the_lock_and_nothing_else():
    """environment.yml: conda gives only Python and pip; the packages are the lock's, so Binder
    runs the versions CI tests. micromamba writes the pip section to a file next to
    environment.yml (repo2docker: the repository's root) and runs pip from there, so the
    relative path works; repo2docker then copies the whole repository before this step."""
    import yaml

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    assert env["dependencies"] == ["python=3.11", "pip", {"pip": ["-r requirements.lock"]}]
    assert _lock().lock_python((ROOT / "requirements.lock").read_text()) == "3.11"


def _ensure_env_installs(monkeypatch, tmp_path, lock_python="3.11", with_tests=False):
    """The pip arguments course.ensure_env uses for a new .venv in tmp_path."""
    import sys

    from descent_setup import install

    course = _course()
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    lock = tmp_path / "requirements.lock"
    lock.write_text((ROOT / "requirements.lock").read_text().replace(
        "# python 3.11", f"# python {lock_python}"))
    monkeypatch.setattr(course, "VENV", venv)
    monkeypatch.setattr(course, "BIN", venv / "bin")
    monkeypatch.setattr(course, "STAMP", venv / "stamp")
    monkeypatch.setattr(course, "TEST_STAMP", venv / "test-stamp")
    monkeypatch.setattr(course, "LOCK", lock)
    monkeypatch.setattr(sys, "version_info", (3, 11, 7, "final", 0))
    calls = []
    monkeypatch.setattr(install, "pip_install", lambda python, args, **kw: calls.append(args))
    monkeypatch.setattr(course, "student_extensions", lambda prefix: calls.append(["extensions", prefix]))
    course.ensure_env(with_tests=with_tests)
    return course, calls


def test_the_local_set_up_installs_the_lock(monkeypatch, tmp_path):
    course, calls = _ensure_env_installs(monkeypatch, tmp_path, with_tests=True)
    packages, extensions, tests_only = calls
    assert packages[:2] == ["-r", course.LOCK] and ["-e", ROOT / "lib"] == packages[2:4]
    assert extensions == ["extensions", course.VENV]
    # the test-only packages never move the course's pins
    assert tests_only == ["-r", course.TEST_REQUIREMENTS, "-c", course.LOCK]


def test_another_python_gets_the_ranges(monkeypatch, tmp_path, capsys):
    """The lock is resolved for Binder's Python; with another one (a pin may have no wheel for
    it), the set-up installs requirements.txt's ranges and says so."""
    course, calls = _ensure_env_installs(monkeypatch, tmp_path, lock_python="3.12")
    assert calls[0][:2] == ["-r", course.RANGES]
    assert "tested with Python 3.12" in capsys.readouterr().out


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
    for students in ("environment.yml", "requirements.txt", "requirements.lock"):
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
