"""A coarse franchise key per anime, so sequels and seasons can be recognised as kin.

MAL lists every season as its own anime ("Shingeki no Kyojin Season 3 Part 2"); people who
liked one season mostly like the others. The key is the first three words of the normalised
romaji title once season/part/sequel words are dropped. It is deliberately simple: it is one
signal of the hybrid model, and the offline evaluation decides how much it is worth.
"""

from __future__ import annotations

import re

from animusic_assets.core.text import normalise

_SEQUEL_WORDS = {
    "season",
    "seasons",
    "part",
    "cour",
    "stage",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "final",
    "the",
    "movie",
    "movies",
    "film",
    "tv",
    "ova",
    "ona",
    "special",
    "specials",
    "zoku",
    "shin",
    "kan",
    "ii",
    "iii",
    "iv",
    "v",
    "vi",
    "2nd",
    "3rd",
    "4th",
    "5th",
    "6th",
    "s",
}
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th)?$")
KEY_WORDS = 3


def franchise_key(title: str | None) -> str:
    words = [
        w for w in normalise(title).split() if w not in _SEQUEL_WORDS and not _ORDINAL.match(w)
    ]
    if not words:  # a title made only of sequel words or numbers ("86") keeps itself
        return normalise(title)
    return " ".join(words[:KEY_WORDS])
