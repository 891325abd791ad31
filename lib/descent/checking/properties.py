"""Course code (read it, don't edit it): property checks: what every correct rule does, on fresh inputs.

A reference file names the properties its rule must have; ``PROPERTIES`` holds them all.
"""
from __future__ import annotations

import ast

import numpy as np

from ..contract import init_state
from .files import Case, RuleCheckFailed, counters as _counters, load
from .running import _check_declared_state, _close, _failure, _fmt, _fmt_exact, _fmt_hyper, run_case


# -- properties -----------------------------------------------------------------------------
#: property name (as the reference files list them) -> check(rule, name, data, rng, **params),
#: which raises RuleCheckFailed or returns what it checked, in a few words
PROPERTIES: dict = {}


def _property(key: str):
    def register(check):
        PROPERTIES[key] = check
        return check
    return register


def _sample_hyper(data: dict) -> tuple[dict, dict]:
    """(scalar hyperparameters, per-run hyperparameters for 4 runs) from the reference file."""
    cases = data["cases"]
    scalar = next(c.hyper for c in cases if all(np.ndim(v) == 0 for v in c.hyper.values()))
    batch = next(c.hyper for c in cases if any(np.ndim(v) for v in c.hyper.values()))
    return scalar, batch


def _run_free(rule, name, data, theta0, grads, hyper):
    """Run ``rule`` from its initial state on given inputs; no expected values (NaN-checked)."""
    theta0 = np.asarray(theta0, float)
    counters = _counters(data)
    start = init_state(rule, theta0)  # the declared state, already checked against the reference
    blank = np.zeros((len(grads) + 1,) + theta0.shape)
    case = Case("property", hyper, theta0, np.asarray(grads, float), blank,
                {k: (np.zeros(len(grads) + 1, dtype=int) if k in counters else blank.copy())
                 for k in start}, counters=counters)
    for k, v in start.items():
        case.state[k][0] = v
    thetas, states = run_case(rule, name, case)
    finite = [np.all(np.isfinite(th)) and all(np.all(np.isfinite(s[t])) for s in states.values())
              for t, th in enumerate(thetas)]
    if not all(finite):
        raise _failure(
            f"`{name}` returned NaN or inf at step t = {finite.index(False)} from finite inputs.",
            f"With {_fmt_hyper(hyper)}: look for a division by zero or an overflow.")
    return thetas, states


@_property("pure")
def _pure_and_shaped(rule, name, data, rng):
    """It is pure and keeps shapes, for a number, a vector, a matrix and a batch."""
    scalar, _ = _sample_hyper(data)
    for shape in [(), (3,), (2, 3), (4, 2)]:  # run_case checks purity and shapes
        theta0, grads = rng.normal(size=shape), rng.normal(size=(4,) + shape)
        _run_free(rule, name, data, theta0, grads, scalar)
    return "pure, keeps shapes () (3,) (2, 3) (4, 2)"


@_property("batch")
def _batch_equals_runs(rule, name, data, rng):
    """A batch of runs (one hyperparameter per run) gives what the runs give one at a time."""
    _, batch = _sample_hyper(data)
    theta0, grads = rng.normal(size=(4, 2)), rng.normal(size=(5, 4, 2))
    together, together_state = _run_free(rule, name, data, theta0, grads, batch)
    per_run = [k for k in together_state if k not in _counters(data)]
    for i in range(4):
        one_hyper = {k: (float(np.ravel(v)[i]) if np.ndim(v) else v) for k, v in batch.items()}
        alone, alone_state = _run_free(rule, name, data, theta0[i], grads[:, i], one_hyper)
        pairs = [("θ", together[:, i], alone)] + [
            (f"state['{k}']", together_state[k][:, i], alone_state[k]) for k in per_run]
        for label, batched, single in pairs:
            if _close(batched, single):
                continue
            t = next(t for t in range(len(single)) if not _close(batched[t], single[t]))
            raise _failure(
                f"`{name}`: run {i} of a batch of 4 differs from the same run done alone:",
                f"in {label} at step t = {t}, with hyperparameters given per run (shape (4, 1)), "
                f"this run's {_fmt_hyper(one_hyper)}",
                f"batched: {_fmt_exact(batched[t])}", f"alone:   {_fmt_exact(single[t])}",
                f"(largest difference {np.max(np.abs(batched[t] - single[t])):.3g})",
                "A rule must treat every element independently and let hyperparameters broadcast."
            )
    return "a batch equals its runs one at a time"


