"""Guard for a kernel that autogrades a submission (put on its path by descent_instructor.grading.sandbox).

Python imports ``sitecustomize`` at start-up, before any notebook cell or student code runs.
When the kernel is an nbgrader autograde kernel of the course (``NBGRADER_EXECUTION=autograde``
and ``DESCENT_GRADING_ROOT`` set by ``python3 course.py grade``), it installs an audit hook
(PEP 578) that, for the rest of the process:

* refuses any file or directory access inside the course folder except the submission's own
  folder (the kernel's working directory), the grading lib and the Python environment: the
  reference rules in solutions/, the instructor's lib, other students' submissions and the
  gradebook are out of reach;
* refuses writing, anywhere, except in the submission's own folder, the temporary folder and
  matplotlib's cache: a submission cannot change the grading lib, the Python environment, the
  guard itself or a start-up file, and so cannot change how the next student is graded;
* refuses opening folders as files (their descriptors would reach paths through ``dir_fd``),
  other processes' ``/proc`` entries, and SQLite databases inside the course (the gradebook);
* refuses to start processes (a shell could read what Python may not) and to call C functions
  through ctypes (which could bypass the hook), and to signal other processes.

Refusals raise PermissionError with a message saying why. An audit hook cannot be removed, but it
is not a security boundary against code written to attack it (PEP 578 says so: Python code can
find the hook's data with the gc module, for one). the grading command (descent_instructor.grading.review) therefore also flags such
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
    # where a kernel may write: its own folder, the temporary folder (the sandbox gives each
    # student a fresh one), matplotlib's config and font cache; /dev/null and the like
    import tempfile
    xdg = {d: os.environ.get(f"XDG_{d.upper()}_HOME") or os.path.join(home, f".{d}")
           for d in ("cache", "config")}
    mpl = [os.environ["MPLCONFIGDIR"]] if os.environ.get("MPLCONFIGDIR") else [
        os.path.join(xdg[d], "matplotlib") for d in xdg]
    cwd = real(os.getcwd())
    writable = tuple(map(real, (cwd, tempfile.gettempdir(), "/dev", *mpl)))
    # never, even inside the folders above (an environment in /tmp): Python and its paths
    import site
    protected = tuple(
        p for p in map(real, (sys.prefix, sys.base_prefix, sys.exec_prefix,
                              os.environ.get("DESCENT_GRADING_LIB", sys.prefix),
                              site.getusersitepackages(), *(e for e in sys.path if e)))
        if not any(inside(w, p) for w in writable[:2]))  # a path entry above cwd or the temp folder
    # the events that change what they name; for a copy or a symbolic link, only the second
    # path (a hard link is another name for the same file: writing through it writes the file)
    write_events = frozenset(path_events - {"open", "os.listdir", "os.scandir", "os.chdir"})
    second_only = frozenset({"shutil.copyfile", "shutil.copymode", "shutil.copystat",
                             "shutil.copytree", "os.symlink"})
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def writes(event: str, args: tuple, i: int) -> bool:
        if event == "open":
            mode, flags = args[1], args[2]
            return ((isinstance(mode, str) and any(c in mode for c in "wax+"))
                    or (isinstance(flags, int) and flags & write_flags != 0))
        return event in write_events and (i == 1 or event not in second_only)

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
            for i, arg in enumerate(args[:1] if event == "open" else args[:2]):
                if isinstance(arg, (str, bytes, os.PathLike)):
                    try:
                        p = real(os.fsdecode(arg))
                    except (TypeError, ValueError):
                        continue
                    if inside(p, course) and not any(inside(p, a) for a in allowed):
                        raise PermissionError(
                            f"Descent grading: {event} on {p} refused; while a submission is "
                            "graded, its code may only use its own folder and the course lib.")
                    if writes(event, args, i) and not (
                            inside(p, cwd) if inside(p, course)  # the course may be in /tmp
                            else any(inside(p, a) for a in writable)
                            and not any(inside(p, a) for a in protected)):
                        raise PermissionError(
                            f"Descent grading: {event} on {p} refused; while a submission is "
                            "graded, its code may only write in its own folder and in "
                            f"{tempfile.gettempdir()}.")
                    # os.open (mode None) of a folder: its descriptor would open dir_fd= paths
                    if (event == "open" and args[1] is None and os.path.isdir(p)
                            and not (isinstance(args[2], int) and args[2] & tmpfile == tmpfile)):
                        raise PermissionError(f"Descent grading: opening the folder {p} refused.")
                    if (p.startswith("/proc/") and p.split("/")[2].isdigit()
                            and not inside(p, own_proc)  # e.g. the grader's environment
                            # a process's status line (ipykernel's clean-up looks for children)
                            and not (p.count("/") == 3 and p.endswith("/stat")
                                     and not writes(event, args, i))):
                        raise PermissionError(f"Descent grading: {p} refused.")
        elif event in process_events:
            raise PermissionError(f"Descent grading: {event} is not allowed while a submission "
                                  "is graded.")
        elif event in ("os.kill", "os.killpg", "signal.pthread_kill") and args and args[0] != me:
            raise PermissionError("Descent grading: signalling other processes is not allowed.")

    sys.addaudithook(hook)


_install()
del _install
