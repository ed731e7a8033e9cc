"""The Iceberg table layer on a local lake: catalog resolution, a SQLite-catalog round trip with
the lake schema's exact types, one snapshot per append, and the files readers plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyiceberg.types import (
    BooleanType,
    DoubleType,
    LongType,
    MapType,
    StringType,
    TimestamptzType,
)

from bedrock_logbook.ingest.schema import (
    INVOCATION_COLUMNS,
    INVOCATIONS_SCHEMA,
    LAKE_SCHEMA_VERSION,
)
from bedrock_logbook.ingest.table import (
    append,
    open_table,
)
from bedrock_logbook.lake.location import (
    LOCAL_CATALOG_FILE,
    TableError,
    local_path,
    resolve,
)
from bedrock_logbook.lake.reading import (
    data_files,
)

UTC = dt.UTC


def rows(specs: list[dict[str, Any]]) -> pa.Table:
    """A table in the lake schema; columns a spec leaves out are NULL."""
    full = [{name: spec.get(name) for name in INVOCATIONS_SCHEMA.names} for spec in specs]
    return pa.Table.from_pylist(full, schema=INVOCATIONS_SCHEMA)


SAMPLE = [
    {"request_id": "r1", "ts": dt.datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC),
     "account_id": "012345678901", "cross_region": True, "input_tokens": 100,
     "output_tokens": 50, "latency_ms": 1000, "output_tokens_per_s": 50.0,
     "request_metadata": [("team", "search"), ("env", "prod")]},
    {"request_id": "r2", "ts": dt.datetime(2026, 11, 2, 0, 0, 0, tzinfo=UTC),
     "request_metadata": []},
    {"request_id": "r3", "ts": dt.datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)},
]


# --- resolving --lake + --catalog -------------------------------------------------------------

def test_local_lake_defaults_to_a_sqlite_catalog_inside_it(tmp_path: Path) -> None:
    loc = resolve(tmp_path / "lake", None, env={})
    assert loc.kind == "sql"
    assert loc.properties["uri"] == f"sqlite:///{tmp_path / 'lake' / LOCAL_CATALOG_FILE}"
    assert loc.table_location == f"file://{tmp_path / 'lake'}/invocations"


def test_s3_lake_defaults_to_glue_and_takes_endpoint_and_region_from_aws_variables() -> None:
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_REGION": "eu-west-1"}
    loc = resolve("s3://bucket/team/lake/", None, env=env)
    assert loc.kind == "glue"
    assert loc.lake == "s3://bucket/team/lake"
    assert loc.table_location == "s3://bucket/team/lake/invocations"
    assert loc.properties["s3.endpoint"] == "http://127.0.0.1:5000"
    assert loc.properties["s3.region"] == "eu-west-1"
    assert loc.properties["glue.region"] == "eu-west-1"


def test_service_specific_s3_endpoint_wins() -> None:
    env = {"AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_S3": "http://b"}
    assert resolve("s3://bucket", None, env=env).properties["s3.endpoint"] == "http://b"


def test_rest_and_sql_catalogs() -> None:
    rest = resolve("s3://b/p", "rest:https://s3tables.us-east-1.amazonaws.com/iceberg", env={})
    assert (rest.kind, rest.properties["uri"]) == (
        "rest", "https://s3tables.us-east-1.amazonaws.com/iceberg")
    sql = resolve("s3://b/p", "sql:postgresql+psycopg://h/db", env={})
    assert (sql.kind, sql.properties["uri"]) == ("sql", "postgresql+psycopg://h/db")


@pytest.mark.parametrize(("lake", "catalog", "says"), [
    ("lake", "glue", "needs an s3://BUCKET/PREFIX lake"),
    ("s3://b/p", "hive", "--catalog or BEDROCK_LOGBOOK_CATALOG"),
    ("s3://b/p", "rest:", "rest:https://HOST/PATH"),
    ("s3://b/p", "sql:", "sql:SQLALCHEMY_URL"),
    ("s3:/bucket/p", None, "s3://BUCKET/PREFIX"),  # what Path("s3://bucket/p") turns into
    ("s3://", None, "name a bucket"),
    ("gs://bucket/p", None, "local folder or s3://"),
])
def test_bad_settings_say_what_to_set(lake: str, catalog: str | None, says: str) -> None:
    with pytest.raises(TableError, match=says.replace("(", r"\(")):
        resolve(lake, catalog, env={})


# --- the table ---------------------------------------------------------------------------------

ICEBERG_TYPE = {  # hand mapping of the Arrow types schema.py uses
    "string": StringType(), "int64": LongType(), "double": DoubleType(), "bool": BooleanType(),
    "timestamp[us, tz=UTC]": TimestamptzType(),
}


def test_table_has_the_lake_schema_types_not_null_and_day_partitions(tmp_path: Path) -> None:
    table = open_table(resolve(tmp_path, None, env={}))
    schema = table.schema()
    assert [f.name for f in schema.fields] == [c.name for c in INVOCATION_COLUMNS]
    for column in INVOCATION_COLUMNS:
        field = schema.find_field(column.name)
        assert field.required == (not column.nullable), column.name
        if column.name == "request_metadata":
            assert isinstance(field.field_type, MapType)
            assert field.field_type.key_type == StringType()
            assert field.field_type.value_type == StringType()
        else:
            assert field.field_type == ICEBERG_TYPE[str(column.type)], column.name
    assert schema.find_field("ts").field_type == TimestamptzType()
    spec = table.spec()
    assert [(f.name, str(f.transform), schema.find_column_name(f.source_id))
            for f in spec.fields] == [("ts_day", "day", "ts")]
    assert table.metadata.format_version == 2
    assert table.properties["bedrock_logbook.schema_version"] == str(LAKE_SCHEMA_VERSION)


def test_round_trip_keeps_types_values_nulls_and_maps(tmp_path: Path) -> None:
    table = open_table(resolve(tmp_path, None, env={}))
    written = rows(SAMPLE)
    snapshot = append(table, written, {"bedrock_logbook.run": "t1"})
    assert snapshot is not None

    reread = open_table(resolve(tmp_path, None, env={}))  # a fresh catalog connection
    back = reread.scan().to_arrow().sort_by("request_id")
    assert back.schema.equals(INVOCATIONS_SCHEMA, check_metadata=False)
    assert back.to_pylist() == written.to_pylist()
    assert reread.current_snapshot().snapshot_id == snapshot  # type: ignore[union-attr]

    # What a plain Parquet reader (DuckDB) gets: the planned files, one per UTC day.
    files = [local_path(f) for f in data_files(reread)]
    assert len(files) == 2 and all(Path(f).is_file() for f in files)
    assert sorted(Path(f).parent.name for f in files) == ["ts_day=2026-11-01",
                                                          "ts_day=2026-11-02"]
    for f in files:
        assert pq.read_schema(f).equals(INVOCATIONS_SCHEMA, check_metadata=False)
    con = duckdb.connect()
    got = con.execute("SELECT request_id, typeof(ts), typeof(request_metadata), "
                      "request_metadata['team'] FROM read_parquet($f, hive_partitioning=false) "
                      "ORDER BY 1", {"f": files}).fetchall()
    assert got == [("r1", "TIMESTAMP WITH TIME ZONE", "MAP(VARCHAR, VARCHAR)", "search"),
                   ("r2", "TIMESTAMP WITH TIME ZONE", "MAP(VARCHAR, VARCHAR)", None),
                   ("r3", "TIMESTAMP WITH TIME ZONE", "MAP(VARCHAR, VARCHAR)", None)]


def test_each_append_is_one_snapshot_and_empty_appends_commit_nothing(tmp_path: Path) -> None:
    table = open_table(resolve(tmp_path, None, env={}))
    assert append(table, rows([])) is None
    assert table.current_snapshot() is None
    first = append(table, rows(SAMPLE[:1]))
    second = append(table, rows(SAMPLE[1:]))
    assert first != second
    assert [s.snapshot_id for s in table.snapshots()] == [first, second]
    assert table.scan(snapshot_id=first).to_arrow().num_rows == 1
    assert table.scan().to_arrow().num_rows == 3


def test_rows_in_another_schema_are_refused(tmp_path: Path) -> None:
    table = open_table(resolve(tmp_path, None, env={}))
    with pytest.raises(TableError, match="schema.py"):
        append(table, pa.table({"request_id": ["x"]}))
    assert table.current_snapshot() is None


def test_opening_again_reuses_the_table(tmp_path: Path) -> None:
    loc = resolve(tmp_path, None, env={})
    first = open_table(loc)
    append(first, rows(SAMPLE))
    again = open_table(loc)
    assert again.metadata.table_uuid == first.metadata.table_uuid
    assert again.scan().to_arrow().num_rows == 3


def test_stale_writer_is_retried_and_both_appends_land(tmp_path: Path) -> None:
    """Two writers load the same snapshot; the second commit finds the pointer moved,
    pyiceberg re-applies its append on top (optimistic concurrency), nothing is lost."""
    loc = resolve(tmp_path, None, env={})
    a = open_table(loc)
    b = open_table(loc)
    append(a, rows(SAMPLE[:1]))
    append(b, rows(SAMPLE[1:]))  # b still holds the snapshot before a's commit
    final = open_table(loc)
    assert sorted(final.scan().to_arrow().column("request_id").to_pylist()) == ["r1", "r2", "r3"]
    assert len(final.snapshots()) == 2
