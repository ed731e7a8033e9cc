"""Imported only by the multiprocessing forkserver (its preload list): the forkserver then
dies with the ingest that started it, and its workers die with it (``parent_death``); and
neither it nor its workers import pandas (``without_pandas``)."""

from __future__ import annotations

from bedrock_logbook.ingest.parent_death import die_with_parent
from bedrock_logbook.ingest.without_pandas import block_pandas

die_with_parent()
block_pandas()
