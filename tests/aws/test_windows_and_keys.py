"""Pure parts of the sources: windows, URI scope, listing plans (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bedrock_logbook.ingest.sources.errors import SourceConfigError
from bedrock_logbook.ingest.sources.s3_keys import ListSpec, list_specs, listing_scope, parse_s3_uri
from bedrock_logbook.ingest.sources.window import TimeWindow, parse_instant, resolve_window

NOW = datetime(2025, 3, 10, 12, 30, tzinfo=UTC)
ROOT = "p/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/"


def test_instants_relative_and_iso() -> None:
    assert parse_instant("2d", NOW) == NOW - timedelta(days=2)
    assert parse_instant("90m", NOW) == NOW - timedelta(minutes=90)
    assert parse_instant("2025-03-01", NOW) == datetime(2025, 3, 1, tzinfo=UTC)
    assert parse_instant("2025-03-01T10:00+02:00", NOW) == datetime(2025, 3, 1, 8, tzinfo=UTC)
    with pytest.raises(SourceConfigError, match="ISO-8601"):
        parse_instant("last week", NOW)
    with pytest.raises(SourceConfigError, match="before it starts"):
        resolve_window(NOW, start="1h", end="2h")


def test_uri_scope() -> None:
    assert parse_s3_uri("s3://my-bucket/x/y").prefix == "x/y"
    with pytest.raises(SourceConfigError):
        parse_s3_uri("s3://Bad_Bucket!/x")
    assert listing_scope("p").logs_root == "p/AWSLogs/"
    assert listing_scope("").logs_root == "AWSLogs/"
    pinned = listing_scope(ROOT)
    assert (pinned.account, pinned.region, pinned.deep_prefix) == ("1", "us-east-1", None)
    assert listing_scope(ROOT + "2025/").deep_prefix == ROOT + "2025/"


def test_list_specs_narrow_by_time() -> None:
    assert list_specs(ROOT, TimeWindow(), NOW) == [ListSpec(ROOT)]
    short = list_specs(ROOT, TimeWindow(NOW - timedelta(hours=1), NOW), NOW)
    assert [s.prefix for s in short] == [ROOT + f"2025/03/10/{h}/" for h in (11, 12, 13)]
    open_ended = list_specs(ROOT, TimeWindow(NOW - timedelta(days=30)), NOW)
    assert open_ended == [ListSpec(ROOT, start_after=ROOT + "2025/02/08/12/")]
    long = list_specs(ROOT, TimeWindow(NOW - timedelta(days=30), NOW), NOW)
    assert long == [ListSpec(ROOT, ROOT + "2025/02/08/12/", ROOT + "2025/03/10/14/")]
