"""Every metric the views and dashboard panels expose: one name, one definition.

``METRICS`` is the single declaration: docs/metrics.md is generated from it
(``scripts/gen_docs.py``), and tests/test_metrics.py fails when a view or panel exposes a
column that is neither declared here nor a key, when a column name belongs to two metrics, or
when the doc is stale. A column may carry a prefix naming the subset of the group it covers
(``standard_p50_latency_ms`` is ``p50_latency_ms`` over the standard-mode rows).
"""

from __future__ import annotations

from dataclasses import dataclass

# Smallest group a percentile is shown for (the guarded_quantile SQL macro applies them).
PERCENTILE_MIN_N = 20
P99_MIN_N = 100

# A prefix restricting a metric to a subset of the row's group.
SUBSET_PREFIXES = {
    "standard": "requests in the standard latency mode",
    "optimized": "requests in the optimized latency mode",
    "profile": "calls through a cross-region inference profile",
    "direct": "direct calls (no inference profile)",
}

# Columns that are not metrics: group keys, labels, timestamps and record fields passed
# through unchanged (run records, quarantine entries, sampled points).
KEYS = frozenset({
    "day", "dimension", "value", "model", "model_id", "region", "inference_region",
    "served_latency", "served_mode", "requested_mode", "profile_scope", "operation", "caller",
    "metadata_key", "metadata_value", "error_code", "reason", "fallback_reason", "latency_mode",
    "prompt_fp", "source_region", "example_source", "example_detail", "first_ts", "last_ts",
    "newest_ts", "newest_run_finished_at", "newest_record", "last_run_finished", "run_id",
    "started_at", "finished_at", "seconds", "source", "source_line", "detail", "request_id",
    "objects", "skipped_objects", "lines", "rows_written", "duplicates", "conflicting",
    "bytes_in",
    "price_source", "priced", "first_day", "last_day", "models", "regions",
    "inference_regions", "served_modes", "operations", "callers", "bin_start_ms", "bin_end_ms",
    "fitted_latency_ms", "grain",
})
# Single requests' own values (points of a scatter or a line), not aggregates.
POINTS = frozenset({
    "panel:latency_vs_tokens_sample.output_tokens", "panel:latency_vs_tokens_sample.latency_ms",
    "panel:decode_fit_line.output_tokens",
})

_GROUP = "per row of the view or panel (its group of requests)"
_SUCCESS_WITH_BOTH = ("failed calls (error_code set); calls without a latency or without "
                      "output tokens")


@dataclass(frozen=True)
class Metric:
    name: str
    formula: str
    grain: str
    excludes: str
    where: tuple[str, ...]  # "view.column" or "panel:name.column"


def _pctl(q: str, level: str, min_n: int, where: tuple[str, ...]) -> Metric:
    return Metric(
        f"p{q}_latency_ms",
        f"`guarded_quantile(latency_ms, {level})`: the {q}th percentile (linear interpolation, "
        f"`quantile_cont`) of server-side latency; NULL when fewer than {min_n} requests in "
        "the group have a latency. Views and panels over the rollups (docs/rollups.md) merge "
        f"sketches instead, `rollup_quantile(latency_ms_sketch, latency_ms_count, {level})`: "
        "the order statistic of rank floor(q (n - 1)) within 1%, same minimum n",
        _GROUP,
        f"requests without a latency; groups with fewer than {min_n} of them",
        tuple(w.replace("*", f"p{q}_latency_ms") for w in where),
    )


