"""Course code (read it, don't edit it): warnings for a rule that passes the checks but will not do well elsewhere.
"""
from __future__ import annotations


#: seconds per step above which a rule is flagged as slow (the reference takes microseconds)
SLOW = 0.01


def _warn_about(rule, name: str, slowest_fastest_call: float) -> None:
    """Warnings for a rule that passes here but will not do well elsewhere."""
    if _delegates(rule):
        print(f"⚠ {name} passes because it runs the course's reference rule (descent.reference), "
              "not yours: when your work is graded there is no reference, and it earns nothing. "
              "Write the update yourself.")
    if slowest_fastest_call > SLOW:  # every call of a case took longer: the rule is slow
        print(f"⚠ {name} took over {SLOW * 1e3:.0f} ms per step here; the reference takes "
              "a few microseconds. When your work is graded each cell has a time limit (120 s by "
              "default), and the explorers run thousands of steps: look for what makes it slow "
              "(a Python loop over the elements, a sleep, a growing list).")


def _delegates(rule) -> bool:
    """Whether ``rule`` is, or calls, the course's reference implementation."""
    reference_modules = ("descent.reference", "descent_reference_rules")
    if getattr(rule, "__module__", "") in reference_modules:
        return True
    code = getattr(rule, "__code__", None)
    if code is None:
        return False
    seen = [getattr(rule, "__globals__", {}).get(n) for n in code.co_names]
    seen += [cell.cell_contents for cell in (getattr(rule, "__closure__", None) or ())
             if cell.cell_contents is not None]
    return any(getattr(obj, "__name__", "") in reference_modules
               or getattr(obj, "__module__", "") in reference_modules for obj in seen)
