"""Where a report's data came from: real listeners or the traffic simulator, never mixed
without saying so.

A simulated listener is recognised by its username prefix (``SIMULATED_PREFIX``, which
``scripts/simulate_traffic.py`` always uses in dev mode) or by being named in the
simulator's run log (``simulated_traffic.jsonl``: one JSON line per run with its settings and
the usernames it drove, which is how token-holding test accounts are marked too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

SIMULATED_PREFIX = "sim_"
RUN_LOG = "simulated_traffic.jsonl"
SETTINGS = ("users", "playlists", "seconds", "seed", "user_source")


def read_run_log(path: str | Path) -> list[dict]:
    """The simulator's runs, oldest first; unreadable lines are skipped."""
    p = Path(path)
    if not p.is_file():
        return []
    runs = []
    for line in p.read_text(encoding="utf-8").splitlines():
        try:
            runs.append(json.loads(line))
        except ValueError:
            continue
    return runs


def simulated_users(users: pd.DataFrame, runs: list[dict]) -> set[int]:
    """Ids of the users (``user_id``, ``username``) the simulator created or drove."""
    named = {u for run in runs for u in run.get("usernames", [])}
    mask = users["username"].astype(str).str.startswith(SIMULATED_PREFIX) | users["username"].isin(
        named
    )
    return set(users.loc[mask, "user_id"].astype(int))


@dataclass(frozen=True)
class Origin:
    population: str  # "real" or "simulated": whose items the report counts
    user_ids: set[int]
    sentence: str


def _span(items: pd.DataFrame) -> str:
    if items.empty:
        return "no dates"
    first, last = items["first_at"].min(), items["first_at"].max()
    return f"between {first:%Y-%m-%d %H:%M} and {last:%Y-%m-%d %H:%M} UTC"


def _settings(runs: list[dict]) -> str:
    if not runs:
        return (
            f"scripts/simulate_traffic.py (settings not recorded: no {RUN_LOG} beside the reports)"
        )
    last = runs[-1]
    parts = ", ".join(f"{k} {last[k]}" for k in SETTINGS if k in last)
    more = f"; {len(runs)} runs in all" if len(runs) > 1 else ""
    return f"scripts/simulate_traffic.py, last run: {parts}{more}"


def decide(
    items: pd.DataFrame, users: pd.DataFrame, runs: list[dict], population: str = "auto"
) -> Origin:
    """Pick whose items to report (``auto``: real listeners when there are any, else the
    simulated ones) and say so in one sentence, naming what is left out."""
    if population not in ("auto", "real", "simulated"):
        raise ValueError(f"population must be auto, real or simulated, not {population!r}")
    sim = simulated_users(users, runs) & set(items["user_id"].astype(int))
    real = set(items["user_id"].astype(int)) - sim
    if population == "auto":
        population = "real" if real else "simulated"
    chosen = real if population == "real" else sim
    other = sim if population == "real" else real
    picked = items[items["user_id"].isin(chosen)]
    if population == "real":
        sentence = f"real feedback from {len(chosen)} listeners {_span(picked)}"
    else:
        sentence = (
            f"simulated traffic, not real listeners: {len(chosen)} simulated users "
            f"{_span(picked)}, from {_settings(runs)}"
        )
    if other:
        left = "simulated" if population == "real" else "real"
        sentence += f" ({len(other)} {left} users are left out of every figure)"
    elif picked.empty:
        sentence = "no feedback recorded yet"
    return Origin(population, chosen, sentence + ".")
