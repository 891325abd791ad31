"""Guard for a kernel that autogrades a submission (put on its path by solutions/grade.py).

Python imports ``sitecustomize`` at start-up, before any notebook cell or student code runs.
When the kernel is an nbgrader autograde kernel of the course (``NBGRADER_EXECUTION=autograde``
and ``DESCENT_GRADING_ROOT`` set by ``python3 course.py grade``), it installs an audit hook
(PEP 578) that, for the rest of the process:

* refuses any file or directory access inside the course folder except the submission's own
  folder (the kernel's working directory), the grading lib and the Python environment: the
  reference rules in solutions/, the instructor's lib, other students' submissions and the
  gradebook are out of reach;
* refuses to start processes (a shell could read what Python may not) and to call C functions
  through ctypes (which could bypass the hook), and to signal other processes.

Refusals raise PermissionError with a message saying why. An audit hook cannot be removed, but it
is not a security boundary against code written to attack it: for hostile code, grade inside a
container (see the instructor guide).
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

    candidates = (os.getcwd(), os.environ.get("DESCENT_GRADING_LIB", os.getcwd()),
                  sys.prefix, sys.base_prefix, sys.exec_prefix)
    # folders inside the course only: an allowed folder that contains the course would open it all
    allowed = tuple(a for a in map(real, candidates) if inside(a, course) and a != course)
    path_events = frozenset({
        "open", "os.listdir", "os.scandir", "os.remove", "os.rename", "os.rmdir", "os.mkdir",
        "os.chmod", "os.chown", "os.truncate", "os.utime", "os.link", "os.symlink",
        "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree",
        "shutil.move", "shutil.rmtree", "sqlite3.connect", "os.chdir",
    })
    process_events = frozenset({
        "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
        "os.forkpty", "pty.spawn", "os.startfile",
        "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.call_function",
        "ctypes.cdata", "ctypes.cdata/buffer", "ctypes.string_at", "ctypes.wstring_at",
    })
    me = os.getpid()
    import ctypes  # noqa: F401  (loading ctypes opens the interpreter itself: allowed, once)

    def hook(event: str, args: tuple) -> None:
        if event in path_events:
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
        elif event in process_events:
            raise PermissionError(f"Descent grading: {event} is not allowed while a submission "
                                  "is graded.")
        elif event in ("os.kill", "os.killpg", "signal.pthread_kill") and args and args[0] != me:
            raise PermissionError("Descent grading: signalling other processes is not allowed.")

    sys.addaudithook(hook)


_install()
del _install
