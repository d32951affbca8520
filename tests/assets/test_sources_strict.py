"""Issue 15, defect 8: credit roles by their own words, cut-off AniDB pages, YouTube watch
pages without player data and ban pages in plain words. Hand-written fixtures plus the real
saved pages in ../shared/fixtures (skipped when absent)."""

from pathlib import Path

import pytest

from animusic_assets.core.catalog import CREDIT_ROLES
from animusic_assets.sources import anidb, youtube

HERE = Path(__file__).parent / "fixtures" / "live"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


def _shared(rel: str) -> str:
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared not checked out)")
    return path.read_text(encoding="utf-8")


def _live(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def test_credit_roles_by_the_roles_own_words():
    [song] = anidb.parse_anidb_anime(_live("anidb_credit_roles.html"))["songs"]
    roles = [(c["name"], c["role"]) for c in song["credits"]]
    assert roles == [
        ("Lead Singer", "vocals"),
        ("Studio Orchestra", "performance"),
        ("Guest Rapper", "featuring"),
        ("Word Smith", "lyrics"),
    ]
    assert {role for _, role in roles} <= set(CREDIT_ROLES)  # the catalog accepts them all


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("Vocals/Performed by (歌)", "vocals"),
        ("Musical Performance (演奏)", "performance"),
        ("Featuring", "featuring"),
        ("Music Composition (作曲)", "composition"),
        ("Music Arrangement (編曲)", "arrangement"),
        ("Lyrics (作詞)", "lyrics"),
        ("Chorus", "chorus"),
        ("  vocals ", "vocals"),
        ("(歌)", "vocals"),
        ("Performance Supervisor", None),
        ("Original Work", None),
        ("Sound Director", None),
    ],
)
def test_role_of(label, role):
    assert anidb.role_of(label) == role


def _songlist_cuts(html: str) -> list[int]:
    start = html.index('id="songlist"')
    end = html.index("</table>", start)
    return [start + (end - start) * k // 7 for k in range(1, 7)]


def test_a_hand_written_page_cut_inside_the_song_table_is_refused():
    html = _live("anidb_small.html")
    for cut in _songlist_cuts(html):
        for page in (html[:cut], html[:cut] + "</html>"):  # cut, and cut but "closed"
            with pytest.raises(anidb.AnidbPageError, match="cut off"):
                anidb.parse_anidb_anime(page)
            assert anidb.page_problem(page)  # the fetcher does not cache it either
    assert anidb.page_problem(html) is None


def test_a_song_row_without_its_link_is_refused():
    html = _live("anidb_small.html").replace('<a href="/song/222">Second Light</a>', "<a")
    with pytest.raises(anidb.AnidbPageError, match="/song/N"):
        anidb.parse_anidb_anime(html)


def test_the_real_anidb_page_cut_anywhere_in_its_song_table_is_refused():
    html = _shared("anidb/anime_13734.html")
    assert anidb.page_problem(html) is None and len(anidb.parse_anidb_anime(html)["songs"]) == 4
    for cut in _songlist_cuts(html):
        with pytest.raises(anidb.AnidbPageError, match="cut off"):
            anidb.parse_anidb_anime(html[:cut])


def test_a_ban_in_plain_words_is_recognised():
    assert "banned" in anidb.anidb_ban_reason(_live("anidb_ban_plain.html"))
    assert anidb.anidb_ban_reason(_live("anidb_ban.html"))
    for text in (
        "Your IP has been banned.",
        "This IP address is temporarily blocked",
        "Error: IP banned for 24 hours",
    ):
        assert anidb.anidb_ban_reason(f"<html><body><p>{text}</p></body></html>"), text
    with pytest.raises(anidb.AnidbPageError, match="ban"):
        anidb.parse_anidb_anime(_live("anidb_ban_plain.html"))


def test_anime_pages_are_never_ban_pages():
    assert anidb.anidb_ban_reason(_live("anidb_small.html")) is None
    described = _live("anidb_small.html").replace(
        "<table",
        "<p>A band whose IP address was banned from every venue; access denied!</p><table",
        1,
    )
    assert anidb.anidb_ban_reason(described) is None
    assert anidb.anidb_ban_reason(_shared("anidb/anime_13734.html")) is None


def test_a_watch_page_without_player_data_is_an_error_not_hidden_likes():
    with pytest.raises(youtube.YoutubePageError, match="player data"):
        youtube.parse_watch(_live("youtube_watch_no_player.html"))
    assert youtube.watch_page_problem(_live("youtube_watch_no_player.html"))
    # hidden likes stay what they were: views known, likes None
    assert youtube.parse_watch(_live("youtube_watch_hidden_likes.html")) == {
        "views": 938066,
        "likes": None,
    }


def test_the_real_watch_page_without_its_player_data_is_an_error():
    html = _shared("youtube/watch_e9vrfEoc8_g.html")
    assert youtube.watch_page_problem(html) is None
    cut = html.index("ytInitialPlayerResponse")
    with pytest.raises(youtube.YoutubePageError):
        youtube.parse_watch(html[:cut])
    assert anidb.anidb_ban_reason(html) is None  # other sites' real pages are no AniDB ban
    assert anidb.anidb_ban_reason(_shared("mal/anime_57181.html")) is None
