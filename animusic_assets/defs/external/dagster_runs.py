"""Dagster's own run and event records (the instance's Postgres storage), read by the
feasibility report for time per step and per partition."""

import dagster as dg

dagster_run_records = dg.AssetSpec(
    key=dg.AssetKey(["dagster", "run_records"]),
    group_name="dagster",
    kinds={"dagster", "postgres"},
    description="Runs, steps and materialization events this Dagster instance recorded "
    "(written by Dagster itself; DAGSTER_PG_* in dagster.yaml).",
)
