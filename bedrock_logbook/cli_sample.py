"""`bedrock-logbook sample`: write realistic, deterministic invocation logs for demos and tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from bedrock_logbook.ingest.sample_writer import DEFAULT_WINDOW_SECONDS, write_sample_logs


@click.command("sample")
@click.option("--records", "records", type=click.IntRange(min=0), default=3000,
              show_default=True, help="Number of invocation records to generate.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write the S3-layout objects into (AWSLogs/... below it).")
@click.option("--seed", type=int, default=7, show_default=True,
              help="Same seed, same files, byte for byte.")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              default="2026-11-01", show_default=True, help="First hour (UTC).")
@click.option("--hours", type=click.IntRange(min=1), default=72, show_default=True,
              help="How many hours the invocations span.")
@click.option("--bad-lines/--no-bad-lines", default=False, show_default=True,
              help="Add a malformed line, a record with an unusable timestamp and a "
                   "truncated gzip file (for demos of quarantine).")
@click.option("--text-scale", type=click.FloatRange(min=0.05, max=10), default=1.0,
              show_default=True,
              help="Scale of prompt/answer text (1.0 gives ~2.6 KB records).")
@click.option("--window-seconds", type=click.IntRange(min=1, max=3600),
              default=DEFAULT_WINDOW_SECONDS, show_default=True,
              help="Delivery window per batch file (must divide 3600).")
@click.option("--truth", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write what really happened to each request (requested and served "
                   "latency mode, fallback cause, service tier, cache TTL split) to this "
                   "JSON-lines file, to score the parser against. Not written by default.")
@click.option("--latency-field", type=click.Choice(["applied", "requested"]), default="applied",
              show_default=True,
              help="What the simulated Bedrock writes in the top-level performanceConfig: the "
                   "mode it applied (our reading of real logs) or the mode requested.")
def sample_command(records: int, out: Path, seed: int, start: datetime, hours: int,
                   bad_lines: bool, text_scale: float, window_seconds: int,
                   truth: Path | None, latency_field: str) -> None:
    """Generate sample Bedrock invocation logs in the S3 delivery layout."""
    if (out / "AWSLogs").exists():
        raise click.UsageError(
            f"{out / 'AWSLogs'} already exists; remove it or pick another --out "
            "(mixing two generated sets would duplicate request ids)."
        )
    if 3600 % window_seconds:
        raise click.BadParameter("must divide 3600", param_hint="--window-seconds")
    summary = write_sample_logs(
        out, records, seed=seed, start=start.replace(tzinfo=UTC), hours=hours,
        bad_lines=bad_lines, text_scale=text_scale, window_seconds=window_seconds,
        truth=truth, latency_field=latency_field,
    )
    click.echo(
        f"wrote {summary.records} records in {summary.batch_files} batch files "
        f"({summary.bytes_compressed / 1e6:.1f} MB gzip, "
        f"{summary.bytes_uncompressed / 1e6:.1f} MB raw), "
        f"{summary.payload_objects} data/ objects, {summary.bad_lines} bad lines, "
        f"{summary.truncated_files} truncated files -> {out}"
    )
