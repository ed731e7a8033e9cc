-- purpose: genai-prices' rules mapping a model reference (profile ID or model ID) to its price model, filled by Python.
-- grain: one row per genai-prices model x match alternative
-- layer: seed
-- kind: table
-- depends:
CREATE OR REPLACE TABLE price_model_match (
    price_model VARCHAR NOT NULL,  -- genai-prices model ID (price_list.model)
    rank INTEGER NOT NULL,         -- genai-prices tries models in this order; first match wins
    op VARCHAR NOT NULL,           -- equals, contains, starts_with, ends_with
    pattern VARCHAR NOT NULL       -- lower case; compared with the lower-cased reference
);
