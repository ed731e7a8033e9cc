"""Regenerate the docs that come from code: docs/lake-schema.md, the README's column table,
docs/metrics.md, docs/prompt-pairs.md (the prompt_pairs_daily table) and docs/tag-rollup.md
(the rollup_tags_daily table).

Run `make docs` after changing ingest/schema.py or queries/metrics.py; tests/test_docs.py and
tests/test_metrics.py fail while they differ.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bedrock_logbook.ingest.prompt_pairs import prompt_pairs_doc  # noqa: E402
from bedrock_logbook.ingest.schema import INVOCATION_COLUMNS, markdown_table, schema_doc  # noqa: E402
from bedrock_logbook.ingest.tag_rollup import tag_rollup_doc  # noqa: E402
from bedrock_logbook.queries.metrics import metrics_doc  # noqa: E402

START, END = "<!-- schema:start -->", "<!-- schema:end -->"


def readme_with_table(text: str) -> str:
    block = f"{START}\n{markdown_table(INVOCATION_COLUMNS)}\n{END}"
    return re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)


def main() -> None:
    (ROOT / "docs" / "lake-schema.md").write_text(schema_doc())
    (ROOT / "docs" / "metrics.md").write_text(metrics_doc())
    (ROOT / "docs" / "prompt-pairs.md").write_text(prompt_pairs_doc())
    (ROOT / "docs" / "tag-rollup.md").write_text(tag_rollup_doc())
    readme = ROOT / "README.md"
    readme.write_text(readme_with_table(readme.read_text()))


if __name__ == "__main__":
    main()
