-- purpose: The value a rollup sketch bucket stands for: within 1% (relative) of every value in the bucket.
-- grain: a scalar: one bucket -> one value (0 for the zero bucket)
-- layer: seed
-- kind: macro
-- depends:
-- 2 gamma^k / (gamma + 1) is within a relative a of every x in (gamma^(k-1), gamma^k]
-- (DDSketch); as ingest/rollup_schema.sketch_value. 2 / (gamma + 1) comes first so that the
-- bucket of the largest doubles does not overflow.
CREATE OR REPLACE MACRO sketch_value(k) AS
    CASE
        WHEN k = -2147483648 THEN CAST(0 AS DOUBLE)
        ELSE CAST(2 / (CAST(1.01 AS DOUBLE) / CAST(0.99 AS DOUBLE) + 1)
            * pow(CAST(1.01 AS DOUBLE) / CAST(0.99 AS DOUBLE), k) AS DOUBLE)
    END;
