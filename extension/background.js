// Animusic service worker: talks to the API, keeps the playlist, the player tab and the
// feedback queue. The popup and the content script only send it messages.
//
// Storage (chrome.storage.local): session {token, username, anilist_id, expires_at},
// playlist {playlist_id, items, index}, liked {song_id: true}, queue [entries],
// nowPlaying {tabId, index, song_id, video_id, playlist_id}, status {needsSignIn, lastError}.
// chrome.storage.session: progress {tabId: last measurement}, a fallback for a tab that
// closes before its content script could report.

import { getSettings } from "./lib/config.js";

const REQUEST_TIMEOUT_MS = 10000;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 30000;
const RETRY_ALARM = "animusic-retry";
const RETRYABLE = (status) => status === 0 || status === 408 || status === 429 || status >= 500;

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// --------------------------------------------------------------------------- storage helpers

let chain = Promise.resolve();
// read-modify-write of chrome.storage is serialised here (one service worker instance)
function locked(fn) {
  const run = chain.then(fn, fn);
  chain = run.catch(() => {});
  return run;
}

const local = {
  get: async (key, fallback) => (await chrome.storage.local.get(key))[key] ?? fallback,
  set: (values) => chrome.storage.local.set(values),
};

async function setStatus(patch) {
  return locked(async () => {
    const status = await local.get("status", {});
    await local.set({ status: { ...status, ...patch } });
  });
}

// --------------------------------------------------------------------------- API

async function authFor(settings) {
  const session = await local.get("session", null);
  if (session?.token && (!session.expires_at || Date.parse(session.expires_at) > Date.now())) {
    return { headers: { Authorization: `Bearer ${session.token}` }, username: null };
  }
  if (settings.devUsername) return { headers: {}, username: settings.devUsername };
  return null;
}

async function api(method, path, body = undefined, { auth = true, query = {} } = {}) {
  const settings = await getSettings();
  const headers = { Accept: "application/json" };
  const url = new URL(settings.apiBase + path);
  for (const [key, value] of Object.entries(query)) {
    for (const v of [].concat(value)) url.searchParams.append(key, v);
  }
  if (auth) {
    const who = await authFor(settings);
    if (!who) throw new ApiError(401, "sign in with AniList first");
    Object.assign(headers, who.headers);
    if (who.username) {
      if (body !== undefined) body = { ...body, anilist_username: who.username };
      else url.searchParams.set("anilist_username", who.username);
    }
  }
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), credentials: "omit",
    });
  } catch (err) {
    throw new ApiError(0, `the Animusic API at ${settings.apiBase} is unreachable`);
  }
  let data = null;
  try { data = await response.json(); } catch (err) { /* no JSON body */ }
  if (!response.ok) {
    const detail = typeof data?.detail === "string" ? data.detail : `HTTP ${response.status}`;
    if (response.status === 401 && headers.Authorization) {  // expired or revoked session
      await locked(() => local.set({ session: null }));
    }
    throw new ApiError(response.status, detail);
  }
  return data;
}

// --------------------------------------------------------------------------- feedback queue

let flushing = false;
let retryTimer = null;

function backoffMs(attempts) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}

async function enqueue(entry) {
  await locked(async () => {
    const queue = await local.get("queue", []);
    queue.push({ id: crypto.randomUUID(), attempts: 0, nextAt: 0, queuedAt: Date.now(), ...entry });
    await local.set({ queue });
  });
  flushQueue();
}

function scheduleRetry(delayMs) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flushQueue, Math.max(0, delayMs));
  // a safety net when the worker is stopped before the timer fires
  chrome.alarms.create(RETRY_ALARM, { delayInMinutes: 1 });
}

