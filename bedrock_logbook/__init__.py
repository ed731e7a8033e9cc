"""Command-line shell of bedrock-logbook: settings and a thin click CLI over the libraries."""
