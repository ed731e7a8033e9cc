"""Request-ID keys of one date partition, in bounded memory."""

from __future__ import annotations

import numpy as np


class KeySet:
    """Dedupe keys (of the whole lake) in 16 bytes each: a sorted array, plus a set of the
    newest keys that is merged into it now and then.

    A Python set costs ~90 bytes a key; a day of 10M requests would hold ~900 MB.
    """

    MERGE_AT = 262_144

    def __init__(self, keys: list[bytes]) -> None:
        self.base = np.sort(np.array(keys, dtype="S16"))
        self.recent: set[bytes] = set()

    def __len__(self) -> int:
        return len(self.base) + len(self.recent)

    def _in_base(self, keys: list[bytes]) -> np.ndarray:
        probe = np.array(keys, dtype="S16")
        if len(self.base) == 0:
            return np.zeros(len(keys), dtype=bool)
        pos = np.searchsorted(self.base, probe)
        pos[pos == len(self.base)] = 0
        hits: np.ndarray = self.base[pos] == probe
        return hits

    def add_new(self, keys: list[bytes]) -> list[int]:
        """Positions of the keys not seen before (first occurrence only); remembers them."""
        in_base = self._in_base(keys)
        fresh = set(keys)
        if not in_base.any() and len(fresh) == len(keys) and self.recent.isdisjoint(fresh):
            kept = list(range(len(keys)))  # the usual case, settled in C
            self.recent |= fresh
        else:
            kept = []
            for i, key in enumerate(keys):
                if not in_base[i] and key not in self.recent:
                    self.recent.add(key)
                    kept.append(i)
        if len(self.recent) >= self.MERGE_AT:
            self._merge()
        return kept

    def _merge(self) -> None:
        merged = np.concatenate([self.base, np.array(list(self.recent), dtype="S16")])
        merged.sort(kind="stable")  # two sorted runs: a linear merge
        self.base = merged
        self.recent = set()
