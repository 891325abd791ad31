"""The topic specs (solutions/topics/NN_slug.py), loaded and checked against the syllabus."""
from __future__ import annotations

import importlib.util
from functools import lru_cache

from descent.syllabus import TOPICS

from descent_instructor.paths import TOPIC_SPECS
from descent_instructor.spec import Rule, Schedule, TopicSpec


class SpecError(ValueError):
    pass


def load(slug: str) -> TopicSpec:
    """The spec of topic ``slug``, checked against the syllabus (descent/syllabus.py)."""
    path = TOPIC_SPECS / f"{slug}.py"
    module_spec = importlib.util.spec_from_file_location(f"descent_topic_{slug}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    spec = TopicSpec(slug, tuple(getattr(module, "RULES", ())),
                     tuple(getattr(module, "SCHEDULES", ())), str(path))
    topic = next((t for t in TOPICS if t.slug == slug), None)
    if topic is None:
        raise SpecError(f"{path}: no topic {slug!r} in the syllabus (lib/descent/syllabus.py)")
    if not all(isinstance(r, Rule) for r in spec.rules) or \
            not all(isinstance(s, Schedule) for s in spec.schedules):
        raise SpecError(f"{path}: RULES holds Rule(...)s and SCHEDULES Schedule(...)s")
    if tuple(r.name for r in spec.rules) != topic.rules or \
            tuple(s.name for s in spec.schedules) != topic.schedules:
        raise SpecError(
            f"{path} specifies rules {[r.name for r in spec.rules]} and schedules "
            f"{[s.name for s in spec.schedules]}, the syllabus lists {list(topic.rules)} and "
            f"{list(topic.schedules)} for {slug}: make them agree (the syllabus is what students see)")
    return spec


@lru_cache(maxsize=None)
def specs() -> tuple[TopicSpec, ...]:
    """Every topic that has a spec, in syllabus order."""
    return tuple(load(t.slug) for t in TOPICS if (TOPIC_SPECS / f"{t.slug}.py").is_file())


def rules() -> dict[str, tuple[str, Rule]]:
    """rule name -> (topic slug, its Rule), over every spec."""
    return {r.name: (s.slug, r) for s in specs() for r in s.rules}


def schedules() -> dict[str, tuple[str, Schedule]]:
    return {x.name: (s.slug, x) for s in specs() for x in s.schedules}
