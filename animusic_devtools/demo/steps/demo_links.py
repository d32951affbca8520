"""Snapshot mode only, before the build: the demo's AnimeThemes links
(``animusic_assets/demo/animethemes_links.py``): one bounded step of 2 requests; without
network it says so in one line and the run goes on. Sets ``ANIMUSIC_DEMO_LINKS`` for the
children."""

from __future__ import annotations

from animusic_devtools.demo.common import say
from animusic_devtools.demo.context import RunContext


def enabled(ctx: RunContext) -> bool:
    return not ctx.args.skip_materialize and ctx.env.get("ANIMUSIC_MODE") == "snapshot"


def run(ctx: RunContext) -> None:
    # the venv's code, imported only here: the supervisor itself stays standard-library only
    from animusic_assets.demo.animethemes_links import demo_links_step

    say(demo_links_step(ctx.paths.data, ctx.env))
