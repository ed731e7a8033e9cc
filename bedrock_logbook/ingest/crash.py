"""Deterministic crash points for crash-safety tests.

``BEDROCK_LOGBOOK_CRASH_AT=<point>`` makes the process SIGKILL itself when it reaches that
point, as a power cut or the OOM killer would: no cleanup handlers run.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "BEDROCK_LOGBOOK_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
