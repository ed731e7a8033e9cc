"""The seed posts' published measurements rebuilt as ModelInvocationLog records.

Each builder returns dicts in the real record shape (as in tests.shared_data.seed_records),
built only from numbers the seeds print, so ingesting them and querying the views must give
back the seeds' own figures. Where a seed does not publish a field (token counts, request
ids, timestamps) a stand-in is used and named as such; no test asserts on a stand-in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

ACCOUNT = "123456789012"
H35_PROFILE = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
H3_PROFILE = "us.anthropic.claude-3-haiku-20240307-v1:0"
S35 = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def _request_id(seed: str, index: int) -> str:
    # Stand-in: the seeds print no ids for these runs; stable ids keep reruns idempotent.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bedrock-logbook/seed-{seed}/{index}"))


def converse_record(
    *,
    seed: str,
    index: int,
    at: dt.datetime,
    region: str,
    model_id: str,
    prompt: str,
    input_tokens: int,
    output_tokens: int,
    latency_ms: int,
    optimized: bool,
    inference_region: str | None = None,
    stop_reason: str = "end_turn",
    system: str | None = None,
) -> dict[str, Any]:
    """One Converse log record; optimized calls carry the mode as the seeds print it:
    top-level ``performanceConfig`` in upper case, the response body's in lower case."""
    body: dict[str, Any] = {"messages": [{"role": "user", "content": [{"text": prompt}]}]}
    if system is not None:
        body["system"] = [{"text": system}]
    response: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [{"text": "..."}]}},
        "stopReason": stop_reason,
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": latency_ms},
    }
    record: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": ACCOUNT,
        "identity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/seed-{seed}/session"},
        "region": region,
        "requestId": _request_id(seed, index),
        "operation": "Converse",
        "modelId": model_id,
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": body,
            "inputTokenCount": input_tokens,
        },
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": response,
            "outputTokenCount": output_tokens,
        },
    }
    if optimized:
        body["performanceConfig"] = {"latency": "optimized"}
        response["performanceConfig"] = {"latency": "optimized"}
        record["performanceConfig"] = {"latency": "OPTIMIZED"}
    if inference_region is not None:
        record["inferenceRegion"] = inference_region
    return record


# --- seed 000: twelve Converse runs of Claude 3.5 Haiku from us-east-2 (2024-12-27) -------
SEED_000_PROMPT = (
    "あなたは大学受験生です。\n問題として円周率が 3.05 以上であることの証明を求められました。\n"
    "円に内接する正八角形の面積を求めることで円周率が 3.05 以上であることを実際に計算して証明して"
    "ください。\n私は TeX の表記を読むことができるので TeX で表現してください。"
)
# (optimized, output tokens, latencyMs) exactly as printed; input was 109 tokens each time.
SEED_000_RUNS: tuple[tuple[bool, int, int], ...] = (
    (False, 301, 5641), (False, 301, 5613), (False, 301, 5961),
    (False, 1, 730), (False, 1, 514), (False, 1, 621),
    (True, 301, 3184), (True, 301, 3129), (True, 301, 3035),
    (True, 1, 312), (True, 1, 362), (True, 1, 411),
)
# The seed's own arithmetic: output speed 58 -> 109 tokens/s; 1-token means 622 and 362 ms.
SEED_000_TOKENS_PER_S = {"standard": 300 / (5738.33 - 621.67) * 1000,
                         "optimized": 300 / (3116.0 - 361.67) * 1000}


def seed_000_records() -> list[dict[str, Any]]:
    start = dt.datetime(2024, 12, 27, 3, 0, tzinfo=dt.UTC)  # stand-in: post date
    return [
        converse_record(
            seed="000", index=i, at=start + dt.timedelta(minutes=i), region="us-east-2",
            model_id=H35_PROFILE, prompt=SEED_000_PROMPT, input_tokens=109,
            output_tokens=out, latency_ms=ms, optimized=opt, stop_reason="max_tokens",
        )
        for i, (opt, out, ms) in enumerate(SEED_000_RUNS)
    ]


