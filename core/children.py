"""Child processes (ffmpeg) that die with their parent.

A render killed with SIGKILL cannot tear anything down, so the child must notice by itself:
on Linux each child asks the kernel for SIGKILL when its parent dies (`PR_SET_PDEATHSIG`,
set between fork and exec), and exits at once if the parent is already gone. Elsewhere the
child gets its own process group, which the parent kills on any exception (`kill_tree`).
Pass `**child_kwargs()` to every `subprocess.Popen`/`run` of a helper binary.

The kernel sends the signal when the *thread* that started the child exits, so start children
from a thread that waits for them (every caller in Dreamreel does).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

_PR_SET_PDEATHSIG = 1


def _linux_prctl():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        return prctl
    except (OSError, AttributeError):
        return None


_prctl = _linux_prctl() if sys.platform.startswith("linux") else None


def _die_with_parent(parent: int) -> None:  # runs in the child between fork and exec
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def child_kwargs() -> dict:
    """Popen keyword arguments that tie a child's life to this process."""
    if _prctl is not None:
        parent = os.getpid()
        return {"preexec_fn": lambda: _die_with_parent(parent)}
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill a child started with `child_kwargs()` (and its group where it has one); reap it."""
    if proc.poll() is None:
        try:
            if sys.platform != "win32" and _prctl is None:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except OSError:
            pass
    proc.wait()