METRICS: tuple[Metric, ...] = (
    # --- volumes -----------------------------------------------------------------------------
    Metric("requests", "`count(*)`", _GROUP, "nothing (failed and unpriced calls count)", (
        "cache_savings.requests", "cost_by_dimension.requests", "cost_by_metadata_key.requests",
        "errors_daily.requests", "freshness.requests", "guardrail_interventions.requests",
        "latency_by_region_mode.requests", "latency_by_region_mode_daily.requests",
        "latency_coverage.requests", "mode_comparison.standard_requests",
        "mode_comparison.optimized_requests", "routing_pairs.requests",
        "routing_profile_vs_direct.profile_requests", "routing_profile_vs_direct.direct_requests",
        "summary_overview.requests", "unpriced_by_model.requests", "rollup_usage_daily.requests",
        "panel:cache_usage.requests", "panel:cost_by_dimension.requests",
        "panel:cost_by_metadata.requests", "panel:fallbacks_daily.requests",
        "panel:filter_options.requests", "panel:health_freshness.requests",
        "panel:health_latency_coverage.requests", "panel:latency_histogram.requests",
        "panel:mode_matrix.requests", "panel:mode_what_if.requests",
        "panel:overview_daily.requests", "panel:overview_kpis.requests",
        "panel:price_sources.requests", "panel:profile_vs_direct.requests",
        "panel:routing_matrix.requests",
    )),
    Metric("requests_with_latency",
           "`count(latency_ms)`: requests in the group whose log carries a latency; the n of "
           "every latency percentile and mean", _GROUP, "requests without a latency", (
               "latency_by_region_mode.requests_with_latency",
               "latency_by_region_mode_daily.requests_with_latency",
               "latency_coverage.requests_with_latency",
               "rollup_latency_daily.requests_with_latency",
               "mode_comparison.standard_requests_with_latency",
               "mode_comparison.optimized_requests_with_latency",
               "routing_pairs.requests_with_latency",
               "routing_profile_vs_direct.profile_requests_with_latency",
               "routing_profile_vs_direct.direct_requests_with_latency",
               "summary_overview.requests_with_latency",
               "panel:latency_percentiles.requests_with_latency",
               "panel:mode_matrix.requests_with_latency",
               "panel:overview_kpis.requests_with_latency",
               "panel:profile_vs_direct.requests_with_latency",
               "panel:routing_matrix.requests_with_latency",
               "panel:mode_what_if.standard_requests_with_latency",
               "panel:mode_what_if.optimized_requests_with_latency",
           )),
    Metric("n",
           "`regr_count(latency_ms, output_tokens)`: successful calls with both a latency and "
           "output tokens; the rows behind decode speed, throughput and tokens/s percentiles",
           _GROUP, _SUCCESS_WITH_BOTH, (
               "decode_speed.n", "decode_speed_by_region.n", "rollup_decode_fit.n",
               "panel:decode_fit.n",
               "panel:tokens_per_s.n",
           )),
    Metric("requests_with_first_byte", "`count(first_byte_ms)`", _GROUP,
           "requests without a first-byte latency (only streamed InvokeModel logs one)",
           ("latency_coverage.requests_with_first_byte",)),
    Metric("requests_with_cache_read", "`count(*) FILTER (WHERE cache_read_tokens > 0)`",
           _GROUP, "unpriced requests (the view covers priced requests only)",
           ("cache_savings.requests_with_cache_read",)),
    Metric("unpriced_requests", "`count(*) FILTER (WHERE NOT priced)`", _GROUP, "nothing", (
        "cost_by_dimension.unpriced_requests", "cost_by_metadata_key.unpriced_requests",
        "summary_overview.unpriced_requests", "rollup_usage_daily.unpriced_requests",
        "panel:cost_by_dimension.unpriced_requests",
        "panel:cost_by_metadata.unpriced_requests", "panel:overview_kpis.unpriced_requests",
    )),
    Metric("priced_share", "`count(*) FILTER (WHERE priced) / count(*)`: the share of requests "
           "whose cost is known", _GROUP, "nothing (unpriced requests count in the denominator)", (
        "cost_by_dimension.priced_share", "cost_by_metadata_key.priced_share",
        "summary_overview.priced_share", "panel:cost_by_dimension.priced_share",
        "panel:cost_by_metadata.priced_share", "panel:overview_kpis.priced_share",
    )),
    Metric("errors", "`count(*) FILTER (WHERE error_code IS NOT NULL)`: failed calls", _GROUP,
           "successful calls", ("errors_daily.errors", "rollup_usage_daily.errors",
                                "panel:overview_daily.errors")),
    Metric("interventions", "`count(*) FILTER (WHERE guardrail_action = 'INTERVENED')`",
           _GROUP, "requests where no guardrail intervened",
           ("guardrail_interventions.interventions",)),
    Metric("callers_intervened",
           "`count(DISTINCT caller) FILTER (WHERE guardrail_action = 'INTERVENED')`", _GROUP,
           "callers no guardrail intervened on", ("guardrail_interventions.callers_intervened",)),
    Metric("requested_optimized", "`count(*)` of requests asking for the optimized mode",
           "per day x model", "requests asking for standard (or nothing)",
           ("served_vs_requested.requested_optimized",)),
    Metric("served_optimized", "`count(*) FILTER (WHERE served_latency = 'optimized')`",
           _GROUP, "requests served standard or whose served mode is unknown", (
               "served_vs_requested.served_optimized", "panel:mode_what_if.served_optimized",
           )),
    Metric("fallbacks",
           "`count(*) FILTER (WHERE served_latency = 'standard')` among requests asking for "
           "optimized", "per day x model", "requests served optimized or of unknown served mode",
           ("served_vs_requested.fallbacks",)),
    Metric("served_unknown",
           "`count(*) FILTER (WHERE served_latency IS NULL)` among requests asking for "
           "optimized", "per day x model", "requests whose served mode is known",
           ("served_vs_requested.served_unknown",)),
    Metric("fallbacks_by_reason",
           "`histogram(coalesce(fallback_reason, 'unknown'))` over the fallbacks",
           "per day x model", "requests that were not fallbacks",
           ("served_vs_requested.fallbacks_by_reason",)),
    Metric("calls",
           "`count(*)` of successful calls with a latency of the same prompt in that mode "
           "(`prompt_pairs_same_day`: `sum(calls)` of the same-day pairs table, over the UTC "
           "days the prompt ran in both modes)",
           "per model x prompt_fp", "failed calls; calls without a latency or prompt_fp; in "
           "`prompt_pairs_same_day`, days the prompt ran in one mode only", (
               "mode_prompt_pairs.standard_calls", "mode_prompt_pairs.optimized_calls",
               "prompt_pairs_same_day.standard_calls", "prompt_pairs_same_day.optimized_calls",
           )),
    Metric("paired_prompts",
           "`count(*)` of prompts (prompt_fp) run successfully in both modes (in "
           "`prompt_pairs_by_model` and the Modes page: both modes on the same UTC day)",
           "per model", "prompts run in one mode only (or, same-day, never both ways on one "
           "day)", ("mode_comparison.paired_prompts", "prompt_pairs_by_model.paired_prompts")),
    Metric("paired_days",
           "`count(DISTINCT day)` of UTC days on which the prompt ran successfully in both modes",
           "per model x prompt_fp", "days the prompt ran in one mode only",
           ("prompt_pairs_same_day.paired_days",)),
    Metric("runs", "`count(*)` of committed ingest runs", "whole lake", "nothing",
           ("freshness.runs", "panel:health_freshness.runs")),
    Metric("quarantined", "input lines quarantined (count of quarantine entries; for a run, "
           "the run's own count)", "per reason, per run or whole lake", "lines that became rows "
           "or duplicates", (
               "quarantine_reasons.quarantined", "ingest_runs.quarantined",
               "panel:health_freshness.quarantined", "panel:health_quarantine_reasons.quarantined",
               "panel:health_runs.quarantined",
           )),
    Metric("sources", "`count(DISTINCT source)` of quarantined lines", "per quarantine reason",
           "nothing", ("quarantine_reasons.sources", "panel:health_quarantine_reasons.sources")),
    # --- tokens ------------------------------------------------------------------------------
    Metric("input_tokens", "`sum(input_tokens)`: non-cached input tokens", _GROUP,
           "cache reads and writes (their own columns)", (
               "cache_savings.input_tokens", "cost_by_dimension.input_tokens",
               "cost_by_metadata_key.input_tokens", "summary_overview.input_tokens",
               "unpriced_by_model.input_tokens", "rollup_usage_daily.input_tokens",
               "panel:cache_usage.input_tokens",
               "panel:cost_by_dimension.input_tokens", "panel:overview_kpis.input_tokens",
           )),
    Metric("output_tokens", "`sum(output_tokens)`", _GROUP, "nothing", (
        "cost_by_dimension.output_tokens", "cost_by_metadata_key.output_tokens",
        "summary_overview.output_tokens", "unpriced_by_model.output_tokens",
        "rollup_usage_daily.output_tokens",
        "panel:cost_by_dimension.output_tokens", "panel:overview_kpis.output_tokens",
    )),
    Metric("cache_read_tokens", "`sum(cache_read_tokens)`", _GROUP, "nothing", (
        "cache_savings.cache_read_tokens", "summary_overview.cache_read_tokens",
        "panel:cache_usage.cache_read_tokens",
    )),
    Metric("cache_write_tokens", "`sum(cache_write_tokens)` (both TTLs)", _GROUP, "nothing", (
        "cache_savings.cache_write_tokens", "summary_overview.cache_write_tokens",
        "panel:cache_usage.cache_write_tokens",
    )),
    Metric("cache_tokens", "`sum(cache_read_tokens) + sum(cache_write_tokens)`", _GROUP,
           "non-cached input and output", ("panel:overview_kpis.cache_tokens",)),
    Metric("total_tokens",
           "input + output + cache read + cache write tokens (`invocations.total_tokens`, "
           "summed over the group)", _GROUP, "nothing", (
               "invocations.total_tokens", "routing_pairs.total_tokens",
               "rollup_usage_daily.total_tokens", "panel:overview_daily.total_tokens",
           )),
    Metric("largest_output_tokens",
           "`max(fit_sum_x / fit_n)` over the group's rollup rows: the largest mean output of "
           "a rollup row, a lower bound of `max(output_tokens)` (the rollup keeps no "
           "per-request maximum); where a fitted line ends", _GROUP, _SUCCESS_WITH_BOTH,
           ("panel:decode_fit.largest_output_tokens",)),
    # --- shares and rates --------------------------------------------------------------------
    Metric("share_optimized",
           "`count(*) FILTER (WHERE served_latency = 'optimized') / count(*)`: share of all "
           "requests served in the optimized mode", _GROUP,
           "nothing from the denominator (failed calls and unknown served mode count as not "
           "optimized)",
           ("summary_overview.share_optimized", "panel:overview_kpis.share_optimized")),
    Metric("share_cross_region", "`count(*) FILTER (WHERE cross_region) / count(*)`", _GROUP,
           "nothing from the denominator", (
               "summary_overview.share_cross_region", "panel:overview_kpis.share_cross_region",
               "panel:profile_vs_direct.share_cross_region",
           )),
    Metric("error_rate", "`count(*) FILTER (WHERE error_code IS NOT NULL) / count(*)` (in "
           "errors_daily: the failures with that error code over all the model's requests "
           "that day)", _GROUP, "nothing from the denominator", (
               "errors_daily.error_rate", "summary_overview.error_rate",
               "panel:overview_kpis.error_rate",
           )),
    Metric("intervention_rate", "`interventions / requests`", "per day x model",
           "nothing from the denominator", ("guardrail_interventions.intervention_rate",)),
    Metric("fallback_rate", "`fallbacks / (requests asking optimized whose served mode is "
           "known)`", "per day x model", "requests of unknown served mode",
           ("served_vs_requested.fallback_rate",)),
    Metric("cache_hit_ratio",
           "`sum(cache_read_tokens) / (sum(input_tokens) + sum(cache_read_tokens) + "
           "sum(cache_write_tokens))`: share of all prompt tokens read from the cache", _GROUP,
           "output tokens; in cache_savings, unpriced requests", (
               "cache_savings.cache_hit_ratio", "panel:cache_usage.cache_hit_ratio",
           )),
    Metric("latency_share", "`requests_with_latency / requests`", _GROUP, "nothing",
           ("latency_coverage.latency_share", "panel:health_latency_coverage.latency_share")),
    Metric("share_served_mode_known", "`count(served_latency) / count(*)`", _GROUP, "nothing",
           ("panel:health_latency_coverage.share_served_mode_known",)),
    Metric("request_share",
           "`requests / sum(requests)` over the same model, profile scope and source Region",
           "per model x profile_scope x region x inference_region", "nothing",
           ("routing_pairs.request_share",)),
    Metric("token_share",
           "`total_tokens / sum(total_tokens)` over the same model, profile scope and source "
           "Region", "per model x profile_scope x region x inference_region", "nothing",
           ("routing_pairs.token_share",)),
    Metric("profile_rerouted_share",
           "`count(*) FILTER (WHERE cross_region) / count(*)` over profile calls",
           "per model x region x served_latency", "failed calls; direct calls",
           ("routing_profile_vs_direct.profile_rerouted_share",)),
    Metric("written_share", "`rows_written / lines` of an ingest run", "per ingest run",
           "nothing", ("ingest_runs.written_share",)),
    Metric("lines_per_s", "`lines / seconds` of an ingest run", "per ingest run", "nothing",
           ("ingest_runs.lines_per_s",)),
    Metric("mib_per_s", "`bytes_in / 2^20 / seconds` of an ingest run", "per ingest run",
           "nothing", ("ingest_runs.mib_per_s",)),
    Metric("newest_ts_age_hours", "hours from the newest invocation's `ts` to now",
           "whole lake", "nothing", ("freshness.newest_ts_age_hours",)),
    Metric("newest_run_age_hours", "hours from the newest run's `finished_at` to now",
           "whole lake", "nothing", ("freshness.newest_run_age_hours",)),
    # --- latency -----------------------------------------------------------------------------
    _pctl("50", "0.5", PERCENTILE_MIN_N, (
        "latency_by_region_mode.*", "latency_by_region_mode_daily.*", "routing_pairs.*",
        "rollup_latency_daily.*",
        "summary_overview.*", "mode_comparison.standard_*", "mode_comparison.optimized_*",
        "routing_profile_vs_direct.profile_*", "routing_profile_vs_direct.direct_*",
        "panel:latency_percentiles.*", "panel:mode_matrix.*", "panel:overview_kpis.*",
        "panel:profile_vs_direct.*", "panel:routing_matrix.*", "panel:mode_what_if.standard_*",
        "panel:mode_what_if.optimized_*",
    )),
    _pctl("90", "0.9", PERCENTILE_MIN_N, (
        "latency_by_region_mode.*", "latency_by_region_mode_daily.*", "rollup_latency_daily.*",
        "panel:latency_percentiles.*",
    )),
    _pctl("99", "0.99", P99_MIN_N, (
        "latency_by_region_mode.*", "latency_by_region_mode_daily.*", "summary_overview.*",
        "rollup_latency_daily.*",
        "panel:latency_percentiles.*", "panel:overview_kpis.*", "panel:profile_vs_direct.*",
        "panel:routing_matrix.*",
    )),
    Metric("mean_latency_ms", "`avg(latency_ms)`", _GROUP, "requests without a latency", (
        "latency_by_region_mode.mean_latency_ms", "latency_by_region_mode_daily.mean_latency_ms",
        "routing_pairs.mean_latency_ms", "routing_profile_vs_direct.profile_mean_latency_ms",
        "routing_profile_vs_direct.direct_mean_latency_ms",
        "mode_prompt_pairs.standard_mean_latency_ms",
        "mode_prompt_pairs.optimized_mean_latency_ms",
        "prompt_pairs_same_day.standard_mean_latency_ms",
        "prompt_pairs_same_day.optimized_mean_latency_ms",
        "panel:latency_percentiles.mean_latency_ms", "rollup_latency_daily.mean_latency_ms",
    )),
    Metric("mean_latency_diff_ms",
           "`profile_mean_latency_ms - direct_mean_latency_ms` for the same base model, source "
           "Region and served mode", "per model x region x served_latency",
           "failed calls; rows with no profile or no direct calls (NULL)",
           ("routing_profile_vs_direct.mean_latency_diff_ms",)),
    Metric("latency_improvement",
           "`1 - optimized_mean_latency_ms / standard_mean_latency_ms` for one prompt "
           "(`prompt_pairs_same_day`: means over the UTC days it ran in both modes)",
           "per model x prompt_fp", "failed calls; calls without a latency",
           ("mode_prompt_pairs.latency_improvement", "prompt_pairs_same_day.latency_improvement")),
    Metric("latency_improvement_pct",
           "`100 * avg(latency_improvement)` over the model's paired prompts (in "
           "`prompt_pairs_by_model` and the Modes page's `mode_comparison_summary`: prompts "
           "run both ways on the same UTC day)", "per model",
           "prompts not run in both modes", ("mode_comparison.latency_improvement_pct",
                                             "prompt_pairs_by_model.latency_improvement_pct")),
    Metric("p50_latency_improvement_pct",
           "`100 * (1 - optimized_p50_latency_ms / standard_p50_latency_ms)`", "per model",
           f"NULL unless both modes have {PERCENTILE_MIN_N} requests with a latency",
           ("mode_comparison.p50_latency_improvement_pct",)),
    # --- speed -------------------------------------------------------------------------------
    Metric("mean_output_tokens_per_s",
           "`avg(output_tokens_per_s)`: the mean of each request's own "
           "`output_tokens * 1000 / latency_ms` (whole request, prompt processing included)",
           _GROUP, _SUCCESS_WITH_BOTH, (
               "latency_by_region_mode.mean_output_tokens_per_s",
               "latency_by_region_mode_daily.mean_output_tokens_per_s",
               "mode_comparison.standard_mean_output_tokens_per_s",
               "mode_comparison.optimized_mean_output_tokens_per_s",
           )),
    Metric("p50_output_tokens_per_s",
           f"`guarded_quantile(output_tokens_per_s, 0.5)` (NULL below n = {PERCENTILE_MIN_N})",
           _GROUP, _SUCCESS_WITH_BOTH, ("panel:tokens_per_s.p50_output_tokens_per_s",)),
    Metric("p90_output_tokens_per_s",
           f"`guarded_quantile(output_tokens_per_s, 0.9)` (NULL below n = {PERCENTILE_MIN_N})",
           _GROUP, _SUCCESS_WITH_BOTH, ("panel:tokens_per_s.p90_output_tokens_per_s",)),
    Metric("throughput_tokens_per_s",
           "`sum(output_tokens) * 1000 / sum(latency_ms)`: a ratio of sums, so long requests "
           "weigh more than in the mean of ratios", _GROUP, _SUCCESS_WITH_BOTH, (
               "decode_speed.throughput_tokens_per_s",
               "decode_speed_by_region.throughput_tokens_per_s",
               "latency_by_region_mode.throughput_tokens_per_s",
               "latency_by_region_mode_daily.throughput_tokens_per_s",
               "panel:tokens_per_s.throughput_tokens_per_s",
           )),
    Metric("decode_tokens_per_s",
           "`1000 / regr_slope(latency_ms, output_tokens)`: the marginal speed of one more "
           "output token, from a least-squares line of latency on output tokens (fixed "
           "overhead removed); NULL when the slope is not positive or all outputs have one "
           "length", _GROUP, _SUCCESS_WITH_BOTH, (
               "decode_speed.decode_tokens_per_s", "decode_speed_by_region.decode_tokens_per_s",
               "rollup_decode_fit.decode_tokens_per_s", "panel:decode_fit.decode_tokens_per_s",
           )),
    Metric("ms_per_output_token", "`regr_slope(latency_ms, output_tokens)` (NULL without "
           "spread in output length)", _GROUP, _SUCCESS_WITH_BOTH, (
               "decode_speed.ms_per_output_token", "decode_speed_by_region.ms_per_output_token",
               "rollup_decode_fit.ms_per_output_token", "panel:decode_fit.ms_per_output_token",
           )),
    Metric("intercept_ms", "`regr_intercept(latency_ms, output_tokens)`: the fixed overhead "
           "(time to first token plus prompt processing)", _GROUP, _SUCCESS_WITH_BOTH, (
               "decode_speed.intercept_ms", "decode_speed_by_region.intercept_ms",
               "rollup_decode_fit.intercept_ms", "panel:decode_fit.intercept_ms",
           )),
    Metric("r2", "`regr_r2(latency_ms, output_tokens)`: how well the line fits", _GROUP,
           _SUCCESS_WITH_BOTH, (
               "decode_speed.r2", "decode_speed_by_region.r2", "rollup_decode_fit.r2",
               "panel:decode_fit.r2",
           )),
    # --- money -------------------------------------------------------------------------------
    Metric("cost_usd",
           "per request (`invocations.cost_usd`): each token class times its rate for the "
           "billed mode, per million; for a group, `sum(cost_usd)` of its priced requests",
           "per request, summed per group", "unpriced requests (counted in "
           "unpriced_requests)", (
               "invocations.cost_usd", "cache_savings.cost_usd", "cost_by_dimension.cost_usd",
               "cost_by_metadata_key.cost_usd", "summary_overview.cost_usd",
               "rollup_usage_daily.cost_usd",
               "panel:cost_by_dimension.cost_usd", "panel:cost_by_metadata.cost_usd",
               "panel:cost_daily_by_model.cost_usd", "panel:fallbacks_daily.cost_usd",
               "panel:mode_matrix.cost_usd", "panel:overview_daily.cost_usd",
               "panel:overview_kpis.cost_usd", "panel:price_sources.cost_usd",
           )),
    Metric("billed_cost_usd", "`sum(cost_usd)` of the requests asking for optimized",
           "per day x model", "unpriced requests", ("served_vs_requested.billed_cost_usd",)),
    Metric("requested_cost_usd",
           "the same tokens priced at the requested mode's rates (`invocations."
           "requested_cost_usd`; summed per group)", "per request, summed per group",
           "requests the requested mode has no price for", (
               "invocations.requested_cost_usd", "served_vs_requested.requested_cost_usd",
           )),
    Metric("saved_by_fallback_usd", "`sum(requested_cost_usd - cost_usd)`: what being served "
           "standard instead of optimized saved", _GROUP, "unpriced requests", (
               "served_vs_requested.saved_by_fallback_usd",
               "panel:fallbacks_daily.saved_by_fallback_usd",
           )),
    Metric("no_cache_cost_usd", "every prompt token (input, cache read, cache write) at the "
           "input rate plus output at the output rate, summed", "per model",
           "unpriced requests", ("cache_savings.no_cache_cost_usd",)),
    Metric("savings_usd", "`no_cache_cost_usd - cost_usd`", "per model", "unpriced requests",
           ("cache_savings.savings_usd",)),
    Metric("cache_read_savings_usd",
           "`sum(cache_read_tokens * (input_rate - cache_read_rate)) / 1e6`", _GROUP,
           "unpriced requests", ("panel:cache_usage.cache_read_savings_usd",)),
    Metric("cache_write_premium_usd",
           "`sum(cache_write_tokens * (cache_write_rate - input_rate)) / 1e6`", _GROUP,
           "unpriced requests", ("panel:cache_usage.cache_write_premium_usd",)),
    Metric("list_usd_per_1k_output",
           "the price table's output rate (USD per million, `/ 1000`) that applied to the "
           "model's most recent request in that mode: a list price, no input or cache cost",
           "per model", "requests with no output price", (
               "mode_comparison.standard_list_usd_per_1k_output",
               "mode_comparison.optimized_list_usd_per_1k_output",
           )),
    Metric("observed_usd_per_request",
           "`avg(cost_usd)` over successful priced requests in that mode: what a request "
           "really cost, input, output and cache tokens included", "per model",
           "failed calls; unpriced requests", (
               "mode_comparison.standard_observed_usd_per_request",
               "mode_comparison.optimized_observed_usd_per_request",
           )),
    Metric("cost_per_1k_requests_usd", "`coalesce(sum(cost_usd), 0) / count(*) * 1000`",
           _GROUP, "nothing from the denominator (unpriced requests count as $0 there)",
           ("panel:profile_vs_direct.cost_per_1k_requests_usd",)),
    Metric("actual_cost_usd", "`sum(cost_usd)` of the selection's priced requests", "per model",
           "unpriced requests", ("panel:mode_what_if.actual_cost_usd",)),
    Metric("all_optimized_cost_usd", "the same tokens at the optimized rates the model was "
           "billed in the selection", "per model", "unpriced requests",
           ("panel:mode_what_if.all_optimized_cost_usd",)),
    Metric("all_standard_cost_usd", "the same tokens at the standard rates the model was "
           "billed in the selection", "per model", "unpriced requests",
           ("panel:mode_what_if.all_standard_cost_usd",)),
)


