"""Our own short-lived processes (forkserver and parse workers, the rollup refresh, the
ingest command) run without pandas: nothing there uses it, and pyarrow imports it on its
own (~0.6 s of CPU and ~33 MB a process). Checked in fresh interpreters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.lakeutil import write_batch
from tests.core.records import converse

_CHECK = """
import sys
{setup}
import pyarrow as pa
pa.array(["a"], type=pa.string())  # pyarrow 26 imports pandas here when it can
import pyiceberg.io.pyarrow  # and pyarrow.dataset, through pyiceberg
try:
    import pandas
except ModuleNotFoundError:
    blocked = True
else:
    blocked = False
print(blocked, "pandas" in sys.modules)
"""


def _run(setup: str) -> str:
    return subprocess.run([sys.executable, "-c", _CHECK.format(setup=setup)], check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.mark.parametrize("setup", [
    "from bedrock_logbook.ingest.without_pandas import block_pandas; block_pandas()",
    # What the forkserver preloads first: its workers are forked from it.
    "import bedrock_logbook.ingest.forkserver_guard",
])
def test_pandas_stays_out_and_pyarrow_still_works(setup: str) -> None:
    assert _run(setup) == "True False"


def test_a_process_that_never_blocks_it_can_import_pandas() -> None:
    """The control: pandas is installed here (the dashboard needs it), so the check above
    is not passing for want of it."""
    assert _run("") == "False True"


def test_no_process_of_an_ingest_command_imports_pandas(tmp_path: Path) -> None:
    """``bedrock-logbook ingest files`` with two workers: the command, the forkserver, its
    parse workers and the rollup refresh process all inherit PYTHONPROFILEIMPORTTIME, so
    each reports every module it imports on the shared stderr."""
    logs = tmp_path / "logs"
    write_batch(logs, [converse(f"00000000-0000-0000-0000-{i:012d}") for i in range(3)])
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1", "BEDROCK_LOGBOOK_WORKERS": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files", str(logs),
         "--lake", str(tmp_path / "lake"), "--json"],
        env=env, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["rows_written"] == 3
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    # The refresh process ran (and so reported its imports): it is the one importing duckdb
    # after the parse; the forkserver reports msgspec for the workers.
    assert {"bedrock_logbook.ingest.rollup_process", "msgspec", "duckdb"} <= imported
    # A refused import is reported too (a line for ``pandas`` alone, in microseconds); an
    # import that happened brings its submodules (pandas.core...).
    assert not {m for m in imported if m.startswith("pandas.")}
