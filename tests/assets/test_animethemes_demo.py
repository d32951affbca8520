"""The demo's AnimeThemes step: 2 requests for the 162 snapshot anime against the fake API, and
one fast line (demo still builds) when the site cannot be reached."""

import socket
import time

import pytest

from animusic_assets import demo
from animusic_assets.core.catalog import build_catalog
from animusic_assets.demo.animethemes_links import demo_links_step, resolve_demo_links
from animusic_assets.resources.anime_source import DemoSnapshotSource
from animusic_assets.sources.animethemes_match import PLATFORM
from tests.assets.fakesite.animethemes import FakeAnimeThemes
from tests.assets.fakesite.animethemes_pages import catalog_from_records


@pytest.fixture(scope="module")
def snapshot():
    return demo.load_snapshot()


@pytest.fixture()
def fake(snapshot):
    server = FakeAnimeThemes(catalog_from_records(snapshot, skip_every=10)).start()
    yield server
    server.stop()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _animethemes(records):
    return [
        link
        for r in records
        for s in r["songs"]
        for link in s["links"]
        if link["platform"] == "animethemes"
    ]


def test_demo_links_in_two_requests_overlaid_into_the_snapshot(snapshot, fake, tmp_path):
    assert len(snapshot) == 162
    out = tmp_path / "animethemes" / "demo_links.json"
    outcome = resolve_demo_links(snapshot, fake.base, out, tmp_path / "ingest")
    assert outcome.ok and outcome.requests == 2 and len(fake.requests()) == 2
    assert "\n" not in outcome.message and "2 requests" in outcome.message
    source = DemoSnapshotSource(animethemes_links=str(out))
    records = source.fetch_anime_records()
    links = _animethemes(records)
    assert len(links) == outcome.linked_songs > 300 and "AnimeThemes links" in source.describe()
    assert all(
        link["url"].startswith(fake.base + "/video/")
        and link["audio_url"].startswith(fake.base + "/audio/")
        and link["video_id"] is None
        for link in links
    )
    assert len(records) == 162 and sum(len(r["songs"]) for r in records) == sum(
        len(r["songs"]) for r in snapshot
    )
    catalog = build_catalog(records)  # the links survive into the catalog rows
    row_links = [link for ls in catalog["links"] for link in ls if link["platform"] == PLATFORM]
    assert len(row_links) >= len(links) * 0.9 and {
        "audio_url",
        "episodes",
        "nsfw",
        "spoiler",
    } <= set(row_links[0])
    # a second run is served from the 14-day page cache
    assert (
        resolve_demo_links(snapshot, fake.base, out, tmp_path / "ingest").ok
        and len(fake.requests()) == 2
    )


def test_unreachable_site_is_one_fast_line_and_the_demo_still_builds(snapshot, tmp_path):
    env = {"ANIMUSIC_ANIMETHEMES_URL": f"http://127.0.0.1:{_closed_port()}"}
    started = time.monotonic()
    message = demo_links_step(tmp_path, env)
    assert time.monotonic() - started < 10
    assert "\n" not in message and message.endswith("songs open as YouTube searches")
    assert "cannot reach 127.0.0.1" in message and "filter[" not in message
    assert not (tmp_path / "animethemes" / "demo_links.json").exists()
    records = DemoSnapshotSource(animethemes_links=env["ANIMUSIC_DEMO_LINKS"]).fetch_anime_records()
    assert records == snapshot and not _animethemes(records)


def test_a_hanging_site_is_cut_off_by_the_deadline(snapshot, fake, tmp_path):
    fake.inject("hang=6", "hang=6")
    started = time.monotonic()
    outcome = resolve_demo_links(
        snapshot, fake.base, tmp_path / "links.json", tmp_path / "ingest", deadline_s=1.5
    )
    assert not outcome.ok and time.monotonic() - started < 3
    assert "no answer within 2 s" in outcome.message or "Timeout" in outcome.message
    assert not (tmp_path / "links.json").exists()
