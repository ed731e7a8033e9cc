"""Keep pandas out of our own short-lived processes (the forkserver and its parse workers,
the rollup refresh process, the ``bedrock-logbook ingest`` command).

pyarrow imports pandas when it is installed: on the first ``pa.array`` call (pyarrow 26
checks whether the input is a pandas object) and with ``pyarrow.dataset`` (imported by
pyiceberg's Arrow IO). Nothing these processes run uses it, and pyarrow and DuckDB treat a
missing pandas as optional; importing it costs each process ~0.6 s of CPU, taken from the
parse, and ~33 MB of its peak (269 vs 302 MB measured in the refresh process on a
200,000-request day).

Only for processes we start and own: a library caller's process (a notebook calling
``ingest_objects``) keeps its pandas.
"""

from __future__ import annotations

import sys
from typing import Any


class _WithoutPandas:
    """An import hook (a ``sys.meta_path`` finder) under which pandas is not installed."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(
                f"No module named {name!r} (kept out of this bedrock-logbook ingest process)",
                name=name)


def block_pandas() -> None:
    """Make pandas unimportable in this process from now on (once is enough; idempotent)."""
    if _WithoutPandas not in sys.meta_path:
        sys.meta_path.insert(0, _WithoutPandas)
