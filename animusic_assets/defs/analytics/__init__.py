"""Analytics assets: engagement and adaptation from the API database (read-only), and
feasibility from Dagster's own run records, the ingest state and artifact sizes."""
