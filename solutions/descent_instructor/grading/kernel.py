"""The grading kernel as nbgrader starts it: its environment, and where its own output goes.

``GradingExecute`` is nbgrader's Execute preprocessor (configured in ``Autograde.
autograde_preprocessors`` in its place) with two differences:

* the kernel's environment is this process's plus ``kernel_env`` (the sandbox: grading lib, guard,
  temporary folder), so grading never changes this process's ``os.environ``;
* the kernel's own stdout and stderr go to the file ``kernel_output`` instead of this process's.

Where the kernel's output goes matters. Whatever a kernel prints while a cell runs reaches the
notebook (ipykernel captures its file descriptors 1 and 2); what it prints before that capture
starts or after it ends went straight to the grading command's stderr, which the kernel
inherited. That is how a harmless shutdown traceback of ipykernel reached instructors
(``without_shutdown_noise`` says which). The grader reads the file after the kernel has exited,
removes that traceback, and shows the rest, naming the student.
"""
from __future__ import annotations

import os
import re

from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Dict, List, Unicode


class GradingExecute(Execute):
    kernel_env = Dict(help="Variables the kernel gets on top of this process's environment.").tag(config=True)
    kernel_unset = List(help="Variables of this process the kernel does not get.").tag(config=True)
    kernel_output = Unicode("", help="File for the kernel's own stdout and stderr (empty: this "
                                     "process's).").tag(config=True)

    async def async_start_new_kernel(self, **kwargs):
        # os.environ now, not earlier: nbgrader sets NBGRADER_EXECUTION=autograde around this step
        env = {**os.environ, **self.kernel_env}
        for name in self.kernel_unset:
            env.pop(name, None)
        kwargs.setdefault("env", env)
        if not self.kernel_output:
            return await super().async_start_new_kernel(**kwargs)
        with open(self.kernel_output, "ab") as out:  # the kernel keeps its own descriptor
            kwargs.setdefault("stdout", out)
            kwargs.setdefault("stderr", out)
            return await super().async_start_new_kernel(**kwargs)

    # nbclient binds the blocking version to its own coroutine: bind it to this one
    start_new_kernel = run_sync(async_start_new_kernel)


# -- a known harmless traceback ------------------------------------------------------------------
# ipykernel 7 (7.4.0 here) at shutdown: after the shutdown request, the control thread finishes
# process_control by flushing stdout and publishing an "idle" status, which wakes the IOPub thread
# through a zmq socket (IOPubThread.schedule → self._event_pipe.send). The kernel's main thread is
# closing the IOPub thread and its sockets at the same time; when it wins the race, the send raises
# ZMQError ENOTSOCK ("Socket operation on non-socket"), and tornado logs the uncaught exception on
# the kernel's stderr. By then every cell has run and its outputs and reply have been received:
# only a status message for a kernel that is exiting is lost, and grading is unaffected.
# (ipykernel PR #1518 catches the same race one call later, in IOPubThread._really_send.)
# Only a traceback with exactly this shape is removed: it passes through process_control and
# ends in the event pipe's send, with that error. Any other output is shown.
_HEADER = re.compile(r"(tornado|asyncio).*(exception|callback)|Exception in callback|"
                     r"Task exception was never retrieved", re.IGNORECASE)
_FINAL = "zmq.error.ZMQError: Socket operation on non-socket"


def _harmless(frames: list[str], final: str) -> bool:
    code = [f.strip() for f in frames]
    return (final.strip() == _FINAL
            and any(re.search(r"ipykernel[/\\]kernelbase\.py.*, in process_control$", f) for f in code)
            and any(re.search(r"ipykernel[/\\]iostream\.py.*, in schedule$", f)
                    and code[i + 1:i + 2] == ['self._event_pipe.send(b"")']
                    for i, f in enumerate(code)))


def without_shutdown_noise(text: str) -> str:
    """The kernel's own output without ipykernel's harmless shutdown traceback (see above)."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip("\r\n") == "Traceback (most recent call last):":
            end = i + 1
            while end < len(lines) and lines[end].startswith((" ", "\t")):
                end += 1  # the frames: indented lines
            if end < len(lines) and _harmless(lines[i + 1:end], lines[end]):
                if kept and _HEADER.search(kept[-1]):
                    kept.pop()  # the log line that introduced it
                i = end + 1
                continue
        kept.append(lines[i])
        i += 1
    return "".join(kept)
