"""Live ingest jobs and schedules (all switchable in the UI; they start STOPPED).

- daily: the next rank batches not yet collected, as many as the AniDB daily cap allows;
- weekly: refresh the MAL ranking;
- monthly: refresh YouTube views/likes of every collected batch (pages older than their
  freshness window are fetched again, the rest come from the cache).
"""

import datetime as dt

import dagster as dg


def _tick_time(context: dg.ScheduleEvaluationContext) -> dt.datetime:
    try:
        return context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    except Exception:
        return dt.datetime.now(dt.UTC)


BATCH_STAGES = ["mal_details", "mal_pages", "anidb_anime", "youtube_links", "animethemes_links"]


def build_jobs_and_schedules(
    partitions: dg.StaticPartitionsDefinition, anidb_daily_cap: int, batch_size: int
) -> tuple[list["dg.UnresolvedAssetJobDefinition"], list[dg.ScheduleDefinition]]:
    # (quoted: dagster exports that name to type checkers only)
    collect = dg.define_asset_job(
        "ingest_rank_batch",
        selection=BATCH_STAGES,
        description="MAL details, MAL pages, AniDB, YouTube and AnimeThemes for one rank batch.",
    )
    ranking = dg.define_asset_job(
        "refresh_mal_ranking",
        selection=["mal_ranking"],
        description="The top-N MAL ranking again (ranks move weekly).",
    )
    youtube = dg.define_asset_job(
        "refresh_youtube_stats",
        selection=["youtube_links"],
        description="YouTube views and likes of a collected batch again.",
    )
    per_day = max(1, anidb_daily_cap // max(1, batch_size))

    @dg.schedule(
        job=collect,
        cron_schedule="0 2 * * *",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"Collect the next {per_day} uncollected batch(es) a day (AniDB cap "
        f"{anidb_daily_cap}). Starts stopped; switch it on in the UI.",
    )
    def daily_collection(
        context: dg.ScheduleEvaluationContext,
    ) -> dg.SkipReason | list[dg.RunRequest]:
        done = context.instance.get_materialized_partitions(dg.AssetKey("youtube_links"))
        todo = [k for k in partitions.get_partition_keys() if k not in done][:per_day]
        day = _tick_time(context).date().isoformat()
        if not todo:
            return dg.SkipReason("every rank batch is collected")
        return [dg.RunRequest(run_key=f"{key}@{day}", partition_key=key) for key in todo]

    @dg.schedule(
        job=ranking,
        cron_schedule="0 3 * * 1",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Mondays: refresh the MAL ranking. Starts stopped.",
    )
    def weekly_mal_ranking(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        return dg.RunRequest()

    @dg.schedule(
        job=youtube,
        cron_schedule="0 4 1 * *",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Monthly: refresh YouTube views and likes of every collected batch "
        "(pages older than 25 days are fetched again). Starts stopped.",
    )
    def monthly_youtube_stats(
        context: dg.ScheduleEvaluationContext,
    ) -> dg.SkipReason | list[dg.RunRequest]:
        done = context.instance.get_materialized_partitions(dg.AssetKey("youtube_links"))
        month = _tick_time(context).strftime("%Y-%m")
        keys = [k for k in partitions.get_partition_keys() if k in done]
        return [
            dg.RunRequest(run_key=f"yt-{key}@{month}", partition_key=key) for key in keys
        ] or dg.SkipReason("nothing collected yet")

    return [collect, ranking, youtube], [
        daily_collection,
        weekly_mal_ranking,
        monthly_youtube_stats,
    ]
