"""JupyterLab in a real browser: a server on a copy of the course, headless Chromium, and a
notebook page driven as a student drives it (menus, keyboard, mouse).

Shared by the browser tests (tests/browser/) and the latency benchmark (tests/benchmark_browser.py).

* :func:`find_chromium` — ``$DESCENT_CHROMIUM``, else ``chromium``, ``chromium-browser`` or
  ``google-chrome`` on PATH; Playwright's own browser download is never used.
* :class:`LabServer` — ``python -m jupyter lab`` (this interpreter) on 127.0.0.1, a free port, a
  token, on a copy of the course, with its own Jupyter config, data, settings and workspace
  folders: nbgrader's instructor plugins and JupyterLab's news are off, as for students.
* :class:`Notebook` — one open notebook: Run All, wait until it has settled, read the cells as
  JupyterLab holds them, run a scratch cell, press Validate, find the explorers.

JupyterLab 4.6 renders an error output exactly like a stderr stream (a ``.jp-RenderedText``
with ``data-mime-type="application/vnd.jupyter.stderr"``): the page itself does not say which is
which. The server runs with ``expose_app_in_browser`` so that the tests can ask JupyterLab's own
notebook model which outputs are errors (``output_type == "error"``), and report the text the
page shows for them.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"

#: what a student gets: the course folders and the two top-level files they see
COPIED_DIRS = ("lectures", "exercises", "lib", "solutions")
COPIED_FILES = ("README.md", "nbgrader_config.py")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    # no connections besides localhost: this machine's network is closed, and CI's may be
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-domain-reliability", "--disable-quic",
    "--no-first-run", "--no-default-browser-check", "--metrics-recording-only",
]
VIEWPORT = {"width": 1400, "height": 1000}

#: nbgrader's instructor plugins, disabled for students (course.py keeps the lists)
sys.path.insert(0, str(ROOT))
import course  # noqa: E402

sys.path.remove(str(ROOT))


# -- what is installed ----------------------------------------------------------------------------
def find_chromium() -> str | None:
    """The Chromium to drive: ``$DESCENT_CHROMIUM`` if it is an executable, else the first of
    chromium, chromium-browser, google-chrome on PATH; None when there is none."""
    given = os.environ.get("DESCENT_CHROMIUM")
    if given and os.path.isfile(given) and os.access(given, os.X_OK):
        return given
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def playwright_problem() -> str | None:
    """Why Playwright for Python cannot be imported, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as err:
        return f"playwright is not importable ({err}); `python3 course.py test` installs it"
    return None


def launch_browser(playwright, executable: str):
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                      headless=True)


