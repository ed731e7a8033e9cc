"""The rollup refresh (``rollup_tables.refresh_rollups``) in a short-lived process of its own.

Why: the refresh's DuckDB queries and Arrow rows (~100 MB on a 200,000-request day) came on
top of the ingest's main process (~230 MB of pyarrow, pyiceberg and the run's state), which
made that process the run's largest (313-335 MB measured, issue 13's limit is 300). In a
process of its own they add to a fresh interpreter instead, and the memory goes back to the
system when it exits.

The process is started early (:class:`RefreshProcess`), so its imports (pyiceberg, duckdb,
pyarrow: ~3 s of CPU) overlap the parse, then waits for one job on stdin: the lake's
``TableLocation`` and the run id, pickled. It loads the raw table itself (the parent's commit
is in the catalog by then), runs the refresh and answers on its stdout with the
``RollupRefresh`` or the exception raised, pickled (the parent raises it again, so the exit
codes of errors are unchanged). Its own stdout is redirected to stderr first: nothing else
can write into the answer.

Kill safety is unchanged: the process arms ``PR_SET_PDEATHSIG`` (``parent_death``), so a
killed ingest takes it along; and when it dies of SIGKILL (a crash point of the refresh, the
OOM killer) the ingest SIGKILLs itself, as it would have died had the refresh run inside it.
Either way the next run heals the rollups from each table's ``rollup_of``.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bedrock_logbook.ingest.rollup_tables import RollupRefresh
    from bedrock_logbook.lake.location import TableLocation

MODULE = "bedrock_logbook.ingest.rollup_process"


class RollupProcessError(RuntimeError):
    """The refresh process ended without an answer (other than by SIGKILL)."""


class RefreshProcess:
    """One refresh process, started now and given its job by :meth:`refresh` (once)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", MODULE, str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def refresh(self, location: TableLocation, run_id: str) -> RollupRefresh:
        """Run the refresh there; its result, or its exception raised here."""
        proc = self._proc
        if proc is None:
            raise RollupProcessError("this refresh process was already used")
        self._proc = None
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(pickle.dumps((location, run_id)))
            proc.stdin.close()
        except BrokenPipeError:
            pass  # it died before reading: its exit status says how
        answer = proc.stdout.read()
        code = proc.wait()
        if code == -signal.SIGKILL:
            # The refresh was killed (a crash point, the OOM killer): so is the run, as if it
            # had run in this process; the next run heals from each table's rollup_of.
            os.kill(os.getpid(), signal.SIGKILL)
        if not answer:
            raise RollupProcessError(f"the rollup refresh process ended with exit code {code} "
                                     "and no result (its error is above)")
        ok, value = pickle.loads(answer)  # noqa: S301 - our own child's answer
        if not ok:
            raise value
        result: RollupRefresh = value
        return result

    def close(self) -> None:
        """End the process if it was never given its job (e.g. the run failed first)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


def _answer(out: IO[bytes], ok: bool, value: Any) -> None:
    try:
        data = pickle.dumps((ok, value))
    except Exception:  # noqa: BLE001 - an exception that does not pickle: its text goes
        data = pickle.dumps((False, RollupProcessError(f"{type(value).__name__}: {value}")))
    out.write(data)
    out.flush()


def main(ingest_pid: int) -> None:
    from bedrock_logbook.ingest.parent_death import die_with_parent
    from bedrock_logbook.ingest.without_pandas import block_pandas

    die_with_parent(ingest_pid)
    block_pandas()
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to stderr
    # Imported before the job comes: this is what overlaps the parse. The catalog's modules
    # are imported lazily by ``open_catalog``: imported here too, they are not 1.25-1.5 s of
    # the job (measured on the 200,000-record large-object bench).
    from bedrock_logbook.ingest.rollup_tables import refresh_rollups
    from bedrock_logbook.lake.catalog import load_table, preload_catalog_modules

    preload_catalog_modules()

    job = sys.stdin.buffer.read()
    if not job:
        return  # never given a job
    try:
        location, run_id = pickle.loads(job)  # noqa: S301 - from the ingest that started us
        raw = load_table(location)
        if raw is None:
            raise RollupProcessError(f"no invocations table in {location.lake}")
        _answer(out, True, refresh_rollups(location, raw, run_id))
    except Exception as e:  # noqa: BLE001 - sent to the parent, which raises it
        _answer(out, False, e)
    finally:
        out.close()
    # The answer is out and every commit is done: end without the interpreter's teardown
    # (freeing DuckDB, pyiceberg and pyarrow objects: 0.65-0.74 s measured), which the ingest
    # waits for. os._exit runs no finaliser, so DuckDB 2.0's nanobind reports no objects
    # left alive either (its report, on stderr, is why a gentler quick exit was reverted).
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    # Run as the package's module, not as __main__: the classes pickled back to the parent
    # (RollupProcessError) must be named bedrock_logbook.ingest.rollup_process.
    from bedrock_logbook.ingest.rollup_process import main as _main

    _main(int(sys.argv[1]))
