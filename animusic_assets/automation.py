"""When assets refresh by themselves (declarative automation; evaluated by the sensors in
defs/publish/sensors.py and defs/analytics/sensors.py, both stopped until switched on).

- The build (anime_records -> catalog -> documents -> models -> bundle -> evaluation) rebuilds
  once after collection lands: one partition, a backfill of many, or the daily schedule's runs.
  A dependency still in progress (a backfill or queued runs not finished) holds the rebuild
  back, so it happens once at the end, and one tick requests the whole chain as one run.
- A run that failed half-way materialized nothing new downstream of what failed, so nothing
  that it did not change is rebuilt.
- Blocking checks run with their asset; a failed one stops the run's downstream steps, and
  nothing downstream is requested again until that asset is rebuilt (no retry loop, since
  every condition only fires on new upstream updates).
- The reports refresh daily.
"""

import dagster as dg

AC = dg.AutomationCondition

DAILY_REPORT_CRON = "30 5 * * *"
# the external assets (sites, the API's tables, Dagster's run records): nothing materializes them
EXTERNAL = dg.AssetSelection.all(include_sources=True) - dg.AssetSelection.all()


def _blocking_check_failed_upstream() -> dg.AutomationCondition:
    """A dependency whose latest blocking check failed and which this tick does not rebuild."""
    return AC.any_deps_match(
        AC.any_checks_match(AC.check_failed(), blocking_only=True) & ~AC.will_be_requested()
    ).with_label("a dependency's blocking check failed")


def rebuild_after_collection() -> dg.AutomationCondition:
    """For ``anime_records``: eager, except that rank batches never collected (missing
    partitions of its partitioned dependencies) do not hold it back."""
    return AC.eager().without(~AC.any_deps_missing()).with_label("rebuild after collection")


def rebuild_after_upstream() -> dg.AutomationCondition:
    """For everything downstream of ``anime_records``: eager, and never on top of a dependency
    whose blocking check failed. External dependencies (the API's tables) are never
    materialized, so they do not count as missing."""
    eager = AC.eager().replace("any_deps_missing", AC.any_deps_missing().ignore(EXTERNAL))
    return (eager & ~_blocking_check_failed_upstream()).with_label("rebuild after upstream")


def check_with_asset() -> dg.AutomationCondition:
    """For asset checks: run whenever the checked asset is rebuilt (in the same run)."""
    return AC.eager().with_label("check with its asset")


def daily_report() -> dg.AutomationCondition:
    # dagster types since_last_handled's self narrower than the conditions it accepts
    tick = AC.cron_tick_passed(DAILY_REPORT_CRON, "UTC").since_last_handled()  # type: ignore[misc]
    return (tick & ~AC.in_progress()).with_label(f"daily ({DAILY_REPORT_CRON} UTC)")
