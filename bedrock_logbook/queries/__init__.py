"""DuckDB SQL views over the bedrock-logbook lake (its Iceberg table's current snapshot).

The SQL lives in ``queries/sql/`` (one object per file, layered raw -> staging -> metrics);
this package only finds it, orders it and runs it against a lake.
"""

from bedrock_logbook.queries.catalog import ViewInfo, list_views, sql_text
from bedrock_logbook.queries.connection import (
    connect,
    read_plan,
    refresh,
    write_database,
)
from bedrock_logbook.queries.prices import PriceFileError

__all__ = ["PriceFileError", "ViewInfo", "connect", "list_views", "read_plan", "refresh",
           "sql_text", "write_database"]
