"""Match AnimeThemes themes to an anime's catalog songs and add their links. Pure.

A theme matches a song of the same relation when their title keys are equal (see
``title_key``: romanisation and "feat."/version suffixes aside), or when the sequence is equal
and either the titles are close or an artist is shared; artists break ties.
Each song and each theme is used at most once (best pairs first). Themes of a dub or
rebroadcast group are never matched. Unmatched themes become new songs only when the anime has
no songs at all from AniDB (otherwise they are more likely AniDB's songs under another title).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from animusic_assets.core.text import normalise
from animusic_assets.sources.animethemes import AnimeTheme, best_video

PLATFORM = "animethemes"
CLOSE_TITLE = 0.8  # SequenceMatcher ratio of title keys counted as "close"
# what AnimeThemes appends to a title and AniDB does not: "(Movie edit)", "<TV Limited.>",
# "feat. Rikka Ihara", "(Produced by HYDE)"
_SUFFIX = re.compile(r"\s*(?:[(\[<（【].*?[)\]>）】]|\s(?:feat|ft)\.?\s.*)\s*$", re.IGNORECASE)
# long vowels romanised two ways: Tanjirou/Tanjiro, Yuusha/Yusha, Kyousoukyoku/Kyosokyoku
_LONG_VOWEL = re.compile(r"(?<=[aeiou])[uh](?![aeiou])|(?<=([aeiou]))\1")


def title_key(title: str | None) -> str:
    """A title reduced for matching: suffixes dropped, case, punctuation, spaces and long
    vowels folded ("Ren'ai Circulation" = "Renai Circulation", "Yume Tourou" = "Yumetourou")."""
    text = str(title or "")
    while (shorter := _SUFFIX.sub("", text)) != text and shorter.strip():
        text = shorter
    return _LONG_VOWEL.sub("", normalise(text).replace(" ", ""))


@dataclass
class MatchStats:
    op_ed_songs: int = 0  # the anime's openings and endings before matching
    op_ed_matched: int = 0  # ... of which matched an AnimeThemes theme
    themes: int = 0  # original-group themes AnimeThemes listed
    linked_songs: int = 0  # songs that got a playable link
    new_songs: int = 0  # themes added as songs (anime without AniDB songs)

    def add(self, other: MatchStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def match_rate(self) -> float | None:
        return self.op_ed_matched / self.op_ed_songs if self.op_ed_songs else None


def theme_link(theme: AnimeTheme, fetched_at: float | None) -> dict | None:
    """The links row for a theme: its best entry's best video, or None without a video."""
    entry = theme.best_entry()
    video = best_video(entry) if entry else None
    if entry is None or video is None:
        return None
    return {
        "platform": PLATFORM,
        "url": video.link,
        "audio_url": video.audio_link,
        "video_id": None,
        "episodes": entry.episodes,
        "nsfw": entry.nsfw,
        "spoiler": entry.spoiler,
        "resolution": video.resolution,
        "fetched_at": fetched_at,
    }


def _artists(song: dict) -> set[str]:
    return {
        normalise(c.get("name")) for c in song.get("credits") or [] if c.get("role") == "vocals"
    }


def _score(song: dict, theme: AnimeTheme, n_of_relation: int) -> float | None:
    """How well ``theme`` fits ``song``; None when it is not a match at all."""
    if song.get("relation") != theme.relation:
        return None
    song_title, theme_title = title_key(song.get("title")), title_key(theme.song_title)
    same_title = bool(song_title) and song_title == theme_title
    close = same_title or (
        bool(song_title and theme_title)
        and SequenceMatcher(None, song_title, theme_title).ratio() >= CLOSE_TITLE
    )
    theme_sequence = (
        theme.sequence if theme.sequence is not None else (1 if n_of_relation == 1 else None)
    )
    same_sequence = song.get("sequence") is not None and song.get("sequence") == theme_sequence
    shared_artist = bool(_artists(song) & {normalise(a) for a in theme.artists})
    if not (same_title or (same_sequence and (close or shared_artist))):
        return None
    return 4.0 * same_title + 2.0 * same_sequence + 1.0 * close + 0.5 * shared_artist


def match_themes(songs: list[dict], themes: list[AnimeTheme]) -> list[tuple[int, int]]:
    """(song index, theme index) pairs, best scores first, each song and theme at most once."""
    originals = [i for i, t in enumerate(themes) if t.group is None]
    per_relation: dict[str, int] = {}
    for i in originals:
        per_relation[themes[i].relation] = per_relation.get(themes[i].relation, 0) + 1
    candidates = []
    for si, song in enumerate(songs):
        for ti in originals:
            score = _score(song, themes[ti], per_relation[themes[ti].relation])
            if score is not None:
                candidates.append((-score, si, ti))
    pairs, used_songs, used_themes = [], set(), set()
    for _, si, ti in sorted(candidates):
        if si not in used_songs and ti not in used_themes:
            pairs.append((si, ti))
            used_songs.add(si)
            used_themes.add(ti)
    return sorted(pairs)


def _new_song(theme: AnimeTheme, link: dict | None) -> dict:
    entry = theme.best_entry() or (theme.entries[0] if theme.entries else None)
    return {
        "anidb_song_id": None,
        "title": theme.song_title,
        "relation": theme.relation,
        "sequence": theme.sequence,
        "episodes": entry.episodes if entry else None,
        "rating": None,
        "votes": None,
        "credits": [{"creator_id": None, "name": a, "role": "vocals"} for a in theme.artists],
        "links": [link] if link else [],
    }


def add_animethemes_links(
    songs: list[dict], themes: list[AnimeTheme], fetched_at: float | None
) -> tuple[list[dict], MatchStats]:
    """The songs with an ``animethemes`` link appended to each matched one (copies; a link
    already present is not added twice), plus new songs when there were none, and the stats."""
    out = [{**song, "links": [dict(link) for link in song.get("links") or []]} for song in songs]
    stats = MatchStats(
        op_ed_songs=sum(s.get("relation") in ("opening", "ending") for s in songs),
        themes=sum(t.group is None for t in themes),
    )
    pairs = match_themes(songs, themes)
    for si, ti in pairs:
        if out[si].get("relation") in ("opening", "ending"):
            stats.op_ed_matched += 1
        link = theme_link(themes[ti], fetched_at)
        if link and all(existing.get("url") != link["url"] for existing in out[si]["links"]):
            out[si]["links"].append(link)
            stats.linked_songs += 1
    if not songs:  # nothing from AniDB: AnimeThemes' own list is the best we have
        for theme in themes:
            if theme.group is None and theme.song_title:
                link = theme_link(theme, fetched_at)
                out.append(_new_song(theme, link))
                stats.new_songs += 1
                stats.linked_songs += link is not None
    return out, stats


def stored_themes(themes: list[AnimeTheme] | None, fetched_at: float | None) -> dict:
    """What the ingest store keeps per anime (``found`` false: AnimeThemes does not list it)."""
    return {
        "found": themes is not None,
        "themes": [t.to_dict() for t in themes or []],
        "fetched_at": fetched_at,
    }


def with_animethemes_links(songs: list[dict], stored: dict | None) -> list[dict]:
    """``songs`` with the stored themes' links added (unchanged when nothing is stored)."""
    if not stored or not stored.get("themes"):
        return songs
    themes = [AnimeTheme.from_dict(t) for t in stored["themes"]]
    return add_animethemes_links(songs, themes, stored.get("fetched_at"))[0]
