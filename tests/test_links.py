"""Every link lands: each markdown link in every notebook (lectures, exercises, solutions) and in
README.md names a file that exists, and its #anchor an element of that file, both where students
click it (JupyterLab) and on GitHub.

A solution notebook's links are its exercise's: they are checked from where the release puts
that notebook (exercises/NN_slug/).

JupyterLab (4.6, default settings) gives a heading the id of its text with each space made '-'
(``Notation`` for "## Notation"), and keeps an explicit ``<a id="...">`` (as data-jupyter-id, which
is where it looks for a fragment); GitHub gives a heading its lower-case slug (``notation``). An
anchor lands in both when it is an explicit id, or a heading whose two ids are the same.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import ROOT
from descent_instructor.paths import ASSIGNMENTS, EXERCISES

SOURCES = sorted([ROOT / "README.md", *(p for d in ("lectures", "exercises", "solutions")
                                        for p in (ROOT / d).rglob("*.ipynb")
                                        if ".ipynb_checkpoints" not in p.parts)])
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HREF = re.compile(r"<a\s[^>]*\bhref=\"([^\"]+)\"", re.I)
ID = re.compile(r"<[a-z][^>]*\s(?:id|name)=\"([^\"]+)\"", re.I)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def markdown(path: Path) -> str:
    """The markdown of a file: README.md, or a notebook's markdown cells; code left out."""
    if path.suffix == ".ipynb":
        text = "\n\n".join("".join(c["source"]) for c in json.loads(path.read_text("utf-8"))["cells"]
                           if c["cell_type"] == "markdown")
    else:
        text = path.read_text("utf-8")
    return FENCE.sub("", text)


def links(path: Path) -> list[str]:
    text = CODE.sub("", markdown(path))
    return LINK.findall(text) + HREF.findall(text)


def _heading_text(heading: str) -> str:
    """A heading's text as the page shows it: markdown's marks and links reduced to their text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"`|\*", "", text)


def anchors(path: Path) -> set[str]:
    """The ids a fragment can land on in both JupyterLab and GitHub."""
    text = markdown(path)
    found = set(ID.findall(text))
    for heading in HEADING.findall(text):
        shown = _heading_text(heading)
        jupyterlab = shown.replace(" ", "-")
        github = re.sub(r"[^\w\- ]", "", shown.lower()).replace(" ", "-")
        if jupyterlab == github:
            found.add(github)
    return found


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _released(path: Path) -> Path:
    """Where the students' copy of a notebook is: a solution notebook's is in exercises/."""
    return EXERCISES / path.relative_to(ASSIGNMENTS) if ASSIGNMENTS in path.parents else path


@pytest.mark.parametrize("source", SOURCES, ids=_where)
def test_every_link_lands(source):
    assert SOURCES and links(ROOT / "README.md")
    broken = []
    for link in links(source):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I):  # https:, mailto:: not ours to check
            continue
        target, _, fragment = unquote(link).partition("#")
        where = (_released(source).parent / target).resolve() if target else source
        if not where.exists():
            broken.append(f"{link}: no such file")
        elif fragment and fragment not in anchors(where):
            broken.append(f"{link}: no heading or id {fragment!r} in {_where(where)} that both "
                          "JupyterLab and GitHub give that id")
    assert not broken, f"{_where(source)}:\n" + "\n".join(broken)


def test_links_are_found_and_anchors_read_as_each_renderer_does():
    readme = ROOT / "README.md"
    assert "lectures/00_gradient_descent.ipynb" in links(readme)
    assert "notation" in anchors(readme)  # an explicit id
    text = "## Notation\n## the rules\n<a id=\"here\"></a>\n```\n# not a heading\n```\n[x](y.md#z) `[no](link)`"
    assert HEADING.findall(FENCE.sub("", text)) == ["Notation", "the rules"]
    assert LINK.findall(CODE.sub("", text)) == ["y.md#z"] and ID.findall(text) == ["here"]
