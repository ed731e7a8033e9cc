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


def die_with_parent() -> None:
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
