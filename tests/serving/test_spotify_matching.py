"""The pure Spotify matcher: title variants, queries, confidence."""

from animusic_serving.spotify.matching import (
    Candidate,
    SongQuery,
    best_match,
    confidence,
    queries,
    strip_relation_words,
    title_variants,
)


def test_relation_words_are_dropped():
    assert strip_relation_words("Unravel (TV size)") == "Unravel"
    assert strip_relation_words("Gurenge -TV ver.-") == "Gurenge"
    assert strip_relation_words("Silhouette (TV Edit)") == "Silhouette"
    assert strip_relation_words("Tank!") == "Tank!"


def test_variants_cover_subtitles_and_bracketed_alternatives():
    assert title_variants("Nagareboshi ~Shooting Star~")[1:] == ["Nagareboshi", "Shooting Star"]
    assert "紅蓮華" in title_variants("Gurenge (紅蓮華)")
    # a bracket naming a version is no alternative title
    assert not any(
        "years after" in v
        for v in title_variants("secret base ~Kimi ga Kureta Mono~ (10 years after ver.)")[1:]
    )
    assert "second version" not in title_variants("departure! -second version-")


def test_queries_start_with_title_and_artist_then_fall_back():
    song = SongQuery("s", "Unravel (TV size)", ("TK from Ling tosite sigure",), ("Tokyo Ghoul",))
    qs = queries(song)
    assert qs[0] == 'track:"Unravel" artist:"TK from Ling tosite sigure"'
    assert qs[-1] == "Unravel Tokyo Ghoul"
    assert len(qs) == len(set(qs))


def test_confidence_prefers_the_same_take_by_the_same_artist():
    song = SongQuery("s", "Unravel (TV size)", ("TK from Ling tosite sigure",))
    right = Candidate("spotify:track:a", "unravel", ("TK from Ling tosite sigure",))
    acoustic = Candidate(
        "spotify:track:b", "unravel - Acoustic Version", ("TK from Ling tosite sigure",)
    )
    stranger = Candidate("spotify:track:c", "Unravel", ("Someone Else",))
    assert confidence(song, right) == 1.0
    assert confidence(song, acoustic) < 0.85
    assert confidence(song, stranger) < confidence(song, right)
    match = best_match(song, "q", [acoustic, stranger, right])
    assert match.candidate == right and match.query == "q"
    assert best_match(song, "q", []).candidate is None


def test_a_remix_of_a_remix_is_fine_and_unrelated_names_score_low():
    song = SongQuery("s", "Glitter (Starving Trancer Remix)", ("Ayumi Hamasaki",))
    assert (
        confidence(song, Candidate("u", "Glitter (Starving Trancer Remix)", ("Ayumi Hamasaki",)))
        == 1.0
    )
    assert (
        confidence(
            SongQuery("s", "Blue Bird", ("Ikimonogakari",)), Candidate("u", "Red Fish", ("Nobody",))
        )
        < 0.6
    )
