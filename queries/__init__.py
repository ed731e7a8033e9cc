"""DuckDB SQL views over the bedrock-logbook Parquet lake.

The SQL lives in ``queries/sql/`` (one object per file, layered raw -> staging -> metrics);
this package only finds it, orders it and runs it against a lake.
"""

from queries.catalog import ViewInfo, list_views, sql_text
from queries.connection import connect, write_database
from queries.prices import PriceFileError

__all__ = ["PriceFileError", "ViewInfo", "connect", "list_views", "sql_text", "write_database"]
