// Animusic content script on YouTube: measures how long the video was actually played (the
// sum of the intervals in which it was playing, in media seconds: 10 s at 2x count 20 s;
// seeking does not count, ads do not count), the furthest position and the duration, with
// the web page's own PlayMeter (lib/listening.js, loaded before this script). It reports to
// the service worker when the video ends, when the page navigates to another video or away,
// and answers "measure" (prev/next, like) at any time.
(() => {
  if (window.__animusicContent) return;
  window.__animusicContent = true;
  const { PlayMeter } = globalThis.AnimusicListening;

  const TICK_MS = 500;
  const PROGRESS_EVERY_MS = 5000;

  let video = null;
  let session = null; // {videoId, meter: PlayMeter, startedAt}
  let lastProgressAt = 0;

  const now = () => performance.now();

  function videoIdOf(href) {
    const url = new URL(href);
    return url.pathname === "/watch" ? url.searchParams.get("v") : null;
  }

  function adShowing() {
    return !!document.querySelector(".html5-video-player.ad-showing");
  }

  function isPlaying() {
    return !!video && !video.paused && !video.ended && !video.seeking && video.readyState >= 3 &&
      !adShowing();
  }

  function openInterval() {
    if (session && isPlaying()) session.meter.play(video.playbackRate || 1);
  }

  function closeInterval() {
    session?.meter.stop();
  }

  function measurement() {
    if (!session) return null;
    const meter = session.meter;
    if (video && session.videoId === videoIdOf(location.href) && !adShowing()) {
      meter.setDuration(video.duration);  // an ad's duration is not the song's
      meter.seen(video.currentTime || 0);
    }
    return {
      videoId: session.videoId,
      watch_time: meter.watched(),
      furthest: meter.furthest,
      duration: meter.duration,
      startedAt: session.startedAt,
    };
  }

  function send(message) {
    try {
      return chrome.runtime.sendMessage(message).catch(() => null);
    } catch (err) {  // the extension was reloaded: this script is orphaned
      return Promise.resolve(null);
    }
  }

  function reportNow(reason) {
    const m = measurement();
    if (m && (m.watch_time > 0 || m.furthest > 0)) send({ type: "report", reason, measurement: m });
  }

  const onStop = () => closeInterval();
  const onPlay = () => openInterval();
  const onRate = () => { if (session) session.meter.setRate(video.playbackRate || 1); };
  const onEnded = () => { closeInterval(); reportNow("ended"); };
  const EVENTS = { playing: onPlay, seeked: onPlay, timeupdate: onPlay, pause: onStop,
                   waiting: onStop, seeking: onStop, emptied: onStop, abort: onStop,
                   ratechange: onRate, ended: onEnded };

  function attach(element) {
    if (video === element) return;
    if (video) for (const [name, fn] of Object.entries(EVENTS)) video.removeEventListener(name, fn);
    closeInterval();
    video = element;
    if (video) for (const [name, fn] of Object.entries(EVENTS)) video.addEventListener(name, fn);
  }

  function tick() {
    attach(document.querySelector("video.html5-main-video") || document.querySelector("video"));
    const videoId = videoIdOf(location.href);
    if (!session || session.videoId !== videoId) {  // navigated (YouTube is a single-page app)
      if (session) { closeInterval(); reportNow("navigate"); }
      session = videoId ? { videoId, meter: new PlayMeter(), startedAt: Date.now() } : null;
    }
    if (!session) return;
    if (isPlaying()) openInterval(); else closeInterval();
    if (session.meter.playing && now() - lastProgressAt > PROGRESS_EVERY_MS) {
      lastProgressAt = now();
      send({ type: "progress", measurement: measurement() });
    }
  }

  chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    if (msg?.type === "measure") {
      tick();
      sendResponse(measurement());
    }
    return false;
  });

  window.addEventListener("pagehide", () => { closeInterval(); reportNow("pagehide"); });
  setInterval(tick, TICK_MS);
  tick();
})();
