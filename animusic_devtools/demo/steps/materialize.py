"""The whole asset graph but the analytics group, asset checks included, in one process."""

from __future__ import annotations

import json

from animusic_devtools.demo.children import Child, wait_for
from animusic_devtools.demo.common import DemoError, say
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.state import write_state

CODE_LOCATION_MODULE = "animusic_assets.definitions"
# the build (animusic_assets/build_selection.py): not the live collection, not the reports
BUILD_SELECTION = "not group:analytics and not group:ingest_live"
# run config for the default multi_or_in_process executor: in one process, because a
# subprocess per step re-imports torch & co (80 s against 12 s for the demo graph on two
# cores), and the demo's steps are small
IN_PROCESS_RUN_CONFIG: dict = {"execution": {"config": {"in_process": {}}}}
# the demo tunes and evaluates on fewer users than scripts/evaluate.py, to start in under a minute
BUILD_RUN_CONFIG: dict = {
    **IN_PROCESS_RUN_CONFIG,
    "ops": {
        "model_bundle": {"config": {"max_tuning_users": 200}},
        "offline_evaluation": {"config": {"loop_users": 50, "max_report_users": 400}},
    },
}


def dagster_materialize(ctx: RunContext, name: str, selection: str, run_config: dict) -> Child:
    """Start ``dagster asset materialize`` for ``selection`` as the child ``name``."""
    child = Child(
        name,
        [
            str(ctx.bindir / "dagster"),
            "asset",
            "materialize",
            "--select",
            selection,
            "-m",
            CODE_LOCATION_MODULE,
            "--config-json",
            json.dumps(run_config),
        ],
        ctx.env,
        ctx.paths.logs,
    )
    ctx.children.append(child)
    write_state(ctx)
    return child


def run(ctx: RunContext) -> None:
    say(
        f"materializing the build in {ctx.env['ANIMUSIC_MODE']} mode "
        f"(log: {ctx.paths.shown(ctx.paths.logs)}/materialize.log)"
    )
    mat = dagster_materialize(ctx, "materialize", BUILD_SELECTION, BUILD_RUN_CONFIG)
    if wait_for(mat, ctx.args.materialize_timeout, ctx.stop) != 0:
        raise DemoError(f"materialization failed (exit {mat.proc.returncode}):\n{mat.tail()}")
