"""The children's environment: the venv first on PATH, the API's database and bundle folder,
Dagster's home and storage, offline model hubs, dev mode, the Telegram bot's name."""

from __future__ import annotations

import os
import shutil

from animusic_devtools.demo.common import ROOT
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.steps import telegram_bot


def prepare(ctx: RunContext) -> None:
    assert ctx.pg is not None, "the postgres step runs first"
    paths = ctx.paths
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{ctx.bindir}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "ANIMUSIC_DATABASE_URL": ctx.api_db_url,
            "ANIMUSIC_BUNDLE_DIR": str(paths.bundles),
            # the local demo names its user (?anilist_username=demo) without an AniList
            # sign-in; the API logs that dev mode is on. Off everywhere else.
            "ANIMUSIC_DEV_MODE": "1",
            "DAGSTER_HOME": str(paths.dagster_home),
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(ctx.pg.port),
            "DAGSTER_PG_USER": "postgres",
            "DAGSTER_PG_PASSWORD": "",  # trust auth; dagster.yaml needs it set
            "DAGSTER_PG_DB": "dagster",
        }
    )
    env.setdefault("ANIMUSIC_MODE", "snapshot")
    # the weights live in the checkout's .data/models (`make weights`), whatever --data-dir says
    env.setdefault("ANIMUSIC_MODELS_DIR", str(ROOT / ".data" / "models"))
    env.setdefault("ANIMUSIC_CACHE_DIR", str(paths.data / "cache"))
    env.setdefault("ANIMUSIC_REPORTS_DIR", str(paths.data / "reports"))
    # the offline evaluation uses real users' lists when ../shared is beside the checkout,
    # seeded synthetic users otherwise
    shared_lists = ROOT.parent / "shared" / "data" / "user_lists_dev.csv"
    if shared_lists.is_file():
        env.setdefault("ANIMUSIC_USER_LISTS", str(shared_lists))
    # the page offers a Telegram link code only for a bot that runs with this demo
    if not telegram_bot.enabled(ctx):
        env.pop("ANIMUSIC_TELEGRAM_BOT_USERNAME", None)
    shutil.copyfile(ROOT / "dagster.yaml", paths.dagster_home / "dagster.yaml")
    ctx.env = env