async function flushQueue() {
  if (flushing) return;
  flushing = true;
  try {
    for (;;) {
      const queue = await local.get("queue", []);
      if (!queue.length) {
        chrome.alarms.clear(RETRY_ALARM);
        return;
      }
      const entry = queue[0];
      if (entry.nextAt > Date.now()) {
        scheduleRetry(entry.nextAt - Date.now());
        return;
      }
      try {
        await api(entry.method, entry.path, entry.body);
        await dropEntry(entry.id);
        await setStatus({ lastError: null, needsSignIn: false, apiDown: false });
      } catch (err) {
        const status = err instanceof ApiError ? err.status : 0;
        if (entry.method === "DELETE" && status === 404) {  // nothing to unlike: done
          await dropEntry(entry.id);
        } else if (status === 401) {  // keep it; sent again after signing in
          await setStatus({ needsSignIn: true, lastError: err.message });
          return;
        } else if (RETRYABLE(status)) {
          const attempts = entry.attempts + 1;
          const delay = backoffMs(attempts);
          await updateEntry(entry.id, { attempts, nextAt: Date.now() + delay });
          await setStatus({ apiDown: status === 0, lastError: err.message });
          scheduleRetry(delay);
          return;
        } else {  // the API refused it for good (4xx): keep a note, go on with the rest
          await dropEntry(entry.id);
          await setStatus({ lastError: `feedback refused: ${err.message}` });
        }
      }
    }
  } finally {
    flushing = false;
  }
}

function dropEntry(id) {
  return locked(async () => {
    const queue = await local.get("queue", []);
    await local.set({ queue: queue.filter((e) => e.id !== id) });
  });
}

function updateEntry(id, patch) {
  return locked(async () => {
    const queue = await local.get("queue", []);
    await local.set({ queue: queue.map((e) => (e.id === id ? { ...e, ...patch } : e)) });
  });
}

// --------------------------------------------------------------------------- playlist / player

function youtubeLink(item) {
  const links = item.links || [];
  const yt = links.find((l) => l.platform === "youtube" && l.video_id) ||
    links.find((l) => l.platform === "youtube" && l.url) || links.find((l) => l.url);
  if (!yt) return { url: null, videoId: null };
  if (yt.video_id) {
    return { url: `https://www.youtube.com/watch?v=${encodeURIComponent(yt.video_id)}`, videoId: yt.video_id };
  }
  return { url: yt.url, videoId: null };
}

function feedbackBody(item, playlistId, m, liked) {
  const duration = Number.isFinite(m?.duration) && m.duration > 0 ? m.duration : 0;
  let watch = Number.isFinite(m?.watch_time) && m.watch_time > 0 ? m.watch_time : 0;
  if (duration > 0) watch = Math.min(watch, duration);
  const body = {
    song_id: item.song_id, recommended_by: item.recommended_by,
    watch_time: Math.round(watch * 100) / 100, total_video_time: Math.round(duration * 100) / 100,
    liked: !!liked,
  };
  if (playlistId) body.playlist_id = playlistId;
  if (Number.isInteger(item.position)) body.position = item.position;
  return body;
}

// the playlist item a measurement from this tab belongs to (or null)
async function attribute(tabId, m) {
  const videoId = m?.videoId;
  if (!videoId) return null;
  return locked(async () => {
    const playlist = await local.get("playlist", null);
    if (!playlist) return null;
    const np = await local.get("nowPlaying", null);
    if (np && np.tabId === tabId && np.playlist_id === playlist.playlist_id) {
      const item = playlist.items[np.index];
      // a search result the user picked after we opened the search (not the video before it)
      const binds = np.video_id === null && (m.startedAt ?? 0) >= (np.openedAt ?? 0);
      if (item && (np.video_id === videoId || binds)) {
        if (np.video_id === null) {  // opened as a search: the first video played is the song
          await local.set({ nowPlaying: { ...np, video_id: videoId } });
        }
        return { item, playlistId: playlist.playlist_id };
      }
    }
    const item = playlist.items.find((i) => youtubeLink(i).videoId === videoId);
    return item ? { item, playlistId: playlist.playlist_id } : null;
  });
}

async function report(tabId, m) {
  if (!m || !m.videoId) return false;
  const target = await attribute(tabId, m);
  if (!target) return false;
  const liked = (await local.get("liked", {}))[target.item.song_id];
  await enqueue({ method: "POST", path: "/feedback",
                  body: feedbackBody(target.item, target.playlistId, m, liked),
                  label: `${target.item.title} (${Math.round(m.watch_time || 0)} s)` });
  return true;
}

