"""Match an Animusic song to a Spotify track (pure: no HTTP, no database).

A song title often carries more than the track's name: a subtitle (``Nagareboshi ~Shooting
Star~``, ``GLORY -Kimi ga iru Kara-``), an edition (``(TV size)``, ``-TV ver.-``) or an
English/Japanese alternative in brackets. ``title_variants`` turns it into the names worth
searching for (the full title, the title without the edition words, the main part, the
subtitle); ``queries`` pairs them with the artists, and ``best_match`` scores what Spotify
returned: title similarity to the nearest variant, artist similarity, and a penalty for an
edition the song does not have (a remix or live take of the right song is another track).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

# words that name a cut of the same recording, not another song: dropped before matching
RELATION_WORDS = re.compile(
    r"\b(tv[ .-]?(size|ver(sion)?\.?|edit(ion)?|mix)|short[ .-]?(ver(sion)?\.?|size)|"
    r"full[ .-]?(ver(sion)?\.?|size)|op(ening)?[ .-]?ver(sion)?\.?|"
    r"ed(ing)?[ .-]?ver(sion)?\.?|anime[ .-]?(ver(sion)?\.?|edit(ion)?)|"
    r"movie[ .-]?ver(sion)?\.?)(?=\W|$)",
    re.IGNORECASE,
)
# words that make a track a different take: penalised when only one side has them
EDITION_WORDS = (
    "remix",
    "live",
    "instrumental",
    "karaoke",
    "acoustic",
    "off vocal",
    "english ver",
    "cover",
)
BRACKETS = re.compile(r"\s*(\([^)]*\)|\[[^\]]*\]|「[^」]*」|『[^』]*』|【[^】]*】)\s*")
# a bracket or subtitle that names a version is no alternative title
VERSION_NOTE = re.compile(
    r"\b(ver\.?|version|mix|edit|remix|arrange(ment)?)(?=\W|$)", re.IGNORECASE
)
SUBTITLE = re.compile(r"\s+[~～〜-]\s*(.+?)\s*[~～〜-]?\s*$|\s*[~～〜]\s*(.+?)\s*[~～〜]?\s*$")

HIGH_CONFIDENCE = 0.85  # stop searching: this is the track
DEFAULT_MIN_CONFIDENCE = 0.6  # below: left out of the export and listed


@dataclass(frozen=True)
class SongQuery:
    """What is known about an Animusic song for matching."""

    song_id: str
    title: str
    artists: tuple[str, ...] = ()
    anime_titles: tuple[str, ...] = ()  # romaji, English: a last-resort search term


@dataclass(frozen=True)
class Candidate:
    """One track from a Spotify search result."""

    uri: str
    name: str
    artists: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    candidate: Candidate | None
    confidence: float
    query: str


def normalise(text: str) -> str:
    """Width-, case- and accent-insensitive, punctuation as spaces (matching only)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def strip_relation_words(title: str) -> str:
    """``Unravel (TV size)`` -> ``Unravel``; empty brackets and dangling dashes go too."""
    text = RELATION_WORDS.sub(" ", title)
    text = re.sub(r"\(\s*\)|\[\s*\]|-\s*-|~\s*~", " ", text)
    return " ".join(text.split()).strip(" -~")


def title_variants(title: str) -> list[str]:
    """The names a song may have on Spotify, best guess first, without duplicates."""
    variants: list[str] = []

    def add(value: str | None, alternative: bool = False) -> None:
        value = " ".join((value or "").split()).strip(" -")
        if alternative and VERSION_NOTE.search(value):
            return
        if value and normalise(value) and normalise(value) not in map(normalise, variants):
            variants.append(value)

    cleaned = strip_relation_words(title)
    add(cleaned)
    bracketed = [m.strip(" ()[]「」『』【】") for m in BRACKETS.findall(cleaned)]
    main = BRACKETS.sub(" ", cleaned)
    add(main)
    subtitle = SUBTITLE.search(main)
    if subtitle:
        add(main[: subtitle.start()])
        add(subtitle.group(1) or subtitle.group(2), alternative=True)
    for alternative in bracketed:
        add(alternative, alternative=True)
    add(title)
    return variants


def queries(song: SongQuery) -> list[str]:
    """Spotify search strings, tried in order until one finds a confident match."""
    variants = title_variants(song.title)
    artist = song.artists[0] if song.artists else ""
    out: list[str] = []
    for variant in variants[:3]:
        out.append(f'track:"{variant}" artist:"{artist}"' if artist else f'track:"{variant}"')
    for variant in variants[:2]:
        out.append(f"{variant} {artist}".strip())
    for anime in song.anime_titles[:2]:
        out.append(f"{variants[0] if variants else song.title} {anime}")
    return list(dict.fromkeys(q for q in out if q.strip()))


def _similarity(a: str, b: str) -> float:
    a, b = normalise(a), normalise(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ratio = SequenceMatcher(None, a, b).ratio()
    # one name contained in the other at a word boundary ("Gurenge" in "Gurenge - TV size")
    if f" {a} " in f" {b} " or f" {b} " in f" {a} ":
        ratio = max(ratio, 0.9)
    return ratio


def _has_edition(text: str) -> set[str]:
    text = normalise(text)
    return {w for w in EDITION_WORDS if w in text}


def confidence(song: SongQuery, candidate: Candidate) -> float:
    """0..1: title similarity (to the nearest variant) weighted 0.6, artist 0.4 (a song
    without artists is judged on its title alone), minus 0.3 for an edition only one side
    has."""
    name = strip_relation_words(candidate.name)
    title_score = max((_similarity(v, name) for v in title_variants(song.title)), default=0.0)
    if song.artists:
        artist_score = max(
            (_similarity(a, c) for a in song.artists for c in candidate.artists), default=0.0
        )
        score = 0.6 * title_score + 0.4 * artist_score
    else:
        score = title_score
    if _has_edition(song.title) != _has_edition(candidate.name):
        score -= 0.3
    return round(max(0.0, min(1.0, score)), 4)


def best_match(song: SongQuery, query: str, candidates: list[Candidate]) -> Match:
    scored = [(confidence(song, c), i, c) for i, c in enumerate(candidates)]
    if not scored:
        return Match(None, 0.0, query)
    # ties go to Spotify's own order (its relevance ranking)
    score, _, candidate = max(scored, key=lambda t: (t[0], -t[1]))
    return Match(candidate, score, query)
