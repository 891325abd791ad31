"""Course code (read it, don't edit it): running a rule on a case, step by step, and what is wrong with what it returns.

Everything that is not a wrong number (an exception, a list, float32, a wrong shape, a missing
state variable, a modified input) is reported here, at the step where it happens.
"""
from __future__ import annotations

import time
import traceback

import numpy as np

from ..contract import NotYetImplemented, init_state
from .files import ATOL, RTOL, Case, RuleCheckFailed


def _fmt(x) -> str:
    return np.array2string(np.asarray(x, dtype=float), precision=12, separator=", ",
                           floatmode="maxprec", max_line_width=100)


def _fmt_exact(x) -> str:
    """Every digit: two numbers that differ never print alike."""
    return np.array2string(np.asarray(x, dtype=float), precision=17, separator=", ",
                           floatmode="unique", max_line_width=100)


def _fmt_hyper(hyper: dict) -> str:
    return ", ".join(f"{k} = {_fmt(np.squeeze(v)) if np.ndim(v) else repr(v)}" for k, v in hyper.items())


def _array_problem(value) -> tuple[str, str] | None:
    """Why ``value`` is not what the contract asks for (a numpy array of float64), in a few words
    and then what to do, or None."""
    if isinstance(value, (list, tuple)):
        return (f"a Python {type(value).__name__}",
                "The contract asks for numpy arrays (arithmetic on lists does not work element by "
                "element): compute with numpy, e.g. `theta - eta * g`, or wrap it in np.asarray(...).")
    if not isinstance(value, (np.ndarray, np.generic, float, int)) or isinstance(value, bool):
        return f"a {type(value).__name__}, not an array of numbers", ""
    dtype = np.asarray(value).dtype
    if dtype.kind == "f" and dtype.itemsize < 8:
        return (f"{dtype} (known mistake: float32)",
                f"It keeps about {7 if dtype.itemsize == 4 else 3} significant digits where the "
                "checks need 15. Compute in float64, numpy's default: do not convert to np.float32.")
    if dtype.kind not in "fiu":
        return f"an array of {dtype}, not of numbers", ""
    return None


def _failure(headline: str, *details: str) -> RuleCheckFailed:
    """A failure whose message is a short headline (what is wrong) and indented details."""
    return RuleCheckFailed("\n".join([headline, *(f"  {d}" for d in details if d)]))


def _copy(v):
    return v.copy() if isinstance(v, np.ndarray) else v


def _copy_arrays(d: dict) -> dict:
    return {k: _copy(v) for k, v in d.items()}


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def _is_checker(filename: str) -> bool:
    """Whether a traceback frame is the checker's own (descent/checks.py, descent/checking/)."""
    path = filename.replace("\\", "/")
    return "descent/checks.py" in path or "descent/checking/" in path


def _user_frame(err: BaseException) -> str:
    frames = traceback.extract_tb(err.__traceback__)
    mine = [f for f in frames if not _is_checker(f.filename)]
    if not mine:
        return ""
    f = mine[-1]
    return f"\n  at {f.filename}, line {f.lineno}: {f.line}"


