// Animusic's measure of listening, shared by the web page (animusic_serving/web/listening.js)
// and the extension (extension/lib/listening.js; the two files are kept identical, a test
// checks it). Watch time is the seconds a song actually PLAYED: the sum of the intervals in
// which it was playing, in media seconds (10 s at 2x count 20 s). Pauses, buffering and
// seeks add nothing; replays never report more than the duration; a song skipped before it
// played reports 0 s. No DOM, no network: callers tell the meter when playback starts and
// stops (media events, the YouTube player's state) and read `report()`.
"use strict";

(function (root) {
  class PlayMeter {
    constructor(clock) {
      this.clock = clock || (() => performance.now());
      this.played = 0; // seconds of closed intervals
      this.since = null; // clock time the open interval started, or null
      this.rate = 1;
      this.furthest = 0; // furthest position seen (seconds)
      this.duration = 0;
    }

    // playback is running (idempotent: an open interval stays open)
    play(rate) {
      if (this.since === null) {
        this.since = this.clock();
        this.rate = rate > 0 ? rate : 1;
      }
    }

    // playback stopped: paused, buffering, seeking, ended, failed
    stop() {
      if (this.since !== null) {
        this.played += ((this.clock() - this.since) / 1000) * this.rate;
        this.since = null;
      }
    }

    setRate(rate) {
      if (this.since !== null) { this.stop(); this.play(rate); } else this.rate = rate > 0 ? rate : 1;
    }

    setDuration(seconds) {
      if (Number.isFinite(seconds) && seconds > 0) this.duration = seconds;
    }

    seen(position) {
      if (Number.isFinite(position) && position > this.furthest) this.furthest = position;
    }

    get playing() { return this.since !== null; }

    // seconds played so far (the open interval included), before any cap
    watched() {
      const open = this.since !== null ? ((this.clock() - this.since) / 1000) * this.rate : 0;
      return this.played + open;
    }

    // what /feedback takes: watch_time capped at the duration (a replay adds nothing)
    report() {
      let watch = this.watched();
      if (this.duration > 0) watch = Math.min(watch, this.duration);
      return { watch_time: Math.round(Math.max(0, watch) * 100) / 100,
               total_video_time: Math.round(this.duration * 100) / 100,
               furthest: this.furthest };
    }

    // wire an HTML5 <video>/<audio> element to this meter; returns a function that unwires it
    attach(media) {
      const running = () => !media.paused && !media.ended && !media.seeking && media.readyState >= 3;
      const sync = () => { this.setDuration(media.duration); this.seen(media.currentTime);
                           if (running()) this.play(media.playbackRate); };
      const halt = () => { this.seen(media.currentTime); this.stop(); };
      const handlers = { playing: sync, timeupdate: sync, seeked: sync, loadedmetadata: sync,
                         durationchange: sync, pause: halt, waiting: halt, seeking: halt,
                         ended: halt, error: halt, emptied: halt, abort: halt,
                         ratechange: () => this.setRate(media.playbackRate) };
      for (const [name, fn] of Object.entries(handlers)) media.addEventListener(name, fn);
      sync();
      return () => {
        this.stop();
        for (const [name, fn] of Object.entries(handlers)) media.removeEventListener(name, fn);
      };
    }
  }

  root.AnimusicListening = { PlayMeter };
})(typeof globalThis !== "undefined" ? globalThis : this);
