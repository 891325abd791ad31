"""Binder's build, replayed without Docker: what repo2docker does with environment.yml and
postBuild, in a fresh virtual environment standing for Binder's conda environment, on a copy of
the repository without .venv/. Slow (installs the lock, from pip's cache once it is warm)."""
import os
import shutil
import subprocess
import sys
import venv

import pytest
import yaml
from conftest import ROOT

sys.path.insert(0, str(ROOT))
from descent_setup.lock import lock_python, normalise, pins  # noqa: E402

#: what Binder's build reads from the repository (and what postBuild runs)
BINDER_FILES = ["environment.yml", "requirements.lock", "requirements.txt", "postBuild", "course.py"]


LOCKED_FOR = lock_python((ROOT / "requirements.lock").read_text())


@pytest.mark.slow
@pytest.mark.binder
@pytest.mark.skipif(f"{sys.version_info[0]}.{sys.version_info[1]}" != LOCKED_FOR,
                    reason=f"Binder's Python is {LOCKED_FOR}, the one requirements.lock is for")
def test_binder_build_installs_the_lock_and_post_build_configures_it(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in BINDER_FILES:
        shutil.copy2(ROOT / name, repo / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for folder in ("lib", "descent_setup"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=ignore)
    prefix = tmp_path / "binder-env"  # stands for ${NB_PYTHON_PREFIX}
    venv.create(prefix, with_pip=True)
    python = prefix / "bin" / "python"
    env = {**os.environ, "PATH": os.pathsep.join([str(prefix / "bin"), os.environ["PATH"]])}
    env.pop("VIRTUAL_ENV", None)

    # environment.yml's pip section, as micromamba runs it: written to a file next to
    # environment.yml, pip run from that folder (the repository's root)
    spec = yaml.safe_load((repo / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    (repo / "mambaf-pip.txt").write_text("\n".join(pip_section) + "\n")
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-input", "-q", "-r",
                           "mambaf-pip.txt"], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr

    # then postBuild, from the repository's root, with that environment first on PATH
    done = subprocess.run(["bash", "postBuild"], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (repo / ".venv").exists()

    # Binder runs exactly the lock's versions (and the course's lib, from the repository)
    frozen = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"],
                            env=env, capture_output=True, text=True, check=True).stdout
    assert pins(frozen) == pins((ROOT / "requirements.lock").read_text())
    where = subprocess.run([str(python), "-c", "import descent; print(descent.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip() == str(repo / "lib" / "descent" / "__init__.py")
    assert normalise("descent") not in pins(frozen)

    # students get the Validate button only: the instructor panels are off in that environment
    config = prefix / "etc" / "jupyter"
    page = yaml.safe_load((config / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert page["lockedExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert "@jupyter/nbgrader:validate-assignment" not in page["disabledExtensions"]
    server = config / "jupyter_server_config.d" / "nbgrader.server_extensions.formgrader.json"
    assert yaml.safe_load(server.read_text())["ServerApp"]["jpserver_extensions"] == {
        "nbgrader.server_extensions.formgrader": False}
