"""`course.py student-extensions` / `instructor-extensions` write in one process what the
`jupyter labextension` and `jupyter server extension` commands they replace would write.

The commands run here in one Python process (each in a forked child, after one import of Jupyter)
with sys.prefix pointed at a scratch environment that holds the configuration files pip installs."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_environment import _course

#: the real commands, `jupyter labextension ...` / `jupyter server extension ...`
COMMANDS = r'''
import json, os, sys
prefix, commands = sys.argv[1], json.loads(sys.argv[2])
sys.prefix = sys.exec_prefix = prefix  # --sys-prefix / --level=sys_prefix write here
from jupyterlab.labextensions import main as labextension
from jupyter_server.extension.serverextension import main as server_extension
for tool, *argv in commands:
    if tool == "copy":  # a copy of the configuration so far
        import shutil
        shutil.copytree(os.path.join(prefix, "etc"), os.path.join(argv[0], "etc"))
        continue
    pid = os.fork()
    if pid == 0:
        sys.argv = ["jupyter-" + tool] + argv
        try:
            (labextension if tool == "labextension" else server_extension)()
        except SystemExit as e:
            os._exit(e.code or 0)
        os._exit(0)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, argv
'''


def student_commands(course):
    """The commands course.py ran, one call per plugin: `jupyter labextension disable P`, `lock P`
    for each plugin, `jupyter server extension disable E` for each extension. Each command runs
    the same function for each name it is given, so one call with every name is the same; that
    keeps this test at a few seconds."""
    plugins = course.INSTRUCTOR_LAB_PLUGINS + course.QUIET_LAB_PLUGINS
    return [["labextension", "disable", "--level=sys_prefix", *plugins],
            ["labextension", "lock", "--level=sys_prefix", *plugins],
            ["server-extension", "disable", "--sys-prefix", *course.INSTRUCTOR_SERVER_EXTENSIONS]]


def instructor_commands(course):
    plugins = course.INSTRUCTOR_LAB_PLUGINS
    return [["labextension", "unlock", "--level=sys_prefix", *plugins],
            ["labextension", "enable", "--level=sys_prefix", *plugins],
            ["server-extension", "enable", "--sys-prefix", *course.INSTRUCTOR_SERVER_EXTENSIONS]]


def as_installed(prefix: Path) -> Path:
    """A prefix with the Jupyter configuration files pip installs (nbgrader's server extensions
    enabled, ...), copied from this environment's packages."""
    site = Path(sys.prefix)
    for record in site.glob("lib/python*/site-packages/*.dist-info/RECORD"):
        for line in record.read_text().splitlines():
            rel = line.split(",")[0]
            if "/etc/jupyter/" in rel:
                rel = rel[rel.index("etc/jupyter/"):]
                (prefix / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(site / rel, prefix / rel)
    return prefix


def written(prefix: Path) -> dict:
    config = prefix / "etc" / "jupyter"
    return {str(p.relative_to(config)): json.loads(p.read_text())
            for p in config.rglob("*.json")}


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="runs the commands in forked processes")
def test_the_configuration_is_what_the_jupyter_commands_write(tmp_path):
    course = _course()
    by_commands = as_installed(tmp_path / "commands")
    by_course = as_installed(tmp_path / "course")
    assert (by_commands / "etc/jupyter/jupyter_server_config.d/nbgrader.json").exists()

    students = tmp_path / "commands-students"
    commands = student_commands(course) + [["copy", str(students)]] + instructor_commands(course)
    done = subprocess.run([sys.executable, "-c", COMMANDS, str(by_commands), json.dumps(commands)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr

    course.student_extensions(by_course)
    assert written(by_course) == written(students)
    page = written(by_course)["labconfig/page_config.json"]
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    course.instructor_extensions(by_course)
    assert written(by_course) == written(by_commands)
