"""What a topic spec says: one file per topic, ``solutions/topics/NN_slug.py``.

A spec is everything the release, the checks and the tests need to know about a topic's rules
and schedules; every per-rule fact is written there once and derived from there:

    RULES = (
        Rule("momentum",
             hyper=({"eta": 0.1, "alpha": 0.9},                 # case "one number", "2×3 matrix", ...
                    {"eta": 0.037, "alpha": 0.7},               # case "vector of 3"
                    {"eta": [0.01, 0.05, 0.1, 0.3],             # the batch: one value per run
                     "alpha": [0.0, 0.5, 0.9, 0.99]}),
             properties=("pure", "batch", ("reduces_to_gd", {"alpha": 0.0})),
             mistakes=(common.gradient_sign(), Mistake("...", "...", wrong_rule), ...),
             torch=Torch("SGD", options=..., state={"v": ...})),
    )
    SCHEDULES = (Schedule("warmup_linear", hyper=(...), mistakes=(common.schedule_t_off_by_one(),)),)

The rule's equation (shown in messages) is read from the reference rule's docstring, never
copied. Mistakes that every rule can make are built from the reference rule by the helpers in
:class:`common`; a mistake particular to one rule is a small wrong rule written in the spec.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


SIGN = "the step goes uphill, along +g instead of −g."


@dataclass(frozen=True)
class Mistake:
    """A well-known wrong version of a rule or schedule, for naming a student's mistake.

    ``wrong`` is the wrong rule itself or, with ``derived=True``, a function of the reference rule
    that returns the wrong rule (the helpers in :class:`common`). ``{equation}`` in the
    explanation is replaced by the rule's equation, from its docstring."""

    name: str
    explanation: str
    wrong: Callable
    derived: bool = False

    def build(self, reference: Callable) -> Callable:
        rule = self.wrong(reference) if self.derived else self.wrong
        if not hasattr(rule, "initial_state") and hasattr(reference, "initial_state"):
            rule.initial_state = dict(reference.initial_state)
        return rule

    def text(self, equation: str) -> str:
        return self.explanation.replace("{equation}", equation)


@dataclass(frozen=True)
class Torch:
    """How a rule maps onto torch.optim (2.13): the optimizer, its options for one run's
    hyperparameters, and the course's state variables computed from torch's state after a step.

    ``state[k](torch_state, hyper)`` gets torch's state for one parameter as numpy arrays
    (e.g. ``{"momentum_buffer": b}``) and the run's hyperparameters. ``note`` says which
    convention is mapped, for the fixture file."""

    optimizer: str
    options: Callable[[dict], dict]
    state: dict = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Rule:
    """An update rule ``new_theta, new_state = rule(theta, g, state, **hyper)`` of the syllabus.

    ``hyper``: two sets of scalar hyperparameters and one set with four values per key (one per
    run of the batch case). ``properties``: names (or ``(name, params)``) from
    ``descent.checks.PROPERTIES``."""

    name: str
    hyper: tuple
    properties: tuple = ("pure", "batch")
    mistakes: tuple = ()
    torch: Torch | None = None
    provenance: str = ""  # what confirms the values independently, beyond the topic's tests

    def property_list(self) -> list[dict]:
        out = []
        for p in self.properties:
            name, params = (p, {}) if isinstance(p, str) else p
            out.append({"name": name, **params})
        return out


