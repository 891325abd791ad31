"""Check your rules in lib/descent/rules.py from a terminal:

    pytest exercises                  # every rule and schedule of the built topics
    pytest exercises --rule momentum  # one rule (-k momentum would also select momentum_ema)

These are the same checks as the exercise notebooks' visible test cells.
"""
import pytest

from descent import checks, rules
from descent.syllabus import TOPICS

RULES = [name for topic in TOPICS if topic.built for name in topic.rules]
SCHEDULES = [name for topic in TOPICS if topic.built for name in topic.schedules]


@pytest.mark.parametrize("name", RULES)
def test_reference_values(name):
    checks.check_rule(getattr(rules, name), name)


@pytest.mark.parametrize("name", RULES)
def test_properties(name):
    checks.check_properties(getattr(rules, name), name)


if SCHEDULES:  # (a parametrized test with no names would be reported as skipped)
    @pytest.mark.parametrize("name", SCHEDULES)
    def test_schedule(name):
        checks.check_schedule(getattr(rules, name), name)