async function measureTab(tabId) {
  if (tabId == null) return null;
  try {
    const m = await chrome.tabs.sendMessage(tabId, { type: "measure" });
    if (m) return m;
  } catch (err) { /* no content script there (closed, or not a watch page) */ }
  const progress = (await chrome.storage.session.get("progress")).progress || {};
  return progress[tabId] || null;
}

async function tabExists(tabId) {
  if (tabId == null) return false;
  try { await chrome.tabs.get(tabId); return true; } catch (err) { return false; }
}

async function finishCurrent() {
  const np = await local.get("nowPlaying", null);
  if (!np) return;
  await report(np.tabId, await measureTab(np.tabId));
}

async function openItem(index, { activeTabId = null, useActiveTab = false } = {}) {
  const playlist = await local.get("playlist", null);
  if (!playlist || !playlist.items[index]) throw new Error("no such playlist item");
  const item = playlist.items[index];
  const { url, videoId } = youtubeLink(item);
  if (!url) throw new Error(`no link to play “${item.title}”`);
  const np = await local.get("nowPlaying", null);
  let tabId = null;
  if (useActiveTab && activeTabId != null) {
    const tab = await chrome.tabs.get(activeTabId).catch(() => null);
    if (tab && /^https?:/.test(tab.url || tab.pendingUrl || "")) tabId = tab.id;
  }
  if (tabId === null && np && await tabExists(np.tabId)) tabId = np.tabId;
  const openedAt = Date.now();
  if (tabId === null) tabId = (await chrome.tabs.create({ url, active: true })).id;
  else await chrome.tabs.update(tabId, { url, active: true });
  await locked(async () => {
    const pl = await local.get("playlist", null);
    await local.set({
      playlist: { ...pl, index },
      nowPlaying: { tabId, index, song_id: item.song_id, video_id: videoId,
                    playlist_id: playlist.playlist_id, openedAt },
    });
  });
  if (!videoId) {  // a search link: recorded as opened (what plays next is measured as usual)
    const liked = (await local.get("liked", {}))[item.song_id];
    await enqueue({ method: "POST", path: "/feedback",
                    body: { ...feedbackBody(item, playlist.playlist_id, null, liked), opened: true },
                    label: `${item.title} (opened)` });
  }
  return { tabId };
}

async function step(delta) {
  await finishCurrent();
  const playlist = await local.get("playlist", null);
  if (!playlist) throw new Error("fetch a playlist first");
  let index = (playlist.index ?? -1) + delta;
  if (index >= playlist.items.length) {  // past the end: a fresh playlist
    await fetchPlaylist();
    index = 0;
  }
  index = Math.max(0, index);
  return openItem(index);
}

async function fetchPlaylist() {
  const data = await api("GET", "/playlist");
  await locked(() => local.set({
    playlist: { playlist_id: data.playlist_id, items: data.items, index: -1,
                bundle_version: data.bundle_version, fetched_at: Date.now() },
  }));
  return data;
}

async function setLiked(songId, liked) {
  const playlist = await local.get("playlist", null);
  const item = playlist?.items.find((i) => i.song_id === songId);
  if (!item) throw new Error("that song is not in the playlist");
  await locked(async () => {
    const map = await local.get("liked", {});
    if (liked) map[songId] = true; else delete map[songId];
    await local.set({ liked: map });
  });
  if (liked) {
    const np = await local.get("nowPlaying", null);
    let m = null;
    if (np && np.song_id === songId) {
      m = await measureTab(np.tabId);
      if (m && np.video_id && m.videoId !== np.video_id) m = null;
    }
    await enqueue({ method: "POST", path: "/feedback",
                    body: feedbackBody(item, playlist.playlist_id, m, true),
                    label: `like ${item.title}` });
  } else {
    await enqueue({ method: "DELETE", path: `/feedback/${encodeURIComponent(songId)}/like`,
                    label: `unlike ${item.title}` });
  }
}

// --------------------------------------------------------------------------- sign-in

