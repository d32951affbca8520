"""Static checks of the unpacked extension (no browser): a valid MV3 manifest whose files
exist, no page can talk to the extension or load its files, the least host access, no
inline scripts (MV3 forbids them), and the label format of the playlist items."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from client_support import EXTENSION_DIR

MANIFEST = json.loads((EXTENSION_DIR / "manifest.json").read_text())


def test_manifest_is_mv3_and_its_files_exist():
    assert MANIFEST["manifest_version"] == 3
    files = [MANIFEST["background"]["service_worker"], MANIFEST["action"]["default_popup"],
             MANIFEST["options_ui"]["page"]]
    files += [f for script in MANIFEST["content_scripts"] for f in script["js"]]
    for name in files:
        assert (EXTENSION_DIR / name).is_file(), name


def test_no_page_can_reach_the_extension_and_host_access_is_narrow():
    # no externally_connectable / web_accessible_resources: no web page can message the
    # extension or read its files, so the session token stays inside it
    assert "externally_connectable" not in MANIFEST
    assert "web_accessible_resources" not in MANIFEST
    assert set(MANIFEST["host_permissions"]) == {"http://127.0.0.1/*", "http://localhost/*"}
    for script in MANIFEST["content_scripts"]:
        assert all(re.fullmatch(r"https://(www|m)\.youtube\.com/\*", m) for m in script["matches"])


def test_pages_have_no_inline_scripts():
    for page in EXTENSION_DIR.glob("*.html"):
        html = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page.name
        assert not re.search(r"\son[a-z]+=", html), page.name


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_item_label_and_api_base():
    script = """
      const m = await import(process.argv[1]);
      const item = {recommended_by: "mpnet", title: "Gurenge", anime_title: "Demon Slayer"};
      console.log(JSON.stringify([m.itemLabel(item), m.itemLabel(item, ["mpnet"]),
        m.normaliseApiBase(" http://127.0.0.1:8000/ "), m.DEFAULTS.apiBase]));
      try { m.normaliseApiBase("ftp://x"); console.log("accepted"); }
      catch { console.log("refused"); }
    """
    out = subprocess.run(["node", "--input-type=module", "-e", script,
                          (EXTENSION_DIR / "lib" / "config.js").as_uri()],
                         capture_output=True, text=True, timeout=30, check=True).stdout.split("\n")
    assert json.loads(out[0]) == ["[mpnet] Gurenge — Demon Slayer", "Gurenge — Demon Slayer",
                                  "http://127.0.0.1:8000", "http://127.0.0.1:8000"]
    assert out[1] == "refused"
