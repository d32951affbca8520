"""The web page explains every model a playlist can carry: each model tag has its own tooltip
(app.js MODEL_TIPS), not the bare "picked by <name>" fallback, so a model added to the
recommender is not left unexplained on the page."""

import re
from pathlib import Path

from animusic_serving.recommend.playlist import PLAYLIST_MODELS

APP_JS = Path(__file__).resolve().parents[2] / "animusic_serving" / "web" / "app.js"


def test_every_playlist_model_has_a_tooltip():
    source = APP_JS.read_text("utf-8")
    block = re.search(r"const MODEL_TIPS = \{(.*?)\};", source, re.S)
    assert block, "MODEL_TIPS not found in app.js"
    tips = dict(re.findall(r"^\s*(\w+): \"([^\"]+)\"", block.group(1), re.M))
    missing = [model for model in PLAYLIST_MODELS if model not in tips]
    assert not missing, f"no tooltip on the web page for {missing}"
    for model, tip in tips.items():
        assert len(tip) > len(model) + 20, (model, tip)  # a sentence, not a bare name
