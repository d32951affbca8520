"""The API's PostgreSQL tables as external assets: the service writes them, Dagster only reads
them (the engagement report, the lists model). Declared so the lineage shows where the
listeners' data enters the graph."""

import dagster as dg

API_DB_GROUP = "api_db"


def _table(name: str, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=dg.AssetKey(["api_db", name]),
        group_name=API_DB_GROUP,
        kinds={"postgres"},
        description=description,
        metadata={"table": name, "written_by": "animusic_serving (FastAPI)"},
    )


users_table = _table("users", "Listeners known to the API (AniList/MAL user name, created at).")
anime_list_entries_table = _table(
    "anime_list_entries", "Each listener's anime list as uploaded (MAL id, status, score)."
)
feedback_table = _table(
    "feedback", "What listeners did with a played song: watch time, like/dislike, per model."
)
impressions_table = _table(
    "impressions", "Which songs each playlist showed, with the model that picked each one."
)

API_TABLES = [users_table, anime_list_entries_table, feedback_table, impressions_table]
