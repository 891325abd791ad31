"""A real JupyterHub on this machine, as README › "On a JupyterHub with nbgrader's exchange"
describes it: local Unix accounts, JupyterHub's LocalProcessSpawner (each user's JupyterLab runs as
that user) behind configurable-http-proxy, one Python environment with the course installed for
every server (tests/hub/environment.py), one clone of the course per user, and a hub-wide
configuration folder (nbgrader's exchange, the Assignment List, terminals). The test drives it as
its users would: through the hub's REST API, each user's server's REST API (contents, nbgrader's
Assignment List and Validate) and a terminal of that server.

Everything it makes (accounts, processes, folders) is removed by `Hub.close()`, also after a failure.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import grp
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from . import environment, proxy

ROOT = Path(__file__).resolve().parents[2]
_ANYWHERE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.egg-info", ".ipynb_checkpoints")
START_DEADLINE = 240  # seconds for the hub or one server to come up (a loaded 2-core machine)
COMMAND_DEADLINE = 300  # seconds for one command in a terminal (grading three students)

# The hub-wide configuration, in a folder every server finds through JUPYTER_CONFIG_PATH
# (README: /srv/descent-hub/jupyter; the test's is under its temporary folder).
NBGRADER_CONFIG = '''\
# nbgrader's exchange, for every user of the hub (the instructor's release and collect, the
# students' Assignment List and `python3 course.py submit NN --exchange`)
import os

c = get_config()  # noqa: F821
c.Exchange.root = {exchange!r}
c.CourseDirectory.course_id = "descent"
# the Assignment List shows the exercises of each student's clone, and puts feedback there
c.Exchange.assignment_dir = os.path.expanduser("~/descent/exercises")
# Fetch on a clone that has the exercise already only restores files that are missing
c.ExchangeFetchAssignment.replace_missing_files = True
'''
SERVER_CONFIG = {
    # the Assignment List (the exchange's fetch and feedback), which the course's set-up turns off
    "ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.assignment_list": True},
                  # a terminal without a login shell keeps the hub's PATH (Debian's /etc/profile
                  # resets it, and python3 would no longer be the course's Python)
                  "terminado_settings": {"shell_command": ["/bin/bash"]}},
}
# the Assignment List's panel, and the Nbgrader menu that opens it (the only place that does); the
# menu's other entries stay hidden, their commands belonging to plugins that stay disabled
PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader:assignment-list": False,
                                      "@jupyter/nbgrader:menu": False}}

HUB_CONFIG = '''\
import os
import pwd

c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{public_port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.pid_file = {pid_file!r}
c.JupyterHub.db_url = "sqlite:///" + {db!r}
c.JupyterHub.cookie_secret_file = {cookie_secret!r}
c.JupyterHub.cleanup_servers = True
c.Authenticator.allowed_users = {users!r}
c.Authenticator.admin_users = {admins!r}
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = {deadline}
c.Spawner.http_timeout = {deadline}
c.Spawner.environment = {{
    "JUPYTER_CONFIG_PATH": {config_path!r},
    # each user's kernels import the lib of their own clone (their rules.py)
    "PYTHONPATH": lambda spawner: os.path.join(pwd.getpwnam(spawner.user.name).pw_dir, "descent", "lib"),
}}
c.JupyterHub.services = [{{"name": "descent-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "descent-test", "services": ["descent-test"],
    "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users"],
}}]
'''


def course_ignore(folder: str, names: list[str]) -> set[str]:
    """What a clone of the course would not have: this working tree's own folders at the top
    (solutions/descent_instructor/grading/ is code), caches anywhere."""
    top = {".git", ".venv", "grading", "artifacts", "submissions"} if Path(folder) == ROOT else set()
    return top.intersection(names) | _ANYWHERE(folder, names)


def problem() -> str | None:
    """Why the hub cannot run here, or None."""
    if os.name != "posix" or os.geteuid() != 0:
        return "it needs root (to create Unix accounts and to spawn servers as them)"
    missing = [tool for tool in ("useradd", "userdel", "runuser") if not shutil.which(tool)]
    if missing:
        return f"{', '.join(missing)} not found"
    if not proxy.installed() and not shutil.which("npm"):
        return ("configurable-http-proxy is not installed and there is no npm to install it "
                "(Debian/Ubuntu: `sudo apt-get install npm`)")
    return environment.problem()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*cmd: str, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done


def poll(what: str, check, deadline: float, detail=lambda: ""):
    """`check()`'s first true value, polling until `deadline` seconds have passed."""
    end = time.monotonic() + deadline
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise TimeoutError(f"{what}: not after {deadline} s\n{detail()}")
        time.sleep(0.5)


