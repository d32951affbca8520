"""Each report (engagement, adaptation, feasibility, offline evaluation), built by a small
`make run`-like stack, opened in Chromium: the data origin and the headline answers come
first, and no raw Markdown markup is left in what a reader sees."""

from __future__ import annotations

import re

import pytest

from tests.e2e.client_support import CHROMIUM, chromium_available
from tests.e2e.report_stack import REPORTS, build_reports

pytestmark = pytest.mark.skipif(not chromium_available(), reason="no system Chromium")

ANSWERS = {
    "engagement": ["Engagement:", "Adaptation:"],
    "adaptation": ["Adaptation:"],
    "feasibility": ["Feasibility:"],
    "evaluation": ["Ranking:", "Feedback loop:", "Against the baselines:"],
}
ORIGIN = {
    "engagement": "simulated traffic, not real listeners",
    "adaptation": "simulated traffic, not real listeners",
    "feasibility": "Dagster run records",
    "evaluation": "offline evaluation, not live listeners",
}


@pytest.fixture(scope="module")
def report_paths(database_url, tmp_path_factory):
    return build_reports(database_url, tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield instance
        instance.close()


def raw_markdown(text: str) -> list[str]:
    problems = [mark for mark in ("``", "**", "|---|", "|--:|", "](data:") if mark in text]
    problems += [
        f"line {line!r}" for line in text.splitlines() if line.startswith(("- ", "## ", "# "))
    ]
    return problems


@pytest.mark.parametrize("name", REPORTS)
def test_report_opens_with_its_answers_and_no_raw_markdown(report_paths, browser, name):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(report_paths[name].as_uri())
        text = page.inner_text("body")
        first = page.inner_text("p.origin")
        assert first.startswith("Data:") and ORIGIN[name] in first
        answers = page.locator("ol.answers > li").all_inner_texts()
        for start in ANSWERS[name]:
            assert any(a.startswith(start) for a in answers), (start, answers)
        # numbers with their 95 % intervals in every answer that compares models
        for a in answers:
            if a.startswith(("Engagement:", "Ranking:", "Feedback loop:")):
                assert re.search(r"95 % CI [-+]?\d\.\d+", a) and "paired bootstrap" in a, a
        assert text.index("Answers") < text.index(
            "Methods" if name != "feasibility" else "Time per pipeline step"
        )
        assert raw_markdown(text) == []
        # tables fit the page: nothing scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('table')]"
            ".filter(t => t.scrollWidth > t.clientWidth + 1).length"
        )
        assert wide == 0, f"{wide} table(s) wider than the page"
        images = page.locator("img")
        assert images.count() >= 1
        for i in range(images.count()):
            img = images.nth(i)
            assert img.get_attribute("alt") and img.evaluate(
                "e => e.complete && e.naturalWidth > 0"
            )
    finally:
        page.close()


def test_simulated_origin_names_the_simulator_and_its_settings(report_paths):
    html = report_paths["engagement"].read_text()
    assert "scripts/simulate_traffic.py" in html and "playlists 3" in html


def test_feasibility_uses_the_services_own_metrics(report_paths):
    html = report_paths["feasibility"].read_text()
    assert "CPU seconds per 1,000 playlists" in html and "GET /playlist" in html
    assert "original study" in html
