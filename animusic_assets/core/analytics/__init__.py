"""Pure analytics (no Dagster, no database): engagement per model from impressions and
feedback, adaptation with exposure, feasibility arithmetic, and a self-contained HTML report."""