@_property("reduces_to_gd")
def _reduces_to_gd(rule, name, data, rng, off):
    """Switching the rule's memory off (``off``, e.g. {"alpha": 0}) gives plain gradient descent."""
    scalar, _ = _sample_hyper(data)
    hyper = {**scalar, **off}
    theta0, grads = rng.normal(size=3), rng.normal(size=(5, 3))
    got, _ = _run_free(rule, name, data, theta0, grads, hyper)
    want = theta0 - hyper["eta"] * np.concatenate([np.zeros((1, 3)), np.cumsum(grads, 0)])
    setting = ", ".join(f"{k} = {v:g}" for k, v in off.items())
    if not _close(got, want):
        t = int(np.argmax([not _close(a, b) for a, b in zip(got, want)]))
        raise _failure(
            f"`{name}` with {setting} should be plain gradient descent:",
            f"θ_t = θ_{{t−1}} − η·g_t, but at step t = {t} it gives {_fmt(got[t])} instead of "
            f"{_fmt(want[t])} (η = {hyper['eta']})."
        )
    return f"{setting} gives gradient descent"


_OPERATORS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
              ast.Div: np.divide, ast.Pow: np.power}
_FUNCTIONS = {"sqrt": np.sqrt, "abs": np.abs}


def _evaluate(expression: str, names: dict):
    """The value of an arithmetic ``expression`` (+ − × ÷ **, sqrt, abs) of ``names``."""
    def value(node):
        if isinstance(node, ast.Expression):
            return value(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.Name):
            return names[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in _FUNCTIONS:
            return _FUNCTIONS[node.func.id](*map(value, node.args))
        raise ValueError(f"not an arithmetic expression: {expression!r}")
    return value(ast.parse(expression, mode="eval"))


@_property("constant_gradient")
def _constant_gradient(rule, name, data, rng, gain, formula, steps=300):
    """With the same gradient g at every step, the steps settle to −gain·g, a value the rule's
    equation gives in closed form (``gain`` an expression of the hyperparameters and g)."""
    scalar, _ = _sample_hyper(data)
    theta0, g = rng.normal(size=3), rng.normal(size=3)
    thetas, _ = _run_free(rule, name, data, theta0, np.broadcast_to(g, (steps, 3)), scalar)
    step = thetas[-1] - thetas[-2]
    want = -np.asarray(_evaluate(gain, {**scalar, "g": g}), dtype=float) * g
    if not np.allclose(step, want, rtol=1e-8, atol=1e-14):
        raise _failure(
            f"`{name}`: with a constant gradient, steps should settle to −{formula}·g.",
            f"With g_t = g = {_fmt(g)} at every step ({_fmt_hyper(scalar)}), the step "
            f"θ_t − θ_{{t−1}} should settle to −{formula}·g = {_fmt(want)}, but at step {steps} "
            f"it is {_fmt(step)}.",
            "Work out from the equation what your rule does when the gradient never changes.")
    return f"a constant gradient g gives steps of −{formula}·g"


def check_properties(rule, name: str, reference: dict | None = None) -> None:
    """Properties every correct rule has, checked on fresh random inputs; the reference file
    says which (``PROPERTIES`` holds them all): for instance

    * it is pure and keeps shapes, for a scalar, a vector, a matrix and a batch;
    * a batch of runs (one hyperparameter per run) gives what the runs give one at a time;
    * where it has a memory coefficient (α, β), setting it to 0 gives plain gradient descent.

    ``reference``: the parsed reference file to use instead of ``load(name)``.
    """
    __tracebackhide__ = True
    data = load(name) if reference is None else reference
    _check_declared_state(rule, name, data["cases"][0])
    rng = np.random.default_rng(20261122)
    done = []
    for prop in data["properties"]:
        params = {k: v for k, v in prop.items() if k != "name"}
        if prop["name"] not in PROPERTIES:
            raise _failure(f"The reference file of {name!r} asks for an unknown property.",
                           f"This lib does not know {prop['name']!r}: update the course.")
        done.append(PROPERTIES[prop["name"]](rule, name, data, rng, **params))
    msg = f"✓ {name} has the expected properties: " + "; ".join(done) + "."
    print(msg)  # printed, not returned: nbgrader reads a grade cell's result as its score