def run_case(rule, name: str, case: Case, timings: list | None = None):
    """Run ``rule`` on the case's gradients, feeding back its own outputs.

    Returns (thetas, states) as arrays (T+1, *shape) and dict of arrays. Raises RuleCheckFailed
    for anything that is not a wrong number: an exception, a wrong return type or shape, missing
    state, a modified input.
    """
    theta = case.theta0.copy()
    state = case.state_at(0)
    thetas, states = [theta.copy()], {k: [_copy(v)] for k, v in state.items()}
    where = f"`{name}`"
    for t in range(1, case.steps + 1):
        g = case.grads[t - 1].copy()
        hyper = _copy_arrays(case.hyper)
        before = (theta.copy(), g.copy(), _copy_arrays(state), _copy_arrays(hyper))
        try:
            began = time.perf_counter()
            out = rule(theta, g, state, **hyper)
            if timings is not None:
                timings.append(time.perf_counter() - began)
        except NotYetImplemented as err:
            raise RuleCheckFailed(str(err)) from None
        except Exception as err:
            counted = t == 1 and isinstance(err, ZeroDivisionError) and case.counters
            raise _failure(
                f"{where} raised {type(err).__name__} at step t = {t}:",
                f"{err}{_user_frame(err)}",
                "At the first step a division by zero usually means the step counter was used "
                "before it was incremented (t = 0, so 1 − β⁰ = 0; known mistake: t off by one): "
                "increment first, the first step is t = 1." if counted else _per_run_hint(err, hyper),
                f"in case “{case.name}”, inputs: θ_{t - 1} = {_fmt(theta)}, g_{t} = {_fmt(g)}, "
                f"{_fmt_hyper(hyper)}, "
                f"state = {{{', '.join(f'{k}: {_fmt(v)}' for k, v in state.items())}}}"
            ) from None
        _check_inputs(where, case, t, before, theta, g, state, hyper)
        new_theta, new_state = _check_output(where, t, out, case)
        theta, state = new_theta, new_state
        thetas.append(np.array(theta, dtype=float))
        for k in states:
            states[k].append(state[k] if k in case.counters else np.array(state[k], dtype=float))
    return np.array(thetas), {k: np.array(v) for k, v in states.items()}


def _per_run_hint(err: Exception, hyper: dict) -> str:
    """Python's if, min, max or math function applied to a hyperparameter given per run (an
    array): say so, and name numpy's functions that broadcast."""
    per_run = [k for k, v in hyper.items() if np.ndim(v) > 0]
    text = str(err)
    if not per_run or not (
            (isinstance(err, ValueError) and "truth value of an array" in text)
            or (isinstance(err, TypeError) and ("arrays can be converted" in text
                                                 or "array can be converted" in text))):
        return ""
    given = "is given per run, as an array" if len(per_run) == 1 else "are given per run, as arrays"
    return (f"Here {', '.join(per_run)} {given}: "
            "Python's if, min, max and the math module take one number. Use numpy's np.where, "
            "np.minimum, np.maximum, np.cos, np.sqrt, which work value by value.")


def _check_inputs(where, case, t, before, theta, g, state, hyper):
    th0, g0, st0, hy0 = before
    changed = []
    if not _same(th0, theta):
        changed.append("theta")
    if not _same(g0, g):
        changed.append("g")
    changed += [f"state['{k}']" for k in st0 if k not in state or not _same(st0[k], state[k])]
    changed += [k for k in hy0 if not _same(hy0[k], hyper[k])]
    if changed:
        raise _failure(
            f"{where} modified its input {changed[0]} (known mistake: modified input).",
            f"It changed {', '.join(changed)} at step t = {t} in case “{case.name}”.",
            "A rule must be pure: an in-place update such as `theta -= ...` or "
            "`state['v'] *= ...` changes the caller's arrays (and every other run that shares "
            "them). Compute new arrays instead: `new_theta = theta - ...`."
        )


