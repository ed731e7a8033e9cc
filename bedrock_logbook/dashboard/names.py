"""Readable model names and one colour per model that every page shares.

Bedrock model IDs are long (``anthropic.claude-3-5-sonnet-20241022-v2:0``) and legends cut
them short, so two versions of a model looked alike. Pages show a short name that keeps what
tells versions apart (release date, version) and the full ID on hover. Colours come from a
fixed domain (every model in the lake, sorted) mapped to a fixed range, so a model keeps its
colour on every page and under every filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Sasha Trubetskoy's "20 distinct colours" without grey (grey means "other"/"unknown" here)
# and the three too pale to read on white: no two models share a hue.
PALETTE = (
    "#4363d8", "#f58231", "#3cb44b", "#e6194b", "#911eb4", "#42d4f4", "#f032e6", "#469990",
    "#9a6324", "#800000", "#808000", "#000075", "#bfef45", "#ffe119", "#fabed4", "#dcbeff",
    "#ffd8b1",
)
OTHER = "other"
OTHER_COLOUR = "#9d9d9d"

_DATE = re.compile(r"^(20\d{2})(\d{2})(\d{2})$")
_VERSION = re.compile(r"^v(\d+)(?::\d+)?$")
_UPPER = {"ai21": "AI21", "llm": "LLM", "xl": "XL", "gpt": "GPT", "oss": "OSS"}


def model_label(model_id: str) -> str:
    """``anthropic.claude-3-5-sonnet-20241022-v2:0`` -> ``Claude 3.5 Sonnet (2024-10-22, v2)``.

    ARNs (application or provisioned profiles) keep their last path segment."""
    if model_id.startswith("arn:"):
        # arn:...:application-inference-profile/abc123 -> "application profile abc123"
        kind, _, name = model_id.rsplit(":", 1)[-1].partition("/")
        kind = kind.replace("-inference-profile", " profile").replace("-model", "")
        return f"{kind.replace('-', ' ')} {name}" if name else model_id
    # Drop a geography prefix ("us.") and the provider ("anthropic.").
    parts = model_id.split(".")
    body = ".".join(parts[1:]) if len(parts) > 1 else model_id
    if len(parts) > 2 and len(parts[0]) <= 4:  # us./eu./apac./global. then provider
        body = ".".join(parts[2:])
    words: list[str] = []
    notes: list[str] = []
    for token in body.split("-"):
        date = _DATE.match(token)
        version = _VERSION.match(token)
        if date:
            notes.append("-".join(date.groups()))
        elif version:
            notes.append(f"v{version.group(1)}")
        elif token.isdigit() and words and words[-1][-1:].isdigit() and len(token) <= 2:
            words[-1] += "." + token  # claude-3-5 -> 3.5, llama3-1 -> llama3.1
        else:
            words.append(token)
    name = " ".join(_UPPER.get(w, w[:1].upper() + w[1:]) for w in words) or model_id
    return f"{name} ({', '.join(notes)})" if notes else name


def unique_labels(model_ids: Iterable[str]) -> dict[str, str]:
    """Readable names for ``model_ids``; a name two IDs would share falls back to the ID."""
    ids = sorted(set(model_ids))
    labels = {m: model_label(m) for m in ids}
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    return {m: (label if counts[label] == 1 else m) for m, label in labels.items()}


@dataclass(frozen=True)
class ModelColours:
    """Model ID -> label and colour for every model of the lake (not of the selection)."""

    ids: tuple[str, ...]  # sorted
    labels: tuple[str, ...]  # same order
    colours: tuple[str, ...]  # same order

    @classmethod
    def for_models(cls, model_ids: Iterable[str]) -> ModelColours:
        names = unique_labels(model_ids)
        ids = tuple(sorted(names))
        colours = tuple(PALETTE[i % len(PALETTE)] for i in range(len(ids)))
        return cls(ids, tuple(names[m] for m in ids), colours)

    def label(self, model_id: str | None) -> str:
        if model_id is None:
            return "(none)"
        if model_id == OTHER:
            return OTHER
        try:
            return self.labels[self.ids.index(model_id)]
        except ValueError:
            return model_label(model_id)

    def domain(self, extra: Sequence[str] = ()) -> list[str]:
        """The colour scale's domain (labels) with ``extra`` values (e.g. 'other') last."""
        return [*self.labels, *[e for e in extra if e not in self.labels]]

    def range(self, extra: Sequence[str] = ()) -> list[str]:
        return [*self.colours, *[OTHER_COLOUR for e in extra if e not in self.labels]]
