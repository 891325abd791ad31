"""Course code (read it, don't edit it): checks of learning-rate schedules, η_t = schedule(t, **hyper), t by t.
"""
from __future__ import annotations

import numpy as np

from ..contract import NotYetImplemented
from .files import RuleCheckFailed, ScheduleCase, load
from .running import (_close, _copy_arrays, _failure, _fmt, _fmt_hyper, _per_run_hint, _same,
                      _user_frame)


def _counted_from_zero(err: Exception, t: int, case: ScheduleCase) -> str:
    """A division by zero at the first step: the schedule was evaluated at t − 1 = 0 (torch's
    LambdaLR counts from 0), a mistake the case names as "t off by one" when it lists it."""
    if t != 1 or not isinstance(err, ZeroDivisionError):
        return ""
    known = case.mistakes.get("t off by one")
    return ("A division by zero at the first step: the schedule was counted from t = 0. "
            + (f"This matches a well-known mistake — t off by one: {known[0]}" if known
               else "The course's first step is t = 1."))


def _is_integer(value) -> bool:
    return isinstance(value, (int, np.integer)) or (
        isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer))


def _run_schedule(schedule, name: str, case: ScheduleCase):
    """The schedule's η_t at each t of the case, and whether each was returned as an integer."""
    where, in_case = f"`{name}`", f"in case “{case.name}”"
    out, integer = [], []
    for t in case.t:
        t = int(t)
        hyper = _copy_arrays(case.hyper)
        try:
            eta = schedule(t, **hyper)
        except NotYetImplemented as err:
            raise RuleCheckFailed(str(err)) from None
        except Exception as err:
            raise _failure(f"{where} raised {type(err).__name__} at t = {t}:",
                           f"{err}{_user_frame(err)}",
                           _counted_from_zero(err, t, case) or _per_run_hint(err, case.hyper),
                           f"{in_case}, inputs: t = {t}, {_fmt_hyper(hyper)}") from None
        changed = [k for k in hyper if not _same(hyper[k], case.hyper[k])]
        if changed:
            raise _failure(f"{where} modified its input {changed[0]} (known mistake: modified input).",
                           f"It changed {', '.join(changed)} at t = {t} {in_case}. "
                           "Compute new values instead.")
        try:
            value = np.asarray(eta, dtype=float)
        except (TypeError, ValueError):
            raise _failure(f"{where} returned {type(eta).__name__} at t = {t}, not a number:",
                           repr(eta), in_case) from None
        if value.shape != case.eta.shape[1:]:
            raise _failure(
                f"{where}: η_{t} has shape {value.shape} (wrong shape).",
                f"It should have shape {case.eta.shape[1:]}, {in_case}: return one number, or one "
                "per run where a hyperparameter gives one per run.")
        out.append(value)
        integer.append(_is_integer(eta))
    return np.array(out), integer


def check_schedule(schedule, name: str, cases=None) -> None:
    """Check the schedule ``schedule`` (η_t = schedule(t, **hyper), t = 1, 2, ...) against the
    reference values of ``name`` (or the given cases), t by t."""
    __tracebackhide__ = True
    cases = load(name)["cases"] if cases is None else cases
    for case in cases:
        got, integer = _run_schedule(schedule, name, case)
        wrong = [i for i in range(len(case.t)) if not _close(got[i], case.eta[i])]
        if not wrong:
            continue
        i, t = wrong[0], int(case.t[wrong[0]])
        lines = [f"`{name}` differs from the reference at t = {t}:",
                 f"  in case “{case.name}”",
                 f"  expected η_{t} = {_fmt(case.eta[i])}",
                 f"  got      η_{t} = {_fmt(got[i])}",
                 f"  inputs: t = {t}, {_fmt_hyper(case.hyper)}"]
        if not np.isfinite(got[i]).all():
            lines.append("  Your schedule returned NaN or inf: look for a division by zero (the "
                         "first step is t = 1, never 0).")
        if integer[i]:
            lines.append(f"  Your schedule returned an integer at t = {t}: η_t is a real number; "
                         "do not convert it with int() or round it.")
        if i > 0:
            lines.append(f"  (Every t before {t} matched.)")
        # each η_t stands alone (no state carries a mistake on), so a known mistake is named only
        # when it gives every value of the case: a different error that agrees with one for the
        # first few t (w^(+3/2) and the max agree before the peak) is not misnamed
        best = next(((mistake, explanation) for mistake, (explanation, eta) in case.mistakes.items()
                     if _close(got, eta)), None)
        if best:
            lines.append(f"  This matches a well-known mistake — {best[0]}: {best[1]}")
        raise RuleCheckFailed("\n".join(lines))
    steps = sum(len(c.t) for c in cases)
    print(f"✓ {name} matches the reference values: {len(cases)} case{'s' * (len(cases) != 1)}, "
          f"{steps} value{'s' * (steps != 1)} of t.")


def check_schedule_against(schedule, name: str, hyper: dict, t, eta,
                           case_name: str = "further case") -> None:
    """Check ``schedule`` at the steps ``t`` against values η_t derived some other way."""
    __tracebackhide__ = True
    case = ScheduleCase(case_name, dict(hyper), np.asarray(t, dtype=int), np.asarray(eta, dtype=float))
    check_schedule(schedule, name, [case])
