"""Worker processes die with the process that started them.

Linux ``PR_SET_PDEATHSIG``: the kernel sends SIGKILL to a process when its parent dies, so a
killed ingest (``kill -9``, OOM killer) leaves no forkserver or parser behind to write into a
later run's files. Elsewhere this is a no-op (staging names are unique per run anyway).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(ingest_pid: int | None = None) -> None:
    """Arm the signal. ``ingest_pid``: the ingest process that started the forkserver this
    worker comes from; a worker still starting when the ingest was killed (its forkserver
    gone, itself already handed to init) exits here instead of living on."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if ingest_pid is not None and not _alive(ingest_pid):
        os._exit(1)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped (``kill(pid, 0)`` succeeds on those)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
