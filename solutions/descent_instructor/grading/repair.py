"""Repair: put a submission's nbgrader cells in the state nbgrader can grade, and say what changed.

``RepairCells`` is a preprocessor of nbgrader's sanitize step (``Autograde.sanitize_preprocessors``,
set by run.nbgrader_config), before nbgrader's own DeduplicateIds and OverwriteCells. nbgrader
restores the content of locked and test cells and re-inserts missing ones, but it stops with a
KeyError when a missing cell's neighbour is a locked cell, when a pasted copy repeats a cell's
grade id, or when nbgrader metadata lost its id. Here, first:

* a repeated id (JupyterLab's copy and paste keeps a cell's grading metadata) and an id-less entry
  make that cell an ordinary cell (the first cell with the id keeps it);
* each missing cell of the released notebook is put back after the cell that precedes it there,
  as released (nbgrader then restores a test cell's hidden tests, as for any test cell).

The submitted notebook itself is left as handed in: the repairs are made on nbgrader's copy. What
was repaired is written to the file ``report`` (a JSON list of notes), for the CSV and summary.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def repair(nb, released: list) -> list[str]:
    """Repair the notebook ``nb`` in place against the ``released`` notebook's cells; the notes."""
    notes, seen, repeated = [], set(), []
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if "nbgrader" in cell.metadata and (grade_id is None or grade_id in seen):
            del cell.metadata["nbgrader"]
            repeated.append(grade_id or cell.get("id", "?"))
        seen.add(grade_id)
    if repeated:
        notes.append(f"copies of cells {', '.join(repeated)} were graded as ordinary cells")
    ids = {c.get("id") for c in nb.cells}
    put_back = []
    for i, cell in enumerate(released):
        grade_id = _grade_id(cell)
        if grade_id is None or grade_id in seen:
            continue
        before = [_grade_id(c) for c in released[:i] if _grade_id(c)]
        at = next((j + 1 for g in reversed(before) for j, c in enumerate(nb.cells)
                   if _grade_id(c) == g), 0)
        cell = copy.deepcopy(cell)
        if cell.get("id") in ids:
            cell["id"] = f"{grade_id}-restored"[:64]
        nb.cells.insert(at, cell)
        seen.add(grade_id)
        ids.add(cell.get("id"))
        put_back.append(grade_id)
    if put_back:
        notes.append(f"missing cells {', '.join(put_back)} were put back as released")
    return notes


class RepairCells(NbGraderPreprocessor):
    released = Unicode(help="Folder of the released assignments: <released>/<assignment>/"
                            "<notebook>.ipynb, the cells put back.").tag(config=True)
    report = Unicode("", help="File the notes on what was repaired are written to (JSON).").tag(config=True)

    def preprocess(self, nb, resources):
        import nbformat

        info = resources["nbgrader"]
        try:
            given = nbformat.read(Path(self.released) / info["assignment"]
                                  / f"{info['notebook']}.ipynb", as_version=4).cells
            fixed = copy.deepcopy(nb)  # all repairs or none
            notes = repair(fixed, given)
            nb.cells = fixed.cells
        except Exception as err:  # noqa: BLE001  (nbgrader will say what it makes of the notebook)
            notes = [f"its cells could not be checked ({type(err).__name__}: {err})"]
        if self.report:
            Path(self.report).write_text(json.dumps(notes), "utf-8")
        return nb, resources