@dataclass
class Reply:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Hub:
    folder: Path  # everything the test makes, except the accounts and the cached environment
    env: Path | None = None  # the Python environment every server runs in
    users: list[str] = field(default_factory=list)
    token: str = field(default_factory=lambda: secrets.token_hex(32))
    process: subprocess.Popen | None = None
    public_port: int = 0

    # ----- set-up -----
    @classmethod
    def create(cls) -> "Hub":
        folder = Path(tempfile.mkdtemp(prefix="descent-hub-"))
        folder.chmod(0o755)  # the users' homes are in it
        return cls(folder)

    @property
    def bin(self) -> Path:
        return self.env / "bin"

    def install(self) -> None:
        """The hub's environment, with the course (a copy, as the administrator's clone) in it."""
        self.env = environment.ensure()
        course = self.folder / "srv" / "descent"
        shutil.copytree(ROOT, course, ignore=course_ignore)
        environment.install_course(self.env, course)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def config_path(self) -> Path:
        return self.folder / "jupyter"

    @property
    def exchange(self) -> Path:
        return self.folder / "exchange"

    @property
    def log(self) -> Path:
        return self.folder / "jupyterhub.log"

    def add_user(self, name: str) -> Path:
        """A Unix account with a home folder holding a copy of the course (as `git clone`
        would make it), owned by the account; its home folder."""
        home = self.folder / "home" / name
        home.parent.mkdir(exist_ok=True)
        home.parent.chmod(0o755)
        run("useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
            "--user-group", name)
        self.users.append(name)
        shutil.copytree(ROOT, home / "descent", ignore=course_ignore)
        run("chown", "-R", f"{name}:{name}", str(home / "descent"))
        return home

    def write_config(self) -> None:
        self.exchange.mkdir()
        self.exchange.chmod(0o777)  # nbgrader's exchange: every user writes in it
        (self.config_path / "labconfig").mkdir(parents=True)
        (self.config_path / "nbgrader_config.py").write_text(
            NBGRADER_CONFIG.format(exchange=str(self.exchange)))
        (self.config_path / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG, indent=2))
        (self.config_path / "labconfig" / "page_config.json").write_text(json.dumps(PAGE_CONFIG, indent=2))
        for path in [self.config_path, *self.config_path.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)

    def start(self, admins: list[str]) -> None:
        chp = proxy.ensure()
        self.write_config()
        self.public_port = free_port()
        (self.folder / "jupyterhub_config.py").write_text(HUB_CONFIG.format(
            public_port=self.public_port, hub_port=free_port(), proxy_api_port=free_port(),
            chp=str(chp), pid_file=str(self.folder / "proxy.pid"),
            db=str(self.folder / "jupyterhub.sqlite"),
            cookie_secret=str(self.folder / "jupyterhub_cookie_secret"),
            users=set(self.users), admins=set(admins), singleuser=str(self.bin / "jupyterhub-singleuser"),
            deadline=START_DEADLINE, config_path=str(self.config_path), token=self.token))
        env = {"PATH": os.pathsep.join([str(self.bin), str(chp.parent), "/usr/local/bin", "/usr/bin", "/bin"]),
               "HOME": str(self.folder), "LANG": os.environ.get("LANG", "C.UTF-8")}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(self.bin / "jupyterhub"), "-f", str(self.folder / "jupyterhub_config.py")],
                cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        poll("JupyterHub's API", lambda: self._alive() and self._api_up(), START_DEADLINE, self.log_tail)

    def _alive(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"JupyterHub exited ({self.process.returncode}):\n{self.log_tail()}")
        return True

    def _api_up(self) -> bool:
        try:
            return self.hub_api("GET", "/users").status == 200
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
        return "JupyterHub's log, last lines:\n" + "\n".join(text.splitlines()[-lines:])

    # ----- HTTP -----
    def request(self, method: str, path: str, body=None, timeout: float = 120) -> Reply:
        data = None
        headers = {"Authorization": f"token {self.token}"}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Reply(r.status, r.read())
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read())

    def hub_api(self, method: str, path: str, body=None) -> Reply:
        return self.request(method, "/hub/api" + path, body)

    def server(self, user: str, method: str, path: str, body=None, timeout: float = 120) -> Reply:
        """A request to `user`'s own JupyterLab server (through the proxy, as the service)."""
        return self.request(method, f"/user/{user}{path}", body, timeout)

    # ----- users' servers -----
    def start_servers(self, users: list[str]) -> None:
        """Each user's server, started through the hub's REST API (all at once), until ready."""
        for user in users:
            reply = self.hub_api("POST", f"/users/{user}/server")
            if reply.status not in (201, 202):
                raise RuntimeError(f"starting {user}'s server: {reply.status} {reply.text}\n{self.log_tail()}")
        for user in users:
            def ready(user=user):
                self._alive()
                model = self.hub_api("GET", f"/users/{user}").json()
                server = model.get("servers", {}).get("")
                if server is None and not model.get("pending"):
                    raise RuntimeError(f"{user}'s server failed to start\n{self.log_tail()}")
                return server and server.get("ready")
            poll(f"{user}'s server", ready, START_DEADLINE, self.log_tail)

    def write_file(self, user: str, path: str, text: str) -> None:
        """Save a file in `user`'s server, as JupyterLab's editor does (contents API)."""
        self._put(user, path, {"type": "file", "format": "text", "content": text})

    def write_notebook(self, user: str, path: str, nb: dict) -> None:
        self._put(user, path, {"type": "notebook", "content": nb})

    def _put(self, user: str, path: str, model: dict) -> None:
        reply = self.server(user, "PUT", f"/api/contents/{quote(path)}", model)
        if reply.status not in (200, 201):
            raise RuntimeError(f"saving {path} as {user}: {reply.status} {reply.text}")

    def read_file(self, user: str, path: str) -> str:
        reply = self.server(user, "GET", f"/api/contents/{quote(path)}?type=file&format=text")
        if reply.status != 200:
            raise RuntimeError(f"reading {path} as {user}: {reply.status} {reply.text}")
        return reply.json()["content"]

    def terminal(self, user: str, command: str, deadline: float = COMMAND_DEADLINE) -> tuple[int, str]:
        """Run `command` in a new terminal of `user`'s server (File › New › Terminal, in the home
        folder): its exit status and what the terminal showed."""
        reply = self.server(user, "POST", "/api/terminals", {})
        if reply.status != 200:
            raise RuntimeError(f"opening a terminal as {user}: {reply.status} {reply.text}")
        name = reply.json()["name"]
        try:
            url = f"ws://127.0.0.1:{self.public_port}/user/{user}/terminals/websocket/{name}"
            # in a thread of its own: in the whole suite the browser tests' Playwright keeps an event
            # loop running in this thread, where asyncio.run refuses to start another
            with concurrent.futures.ThreadPoolExecutor(1) as worker:
                return worker.submit(asyncio.run, _terminal(url, self.token, command, deadline)).result()
        finally:
            self.server(user, "DELETE", f"/api/terminals/{name}")

    # ----- tear-down -----
    def close(self) -> list[str]:
        """Stop everything and remove the accounts and folders; what could not be undone."""
        problems = []
        if self.process and self.process.poll() is None:
            for user in self.users:  # each server stops its kernels and terminals
                try:
                    self.hub_api("DELETE", f"/users/{user}/server")
                except OSError:
                    pass
            self.process.send_signal(signal.SIGTERM)  # the hub stops the proxy and servers
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                problems.append("JupyterHub did not stop within 60 s: killed")
        for pid in self._leftover_pids():
            _kill(pid)
        for user in self.users:
            done = subprocess.run(["userdel", "--remove", user], capture_output=True, text=True)
            if done.returncode not in (0, 12):  # 12: the home folder (ours, removed below)
                problems.append(f"userdel {user}: {done.stderr.strip()}")
            try:
                grp.getgrnam(user)
                subprocess.run(["groupdel", user], capture_output=True)
            except KeyError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)
        return problems

    def _leftover_pids(self) -> list[int]:
        """Processes still running that the hub started: the proxy, and every process of the
        test's accounts (servers, kernels, terminals)."""
        pids = []
        pid_file = self.folder / "proxy.pid"
        if pid_file.exists() and pid_file.read_text().strip().isdigit():
            pids.append(int(pid_file.read_text().strip()))
        for user in self.users:
            try:
                uid = pwd.getpwnam(user).pw_uid
            except KeyError:
                continue
            out = subprocess.run(["ps", "-o", "pid=", "-u", str(uid)], capture_output=True, text=True)
            pids += [int(p) for p in out.stdout.split()]
        return pids


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
EXIT = re.compile(r"DESCENT-EXIT=(\d+)")


async def _terminal(url: str, token: str, command: str, deadline: float) -> tuple[int, str]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    try:
        ws.write_message(json.dumps(["set_size", 50, 200, 600, 1600]))
        # the status is printed as DESCENT-EXIT=<n>, which the echoed command line never shows
        ws.write_message(json.dumps(["stdin", f"{command}; printf '%s=%s\\n' DESCENT-EXIT $?\r"]))
        shown = ""
        end = time.monotonic() + deadline
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{command!r}: no exit status after {deadline} s; the terminal "
                                   f"showed:\n{ANSI.sub('', shown)}")
            message = await asyncio.wait_for(ws.read_message(), left)
            if message is None:
                raise RuntimeError(f"{command!r}: the terminal closed; it showed:\n{ANSI.sub('', shown)}")
            kind, *data = json.loads(message)
            if kind == "stdout":
                shown += data[0]
                found = EXIT.search(ANSI.sub("", shown))
                if found:
                    return int(found[1]), ANSI.sub("", shown)
    finally:
        ws.close()
