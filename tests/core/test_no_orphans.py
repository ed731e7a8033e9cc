"""Issue 10: SIGKILL only the main ingest process while its workers parse. No process of the
run may survive it (they used to, and wrote into the next run's staging files), and the next
run's lake equals an uninterrupted run's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bedrock_logbook.ingest.crash import CRASH_ENV
from tests.core.lakeutil import snapshot, write_batch
from tests.core.records import converse

REPO = Path(__file__).resolve().parents[2]


def session_members(sid: int) -> list[int]:
    """Processes whose session is ``sid`` (the killed run was started as its leader)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(d.name))
    return found


def make_logs(root: Path) -> None:
    # 1,200 objects: several parse batches in flight when the main process dies.
    for f in range(1200):
        write_batch(root, [converse(f"{f:08d}-0000-0000-0000-{r:012d}",
                                    timestamp=f"2026-11-0{1 + f % 3}T10:00:00Z")
                           for r in range(4)],
                    name=f"20261102T100100000Z_{f:016x}.json.gz")


def test_killing_the_main_process_leaves_no_worker_and_the_rerun_is_clean(
        tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    make_logs(logs)
    cmd = [sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files", str(logs),
           "--workers", "2", "--salt", "s"]
    clean = subprocess.run([*cmd, "--lake", str(tmp_path / "clean")], cwd=REPO,
                           capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stderr

    lake = tmp_path / "lake"
    for attempt in range(3):
        proc = subprocess.Popen([*cmd, "--lake", str(lake)], cwd=REPO,
                                env={**os.environ, CRASH_ENV: "after_first_batch"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        proc.wait(timeout=300)  # (pipes would be held open by surviving workers)
        assert proc.returncode == -signal.SIGKILL, attempt
        deadline = time.monotonic() + 10
        while session_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = session_members(proc.pid)
        for pid in survivors:  # do not leave them running if the assertion fails
            os.kill(pid, signal.SIGKILL)
        assert survivors == [], f"attempt {attempt}: processes outlived the run"

    rerun = subprocess.run([*cmd, "--lake", str(lake)], cwd=REPO, capture_output=True,
                           text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(lake) == snapshot(tmp_path / "clean")
    assert not (lake / "_staging").exists()
