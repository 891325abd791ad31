"""Browser tests: JupyterLab on a copy of the course, in headless Chromium driven by Playwright.

One JupyterLab server and one browser for the whole session (see lab.py). Each lecture is opened
and run once per session (fixture ``lecture``); the exercise tests open their notebook in a
fresh page (fixture ``lab``), whose kernel is shut down after the test. Screenshots of each step go to
artifacts/browser/ (git-ignored), plus one of the page whenever a test fails.

Without Chromium (``$DESCENT_CHROMIUM``, or chromium / chromium-browser / google-chrome on PATH)
or Playwright these tests are skipped, and the summary says so; with
``DESCENT_REQUIRE_BROWSER=1`` (CI: .ci/run) they fail instead.
"""
from __future__ import annotations

import os
import re

import pytest

from .lab import (ARTIFACTS, OPEN, LabServer, close_notebook, copy_course, find_chromium,
                  launch_browser, open_notebook, playwright_problem)

REQUIRED = os.environ.get("DESCENT_REQUIRE_BROWSER", "") not in ("", "0")
HOW_TO_ENABLE = ("install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`) or point "
                 "DESCENT_CHROMIUM at a Chromium or Chrome binary; `python3 course.py test` "
                 "installs Playwright from tests/requirements.txt. DESCENT_REQUIRE_BROWSER=1 "
                 "(set by .ci/run) turns this skip into a failure.")
_state = {"problem": None, "skipped": 0, "failed_for_it": False}


def _problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    problems = []
    if find_chromium() is None:
        given = os.environ.get("DESCENT_CHROMIUM")
        where = f"DESCENT_CHROMIUM={given!r} is not an executable; " if given else ""
        problems.append(f"no Chromium found ({where}none of chromium, chromium-browser, "
                        "google-chrome on PATH)")
    why = playwright_problem()
    if why:
        problems.append(why)
    return "; ".join(problems) or None


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium "
                                       "(tests/browser; skipped when no Chromium is installed)")


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    _state["problem"] = problem = _problem()
    if problem is None:
        return
    if REQUIRED:  # the session fixtures fail each test with the reason
        _state["failed_for_it"] = True
        return
    skip = pytest.mark.skip(reason=f"browser test: {problem}")
    for item in browser_items:
        item.add_marker(skip)
    _state["skipped"] = len(browser_items)


def pytest_terminal_summary(terminalreporter):
    problem = _state["problem"]
    if _state["skipped"]:
        terminalreporter.write_sep("=", "browser tests skipped", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{_state['skipped']} browser tests (tests/browser) were SKIPPED: {problem}.")
        terminalreporter.write_line(f"To run them, {HOW_TO_ENABLE}")
    elif _state["failed_for_it"]:
        terminalreporter.write_sep("=", "browser tests could not run", red=True, bold=True)
        terminalreporter.write_line(f"DESCENT_REQUIRE_BROWSER is set, but {problem}.")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _browser_available():
    """Fails every browser test when DESCENT_REQUIRE_BROWSER is set and they cannot run (without
    it they were skipped at collection)."""
    if _state["problem"]:
        pytest.fail(f"DESCENT_REQUIRE_BROWSER is set, but {_state['problem']}", pytrace=False)


@pytest.fixture(scope="session")
def artifacts(_browser_available):
    """artifacts/browser/, emptied of the previous run's screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_server(_browser_available, tmp_path_factory, instructor_lib):
    """JupyterLab on a copy of the course. Besides the default kernel (the copy's lib, its rules
    still stubs), the kernel "descent-correct-rules" imports the instructor's lib, in which
    descent/rules.py is the reference (tests/conftest.py::instructor_lib)."""
    work = tmp_path_factory.mktemp("browser")
    kernels = {"descent-correct-rules": (
        "Python 3 (correct rules)",
        {k: instructor_lib[k] for k in ("PYTHONPATH", "DESCENT_REFERENCE_RULES")})}
    server = LabServer(copy_course(work / "course"), work / "jupyter", kernels).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(_browser_available):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    chromium = launch_browser(pw, find_chromium())
    yield chromium
    chromium.close()
    pw.stop()


def _failed(request) -> bool:
    return any(getattr(getattr(request.node, f"report_{when}", None), "failed", False)
               for when in ("setup", "call"))


def _screenshot_failure(request):
    """When a browser test fails: a screenshot of every open notebook, FAILED-<test>[-n].png."""
    if request.node.get_closest_marker("browser") and _failed(request):
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
        for i, nb in enumerate(OPEN):
            nb.screenshot(f"FAILED-{name}" + (f"-{i + 1}" if i else ""))


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request):
    """For the lectures, opened by a session fixture (still open when a test's fixtures end)."""
    yield
    _screenshot_failure(request)


@pytest.fixture(scope="session")
def lecture(browser, lab_server, artifacts):
    """``lecture(name)``: lectures/<name> open in its own page after Run → Run All Cells, done
    once per session (tests of one lecture share the run); ``.run_seconds`` is how long it took."""
    ran = {}

    def get(name: str):
        if name not in ran:
            nb = open_notebook(browser, lab_server, f"lectures/{name}")
            nb.screenshot(f"lecture-{name.rsplit('.', 1)[0]}-1-opened")
            nb.run_seconds = nb.run_all()
            ran[name] = nb
        return ran[name]

    yield get
    for nb in ran.values():
        close_notebook(nb)


@pytest.fixture
def lab(browser, lab_server, artifacts, request):
    """``lab(path)`` opens a notebook of the course copy in a fresh page: a Notebook (lab.py),
    closed (its kernel shut down) after the test."""
    opened = []

    def open_(path: str):
        nb = open_notebook(browser, lab_server, path)
        opened.append(nb)
        return nb

    yield open_
    _screenshot_failure(request)
    for nb in opened:
        close_notebook(nb)
