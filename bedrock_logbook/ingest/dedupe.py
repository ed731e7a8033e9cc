"""Request-ID keys of the whole lake, in bounded memory, and the content digests that tell a
conflicting duplicate (same request ID, different content) from a plain repeat."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa

from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA

# Columns that say where or how a copy was read, not what the request was: two deliveries of
# one request differ there and are still the same request. The bodies are stored only with
# --keep-bodies, so a lake written with it would otherwise "conflict" with a run without it
# (the prompt is still compared, through ``prompt_fp``).
NOT_CONTENT = frozenset({"source", "source_line", "input_body_json", "output_body_json"})
CONTENT_COLUMNS = tuple(n for n in INVOCATIONS_SCHEMA.names if n not in NOT_CONTENT)

# Marks a key whose winner is a lake row written by an earlier run: its digest is not kept
# in memory (that would cost every lake key 8 bytes more); such duplicates are compared
# with the stored row at the end of the run (``pipeline._LakeConflicts``).
IN_LAKE = 0


def content_digests(table: pa.Table) -> list[int]:
    """One 64-bit digest per row of ``table`` over its content columns (all but
    ``NOT_CONTENT``), never ``IN_LAKE``. Computed from Arrow values, so a staged row and the
    same row read back from the lake give the same digest (a column an older lake file
    lacks counts as NULL)."""
    present = set(table.column_names)
    columns = [_values(table.column(n)) if n in present else [None] * table.num_rows
               for n in CONTENT_COLUMNS]
    encode = msgspec.msgpack.encode
    return [
        int.from_bytes(hashlib.blake2b(encode(row), digest_size=8).digest(), "little") | 1
        for row in zip(*columns, strict=True)
    ]


def _values(column: pa.ChunkedArray) -> list[Any]:
    # Timestamps as their integer microseconds: building tz-aware datetimes cost more than
    # the rest of the digest together (measured: 11 vs 3 us a row over 42 columns).
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.int64())
    values: list[Any] = column.to_pylist()
    return values


class KeySet:
    """Dedupe keys of the whole lake in 16 bytes each (a sorted array), and the keys this run
    added with their content digests in 16 + 8 bytes each (a sorted array, plus a dict of the
    newest keys that is merged into it now and then).

    A Python set costs ~90 bytes a key; a day of 10M requests would hold ~900 MB.
    """

    MERGE_AT = 262_144

    def __init__(self, keys: Iterable[bytes], *, digests: bool = True) -> None:
        # Without digests (compaction only drops repeats) run keys cost 16 bytes, not 24.
        self.digests = digests
        self.lake = np.sort(np.array(list(keys), dtype="S16"))
        self.run = np.array([], dtype="S16")
        self.run_fp = np.array([], dtype=np.uint64)
        self.recent: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self.lake) + len(self.run) + len(self.recent)

    @staticmethod
    def _find(sorted_keys: np.ndarray, probe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of ``probe`` in ``sorted_keys`` and whether each is there."""
        if len(sorted_keys) == 0:
            return np.zeros(len(probe), dtype=np.intp), np.zeros(len(probe), dtype=bool)
        pos = np.searchsorted(sorted_keys, probe)
        pos[pos == len(sorted_keys)] = 0
        hits: np.ndarray = sorted_keys[pos] == probe
        return pos, hits

    def add_new(self, keys: list[bytes]) -> list[int]:
        """Positions of the keys not seen before (first occurrence only); remembers them."""
        return self.add_new_with_digests(keys, [1] * len(keys))[0]

    def add_new_with_digests(self, keys: list[bytes], fps: list[int]
                             ) -> tuple[list[int], list[int]]:
        """``add_new``, remembering each new key's content digest ``fps[i]``.

        Also returns, for each position not kept, in order, the digest of the copy that won
        (``IN_LAKE`` when that copy is a lake row of an earlier run).
        """
        probe = np.array(keys, dtype="S16")
        _, in_lake = self._find(self.lake, probe)
        run_pos, in_run = self._find(self.run, probe)
        seen = in_lake | in_run
        if not seen.any() and len(set(keys)) == len(keys) and self.recent.keys().isdisjoint(keys):
            kept = list(range(len(keys)))  # the usual case
            self.recent.update(zip(keys, fps, strict=True))
            winners: list[int] = []
        else:
            kept, winners = [], []
            for i, key in enumerate(keys):
                if in_lake[i]:
                    winners.append(IN_LAKE)
                elif in_run[i]:
                    winners.append(int(self.run_fp[run_pos[i]]) if self.digests else 1)
                elif key in self.recent:
                    winners.append(self.recent[key])
                else:
                    self.recent[key] = fps[i]
                    kept.append(i)
        if len(self.recent) >= self.MERGE_AT:
            self._merge()
        return kept, winners

    def _merge(self) -> None:
        new = np.array(list(self.recent), dtype="S16")
        new_fp = np.array(list(self.recent.values()), dtype=np.uint64)
        order = np.argsort(new)
        new, new_fp = new[order], new_fp[order]
        # Inserted where they belong: one new copy of each array at a time (peak ~2 x 24
        # bytes a key), where a concatenate-and-argsort would hold ~3.
        at = np.searchsorted(self.run, new)
        self.run = np.insert(self.run, at, new)
        if self.digests:
            self.run_fp = np.insert(self.run_fp, at, new_fp)
        self.recent = {}