# --- dashboard v2 panels (issue 12) ------------------------------------------------------
# Kept in one block so the panels' declarations merge cleanly with changes to the views'.
KEYS = KEYS | frozenset({
    "ts", "account_id", "guardrail_action", "period", "hour", "day_label", "hour_of_day",
    "accounts", "tag_key",
    "table_name", "state", "what_it_means",  # health_derived_tables: labels, not measures
})
POINTS = POINTS | frozenset(
    f"panel:requests_page.{c}"
    for c in ("input_tokens", "output_tokens", "latency_ms", "first_byte_ms", "cost_usd")
)
_V2_PLACES: dict[str, tuple[str, ...]] = {
    "requests": tuple(f"panel:{p}.requests" for p in (
        "errors_daily_by_code", "health_freshness_by_source", "health_hourly",
        "mode_price_what_if", "reliability_daily", "requests_count", "routing_pairs_by_model",
        "spend_daily", "spend_shares_daily", "tag_keys")),
    "requests_with_latency": ("panel:latency_over_time.requests_with_latency",
                              "panel:routing_pairs_by_model.requests_with_latency",
                              "panel:mode_price_what_if.standard_requests_with_latency",
                              "panel:mode_price_what_if.optimized_requests_with_latency"),
    "requests_with_first_byte": ("panel:latency_over_time.requests_with_first_byte",),
    "n": ("panel:decode_fit_by_model.n",),
    "errors": ("panel:errors_daily_by_code.errors", "panel:reliability_daily.errors"),
    "error_rate": ("panel:errors_daily_by_code.error_rate", "panel:reliability_daily.error_rate"),
    "interventions": ("panel:reliability_daily.interventions",),
    "intervention_rate": ("panel:reliability_daily.intervention_rate",),
    "unpriced_requests": ("panel:spend_daily.unpriced_requests",
                          "panel:spend_shares_daily.unpriced_requests"),
    "served_optimized": ("panel:mode_price_what_if.served_optimized",),
    "cost_usd": ("panel:spend_daily.cost_usd", "panel:spend_shares_daily.cost_usd",
                 "panel:mode_price_what_if.cost_usd"),
    "p50_latency_ms": ("panel:latency_over_time.p50_latency_ms",
                       "panel:routing_pairs_by_model.p50_latency_ms",
                       "panel:mode_price_what_if.standard_p50_latency_ms",
                       "panel:mode_price_what_if.optimized_p50_latency_ms"),
    "p90_latency_ms": ("panel:latency_over_time.p90_latency_ms",),
    "p99_latency_ms": ("panel:latency_over_time.p99_latency_ms",),
    "p50_latency_improvement_pct": ("panel:mode_price_what_if.p50_latency_improvement_pct",),
    "ms_per_output_token": ("panel:decode_fit_by_model.ms_per_output_token",),
    "intercept_ms": ("panel:decode_fit_by_model.intercept_ms",),
    "r2": ("panel:decode_fit_by_model.r2",),
    "decode_tokens_per_s": ("panel:decode_fit_by_model.decode_tokens_per_s",),
    "largest_output_tokens": ("panel:decode_fit_by_model.largest_output_tokens",),
    "newest_ts_age_hours": ("panel:health_freshness_by_source.newest_ts_age_hours",),
}
# Panels that show a view as it is (SELECT *) share its declarations.
_AS_VIEW = {"mode_comparison": "mode_comparison_summary",
            "mode_prompt_pairs": "mode_prompt_pairs_list"}


