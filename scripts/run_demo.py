#!/usr/bin/env python3
"""`make run`: the whole system on this machine, on 127.0.0.1 only.

In order: a local PostgreSQL (``.data/pg``, port 5433) with the databases ``animusic`` (API)
and ``dagster`` (Dagster storage); the API migrations; ``DAGSTER_HOME=.data/dagster_home``
with a copy of ``dagster.yaml``; the whole asset graph materialized in snapshot mode (asset
checks included); then the API (8000), the Dagster webserver (3000) and the Dagster daemon.
It waits until both answer, prints the URLs and a ``curl`` to paste, and keeps running until
Ctrl-C or SIGTERM, then stops every child by its process group and Postgres by its PID.
A child that dies early stops everything with its log tail and a non-zero exit.
Each child logs to ``.data/logs/<name>.log``.

    python scripts/run_demo.py            # run until Ctrl-C
    python scripts/run_demo.py --smoke    # start, fetch one playlist (>= 3 items), stop
    python scripts/run_demo.py --stop     # stop what a previous run left behind

Only the standard library is imported here (the children run in the venv), so ``--stop``
works without one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

T0 = time.monotonic()
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PG_DIR = DATA / "pg"
LOG_DIR = DATA / "logs"
DAGSTER_HOME = DATA / "dagster_home"
BUNDLE_DIR = DATA / "bundles"
STATE_FILE = DATA / "run" / "demo.json"
CODE_LOCATION_MODULE = "animusic_assets.definitions"
# the build (animusic_assets/build_selection.py): not the live collection, not the reports
BUILD_SELECTION = "not group:analytics and not group:ingest_live"
# run config for the default multi_or_in_process executor
MATERIALIZE_RUN_CONFIG: dict = {"execution": {"config": {"in_process": {}}}}
# the demo tunes and evaluates on fewer users than scripts/evaluate.py, to start in under a minute
BUILD_RUN_CONFIG = {**MATERIALIZE_RUN_CONFIG, "ops": {
    "model_bundle": {"config": {"max_tuning_users": 200}},
    "offline_evaluation": {"config": {"loop_users": 50, "max_report_users": 400}}}}

sys.path.insert(0, str(ROOT))
from animusic_devtools import local_postgres  # noqa: E402  (stdlib only at import)

STOP = threading.Event()  # set by SIGINT/SIGTERM; every wait below polls it
STOP_SIGNAL: list[str] = []


class DemoError(Exception):
    """Something failed; the message says what (one line), the caller stops everything."""


def say(msg: str) -> None:
    print(f"[run +{time.monotonic() - T0:5.1f}s] {msg}", flush=True)


def venv_bin() -> Path:
    """The bin folder holding dagster & co: this interpreter's, else the repo's .venv."""
    for candidate in (Path(sys.executable).parent, ROOT / ".venv" / "bin"):
        if (candidate / "dagster").exists() and (candidate / "python").exists():
            return candidate
    raise DemoError("no venv with dagster found; run `make bootstrap` first")


# --------------------------------------------------------------------------- children


class Child:
    """A process in its own session (process group), logging to .data/logs/<name>.log."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str]):
        self.name = name
        self.log_path = LOG_DIR / f"{name}.log"
        self.log = self.log_path.open("wb")  # one run per log: tails stay readable
        self.log.write(f"\n===== {time.strftime('%F %T')} {' '.join(cmd)}\n".encode())
        self.log.flush()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.pgid = self.proc.pid  # start_new_session: the child leads its own group

    def alive(self) -> bool:
        return self.proc.poll() is None

    def group_alive(self) -> bool:
        try:
            os.killpg(self.pgid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.pgid, sig)
        except ProcessLookupError:
            pass

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def close(self) -> None:
        self.proc.poll()
        self.log.close()


def stop_children(children: list[Child], timeout: float = 20.0) -> None:
    """SIGTERM every group, wait, then SIGKILL whatever is left (grandchildren included)."""
    running = [c for c in children if c.group_alive()]
    for child in reversed(running):
        say(f"stopping {child.name} (process group {child.pgid})")
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(c.group_alive() for c in running):
        for c in running:
            c.proc.poll()  # reap the leader so the group can empty
        time.sleep(0.1)
    for child in running:
        if child.group_alive():
            say(f"{child.name} did not stop in {timeout:.0f}s; killing its process group")
            child.signal_group(signal.SIGKILL)
    for child in children:
        try:
            child.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        child.close()


def wait_for(child: Child, timeout: float) -> int:
    """Wait for a one-off child; stops it on Ctrl-C/SIGTERM or after timeout."""
    deadline = time.monotonic() + timeout
    while child.alive():
        if STOP.is_set():
            raise DemoError(f"interrupted during {child.name}")
        if time.monotonic() > deadline:
            raise DemoError(f"{child.name} took longer than {timeout:.0f}s (log: {child.log_path})")
        time.sleep(0.2)
    return child.proc.returncode


