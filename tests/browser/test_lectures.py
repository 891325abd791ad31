"""Every lecture, opened in JupyterLab and run with Run → Run All Cells, finishes without an error
output, every code cell has run once, top to bottom, and every explorer shows a picture; a lecture's
link to the notation table opens the README at that section."""
from __future__ import annotations

import pytest

from .lab import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_lecture_runs_all_cells_without_an_error(lecture, path):
    nb = lecture(path.name)  # opened, then Run → Run All Cells

    assert not nb.errors(), f"error outputs in {path.name}:\n{nb.error_report()}"
    code = [c for c in nb.cells() if c["type"] == "code" and c["source"].strip()]
    assert code
    not_run = [(c["index"], c["prompt"]) for c in code if c["count"] is None]
    assert not not_run, f"cells that did not run: {not_run}"
    counts = [c["count"] for c in code]
    assert counts == sorted(set(counts)), f"cells ran out of order or twice: {counts}"
    assert all("*" not in c["prompt"] for c in code)

    pictures = nb.page.locator("img.widget-image")
    for i in range(pictures.count()):
        img = pictures.nth(i)
        img.scroll_into_view_if_needed()
        img.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    nb.screenshot(f"lecture-{path.stem}-2-ran",
                  element=pictures.first if pictures.count() else None)


def test_the_notation_link_opens_the_readme_at_its_notation_section(lab):
    # JupyterLab looks a link's #fragment up among the ids it gives: a heading's is its own text
    # ("Notation"), so the README carries an explicit id for the lectures' lower-case anchor
    nb = lab("lectures/00_gradient_descent.ipynb")
    link = nb.page.locator(".jp-MarkdownCell a", has_text="notation table").first
    href = link.get_attribute("href")  # JupyterLab's: /files/README.md?_xsrf=...#notation
    assert "/README.md" in href and href.endswith("#notation"), href
    link.click()
    heading = nb.page.locator(".jp-RenderedMarkdown h2", has_text="Notation")
    heading.wait_for()
    nb.page.wait_for_function(  # scrolled there, or the test fails here: README opened at the top
        "h => { const r = h.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
        arg=heading.element_handle(), timeout=30_000)
    nb.screenshot("lecture-00-notation-link", element=heading)
