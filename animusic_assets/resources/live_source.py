"""``live`` mode's AnimeSourceResource: assemble anime records from the ingest store.

The partitioned raw assets write parsed stage results to the store; this source reads every
anime that has MAL details, so ``anime_records -> catalog -> ...`` stays unchanged.
"""

from animusic_assets.resources.anime_source import AnimeSourceResource
from animusic_assets.sources.ingest_store import IngestStore, default_data_root
from animusic_assets.sources.records import assemble_record


class LiveAnimeSource(AnimeSourceResource):
    """Anime records assembled from what the live ingest partitions stored."""

    data_dir: str = ""  # same root as LiveSitesResource.data_dir

    def _store(self) -> IngestStore:
        from pathlib import Path

        return IngestStore(
            (Path(self.data_dir) if self.data_dir else default_data_root()) / "records"
        )

    def fetch_anime_records(self) -> list[dict]:
        store = self._store()
        records = []
        for mal_id in store.mal_ids("mal_details"):
            details = store.get("mal_details", mal_id)
            if details is None:
                continue
            records.append(
                assemble_record(
                    details,
                    store.get("mal_page", mal_id),
                    store.get("anidb", mal_id),
                    store.get("youtube", mal_id),
                    store.get("animethemes", mal_id),
                )
            )
        return records

    def describe(self) -> str:
        return f"live ingest store {self._store().root}"