async function signIn() {
  const settings = await getSettings();
  if (!settings.anilistClientId) {
    throw new Error("set your AniList client id in Options first");
  }
  const authorize = new URL(settings.anilistAuthorizeUrl);
  authorize.searchParams.set("client_id", settings.anilistClientId);
  authorize.searchParams.set("response_type", "token");
  // implicit grant: AniList redirects to https://<extension id>.chromiumapp.org/#access_token=…
  // which only this browser's identity API sees; no page ever receives the token
  const redirected = await chrome.identity.launchWebAuthFlow({ url: authorize.href, interactive: true });
  const fragment = new URLSearchParams(new URL(redirected).hash.slice(1));
  const accessToken = fragment.get("access_token");
  if (!accessToken) {
    throw new Error(`AniList did not sign you in (${fragment.get("error") || "no token"})`);
  }
  const out = await api("POST", "/auth/anilist", { access_token: accessToken }, { auth: false });
  await local.set({ session: { token: out.session_token, username: out.anilist_username,
                               anilist_id: out.anilist_id, expires_at: out.expires_at } });
  await setStatus({ needsSignIn: false, lastError: null });
  flushQueue();
  return { username: out.anilist_username };
}

async function signOut() {
  // the queue stays: it is sent after the next sign-in
  await locked(() => local.set({ session: null, devUsername: "", playlist: null, nowPlaying: null,
                                 liked: {} }));
}

// --------------------------------------------------------------------------- messages

async function state() {
  const [settings, stored] = await Promise.all([
    getSettings(),
    chrome.storage.local.get(["session", "playlist", "liked", "queue", "status", "nowPlaying"]),
  ]);
  return {
    username: stored.session?.username || null,
    devUsername: settings.devUsername || null,
    hiddenTags: settings.hiddenTags,
    apiBase: settings.apiBase,
    hasClientId: !!settings.anilistClientId,
    playlist: stored.playlist || null,
    liked: stored.liked || {},
    pending: (stored.queue || []).length,
    status: stored.status || {},
    nowPlaying: stored.nowPlaying || null,
  };
}

const popupHandlers = {
  state: () => state(),
  signIn: () => signIn(),
  signOut: () => signOut(),
  importAniList: () => api("POST", "/import/anilist", {}),
  fetchPlaylist: () => fetchPlaylist(),
  play: (msg) => openItem(msg.index, { activeTabId: msg.activeTabId, useActiveTab: true }),
  next: () => step(+1),
  prev: () => step(-1),
  like: (msg) => setLiked(msg.song_id, true),
  unlike: (msg) => setLiked(msg.song_id, false),
  flush: () => flushQueue(),
};

chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id) return false;
  const tabId = sender.tab?.id;
  // the popup may be open as a tab too: what tells them apart is the sender's origin
  const fromExtensionPage = (sender.url || "").startsWith(chrome.runtime.getURL(""));
  if (!fromExtensionPage && tabId !== undefined) {  // the content script on a YouTube page
    if (msg.type === "progress") {
      chrome.storage.session.get("progress").then(({ progress = {} }) => {
        progress[tabId] = msg.measurement;
        return chrome.storage.session.set({ progress });
      });
      return false;
    }
    if (msg.type === "report") {
      report(tabId, msg.measurement).then((sent) => sendResponse({ sent }),
                                          () => sendResponse({ sent: false }));
      return true;
    }
    return false;
  }
  const handler = popupHandlers[msg?.type];
  if (!handler) return false;
  Promise.resolve()
    .then(() => handler(msg))
    .then((result) => sendResponse({ ok: true, result: result ?? null }),
          (err) => sendResponse({ ok: false, error: err.message, status: err.status ?? null }));
  return true;
});

// a tab closed before its page could report: use its last checkpoint
chrome.tabs.onRemoved.addListener(async (tabId) => {
  const { progress = {} } = await chrome.storage.session.get("progress");
  if (progress[tabId]) {
    const m = progress[tabId];
    delete progress[tabId];
    await chrome.storage.session.set({ progress });
    await report(tabId, m);
  }
});

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RETRY_ALARM) flushQueue();
});
chrome.runtime.onStartup.addListener(() => flushQueue());
chrome.runtime.onInstalled.addListener(() => flushQueue());
flushQueue();