def _first_byte_pctl(q: str, level: str, min_n: int) -> Metric:
    return Metric(
        f"p{q}_first_byte_ms",
        f"`guarded_quantile(first_byte_ms, {level})`: the {q}th percentile (`quantile_cont`) "
        f"of time to first byte (streaming calls); NULL when fewer than {min_n} requests in "
        "the group have one",
        _GROUP, f"requests without a first byte; groups with fewer than {min_n} of them",
        (f"panel:latency_over_time.p{q}_first_byte_ms",),
    )


def _with_v2_places(metric: Metric) -> Metric:
    extra = list(_V2_PLACES.get(metric.name, ()))
    for place in metric.where:
        view, _, column = place.partition(".")
        if view in _AS_VIEW:
            extra.append(f"panel:{_AS_VIEW[view]}.{column}")
    return Metric(metric.name, metric.formula, metric.grain, metric.excludes,
                  metric.where + tuple(extra))


METRICS = tuple(_with_v2_places(m) for m in METRICS) + (
    Metric("throttles", "`count(*) FILTER (WHERE error_code = 'ThrottlingException')`",
           "per day x model", "nothing", ("panel:reliability_daily.throttles",)),
    _first_byte_pctl("50", "0.5", PERCENTILE_MIN_N),
    _first_byte_pctl("90", "0.9", PERCENTILE_MIN_N),
    _first_byte_pctl("99", "0.99", P99_MIN_N),
    Metric("untagged_cost_usd", "`sum(cost_usd)` of requests without any requestMetadata tag",
           "per day", "unpriced requests", ("panel:spend_shares_daily.untagged_cost_usd",)),
    Metric("untagged_share", "`untagged_cost_usd / sum(cost_usd)`: the share of spend no tag "
           "can be charged to", "per day", "unpriced requests",
           ("panel:spend_shares_daily.untagged_share",)),
    Metric("unpriced_share", "`unpriced_requests / count(*)`: the share of requests in no cost",
           "per day", "nothing", ("panel:spend_shares_daily.unpriced_share",)),
    Metric("hours_behind_newest", "hours from a source's newest `ts` to the lake's newest `ts`",
           "per account x source region", "nothing",
           ("panel:health_freshness_by_source.hours_behind_newest",)),
    Metric("all_standard_usd", "the model's tokens (input, output, cache read, cache write) at "
           "the price table's standard list rates (base prompt tier, no service-tier "
           "multiplier); NULL unless every part of the traffic has those rates", "per model",
           "requests without a base model", ("panel:mode_price_what_if.all_standard_usd",)),
    Metric("all_optimized_usd", "the same tokens at the price table's latency-optimized list "
           "rates; NULL where the table has no optimized input rate for the model",
           "per model", "requests without a base model",
           ("panel:mode_price_what_if.all_optimized_usd",)),
    Metric("optimized_premium", "`all_optimized_usd / all_standard_usd - 1`", "per model",
           "models without both list rates", ("panel:mode_price_what_if.optimized_premium",)),
)


