// Animusic web page, the player: plays one playlist item inline and measures it.
// * an AnimeThemes link: its webm video (or, with "audio only", its ogg) in the page's own
//   <video> element;
// * a YouTube video id: the YouTube IFrame Player API;
// * otherwise (a search link): nothing plays; the page offers the link.
// Every item gets a PlayMeter (listening.js), so a skip before anything played reports 0 s.
"use strict";

(() => {
  const A = (window.Animusic = window.Animusic || {});
  const { PlayMeter } = window.AnimusicListening;
  const YT_API = "https://www.youtube.com/iframe_api";
  const $ = (id) => document.getElementById(id);

  let meter = null; // PlayMeter of the current item
  let detach = null; // unwires the <video> element from the meter
  let generation = 0; // bumps on every start: late events of an earlier song are ignored
  let current = null; // {source, hooks}
  let yt = null; // YT.Player
  let ytLoading = null; // Promise<YT>
  A.timing = { start: null, firstFrame: null }; // click -> first frame (the screenshot script)

  function sourceOf(item) {
    const links = item?.links || [];
    const themes = links.find((l) => l.platform === "animethemes" && (l.url || l.audio_url));
    if (themes) return { kind: "file", video: themes.url || null, audio: themes.audio_url || null };
    const withId = links.find((l) => l.platform === "youtube" && l.video_id);
    if (withId) return { kind: "youtube", videoId: withId.video_id };
    const any = links.find((l) => l.platform === "youtube" && l.url) || links.find((l) => l.url);
    return { kind: "search", url: any?.url || null };
  }

  function show(kind) {
    $("media").hidden = kind !== "file";
    $("player").hidden = kind !== "youtube";
    $("audio-art").hidden = !(kind === "file" && current?.audioMode);
  }

  function stop() {
    generation += 1;
    detach?.();
    detach = null;
    meter?.stop();
    const media = $("media");
    if (!media.paused) media.pause();
    if (media.getAttribute("src")) { media.removeAttribute("src"); media.load(); }
    try { yt?.stopVideo?.(); } catch { /* the player is gone */ }
  }

  // hooks: {onEnded(), onError(message)}
  async function start(item, hooks) {
    stop();
    const mine = generation;
    const source = sourceOf(item);
    meter = new PlayMeter();
    current = { source, hooks, audioMode: false };
    A.timing = { start: performance.now(), firstFrame: null };
    show(source.kind);
    if (source.kind === "file") playFile(source, mine, 0);
    else if (source.kind === "youtube") {
      try { await playYouTube(source.videoId); } catch (err) {
        if (mine === generation) hooks.onError(err.message);
      }
    }
    return source;
  }

  function playFile(source, mine, at) {
    const media = $("media");
    const audioMode = !!(A.audioOnly() && source.audio) || !source.video;
    current.audioMode = audioMode;
    show("file");
    detach?.();
    media.src = audioMode ? source.audio : source.video;
    detach = meter.attach(media);
    const guard = (fn) => (...args) => { if (mine === generation) fn(...args); };
    media.onended = guard(() => current.hooks.onEnded());
    media.onerror = guard(() => {
      meter.stop();
      current.hooks.onError(audioMode ? "This song's audio could not be loaded."
                                      : "This song's video could not be loaded.");
    });
    if (!audioMode && media.requestVideoFrameCallback) {
      media.requestVideoFrameCallback(guard(() => { A.timing.firstFrame = performance.now(); }));
    } else {
      media.addEventListener("playing", guard(() => { A.timing.firstFrame ??= performance.now(); }),
                             { once: true });
    }
    if (at > 0) media.addEventListener("loadedmetadata", () => { media.currentTime = at; }, { once: true });
    media.play().catch(guard((err) => {
      if (err?.name === "NotAllowedError") A.say("Press play to start (the browser blocked autoplay).");
    }));
  }

  // the audio-only toggle, mid-song: same meter, same position
  function switchAudio() {
    if (current?.source.kind !== "file" || !current.source.audio || !current.source.video) return;
    const at = $("media").currentTime || 0;
    meter.stop();
    playFile(current.source, generation, at);
  }

  function loadYouTube() {
    if (!ytLoading) {
      ytLoading = new Promise((resolve, reject) => {
        window.onYouTubeIframeAPIReady = () => resolve(window.YT);
        const script = document.createElement("script");
        script.src = YT_API;
        script.onerror = () => { ytLoading = null; reject(new Error("The YouTube player could not be loaded.")); };
        document.head.append(script);
      });
    }
    return ytLoading;
  }

  async function playYouTube(videoId) {
    const YT = await loadYouTube();
    if (yt) { yt.loadVideoById(videoId); return; }
    await new Promise((resolve) => {
      yt = new YT.Player("player", {
        videoId,
        playerVars: { autoplay: 1, playsinline: 1, rel: 0 },
        events: {
          onReady: (e) => { e.target.playVideo(); resolve(); },
          onStateChange: (e) => {
            if (!meter) return;
            meter.setDuration(Number(yt.getDuration?.()) || 0);
            meter.seen(Number(yt.getCurrentTime?.()) || 0);
            if (e.data === YT.PlayerState.PLAYING) {
              meter.play(yt.getPlaybackRate?.() || 1);
              A.timing.firstFrame ??= performance.now();
            } else meter.stop();
            if (e.data === YT.PlayerState.ENDED) current?.hooks.onEnded();
          },
          onPlaybackRateChange: (e) => meter?.setRate(e.data || 1),
          onError: () => { meter?.stop(); current?.hooks.onError("This YouTube video cannot be played."); },
        },
      });
    });
  }

  // what was played of the current item: {watch_time, total_video_time, furthest} or null
  function report() {
    if (!meter) return null;
    if (yt && current?.source.kind === "youtube") {
      meter.setDuration(Number(yt.getDuration?.()) || 0);
      meter.seen(Number(yt.getCurrentTime?.()) || 0);
    }
    return meter.report();
  }

  // the item is done with (next, prev, another item): its meter ends with it
  function finish() {
    const out = report();
    stop();
    meter = null;
    current = null;
    show("none");
    return out;
  }

  A.player = { sourceOf, start, finish, report, stop, switchAudio };
})();