# --------------------------------------------------------------------------- helpers


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError, TimeoutError):
        return 0, b""


def write_state(children: list[Child], pg_pid: int | None) -> None:
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps({
        "pid": os.getpid(),
        "postgres_pid": pg_pid,
        "children": {c.name: c.pgid for c in children},
    }, indent=1) + "\n")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop_leftovers() -> int:
    """`make stop`: end a previous run (its runner, else its children), then Postgres."""
    state = {}
    try:
        state = json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        pass
    pid = state.get("pid")
    if pid and pid != os.getpid() and "run_demo.py" in _cmdline(pid):
        print(f"stopping the running demo (pid {pid})")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _cmdline(pid):
            time.sleep(0.2)
    markers = {"api": "animusic_serving", "dagster_webserver": "dagster-webserver",
               "dagster_daemon": "dagster-daemon", "materialize": "dagster",
               "traffic": "simulate_traffic", "analytics": "dagster"}
    groups = []
    for name, pgid in (state.get("children") or {}).items():
        # the group leader must still be what we started (a pid may have been reused)
        if markers.get(name, name) in _cmdline(pgid):
            print(f"stopping leftover {name} (process group {pgid})")
            try:
                os.killpg(pgid, signal.SIGTERM)
                groups.append(pgid)
            except ProcessLookupError:
                pass

    def group_alive(pgid: int) -> bool:
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False

    deadline = time.monotonic() + 15
    while groups and time.monotonic() < deadline and any(map(group_alive, groups)):
        time.sleep(0.2)
    for pgid in filter(group_alive, groups):
        os.killpg(pgid, signal.SIGKILL)
    try:
        stopped = local_postgres.stop(PG_DIR)
    except local_postgres.LocalPostgresError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"postgres ({PG_DIR}): {'stopped' if stopped else 'not running'}")
    STATE_FILE.unlink(missing_ok=True)
    return 0


