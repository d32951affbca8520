"""Where the ``lists`` model's training lists come from: a public-lists file and the lists
listeners imported into the API database (read-only)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from animusic_assets.core.lists_data import empty_lists, read_lists_file
from animusic_assets.defs.analytics.resources import ServingDatabaseResource

IMPORTED_LISTS_SQL = text("SELECT user_id, mal_id FROM anime_list_entries ORDER BY user_id, mal_id")


class AnimeListsResource(dg.ConfigurableResource):
    """``public_lists_path``: a CSV in the ``user_lists_dev.csv`` columns (``user_id, mal_id,
    rating, status, source``); empty or absent: no public lists. ``database_url``: the API
    database (``$ANIMUSIC_DATABASE_URL``); empty: imported lists are not read."""

    public_lists_path: str = ""
    database_url: str = ""

    def public_lists(self) -> tuple[pd.DataFrame, dict[str, int], str]:
        """(raw rows, rows set aside while reading, a sentence saying what was read)."""
        if not self.public_lists_path:
            return empty_lists(), {}, "no public-lists file configured"
        if not Path(self.public_lists_path).is_file():
            return empty_lists(), {}, f"{self.public_lists_path} is absent"
        rows, set_aside = read_lists_file(self.public_lists_path)
        return rows, set_aside, f"{len(rows)} rows from {self.public_lists_path}"

    def imported_lists(self) -> tuple[pd.DataFrame, str]:
        """Imported entries as list rows (no rating: status ``imported``, which counts as a
        positive), or no rows and why (no URL, database unreachable)."""
        if not self.database_url:
            return empty_lists(), "no database URL configured"
        try:
            with ServingDatabaseResource(url=self.database_url).read_only() as conn:
                entries = pd.read_sql(IMPORTED_LISTS_SQL, conn)
        except SQLAlchemyError as exc:
            return empty_lists(), f"API database not read: {type(exc).__name__}"
        rows = pd.DataFrame(
            {
                "user_id": "api:" + entries["user_id"].astype(str),
                "mal_id": entries["mal_id"].astype(str),
                "rating": "",
                "status": "imported",
                "source": "api_db",
            }
        )
        return rows, f"{len(rows)} imported entries"


def anime_lists_from_settings(
    public_lists: str, user_lists: str, database_url: str = ""
) -> AnimeListsResource:
    """The lists model's training lists: the public-lists file (else the evaluation's user
    lists; the evaluation users' held-out anime are dropped from training) and the API
    database's imported lists ($ANIMUSIC_DATABASE_URL, the URL the analytics reports read;
    unset: not read)."""
    return AnimeListsResource(
        public_lists_path=public_lists or user_lists, database_url=database_url
    )
