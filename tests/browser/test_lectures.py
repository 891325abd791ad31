"""Every lecture, opened in JupyterLab and run with Run → Run All Cells, finishes without an error
output, every code cell has run once, top to bottom, and every explorer shows a picture."""
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
