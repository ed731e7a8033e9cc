"""``quick_exit``: the console script and the rollup refresh process exit without the
interpreter's last garbage collections (the module doc says why and what it skips)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

PROBE = """
import atexit, gc
# Registered before the freeze, so it runs after it (atexit runs handlers last-in first-out).
atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() > 0, flush=True))
{arm}
cycle = [[]]
cycle[0].append(cycle)  # some tracked objects to freeze
"""


def _probe(arm: str) -> str:
    return subprocess.run([sys.executable, "-c", PROBE.format(arm=arm)], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_frozen_at_exit() -> None:
    assert _probe("from bedrock_logbook.ingest.quick_exit import freeze_at_exit\n"
                  "freeze_at_exit()") == "False True"


def test_untouched_without_it() -> None:
    # The probe itself can tell the difference: without the freeze the collector is on.
    assert _probe("") == "True False"


def test_console_script_is_the_quick_exit_entry() -> None:
    (script,) = [e for e in entry_points(group="console_scripts")
                 if e.name == "bedrock-logbook"]
    assert script.value == "bedrock_logbook.cli:run"
