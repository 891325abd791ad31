"""Course code (read it, don't edit it): the course's topics and the rules each one teaches.

This is the one registry students see: the README's syllabus table is checked against it
(tests/test_syllabus.py), and the instructor's topic specs (solutions/topics/NN_slug.py) must name
the same rules and schedules.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    rules: tuple[str, ...] = ()       # update rules: new_theta, new_state = rule(theta, g, state, **hyper)
    built: bool = False               # "ready": lecture, exercise, solution and tests exist
    schedules: tuple[str, ...] = ()   # learning-rate schedules: eta_t = schedule(t, **hyper)

    @property
    def names(self) -> tuple[str, ...]:
        return self.rules + self.schedules

    @property
    def lecture(self) -> str:
        return f"lectures/{self.slug}.ipynb"

    @property
    def exercise(self) -> str:
        return f"exercises/{self.slug}/{self.slug}.ipynb"


TOPICS = (
    Topic("00_gradient_descent", "Gradient descent", ("gd",), built=True),
    Topic("01_momentum", "Momentum", ("momentum", "momentum_ema"), built=True),
    Topic("02_nesterov", "Nesterov momentum", ("nesterov",), built=True),
    Topic("03_local_gains", "Per-weight local gains", ("local_gains",), built=True),
    Topic("04_adagrad", "Adagrad", ("adagrad",), built=True),
    Topic("05_rmsprop", "RMSProp", ("rmsprop",), built=True),
    Topic("06_adadelta", "Adadelta", ("adadelta",), built=True),
    Topic("07_adam", "Adam", ("adam", "adamw"), built=True),
    Topic("08_adamax", "AdaMax", ("adamax",), built=True),
    Topic("09_nadam", "NAdam", ("nadam",), built=True),
    Topic("10_lr_schedules", "Learning-rate schedules and warm-up", schedules=("step_decay", "inv_sqrt", "warmup_linear", "transformer", "warmup_cosine"),
          built=True),
    Topic("11_radam", "RAdam", ("radam",), built=True),
    Topic("12_synthesis", "Synthesis", ("amsgrad",), built=True),
)


def topic_of(rule_name: str) -> Topic | None:
    """The topic whose exercise asks for ``rule_name`` (a rule or a schedule), or None."""
    for topic in TOPICS:
        if rule_name in topic.names:
            return topic
    return None
