"""Topic 11 · RAdam: `radam`, confirmed independently.

The generic checks (reference values, properties, stubs, known mistakes, torch) run for every
rule from its spec in tests/test_rules.py. This topic's other places: lectures/11_radam.ipynb,
exercises/11_radam/, solutions/assignments/11_radam/, solutions/topics/11_radam.py."""
import numpy as np  # noqa: F401
from conftest import reference_cases, reference_rule  # noqa: F401


def test_first_steps_by_hand():
    raise NotImplementedError("derive the first steps of a reference case by hand and assert them")


def test_reference_values_equal_a_closed_form():
    raise NotImplementedError("confirm every case by a closed form independent of the rule's code")
