"""Parse the counts sites show ("1.2M", "9.7K", "938,066 views") into integers."""

from __future__ import annotations

import math
import re

_COUNT = re.compile(r"^\s*([0-9][0-9,.\s\u00a0]*)\s*([kmb])?\b", re.IGNORECASE)
_SUFFIX = {None: 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_HIDDEN = ("", "like", "likes", "no views", "-", "n/a", "none")


def parse_count(value: object) -> int | None:
    """An integer count, or None when the site hides it or shows nothing parseable.

    Hidden likes become None, never 0: a zero would read as "nobody liked it".
    "No views" is the one text that genuinely means zero.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a count cannot be a bool")
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value >= 0 else None
    text = str(value).strip().lower()
    if text == "no views":
        return 0
    if text in _HIDDEN:
        return None
    match = _COUNT.match(text)
    if not match:
        return None
    number, suffix = match.group(1), match.group(2)
    number = re.sub(r"[\s\u00a0]", "", number)
    if suffix:
        # "1.2M" uses the dot as a decimal point; "1,2M" (some locales) a comma
        number = number.replace(",", ".")
        try:
            return round(float(number) * _SUFFIX[suffix.lower()])
        except ValueError:
            return None
    digits = number.replace(",", "").replace(".", "")
    return int(digits) if digits.isdigit() else None