# --- seed 001: ten prompts x {Claude 3 Haiku, 3.5 Haiku standard, 3.5 Haiku optimized} -----
SEED_001_PROMPTS = (
    "PythonでWebスクレイピングを行う際の基本的なコードと注意点を説明してください。BeautifulSoupの使用例も含めてください。",  # noqa: E501 (verbatim)
    "FastAPIで認証機能付きのRESTful APIを実装するためのベストプラクティスを教えてください。コード例も含めて説明してください。",  # noqa: E501 (verbatim)
    "マイクロサービスアーキテクチャとモノリシックアーキテクチャの比較を行い、それぞれの適用場面について具体例を挙げて説明してください。",  # noqa: E501 (verbatim)
    "大規模なデータ処理システムでパフォーマンスの問題が発生した場合、どのような手順で原因特定と改善を行いますか?具体的な手順を説明してください。",  # noqa: E501 (verbatim)
    "ChatGPTやClaudeなどの大規模言語モデルが企業にもたらす影響について、メリットとリスクの両面から500文字程度で分析してください。",  # noqa: E501 (verbatim)
    "ブロックチェーン技術について、技術に詳しくない経営者向けに分かりやすく説明してください。具体的なユースケースも含めてください。",  # noqa: E501 (verbatim)
    "以下の内容を日本語、英語、中国語で書いてください:ソフトウェア開発における品質管理の重要性について、3つのポイントを挙げて説明してください。",  # noqa: E501 (verbatim)
    "機械学習プロジェクトの進め方について、プロジェクトマネージャー向けに日本語と英語で説明してください。",  # noqa: E501 (verbatim)
    "コンテナ技術(Docker)について、これから学ぼうとする初心者エンジニアに向けて、基本概念から実践的な使用方法まで段階的に説明してください。",  # noqa: E501 (verbatim)
    "CI/CDパイプラインの構築について、GitHubActionsを例に挙げて具体的な実装方法を説明してください。サンプルの設定ファイルも含めてください。",  # noqa: E501 (verbatim)
)
# Per prompt: (Claude 3 Haiku, 3.5 standard, 3.5 optimized), each (inference region,
# seconds, output tokens, tokens/s), then the published improvement %, all from the table.
SEED_001_TABLE: tuple[tuple[tuple[tuple[str, float, int, float], ...], float], ...] = (
    ((("us-west-2", 7.07, 792, 112.02), ("us-west-2", 25.38, 1595, 62.84),
      ("us-east-2", 15.43, 1602, 103.82)), 39.2),
    ((("us-east-1", 10.41, 1125, 108.07), ("us-west-2", 35.68, 2375, 66.56),
      ("us-east-2", 27.80, 2229, 80.18)), 22.1),
    ((("us-west-2", 9.99, 667, 66.77), ("us-west-2", 19.89, 1037, 52.14),
      ("us-east-2", 13.86, 1130, 81.53)), 30.3),
    ((("us-east-1", 8.82, 713, 80.84), ("us-west-2", 18.23, 928, 50.90),
      ("us-east-2", 11.45, 1082, 94.50)), 37.2),
    ((("us-west-2", 7.35, 514, 69.93), ("us-west-2", 8.34, 318, 38.13),
      ("us-east-2", 5.62, 317, 56.41)), 32.6),
    ((("us-west-2", 8.35, 481, 57.60), ("us-west-2", 7.09, 364, 51.34),
      ("us-east-2", 6.66, 589, 88.44)), 6.1),
    ((("us-east-1", 4.69, 445, 94.88), ("us-west-2", 13.00, 739, 56.85),
      ("us-east-2", 7.48, 726, 97.06)), 42.5),
    ((("us-east-1", 7.09, 688, 97.04), ("us-west-2", 7.45, 414, 55.57),
      ("us-east-2", 5.47, 476, 87.02)), 26.6),
    ((("us-east-1", 12.56, 829, 66.00), ("us-west-2", 20.17, 1069, 53.00),
      ("us-east-2", 13.05, 1087, 83.30)), 35.3),
    ((("us-west-2", 9.30, 719, 77.31), ("us-west-2", 22.73, 1368, 60.18),
      ("us-east-2", 13.23, 1391, 105.14)), 41.8),
)
SEED_001_INPUT_TOKENS = 80  # stand-in: the post does not publish input token counts


