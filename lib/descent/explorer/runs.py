"""Course code (read it, don't edit it): the runs of an explorer, rolled out for some slider values.

A :class:`Run` is one trajectory: a label, a rule, and how the slider values become the rule's
hyperparameters. :func:`roll_out` rolls out every run; runs of the same rule share one batched
roll-out (one Python loop over the steps, not one per run). A run whose rule raises, or whose
trajectory stops being finite, gets a note for the status line instead of breaking the explorer.
"""
from __future__ import annotations

import html
import inspect
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..contract import NotYetImplemented
from ..rollout import rollout


@dataclass
class Run:
    """One trajectory in an explorer.

    ``hyper`` fixes some hyperparameters for this run (``{"alpha": 0}``), or maps the slider
    values to this rule's hyperparameters (``lambda h: {"eta": h["eta"] / (1 - h["alpha"]),
    "beta": h["alpha"]}``).
    """

    label: str
    rule: Callable
    hyper: dict | Callable = field(default_factory=dict)
    color: str | None = None  # default: the colour of its method (descent.plots.COLORS)
    dashed: bool = False
    method: str | None = None  # the method whose colour it takes; default: from label or rule
    schedule: Callable | None = None  # η over the steps: η_t = η · schedule(values)(t) (lr_drop)

    def method_name(self) -> str | None:
        """The method this run shows, for its colour: ``method`` if given, else the method its
        label names ("GD (α = 0)", "reference momentum"), else its rule's name."""
        from ..plots import method

        for name in (self.method, self.label, getattr(self.rule, "__name__", None)):
            key = method(name)
            if key is not None:
                return key
        return None

    def hyperparameters(self, values: dict) -> dict:
        if callable(self.hyper):
            hyper = dict(self.hyper(dict(values)))
        else:
            hyper = {**accepted(self.rule, values), **self.hyper}
        if self.schedule is not None:
            eta, factor = hyper["eta"], self.schedule(dict(values))
            hyper["eta"] = lambda t: eta * factor(t)
        return hyper


def lr_drop(after, factor):
    """A learning-rate drop for ``Run(schedule=...)``: η_t = η for t ≤ ``after``, then
    η · ``factor``. Each is a number or the name of the slider that sets it:
    ``lr_drop(after="after", factor="drop")``."""
    def schedule(values: dict):
        at, by = (values[v] if isinstance(v, str) else v for v in (after, factor))
        return lambda t: 1.0 if t <= at else by

    return schedule


