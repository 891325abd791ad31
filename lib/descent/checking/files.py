"""Course code (read it, don't edit it): the reference files (descent/references/<name>.json) as the checks read them.

The cases of a rule (:class:`Case`) or a schedule (:class:`ScheduleCase`), the failure every
check raises (:class:`RuleCheckFailed`), and the file format this lib reads (``FORMAT``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

RTOL, ATOL = 1e-10, 1e-12
#: the layout of the reference files this module reads (descent_instructor/references.py writes it)
FORMAT = 2
#: the longest first line of a failure's message: nbgrader's Validate dialog shows only the start
#: of each line, so the first says what is wrong and the indented lines after it say where and why
HEADLINE = 80


class RuleCheckFailed(AssertionError):
    """A rule disagrees with the reference; the message says where and how (its first line at
    most ``HEADLINE`` characters)."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the checker's own frames would only point
        # away from the student's code, and the message already names their line when it raised.
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


@dataclass
class Case:
    """Inputs and expected outputs of one multi-step check: θ_0, g_1..g_T, hyperparameters,
    the expected θ_0..θ_T and state_0..state_T, and the outputs of known mistakes."""

    name: str
    hyper: dict
    theta0: np.ndarray
    grads: np.ndarray
    theta: np.ndarray
    state: dict
    mistakes: dict = field(default_factory=dict)  # name -> (explanation, {"theta", "state"})
    counters: tuple = ()  # state variables that are int step counters (t), shared by the batch

    @classmethod
    def from_json(cls, d: dict, counters=()) -> "Case":
        arr = lambda x: np.array(x, dtype=float)  # noqa: E731

        def states(st):
            return {k: (np.array(v, dtype=int) if k in counters else arr(v)) for k, v in st.items()}

        hyper = {k: (v if isinstance(v, (int, float)) else arr(v)) for k, v in d["hyper"].items()}
        return cls(
            name=d["name"], hyper=hyper, theta0=arr(d["theta0"]), grads=arr(d["grads"]),
            theta=arr(d["theta"]), state=states(d["state"]),
            mistakes={k: (m["explanation"], {"theta": arr(m["theta"]), "state": states(m["state"])})
                      for k, m in d.get("mistakes", {}).items()},
            counters=tuple(counters),
        )

    def state_at(self, t: int) -> dict:
        """The expected state after step t (before the first step: t = 0), as a rule gets it."""
        return {k: (int(v[t]) if k in self.counters else v[t].copy()) for k, v in self.state.items()}

    @property
    def steps(self) -> int:
        return len(self.grads)


def load(name: str) -> dict:
    """The reference file of rule or schedule ``name``: {"kind", "rule", "equation",
    "initial_state", "properties", "provenance", "cases": [...]} (see FORMAT)."""
    try:
        text = resources.files("descent").joinpath("references", f"{name}.json").read_text("utf-8")
    except FileNotFoundError:
        raise RuleCheckFailed(f"There are no reference values for {name!r} in this course.\n"
                              "  (lib/descent/references/ has none): check the name, or update "
                              "the course.") from None
    return parse(json.loads(text))


def parse(data: dict) -> dict:
    """A reference file's JSON as the checks use it (cases as Case or ScheduleCase objects)."""
    if data.get("format") != FORMAT:
        raise RuleCheckFailed(
            f"The reference file of {data.get('rule')!r} has format {data.get('format')}, not {FORMAT}.\n"
            f"  This lib reads format {FORMAT}: update the course (its lib and references go together).")
    if data["kind"] == "schedule":
        data["cases"] = [ScheduleCase.from_json(c) for c in data["cases"]]
    else:
        counters = [k for k, v in data["initial_state"].items() if isinstance(v, int)]
        data["cases"] = [Case.from_json(c, counters) for c in data["cases"]]
    return data



@dataclass
class ScheduleCase:
    """Inputs and expected outputs of one schedule check: hyperparameters, the steps t and the
    expected η_t at each, and the outputs of known mistakes."""

    name: str
    hyper: dict
    t: np.ndarray
    eta: np.ndarray
    mistakes: dict = field(default_factory=dict)  # name -> (explanation, eta)

    @classmethod
    def from_json(cls, d: dict) -> "ScheduleCase":
        arr = lambda x: np.array(x, dtype=float)  # noqa: E731
        hyper = {k: (v if isinstance(v, (int, float)) else arr(v)) for k, v in d["hyper"].items()}
        return cls(d["name"], hyper, np.array(d["t"], dtype=int), arr(d["eta"]),
                   {k: (m["explanation"], arr(m["eta"])) for k, m in d.get("mistakes", {}).items()})


def equation(name: str) -> str | None:
    """The rule's equation as its reference file gives it (from the reference rule's docstring)."""
    try:
        return load(name)["equation"]
    except RuleCheckFailed:  # checked against given cases only, with no reference file
        return None


def counters(data: dict) -> tuple:
    return tuple(k for k, v in data["initial_state"].items() if isinstance(v, int))
