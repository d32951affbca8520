"""A self-contained HTML report: inline CSS, PNGs as base64 data URIs, no external requests."""

from __future__ import annotations

import base64
import datetime as dt
import html

import pandas as pd

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}
table{border-collapse:collapse;font-size:13px;margin:.6em 0}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}img{max-width:100%}
p.note{color:#555;font-size:14px}li{margin:.3em 0}"""


class Figure(bytes):
    """PNG bytes with a caption."""

    caption: str

    def __new__(cls, png: bytes, caption: str = "") -> Figure:
        obj = super().__new__(cls, png)
        obj.caption = caption
        return obj


def _block(block: object) -> str:
    if isinstance(block, pd.DataFrame):
        return block.to_html(float_format=lambda v: f"{v:.3f}", na_rep="–", border=0)
    if isinstance(block, bytes):
        data = base64.b64encode(block).decode()
        caption = html.escape(getattr(block, "caption", ""))
        return (f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
                f"<figcaption>{caption}</figcaption></figure>")
    if isinstance(block, (list, tuple)):
        return "<ul>" + "".join(f"<li>{html.escape(str(b))}</li>" for b in block) + "</ul>"
    return f"<p>{html.escape(str(block))}</p>"


def render(title: str, sections: list[tuple[str, list]], generated_at: dt.datetime | None = None) -> str:
    """``sections``: (heading, blocks); a block is text, a list of lines, a DataFrame or PNG
    bytes (wrap in ``Figure`` for a caption)."""
    when = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    body = [f"<h1>{html.escape(title)}</h1>", f'<p class="note">Generated {when}.</p>']
    for heading, blocks in sections:
        body.append(f"<h2>{html.escape(heading)}</h2>")
        body.extend(_block(b) for b in blocks)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
