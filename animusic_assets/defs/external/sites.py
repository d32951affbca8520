"""The outside sites the live collection reads, as external assets, so the lineage starts
where the data does. Nothing materializes them; the collection stages depend on them."""

import dagster as dg

SITES_GROUP = "sites"


def _site(name: str, url: str, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=dg.AssetKey(["sites", name]),
        group_name=SITES_GROUP,
        kinds={"http"},
        description=description,
        metadata={"url": url},
    )


myanimelist_site = _site(
    "myanimelist",
    "https://myanimelist.net",
    "MyAnimeList: the API (ranking, details) and the anime pages.",
)
anidb_site = _site(
    "anidb", "https://anidb.net", "AniDB: tags, songs and credits per anime (200 requests a day)."
)
youtube_site = _site(
    "youtube", "https://www.youtube.com", "YouTube: a video per song with its views and likes."
)
animethemes_site = _site(
    "animethemes",
    "https://api.animethemes.moe",
    "AnimeThemes: webm videos and ogg audio of openings and endings.",
)
