"""Evaluates the reports' daily automation condition (animusic_assets/automation.py)."""

import dagster as dg

daily_reports = dg.AutomationConditionSensorDefinition(
    "daily_reports",
    target=dg.AssetSelection.groups("analytics"),
    default_status=dg.DefaultSensorStatus.STOPPED,
    minimum_interval_seconds=300,
    description="Refreshes the engagement, adaptation and feasibility reports every day at "
    "05:30 UTC. Starts stopped; switch it on in the UI (Automation).",
)