# --------------------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> int:
    children: list[Child] = []
    pg = None
    timings: dict[str, float] = {}
    exit_code = 0
    try:
        for port, what in ((args.api_port, "API"), (args.web_port, "Dagster webserver")):
            if not port_free(port):
                raise DemoError(f"port {port} ({what}) on 127.0.0.1 is in use; a leftover run? "
                                f"try `make stop`")
        bindir = venv_bin()
        for d in (LOG_DIR, DAGSTER_HOME, BUNDLE_DIR):
            d.mkdir(parents=True, exist_ok=True)

        # 1. PostgreSQL and its two databases
        t = time.monotonic()
        say(f"starting PostgreSQL in {PG_DIR.relative_to(ROOT)} on 127.0.0.1:{args.pg_port}")
        try:
            pg = local_postgres.start(PG_DIR, args.pg_port)
            api_db_url = pg.create_database("animusic")
            pg.create_database("dagster")
        except local_postgres.LocalPostgresError as exc:
            raise DemoError(f"postgres: {exc}") from None
        write_state(children, pg.pid)
        timings["postgres"] = time.monotonic() - t

        env = dict(os.environ)
        env.update({
            "PATH": f"{bindir}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "ANIMUSIC_DATABASE_URL": api_db_url,
            "ANIMUSIC_BUNDLE_DIR": str(BUNDLE_DIR),
            # the local demo names its user (?anilist_username=demo) without an AniList
            # sign-in; the API logs that dev mode is on. Off everywhere else.
            "ANIMUSIC_DEV_MODE": "1",
            "DAGSTER_HOME": str(DAGSTER_HOME),
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(pg.port),
            "DAGSTER_PG_USER": "postgres",
            "DAGSTER_PG_PASSWORD": "",  # trust auth; dagster.yaml needs it set
            "DAGSTER_PG_DB": "dagster",
        })
        env.setdefault("ANIMUSIC_MODE", "snapshot")
        env.setdefault("ANIMUSIC_MODELS_DIR", str(DATA / "models"))
        env.setdefault("ANIMUSIC_CACHE_DIR", str(DATA / "cache"))
        env.setdefault("ANIMUSIC_REPORTS_DIR", str(DATA / "reports"))
        # the offline evaluation uses real users' lists when ../shared is beside the checkout,
        # seeded synthetic users otherwise
        shared_lists = ROOT.parent / "shared" / "data" / "user_lists_dev.csv"
        if shared_lists.is_file():
            env.setdefault("ANIMUSIC_USER_LISTS", str(shared_lists))
        shutil.copyfile(ROOT / "dagster.yaml", DAGSTER_HOME / "dagster.yaml")

        # 2. API migrations
        t = time.monotonic()
        say("migrating the API database")
        migrate = Child("migrate", [str(bindir / "python"), "-m", "animusic_serving.db.migrate"], env)
        children.append(migrate)
        if wait_for(migrate, 300) != 0:
            raise DemoError(f"migrations failed:\n{migrate.tail()}")
        timings["migrate"] = time.monotonic() - t

        # 3. the whole asset graph (snapshot mode), asset checks included; first the snapshot's
        # AnimeThemes links (one bounded step, 2 requests; without network one line and on)
        if not args.skip_materialize and env["ANIMUSIC_MODE"] == "snapshot":
            from animusic_assets.demo.animethemes_links import demo_links_step
            say(demo_links_step(DATA, env))
        if args.skip_materialize:
            say("skipping materialization (--skip-materialize)")
        else:
            t = time.monotonic()
            say(f"materializing the build in {env['ANIMUSIC_MODE']} mode "
                f"(log: {LOG_DIR.relative_to(ROOT)}/materialize.log)")
            # in one process: a subprocess per step re-imports torch & co (80 s against 12 s
            # for the demo graph on two cores), and the demo's steps are small
            mat = Child("materialize", [str(bindir / "dagster"), "asset", "materialize",
                                        "--select", BUILD_SELECTION, "-m", CODE_LOCATION_MODULE,
                                        "--config-json", json.dumps(BUILD_RUN_CONFIG)], env)
            children.append(mat)
            write_state(children, pg.pid)
            if wait_for(mat, args.materialize_timeout) != 0:
                raise DemoError(f"materialization failed (exit {mat.proc.returncode}):\n{mat.tail()}")
            timings["materialize"] = time.monotonic() - t

        # 4. the long-running servers
        t = time.monotonic()
        say("starting the API, the Dagster webserver and the Dagster daemon")
        servers = [
            Child("api", [str(bindir / "python"), "-m", "animusic_serving",
                          "--host", "127.0.0.1", "--port", str(args.api_port)], env),
            Child("dagster_webserver", [str(bindir / "dagster-webserver"), "-h", "127.0.0.1",
                                        "-p", str(args.web_port), "-w", "workspace.yaml"], env),
            Child("dagster_daemon", [str(bindir / "dagster-daemon"), "run",
                                     "-w", "workspace.yaml"], env),
        ]
        children.extend(servers)
        write_state(children, pg.pid)

        api_url = f"http://127.0.0.1:{args.api_port}"
        web_url = f"http://127.0.0.1:{args.web_port}"
        checks = {"api": f"{api_url}/health/ready", "dagster_webserver": f"{web_url}/server_info"}
        ready: set[str] = set()
        deadline = time.monotonic() + args.ready_timeout
        while ready != set(checks):
            if STOP.is_set():
                raise DemoError("interrupted while waiting for the servers")
            check_alive(servers)
            if time.monotonic() > deadline:
                late = ", ".join(sorted(set(checks) - ready))
                raise DemoError(f"not ready after {args.ready_timeout:.0f}s: {late}\n"
                                + "\n".join(f"--- {c.name}\n{c.tail(20)}" for c in servers
                                            if c.name in set(checks) - ready))
            for name, url in checks.items():
                if name not in ready and http_get(url, 3)[0] == 200:
                    ready.add(name)
                    say(f"{name} is ready")
            time.sleep(0.5)
        timings["servers"] = time.monotonic() - t

        elapsed = time.monotonic() - T0
        parts = ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
        print(f"""
  Animusic is up after {elapsed:.1f}s ({parts})
    API                {api_url}   (docs: {api_url}/docs)
    Dagster webserver  {web_url}
    logs               {LOG_DIR.relative_to(ROOT)}/<name>.log

  Try:
    curl '{api_url}/playlist?anilist_username=demo'
""", flush=True)

        if args.smoke:
            smoke(api_url)
            say(f"smoke test passed; total {time.monotonic() - T0:.1f}s")
            return 0

        if not args.no_traffic:
            traffic_and_reports(args, bindir, api_url, env, children, pg.pid)

        print("  Ctrl-C stops everything.\n", flush=True)
        while not STOP.is_set():
            check_alive(servers)
            STOP.wait(0.5)
        say(f"received {STOP_SIGNAL[0] if STOP_SIGNAL else 'a stop signal'}; shutting down")
        return 0
    except DemoError as exc:
        if STOP.is_set():
            say(f"received {STOP_SIGNAL[0] if STOP_SIGNAL else 'a stop signal'}; shutting down")
            exit_code = 0
        else:
            print(f"\nerror: {exc}\n", file=sys.stderr, flush=True)
            exit_code = 1
        return exit_code
    finally:
        # a second Ctrl-C must not cut the shutdown short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_children(children)
        if pg is not None:
            say(f"stopping PostgreSQL (pid {pg.pid})")
            try:
                local_postgres.stop(PG_DIR)
            except local_postgres.LocalPostgresError as exc:
                print(f"error: {exc}", file=sys.stderr)
        STATE_FILE.unlink(missing_ok=True)
        say("stopped")


