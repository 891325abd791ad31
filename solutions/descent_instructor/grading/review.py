"""Review: code in a submission that no rule needs and that gaming the grader does need.

Such a student is marked ``review`` = ``yes`` in the CSV, with the line that matched in the notes,
whatever the score: the instructor reads that code before accepting it.
"""
from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from descent import handin

READS_REFERENCE = "reads the reference values or the checker's data"
#: what a rule or an answer never needs, and what gaming the grader does need (tokens, comments cut)
SUSPICIOUS = [  # (pattern, why, look inside string literals too)
    (r"\bdescent\s*\.\s*(checks|reference)\b|\bimport\b[^\n]*\b(checks|reference)\b",
     "reaches for the course's checks or reference", True),
    # the reference values (descent/references/<rule>.json) and the checker's data: its loaders,
    # cases and private names; the public checks (checks.check_rule(...) in a cell) are fine
    (r"""["'/\\]references\b|\breferences["'/\\]|\.json["']|\bimportlib\s*\.\s*resources\b"""
     r"|\bimport\s+resources\b|\bpkgutil\b|\bpkg_resources\b|\bfiles\s*\(\s*[\"']?descent\b"
     r"|\b(descent|checks|rules|reference)\s*\.\s*(__file__|__path__|__spec__|__loader__|__dict__)",
     READS_REFERENCE, True),
    (r"\bchecks\s*\.\s*(?!check_\w+\b|RuleCheckFailed\b)\w+|\b(getattr|vars|dir)\s*\(\s*checks\b"
     r"|\b(Schedule)?Case\b|\bPROPERTIES\b|\bfrom_json\b|\bstate_at\b",
     READS_REFERENCE, False),
    (r"_getframe|\binspect\b|\bgc\b|\bf_(back|locals|globals)\b", "inspects the interpreter", False),
    (r"__code__|__globals__|__closure__|cell_contents|__builtins__|\bsys\s*\.\s*modules\b",
     "rewrites functions or modules", False),
    (r"get_ipython|input_transformers|\b(In|Out|_ih|_oh|_i\d+|_ii+)\b|\baudit",
     "reaches into IPython or the grading guard", False),
    (r"sqlite3|subprocess|_posixsubprocess|ctypes|dir_fd|/proc/|\bsocket\b|_exit\s*\("
     r"|\bos\s*\.\s*(system|open|exec\w*|spawn\w*|fork|kill)\b|\.kill\s*\(",
     "uses the operating system", True),
    (r"""["'/\\](solutions|autograded|submitted)\b|\b(solutions|autograded|submitted)["'/\\]|gradebook""",
     "names the grading machine's folders", True),
    (r"""\bopen\s*\([^#]*["'][rbt]*[wax+][rbt+]*["']|\.write_(text|bytes)\s*\(|\bshutil\b|\.pth\b"""
     r"|\bos\s*\.\s*(remove|unlink|rename|replace|mkdir|makedirs|rmdir|symlink|link)\b|\.unlink\s*\(",
     "writes files", True),
]


def code_only(source: str, strings: bool) -> str:
    """The source without comments (a header comment naming solutions/ is no sign of anything)
    and, unless ``strings``, without string literals (a word in a message is not a name)."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        return tokenize.untokenize(
            (t.type, "''" if t.type == tokenize.STRING and not strings else t.string)
            for t in tokens if t.type != tokenize.COMMENT)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source  # IPython magics or broken code: look at all of it


def review_notes(submitted: Path, released: Path) -> list[str]:
    """Why a submission's own code (its rules.py; notebook cells it changed or added) deserves a
    look by hand. The score stands; the CSV marks the student for review."""
    import nbformat

    sources = []
    if (submitted / handin.RULES).is_file():
        sources.append((handin.RULES, (submitted / handin.RULES).read_text("utf-8", errors="replace")))
    try:
        given = {c.source for c in nbformat.read(released, as_version=4).cells}
        cells = nbformat.read(submitted / released.name, as_version=4).cells
        sources += [(f"cell {c.get('id', i)}", c.source) for i, c in enumerate(cells)
                    if c.cell_type == "code" and c.source not in given]
    except Exception:  # noqa: BLE001  (an unreadable notebook is reported elsewhere)
        pass
    notes, said = [], set()
    for pattern, why, strings in SUSPICIOUS:
        if why in said:  # one note per reason (a reason may have several patterns)
            continue
        for where, source in sources:
            code, original = code_only(source, strings).splitlines(), source.splitlines()
            for i, line in enumerate(code):
                if re.search(pattern, line):
                    shown = original[i] if len(code) == len(original) else line  # as written
                    notes.append(f"REVIEW: {where} {why} (`{shown.strip()[:80]}`)")
                    said.add(why)
                    break
            else:
                continue
            break
    return notes
