"""Where anime records come from: an abstract source with one implementation per runtime mode.

``snapshot`` mode reads the embedded demo snapshot; everything downstream is the same code as
in ``live`` mode, which scrapes the real sites through rate-limited clients.
"""

from abc import ABC, abstractmethod

import dagster as dg


class AnimeSourceResource(dg.ConfigurableResource, ABC):
    """Yields anime records in the scrapers' shape (see ``animusic_assets/demo``)."""

    @abstractmethod
    def fetch_anime_records(self) -> list[dict]: ...

    @abstractmethod
    def describe(self) -> str: ...


class DemoSnapshotSource(AnimeSourceResource):
    """The hand-written demo snapshot that ships with the package (offline, deterministic),
    with the AnimeThemes links ``make run`` resolved into ``animethemes_links`` when set."""

    animethemes_links: str = ""  # a file under .data/ written by demo/animethemes_links.py

    def fetch_anime_records(self) -> list[dict]:
        from animusic_assets import demo  # read the JSON only when the asset runs
        from animusic_assets.demo.animethemes_links import overlay_snapshot

        return overlay_snapshot(demo.load_snapshot(), self.animethemes_links)[0]

    def describe(self) -> str:
        from animusic_assets import demo
        from animusic_assets.demo.animethemes_links import load_demo_links

        links = load_demo_links(self.animethemes_links)
        extra = f" + AnimeThemes links from {self.animethemes_links}" if links else ""
        return f"embedded demo snapshot ({demo.SNAPSHOT_AS_OF}){extra}"


class JsonFileAnimeSource(AnimeSourceResource):
    """Anime records from a JSON file in the scrapers' shape (fixtures, hand-made catalogs)."""

    path: str

    def fetch_anime_records(self) -> list[dict]:
        import json
        from pathlib import Path

        try:
            records = json.loads(Path(self.path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise dg.Failure(f"cannot read anime records from {self.path}: {exc}") from exc
        if not isinstance(records, list):
            raise dg.Failure(f"{self.path} must hold a JSON list of anime records")
        return records

    def describe(self) -> str:
        return f"records file {self.path}"


class AnimusicCsvSource(AnimeSourceResource):
    """A catalog CSV in the original Animusic column layout (e.g. the original songs.csv)."""

    path: str

    def fetch_anime_records(self) -> list[dict]:
        from animusic_assets.sources.animusic_csv import CsvImportError, read_animusic_csv

        try:
            return read_animusic_csv(self.path)
        except CsvImportError as exc:
            raise dg.Failure(str(exc)) from exc

    def describe(self) -> str:
        return f"Animusic CSV {self.path}"
