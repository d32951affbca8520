#!/usr/bin/env python3
"""Screenshots of the reports for the README (docs/screenshots/report_*.png).

    .venv/bin/python scripts/screenshot_reports.py [--out docs/screenshots]
    .venv/bin/python scripts/screenshot_reports.py --reports .data/reports   # after `make run`

With ``--reports`` it photographs the reports a `make run` wrote there. Otherwise it builds
the reports with the browser test's small `make run`-like stack
(tests/e2e/report_stack.py: a temporary PostgreSQL on a free port, the real API on
127.0.0.1, seeded simulated listeners, a few seconds of scripts/simulate_traffic.py, the
analytics assets and the offline evaluation's report), opens each in the system Chromium and
saves the top of the page: the data origin, the answers and the first plot. Everything it
starts is stopped by PID; the temporary files are removed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def shoot(paths: dict[str, Path], out: Path, height: int) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.client_support import CHROMIUM

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": height})
        for name, path in paths.items():
            page.goto(path.resolve().as_uri())
            target = out / f"report_{name}.png"
            page.screenshot(path=str(target))
            print(f"wrote {target}")
        browser.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--height", type=int, default=1500, help="pixels of each page to keep")
    ap.add_argument("--reports", help="a reports folder from `make run` (.data/reports)")
    args = ap.parse_args()
    if args.reports:
        root = Path(args.reports)
        paths = {
            name: root / "analytics" / f"{name}.html"
            for name in ("engagement", "adaptation", "feasibility")
        }
        paths["evaluation"] = root / "evaluation.html"
        missing = [str(p) for p in paths.values() if not p.is_file()]
        if missing:
            ap.error(f"not found (run `make run` first): {', '.join(missing)}")
        shoot(paths, Path(args.out), args.height)
        return 0
    from animusic_devtools import local_postgres as pg
    from animusic_devtools.demo.probes import free_port
    from animusic_serving.db.migrate import upgrade
    from tests.e2e.report_stack import build_reports

    base = Path(tempfile.mkdtemp(prefix="animusic-shots-"))
    base.chmod(0o755)  # the postgres user (when run as root) must reach its data dir
    try:
        server = pg.start(base / "pg", free_port(), {"fsync": "off"})
        url = server.create_database("reports")
        upgrade(url)
        shoot(build_reports(url, base / "work"), Path(args.out), args.height)
    finally:
        pg.stop(base / "pg")
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