def check_alive(servers: list[Child]) -> None:
    for child in servers:
        if not child.alive():
            raise DemoError(f"{child.name} exited early (code {child.proc.returncode}); "
                            f"last lines of {child.log_path.relative_to(ROOT)}:\n{child.tail()}")


def traffic_and_reports(args, bindir: Path, api_url: str, env: dict, children: list,
                        pg_pid: int) -> None:
    """Simulated listeners through the real API, then the engagement and feasibility
    reports over what they did (a failed simulation is reported, not fatal)."""
    say(f"simulating listeners for {args.traffic_seconds:.0f}s "
        f"(log: {LOG_DIR.relative_to(ROOT)}/traffic.log)")
    traffic = Child("traffic", [str(bindir / "python"), "scripts/simulate_traffic.py",
                                "--api", api_url, "--users", "20", "--playlists", "8",
                                "--seconds", str(args.traffic_seconds)], env)
    children.append(traffic)
    write_state(children, pg_pid)
    if wait_for(traffic, args.traffic_seconds + 60) != 0:
        say(f"traffic simulation failed (continuing):\n{traffic.tail(10)}")
    say("materializing the analytics reports (group analytics)")
    # the feasibility report reads the service's own latency and CPU from GET /metrics
    reports = Child("analytics", [str(bindir / "dagster"), "asset", "materialize",
                                  "--select", "group:analytics", "-m", CODE_LOCATION_MODULE,
                                  "--config-json", json.dumps(MATERIALIZE_RUN_CONFIG)],
                    {**env, "ANIMUSIC_API_URL": api_url})
    children.append(reports)
    write_state(children, pg_pid)
    if wait_for(reports, 300) != 0:
        say(f"analytics reports failed (the service keeps running):\n{reports.tail(10)}")
        return
    root = Path(env["ANIMUSIC_REPORTS_DIR"]).resolve()
    pages = [root / "analytics" / f"{name}.html"
             for name in ("engagement", "adaptation", "feasibility")] + [root / "evaluation.html"]
    print("\n  Reports (open in a browser; also each asset's metadata in the Dagster UI):\n"
          + "\n".join(f"    {p.as_uri()}" for p in pages if p.is_file()) + "\n", flush=True)


def smoke(api_url: str) -> None:
    url = f"{api_url}/playlist?anilist_username=demo"
    t = time.monotonic()
    status, body = http_get(url, timeout=60)
    took = time.monotonic() - t
    if status != 200:
        raise DemoError(f"GET {url} -> {status}: {body[:500]!r}")
    try:
        payload = json.loads(body)
    except ValueError:
        raise DemoError(f"GET {url}: not JSON: {body[:300]!r}") from None
    items = payload.get("items") if isinstance(payload, dict) else payload
    if not isinstance(items, list) or len(items) < 3:
        raise DemoError(f"GET {url}: expected >= 3 items, got {body[:500]!r}")
    say(f"GET /playlist?anilist_username=demo -> {len(items)} items in {took * 1000:.0f} ms")
    for item in items:
        if isinstance(item, dict):
            print(f"    {item.get('recommended_by', '?'):>8}  {item.get('title')!s:40.40}  "
                  f"({item.get('anime_title')})", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true",
                    help="start everything, fetch one playlist (>= 3 items), stop")
    ap.add_argument("--stop", action="store_true", help="stop what a previous run left behind")
    ap.add_argument("--no-traffic", action="store_true",
                    help="skip the simulated listeners and the analytics reports")
    ap.add_argument("--traffic-seconds", type=float, default=10.0)
    ap.add_argument("--skip-materialize", action="store_true",
                    help="serve the bundle already in .data/bundles")
    ap.add_argument("--pg-port", type=int, default=5433)
    ap.add_argument("--api-port", type=int, default=8000)
    ap.add_argument("--web-port", type=int, default=3000)
    ap.add_argument("--ready-timeout", type=float, default=300.0)
    ap.add_argument("--materialize-timeout", type=float, default=1800.0)
    args = ap.parse_args(argv)
    if args.stop:
        return stop_leftovers()

    def on_signal(signum, _frame):
        STOP_SIGNAL.append(signal.Signals(signum).name)
        STOP.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
