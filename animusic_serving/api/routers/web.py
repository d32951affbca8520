"""The listener's web page: ``GET /`` and its static assets under ``/web/`` (plain HTML, CSS
and JavaScript in ``animusic_serving/web/``; no build step). Only files in that folder are
served, by name; the page talks to the API on the same origin."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)

WEB_DIR = Path(__file__).resolve().parent.parent.parent / "web"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# the page's own files, the YouTube player (IFrame API + embeds), media from the configured
# origins (AnimeThemes by default), nothing else
CSP = (
    "default-src 'self'; script-src 'self' https://www.youtube.com; "
    "frame-src https://www.youtube.com https://www.youtube-nocookie.com; "
    "img-src 'self' data: https://i.ytimg.com; media-src 'self' {media}; "
    "connect-src 'self'; style-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cache-Control": "no-cache",
}


def _file(request: Request, name: str) -> FileResponse:
    path = WEB_DIR / name
    media_type = MEDIA_TYPES.get(Path(name).suffix)
    if "/" in name or name.startswith(".") or media_type is None or not path.is_file():
        raise HTTPException(404, detail="not found")
    media = " ".join(request.app.state.settings.media_origins)
    return FileResponse(
        path,
        media_type=media_type,
        headers={**HEADERS, "Content-Security-Policy": CSP.format(media=media)},
    )


@router.get("/")
def index(request: Request) -> FileResponse:
    return _file(request, "index.html")


@router.get("/web/{name}")
def asset(request: Request, name: str) -> FileResponse:
    return _file(request, name)
