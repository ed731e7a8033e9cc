"""The lake's storage: location and catalog, shared by ingest (writers) and queries (readers)."""
