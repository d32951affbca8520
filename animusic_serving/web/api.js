// Animusic web page, talking to the API: the session (AniList token, or a plain name on a
// dev-mode server), JSON requests, and the feedback queue. Reports are queued in
// localStorage and retried with backoff while the API is unreachable; reporting twice is
// harmless (the API keeps the maximum watch time and a sticky like). Leaving the page, a
// report goes by sendBeacon and stays queued until the next visit confirms it.
"use strict";

(() => {
  const A = (window.Animusic = window.Animusic || {});
  const KEY = "animusic.";
  const BACKOFF_BASE_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const $ = (id) => document.getElementById(id);
  const say = (...args) => A.say(...args);
  const render = () => A.render();

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

  function request(method, path, body, signedIn) {
    const url = new URL(path, location.origin);
    const headers = { Accept: "application/json" };
    if (signedIn) {
      const who = auth();
      if (!who) throw new ApiError(401, "Sign in first.");
      Object.assign(headers, who.headers);
      if (who.username) {
        if (body !== undefined) body = { ...body, anilist_username: who.username };
        else url.searchParams.set("anilist_username", who.username);
      }
    }
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return { url, headers, body };
  }

  async function api(method, path, body, { signedIn = true, keepalive = false } = {}) {
    const req = request(method, path, body, signedIn);
    let response;
    try {
      response = await fetch(req.url, { method, headers: req.headers, keepalive, credentials: "omit",
                                        body: req.body === undefined ? undefined : JSON.stringify(req.body) });
    } catch {
      throw new ApiError(0, "The Animusic API cannot be reached right now.");
    }
    let data = null;
    try { data = await response.json(); } catch { /* no body */ }
    if (!response.ok) {
      if (response.status === 401 && req.headers.Authorization) {  // expired or revoked session
        store.set("session", null);
        setTimeout(render, 0);
      }
      throw new ApiError(response.status, problem(data, response.status));
    }
    return data;
  }

  // a 422's reason in words a listener reads (pydantic's own message shows a regex)
  function reason(error, field) {
    switch (error.type) {
      case "string_pattern_mismatch":
        return field.includes("username") ? "use only letters, digits, _ and - (no spaces)"
                                          : "it has characters that are not allowed";
      case "string_too_short": return "it is empty";
      case "string_too_long": return `it is too long (at most ${error.ctx?.max_length} characters)`;
      default: {
        const msg = String(error.msg || "not accepted");
        return msg.charAt(0).toLowerCase() + msg.slice(1);
      }
    }
  }

  // one sentence for the listener: the API's own, or the first field a 422 names
  function problem(data, status) {
    if (typeof data?.detail === "string") return data.detail;
    const first = Array.isArray(data?.detail) ? data.detail[0] : null;
    if (first?.loc) {
      const field = String(first.loc[first.loc.length - 1]).replace(/_/g, " ");
      return `Please check the ${field}: ${reason(first, field)}.`;
    }
    return `The Animusic API answered HTTP ${status}.`;
  }

  // leaving the page: sendBeacon outlives it (a dev-mode name travels in the body; a bearer
  // token needs a header, which only a keepalive fetch can carry)
  function beacon(path, body) {
    const req = request("POST", path, body, true);
    const payload = JSON.stringify(req.body);
    if (!req.headers.Authorization && navigator.sendBeacon) {
      return navigator.sendBeacon(req.url, new Blob([payload], { type: "application/json" }));
    }
    fetch(req.url, { method: "POST", headers: req.headers, body: payload, keepalive: true,
                     credentials: "omit" }).catch(() => {});
    return true;
  }

  // ------------------------------------------------------------------ feedback queue

  let flushing = false;
  let retryTimer = null;
  const retryable = (s) => s === 0 || s === 408 || s === 429 || s >= 500;

  function enqueue(entry, { leaving = false } = {}) {
    const queue = store.get("queue", []);
    queue.push({ id: `${Date.now()}-${Math.random().toString(36).slice(2)}`, attempts: 0, nextAt: 0, ...entry });
    store.set("queue", queue);
    renderPending();
    // leaving: the beacon goes now; the entry stays queued and is sent again on the next
    // visit in case the beacon was lost (a second copy changes nothing)
    if (leaving) beacon(entry.path, entry.body); else flush();
  }

  function updateQueue(fn) {
    store.set("queue", fn(store.get("queue", [])));
    renderPending();
  }

  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (;;) {
        const entry = store.get("queue", [])[0];
        if (!entry) return;
        if (entry.nextAt > Date.now()) {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(flush, entry.nextAt - Date.now());
          return;
        }
        try {
          await api(entry.method, entry.path, entry.body);
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

  Object.assign(A, { store, ApiError, auth, api, enqueue, flush, renderPending });
})();
