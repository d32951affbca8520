"""Step times from Dagster's own run and event records."""

import dagster as dg
import pandas as pd

from animusic_assets.core.analytics import feasibility

PARTITION_TAG = "dagster/partition"


def read_steps(instance: dg.DagsterInstance, max_runs: int) -> pd.DataFrame:
    """One row per finished step of the newest runs: run, job, partition, the asset(s) it
    materialized (its step key when none), status, duration, and whether it was an asset
    check's step."""
    rows = []
    for run in instance.get_runs(limit=max_runs):
        assets_of: dict[str, list[str]] = {}
        partition_of: dict[str, str] = {}
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
        for record in records:
            entry = record.event_log_entry
            event = entry.dagster_event
            if event is None or event.asset_key is None or entry.step_key is None:
                continue
            assets_of.setdefault(entry.step_key, []).append(event.asset_key.to_user_string())
            if event.partition:
                partition_of[entry.step_key] = event.partition
        check_steps = {
            r.event_log_entry.step_key
            for r in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
        }
        for stat in instance.get_run_step_stats(run.run_id):
            if stat.start_time is None or stat.end_time is None:
                continue  # still running (this very step) or never started
            rows.append(
                {
                    "run_id": run.run_id,
                    "job": run.job_name,
                    "partition": partition_of.get(stat.step_key, run.tags.get(PARTITION_TAG)),
                    "step_key": stat.step_key,
                    "asset": ",".join(sorted(set(assets_of.get(stat.step_key, []))))
                    or stat.step_key,
                    "status": stat.status.value if stat.status else "UNKNOWN",
                    "start": stat.start_time,
                    "end": stat.end_time,
                    "duration_s": stat.end_time - stat.start_time,
                    "kind": "check"
                    if stat.step_key in check_steps and stat.step_key not in assets_of
                    else "asset",
                }
            )
    return pd.DataFrame(rows, columns=feasibility.STEP_COLUMNS)
