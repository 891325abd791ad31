"""pip, with one line of progress instead of pip's hundreds (its full output is shown on failure)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


class Progress:
    """One status line, rewritten in place in a terminal; in a log (CI), a line per change of
    phase and per quarter done."""

    def __init__(self):
        self.tty = sys.stdout.isatty()
        self.last_logged = None
        self.shown = False

    def __call__(self, text: str, phase: str, fraction: float | None = None) -> None:
        if self.tty:
            width = shutil.get_terminal_size().columns - 1
            sys.stdout.write("\r" + text[:width].ljust(width))
            sys.stdout.flush()
            self.shown = True
            return
        key = (phase, None if fraction is None else int(fraction * 4))
        if key != self.last_logged:
            self.last_logged = key
            print(text, flush=True)

    def end(self) -> None:
        if self.shown:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self.shown = False


def count_requirements(path: Path) -> int:
    return sum(1 for ln in path.read_text().splitlines() if ln.split("#", 1)[0].strip())


def _name(requirement: str) -> str:
    """numpy==2.4.6 as it is; a path or URL (a wheel, the lib's folder) by its last part."""
    if "/" not in requirement:
        return requirement
    last = requirement.rstrip("/").rsplit("/", 1)[-1]
    return "==".join(last.split("-")[:2]) if last.endswith(".whl") else last


def pip_install(python: Path, args: list[str], what: str, total: int | None = None) -> None:
    """`python -m pip install ARGS`, showing how far along it is: `what: 37/118 numpy`."""
    cmd = [str(python), "-m", "pip", "install", "--no-input", *map(str, args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            bufsize=1, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    show, output, seen = Progress(), [], 0
    of = f"/{total}" if total else ""
    for line in proc.stdout:
        output.append(line)
        text = line.strip()
        m = re.match(r"(?:Collecting|Processing|Requirement already satisfied:|Obtaining) ([^\s;(]+)",
                     text)
        if m:
            seen += 1
            show(f"      {what}: {seen}{of} {_name(m.group(1))}", "collect", total and seen / total)
        elif text.startswith("Downloading "):
            size = re.search(r"\(([^)]+)\)", text)
            show(f"      {what}: {seen}{of} downloading {text.split()[1].rsplit('/', 1)[-1]}"
                 f"{' (' + size.group(1) + ')' if size else ''}", "collect", total and seen / total)
        elif text.startswith("Building wheels for collected packages:"):
            show(f"      {what}: building {text.split(':', 1)[1].strip()} from this clone", "build")
        elif text.startswith("Installing collected packages:"):
            n = len(text.split(":", 1)[1].split(","))
            show(f"      {what}: unpacking {n} packages into place (a minute or so)...", "install")
        elif text.startswith("Successfully installed"):
            n = len(text.split()) - 2
            show(f"      {what}: done ({n} packages installed)", "done")
    code = proc.wait()
    show.end()
    if code:
        sys.stdout.write("".join(output[-60:]))
        sys.exit(f"pip failed (exit code {code}) while {what}; its last lines are above.\n"
                 f"Command: {' '.join(cmd)}")
