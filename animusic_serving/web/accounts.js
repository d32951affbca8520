// Accounts panel of the Animusic page: connect Spotify and export (liked songs or the
// playlist on screen), and the one-time code that links the Telegram bot. Kept apart from
// app.js on purpose: it only reads app.js's session and playlist from localStorage and talks
// to the API itself, so either file can change without the other.
"use strict";

(() => {
  const KEY = "animusic.";
  const read = (name) => {
    try { return JSON.parse(localStorage.getItem(KEY + name)); } catch { return null; }
  };

  function who() {
    const session = read("session");
    if (session?.token && (!session.expires_at || Date.parse(session.expires_at) > Date.now())) {
      return { headers: { Authorization: `Bearer ${session.token}` }, username: null };
    }
    if (session?.dev && session.username) return { headers: {}, username: session.username };
    return null;
  }

  async function call(method, path, body) {
    const user = who();
    if (!user) throw new Error("sign in first");
    const url = new URL(path, location.origin);
    if (user.username) url.searchParams.set("anilist_username", user.username);
    const init = { method, headers: { ...user.headers } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch {
      throw new Error("Animusic is not reachable right now");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(typeof data.detail === "string" ? data.detail : `failed (${response.status})`);
    }
    return data;
  }

  // ------------------------------------------------------------------ the panel

  const panel = document.createElement("section");
  panel.id = "accounts";
  panel.className = "card accounts";
  panel.hidden = true;
  panel.innerHTML = `
    <h2>Take it elsewhere</h2>
    <div class="acc-row">
      <strong>Spotify</strong> <span id="spotify-state" class="muted small"></span>
      <div class="inline">
        <button id="spotify-connect" type="button" hidden>Connect Spotify</button>
        <button id="spotify-export-liked" type="button" hidden>Export liked songs</button>
        <button id="spotify-export-playlist" type="button" hidden>Export this playlist</button>
        <button id="spotify-disconnect" type="button" class="link" hidden>Disconnect</button>
      </div>
      <p id="spotify-message" class="message" role="status"></p>
      <ul id="spotify-unmatched" class="muted small"></ul>
    </div>
    <div class="acc-row">
      <strong>Telegram</strong> <span id="telegram-state" class="muted small"></span>
      <div class="inline"><button id="telegram-code" type="button" hidden>Telegram code</button></div>
      <p id="telegram-message" class="message" role="status"></p>
    </div>`;

  const $ = (id) => document.getElementById(id);
  const show = (id, on) => { $(id).hidden = !on; };
  const say = (id, text, isError = false) => {
    $(id).textContent = text;
    $(id).classList.toggle("error", isError);
  };

  async function refresh() {
    panel.hidden = !who();
    if (panel.hidden) return;
    try {
      const status = await call("GET", "/spotify/status");
      const exported = status.exports?.[0];
      say("spotify-state", !status.configured ? "not set up on this server"
        : status.connected ? `connected as ${status.spotify_user_id}` : "not connected");
      show("spotify-connect", status.configured && !status.connected);
      show("spotify-disconnect", status.connected);
      show("spotify-export-liked", status.connected);
      show("spotify-export-playlist", status.connected && Boolean(read("playlist")?.playlist_id));
      if (exported && !$("spotify-message").textContent) {
        say("spotify-message", `last export: “${exported.name}”, ${exported.status}`
          + (exported.message ? ` (${exported.message})` : ""));
      }
    } catch (error) {
      say("spotify-state", error.message);
    }
    try {
      // no code without a bot to send it to (ANIMUSIC_TELEGRAM_BOT_USERNAME unset)
      const bot = await call("GET", "/link/status");
      say("telegram-state", bot.configured ? `bot @${bot.bot_username}`
        : "No Telegram bot runs with this server");
      show("telegram-code", bot.configured);
    } catch (error) {
      say("telegram-state", error.message);
    }
  }

  async function connect() {
    try {
      const { authorize_url } = await call("POST", "/spotify/connect");
      location.assign(authorize_url);  // back at /?spotify=connected
    } catch (error) { say("spotify-message", error.message, true); }
  }

  async function exportTo(body) {
    say("spotify-message", "exporting… (songs never matched before are searched first)");
    $("spotify-unmatched").replaceChildren();
    try {
      const out = await call("POST", "/spotify/export", body);
      say("spotify-message", `“${out.name}”: ${out.message}`);
      for (const song of out.unmatched) {
        const li = document.createElement("li");
        li.textContent = `left out: ${song.title}${song.artists.length ? " — " + song.artists.join(", ") : ""}`;
        $("spotify-unmatched").append(li);
      }
    } catch (error) { say("spotify-message", error.message, true); }
    refresh();
  }

  async function disconnect() {
    try {
      await call("DELETE", "/spotify/connection");
      say("spotify-message", "Spotify disconnected; its tokens are deleted");
    } catch (error) { say("spotify-message", error.message, true); }
    refresh();
  }

  async function telegramCode() {
    try {
      const { code, expires_at, bot_username, bot_url } = await call("POST", "/link/code");
      if (!bot_url) throw new Error("No Telegram bot runs with this server");
      const minutes = Math.max(1, Math.round((Date.parse(expires_at) - Date.now()) / 60000));
      say("telegram-message", `Send /start ${code} to @${bot_username} (valid ${minutes} min, once): `);
      const open = document.createElement("a");
      // Telegram's deep link: opening it sends exactly "/start CODE" to the bot
      open.href = `${bot_url}?start=${encodeURIComponent(code)}`;
      open.target = "_blank";
      open.rel = "noopener";
      open.textContent = bot_url;
      $("telegram-message").append(open);
    } catch (error) { say("telegram-message", error.message, true); }
  }

  function init() {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/web/accounts.css";
    document.head.append(css);
    (document.querySelector("main") || document.body).append(panel);
    $("spotify-connect").addEventListener("click", connect);
    $("spotify-disconnect").addEventListener("click", disconnect);
    $("spotify-export-liked").addEventListener("click", () => exportTo({ source: "liked" }));
    $("spotify-export-playlist").addEventListener("click", () =>
      exportTo({ source: "playlist", playlist_id: read("playlist")?.playlist_id }));
    $("telegram-code").addEventListener("click", telegramCode);
    // back from Spotify: ?spotify=connected or ?spotify=error&reason=…
    const params = new URLSearchParams(location.search);
    if (params.has("spotify")) {
      const ok = params.get("spotify") === "connected";
      say("spotify-message", ok ? "Spotify connected" : `Spotify: ${params.get("reason") || "failed"}`, !ok);
      history.replaceState(null, "", location.pathname);
    }
    // app.js signs in and out and fetches playlists: follow it
    window.addEventListener("storage", refresh);
    document.addEventListener("click", () => setTimeout(refresh, 300), { capture: true });
    refresh();
  }

  init();
})();
