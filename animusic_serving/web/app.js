// Animusic web page: sign in (AniList implicit grant, or a plain name on a dev-mode server),
// say what you like (anime picker, list import: picker.js), get a playlist, play it inline
// (player.js), like, prev/next. What was played of a song (listening.js) is reported on
// next, prev, another song, the end of the song and leaving the page, so a skip is 0 s
// (the queue and the requests: api.js).
"use strict";

(() => {
  const A = (window.Animusic = window.Animusic || {});
  const AUTHORIZE_URL = "https://anilist.co/api/v2/oauth/authorize";
  const MODEL_TIPS = {
    tfidf: "TF-IDF: songs whose words (titles, artists, staff, tags, genres) match songs you like",
    minilm: "MiniLM: songs whose descriptions read like those of songs you like (sentence embeddings)",
    mpnet: "MPNet: songs whose descriptions read like those of songs you like (a larger sentence model)",
    node2vec: "node2vec: songs close in the graph of songs, artists, anime, studios and tags",
    lists: "lists: songs of anime that listeners with anime like yours also liked (public anime lists)",
    popular: "popular: the most-viewed songs you have not heard here",
    random: "random: any song of the catalogue, for discovery",
    hybrid: "hybrid: a tuned mix of the similarity models and a popularity prior",
  };

  const $ = (id) => document.getElementById(id);
  const { store, auth, api, enqueue, flush, renderPending } = A;
  // ------------------------------------------------------------------ listening

  let playingIndex = -1; // the item whose meter is running (-1: none)

  function feedbackBody(item, m, extra = {}) {
    const playlist = store.get("playlist", null);
    const body = { song_id: item.song_id, recommended_by: item.recommended_by,
                   watch_time: m ? m.watch_time : 0, total_video_time: m ? m.total_video_time : 0,
                   liked: !!store.get("liked", {})[item.song_id], ...extra };
    if (playlist?.playlist_id) body.playlist_id = playlist.playlist_id;
    if (Number.isInteger(item.position)) body.position = item.position;
    return body;
  }

  // the current song is done with (next, prev, ended, another song, leaving): report it
  function finishCurrent({ leaving = false } = {}) {
    const playlist = store.get("playlist", null);
    const item = playlist?.items[playingIndex];
    const m = leaving ? A.player.report() : A.player.finish();
    if (item && m) enqueue({ method: "POST", path: "/feedback", body: feedbackBody(item, m) }, { leaving });
    if (!leaving) playingIndex = -1;
  }

  async function play(index) {
    const playlist = store.get("playlist", null);
    const item = playlist?.items[index];
    if (!item) return;
    finishCurrent();
    playlist.index = index;
    store.set("playlist", playlist);
    playingIndex = index;
    mediaError = null;
    render();
    const source = await A.player.start(item, {
      onEnded: () => step(+1),  // autoplay: the next song starts at the end of this one
      onError: (message) => { mediaError = message; render(); },
    });
    if (source.kind === "search") $("search-link").href = source.url || "https://www.youtube.com/";
  }

  let mediaError = null;

  async function step(delta) {
    const playlist = store.get("playlist", null);
    if (!playlist) return;
    let index = (playlist.index ?? -1) + delta;
    if (index >= playlist.items.length) {
      finishCurrent();
      if (!(await fetchPlaylist())) return;
      index = 0;
    }
    await play(Math.max(0, index));
  }

  // ------------------------------------------------------------------ UI

  function say(text, isError = false, target = "message") {
    const el = $(target);
    el.textContent = text || "";
    el.classList.toggle("error", !!isError);
  }

  function render() {
    const session = store.get("session", null);
    const signedIn = !!auth();
    $("welcome").hidden = signedIn;
    $("app").hidden = !signedIn;
    $("account").hidden = !signedIn;
    $("who").textContent = session ? (session.dev ? `${session.username} · demo` : `@${session.username}`) : "";
    const playlist = store.get("playlist", null);
    const items = playlist?.items || [];
    const index = playlist?.index ?? -1;
    const liked = store.get("liked", {});
    const list = $("items");
    list.replaceChildren();
    items.forEach((item, i) => {
      const li = document.createElement("li");
      li.dataset.songId = item.song_id;
      if (i === index) li.classList.add("current");
      const text = document.createElement("div");
      text.className = "text";
      const title = document.createElement("div");
      title.className = "title";
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = item.recommended_by;
      tag.title = MODEL_TIPS[item.recommended_by] || `picked by ${item.recommended_by}`;
      title.append(tag, item.title);
      const anime = document.createElement("div");
      anime.className = "anime";
      anime.textContent = `${item.anime_title} · ${item.relation}${item.artists?.length ? " · " + item.artists.join(", ") : ""}`;
      anime.title = anime.textContent;  // the line is cut on narrow screens
      const why = document.createElement("div");
      why.className = "why muted";
      why.textContent = item.explanation || "";
      why.title = why.textContent;
      text.append(title, anime, why);
      li.append(text);
      if (liked[item.song_id]) {
        const heart = document.createElement("span");
        heart.className = "heart";
        heart.textContent = "♥";
        li.append(heart);
      }
      li.addEventListener("click", () => play(i));
      list.append(li);
    });
    const item = items[index];
    const active = !!item && playingIndex === index;
    $("now-title").textContent = item ? item.title : "—";
    $("now-sub").textContent = item ? `${item.anime_title} · picked by ${item.recommended_by}` : "";
    $("now-why").textContent = item?.explanation || "";
    $("like").disabled = !item;
    $("like").setAttribute("aria-pressed", String(!!(item && liked[item.song_id])));
    $("like").textContent = item && liked[item.song_id] ? "♥" : "♡";
    $("prev").disabled = !item || index <= 0;
    $("next").disabled = !items.length;
    $("empty").hidden = active || !!item;
    // "audio only" means something only for AnimeThemes files: none in the list, no toggle
    $("audio-only").closest("label").hidden =
      !items.some((i) => A.player.sourceOf(i).kind === "file");
    $("empty-text").textContent = items.length ? "Click a song in your playlist, or press Next ▶."
                                               : "Pick a few anime you like, then get a playlist.";
    const kind = item ? A.player.sourceOf(item).kind : null;
    $("no-video").hidden = !item || kind !== "search" || !!mediaError;
    $("media-error").hidden = !active || !mediaError;
    $("media-error-text").textContent = mediaError || "";
    renderPending();
  }

  async function fetchPlaylist() {
    say("Fetching a playlist…");
    try {
      const data = await api("GET", "/playlist");
      store.set("playlist", { playlist_id: data.playlist_id, items: data.items, index: -1 });
      say("");
      render();
      return true;
    } catch (err) {
      say(err.message, true);
      return false;
    }
  }

  function toggleLike() {
    const playlist = store.get("playlist", null);
    const item = playlist?.items[playlist.index];
    if (!item) return;
    const liked = store.get("liked", {});
    if (liked[item.song_id]) {
      delete liked[item.song_id];
      store.set("liked", liked);
      enqueue({ method: "DELETE", path: `/feedback/${encodeURIComponent(item.song_id)}/like` });
    } else {
      liked[item.song_id] = true;
      store.set("liked", liked);
      const m = playingIndex === playlist.index ? A.player.report() : null;
      enqueue({ method: "POST", path: "/feedback", body: feedbackBody(item, m) });
    }
    render();
  }

  // a search link opened elsewhere: nothing to measure, but the listener went for it
  function openedSearch() {
    const playlist = store.get("playlist", null);
    const item = playlist?.items[playlist.index];
    if (item) enqueue({ method: "POST", path: "/feedback", body: feedbackBody(item, null, { opened: true }) });
  }

  async function signInDev(event) {
    event.preventDefault();
    const username = $("dev-name").value.trim();
    if (!username) return;
    store.set("session", { dev: true, username });
    try {  // a playlist comes with it (a list of yours, picked or imported, shapes it)
      const data = await api("GET", "/playlist");
      store.set("playlist", { playlist_id: data.playlist_id, items: data.items, index: -1 });
      store.set("liked", {});
      render();
      A.picker.refresh();
    } catch (err) {
      store.set("session", null);
      render();
      say(err.status === 401 ? "This server needs an AniList sign-in (it is not in dev mode)."
                             : err.message, true, "welcome-message");
    }
  }

  function signInAniList() {
    const clientId = store.get("clientId", "");
    if (!clientId) {
      $("welcome").querySelector("details").open = true;
      say("Signing in with AniList needs this server's AniList client id (below); on a local demo, "
        + "continue with a name instead.", true, "welcome-message");
      return;
    }
    const url = new URL(AUTHORIZE_URL);
    url.searchParams.set("client_id", clientId);
    url.searchParams.set("response_type", "token");
    location.assign(url.href);
  }

  // back from AniList: #access_token=… (the fragment never reaches a server); exchange it
  async function finishAniList() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    if (!fragment.has("access_token") && !fragment.has("error")) return;
    history.replaceState(null, "", location.pathname + location.search);
    const token = fragment.get("access_token");
    if (!token) {
      say(`AniList did not sign you in (${fragment.get("error")}).`, true, "welcome-message");
      return;
    }
    try {
      const out = await api("POST", "/auth/anilist", { access_token: token }, { signedIn: false });
      store.set("session", { token: out.session_token, username: out.anilist_username,
                             expires_at: out.expires_at });
      store.set("playlist", null);
      store.set("liked", {});
    } catch (err) {
      say(`Sign-in failed: ${err.message}`, true, "welcome-message");
    }
  }

  function signOut() {
    finishCurrent();
    for (const name of ["session", "playlist", "liked"]) store.set(name, null);
    render();
  }

  Object.assign(A, { say, render, fetchPlaylist });

  async function main() {
    $("redirect-url").textContent = location.origin + "/";
    $("client-id").value = store.get("clientId", "");
    $("save-client-id").addEventListener("click", () => {
      store.set("clientId", $("client-id").value.trim());
      say("Saved.", false, "welcome-message");
    });
    $("anilist-sign-in").addEventListener("click", signInAniList);
    $("dev-form").addEventListener("submit", signInDev);
    $("sign-out").addEventListener("click", signOut);
    $("fetch").addEventListener("click", async () => { finishCurrent(); render(); await fetchPlaylist(); });
    $("next").addEventListener("click", () => step(+1));
    $("error-next").addEventListener("click", () => step(+1));
    $("prev").addEventListener("click", () => step(-1));
    $("like").addEventListener("click", toggleLike);
    $("search-link").addEventListener("click", openedSearch);
    $("audio-only").checked = !!store.get("audioOnly", false);
    A.audioOnly = () => $("audio-only").checked;
    $("audio-only").addEventListener("change", () => {
      store.set("audioOnly", $("audio-only").checked);
      A.player.switchAudio();
      render();
    });
    window.addEventListener("pagehide", () => finishCurrent({ leaving: true }));
    window.addEventListener("online", () => flush());
    await finishAniList();
    render();
    const playlist = store.get("playlist", null);
    if (auth() && playlist && playlist.index >= 0) {  // back on the page: show where we were
      playlist.index = Math.min(playlist.index, playlist.items.length - 1);
      store.set("playlist", playlist);
      render();
    }
    if (auth()) A.picker.refresh();
    flush();
  }

  document.addEventListener("DOMContentLoaded", main);
})();
