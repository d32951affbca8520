"""The measure of listening the web page and the extension share (listening.js): one file in
two places, and its arithmetic under a fake clock (node, no browser)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from client_support import EXTENSION_DIR, REPO

PAGE_COPY = REPO / "animusic_serving" / "web" / "listening.js"
EXTENSION_COPY = EXTENSION_DIR / "lib" / "listening.js"


def test_page_and_extension_share_one_meter():
    assert PAGE_COPY.read_bytes() == EXTENSION_COPY.read_bytes(), \
        "copy animusic_serving/web/listening.js to extension/lib/listening.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_play_meter_counts_only_playing_time():
    script = """
      require(process.argv[1]);
      const { PlayMeter } = globalThis.AnimusicListening;
      let t = 0;
      const out = {};
      const m = new PlayMeter(() => t);
      out.skip = m.report().watch_time;              // skipped before playing: 0 s
      m.setDuration(30);
      m.play(1); t += 5000; m.stop();                // 5 s played
      t += 60000;                                     // paused a minute: nothing
      m.play(1); t += 1000; m.stop(); m.seen(20);     // seek to 20 s: the jump adds nothing
      m.play(1); t += 2000;                           // 2 s more, still playing
      out.open = m.report().watch_time;
      m.setRate(2); t += 1000; m.stop();             // 1 s at 2x = 2 media seconds
      out.rated = m.report().watch_time;
      m.play(1); m.play(1); t += 1000; m.stop();     // play twice: one interval
      out.twice = m.report().watch_time;
      m.play(1); t += 60000; m.stop();               // a replay: capped at the duration
      out.replay = m.report();
      console.log(JSON.stringify(out));
    """
    out = subprocess.run(["node", "-e", script, str(PAGE_COPY)], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    got = json.loads(out)
    assert got["skip"] == 0
    assert got["open"] == 8
    assert got["rated"] == 10
    assert got["twice"] == 11
    assert got["replay"] == {"watch_time": 30, "total_video_time": 30, "furthest": 20}
