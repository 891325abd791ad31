"""The course's topics and which rules each one teaches (used by messages and checks)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    rules: tuple[str, ...] = ()
    built: bool = False

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
    Topic("03_local_gains", "Per-weight local gains"),
    Topic("04_adagrad", "Adagrad"),
    Topic("05_rmsprop", "RMSProp"),
    Topic("06_adadelta", "Adadelta"),
    Topic("07_adam", "Adam"),
    Topic("08_adamax", "AdaMax"),
    Topic("09_nadam", "NAdam"),
    Topic("10_lr_schedules", "Learning-rate schedules and warm-up"),
    Topic("11_radam", "RAdam"),
    Topic("12_synthesis", "Synthesis"),
)


def topic_of(rule_name: str) -> Topic:
    """The topic whose exercise asks for ``rule_name``."""
    for topic in TOPICS:
        if rule_name in topic.rules:
            return topic
    raise KeyError(f"no topic teaches a rule called {rule_name!r}")