@dataclass(frozen=True)
class TorchSchedule:
    """How a schedule maps onto torch.optim.lr_scheduler (2.13): the scheduler, its arguments for
    one run's hyperparameters (JSON: a LambdaLR's function as the text of a lambda of torch's
    epoch k, nested schedulers as [name, arguments] pairs), the optimizer's lr, and at which
    steps t the two are meant to agree (``coincide(t, hyper)``; elsewhere the fixture records
    the difference). torch's epoch k = t − 1: a scheduler's first update uses k = 0."""

    scheduler: str
    options: Callable[[dict], dict]
    lr: Callable[[dict], float] = lambda hyper: hyper["eta"]
    coincide: Callable[[int, dict], bool] = lambda t, hyper: True
    note: str = ""


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule ``eta_t = schedule(t, **hyper)``, t = 1, 2, ... (an int).

    ``hyper``: one set of hyperparameters per case; ``steps``: the t of each case, 1..steps."""

    name: str
    hyper: tuple
    steps: int = 12
    mistakes: tuple = ()
    provenance: str = ""
    torch: TorchSchedule | None = None


@dataclass(frozen=True)
class TopicSpec:
    slug: str
    rules: tuple = ()
    schedules: tuple = ()
    path: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rules) + tuple(s.name for s in self.schedules)


# -- the equation, from the docstring --------------------------------------------------------------
def equation(func: Callable) -> str:
    """The equation block of ``func``'s docstring, its lines joined by ';  '.

    The course writes every rule's docstring as: one line of prose, a blank line, the equation
    lines (indented), a blank line, then the parameters. The equation is the second paragraph."""
    doc = inspect.cleandoc(func.__doc__ or "")
    paragraphs = [p for p in doc.split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        raise ValueError(f"{func.__name__}: its docstring has no equation block (a prose line, "
                         "a blank line, then the equation)")
    return ";  ".join(line.strip() for line in paragraphs[1].splitlines() if line.strip())


# -- mistakes every rule can make ------------------------------------------------------------------
def _copy_state(state: dict) -> dict:
    return {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in state.items()}


class common:
    """Mistakes any rule (or schedule) can make, built from the reference rule."""

    @staticmethod
    def gradient_sign(detail: str = "The rule is {equation}.") -> Mistake:
        """The gradient enters with the wrong sign (the whole rule run on −g)."""

        def make(ref):
            def wrong(theta, g, state, **hyper):
                return ref(theta, -np.asarray(g), state, **hyper)
            return wrong

        return Mistake("sign error", f"{SIGN} {detail}", make, derived=True)

    @staticmethod
    def step_sign(detail: str = "The rule is {equation}.") -> Mistake:
        """The state is right but θ moves against the step: θ_{t−1} − (θ_t − θ_{t−1})."""

        def make(ref):
            def wrong(theta, g, state, **hyper):
                new_theta, new_state = ref(theta, g, state, **hyper)
                return 2 * np.asarray(theta) - new_theta, new_state
            return wrong

        return Mistake("sign error", f"{SIGN} {detail}", make, derived=True)

    @staticmethod
    def eta_left_out(detail: str = "Multiply the step by η: {equation}.") -> Mistake:
        """The learning rate is missing (the rule run with η = 1)."""

        def make(ref):
            def wrong(theta, g, state, **hyper):
                return ref(theta, g, state, **{**hyper, "eta": 1.0})
            return wrong

        return Mistake("learning rate left out", f"the step is taken with η = 1. {detail}",
                       make, derived=True)

    @staticmethod
    def state_not_updated(detail: str = "") -> Mistake:
        """θ moves as it should, but the state handed back is the one that came in."""

        def make(ref):
            def wrong(theta, g, state, **hyper):
                new_theta, _ = ref(theta, g, state, **hyper)
                return new_theta, _copy_state(state)
            return wrong

        text = ("the returned state still holds the values from before the step: return the new "
                "state so that the next step can use it." + (f" {detail}" if detail else ""))
        return Mistake("state not updated", text, make, derived=True)

    @staticmethod
    def t_off_by_one(counter: str = "t") -> Mistake:
        """The step counter is used before it is incremented (the first step sees t = 0)."""

        def make(ref):
            def wrong(theta, g, state, **hyper):
                new_theta, new_state = ref(theta, g, {**state, counter: state[counter] - 1}, **hyper)
                return new_theta, {**new_state, counter: new_state[counter] + 1}
            return wrong

        return Mistake("t off by one",
                       f"the step used {counter} before it was incremented, so the first step "
                       f"saw {counter} = 0. Increment first: the first step is {counter} = 1.",
                       make, derived=True)

    @staticmethod
    def schedule_t_off_by_one() -> Mistake:
        """A schedule counted from t = 0 (torch's LambdaLR convention) instead of t = 1."""

        def make(ref):
            def wrong(t, **hyper):
                return ref(t - 1, **hyper)
            return wrong

        return Mistake("t off by one",
                       "your η_t is the course's η_{t−1}: the schedule was counted from t = 0 "
                       "(torch's LambdaLR calls it with 0 for the first step). The course's first "
                       "step is t = 1: {equation}.", make, derived=True)


def modifies_input(rule: Callable) -> Callable:
    """``rule`` with the classic in-place mistake (``theta -= ...``): not a table entry, since the
    checks catch a modified input directly and name it; the generic tests use this."""

    def wrong(theta, g, state, **hyper):
        new_theta, new_state = rule(theta, g, state, **hyper)
        theta[...] = new_theta
        return theta, new_state

    wrong.initial_state = dict(getattr(rule, "initial_state", {}))
    return wrong

