"""Helpers shared by the ingest tests: resources pointed at the fake sites, fast limits."""

from __future__ import annotations

from tests.assets.fakesite.server import FakeSites

FAST_RATE = 20.0  # requests per second per host in tests (the real defaults are 1 and 0.5)


def site_config(fake: FakeSites, data_dir, rate: float = FAST_RATE, **overrides) -> dict:
    config = dict(
        mal_client_id="test-client-id",
        mal_api_base=fake.base("mal_api"),
        mal_web_base=fake.base("mal_web"),
        anidb_base=fake.base("anidb"),
        youtube_base=fake.base("youtube"),
        anilist_url=fake.base("anilist") + "/",
        animethemes_url=fake.base("animethemes"),
        animethemes_rate_per_s=rate,
        data_dir=str(data_dir),
        mal_rate_per_s=rate,
        anidb_rate_per_s=rate,
        youtube_rate_per_s=rate,
        anilist_rate_per_s=rate,
        backoff_base_s=0.05,
        max_backoff_s=0.5,
        timeout_s=1.0,
        browser_fallback=False,
    )
    config.update(overrides)
    return config


def live_sites(fake: FakeSites, data_dir, rate: float = FAST_RATE, **overrides):
    from animusic_assets.resources.live_sites import LiveSitesResource

    return LiveSitesResource(**site_config(fake, data_dir, rate, **overrides))
