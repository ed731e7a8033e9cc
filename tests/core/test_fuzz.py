"""Issue 10 fuzz tests: mutated real-shaped records never abort a run, every line ends as a
row, a duplicate or a quarantine entry, and the lake does not depend on the worker count or on
reruns. Seeded: the same cases on every run (hypothesis derandomized, random.Random(seed))."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import RawObject, list_local, read_local
from bedrock_logbook.ingest.parse import ParseOptions
from bedrock_logbook.ingest.pipeline import IngestOptions, RunSummary, ingest_objects
from bedrock_logbook.ingest.read import parse_objects
from tests.core.lakeutil import snapshot
from tests.core.mutations import CANARY, fuzz_lines, mutate_record, seed_records, write_fuzz_files

# Lines that are blank or only JSON-array punctuation are not records (log-format.md §1.3);
# every other line of the input is one record to account for.
NOT_RECORDS = {b"", b"[", b"]", b",", b"],", b"[,"}
SEEDS = seed_records()
FUZZ_CASES = 1000


def record_lines(data: bytes) -> int:
    return sum(1 for line in data.split(b"\n") if line.strip() not in NOT_RECORDS)


@settings(max_examples=FUZZ_CASES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False), st.sampled_from(SEEDS))
def test_every_mutated_line_is_a_row_or_a_quarantine_entry(rng, seed_record) -> None:  # type: ignore[no-untyped-def]
    line = mutate_record(rng, seed_record, "fuzz-1")
    batch = parse_objects([RawObject("fuzz://case", line)], ParseOptions(salt=b"s"))
    assert batch.lines == record_lines(line)
    assert batch.table.num_rows + len(batch.quarantine) == batch.lines
    for q in batch.quarantine:
        assert q.reason and q.detail
        # Without --keep-bodies no prompt or response text reaches the quarantine.
        assert q.raw is None
        assert CANARY not in f"{q.detail} {q.request_id} {q.envelope}"


def ingest(lake: Path, src: Path, workers: int) -> RunSummary:
    files, skipped = list_local(src)
    with LakeLock(lake):
        return ingest_objects(lake, read_local(files, skipped), skipped=skipped,
                              options=IngestOptions(salt="fuzz", workers=workers))


def counts(s: RunSummary) -> tuple[int, ...]:
    return (s.objects, s.lines, s.rows_written, s.duplicates, s.quarantined)


def test_fuzzed_files_balance_and_the_lake_is_deterministic(tmp_path: Path) -> None:
    files = write_fuzz_files(tmp_path / "logs", seed=10, files=40, lines_per_file=75)
    expected_lines = sum(record_lines(gzip.decompress(f.read_bytes())) for f in files)
    one = ingest(tmp_path / "lake1", tmp_path / "logs", workers=1)
    two = ingest(tmp_path / "lake2", tmp_path / "logs", workers=2)
    assert one.lines == expected_lines >= 40 * 78
    assert one.balanced and two.balanced
    assert one.rows_written > 0 and one.quarantined > 0 and one.duplicates > 0
    assert counts(one) == counts(two)
    assert one.quarantine_reasons == two.quarantine_reasons
    assert snapshot(tmp_path / "lake1") == snapshot(tmp_path / "lake2")
    before = snapshot(tmp_path / "lake1")
    again = ingest(tmp_path / "lake1", tmp_path / "logs", workers=2)
    assert again.rows_written == 0 and again.balanced
    assert snapshot(tmp_path / "lake1") == before


def test_fuzz_lines_are_seeded() -> None:
    assert fuzz_lines(3, 50) == fuzz_lines(3, 50) != fuzz_lines(4, 50)
