"""A throw-away PostgreSQL 15 server in a directory the caller owns (tests and `make run`).

Importable (``start``/``stop``/``status``) and a CLI (standard library only, so it runs
before the venv exists; ``scripts/local_postgres.py`` is the same CLI)::

    python3 -m animusic_devtools.local_postgres start  --data-dir .data/pg --port 5433 [--db x]
    python3 -m animusic_devtools.local_postgres stop   --data-dir .data/pg
    python3 -m animusic_devtools.local_postgres status --data-dir .data/pg

The server listens on 127.0.0.1 only, keeps its unix socket inside the data dir (so it never
collides with a system cluster in /var/run/postgresql) and trusts local connections: it is a
development database, never a deployment. PostgreSQL refuses to run as root, so as root the
data dir is handed to the ``postgres`` user and every server binary runs via ``runuser``.
The server is stopped by the PID in ``postmaster.pid``, never by process name, so a
neighbouring cluster is never touched.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FALLBACK_BINDIR = Path("/usr/lib/postgresql/15/bin")
SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
SETTINGS_FILE = "animusic.conf"  # rewritten on every start: port, addresses, extra settings
LOG_FILE = "server.log"
RUN_AS = "postgres"
MISSING_BINARIES = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; "
    "install postgresql-15 (`make test` and `make bootstrap` do)"
)


class LocalPostgresError(RuntimeError):
    """Anything that stops the server from starting or stopping; the message is one line."""


@dataclass
class LocalPostgres:
    data_dir: Path
    port: int
    pid: int

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create ``name`` unless it exists; returns its SQLAlchemy URL."""
        import psycopg2  # imported here so `stop`/`status` work without the venv
        from psycopg2 import errors, sql

        try:
            conn = psycopg2.connect(
                host="127.0.0.1",
                port=self.port,
                user="postgres",
                dbname="postgres",
                connect_timeout=10,
            )
        except psycopg2.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LocalPostgresError(f"cannot connect to port {self.port}: {reason}") from None
        try:
            conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    try:
                        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    except errors.DuplicateDatabase:
                        pass  # created concurrently by someone else: same outcome
        finally:
            conn.close()
        return self.url(name)

    def stop(self) -> None:
        stop(self.data_dir)


# --------------------------------------------------------------------------- public API


def start(
    data_dir: str | Path, port: int = 5433, extra_settings: dict[str, str] | None = None
) -> LocalPostgres:
    """Start (initialising if needed) the server in ``data_dir``; reuse it if already running."""
    data_dir = Path(data_dir).absolute()
    running = status(data_dir)
    if running is not None:
        if running.port != port:
            print(
                f"note: server in {data_dir} is already running on port {running.port}",
                file=sys.stderr,
            )
        return running
    bindir = find_bindir()
    _check_port_free(port)
    as_root = os.geteuid() == 0
    _prepare_data_dir(data_dir, as_root)
    extra_settings = {k: str(v) for k, v in (extra_settings or {}).items()}
    if not (data_dir / "PG_VERSION").is_file():
        # a server that will not fsync need not have its initial files fsynced either
        fsync_off = extra_settings.get("fsync", "").lower() in ("off", "false", "0")
        no_sync = ["--no-sync"] if fsync_off else []
        _run(
            [
                bindir / "initdb",
                "-D",
                data_dir,
                "--auth=trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                *no_sync,
            ],
            data_dir,
            as_root,
            "initdb",
        )
        with open(data_dir / "postgresql.conf", "a") as fh:
            fh.write(f"\ninclude_if_exists = '{SETTINGS_FILE}'\n")
    _write_settings(data_dir, port, extra_settings, as_root)
    _run(
        [bindir / "pg_ctl", "-D", data_dir, "-l", data_dir / LOG_FILE, "-w", "-t", "60", "start"],
        data_dir,
        as_root,
        "pg_ctl start",
    )
    server = status(data_dir)
    if server is None:
        raise LocalPostgresError(f"server did not start; see {data_dir / LOG_FILE}")
    return server


def stop(data_dir: str | Path, timeout: float = 30.0) -> bool:
    """Fast-shutdown the server of ``data_dir``; returns False when none was running."""
    data_dir = Path(data_dir).absolute()
    server = status(data_dir)
    if server is None:
        return False
    # SIGINT = "fast" shutdown: roll back open transactions, checkpoint, exit
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 10.0)):
        try:
            os.kill(server.pid, sig)
        except ProcessLookupError:
            return True
        if _wait_until_gone(server.pid, data_dir, wait):
            return True
    raise LocalPostgresError(f"server pid {server.pid} did not stop; see {data_dir / LOG_FILE}")


def status(data_dir: str | Path) -> LocalPostgres | None:
    """The running server of ``data_dir``, or None (a stale postmaster.pid counts as none)."""
    data_dir = Path(data_dir).absolute()
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (FileNotFoundError, PermissionError, IndexError, ValueError):
        return None
    if not _is_postgres(pid):
        return None
    return LocalPostgres(data_dir=data_dir, port=port, pid=pid)


