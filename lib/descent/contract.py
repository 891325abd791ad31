"""Course code (read it, don't edit it): the contract every update rule and schedule follows.

    new_theta, new_state = rule(theta, g, state, **hyperparameters)

* ``theta`` - the parameters θ_{t-1}: an array of any shape. A batch of runs is just a bigger
  array, e.g. shape (runs, 2) for many 2-D trajectories at once.
* ``g``     - the gradient g_t = ∇L(θ_{t-1}), same shape as ``theta``.
* ``state`` - a dict of arrays (velocity, moments, ...), as returned by the previous call or by
  :func:`init_state` before the first step. The step count ``t``, where a rule needs one, is an
  int in the state that the rule increments first, so the first step sees t = 1.
* hyperparameters are keyword-only and broadcast against ``theta`` (a learning rate of shape
  (runs, 1) gives every run its own η).

A rule is pure: it never modifies ``theta``, ``g`` or ``state`` and returns new arrays.

A learning-rate schedule is the second kind of function students write:

    eta_t = schedule(t, **hyperparameters)

with ``t`` the step number, an int, 1 for the first step (the course counts steps from 1), and
``eta_t`` a number (or an array, where a hyperparameter gives one value per run). It composes
with any rule through ``rollout(..., eta=lambda t: schedule(t, **hyper))``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .syllabus import topic_of


class NotYetImplemented(NotImplementedError):
    """Raised by a rule the student has not written yet; says where to start."""

    def __init__(self, rule_name: str):
        self.rule_name = rule_name
        topic = topic_of(rule_name)
        # the first line is short: nbgrader's Validate dialog shows only the start of each line
        lines = [f"`{rule_name}` is not implemented yet: write it in lib/descent/rules.py."]
        if topic is not None:  # (a rule of your own, or one the syllabus does not list yet: no more)
            lines += [f"  Its lecture: {topic.lecture}; its exercise: {topic.exercise}.",
                      "  To check it from a terminal in the course folder: "
                      f"python3 course.py check {rule_name}"]
        super().__init__("\n".join(lines))


def with_state(**initial) -> Callable:
    """Declare the state a rule keeps and its value before the first step.

    ``@with_state(v=0.0)`` means: the state holds an array ``v`` shaped like θ, starting at 0.
    An int value (``t=0``) is a step counter shared by the whole batch.
    """

    def declare(rule):
        rule.initial_state = dict(initial)
        return rule

    return declare


def init_state(rule, theta) -> dict:
    """The state before the first step of ``rule`` for parameters shaped like ``theta``."""
    theta = np.asarray(theta, dtype=float)
    state = {}
    while not hasattr(rule, "initial_state") and hasattr(rule, "func"):  # functools.partial
        rule = rule.func
    for name, value in getattr(rule, "initial_state", {}).items():
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            state[name] = int(value)
        else:
            state[name] = np.full_like(theta, value, dtype=float)
    return state
