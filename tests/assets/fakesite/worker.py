"""Run one ingest stage in a separate process (for the cross-process and kill/resume tests).

usage: python -m tests.assets.fakesite.worker CONFIG_JSON STAGE MAL_ID...
"""

import json
import sys


def main() -> None:
    from animusic_assets.defs.ingest.steps import STAGES
    from animusic_assets.resources.live_sites import LiveSitesResource
    from animusic_assets.sources.rate_limiter import DailyCapReached

    config, stage, ids = json.loads(sys.argv[1]), sys.argv[2], [int(x) for x in sys.argv[3:]]
    resource = LiveSitesResource(**config)
    sites, store = resource.clients(), resource.store()
    done = 0
    for mal_id in ids:
        try:
            store.put(stage, mal_id, STAGES[stage](sites, store, mal_id))
            done += 1
        except DailyCapReached:
            break
        print(f"stored {stage} {mal_id}", flush=True)
    print(json.dumps({"done": done, **sites.fetcher.stats}), flush=True)


if __name__ == "__main__":
    main()