def seed_001_records() -> list[dict[str, Any]]:
    """The seed called InvokeModel and timed it on the client; an InvokeModel log record
    carries no latency, so the runs are rebuilt as Converse records whose ``latencyMs`` is
    the published response time (the table's tokens/s is output tokens / that time)."""
    start = dt.datetime(2024, 12, 16, 13, 0, tzinfo=dt.UTC)  # stand-in: the run date
    records: list[dict[str, Any]] = []
    for p, (runs, _improvement) in enumerate(SEED_001_TABLE):
        for m, (inference_region, seconds, out, _tps) in enumerate(runs):
            index = 3 * p + m
            records.append(converse_record(
                seed="001", index=index, at=start + dt.timedelta(minutes=index),
                region="us-east-2", model_id=H3_PROFILE if m == 0 else H35_PROFILE,
                prompt=SEED_001_PROMPTS[p], input_tokens=SEED_001_INPUT_TOKENS,
                output_tokens=out, latency_ms=round(seconds * 1000), optimized=m == 2,
                inference_region=inference_region,
            ))
    return records


# --- seed 004: ten profile and ten direct runs from us-east-1 --------------------------------
# The seed's text calls both sides Claude 3.5 Sonnet, but its timing code sent the profile
# request to us.anthropic.claude-3-sonnet-20240229-v1:0 (Claude 3 Sonnet) and the direct one
# to anthropic.claude-3-5-sonnet-20240620-v1:0, and its printed log record is that profile
# call: modelId us.anthropic.claude-3-sonnet-20240229-v1:0, latencyMs 11759, inferenceRegion
# us-west-2 -- run 01 of the table (11.76 s, us-west-2). So the table compares two models;
# the fixture follows the code and the log record.
S3_PROFILE = "us.anthropic.claude-3-sonnet-20240229-v1:0"
SEED_004_SYSTEM = "あなたは AWS サービスの専門家であり、常に正確で簡潔な回答を提供します。"
SEED_004_PROMPT = "S3、EBS、EFS の違いを教えてください。日本語で回答してください。"
# (profile seconds, serving Region, direct seconds), as printed.
SEED_004_TABLE: tuple[tuple[float, str, float], ...] = (
    (11.76, "us-west-2", 7.57), (8.76, "us-east-1", 5.77), (9.16, "us-west-2", 6.29),
    (8.43, "us-west-2", 7.11), (12.44, "us-west-2", 6.73), (7.91, "us-east-1", 6.84),
    (8.80, "us-west-2", 6.29), (10.38, "us-east-1", 6.83), (9.57, "us-west-2", 6.61),
    (11.88, "us-west-2", 6.96),
)


def seed_004_records() -> list[dict[str, Any]]:
    start = dt.datetime(2024, 8, 31, 7, 0, tzinfo=dt.UTC)  # stand-in: near the printed record
    records: list[dict[str, Any]] = []
    for i, (profile_s, served_in, direct_s) in enumerate(SEED_004_TABLE):
        for j, (model_id, seconds, inference_region) in enumerate((
            (S3_PROFILE, profile_s, served_in),
            (S35, direct_s, None),
        )):
            index = 2 * i + j
            records.append(converse_record(
                seed="004", index=index, at=start + dt.timedelta(minutes=index),
                region="us-east-1", model_id=model_id, prompt=SEED_004_PROMPT,
                system=SEED_004_SYSTEM,
                # stand-in token counts: those of the seed's printed record
                input_tokens=65, output_tokens=560, latency_ms=round(seconds * 1000),
                optimized=False, inference_region=inference_region,
            ))
    return records
