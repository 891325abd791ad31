"""Course code (read it, don't edit it): the reference rules, for lectures and widgets.

They let the lectures run, and draw the reference next to your rule.

They are written once, in ``solutions/rules.py`` of the course repository (the nbgrader source
from which ``lib/descent/rules.py`` is generated with the solutions cut out). This module loads
that file when it is there: in a clone of the course with the lib installed in editable mode.
Set ``DESCENT_REFERENCE_RULES`` to a path to load it from elsewhere. Where it is absent,
:func:`available` is False and widgets show your rules alone. While a submission is graded
this module is replaced by one that refuses (solutions/descent_instructor/grading_kernel/reference.py).
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

_cache: dict = {}


class ReferenceUnavailable(RuntimeError):
    pass


def path() -> Path:
    env = os.environ.get("DESCENT_REFERENCE_RULES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "solutions" / "rules.py"


def available() -> bool:
    return path().is_file()


def rules() -> ModuleType:
    """The reference rules as a module: ``reference.rules().momentum``."""
    p = path()
    if p not in _cache:
        if not p.is_file():
            raise ReferenceUnavailable(
                f"The reference rules are not on this machine (looked for {p})."
            )
        spec = importlib.util.spec_from_file_location("descent_reference_rules", p)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _cache[p] = module
    return _cache[p]


def rule(name: str):
    """One reference rule by name, e.g. ``reference.rule("nesterov")``."""
    return getattr(rules(), name)
