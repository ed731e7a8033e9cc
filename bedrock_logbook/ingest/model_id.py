"""``modelId`` as logged → base model, kind and profile scope; ``identity.arn`` → short caller.

``modelId`` is whatever the caller passed: a base model ID, a system inference-profile ID
(``us.anthropic…``), or one of several ARNs (log-format.md §3.1, §7). Prices and comparisons need
the base model, so it is normalised once at ingest rather than by a regex at query time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Longest first, so "us-gov." wins over "us.".
PROFILE_PREFIXES = ("us-gov", "global", "apac", "us", "eu", "jp", "au", "ca", "in", "ug")


@dataclass(frozen=True)
class ModelRef:
    model: str | None
    kind: str
    profile_scope: str | None


def _split_profile(profile_id: str) -> tuple[str | None, str]:
    for prefix in PROFILE_PREFIXES:
        if profile_id.startswith(prefix + ".") and "." in profile_id[len(prefix) + 1 :]:
            return prefix, profile_id[len(prefix) + 1 :]
    return None, profile_id


@lru_cache(maxsize=4096)
def normalize_model_id(model_id: str | None) -> ModelRef:
    if not model_id:
        return ModelRef(None, "unknown", None)
    if model_id.startswith("arn:"):
        # arn:{partition}:bedrock:{region}:{account}:{resource-type}/{id}
        parts = model_id.split(":", 5)
        if len(parts) < 6 or "/" not in parts[5]:
            return ModelRef(None, "unknown", None)
        resource_type, _, resource = parts[5].partition("/")
        if resource_type == "inference-profile":
            scope, model = _split_profile(resource)
            return ModelRef(model, "profile_arn", scope)
        if resource_type == "application-inference-profile":
            # The ARN names no model; resolving it needs bedrock:GetInferenceProfile.
            return ModelRef(None, "application_profile_arn", "application")
        if resource_type == "provisioned-model":
            return ModelRef(None, "provisioned_model_arn", None)
        if resource_type == "foundation-model":
            return ModelRef(resource, "foundation_model_arn", None)
        if resource_type in ("custom-model", "imported-model", "custom-model-deployment"):
            return ModelRef(None, "custom_model_arn", None)
        return ModelRef(None, "unknown", None)
    scope, model = _split_profile(model_id)
    if scope is not None:
        return ModelRef(model, "system_profile", scope)
    return ModelRef(model_id, "base", None)


@lru_cache(maxsize=4096)
def short_caller(arn: str | None) -> str | None:
    """Role name for assumed roles, user name for IAM users; the ARN itself otherwise."""
    if not arn:
        return None
    if not arn.startswith("arn:"):
        return arn
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    if kind == "assumed-role" and rest:
        return rest.split("/", 1)[0]
    if kind in ("user", "role") and rest:
        return rest.rsplit("/", 1)[-1]
    return resource
