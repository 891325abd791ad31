"""The syllabus (lib/descent/syllabus.py) is the one registry students see: the README's table
says what it says, and every message that names a topic finds it there."""
import re

from conftest import ROOT

from descent.contract import NotYetImplemented
from descent.syllabus import TOPICS, topic_of

ROW = re.compile(r"^\| (\d\d) \| (.+?) \|\s*(.*?)\s*\|\s*(.*?)\s*\| (\w+) \|$", re.M)


def test_the_readme_syllabus_table_is_the_syllabus():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Syllabus", 1)[1].split("\n## ", 1)[0]
    rows = ROW.findall(section)
    assert [r[0] for r in rows] == [t.slug[:2] for t in TOPICS]
    for (number, text, lecture, exercise, status), topic in zip(rows, TOPICS):
        assert text.startswith(topic.title + ":"), (number, text)
        assert status == ("ready" if topic.built else "coming"), number
        if topic.built:
            assert lecture == f"[lecture]({topic.lecture})" and exercise == f"[exercise]({topic.exercise})"
            assert (ROOT / topic.lecture).is_file() and (ROOT / topic.exercise).is_file()
        else:
            assert lecture == exercise == "", f"topic {number} is not built: no links yet"


def test_every_name_belongs_to_one_topic():
    names = [n for t in TOPICS for n in t.names]
    assert len(names) == len(set(names))
    for topic in TOPICS:
        for name in topic.names:
            assert topic_of(name) is topic


def test_a_stub_for_a_rule_the_syllabus_does_not_list_still_helps():
    assert topic_of("my_own_rule") is None
    err = NotYetImplemented("my_own_rule")
    assert str(err) == "`my_own_rule` is not implemented yet: write it in lib/descent/rules.py."

