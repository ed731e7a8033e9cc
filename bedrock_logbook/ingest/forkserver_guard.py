"""Imported only by the multiprocessing forkserver (its preload list): the forkserver then
dies with the ingest that started it, and its workers die with it (``parent_death``)."""

from __future__ import annotations

from bedrock_logbook.ingest.parent_death import die_with_parent

die_with_parent()
