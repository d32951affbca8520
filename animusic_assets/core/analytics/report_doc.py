"""One report, two renderings: Markdown (the asset's metadata in the Dagster UI) and a
self-contained HTML page made from that same Markdown by ``markdown-it-py`` (CommonMark +
tables; no hand-written Markdown parsing). Plots are inline PNG data URIs, so the page makes
no request anywhere.

A report reads top-down: the data's origin on the first line, the headline answers, then
plots, tables and methods.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import inspect
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from markdown_it import MarkdownIt

CSS = """body{font-family:system-ui,sans-serif;max-width:1000px;margin:1.5em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
p.origin,blockquote{background:#f6f8fa;border-left:4px solid #3b6ea8;margin:.5em 0;
padding:.5em .9em}blockquote p{margin:.2em 0}
table{border-collapse:collapse;font-size:13px;margin:.6em 0;display:block;max-width:100%;
overflow-x:auto}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right;
white-space:nowrap}th{background:#f2f2f2;white-space:normal;vertical-align:bottom}td:first-child,th:first-child{text-align:left}
img{max-width:100%;height:auto}ol.answers li{margin:.5em 0;font-size:1.05em}
.generated{color:#666;font-size:13px}"""

_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def fmt(value: Any, digits: int = 3) -> str:
    """A number for a report: integers without decimals, NaN as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and abs(value) >= 10**digits
    ):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    try:  # numpy scalars
        return fmt(value.item(), digits)
    except AttributeError:
        return str(value)


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def ci(value: float, low: float, high: float, digits: int = 3) -> str:
    """``0.275 [0.201, 0.350]``: a value and its 95 % interval in one cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def md_table(frame: pd.DataFrame, digits: int = 3, index: bool = True) -> str:
    """A Markdown table; integer columns print as integers (``400``, not ``400.000``)."""
    if frame.empty:
        return "*(no rows)*"
    named = any(n is not None for n in frame.index.names)
    frame = frame.reset_index() if index and named else frame
    header = [str(c) for c in frame.columns]
    if index and frame.index.name is None and not isinstance(frame.index, pd.RangeIndex):
        header = ["", *header]
        rows = [
            [str(i)] + [_cell(v, digits) for v in row]
            for i, row in zip(frame.index, frame.itertuples(index=False), strict=False)
        ]
    else:
        rows = [[_cell(v, digits) for v in row] for row in frame.itertuples(index=False)]
    align = ["---" if i == 0 else "--:" for i in range(len(header))]
    lines = [header, align, *rows]
    return "\n".join(
        "| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in lines
    )


def _cell(value: Any, digits: int) -> str:
    if (
        isinstance(value, float)
        and not math.isnan(value)
        and value.is_integer()
        and abs(value) >= 1000
    ):
        return f"{int(value):,}"
    return fmt(value, digits)


def methods_md(docstring: str | None) -> str:
    """A module docstring's body (after its first paragraph) as Markdown: its "- " lines
    become a list and its double-backtick names code, rendered, never shown raw."""
    body = inspect.cleandoc(docstring or "").split("\n\n", 1)
    return body[1] if len(body) > 1 else body[0]


def png_md(png: bytes, alt: str) -> str:
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


@dataclass
class Report:
    """``origin``: one sentence on where the data came from (the first line).
    ``answers``: one sentence per research question. ``sections``: (heading, Markdown)."""

    title: str
    origin: str
    answers: list[str]
    sections: list[tuple[str, str]] = field(default_factory=list)
    generated_at: dt.datetime | None = None
    figures: dict[str, bytes] = field(default_factory=dict)  # name -> PNG, for files beside it

    def figure(self, name: str, png: bytes, alt: str) -> str:
        """Keep a plot under ``name`` and return its inline Markdown image."""
        self.figures[name] = png
        return png_md(png, alt)

    def add(self, heading: str, *parts: str) -> Report:
        self.sections.append((heading, "\n\n".join(p for p in parts if p)))
        return self

    def markdown(self) -> str:
        lines = [f"**Data:** {self.origin}", "", "## Answers", ""]
        lines += [f"{i}. {a}" for i, a in enumerate(self.answers, 1)]
        for heading, body in self.sections:
            lines += ["", f"## {heading}", "", body]
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        when = (self.generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
        body = [
            f"<h1>{html.escape(self.title)}</h1>",
            f'<p class="origin"><strong>Data:</strong> {_inline(self.origin)}</p>',
            f'<p class="generated">Generated {when}.</p>',
            "<h2>Answers</h2>",
            '<ol class="answers">',
            *[f"<li>{_inline(a)}</li>" for a in self.answers],
            "</ol>",
        ]
        for heading, text in self.sections:
            body.append(f"<h2>{html.escape(heading)}</h2>")
            body.append(_MD.render(text))
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(self.title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )


def _inline(text: str) -> str:
    return _MD.renderInline(text)
