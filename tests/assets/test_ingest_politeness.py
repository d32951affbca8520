"""Politeness against the fake sites: bans, daily caps across processes, kill and resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from animusic_assets.defs.ingest.definitions import ingest_definitions
from animusic_assets.sources.page_cache import PageCache
from animusic_assets.sources.rate_limiter import HostLimit, RateLimiter
from tests.assets.fakesite.harness import live_sites, site_config
from tests.assets.fakesite.server import FakeSites

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def fake():
    sites = FakeSites(n_anime=6).start()
    yield sites
    sites.stop()


def _worker(config: dict, stage: str, ids: list[int]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.assets.fakesite.worker",
            json.dumps(config),
            stage,
            *map(str, ids),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _result(proc: subprocess.Popen, timeout: float = 60) -> dict:
    """The worker's last stdout line (its JSON summary); on anything else, fail with its exit
    status and stderr, so a crash says why."""
    out, err = proc.communicate(timeout=timeout)
    lines = out.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        pytest.fail(
            f"worker exited {proc.returncode} without a summary\n--- stdout\n{out}"
            f"\n--- stderr\n{err}"
        )


def test_ban_page_stops_the_partition_and_is_never_cached(fake, tmp_path):
    resource = live_sites(fake, tmp_path)
    defs = ingest_definitions(live_sites=resource, top_n=6, batch_size=2)
    assets = [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]
    resources = {"live_sites": resource}
    assert dg.materialize(assets, selection=["mal_ranking"], resources=resources).success
    assert dg.materialize(
        assets,
        selection=["mal_details", "mal_pages"],
        partition_key="0003-0004",
        resources=resources,
    ).success
    fake.inject("anidb", "/anime/5003", "ban")
    result = dg.materialize(
        assets,
        selection=["anidb_anime"],
        partition_key="0003-0004",
        resources=resources,
        raise_on_error=False,
    )
    assert not result.success
    anidb_log = fake.requests("anidb")
    assert [r["path"] for r in anidb_log] == [
        "/anime/5003"
    ]  # stopped: 5004 never asked for, no retry
    cache = PageCache(tmp_path / "pages")
    assert cache.get(f"{fake.base('anidb')}/anime/5003", None) is None
    assert resource.store().get("anidb", 1003) is None
    # other hosts are not affected by AniDB's ban
    assert dg.materialize(
        assets,
        selection=["mal_details", "mal_pages"],
        partition_key="0005-0006",
        resources=resources,
    ).success
    # the ban is shared state: another run stops before sending anything to AniDB
    again = dg.materialize(
        assets,
        selection=["anidb_anime"],
        partition_key="0005-0006",
        resources=resources,
        raise_on_error=False,
    )
    assert not again.success and len(fake.requests("anidb")) == 1
    failure = next(e for e in again.all_events if e.event_type_value == "STEP_FAILURE")
    assert "blocked" in str(
        failure.event_specific_data.error.cause or failure.event_specific_data.error
    )


def test_daily_cap_holds_across_two_processes(fake, tmp_path):
    config = site_config(fake, tmp_path, rate=50.0, anidb_daily_cap=3)
    store_root = tmp_path / "records" / "mal_page"
    store_root.mkdir(parents=True)
    for a in fake.catalog:  # the MAL pages are known; only AniDB is asked
        (store_root / f"{a['mal_id']}.json").write_text(json.dumps({"anidb_anime_id": a["aid"]}))
    ids = [a["mal_id"] for a in fake.catalog]
    first, second = _worker(config, "anidb", ids[:3] + ids[3:]), _worker(config, "anidb", ids[::-1])
    outputs = [_result(p) for p in (first, second)]
    assert len(fake.requests("anidb")) == 3, fake.requests("anidb")
    assert sum(o["network"] for o in outputs) == 3
    limiter = RateLimiter(tmp_path / "ratelimit.sqlite3", {"anidb": HostLimit(50.0, daily_cap=3)})
    assert limiter.used_today("anidb") == 3


def test_killed_run_resumes_with_zero_refetches(fake, tmp_path):
    config = site_config(fake, tmp_path, rate=50.0, timeout_s=30.0)
    ids = [a["mal_id"] for a in fake.catalog]
    fake.inject("mal_web", f"/anime/{ids[3]}", "hang=20")  # the run is killed while waiting here
    proc = _worker(config, "mal_page", ids)
    deadline = time.time() + 30
    while time.time() < deadline and not any(
        r["status"] == "hang" or r["path"] == f"/anime/{ids[3]}" for r in fake.requests("mal_web")
    ):
        time.sleep(0.05)
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    first_run = {r["path"] for r in fake.requests("mal_web") if r["status"] == 200}
    assert len(first_run) == 3
    n_before = len(fake.requests("mal_web"))
    proc = _worker(config, "mal_page", ids)
    out = _result(proc)
    second_run = [r["path"] for r in fake.requests("mal_web")[n_before:]]
    assert not set(second_run) & first_run  # nothing fetched before the kill is fetched again
    assert sorted(second_run) == sorted(f"/anime/{i}" for i in ids[3:])
    assert out == {"done": 6, "network": 3, "cached": 3}


def test_a_limiter_created_while_another_creates_the_file_waits_for_it(tmp_path):
    """Two workers started together used to fail at random with "database is locked": while
    one switches the new file to WAL it holds SQLite's RESERVED lock, and a second
    ``PRAGMA journal_mode=WAL`` then fails at once instead of waiting out the busy timeout.
    Here "the other worker" holds the creation lock (``<file>.init-lock``) and RESERVED for
    0.3 s; the second limiter must wait, not fail."""
    import fcntl
    import sqlite3
    import threading

    path = tmp_path / "ratelimit.sqlite3"
    errors: list[BaseException] = []

    def second_worker() -> None:
        try:
            RateLimiter(path, {"anidb": HostLimit(50.0, daily_cap=3)}).acquire("anidb")
        except BaseException as exc:  # reported below
            errors.append(exc)

    with open(f"{path}.init-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        creator = sqlite3.connect(path, isolation_level=None)
        creator.execute("BEGIN IMMEDIATE")
        thread = threading.Thread(target=second_worker)
        thread.start()
        time.sleep(0.3)
        creator.execute("COMMIT")
        creator.close()
    thread.join(timeout=30)
    assert not errors, errors
    assert RateLimiter(path, {"anidb": HostLimit(50.0, daily_cap=3)}).used_today("anidb") == 1


def test_rate_limiter_spacing_and_persistence(tmp_path):
    now = [1000.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(
        tmp_path / "rl.sqlite3",
        {"anidb": HostLimit(0.5, daily_cap=200)},
        clock=lambda: now[0],
        sleep=sleep,
    )
    for _ in range(4):
        limiter.acquire("anidb")
    assert now[0] - 1000.0 == pytest.approx(6.0)  # 1 request / 2 s: 4 requests span 6 s
    restarted = RateLimiter(
        tmp_path / "rl.sqlite3",
        {"anidb": HostLimit(0.5, daily_cap=200)},
        clock=lambda: now[0],
        sleep=sleep,
    )
    t0 = now[0]
    restarted.acquire("anidb")  # the bucket survived the "restart": still has to wait 2 s
    assert now[0] - t0 == pytest.approx(2.0) and restarted.used_today("anidb") == 5
