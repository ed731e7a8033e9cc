-- purpose: Bucket of a value in the rollups' latency sketches (DDSketch logarithmic mapping, 1% relative accuracy).
-- grain: a scalar: one value >= 0 -> its bucket (NULL for NULL, negative or NaN)
-- layer: seed
-- kind: macro
-- depends:
-- Bucket k = ceil(ln(x) / ln(gamma)) holds (gamma^(k-1), gamma^k], gamma = (1 + a) / (1 - a),
-- a = 0.01; zero has its own bucket below all others (-2^31). The same formula as
-- ingest/rollup_schema.py (sketch_bucket, SKETCH_ALPHA, ZERO_BUCKET): change both or neither
-- (tests/test_rollup_sketch.py checks they agree value for value).
CREATE OR REPLACE MACRO sketch_bucket(x) AS
    CASE
        WHEN isnan(CAST(x AS DOUBLE)) THEN NULL
        WHEN CAST(x AS DOUBLE) = 0 THEN CAST(-2147483648 AS INTEGER)
        WHEN CAST(x AS DOUBLE) > 0 THEN CAST(ceil(
            ln(CAST(x AS DOUBLE)) / ln(CAST(1.01 AS DOUBLE) / CAST(0.99 AS DOUBLE))
        ) AS INTEGER)
    END;