def _check_output(where, t, out, case):
    if not (isinstance(out, tuple) and len(out) == 2):
        raise _failure(
            f"{where} returned {type(out).__name__} at step t = {t}, not a pair:",
            "a rule returns a pair `return new_theta, new_state` (new_state is a dict, `{}` when "
            f"there is no state); in case “{case.name}”."
        )
    new_theta, new_state = out
    in_case = f"In case “{case.name}”."
    problem = _array_problem(new_theta)
    if problem:
        raise _failure(f"{where}: new_theta at step t = {t} is {problem[0]}.", problem[1], in_case)
    try:
        new_theta = np.asarray(new_theta, dtype=float)
    except (TypeError, ValueError):
        raise _failure(f"{where}: new_theta at step t = {t} is not an array of numbers:",
                       repr(new_theta), in_case) from None
    expected_shape = case.theta.shape[1:]
    if new_theta.shape != expected_shape:
        raise _failure(
            f"{where}: new_theta at step t = {t} has shape {new_theta.shape} (wrong shape).",
            f"It should have shape {expected_shape}, the shape of theta, in case “{case.name}”. "
            "A rule works element by element; do not sum, flatten or index the arrays."
        )
    if not isinstance(new_state, dict):
        raise _failure(f"{where}: the new state at step t = {t} is a {type(new_state).__name__}, "
                       "not a dict.", "The state a rule returns must be a dict.", in_case)
    missing = [k for k in case.state if k not in new_state]
    if missing:
        raise _failure(f"{where}: the new state at step t = {t} lacks {missing}.",
                       f"It must hold {sorted(case.state)} (got keys {sorted(new_state)}).", in_case)
    for k in case.counters:
        value = new_state[k]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise _failure(
                f"{where}: state['{k}'] at step t = {t} is {value!r} ({type(value).__name__}).",
                f"The step counter is an int shared by the whole batch: `{k} = state['{k}'] + 1` "
                "(the first step sees 1).", in_case)
    for k in case.state:
        if k in case.counters:
            continue
        problem = _array_problem(new_state[k])
        if problem:
            raise _failure(f"{where}: state['{k}'] at step t = {t} is {problem[0]}.", problem[1],
                           in_case)
        try:
            value = np.asarray(new_state[k], dtype=float)
        except (TypeError, ValueError):
            raise _failure(f"{where}: state['{k}'] at step t = {t} is not numeric:",
                           repr(new_state[k]), in_case) from None
        if value.shape != case.state[k].shape[1:]:
            raise _failure(
                f"{where}: state['{k}'] at step t = {t} has shape {value.shape} (wrong shape).",
                f"It should have shape {case.state[k].shape[1:]}, in case “{case.name}”.")
    return new_theta, new_state


def _close(a, b) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _first_difference(thetas, states, case):
    for t in range(1, case.steps + 1):
        if not _close(thetas[t], case.theta[t]):
            return t, "theta"
        for k in case.state:
            if not _close(states[k][t], case.state[k][t]):
                return t, k
    return None


def _same_or_both_nan(a, b) -> bool:
    """Close, NaN where the other is NaN: a mistake that returns NaN (Adam's t = 0 divides by
    1 − β⁰ = 0) is still recognised, and named, in a student's NaN."""
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))


def _matches(thetas, states, outputs, upto) -> bool:
    if not _same_or_both_nan(thetas[: upto + 1], outputs["theta"][: upto + 1]):
        return False
    return all(_same_or_both_nan(states[k][: upto + 1], outputs["state"][k][: upto + 1])
               for k in states)


def _check_declared_state(rule, name: str, case: Case) -> None:
    """The state a rule declares with @with_state(...) is the one the reference starts from."""
    declared = init_state(rule, case.theta0)
    if sorted(declared) != sorted(case.state):
        raise _failure(
            f"`{name}` declares the state {sorted(declared)}, expected {sorted(case.state)}.",
            "Keep the @with_state(...) line above the function as the stub gave it; it says what "
            "the state holds and where it starts (rollouts and widgets use it)."
        )
    for k, value in declared.items():
        if k in case.counters and not isinstance(value, int):
            raise _failure(
                f"`{name}` declares its step counter {k!r} as {value!r}, not an int.",
                f"It is an int that starts at {int(case.state[k][0])}: keep the @with_state(...) "
                "line as the stub gave it.")
        if not _close(np.asarray(value, dtype=float), case.state[k][0]):
            raise _failure(
                f"`{name}` starts its state {k!r} at {_fmt(value)}, expected {_fmt(case.state[k][0])}.",
                "Keep the @with_state(...) line as the stub gave it."
            )
