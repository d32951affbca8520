// Settings shared by the service worker, the popup and the options page (chrome.storage.local).

export const MODELS = ["tfidf", "minilm", "mpnet", "node2vec", "popular", "random", "hybrid"];

export const DEFAULTS = Object.freeze({
  apiBase: "http://127.0.0.1:8000",
  // AniList "API client" (https://anilist.co/settings/developer) whose redirect URL is this
  // extension's chrome.identity.getRedirectURL() (https://<extension id>.chromiumapp.org/)
  anilistClientId: "",
  anilistAuthorizeUrl: "https://anilist.co/api/v2/oauth/authorize",
  // a server in dev mode (ANIMUSIC_DEV_MODE=1, `make run`) accepts a plain user name
  devUsername: "",
  hiddenTags: [],  // model tags not to show in the popup (the items still play)
});

export async function getSettings() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  return { ...DEFAULTS, ...stored };
}

export function normaliseApiBase(value) {
  const url = new URL(String(value || "").trim());
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error("the API base URL must start with http:// or https://");
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

// "[mpnet] Song — Anime" (the tag left out when the user hid that model's tag)
export function itemLabel(item, hiddenTags = []) {
  const tag = hiddenTags.includes(item.recommended_by) ? "" : `[${item.recommended_by}] `;
  return `${tag}${item.title} — ${item.anime_title}`;
}
