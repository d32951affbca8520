import { DEFAULTS, MODELS, getSettings, normaliseApiBase } from "./lib/config.js";

const $ = (id) => document.getElementById(id);
const LOOPBACK = new Set(["127.0.0.1", "localhost"]);

function say(text, isError = false) {
  $("message").textContent = text;
  $("message").className = isError ? "error" : "muted";
}

async function load() {
  const settings = await getSettings();
  for (const key of ["apiBase", "anilistClientId", "anilistAuthorizeUrl", "devUsername"]) {
    $(key).value = settings[key] ?? "";
  }
  $("redirect").textContent = chrome.identity.getRedirectURL();
  const tags = $("tags");
  for (const model of MODELS) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "tag";
    box.value = model;
    box.checked = !settings.hiddenTags.includes(model);
    label.append(box, model);
    tags.append(label);
  }
}

$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  let apiBase;
  try {
    apiBase = normaliseApiBase($("apiBase").value || DEFAULTS.apiBase);
    normaliseApiBase($("anilistAuthorizeUrl").value);
  } catch (err) {
    return say(err.message, true);
  }
  const origin = new URL(apiBase);
  if (!LOOPBACK.has(origin.hostname)) {  // other hosts need the user's consent once
    const granted = await chrome.permissions.request({ origins: [`${origin.origin}/*`] });
    if (!granted) return say(`Chrome did not allow requests to ${origin.origin}.`, true);
  }
  const hiddenTags = [...document.querySelectorAll("input[name=tag]")]
    .filter((box) => !box.checked).map((box) => box.value);
  await chrome.storage.local.set({
    apiBase,
    anilistClientId: $("anilistClientId").value.trim(),
    anilistAuthorizeUrl: $("anilistAuthorizeUrl").value.trim(),
    devUsername: $("devUsername").value.trim(),
    hiddenTags,
  });
  say("Saved.");
});

$("sign-out").addEventListener("click", async () => {
  const response = await chrome.runtime.sendMessage({ type: "signOut" });
  if (response?.ok) $("devUsername").value = "";
  say(response?.ok ? "Signed out." : response?.error || "could not sign out", !response?.ok);
});

load();
