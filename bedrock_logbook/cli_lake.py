"""What the writing commands (``ingest …``, ``migrate``) share about where the lake lives:
the resolved table location (``--catalog``: ``cli_common.catalog_option``), with one-line errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bedrock_logbook.cli_common import EXIT_CONFIG, fail

if TYPE_CHECKING:
    from bedrock_logbook.lake.location import TableLocation
    from bedrock_logbook.settings import Settings


def table_location(settings: Settings) -> TableLocation:
    """``--lake`` + ``--catalog`` resolved; exit 3 with what to set when they cannot be used."""
    from bedrock_logbook.ingest.table import check_uri_safe
    from bedrock_logbook.lake.location import TableError, resolve

    try:
        location = resolve(settings.lake, settings.catalog)
        check_uri_safe(location)  # before the lock creates the folder
    except TableError as e:
        fail(str(e), EXIT_CONFIG)
    return location
