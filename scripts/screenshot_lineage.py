"""Screenshot the global asset lineage in the Dagster UI, in a real browser.

Starts ``dagster-webserver`` on a free 127.0.0.1 port against the code location
(``animusic_assets.definitions``, snapshot mode, a throw-away DAGSTER_HOME), opens the global
asset lineage in the system Chromium (Playwright) and writes ``docs/screenshots/lineage.png``.
Run on purpose (tests never rewrite tracked screenshots):

    .venv/bin/python scripts/screenshot_lineage.py [--out docs/screenshots/lineage.png]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from animusic_devtools.demo.probes import free_port, http_get

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
LINEAGE_PATH = "/asset-groups"  # the UI's global asset lineage
FIRST_GROUP = "ingest_live"  # the groups are drawn (collapsed) once the location has loaded
LAST_ASSET = "offline_evaluation"  # drawn once the groups are expanded


def start_webserver(port: int, home: Path, log: Path) -> subprocess.Popen:
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "ANIMUSIC_MODE": "snapshot",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "HF_HUB_OFFLINE": "1",
    }
    webserver = Path(sys.executable).parent / "dagster-webserver"
    with open(log, "w") as out:
        return subprocess.Popen(
            [
                str(webserver),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-m",
                "animusic_assets.definitions",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_up(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited with {process.returncode}")
        if http_get(url + "/server_info", timeout=2)[0] == 200:
            return
        time.sleep(0.5)
    raise RuntimeError(f"dagster-webserver did not answer at {url} within {timeout_s:.0f} s")


MAX_ZOOM_OUTS = 5
# assets at the corners of the lineage: all of them inside the viewport = the whole graph shows
CORNER_ASSETS = (
    "mal_ranking",
    "engagement_report",
    "offline_evaluation",
    "tfidf_model",
    "youtube",
    "anime_list_entries",
    "feedback",
    "impressions",
)


def _all_visible(page: Any, viewport_height: int) -> bool:
    for name in CORNER_ASSETS:
        node = page.get_by_text(name, exact=True).first
        box = node.bounding_box() if node.count() else None
        # room above for the group's header, below for the zoom buttons' row
        if box is None or box["y"] < 150 or box["y"] + box["height"] > viewport_height - 20:
            return False
    return True


def screenshot(url: str, out: Path, timeout_s: float) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1200}, device_scale_factor=1)
            page.goto(url + LINEAGE_PATH, wait_until="domcontentloaded")
            page.get_by_text(FIRST_GROUP, exact=True).first.wait_for(timeout=timeout_s * 1000)
            page.get_by_text("Hide navigation", exact=True).click()
            page.mouse.click(900, 160)  # focus the graph (an empty spot), then its shortcut:
            page.keyboard.press("Alt+E")  # expand all groups
            page.get_by_text(LAST_ASSET, exact=True).first.wait_for(timeout=60_000)
            # the UI keeps "expanded" in the browser: a reload lays the whole graph out and fits it
            page.reload(wait_until="domcontentloaded")
            page.get_by_text(LAST_ASSET, exact=True).first.wait_for(timeout=timeout_s * 1000)
            # the asset-group tree beside the graph: the toggle right of its "Jump to" box
            page.locator("input[placeholder^='Jump to'] >> xpath=following::button[1]").click()
            page.wait_for_timeout(1000)
            page.wait_for_timeout(1000)
            # zoom out until it all shows (the fit can leave the tallest groups cut off)
            for _ in range(MAX_ZOOM_OUTS):
                if _all_visible(page, viewport_height=1200):
                    break
                page.locator("button[class*='SVGViewport_iconButton']").nth(1).click()
                page.wait_for_timeout(700)
            page.mouse.move(1, 1)
            page.wait_for_timeout(2500)  # let the layout settle and fit the viewport
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots" / "lineage.png")
    parser.add_argument(
        "--timeout",
        type=float,
        default=240.0,
        help="seconds to wait for the webserver and for the graph",
    )
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"no system Chromium at {CHROMIUM}", file=sys.stderr)
        return 2
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="animusic-lineage-") as home:
        log = Path(home) / "webserver.log"
        process = start_webserver(port, Path(home), log)
        try:
            wait_until_up(url, process, args.timeout)
            screenshot(url, args.out, args.timeout)
        except Exception as exc:  # report with the webserver's log, then stop it
            print(
                f"screenshot failed: {exc}\n--- webserver log ---\n{log.read_text()[-4000:]}",
                file=sys.stderr,
            )
            return 1
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
