"""configurable-http-proxy, JupyterHub's proxy (an npm package): where to find it, and its
installation into a cache folder with npm when it is missing (standard library only: `.ci/run`
runs this file with the system's python3 before the course's .venv/ exists).

    python3 tests/hub/proxy.py      # install it if missing; print its path
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

VERSION = "4.6.3"
PACKAGE = f"configurable-http-proxy@{VERSION}"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "descent" / f"configurable-http-proxy-{VERSION}"


def installed() -> Path | None:
    """$DESCENT_CHP, else the cache folder's copy, else one on PATH."""
    given = os.environ.get("DESCENT_CHP")
    if given:
        return Path(given) if os.access(given, os.X_OK) else None
    cached = cache_dir() / "node_modules" / ".bin" / "configurable-http-proxy"
    if os.access(cached, os.X_OK):
        return cached
    found = shutil.which("configurable-http-proxy")
    return Path(found) if found else None


def ensure() -> Path:
    """The proxy's path; installs it into the cache folder with npm if there is none.
    Raises RuntimeError with the reason when it cannot."""
    found = installed()
    if found:
        return found
    if os.environ.get("DESCENT_CHP"):
        raise RuntimeError(f"DESCENT_CHP={os.environ['DESCENT_CHP']!r} is not an executable")
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("configurable-http-proxy is not installed and there is no npm to install "
                           "it (Debian/Ubuntu: `sudo apt-get install npm`)")
    target = cache_dir()
    print(f"+ npm install --prefix {target} {PACKAGE}", file=sys.stderr, flush=True)
    done = subprocess.run([npm, "install", "--prefix", str(target), "--no-audit", "--no-fund",
                           "--loglevel=error", PACKAGE], capture_output=True, text=True)
    found = installed()
    if done.returncode or not found:
        raise RuntimeError(f"npm install {PACKAGE} failed:\n{done.stdout}{done.stderr}")
    return found


if __name__ == "__main__":
    try:
        print(ensure())
    except RuntimeError as err:
        sys.exit(str(err))