def column_owner() -> dict[str, str]:
    """Which metric each "view.column" / "panel:name.column" belongs to."""
    owner: dict[str, str] = {}
    for metric in METRICS:
        for place in metric.where:
            if place in owner:
                raise ValueError(f"{place} is declared by {owner[place]} and {metric.name}")
            owner[place] = metric.name
    return owner


def metrics_doc() -> str:
    """docs/metrics.md."""
    lines = [
        "# Metrics",
        "",
        "<!-- Generated from bedrock_logbook/queries/metrics.py by scripts/gen_docs.py; "
        "do not edit. -->",
        "",
        "Every metric column of the SQL views (`queries/sql/`) and dashboard panels "
        "(`queries/panels/`), with its one definition. A prefix names the subset of the row's "
        "group a column covers: "
        + "; ".join(f"`{p}_`: {d}" for p, d in SUBSET_PREFIXES.items()) + ".",
        "",
        f"Percentiles are NULL for groups too small to trust: p50 and p90 need "
        f"{PERCENTILE_MIN_N} values, p99 needs {P99_MIN_N} (the `guarded_quantile` SQL "
        "macro); every percentile sits beside its n (`requests_with_latency` or `n`).",
        "",
        "Days are UTC: `day` is the lake's date partition, the UTC date of the invocation, "
        "and every connection the project opens sets `TimeZone = 'UTC'`.",
        "",
    ]
    for m in sorted(METRICS, key=lambda m: m.name):
        lines += [
            f"## `{m.name}`",
            "",
            f"- **Formula**: {m.formula}",
            f"- **Grain**: {m.grain}",
            f"- **Excludes**: {m.excludes}",
            "- **Appears as**: " + ", ".join(f"`{w}`" for w in m.where),
            "",
        ]
    return "\n".join(lines)
