"""Download listed S3 objects in parallel, in listing order, with bounded memory.

At most ``2 × workers`` objects are in flight or waiting to be consumed, whatever the size
of the listing. A body cut short on the wire is fetched again (botocore retries the request
but not a broken body stream); ``ContentLength`` is checked so a short read is never taken
for a whole object.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from bedrock_logbook.ingest.objects import RawObject
from bedrock_logbook.ingest.sources.aws_clients import RetryCounter
from bedrock_logbook.ingest.sources.errors import AwsAccessError, SourceError, explain_aws_error
from bedrock_logbook.ingest.sources.offloaded import inline_output_bodies
from bedrock_logbook.ingest.sources.s3_keys import parse_s3_uri

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BODY_ATTEMPTS = 5
_BROKEN_BODY = (
    IncompleteReadError,
    ResponseStreamingError,
    ReadTimeoutError,
    ConnectionClosedError,
    ConnectionError,
)


@dataclass(frozen=True)
class ListedObject:
    bucket: str
    key: str
    size: int
    etag: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def fingerprint(self) -> str:
        """Changes when the object is rewritten, so a replaced object is read again."""
        return f"{self.etag}:{self.size}"


@dataclass
class ReadStats:
    downloaded: int = 0
    bytes: int = 0
    offloaded_resolved: int = 0
    offloaded_failed: int = 0
    downloaded_keys: list[str] = field(default_factory=list)


def get_object_bytes(
    client: S3Client,
    bucket: str,
    key: str,
    counter: RetryCounter,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    uri = f"s3://{bucket}/{key}"
    for attempt in range(1, BODY_ATTEMPTS + 1):
        try:
            resp = client.get_object(Bucket=bucket, Key=key)
            body = resp["Body"].read()
            expected = resp.get("ContentLength")
            if expected is not None and len(body) != expected:
                raise IncompleteReadError(actual_bytes=len(body), expected_bytes=expected)
            return body
        except _BROKEN_BODY as exc:
            if attempt == BODY_ATTEMPTS:
                raise AwsAccessError(
                    f"{uri}: download cut short {attempt} times ({type(exc).__name__}); "
                    "the network or endpoint is failing, try again later"
                ) from exc
            counter.add(1)
            sleep(min(0.2 * 2**attempt, 5.0))
        except (ClientError, BotoCoreError) as exc:
            raise explain_aws_error(exc, uri, "s3:GetObject on the log prefix") from exc
    raise AssertionError("unreachable")


class S3Reader:
    def __init__(
        self,
        client: S3Client,
        counter: RetryCounter,
        *,
        workers: int = 2,
        resolve_offloaded: bool = False,
    ) -> None:
        self.client = client
        self.counter = counter
        self.workers = max(1, workers)
        self.resolve_offloaded = resolve_offloaded
        self.stats = ReadStats()

    def read_all(self, objects: Sequence[ListedObject]) -> Iterator[RawObject]:
        """RawObjects in the order given; stops (and cancels the rest) if the consumer stops."""
        ahead = 2 * self.workers
        pending: deque[Future[tuple[RawObject, int, int]]] = deque()
        todo = iter(objects)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="s3-get") as pool:
            try:
                for obj in todo:
                    pending.append(pool.submit(self._read_one, obj))
                    if len(pending) >= ahead:
                        yield self._take(pending.popleft())
                while pending:
                    yield self._take(pending.popleft())
            finally:
                for f in pending:
                    f.cancel()

    def _take(self, future: Future[tuple[RawObject, int, int]]) -> RawObject:
        raw, resolved, failed = future.result()
        self.stats.offloaded_resolved += resolved
        self.stats.offloaded_failed += failed
        self.stats.downloaded += 1
        self.stats.bytes += len(raw.data)
        self.stats.downloaded_keys.append(raw.uri)
        return raw

    def _read_one(self, obj: ListedObject) -> tuple[RawObject, int, int]:
        data = get_object_bytes(self.client, obj.bucket, obj.key, self.counter)
        resolved = failed = 0
        if self.resolve_offloaded:
            inlined = inline_output_bodies(data, self._fetch_body)
            data, resolved, failed = inlined.data, inlined.resolved, inlined.failed
        raw = RawObject(uri=obj.uri, data=data, state_key=obj.uri, fingerprint=obj.fingerprint)
        return raw, resolved, failed

    def _fetch_body(self, s3_uri: str) -> bytes | None:
        return fetch_body(self.client, self.counter, s3_uri)


def fetch_body(client: S3Client, counter: RetryCounter, s3_uri: str) -> bytes | None:
    """An offloaded body's bytes, or None when it cannot be had (the record keeps its path)."""
    try:
        loc = parse_s3_uri(s3_uri)
        return get_object_bytes(client, loc.bucket, loc.prefix, counter)
    except SourceError:
        return None
