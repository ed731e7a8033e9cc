"""What the sample-log generator draws from: models, profile geographies and workloads.

Plain data, no randomness. Speeds are invented but plausible: latency-optimized decode is
about 1.8x faster with a smaller fixed overhead (log-format.md §0, §4.2), so the decode-speed
view finds a clear line per model and mode.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    base_id: str
    # Provider-native body family used by InvokeModel / InvokeModelWithResponseStream.
    family: str  # anthropic_messages | claude_text | titan | llama | nova
    ms_per_token: float  # standard-mode decode time per output token
    overhead_ms: float  # standard-mode fixed cost (queueing, first token)
    prefill_ms_per_1k: float  # cost per 1,000 input tokens
    optimized_ms_per_token: float | None = None  # None: no latency-optimized variant
    optimized_overhead_ms: float | None = None
    # Llama 3.1 405B falls back to standard above 11K total tokens (log-format.md §4.2).
    optimized_max_total_tokens: int | None = None
    anthropic_model_name: str = ""  # the "model" field of Anthropic response bodies
    # Regions you can call the optimized version FROM (AWS's table, log-format.md §4.2).
    optimized_regions: tuple[str, ...] = ()


def _lo(std_ms: float) -> float:
    return round(std_ms / 1.8, 2)


MODELS: dict[str, ModelSpec] = {
    m.base_id: m
    for m in (
        ModelSpec("anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic_messages", 15.0, 420,
                  22, _lo(15.0), 260, None, "claude-3-5-haiku-20241022",
                  ("us-east-2", "us-west-2")),
        ModelSpec("anthropic.claude-3-haiku-20240307-v1:0", "anthropic_messages", 8.0, 300, 12,
                  anthropic_model_name="claude-3-haiku-20240307"),
        ModelSpec("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic_messages", 19.0, 650,
                  35, anthropic_model_name="claude-3-5-sonnet-20240620"),
        ModelSpec("anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic_messages", 18.0, 620,
                  35, anthropic_model_name="claude-3-5-sonnet-20241022"),
        ModelSpec("anthropic.claude-sonnet-4-20250514-v1:0", "anthropic_messages", 17.0, 700, 30,
                  anthropic_model_name="claude-sonnet-4-20250514"),
        ModelSpec("anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic_messages", 16.0, 750,
                  30, anthropic_model_name="claude-sonnet-4-5-20250929"),
        ModelSpec("anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic_messages", 9.0, 380, 15,
                  anthropic_model_name="claude-haiku-4-5-20251001"),
        ModelSpec("anthropic.claude-opus-4-5-20251101-v1:0", "anthropic_messages", 24.0, 1100, 45,
                  anthropic_model_name="claude-opus-4-5-20251101"),
        ModelSpec("anthropic.claude-v2:1", "claude_text", 26.0, 600, 40),
        ModelSpec("amazon.titan-text-express-v1", "titan", 11.0, 350, 10),
        ModelSpec("amazon.nova-pro-v1:0", "nova", 12.0, 380, 14, _lo(12.0), 230,
                  optimized_regions=("us-east-1", "us-east-2", "us-west-2")),
        ModelSpec("amazon.nova-lite-v1:0", "nova", 6.0, 250, 8),
        ModelSpec("amazon.nova-micro-v1:0", "nova", 4.0, 200, 5),
        ModelSpec("meta.llama3-1-8b-instruct-v1:0", "llama", 7.0, 260, 8),
        ModelSpec("meta.llama3-1-70b-instruct-v1:0", "llama", 18.0, 450, 25, _lo(18.0), 270,
                  optimized_regions=("us-east-2", "us-west-2")),
        ModelSpec("meta.llama3-1-405b-instruct-v1:0", "llama", 34.0, 800, 55, _lo(34.0), 480,
                  11_000, optimized_regions=("us-east-2",)),
    )
}

# Destinations of system-defined profiles (log-format.md §7), first = most likely.
PROFILE_DESTINATIONS: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-west-2", "us-east-2"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1"),
    "apac": ("ap-northeast-1", "ap-southeast-2", "ap-south-1", "ap-southeast-1"),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "global": ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "ap-southeast-4"),
}

# Latency-optimized capacity lives mostly in us-east-2 (Ohio); a share of optimized requests
# is served elsewhere in the profile's geography (the table lists call Regions, not serving
# ones).
OPTIMIZED_REGION = "us-east-2"
OPTIMIZED_ELSEWHERE_SHARE = 0.15
# Requests that ask for optimized where AWS does not offer it (rejected: ValidationException).
NOT_OFFERED_ASK_SHARE = 0.004

ERROR_CODES: tuple[tuple[str, float], ...] = (
    ("ThrottlingException", 0.55),
    ("ValidationException", 0.2),
    ("ModelErrorException", 0.1),
    ("ServiceUnavailableException", 0.07),
    ("ModelTimeoutException", 0.05),
    ("AccessDeniedException", 0.03),
)


@dataclass(frozen=True)
class Workload:
    """One application or team calling Bedrock: who, where, which models and how."""

    name: str
    weight: float
    account: str
    region: str
    callers: tuple[str, ...]
    models: tuple[tuple[str, float], ...]
    operations: tuple[tuple[str, float], ...]
    # How modelId is spelled: base | profile | profile_arn | app_profile_arn | provisioned_arn
    # | foundation_arn (several with weights).
    id_forms: tuple[tuple[str, float], ...] = (("base", 1.0),)
    geo: str | None = None
    input_tokens: tuple[int, float] = (600, 0.8)  # median, log-sigma
    output_tokens: tuple[int, float] = (180, 0.7)
    optimized_share: float = 0.0  # requests that ask for latency-optimized
    explicit_standard_share: float = 0.0  # requests that set STANDARD explicitly
    metadata_share: float = 0.0
    metadata: tuple[tuple[str, tuple[str, ...]], ...] = ()
    uses_cache: bool = False
    guardrail_share: float = 0.0
    error_share: float = 0.01
    media_share: float = 0.0
    offload_share: float = 0.0  # bodies >100 KB written to data/ (S3 delivery)
    dropped_body_share: float = 0.0  # bodies >100 KB dropped (CloudWatch-only config)
    service_tiers: tuple[tuple[str, float], ...] = ()
    language: str = "en"
    system_prompt: str = ""
    app_profile_id: str = ""
    provisioned_id: str = ""
    # 2024-style records: old key order and no cache counts (log-format.md §1.3, §3.2).
    legacy_format: bool = False


ACCT_PROD = "111122223333"
ACCT_DATA = "444455556666"
ACCT_LEGACY = "012345678901"  # leading zero: account ids must stay text


def _role(acct: str, role: str, session: str) -> str:
    return f"arn:aws:sts::{acct}:assumed-role/{role}/{session}"


def _user(acct: str, name: str) -> str:
    return f"arn:aws:iam::{acct}:user/{name}"


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "chat-frontend", 18, ACCT_PROD, "us-east-1",
        callers=tuple(_role(ACCT_PROD, "chat-frontend-task", f"ecs-task-{i:02d}a7f3")
                      for i in range(4)),
        models=(("anthropic.claude-sonnet-4-5-20250929-v1:0", 0.7),
                ("anthropic.claude-haiku-4-5-20251001-v1:0", 0.3)),
        operations=(("ConverseStream", 0.85), ("Converse", 0.15)),
        id_forms=(("profile", 1.0),), geo="us",
        input_tokens=(900, 0.9), output_tokens=(260, 0.8),
        metadata_share=0.9,
        metadata=(("app", ("chat-frontend",)), ("team", ("web",)),
                  ("environment", ("production",)), ("tenant", ("acme", "globex", "initech"))),
        uses_cache=True, guardrail_share=0.012, error_share=0.015,
        service_tiers=(("default", 0.7), ("priority", 0.3)),
        system_prompt="You are the Acme support assistant. Answer briefly and cite the docs.",
    ),
    Workload(
        "support-bot-fast", 14, ACCT_PROD, "us-east-2",
        callers=(_role(ACCT_PROD, "support-bot", "lambda-support-bot"),),
        models=(("anthropic.claude-3-5-haiku-20241022-v1:0", 1.0),),
        operations=(("Converse", 0.6), ("ConverseStream", 0.4)),
        id_forms=(("profile", 0.7), ("profile_arn", 0.3)), geo="us",
        input_tokens=(1500, 0.6), output_tokens=(160, 0.6),
        optimized_share=0.75, explicit_standard_share=0.6,
        metadata_share=0.5, metadata=(("app", ("support-bot",)), ("latency-requested", ())),
        error_share=0.01,
        system_prompt="You are a fast support triage bot. Classify and answer in two sentences.",
    ),
    Workload(
        "llama-summarizer", 8, ACCT_PROD, "us-east-2",
        callers=(_role(ACCT_PROD, "batch-summarizer", "i-0d41c9e2b7a1f0c33"),),
        models=(("meta.llama3-1-70b-instruct-v1:0", 0.6),
                ("meta.llama3-1-405b-instruct-v1:0", 0.4)),
        operations=(("InvokeModel", 0.45), ("InvokeModelWithResponseStream", 0.35),
                    ("Converse", 0.2)),
        id_forms=(("profile", 1.0),), geo="us",
        input_tokens=(3500, 0.9), output_tokens=(300, 0.6),
        optimized_share=0.8, error_share=0.012,
        system_prompt="Summarize the following document for an executive audience.",
    ),
    Workload(
        "nova-extract", 8, ACCT_DATA, "us-east-2",
        callers=(_role(ACCT_DATA, "doc-extract", "sfn-extract-worker"),
                 _user(ACCT_DATA, "etl-service")),
        models=(("amazon.nova-pro-v1:0", 0.7), ("amazon.nova-lite-v1:0", 0.3)),
        operations=(("Converse", 0.5), ("InvokeModel", 0.3),
                    ("InvokeModelWithResponseStream", 0.2)),
        id_forms=(("profile", 0.8), ("base", 0.2)), geo="us",
        input_tokens=(2200, 0.7), output_tokens=(220, 0.6),
        optimized_share=0.5, explicit_standard_share=0.3, error_share=0.01,
        media_share=0.05, offload_share=0.01, uses_cache=True,
        system_prompt="Extract the invoice fields as JSON.",
    ),
    Workload(
        "claude-code", 14, ACCT_PROD, "us-west-2",
        callers=tuple(_role(ACCT_PROD, "BedrockDeveloper", f"{n}@example.com")
                      for n in ("alice", "bob", "chen", "dana", "emeka"))
        + (_user(ACCT_PROD, "ci-bot"),),
        models=(("anthropic.claude-sonnet-4-5-20250929-v1:0", 0.6),
                ("anthropic.claude-opus-4-5-20251101-v1:0", 0.25),
                ("anthropic.claude-haiku-4-5-20251001-v1:0", 0.15)),
        operations=(("InvokeModelWithResponseStream", 0.9), ("InvokeModel", 0.1)),
        id_forms=(("profile_arn", 0.8), ("profile", 0.2)), geo="global",
        input_tokens=(40, 1.2), output_tokens=(220, 1.0),
        uses_cache=True, error_share=0.02, offload_share=0.006, dropped_body_share=0.006,
        guardrail_share=0.004,
        service_tiers=(("default", 0.6), ("flex", 0.2), ("priority", 0.2)),
        system_prompt="You are Claude Code, an interactive CLI tool for software engineering.",
    ),
    Workload(
        "bedrock-agent", 6, ACCT_DATA, "us-east-2",
        callers=tuple(_role(ACCT_DATA, "AmazonBedrockExecutionRoleForAgents_orders",
                            f"BedrockAgents-F48G7VBRQ5-{i:08x}-6dbb-4d8a-8779-0a36cc718b06")
                      for i in (0x983FE347, 0xE8DDC2EA, 0x714D9ED9)),
        models=(("anthropic.claude-3-5-haiku-20241022-v1:0", 1.0),),
        operations=(("InvokeModel", 1.0),),
        id_forms=(("profile_arn", 1.0),), geo="us",
        input_tokens=(1660, 0.3), output_tokens=(130, 0.5),
        error_share=0.008, legacy_format=True,
        system_prompt="You are an agent that looks up orders. Use the tools provided.",
    ),
    Workload(
        "knowledge-base", 5, ACCT_DATA, "us-east-2",
        callers=(_role(ACCT_DATA, "kb-query", "botocore-session-1735025322"),),
        models=(("anthropic.claude-3-5-haiku-20241022-v1:0", 1.0),),
        operations=(("Converse", 1.0),),
        id_forms=(("profile_arn", 1.0),), geo="us",
        input_tokens=(1680, 0.3), output_tokens=(160, 0.4),
        optimized_share=0.5, explicit_standard_share=0.5, error_share=0.008,
        legacy_format=True,
        system_prompt="Answer from the search results only; cite sources.",
    ),
    Workload(
        "legacy-batch", 6, ACCT_LEGACY, "us-east-1",
        callers=(_user(ACCT_LEGACY, "legacy-batch"), _user(ACCT_LEGACY, "shashank")),
        models=(("anthropic.claude-v2:1", 0.5), ("amazon.titan-text-express-v1", 0.3),
                ("meta.llama3-1-8b-instruct-v1:0", 0.2)),
        operations=(("InvokeModel", 0.6), ("InvokeModelWithResponseStream", 0.4)),
        input_tokens=(300, 0.8), output_tokens=(200, 0.7), error_share=0.02,
        guardrail_share=0.02, legacy_format=True,
    ),
    Workload(
        "eu-analytics", 7, ACCT_LEGACY, "eu-west-3",
        callers=(_role(ACCT_LEGACY, "analytics-notebook", "sagemaker-studio-marie"),
                 _role(ACCT_LEGACY, "analytics-notebook", "sagemaker-studio-jonas")),
        models=(("anthropic.claude-3-5-sonnet-20240620-v1:0", 0.6),
                ("anthropic.claude-3-haiku-20240307-v1:0", 0.4)),
        operations=(("Converse", 0.7), ("ConverseStream", 0.3)),
        id_forms=(("profile", 1.0),), geo="eu",
        input_tokens=(700, 0.8), output_tokens=(350, 0.6), error_share=0.01,
        media_share=0.03, legacy_format=True,
    ),
    Workload(
        "tokyo-team", 5, ACCT_LEGACY, "ap-northeast-1",
        callers=(_role(ACCT_LEGACY, "tokyo-dev", "takakuni"),),
        models=(("anthropic.claude-sonnet-4-5-20250929-v1:0", 0.6),
                ("anthropic.claude-3-5-sonnet-20241022-v2:0", 0.4)),
        operations=(("ConverseStream", 0.7), ("Converse", 0.3)),
        id_forms=(("profile", 1.0),), geo="jp",
        input_tokens=(500, 0.8), output_tokens=(400, 0.6), language="ja", uses_cache=True,
        guardrail_share=0.01,
    ),
    Workload(
        "marketing-app-profile", 4, ACCT_PROD, "us-east-1",
        callers=(_role(ACCT_PROD, "marketing-copy", "copywriter-lambda"),),
        models=(("anthropic.claude-3-5-sonnet-20241022-v2:0", 1.0),),
        operations=(("Converse", 0.5), ("InvokeModel", 0.5)),
        id_forms=(("app_profile_arn", 1.0),),
        input_tokens=(400, 0.6), output_tokens=(500, 0.5),
        metadata_share=1.0,
        metadata=(("cost-center", ("mkt-042",)), ("campaign", ("spring", "fall"))),
        app_profile_id="a1b2c3d4e5f6",
    ),
    Workload(
        "provisioned-classifier", 3, ACCT_DATA, "us-east-1",
        callers=(_role(ACCT_DATA, "classifier", "i-0f0e0d0c0b0a09080"),),
        models=(("anthropic.claude-3-haiku-20240307-v1:0", 1.0),),
        operations=(("InvokeModel", 1.0),),
        id_forms=(("provisioned_arn", 0.7), ("foundation_arn", 0.3)),
        input_tokens=(250, 0.5), output_tokens=(20, 0.5), error_share=0.005,
        provisioned_id="x8kq2m4p7rzt",
    ),
    Workload(
        "nova-micro-router", 4, ACCT_PROD, "eu-central-1",
        callers=(_role(ACCT_PROD, "router", "router-ecs"),),
        models=(("amazon.nova-micro-v1:0", 0.6), ("amazon.nova-lite-v1:0", 0.4)),
        operations=(("Converse", 0.6), ("InvokeModel", 0.4)),
        input_tokens=(200, 0.5), output_tokens=(30, 0.6), uses_cache=True,
    ),
)
