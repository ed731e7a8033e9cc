"""``bedrock-logbook dashboard``: serve the Streamlit dashboard over a lake."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from bedrock_logbook.cli_common import catalog_option, load_settings, require_lake
from bedrock_logbook.settings import ENV_PREFIX, Settings

APP = Path(__file__).resolve().parent / "dashboard" / "app.py"
# Serves APP without Streamlit's /_stcore/metrics route (see dashboard/server.py).
SERVER = APP.with_name("server.py")


def streamlit_command(port: int, address: str) -> list[str]:
    """The streamlit invocation: this interpreter's streamlit, no telemetry, no browser tab."""
    return [
        sys.executable, "-m", "streamlit", "run", str(SERVER),
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        # A failing page says so in one line; no stack trace (paths, SQL) goes to the browser.
        "--client.showErrorDetails", "false",
        # No Deploy button or developer menu for the people reading the dashboard.
        "--client.toolbarMode", "viewer",
    ]


def dashboard_env(settings: Settings, base: dict[str, str]) -> dict[str, str]:
    """The environment for the server: the lake, its catalog (and price file) the dashboard
    must read."""
    env = dict(base)
    lake = settings.lake
    env[ENV_PREFIX + "LAKE"] = (lake if lake.startswith("s3://")
                                else str(Path(lake).expanduser().resolve()))
    if settings.catalog is not None:
        env[ENV_PREFIX + "CATALOG"] = settings.catalog
    if settings.prices is not None:
        env[ENV_PREFIX + "PRICES"] = str(settings.prices.expanduser().resolve())
    return env


@click.command("dashboard")
@click.option("--lake", metavar="DIR|s3://BUCKET/PREFIX",
              help=f"Lake: a local folder or s3://BUCKET/PREFIX [env {ENV_PREFIX}LAKE; "
                   "default ./lake]")
@catalog_option
@click.option("--prices", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"Price CSV overriding the shipped prices [env {ENV_PREFIX}PRICES]")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 to serve other machines)")
def dashboard_command(lake: str | None, catalog: str | None, prices: Path | None, port: int,
                      address: str) -> None:
    """Serve the dashboard at http://ADDRESS:PORT (Ctrl-C stops it)."""
    settings = load_settings(lake=lake, catalog=catalog, prices=prices)
    location = require_lake(settings)
    click.echo(f"serving the dashboard for lake {location.lake} at "
               f"http://{address}:{port} (Ctrl-C stops it)", err=True)
    # Become the streamlit process (exec, not a child): Ctrl-C and SIGTERM reach the server
    # directly and no orphaned server is left behind when this command is stopped.
    command = streamlit_command(port, address)
    os.execve(command[0], command, dashboard_env(settings, dict(os.environ)))
