"""The one place boto3 clients are made.

A ``boto3.Session`` is injected (as aws-sdk-pandas does) so credentials, region and endpoint
come from the standard chain: ``--profile``/``AWS_PROFILE``, ``AWS_REGION``,
``AWS_ENDPOINT_URL``. Every client retries throttling, 5xx and dropped connections in
botocore's adaptive mode (``AWS_MAX_ATTEMPTS`` or the profile's ``max_attempts`` when set,
else 8 attempts), and reports how many retries it needed.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, NoRegionError

from bedrock_logbook.ingest.sources.errors import explain_aws_error, no_region_error

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client

DEFAULT_MAX_ATTEMPTS = 8


@dataclass
class RetryCounter:
    """Retries botocore made (from ``ResponseMetadata.RetryAttempts``) plus our own re-reads."""

    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, n: int) -> None:
        if n:
            with self._lock:
                self.retries += n


def make_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    """A session whose Region is the one the AWS CLI would use: ``--region``, then
    ``AWS_REGION``, then ``AWS_DEFAULT_REGION``, then the profile's ``region`` in the config
    file. boto3 resolves the last two itself but does not read ``AWS_REGION`` (the variable
    the AWS CLI v2 and the other SDKs read first), so that one is passed in."""
    try:
        return boto3.Session(profile_name=profile,
                             region_name=region or os.environ.get("AWS_REGION") or None)
    except BotoCoreError as exc:
        raise explain_aws_error(exc, "AWS session", "a valid profile") from exc


def configured_max_attempts(session: boto3.Session) -> int | None:
    """``max_attempts`` as the user set it (AWS_MAX_ATTEMPTS or the profile), else None."""
    value = session._session.get_config_variable("max_attempts")
    return int(value) if value else None


class AwsClients:
    """Client factory bound to one session, one retry policy and one retry counter."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        endpoint_url: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_pool_connections: int = 16,
        counter: RetryCounter | None = None,
    ) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self.counter = counter if counter is not None else RetryCounter()
        self.config = Config(
            retries={"mode": "adaptive",
                     "max_attempts": configured_max_attempts(session) or max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=10,
            read_timeout=60,
            user_agent_extra="bedrock-logbook",
        )

    def s3(self) -> S3Client:
        client: S3Client = self._client("s3")
        return client

    def logs(self) -> CloudWatchLogsClient:
        client: CloudWatchLogsClient = self._client("logs")
        return client

    @property
    def region(self) -> str | None:
        return self.session.region_name

    def _client(self, service: str) -> Any:
        kwargs: dict[str, Any] = {"config": self.config}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        try:
            client = self.session.client(service, **kwargs)  # type: ignore[call-overload]
        except NoRegionError as exc:
            raise no_region_error(self.session.profile_name) from exc
        except BotoCoreError as exc:
            raise explain_aws_error(exc, f"{service} client", "a region") from exc
        if service != "s3" and client.meta.region_name is None:
            raise no_region_error(self.session.profile_name)
        client.meta.events.register("after-call", self._count_retries)
        return client

    def _count_retries(self, parsed: Any = None, **_: Any) -> None:
        if isinstance(parsed, dict):
            meta = parsed.get("ResponseMetadata") or {}
            self.counter.add(int(meta.get("RetryAttempts") or 0))
