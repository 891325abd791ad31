"""Ctrl+C on `python3 course.py lab`: JupyterLab stops once and cleanly, no traceback, no question.

The terminal sends Ctrl+C's SIGINT to its foreground process group; the test starts course.py
as the leader of its own group and signals the whole group the same way."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def serving(port: int) -> bool:
    """The server answers HTTP (its event loop runs: start-up is over), whatever the status."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5)
    except urllib.error.HTTPError:
        return True   # 403 without a token: served
    except OSError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="process groups and SIGINT are POSIX")
def test_ctrl_c_stops_jupyterlab_once_without_a_traceback(tmp_path):
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    lab = subprocess.Popen([sys.executable, "course.py", "lab", "--no-browser", f"--port={port}",
                            "--ServerApp.port_retries=0"], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not serving(port):  # a user presses Ctrl+C on a running JupyterLab
            assert lab.poll() is None, lab.communicate()
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.5)
        os.killpg(lab.pid, signal.SIGINT)  # Ctrl+C in the terminal
        out, err = lab.communicate(timeout=60)
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, signal.SIGKILL)
    assert lab.returncode == 0, out + err
    assert "Traceback" not in out + err and "KeyboardInterrupt" not in out + err
    assert "Shut down this Jupyter server" not in out + err
    assert out.count("JupyterLab stopped.") == 1
    assert not listening(port)  # the server is gone, not left behind