# -- the server ------------------------------------------------------------------------------------
def copy_course(dest: Path) -> Path:
    """A copy of the course as a student has it: its folders and top-level files, without
    .venv/, .git/ or the grading output."""
    dest.mkdir(parents=True, exist_ok=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
    for name in COPIED_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=skip)
    for name in COPIED_FILES:
        shutil.copy(ROOT / name, dest / name)
    return dest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``python -m jupyter lab`` on ``course`` (a copy), with its state under ``work``.

    ``kernels`` adds kernel specs: name -> (display name, extra environment). Kernels of the
    default ``python3`` spec import the copy's lib (PYTHONPATH=<course>/lib), as a student's
    kernel imports their own clone's lib.
    """

    def __init__(self, course_dir: Path, work: Path, kernels: dict | None = None):
        self.course = Path(course_dir)
        self.work = Path(work)
        self.kernels = kernels or {}
        self.token = os.urandom(16).hex()
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log_path = self.work / "jupyterlab.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The page of one file; ``reset`` starts from an empty workspace."""
        return f"{self.base}/lab/tree/{path}?reset&token={self.token}"

    def _configure(self) -> dict:
        config, data = self.work / "config", self.work / "data"
        for d in ("config/labconfig", "data/kernels", "runtime", "settings", "workspaces",
                  "ipython"):
            (self.work / d).mkdir(parents=True, exist_ok=True)
        # the students' set-up (course.py student-extensions), without touching this environment
        quiet = course.INSTRUCTOR_LAB_PLUGINS + course.QUIET_LAB_PLUGINS
        (config / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {p: True for p in quiet}}, indent=1))
        server = {
            "ServerApp": {"jpserver_extensions": {e: False
                                                  for e in course.INSTRUCTOR_SERVER_EXTENSIONS}},
            # no news feed, no update check: nothing may pop up over the notebook
            "LabApp": {"news_url": None, "expose_app_in_browser": True,
                       "check_for_updates_class":
                           "jupyterlab.handlers.announcements.NeverCheckForUpdate"},
        }
        (config / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
        for name, (display, env) in self.kernels.items():
            spec = self.work / "data" / "kernels" / name
            spec.mkdir(parents=True, exist_ok=True)
            (spec / "kernel.json").write_text(json.dumps({
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": display, "language": "python", "env": env,
                "metadata": {"debugger": False}}, indent=1))
        # this machine's Jupyter folders and a reference-rules override must not leak in
        env = {k: v for k, v in os.environ.items()
               if not (k.startswith(("JUPYTER_", "JUPYTERLAB_")) and k.endswith(("_DIR", "_PATH")))
               and k not in ("PYTHONPATH", "IPYTHONDIR", "DESCENT_REFERENCE_RULES")}
        env.update(
            PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            PYTHONPATH=str(self.course / "lib"),
            JUPYTER_CONFIG_DIR=str(config), JUPYTER_DATA_DIR=str(data),
            JUPYTER_RUNTIME_DIR=str(self.work / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(self.work / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.work / "workspaces"),
            IPYTHONDIR=str(self.work / "ipython"), PYDEVD_DISABLE_FILE_VALIDATION="1",
        )
        return env

    def start(self, timeout: float = 90) -> "LabServer":
        env = self._configure()
        atexit.register(self.stop)  # also when a script using it dies of an exception
        for attempt in range(3):  # the free port may be taken in between: try another
            self.port = _free_port()
            cmd = [sys.executable, "-m", "jupyter", "lab", "--ServerApp.open_browser=False",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.course}"]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.append("--allow-root")
            log = open(self.log_path, "a")
            self.proc = subprocess.Popen(cmd, cwd=self.course, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    self.api("GET", "/api/status", timeout=2)
                    return self
                except (urllib.error.URLError, ConnectionError, OSError):
                    time.sleep(0.1)
            else:
                self.stop()
                raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{self.log_tail()}")
        raise RuntimeError(f"JupyterLab did not start:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def api(self, method: str, path: str, timeout: float = 30):
        req = urllib.request.Request(self.base + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self, path: str | None = None):
        """Stop the kernel of notebook ``path``, or every kernel (2 cores are not many)."""
        for session in self.api("GET", "/api/sessions"):
            if path is None or session.get("path") == path:
                self.api("DELETE", f"/api/sessions/{session['id']}")
        if path is None:
            for kernel in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # JupyterLab stops its kernels
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only what it started
            self.proc.wait(5)


@contextmanager
def lab_session(work: Path, kernels: dict | None = None, widgets: Path | None = None):
    """A course copy under ``work``, a server on it and a headless Chromium: (server, browser).
    ``widgets`` replaces the copy's lib/descent/widgets.py (benchmarks of two versions)."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        raise RuntimeError("no Chromium found (set DESCENT_CHROMIUM or install chromium)")
    course_dir = copy_course(work / "course")
    if widgets is not None:
        shutil.copy(widgets, course_dir / "lib" / "descent" / "widgets.py")
    server = LabServer(course_dir, work / "jupyter", kernels).start()
    try:
        with sync_playwright() as pw:
            browser = launch_browser(pw, executable)
            try:
                yield server, browser
            finally:
                browser.close()
    finally:
        server.stop()


def new_page(browser, server: LabServer):
    """A fresh browser context and page; requests that leave localhost are refused."""
    context = browser.new_context(viewport=VIEWPORT)
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    return context.new_page()


# -- one notebook ----------------------------------------------------------------------------------
_JS_PANEL = """
const panelOf = (path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.content.widgets) return w;
  }
  return null;
};
"""

_JS_CELLS = _JS_PANEL + """
(path) => {
  const panel = panelOf(path);
  return panel.content.widgets.map((cell, index) => {
    const m = cell.model;
    const prompt = cell.node.querySelector('.jp-InputPrompt');
    const info = {index, id: m.id, type: m.type, source: m.sharedModel.getSource(),
                  prompt: prompt ? prompt.textContent.trim() : '', count: null, outputs: []};
    if (m.type === 'code') {
      info.count = m.executionCount;
      const shown = cell.outputArea.node.querySelectorAll(':scope > .jp-OutputArea-child');
      for (let i = 0; i < m.outputs.length; i++) {
        const out = m.outputs.get(i).toJSON();
        info.outputs.push({type: out.output_type, ename: out.ename || null,
                           evalue: out.evalue || null, name: out.name || null,
                           shown: shown[i] ? shown[i].textContent : null});
      }
    }
    return info;
  });
}
"""

_JS_SETTLED = _JS_PANEL + """
(path) => {
  const panel = panelOf(path);
  if (!panel) return 'no notebook panel';
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel) return 'no kernel';
  if (kernel.status !== 'idle') return 'kernel ' + kernel.status;
  const running = [...panel.node.querySelectorAll('.jp-InputPrompt')]
      .filter(p => p.textContent.includes('*')).length;
  if (running) return running + ' cell(s) at [*]';
  return '';
}
"""

_JS_DIGEST = """
async (img) => {
  let bytes;
  try {
    bytes = await (await fetch(img.src)).arrayBuffer();
  } catch (err) {
    return 'unreadable picture ' + img.src + ': ' + err;   // e.g. a blob: URL already revoked
  }
  const hash = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join('');
}
"""


class Notebook:
    """One notebook open in JupyterLab, in its own browser page."""

    def __init__(self, page, server: LabServer, path: str):
        self.page = page
        self.server = server
        self.path = path
        self.shots = 0

    @classmethod
    def open(cls, page, server: LabServer, path: str, timeout: float = 90) -> "Notebook":
        nb = cls(page, server, path)
        page.goto(server.url(path), wait_until="domcontentloaded")
        page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(
            timeout=timeout * 1000)
        nb.wait_settled(quiet=0.3, timeout=timeout)  # the kernel is up and idle
        return nb

    # -- state ----------------------------------------------------------------------------------
    def kernel_name(self) -> str:
        """The kernel's name as the notebook toolbar shows it."""
        return self.page.evaluate(_JS_PANEL + "(path) => panelOf(path).sessionContext.kernelDisplayName",
                                  self.path)

    def status(self) -> str:
        """'' when the kernel is idle and no cell is at [*]; else what is still going on."""
        return self.page.evaluate(_JS_SETTLED, self.path)

    def wait_settled(self, quiet: float = 0.5, timeout: float = 180, probe=None) -> float:
        """Wait until the kernel is idle, no cell shows [*] and ``probe()`` (if given) has not
        changed, continuously for ``quiet`` seconds. Returns the seconds waited until that quiet
        period began."""
        start = time.monotonic()
        calm_since, last = None, object()
        while True:
            now = time.monotonic()
            state = (self.status(), probe() if probe else None)
            if state[0] == "" and state == last:
                calm_since = calm_since or now
                if now - calm_since >= quiet:
                    return calm_since - start
            else:
                calm_since = now if state[0] == "" else None
            last = state
            if now - start > timeout:
                raise AssertionError(f"{self.path}: not settled after {timeout} s: {state[0]!r}")
            time.sleep(0.05)

    def cells(self) -> list[dict]:
        """Every cell as JupyterLab holds it: id, type, source, prompt, execution count and its
        outputs (output_type, ename, evalue and the text the page shows for it)."""
        return self.page.evaluate(_JS_CELLS, self.path)

    def errors(self) -> dict[str, dict]:
        """cell id -> its error output (the first), for every cell with an error output."""
        found = {}
        for cell in self.cells():
            for out in cell["outputs"]:
                if out["type"] == "error":
                    found.setdefault(cell["id"], {**out, "index": cell["index"]})
        return found

    def error_report(self) -> str:
        return "\n\n".join(f"cell {cid} (#{e['index']}): {e['ename']}: {e['evalue']}\n"
                           f"{(e['shown'] or '').strip()[-1500:]}"
                           for cid, e in self.errors().items())

    def printed(self) -> str:
        """All stream output of the notebook, as shown."""
        return "".join(o["shown"] or "" for c in self.cells() for o in c["outputs"]
                       if o["type"] == "stream")

    # -- actions, through the menus -----------------------------------------------------------
    def menu(self, top: str, item: str):
        """Click ``top`` in the menu bar, then ``item`` (its label; a shortcut may follow)."""
        self.page.get_by_role("menuitem", name=top, exact=True).click()
        self.page.get_by_role("menuitem", name=re.compile(rf"^{re.escape(item)}(\s|$)")).click()

    def _counts(self) -> list:
        return [c["count"] for c in self.cells()]

    def _run_from_menu(self, item: str, timeout: float) -> float:
        """Run → ``item``; wait until the run has begun (a cell at [*], the kernel busy or a new
        execution count) and then until it has settled. Returns the seconds from the click until
        it was done (the quiet period that shows it is done not counted)."""
        before = self._counts()
        start = time.monotonic()
        self.menu("Run", item)
        while self.status() == "" and self._counts() == before:
            if time.monotonic() - start > 10:
                raise AssertionError(f"Run → {item} did not start anything")
            time.sleep(0.02)
        began = time.monotonic() - start
        return began + self.wait_settled(timeout=timeout)

    def run_all(self, timeout: float = 240) -> float:
        """Run → Run All Cells; wait until every cell it queued has run and the page has settled.
        Returns the seconds it took. After the first error, JupyterLab shows the cells still queued
        as [ ] (not [*]) while the kernel runs on through those tagged raises-exception, idle for
        a moment between two of them: only a request queued behind them says they are done."""
        took = self._run_from_menu("Run All Cells", timeout)
        queued = time.monotonic()
        self.page.evaluate(_JS_PANEL + """
          async (path) => {
            const kernel = panelOf(path).sessionContext.session.kernel;
            await kernel.requestExecute({code: '', silent: true, store_history: false}).done;
          }""", self.path)
        return took + (time.monotonic() - queued) + self.wait_settled(timeout=timeout)

    def select(self, index: int):
        """Select one cell (a click on its prompt, as a student would)."""
        cell = self.page.locator(".jp-Notebook .jp-Cell").nth(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").click()

    def type_into(self, cell_id: str, text: str):
        """Replace the source of one cell (code or markdown) by typing into its editor: select
        the cell, Enter to edit, select all, type, Escape."""
        index = next(c["index"] for c in self.cells() if c["id"] == cell_id)
        self.select(index)
        keyboard = self.page.keyboard
        keyboard.press("Enter")
        editor = self.page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
        editor.wait_for()
        assert editor.evaluate("e => e.contains(document.activeElement)"), "editor not focused"
        keyboard.press("Control+A")
        keyboard.press("Delete")
        keyboard.insert_text(text)
        keyboard.press("Escape")  # back to command mode
        typed = next(c for c in self.cells() if c["id"] == cell_id)["source"]
        assert typed == text, f"typed {text!r}, the cell holds {typed!r}"

    def run_scratch(self, code: str, timeout: float = 120) -> str:
        """Add a code cell at the end, run it, return what it printed and delete the cell again
        (the test's probe into the kernel behind the page)."""
        self.page.evaluate(_JS_PANEL + """
          async ([path, code]) => {
            const panel = panelOf(path), nb = panel.content, app = window.jupyterapp;
            nb.activeCellIndex = nb.widgets.length - 1;
            nb.mode = 'command';
            await app.commands.execute('notebook:insert-cell-below');
            nb.activeCell.model.sharedModel.setSource(code);
          }""", [self.path, code])
        self.page.keyboard.press("Escape")
        count_before = self.cells()[-1]["count"]
        self.page.evaluate(_JS_PANEL + """
          async (path) => { await window.jupyterapp.commands.execute('notebook:run-cell'); }""",
                           self.path)
        self.wait_settled(quiet=0.2, timeout=timeout)
        last = self.cells()[-1]
        assert last["source"] == code and last["count"] not in (None, count_before), last
        errors = [o for o in last["outputs"] if o["type"] == "error"]
        assert not errors, f"scratch cell failed: {errors}"
        self.page.evaluate(_JS_PANEL + """
          async (path) => {
            const nb = panelOf(path).content;
            nb.activeCellIndex = nb.widgets.length - 1;
            await window.jupyterapp.commands.execute('notebook:delete-cell');
          }""", self.path)  # the notebook as the student sees it again
        return "".join(o["shown"] or "" for o in last["outputs"])

    def validate(self, timeout: float = 240) -> tuple[str, str]:
        """Press nbgrader's Validate button; wait for its dialog. Returns (outcome, text):
        outcome is the class nbgrader gives the dialog body (validation-success,
        validation-failed, validation-changed, ...), text what the dialog says."""
        self.page.locator(".jp-NotebookPanel-toolbar .validate-button").click()
        dialog = self.page.locator(".jp-Dialog").filter(has_text="Validation")
        dialog.locator(".jp-Dialog-content").wait_for(timeout=timeout * 1000)
        title = dialog.locator(".jp-Dialog-header").inner_text()
        body = dialog.locator(".jp-Dialog-body")
        outcome = body.evaluate("""b => {
            for (const d of [b, ...b.querySelectorAll('[class*="validation-"]')]) {
              const c = [...d.classList].find(c => c.startsWith('validation-'));
              if (c) return c;
            }
            return ''; }""")
        return outcome, f"{title}\n{body.inner_text()}"

    def close_dialog(self):
        dialog = self.page.locator(".jp-Dialog")
        dialog.locator(".jp-mod-accept").click()
        dialog.wait_for(state="detached")

    # -- pictures ---------------------------------------------------------------------------------
    def screenshot(self, name: str, element=None) -> Path:
        """artifacts/browser/<name>.png, with ``element`` (a locator) scrolled into view."""
        if element is not None:
            element.scroll_into_view_if_needed()
        return shot(self.page, name)

    def explorer(self, n: int = 0) -> "Explorer":
        """The n-th slider explorer shown in the notebook (an output holding a widget image)."""
        out = self.page.locator(".jp-OutputArea-output:has(img.widget-image)").nth(n)
        out.wait_for()
        return Explorer(self, out)


class Explorer:
    """An explorer as the page shows it: sliders (noUiSlider), readouts, the picture."""

    def __init__(self, notebook: Notebook, root):
        self.notebook = notebook
        self.root = root
        self.image = root.locator("img.widget-image").first

    def slider(self, i: int = 0):
        return self.root.locator(".widget-slider").nth(i)

    def handle(self, i: int = 0):
        return self.slider(i).locator(".noUi-handle")

    def readout(self, i: int = 0) -> str:
        """The value the slider's readout shows (scrolled into view first)."""
        readout = self.slider(i).locator(".widget-readout")
        readout.scroll_into_view_if_needed()
        return readout.text_content().strip()

    def label(self, i: int = 0) -> str:
        return self.slider(i).locator(".widget-label").text_content().strip()

    def src(self) -> str:
        return self.image.get_attribute("src") or ""

    def digest(self) -> str:
        """SHA-256 of the bytes the <img> shows (fetched from its blob: URL in the page)."""
        return self.image.evaluate(_JS_DIGEST)

    def wait_settled(self, quiet: float = 0.5, timeout: float = 60) -> float:
        """Kernel idle and neither the picture nor the readouts changing, for ``quiet`` s."""
        readouts = self.root.locator(".widget-readout")
        return self.notebook.wait_settled(
            quiet=quiet, timeout=timeout,
            probe=lambda: (self.src(), tuple(readouts.all_text_contents())))


#: run in the kernel by :meth:`Notebook.run_scratch`: the first explorer the notebook displayed,
#: its slider values, the digest of the picture it sent, and the digest of the picture a fresh
#: explorer draws for those values (what the page must show)
PROBE = r'''
import hashlib as _h, json as _j
import ipywidgets as _W
from descent import widgets as _dw

def _probe(n=0):
    shown = [v for _, v in sorted(Out.items()) if isinstance(v, _dw.Explorer)]
    ex = shown[n]
    specs = {}
    for name, s in ex.hyper_sliders.items():
        if isinstance(s, _W.FloatLogSlider):
            specs[name] = _dw.log_slider(s.base ** s.min, s.base ** s.max, s.value)
        else:
            specs[name] = _dw.slider(s.min, s.max, s.value, s.step)
    fresh = _dw.Explorer(ex.surface, ex.runs, specs, steps=ex.max_steps,
                         start=(ex.start_x.value, ex.start_y.value), note=ex.note,
                         loss_panel=ex.ax_loss is not None,
                         size=tuple(ex.fig.get_size_inches()), dpi=int(ex.fig.dpi),
                         loss_decades=ex.canvas.loss_decades)  # the same fixed loss axis
    fresh.steps.value = ex.steps.value
    expected = bytes(fresh.image.value)
    fresh.widget.close()
    return {"values": ex.values(), "start": [ex.start_x.value, ex.start_y.value],
            "steps": ex.steps.value, "renders": ex.renders,
            "digest": _h.sha256(bytes(ex.image.value)).hexdigest(),
            "expected": _h.sha256(expected).hexdigest()}

print("PROBE" + _j.dumps(_probe(__N__)))
'''


def probe_explorer(notebook: Notebook, n: int = 0) -> dict:
    text = notebook.run_scratch(PROBE.replace("__N__", str(n)))
    return json.loads(text.split("PROBE", 1)[1])


#: notebooks open now (a failing test screenshots them)
OPEN: list[Notebook] = []


def open_notebook(browser, server: LabServer, path: str) -> Notebook:
    """A new page (own browser context) with ``path`` open and its kernel idle; close it with
    :func:`close_notebook`."""
    page = new_page(browser, server)
    try:
        nb = Notebook.open(page, server, path)
    except Exception:
        shot(page, "FAILED-opening-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", path))
        page.context.close()
        raise
    OPEN.append(nb)
    return nb


def close_notebook(notebook: Notebook):
    if notebook in OPEN:
        OPEN.remove(notebook)
    notebook.page.context.close()
    notebook.server.shutdown_kernels(notebook.path)


def shot(page, name: str) -> Path:
    """A screenshot of the page as artifacts/browser/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
