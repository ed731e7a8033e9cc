"""The rollup schema as an Iceberg table, and the one write the maintenance needs: replace
the rollup rows of the days an ingest touched, in one snapshot that records which raw
snapshot it reflects (docs/rollups.md). A local SQLite catalog, as the default lake uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bedrock_logbook.ingest.rollup import build_rollup
from bedrock_logbook.ingest.rollup_schema import ROLLUP_SCHEMA, ROLLUP_TABLE
from tests.rollup_data import sample_invocations, sketch_connection

pytest.importorskip("pyiceberg")


def test_replacing_a_day_keeps_the_other_days_files_and_records_the_raw_snapshot(
        tmp_path: Path) -> None:
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.expressions import In
    from pyiceberg.transforms import IdentityTransform

    catalog = SqlCatalog("t", uri=f"sqlite:///{tmp_path / 'c.sqlite'}",
                         warehouse=(tmp_path / "w").as_uri())
    catalog.create_namespace("bedrock_logbook")
    txn = catalog.create_table_transaction(f"bedrock_logbook.{ROLLUP_TABLE}",
                                           schema=ROLLUP_SCHEMA)
    with txn.update_spec() as spec:
        spec.add_field("day", IdentityTransform(), "day")
    txn.commit_transaction()
    table = catalog.load_table(f"bedrock_logbook.{ROLLUP_TABLE}")

    raw = sample_invocations()  # 72 hours: 3 or 4 UTC days
    rollup = build_rollup(raw)
    table.append(rollup, snapshot_properties={"bedrock_logbook.rollup_of": "101"})
    days = sorted(set(rollup.column("day").to_pylist()))
    files_before = {t.file.file_path: t.file.partition[0] for t in table.scan().plan_files()}

    # A later raw snapshot changed the last day (here: its rows without the errors).
    last = days[-1]
    in_last = pc.equal(pc.cast(raw.column("ts"), pa.date32()), pa.scalar(last, pa.date32()))
    changed = raw.filter(pc.and_(in_last, pc.is_null(raw.column("error_code"))))
    # (mypy reads pyiceberg's pydantic fields, not In's __init__)
    day_filter = In("day", [last])  # type: ignore[call-arg, arg-type]
    table.overwrite(build_rollup(changed), overwrite_filter=day_filter,
                    snapshot_properties={"bedrock_logbook.rollup_of": "102"})

    table = catalog.load_table(f"bedrock_logbook.{ROLLUP_TABLE}")
    snapshot = table.current_snapshot()
    assert snapshot is not None and snapshot.summary is not None
    assert snapshot.summary["bedrock_logbook.rollup_of"] == "102"
    files_after = {t.file.file_path: t.file.partition[0] for t in table.scan().plan_files()}
    # Other days keep their files (a metadata-only delete of the replaced partition).
    last_key = (last - dt.date(1970, 1, 1)).days  # Iceberg keeps a date as days since 1970
    kept = {p for p, day in files_before.items() if day != last_key}
    assert kept and kept <= set(files_after)
    assert all(day == last_key for p, day in files_after.items() if p not in files_before)
    assert not {p for p, day in files_before.items() if day == last_key} & set(files_after)

    stored = table.scan().to_arrow()
    assert stored.schema.field("latency_ms_sketch").type.value_type.equals(
        ROLLUP_SCHEMA.field("latency_ms_sketch").type.value_type)
    con = sketch_connection()
    con.register("stored", stored)
    con.register("raw", raw)
    con.register("expected_last", changed)
    got = con.execute("SELECT day, sum(requests), sum(errors) FROM stored GROUP BY day "
                      "ORDER BY day").fetchall()
    expected = con.execute(
        "SELECT CAST(ts AS DATE) AS day, count(*), count(error_code) FROM raw "
        "WHERE CAST(ts AS DATE) < $last GROUP BY day "
        "UNION ALL SELECT $last, count(*), 0 FROM expected_last ORDER BY day",
        {"last": last}).fetchall()
    assert got == expected
    assert got[-1][0] == last and got[-1][1] < len(raw.filter(in_last))
    # The sketches read back from the table's Parquet files still merge in SQL.
    p99 = con.execute("SELECT sketch_quantile(flatten(list(latency_ms_sketch)), 0.99) "
                      "FROM stored").fetchall()[0][0]
    assert p99 is not None and p99 > 0
