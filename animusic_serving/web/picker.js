// Animusic web page, saying what you like: type-ahead over the catalogue's anime titles
// (GET /anime/search: English, Japanese and romaji; served from the model bundle, so it works
// with no network beyond this server), the user's list with a remove button per anime
// (GET /anime_list, POST /anime_list, DELETE /anime_list/{id}), and list import from AniList
// or MyAnimeList by username (POST /import/{site}).
"use strict";

(() => {
  const A = (window.Animusic = window.Animusic || {});
  const $ = (id) => document.getElementById(id);
  const DEBOUNCE_MS = 150;
  let timer = null;
  let results = [];
  let active = -1;
  let asked = 0; // the latest search; older answers are dropped
  // picks, removals and imports answer next to the list they change, not under the playlist
  const say = (text, isError = false) => A.say(text, isError, "anime-message");

  function closeResults() {
    results = [];
    active = -1;
    $("anime-results").hidden = true;
    $("anime-results").replaceChildren();
    $("anime-q").setAttribute("aria-expanded", "false");
  }

  function renderResults() {
    const list = $("anime-results");
    list.replaceChildren();
    results.forEach((anime, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.dataset.animeId = anime.anime_id;
      li.setAttribute("aria-selected", String(i === active));
      li.append(anime.title);
      const alt = [anime.title_english, anime.title_japanese]
        .filter((t) => t && t !== anime.title).join(" · ");
      if (alt) {
        const span = document.createElement("span");
        span.className = "alt";
        span.textContent = alt;
        li.append(span);
      }
      li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(anime); });
      list.append(li);
    });
    list.hidden = !results.length;
    $("anime-q").setAttribute("aria-expanded", String(!!results.length));
  }

  async function search(query) {
    const mine = ++asked;
    if (!query.trim()) { closeResults(); return; }
    try {
      const data = await A.api("GET", `/anime/search?q=${encodeURIComponent(query)}&limit=8`,
                               undefined, { signedIn: false });
      if (mine !== asked) return;
      results = data.items;
      active = results.length ? 0 : -1;
      renderResults();
      say(results.length ? "" : `No anime in the catalogue matches “${query}”.`);
    } catch (err) {
      if (mine === asked) say(err.message, true);
    }
  }

  async function pick(anime) {
    closeResults();
    $("anime-q").value = "";
    try {
      await A.api("POST", "/anime_list", { mal_ids: [anime.anime_id] });
      say(`Added ${anime.title}. Pick more, or get a new playlist.`);
      await refresh();
    } catch (err) {
      say(err.message, true);
    }
  }

  async function remove(entry) {
    try {
      await A.api("DELETE", `/anime_list/${entry.anime_id}`);
      say(`Removed ${entry.title || entry.anime_id} from your list.`);
    } catch (err) {
      say(err.message, true);
    }
    await refresh();
  }

  async function refresh() {
    let data;
    try { data = await A.api("GET", "/anime_list"); } catch { return; }
    const chips = $("my-anime");
    chips.replaceChildren();
    for (const entry of data.items) {
      const li = document.createElement("li");
      li.dataset.animeId = entry.anime_id;
      if (!entry.in_catalog) {
        li.classList.add("unknown");
        li.title = "not in this catalogue: it cannot shape your playlist";
      }
      const name = document.createElement("span");
      name.textContent = entry.title || `MAL #${entry.anime_id}`;
      const x = document.createElement("button");
      x.type = "button";
      x.textContent = "×";
      x.setAttribute("aria-label", `remove ${entry.title || entry.anime_id}`);
      x.addEventListener("click", () => remove(entry));
      li.append(name, x);
      chips.append(li);
    }
    $("my-anime-empty").hidden = data.items.length > 0;
  }

  async function importList() {
    const site = $("import-site").value;
    const label = site === "mal" ? "MyAnimeList" : "AniList";
    const username = $("import-name").value.trim();
    say(`Importing your ${label} list…`);
    try {
      const out = await A.api("POST", `/import/${site}`, username ? { username } : {});
      say(`Imported ${out.anime_count} anime from ${label}. Get a new playlist to use it.`);
      await refresh();
    } catch (err) {
      say(err.message, true);
    }
  }

  function onKey(e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!results.length) return;
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : results.length - 1)) % results.length;
      renderResults();
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (results[active]) pick(results[active]);
    } else if (e.key === "Escape") closeResults();
  }

  function init() {
    const input = $("anime-q");
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => search(input.value), DEBOUNCE_MS);
    });
    input.addEventListener("keydown", onKey);
    input.addEventListener("blur", () => setTimeout(closeResults, 100));
    $("import").addEventListener("click", importList);
  }

  A.picker = { refresh };
  document.addEventListener("DOMContentLoaded", init);
})();