def accepted(rule, values: dict) -> dict:
    """The slider values that ``rule`` takes as keyword arguments (GD ignores α, say)."""
    try:
        params = inspect.signature(rule).parameters.values()
    except (TypeError, ValueError):
        return dict(values)
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return dict(values)
    names = {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    return {k: v for k, v in values.items() if k in names}


def as_html(text) -> str:
    """Escape a message for the status line, with `code` in backticks shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(text)))


def failure(run, err) -> str:
    """The status line for a run whose rule raised ``err``."""
    if isinstance(err, NotYetImplemented):
        return f"<b>{as_html(run.label)}</b>: {as_html(err)}"
    return f"<b>{as_html(run.label)}</b> raised {type(err).__name__}: {as_html(err)}"


def roll_out(runs, surface, start, steps: int, values: dict, **settings) -> tuple[dict, list]:
    """Roll out every run for ``steps`` steps from ``start`` with these slider values ->
    (results: label -> Trajectory, notes: status lines), skipping runs that fail. ``settings``
    go to every roll-out (``noise=``, ``seed=``: see ``descent.rollout.rollout``).

    Runs of the same rule whose hyperparameters are plain numbers share one batched rollout
    (the rule contract allows a hyperparameter per run): one Python loop over the steps instead
    of one per run. If that batch fails, each run is tried alone, so that the message names the
    run that fails. With gradient noise every run is rolled out alone: each then gets the same
    noise draws (a batch would draw different noise for each of its runs)."""
    start = np.array(start)
    outcome = {}  # run label -> Trajectory, or the note saying why there is none
    batches: dict = {}
    for run in runs:
        try:
            hyper = run.hyperparameters(values)
        except Exception as err:
            outcome[run.label] = failure(run, err)
            continue
        plain = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                    for v in hyper.values())
        key = (id(run.rule), tuple(sorted(hyper))) if plain and not settings.get("noise") \
            else id(run)
        batches.setdefault(key, []).append((run, hyper))
    for batch in batches.values():
        if len(batch) > 1:
            names = list(batch[0][1])
            try:
                with np.errstate(all="ignore"):
                    traj = rollout(batch[0][0].rule, surface, start, steps, **settings,
                                   **{k: np.array([h[k] for _, h in batch]) for k in names})
            except Exception:
                pass
            else:
                for i, (run, _) in enumerate(batch):
                    outcome[run.label] = traj.run(i)
                continue
        for run, hyper in batch:
            try:
                with np.errstate(all="ignore"):
                    outcome[run.label] = rollout(run.rule, surface, start, steps, **settings,
                                                 **hyper)
            except Exception as err:  # a broken student rule must not break the widget
                outcome[run.label] = failure(run, err)
    results, notes = {}, []
    for run in runs:
        traj = outcome[run.label]
        if isinstance(traj, str):
            notes.append(traj)
            continue
        bad = ~np.isfinite(traj.theta).all(axis=-1)
        if bad.any():
            notes.append(f"<b>{as_html(run.label)}</b>: not finite from step {int(np.argmax(bad))} "
                         "on (the run diverged, or the rule returns NaN)")
        results[run.label] = traj
    return results, notes


def diverged_at(traj, floor: float, limit: float):
    """The step from which a run has left for good (loss − ``floor`` not finite, or above
    ``limit``, at every later step, the last one included), or None if it has not diverged."""
    with np.errstate(all="ignore"):
        gap = np.asarray(traj.loss, dtype=float) - floor
        bad = ~np.isfinite(gap) | (gap > limit)
    theta = np.asarray(traj.theta)
    if theta.ndim == gap.ndim + 1:
        bad |= ~np.isfinite(theta).all(axis=-1)
    if not bad[-1]:
        return None
    good = np.flatnonzero(~bad)
    return int(good[-1]) + 1 if good.size else 0


TOL = 1e-6  # the readout's tolerance: loss within TOL of the surface's minimum


def summary(traj, n: int, floor: float, limit: float, tol: float = TOL) -> str:
    """One run's readout over its first ``n`` steps: final loss, ‖g‖ and the step at which the
    loss came within ``tol`` of the minimum, or the step at which it diverged."""
    loss = np.asarray(traj.loss[: n + 1], dtype=float)
    k = diverged_at(_Head(traj, n), floor, limit)
    if k is not None:
        return f"diverged at step {k}"
    with np.errstate(all="ignore"):
        near = np.flatnonzero(loss - floor <= tol)
    reached = f"within {number(tol)} of the minimum at step {near[0]}" if near.size \
        else f"not within {number(tol)} of the minimum"
    return (f"loss {number(loss[-1])}   ‖g‖ {number(traj.grad_norm[min(n, len(loss) - 1)])}   "
            f"{reached}")


class _Head:
    """The first n steps of a trajectory (as ``diverged_at`` reads it), without copying."""

    def __init__(self, traj, n):
        self.loss, self.theta = traj.loss[: n + 1], traj.theta[: n + 1]


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(x) -> str:
    """A number as a person writes it: 3 significant digits, no trailing zeros, plain from
    0.001 to 99,999 ("0.05", "2000", "0.000183" never), else as a power of ten ("1.83·10⁻⁴",
    "10⁻⁶")."""
    x = float(x)
    if not np.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    r = float(f"{x:.3g}")
    if 1e-3 <= abs(r) < 1e5:
        decimals = max(0, 2 - int(np.floor(np.log10(abs(r)))))
        text = f"{r:.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, exponent = f"{r:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = "10" + str(int(exponent)).translate(SUPERSCRIPT)
    if mantissa in ("1", "-1"):
        return power if mantissa == "1" else "−" + power
    return f"{mantissa.replace('-', '−')}·{power}"
