-- purpose: Service-tier rates (priority, flex) as multiples of the default tier's rate, filled by Python.
-- grain: one row per model x service_tier
-- layer: seed
-- kind: table
-- depends:
CREATE OR REPLACE TABLE service_tier_list (
    model VARCHAR NOT NULL,         -- Bedrock base model ID
    service_tier VARCHAR NOT NULL,  -- 'priority' or 'flex'
    multiplier DECIMAL(9, 4) NOT NULL,
    source VARCHAR NOT NULL,
    origin VARCHAR NOT NULL
);
