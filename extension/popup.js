import { itemLabel } from "./lib/config.js";

const $ = (id) => document.getElementById(id);
let current = null;

async function call(type, extra = {}) {
  const response = await chrome.runtime.sendMessage({ type, ...extra });
  if (!response?.ok) throw new Error(response?.error || "no answer from the extension");
  return response.result;
}

function say(text, isError = false) {
  $("message").textContent = text || "";
  $("message").className = isError ? "error" : "";
}

async function run(type, extra, busyText) {
  if (busyText) say(busyText);
  try {
    const result = await call(type, extra);
    if (busyText) say("");
    await render();
    return result;
  } catch (err) {
    say(err.message, true);
    await render();
    return null;
  }
}

async function activeTabId() {
  const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  return tab?.id ?? null;
}

function renderItems(state) {
  const list = $("items");
  list.replaceChildren();
  const items = state.playlist?.items || [];
  const index = state.playlist?.index ?? -1;
  items.forEach((item, i) => {
    const li = document.createElement("li");
    li.dataset.songId = item.song_id;
    if (i === index) li.classList.add("current");
    const label = document.createElement("span");
    label.className = "label";
    label.title = `${item.title} — ${item.anime_title} (${item.relation}; ${item.artists.join(", ")})`;
    const text = itemLabel(item, state.hiddenTags);
    const tagEnd = text.startsWith("[") ? text.indexOf("] ") + 1 : 0;
    if (tagEnd) {
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = text.slice(0, tagEnd);
      label.append(tag, text.slice(tagEnd));
    } else {
      label.textContent = text;
    }
    label.addEventListener("click", async () => run("play", { index: i, activeTabId: await activeTabId() }));
    const like = document.createElement("button");
    like.className = "like";
    const liked = !!state.liked[item.song_id];
    like.setAttribute("aria-pressed", String(liked));
    like.title = liked ? "unlike" : "like";
    like.textContent = liked ? "♥" : "♡";
    like.addEventListener("click", () => run(liked ? "unlike" : "like", { song_id: item.song_id }));
    li.append(label, like);
    list.append(li);
  });
  const has = items.length > 0;
  $("prev").disabled = !has || index <= 0;
  $("next").disabled = !has;
  $("open").disabled = !has;
}

async function render() {
  const state = await call("state");
  current = state;
  const user = state.username || state.devUsername;
  $("signed-out").hidden = !!user;
  $("signed-in").hidden = !user;
  $("no-client").hidden = state.hasClientId;
  $("sign-in").disabled = !state.hasClientId;
  $("who").textContent = state.username ? `@${state.username}` :
    state.devUsername ? `${state.devUsername} (dev)` : "";
  renderItems(state);
  const pending = state.pending;
  $("pending").textContent = pending ? `${pending} feedback waiting${state.status.apiDown ? " (API unreachable, retrying)" : ""}` : "";
  if (state.status.needsSignIn && !$("message").textContent) say("Sign in again to send your feedback.", true);
}

$("sign-in").addEventListener("click", () => run("signIn", {}, "Signing in with AniList…"));
$("import").addEventListener("click", async () => {
  const out = await run("importAniList", {}, "Importing your AniList list…");
  if (out) say(`Imported ${out.anime_count} anime from AniList.`);
});
$("fetch").addEventListener("click", () => run("fetchPlaylist", {}, "Fetching a playlist…"));
$("next").addEventListener("click", () => run("next"));
$("prev").addEventListener("click", () => run("prev"));
$("open").addEventListener("click", async () => {
  const index = Math.max(0, current?.playlist?.index ?? 0);
  await run("play", { index, activeTabId: await activeTabId() });
});
for (const link of document.querySelectorAll(".open-options")) {
  link.addEventListener("click", (event) => { event.preventDefault(); chrome.runtime.openOptionsPage(); });
}
chrome.storage.onChanged.addListener(() => render().catch(() => {}));
render().catch((err) => say(err.message, true));
