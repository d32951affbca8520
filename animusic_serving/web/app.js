// Animusic web page: sign in (AniList implicit grant, or a plain name on a dev-mode server),
// fetch a playlist, play it in the embedded YouTube player, like, prev/next. Watch time is
// the time the video actually played (the sum of the playing intervals, in media seconds),
// not the playhead. Feedback is queued in localStorage and retried with backoff, so a report
// made while the API is unreachable arrives once it is back.
"use strict";

(() => {
  const KEY = "animusic.";
  const BACKOFF_BASE_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const AUTHORIZE_URL = "https://anilist.co/api/v2/oauth/authorize";
  const YT_API = "https://www.youtube.com/iframe_api";

  const $ = (id) => document.getElementById(id);
  const store = {
    get(name, fallback) {
      try { return JSON.parse(localStorage.getItem(KEY + name)) ?? fallback; } catch { return fallback; }
    },
    set(name, value) {
      if (value === null || value === undefined) localStorage.removeItem(KEY + name);
      else localStorage.setItem(KEY + name, JSON.stringify(value));
    },
  };

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // ------------------------------------------------------------------ API

  function auth() {
    const session = store.get("session", null);
    if (session?.token && (!session.expires_at || Date.parse(session.expires_at) > Date.now())) {
      return { headers: { Authorization: `Bearer ${session.token}` }, username: null };
    }
    if (session?.dev) return { headers: {}, username: session.username };
    return null;
  }

  async function api(method, path, body, { signedIn = true, keepalive = false } = {}) {
    const url = new URL(path, location.origin);
    const headers = { Accept: "application/json" };
    if (signedIn) {
      const who = auth();
      if (!who) throw new ApiError(401, "sign in first");
      Object.assign(headers, who.headers);
      if (who.username) {
        if (body !== undefined) body = { ...body, anilist_username: who.username };
        else url.searchParams.set("anilist_username", who.username);
      }
    }
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, { method, headers, keepalive, credentials: "omit",
                                    body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, "the Animusic API is unreachable");
    }
    let data = null;
    try { data = await response.json(); } catch { /* no body */ }
    if (!response.ok) {
      if (response.status === 401 && headers.Authorization) {  // expired or revoked session
        store.set("session", null);
        setTimeout(render, 0);
      }
      throw new ApiError(response.status, typeof data?.detail === "string" ? data.detail : `HTTP ${response.status}`);
    }
    return data;
  }

  // ------------------------------------------------------------------ feedback queue

  let flushing = false;
  let retryTimer = null;
  const retryable = (s) => s === 0 || s === 408 || s === 429 || s >= 500;

  function enqueue(entry) {
    const queue = store.get("queue", []);
    queue.push({ id: `${Date.now()}-${Math.random().toString(36).slice(2)}`, attempts: 0, nextAt: 0, ...entry });
    store.set("queue", queue);
    renderPending();
    flush();
  }

  function updateQueue(fn) {
    store.set("queue", fn(store.get("queue", [])));
    renderPending();
  }

  async function flush({ keepalive = false } = {}) {
    if (flushing) return;
    flushing = true;
    try {
      for (;;) {
        const entry = store.get("queue", [])[0];
        if (!entry) return;
        if (entry.nextAt > Date.now() && !keepalive) {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(flush, entry.nextAt - Date.now());
          return;
        }
        try {
          await api(entry.method, entry.path, entry.body, { keepalive });
          updateQueue((q) => q.filter((e) => e.id !== entry.id));
          setApiDown(false);
        } catch (err) {
          if (entry.method === "DELETE" && err.status === 404) {
            updateQueue((q) => q.filter((e) => e.id !== entry.id));
          } else if (err.status === 401) {
            say("Sign in again to send your feedback.", true, "welcome-message");
            return;
          } else if (retryable(err.status)) {
            const attempts = entry.attempts + 1;
            const delay = Math.round(Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1)) *
                                     (0.8 + 0.4 * Math.random()));
            updateQueue((q) => q.map((e) => (e.id === entry.id ? { ...e, attempts, nextAt: Date.now() + delay } : e)));
            setApiDown(err.status === 0);
            clearTimeout(retryTimer);
            retryTimer = setTimeout(flush, delay);
            return;
          } else {
            updateQueue((q) => q.filter((e) => e.id !== entry.id));
            say(`Feedback refused: ${err.message}`, true);
          }
        }
      }
    } finally {
      flushing = false;
    }
  }

  let apiDown = false;
  function setApiDown(down) { apiDown = down; renderPending(); }
  function renderPending() {
    const n = store.get("queue", []).length;
    $("pending").textContent = n ? `${n} feedback waiting${apiDown ? " — API unreachable, retrying" : ""}` : "";
  }

  // ------------------------------------------------------------------ measurement

  let player = null;       // YT.Player
  let ytReady = null;      // Promise<YT>
  let watch = null;        // {index, videoId, played, since, rate, furthest, duration}
  const now = () => performance.now();

  function openInterval() {
    if (watch && watch.since === null) {
      watch.since = now();
      watch.rate = player?.getPlaybackRate?.() || 1;
    }
  }
  function closeInterval() {
    if (watch && watch.since !== null) {
      watch.played += ((now() - watch.since) / 1000) * watch.rate;
      watch.since = null;
    }
  }
  function sample() {
    if (!watch || !player?.getCurrentTime) return;
    const t = Number(player.getCurrentTime()) || 0;
    const d = Number(player.getDuration()) || 0;
    watch.furthest = Math.max(watch.furthest, t);
    if (d > 0) watch.duration = d;
  }
  function measurement() {
    if (!watch) return null;
    sample();
    const open = watch.since !== null ? ((now() - watch.since) / 1000) * watch.rate : 0;
    return { watch_time: watch.played + open, furthest: watch.furthest, duration: watch.duration };
  }

  function feedbackBody(item, m, liked) {
    const duration = m && m.duration > 0 ? m.duration : 0;
    let watched = m && m.watch_time > 0 ? m.watch_time : 0;
    if (duration > 0) watched = Math.min(watched, duration);
    const playlist = store.get("playlist", null);
    const body = { song_id: item.song_id, recommended_by: item.recommended_by,
                   watch_time: Math.round(watched * 100) / 100,
                   total_video_time: Math.round(duration * 100) / 100, liked: !!liked };
    if (playlist?.playlist_id) body.playlist_id = playlist.playlist_id;
    if (Number.isInteger(item.position)) body.position = item.position;
    return body;
  }

  // report what was played of the current song (prev/next, ended, leaving the page)
  function reportCurrent({ keepalive = false } = {}) {
    const playlist = store.get("playlist", null);
    const m = measurement();
    if (!playlist || !watch || !m || (m.watch_time <= 0 && m.furthest <= 0)) return;
    const item = playlist.items[watch.index];
    if (!item) return;
    const liked = !!store.get("liked", {})[item.song_id];
    enqueue({ method: "POST", path: "/feedback", body: feedbackBody(item, m, liked) });
    if (keepalive) flush({ keepalive: true });
  }

  // ------------------------------------------------------------------ player

  function videoOf(item) {
    const links = item.links || [];
    const withId = links.find((l) => l.platform === "youtube" && l.video_id);
    const any = links.find((l) => l.platform === "youtube" && l.url) || links.find((l) => l.url);
    return { videoId: withId?.video_id || null, url: withId?.url || any?.url || null };
  }

  function loadYouTube() {
    if (!ytReady) {
      ytReady = new Promise((resolve, reject) => {
        window.onYouTubeIframeAPIReady = () => resolve(window.YT);
        const script = document.createElement("script");
        script.src = YT_API;
        script.onerror = () => { ytReady = null; reject(new Error("the YouTube player did not load")); };
        document.head.append(script);
      });
    }
    return ytReady;
  }

  async function playVideo(videoId) {
    const YT = await loadYouTube();
    if (player) {
      player.loadVideoById(videoId);
      return;
    }
    await new Promise((resolve) => {
      player = new YT.Player("player", {
        videoId,
        playerVars: { autoplay: 1, playsinline: 1, rel: 0 },
        events: {
          onReady: (e) => { e.target.playVideo(); resolve(); },
          onStateChange: (e) => {
            if (e.data === YT.PlayerState.PLAYING) openInterval(); else closeInterval();
            if (e.data === YT.PlayerState.ENDED) reportCurrent();
          },
          onPlaybackRateChange: () => { closeInterval(); if (player.getPlayerState() === YT.PlayerState.PLAYING) openInterval(); },
        },
      });
    });
  }

  async function play(index) {
    const playlist = store.get("playlist", null);
    const item = playlist?.items[index];
    if (!item) return;
    if (watch) reportCurrent();
    closeInterval();
    playlist.index = index;
    store.set("playlist", playlist);
    const { videoId, url } = videoOf(item);
    watch = videoId ? { index, videoId, played: 0, since: null, rate: 1, furthest: 0, duration: 0 } : null;
    render();
    if (videoId) {
      try { await playVideo(videoId); } catch (err) { say(err.message, true); }
    } else {
      player?.stopVideo?.();
      $("search-link").href = url || "https://www.youtube.com/";
    }
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
    $("who").textContent = session ? (session.dev ? `${session.username} (demo)` : `@${session.username}`) : "";
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
      title.append(tag, item.title);
      const anime = document.createElement("div");
      anime.className = "anime";
      anime.textContent = `${item.anime_title} · ${item.relation}${item.artists?.length ? " · " + item.artists.join(", ") : ""}`;
      text.append(title, anime);
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
    $("now-title").textContent = item ? item.title : "—";
    $("now-sub").textContent = item ? `${item.anime_title} · picked by ${item.recommended_by}` : "";
    $("like").disabled = !item;
    $("like").setAttribute("aria-pressed", String(!!(item && liked[item.song_id])));
    $("like").textContent = item && liked[item.song_id] ? "♥" : "♡";
    $("prev").disabled = !item || index <= 0;
    $("next").disabled = !items.length;
    $("empty").hidden = !!item;
    $("no-video").hidden = !item || !!videoOf(item).videoId;
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

  async function step(delta) {
    const playlist = store.get("playlist", null);
    if (!playlist) return;
    let index = (playlist.index ?? -1) + delta;
    if (index >= playlist.items.length) {
      reportCurrent();
      watch = null;
      if (!(await fetchPlaylist())) return;
      index = 0;
    }
    await play(Math.max(0, index));
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
      const m = watch && watch.index === playlist.index ? measurement() : null;
      enqueue({ method: "POST", path: "/feedback", body: feedbackBody(item, m, true) });
    }
    render();
  }

  async function signInDev(event) {
    event.preventDefault();
    const username = $("dev-name").value.trim();
    if (!username) return;
    store.set("session", { dev: true, username });
    try {
      const data = await api("GET", "/playlist");
      store.set("playlist", { playlist_id: data.playlist_id, items: data.items, index: -1 });
      store.set("liked", {});
      render();
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
      say("Enter your AniList client id first.", true, "welcome-message");
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
    reportCurrent();
    closeInterval();
    watch = null;
    player?.stopVideo?.();
    for (const name of ["session", "playlist", "liked"]) store.set(name, null);
    render();
  }

  async function importAniList() {
    say("Importing your AniList list…");
    try {
      const out = await api("POST", "/import/anilist", {});
      say(`Imported ${out.anime_count} anime from AniList. Get a new playlist to use it.`);
    } catch (err) {
      say(err.message, true);
    }
  }

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
    $("fetch").addEventListener("click", async () => { reportCurrent(); watch = null; await fetchPlaylist(); });
    $("import").addEventListener("click", importAniList);
    $("next").addEventListener("click", () => step(+1));
    $("prev").addEventListener("click", () => step(-1));
    $("like").addEventListener("click", toggleLike);
    window.addEventListener("pagehide", () => { closeInterval(); reportCurrent({ keepalive: true }); });
    window.addEventListener("online", () => flush());
    setInterval(sample, 1000);
    await finishAniList();
    render();
    const playlist = store.get("playlist", null);
    if (auth() && playlist && playlist.index >= 0) {  // back on the page: show where we were
      playlist.index = Math.min(playlist.index, playlist.items.length - 1);
      store.set("playlist", playlist);
      render();
    }
    flush();
  }

  main();
})();
