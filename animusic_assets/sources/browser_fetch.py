"""Last resort for MAL pages that need JavaScript: render with Playwright and the system Chromium.

Used only when plain HTTP returned no usable page; the caller has already taken a rate-limiter
token for the request. Never downloads browsers (no ``playwright install``).
"""

from __future__ import annotations

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def render_page(
    url: str,
    executable_path: str = "/usr/bin/chromium",
    timeout_s: float = 30.0,
    user_agent: str | None = None,
) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(user_agent=user_agent) if user_agent else browser.new_page()
            # one page load = one request: no images, fonts, media, favicons or trackers
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.resource_type in ("document", "script", "xhr", "fetch")
                    and route.request.url.split("/")[2] == url.split("/")[2]
                    else route.abort()
                ),
            )
            page.goto(url, timeout=timeout_s * 1000, wait_until="load")
            try:
                page.wait_for_selector("h1", timeout=timeout_s * 1000)
            except Exception:
                pass
            return page.content()
        finally:
            browser.close()
