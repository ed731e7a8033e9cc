"""Filler text for generated prompts and answers.

Word salad from a fixed vocabulary: cheap to make (a million records must generate quickly)
and about as compressible as real chat text, so compressed-MB/s figures stay honest.
"""

from __future__ import annotations

import random

_EN = (
    "the a an of to in for on with by from and or but not is are was were be been has have "
    "this that these those it its we you they our your their please can could would should "
    "will may must also then when where which while because if so as at into over under "
    "service request response model latency token tokens region profile inference prompt "
    "answer question customer order invoice account billing refund shipment delivery status "
    "error timeout retry quota limit throughput cost price budget report summary document "
    "section table figure chart dashboard metric p50 p90 p99 median average percent increase "
    "decrease week month quarter year today yesterday tomorrow morning evening deploy release "
    "build test pipeline branch commit review merge function class module package library "
    "python typescript java rust sql query index partition parquet lake bucket object key "
    "json schema field column row value null default optional required config setting flag "
    "user team manager engineer analyst support sales marketing finance legal security "
    "policy access role permission identity session login password encrypt decrypt secret "
    "explain describe compare list show find check update create delete rename move copy "
    "fast slow small large new old first last next previous better worse same different "
    "important urgent simple complex clear short long detailed brief exact approximate "
    "kubernetes lambda container cluster node instance volume network subnet gateway cache "
    "storage database replica backup restore migrate upgrade downgrade rollback incident "
    "alert page oncall runbook postmortem root cause mitigation follow-up action item owner"
).split()

_JA = (
    "桃太郎 は どこ で 生まれ ました か 川 で 見つけた 桃 の 中 から おじいさん おばあさん "
    "推論 モデル レイテンシ 最適化 リージョン 料金 ログ 確認 設定 結果 回答 質問 資料 要約 "
    "比較 説明 手順 注意 事項 東京 大阪 オレゴン バージニア オハイオ です ます した"
).split()


def words(rng: random.Random, count: int, language: str = "en") -> str:
    """``count`` space-separated words, first one capitalised, ending with a full stop."""
    vocab = _JA if language == "ja" else _EN
    out = rng.choices(vocab, k=max(1, count))
    text = " ".join(out)
    return text[:1].upper() + text[1:] + "."


def split_text(text: str, pieces: int) -> list[str]:
    """Cut ``text`` into at most ``pieces`` consecutive chunks (stream deltas)."""
    pieces = max(1, min(pieces, len(text)))
    step = -(-len(text) // pieces)
    return [text[i : i + step] for i in range(0, len(text), step)]