def find_bindir() -> Path:
    """The directory holding initdb/pg_ctl/postgres: ``pg_config --bindir``, else PG 15's."""
    candidates = []
    if os.environ.get("ANIMUSIC_PG_BINDIR"):
        candidates.append(Path(os.environ["ANIMUSIC_PG_BINDIR"]))
    try:
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True, timeout=10
        )
        candidates.append(Path(out.stdout.strip()))
    except (OSError, subprocess.SubprocessError):
        pass  # pg_config comes with libpq-dev; the server package alone lacks it
    candidates.append(FALLBACK_BINDIR)
    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in SERVER_BINARIES):
            return bindir
    raise LocalPostgresError(MISSING_BINARIES)


# --------------------------------------------------------------------------- helpers


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR as the server sets it: TIME_WAIT leftovers are not "in use"
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise LocalPostgresError(
                f"port {port} on 127.0.0.1 is already in use "
                f"(another server?); pick another with --port"
            ) from None


def _prepare_data_dir(data_dir: Path, as_root: bool) -> None:
    if data_dir.exists() and not (data_dir / "PG_VERSION").is_file() and any(data_dir.iterdir()):
        raise LocalPostgresError(
            f"{data_dir} exists, is not empty and is not a PostgreSQL data directory"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    if not as_root:
        data_dir.chmod(0o700)
        return
    try:
        user = pwd.getpwnam(RUN_AS)
    except KeyError:
        raise LocalPostgresError(
            f"running as root needs a {RUN_AS!r} user to own the server (PostgreSQL refuses root)"
        ) from None
    if shutil.which("runuser") is None:
        raise LocalPostgresError(
            f"running as root needs `runuser` (util-linux) to drop to the {RUN_AS!r} user"
        )
    for path in [data_dir, *data_dir.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
    data_dir.chmod(0o700)
    # the postgres user must be able to walk down to its data dir; add only "traverse"
    # (o+x), never "list", and only where it is missing (e.g. a 0700 mkdtemp dir)
    for parent in data_dir.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _write_settings(data_dir: Path, port: int, extra: dict[str, str], as_root: bool) -> None:
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(data_dir),
        **extra,
    }
    body = "".join(
        f"{key} = '{value.replace(chr(39), chr(39) * 2)}'\n" for key, value in settings.items()
    )
    path = data_dir / SETTINGS_FILE
    path.write_text("# written by animusic_devtools/local_postgres.py on every start\n" + body)
    if as_root:
        user = pwd.getpwnam(RUN_AS)
        os.chown(path, user.pw_uid, user.pw_gid)


def _run(cmd: list, data_dir: Path, as_root: bool, what: str) -> None:
    cmd = [str(part) for part in cmd]
    if as_root:
        cmd = ["runuser", "-u", RUN_AS, "--", *cmd]
    # cwd = data dir: the postgres user may not be allowed into the caller's cwd
    proc = subprocess.run(cmd, cwd=data_dir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise LocalPostgresError(f"{what} failed: {_why(proc.stdout + proc.stderr, data_dir)}")


def _why(output: str, data_dir: Path) -> str:
    """The most telling line of a failure: the server log's FATAL, else the tool's last line."""
    log = data_dir / LOG_FILE
    lines = log.read_text(errors="replace").splitlines()[-20:] if log.is_file() else []
    for line in reversed(lines):
        if "FATAL" in line or "could not" in line:
            return line.strip()
    tool_lines = [line.strip() for line in output.splitlines() if line.strip()]
    return tool_lines[-1] if tool_lines else f"no output (see {log})"


def _is_postgres(pid: int) -> bool:
    """Alive, not a zombie, and a postgres process (a stale pid may have been reused)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state != "Z" and b"postgres" in cmdline


def _wait_until_gone(pid: int, data_dir: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_postgres(pid) or not (data_dir / "postmaster.pid").exists():
            return True
        time.sleep(0.05)
    return False


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "status"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--data-dir", required=True, type=Path)
        if name == "start":
            cmd.add_argument("--port", type=int, default=5433)
            cmd.add_argument("--db", help="also create this database (idempotent)")
            cmd.add_argument(
                "--set",
                action="append",
                default=[],
                metavar="KEY=VALUE",
                help="extra server setting, e.g. --set fsync=off",
            )
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            extra = dict(item.split("=", 1) for item in args.set)
            started = start(args.data_dir, args.port, extra)
            print(started.create_database(args.db) if args.db else started.url())
        elif args.command == "stop":
            print("stopped" if stop(args.data_dir) else "not running")
        else:
            running = status(args.data_dir)
            if running is None:
                print("not running")
                return 3  # pg_ctl's convention for "no server running"
            print(f"running pid={running.pid} port={running.port} url={running.url()}")
    except (LocalPostgresError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
