"""Fixtures shared by tests/e2e and tests/extension (imported by both conftests)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from client_support import ApiServer, FakeSites, chromium_available, publish_bundle


@pytest.fixture(scope="module")
def client_stack(make_database, tmp_path_factory, request):
    """A migrated database, a synthetic bundle, the fake sites and the real API (dev mode on,
    so the web page can use a plain name; the extension signs in with AniList regardless)."""
    if not chromium_available():
        pytest.skip(
            "the system Chromium (/usr/bin/chromium) is not installed; `make test` installs it"
        )
    tmp = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    database_url = make_database(request.module.__name__.rsplit(".", 1)[-1])
    bundle_dir = tmp / "bundles"
    publish_bundle(bundle_dir)
    sites = FakeSites(tmp)
    api = ApiServer(
        database_url,
        bundle_dir,
        tmp / "api.log",
        {
            "ANIMUSIC_DEV_MODE": "1",
            "ANIMUSIC_ANILIST_GRAPHQL_URL": sites.graphql_url,
            "ANIMUSIC_ANILIST_MIN_INTERVAL_SECONDS": "0",
            "ANIMUSIC_BUNDLE_POLL_SECONDS": "1",
        },
    )
    try:
        api.start()
        yield SimpleNamespace(api=api, sites=sites, database_url=database_url, tmp=tmp)
    finally:
        api.stop()
        sites.close()


@pytest.fixture(scope="module")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver
