"""``bedrock-logbook prices``: the effective price table, and one request's cost explained.

A thin shell: the table and the explanation come from ``bedrock_logbook.queries.price_report``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from bedrock_logbook.cli_common import (
    EXIT_CONFIG,
    catalog_option,
    connect_lake,
    echo_rows,
    fail,
    lake_option,
    load_settings,
    prices_option,
)


@click.group("prices", invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@lake_option
@catalog_option
@prices_option
@click.pass_context
def prices_command(ctx: click.Context, fmt: str, lake: str | None, catalog: str | None,
                   prices: Path | None) -> None:
    """List the effective price table (genai-prices, the project file, your --prices file)."""
    if ctx.invoked_subcommand is not None:
        return
    from bedrock_logbook.queries.price_report import effective_prices

    settings = load_settings(lake=lake, catalog=catalog, prices=prices)
    names, rows = effective_prices(connect_lake(settings, required=False))

    def table() -> Iterator[str]:
        for r in rows:
            model, mode, scope, region, token_class, since, min_prompt, rate, origin, _ = r
            tier = f" prompts>={min_prompt}" if min_prompt else ""
            yield (f"{model}  {mode}  scope={scope}  region={region}  {token_class:<15}"
                   f"{rate:>10g}  from {since}{tier}  [{origin}]")
        yield f"{len(rows)} rows; `--format csv` adds each row's source"

    echo_rows(names, rows, fmt, table)


@prices_command.command("explain")
@click.argument("request_id")
@lake_option
@catalog_option
@prices_option
def explain_command(request_id: str, lake: str | None, catalog: str | None,
                    prices: Path | None) -> None:
    """Each token class of REQUEST_ID: tokens, rate, source, cost, and the sum."""
    from bedrock_logbook.queries.price_report import explain, explanation_text

    settings = load_settings(lake=lake, catalog=catalog, prices=prices)
    explanation = explain(connect_lake(settings, required=False), request_id)
    if explanation is None:
        fail(f"no request {request_id!r} in the lake {settings.lake} (set --lake or "
             "BEDROCK_LOGBOOK_LAKE)", EXIT_CONFIG)
    for line in explanation_text(explanation):
        click.echo(line)
