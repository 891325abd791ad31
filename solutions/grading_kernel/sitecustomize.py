"""Guard for a kernel that autogrades a submission (put on its path by solutions/grade.py).

Python imports ``sitecustomize`` at start-up, before any notebook cell or student code runs.
When the kernel is an nbgrader autograde kernel of the course (``NBGRADER_EXECUTION=autograde``
and ``DESCENT_GRADING_ROOT`` set by ``python3 course.py grade``), it installs an audit hook
(PEP 578) that, for the rest of the process:

* refuses any file or directory access inside the course folder except the submission's own
  folder (the kernel's working directory), the grading lib and the Python environment: the
  reference rules in solutions/, the instructor's lib, other students' submissions and the
  gradebook are out of reach;
* refuses opening folders as files (their descriptors would reach paths through ``dir_fd``),
  other processes' ``/proc`` entries, and SQLite databases inside the course (the gradebook);
* refuses to start processes (a shell could read what Python may not) and to call C functions
  through ctypes (which could bypass the hook), and to signal other processes.

Refusals raise PermissionError with a message saying why. An audit hook cannot be removed, but it
is not a security boundary against code written to attack it (PEP 578 says so: Python code can
find the hook's data with the gc module, for one). solutions/grade.py therefore also flags such
code for review, and for a class you do not trust the instructor guide says to grade inside a
container.
"""
import os
import sys


def _install() -> None:
    root = os.environ.get("DESCENT_GRADING_ROOT")
    if os.environ.get("NBGRADER_EXECUTION") != "autograde" or not root:
        return
    real = os.path.realpath
    sep = os.sep
    course = real(root)

    def inside(path: str, folder: str) -> bool:
        return path == folder or path.startswith(folder.rstrip(sep) + sep)

    home = os.path.expanduser("~")  # a course cloned into $HOME (Binder's layout): its dot folders
    candidates = (os.getcwd(), os.environ.get("DESCENT_GRADING_LIB", os.getcwd()),
                  sys.prefix, sys.base_prefix, sys.exec_prefix,
                  *(os.path.join(home, d) for d in (".ipython", ".local", ".cache", ".config",
                                                    ".jupyter", ".matplotlib")))
    # folders inside the course only: an allowed folder that contains the course would open it all
    allowed = tuple(a for a in map(real, candidates) if inside(a, course) and a != course)
    path_events = frozenset({
        "open", "os.listdir", "os.scandir", "os.remove", "os.rename", "os.rmdir", "os.mkdir",
        "os.chmod", "os.chown", "os.truncate", "os.utime", "os.link", "os.symlink",
        "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree",
        "shutil.move", "shutil.rmtree", "os.chdir",
    })
    process_events = frozenset({
        "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
        "os.forkpty", "pty.spawn", "os.startfile",
        "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.call_function",
        "ctypes.cdata", "ctypes.cdata/buffer", "ctypes.string_at", "ctypes.wstring_at",
    })
    me = os.getpid()
    own_proc = f"/proc/{me}"
    tmpfile = getattr(os, "O_TMPFILE", -1)  # tempfile's nameless files open their folder
    import ctypes  # noqa: F401  (loading ctypes opens the interpreter itself: allowed, once)

    def hook(event: str, args: tuple) -> None:
        if event == "sqlite3.connect" and args:  # the gradebook is SQLite; IPython's history too
            db = os.fsdecode(args[0]) if isinstance(args[0], (str, bytes, os.PathLike)) else ""
            if db.startswith("file:"):  # a URI: file:/path?mode=ro, file:///path
                db = db[5:].split("?")[0]
                db = "/" + db.lstrip("/") if db.startswith("//") else db
            if db not in ("", ":memory:"):
                hook("open", (db, "r+", 0))
        elif event in path_events:
            for arg in args[:2]:
                if isinstance(arg, (str, bytes, os.PathLike)):
                    try:
                        p = real(os.fsdecode(arg))
                    except (TypeError, ValueError):
                        continue
                    if inside(p, course) and not any(inside(p, a) for a in allowed):
                        raise PermissionError(
                            f"Descent grading: {event} on {p} refused; while a submission is "
                            "graded, its code may only use its own folder and the course lib.")
                    # os.open (mode None) of a folder: its descriptor would open dir_fd= paths
                    if (event == "open" and args[1] is None and os.path.isdir(p)
                            and not (isinstance(args[2], int) and args[2] & tmpfile == tmpfile)):
                        raise PermissionError(f"Descent grading: opening the folder {p} refused.")
                    if (p.startswith("/proc/") and p.split("/")[2].isdigit()
                            and not inside(p, own_proc)):  # e.g. the grader's environment
                        raise PermissionError(f"Descent grading: {p} refused.")
        elif event in process_events:
            raise PermissionError(f"Descent grading: {event} is not allowed while a submission "
                                  "is graded.")
        elif event in ("os.kill", "os.killpg", "signal.pthread_kill") and args and args[0] != me:
            raise PermissionError("Descent grading: signalling other processes is not allowed.")

    sys.addaudithook(hook)


_install()
del _install
