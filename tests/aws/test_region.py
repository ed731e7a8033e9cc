"""The AWS Region comes from where the AWS CLI takes it, in the CLI's order: --region, then
AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region in the config file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from bedrock_logbook.ingest.sources.aws_clients import AwsClients, make_session
from bedrock_logbook.ingest.sources.errors import SourceConfigError
from tests.aws.conftest import read_rows, run_cli

pytestmark = pytest.mark.aws
GROUP = "/aws/bedrock/modelinvocations"


@pytest.fixture
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file whose default profile says eu-west-1 and profile 'tokyo' ap-northeast-1;
    no Region in the environment."""
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n\n"
                      "[profile tokyo]\nregion = ap-northeast-1\n\n[profile bare]\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return config


def region(profile: str | None = None, flag: str | None = None) -> str | None:
    return AwsClients(make_session(profile, flag)).logs().meta.region_name


def test_order_is_flag_then_aws_region_then_default_region_then_profile(
    aws_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert region() == "eu-west-1"  # the default profile's region
    assert region("tokyo") == "ap-northeast-1"  # --profile's region
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    assert region("tokyo") == "us-east-2"  # AWS_DEFAULT_REGION beats the profile
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert region("tokyo") == "us-west-2"  # AWS_REGION beats AWS_DEFAULT_REGION
    assert region("tokyo", flag="ca-central-1") == "ca-central-1"  # --region beats all


def test_no_region_anywhere_names_what_was_looked_at(aws_config: Path) -> None:
    with pytest.raises(SourceConfigError) as info:
        region("bare")
    message = str(info.value)
    for place in ("--region", "AWS_REGION", "AWS_DEFAULT_REGION", "'bare'", str(aws_config)):
        assert place in message


def _put(logs: Any, start: datetime, count: int) -> None:
    from tests.aws.log_fixtures import ACCOUNTS, make_record, request_id, templates

    tpl = templates()
    records = [make_record(tpl[i % len(tpl)], request_id("region", i),
                           start + timedelta(minutes=i), ACCOUNTS[0], "us-west-2")
               for i in range(count)]
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="aws/bedrock/modelinvocations")
    logs.put_log_events(
        logGroupName=GROUP, logStreamName="aws/bedrock/modelinvocations",
        logEvents=[{"timestamp": int(datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00"))
                                     .timestamp() * 1000),
                    "message": json.dumps(r)} for r in records])


def test_ingest_cloudwatch_reads_the_group_in_aws_region(
    aws_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only AWS_REGION names the Region (as the README, --help and the AWS CLI say): the group
    exists in us-west-2 alone, and moto keeps Regions apart."""
    logs = boto3.client("logs", region_name="us-west-2")
    _put(logs, datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2), 4)
    env = {**aws_env, "AWS_REGION": "us-west-2"}
    env.pop("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    lake = tmp_path / "lake"
    ok = run_cli(["ingest", "cloudwatch", "--log-group", GROUP, "--lake", str(lake)], env)
    assert ok.returncode == 0, ok.stderr
    assert len(read_rows(lake)) == 4
    elsewhere = run_cli(["ingest", "cloudwatch", "--log-group", GROUP, "--lake", str(lake)],
                        {**env, "AWS_REGION": "us-east-1"})
    assert elsewhere.returncode == 4 and "not found" in elsewhere.stderr
