"""A real moto server on loopback (HTTP), dummy credentials, and lake helpers for tests/aws."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pytest
from moto.server import ThreadedMotoServer

from bedrock_logbook.ingest.lake_files import LakeFiles
from bedrock_logbook.lake.catalog import load_table
from bedrock_logbook.lake.location import TableLocation, resolve
from bedrock_logbook.lake.reading import data_files
from tests.aws.log_fixtures import BUCKET, LogBucket
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[2]
CLI = [str(Path(sys.executable).parent / "bedrock-logbook")]
SALT = "aws-tests-salt"


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh moto state and the standard AWS variables pointing at it."""
    req = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(req).close()
    env = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "BEDROCK_LOGBOOK_CRASH_AT"):
        monkeypatch.delenv(k, raising=False)
    return env


@pytest.fixture
def s3(aws_env: dict[str, str]) -> Any:
    return boto3.client("s3")


@pytest.fixture
def logs(aws_env: dict[str, str]) -> Any:
    return boto3.client("logs")


def upload(s3: Any, bucket: LogBucket, keys: list[str] | None = None, name: str = BUCKET) -> None:
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if name not in existing:
        s3.create_bucket(Bucket=name)
    for key in keys if keys is not None else list(bucket.objects):
        s3.put_object(Bucket=name, Key=key, Body=bucket.objects[key])


def run_cli(args: list[str], env: dict[str, str], timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    return subprocess.run([*CLI, *args], env=full_env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def read_rows(lake: Path | str | TableLocation, sub: str = "invocations",
              ) -> list[dict[str, Any]]:
    """Rows of the lake table's current snapshot (``invocations``), or of every Parquet file
    under another folder (``quarantine``), on local disk or S3."""
    location = lake if isinstance(lake, TableLocation) else resolve(lake)
    files = LakeFiles.of(location)
    if sub == "invocations":
        table = load_table(location)
        uris = data_files(table) if table is not None else []
        tables = [files.parquet(u).read() for u in uris]
    else:
        tables = [files.parquet(files.uri(f"{sub}/{n}")).read()
                  for n in files.names(sub, suffix=".parquet")]
    if not tables:
        return []
    rows: list[dict[str, Any]] = pa.concat_tables(
        [t.replace_schema_metadata(None) for t in tables], promote_options="default").to_pylist()
    return rows


def comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the column that names where they were read from, in request_id order."""
    return sorted(({k: v for k, v in r.items() if k != "source"} for r in rows),
                  key=lambda r: str(r["request_id"]))
