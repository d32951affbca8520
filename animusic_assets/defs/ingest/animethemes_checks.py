"""Non-blocking check on ``animethemes_links``: most openings and endings should get a match.

Evaluated with each partition's materialization (the asset yields the result, since the check
needs that partition's match counts); a low rate warns and stops nothing downstream.
"""

from __future__ import annotations

import dagster as dg

MIN_MATCH_RATE = 0.8  # share of a batch's OP/ED songs matched to an AnimeThemes theme

MATCH_RATE_CHECK = dg.AssetCheckSpec(
    "animethemes_match_rate",
    asset="animethemes_links",
    blocking=False,
    description=f"Warns when under {MIN_MATCH_RATE:.0%} of the batch's openings and endings "
    "matched an AnimeThemes theme.",
)


def match_rate_result(meta: dict) -> dg.AssetCheckResult:
    rate = meta.get("match_rate")
    passed = rate is None or rate >= MIN_MATCH_RATE  # no OP/ED songs: nothing to match
    return dg.AssetCheckResult(
        check_name=MATCH_RATE_CHECK.name,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "match_rate": rate,
            "op_ed_songs": meta.get("op_ed_songs", 0),
            "op_ed_matched": meta.get("op_ed_matched", 0),
            "minimum": MIN_MATCH_RATE,
        },
        description=None
        if passed
        else f"only {rate:.0%} of openings and endings matched AnimeThemes",
    )
