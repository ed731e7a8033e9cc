"""Errors a source raises, each with the exit code a cron job should see.

The CLI prints ``str(error)`` as one line on stderr and exits with ``error.exit_code``; the
messages therefore say what to fix, not only what failed.
"""

from __future__ import annotations

import os

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

# The CLI's exit codes (bedrock_logbook/cli_common.py); ingest may not import the CLI.
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_AWS = 4

_ACCESS_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "AllAccessDisabled", "AuthorizationError"}
)
_CREDENTIAL_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
    }
)


class SourceError(Exception):
    exit_code = EXIT_UNEXPECTED


class SourceConfigError(SourceError):
    """A flag, URI or AWS setting we cannot use (exit 3)."""

    exit_code = EXIT_CONFIG


class SourceUsageError(SourceConfigError):
    """A flag or argument that cannot be read, or flags that contradict each other (exit 2)."""

    exit_code = EXIT_USAGE


class AwsAccessError(SourceError):
    """AWS refused the request, the resource is missing, or AWS stayed unreachable (exit 4)."""

    exit_code = EXIT_AWS


def no_region_error(profile: str | None) -> SourceConfigError:
    """What we looked at, in the order the AWS CLI looks (aws_clients.make_session)."""
    config = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    return SourceConfigError(
        f"no AWS region: looked at --region, AWS_REGION, AWS_DEFAULT_REGION and the region of "
        f"profile {profile or os.environ.get('AWS_PROFILE') or 'default'!r} in {config}; "
        "set one of them"
    )


def client_error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def explain_aws_error(exc: Exception, target: str, needs: str) -> SourceError:
    """Turn a boto3/botocore exception into a one-line actionable error.

    ``target`` names what we touched (``s3://bucket/prefix``, ``log group X``) and ``needs``
    the IAM action the job needs on it.
    """
    if isinstance(exc, SourceError):
        return exc
    if isinstance(exc, ClientError):
        code = client_error_code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("NoSuchBucket",):
            return AwsAccessError(f"{target}: bucket does not exist (check the bucket name)")
        if code == "ResourceNotFoundException":
            return AwsAccessError(
                f"{target}: not found in this region (check the name and --region/AWS_REGION)"
            )
        if code in _ACCESS_CODES or status == 403:
            return AwsAccessError(
                f"{target}: access denied ({code or status}); the credentials need {needs} "
                "(see docs/operations.md for the IAM policy)"
            )
        if code in _CREDENTIAL_CODES:
            return AwsAccessError(
                f"{target}: AWS rejected the credentials ({code}); check AWS_PROFILE/--profile"
            )
        return AwsAccessError(f"{target}: AWS error {code or status}: {exc}")
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return SourceConfigError(
            "no usable AWS credentials: set AWS_PROFILE (or --profile) or the AWS_ACCESS_KEY_ID "
            "variables, or run where an instance/task role is available"
        )
    if isinstance(exc, NoRegionError):
        return no_region_error(None)
    if isinstance(exc, ProfileNotFound):
        return SourceConfigError(f"{exc}; check --profile/AWS_PROFILE and ~/.aws/config")
    if isinstance(exc, EndpointConnectionError):
        return AwsAccessError(f"{target}: cannot reach AWS ({exc}); check network/AWS_ENDPOINT_URL")
    if isinstance(exc, BotoCoreError):
        return AwsAccessError(f"{target}: {type(exc).__name__}: {exc}")
    return SourceError(f"{target}: unexpected {type(exc).__name__}: {exc}")
