"""GET /playlist: one song per model for the signed-in user (a new user gets a cold start).

The model order is shuffled per playlist with a fresh seed; the playlist (order, seed, knobs,
bundle version) and its items (as impressions) are recorded in one statement, so analytics
can count the songs shown and never played."""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Response

from animusic_serving.api.auth import AUTH_RESPONSES, CurrentUser
from animusic_serving.api.deps import BundleDep, SessionDep
from animusic_serving.api.schemas import PlaylistOut, Relation, Username
from animusic_serving.api.song_view import describe
from animusic_serving.db import queries
from animusic_serving.recommend import plan_playlist, shuffled_models
from animusic_serving.recommend.explain import explain_playlist

router = APIRouter(tags=["playlist"])
# scoring streams every dense matrix through memory once; running more of it at a time than
# there are cores only thrashes caches and the GIL (the database waits still overlap)
_SCORING = threading.BoundedSemaphore(max(1, min(4, os.cpu_count() or 1)))


@router.get(
    "/playlist",
    response_model=PlaylistOut,
    responses=AUTH_RESPONSES,
)
def get_playlist(
    principal: CurrentUser,
    session: SessionDep,
    bundle: BundleDep,
    anilist_username: Annotated[Username | None, Query()] = None,
    exclude_popular_artists: Annotated[
        bool, Query(description="prefer songs by lesser-known artists")
    ] = False,
    relations: Annotated[
        list[Relation] | None, Query(max_length=4, description="only these relations, e.g. opening")
    ] = None,
    allow_nsfw: Annotated[
        bool,
        Query(
            description="also return links flagged nsfw (AnimeThemes videos with "
            "adult content); left out by default"
        ),
    ] = False,
) -> Response:
    username = principal.resolve(anilist_username)
    inputs = queries.playlist_inputs(session, username)
    user_id = inputs.user_id
    if user_id is None:  # first visit (dev mode, or a token whose user row is gone)
        user = queries.get_or_create_user(session, username)
        user_id, anilist_id = user.id, user.anilist_id
    else:
        anilist_id = inputs.anilist_id
    principal.check(anilist_id)
    seed = secrets.randbits(63)
    rng = np.random.default_rng(seed)
    order = shuffled_models(bundle, rng)
    with _SCORING:
        planned = plan_playlist(
            bundle,
            inputs.feedback,
            inputs.anime_list,
            username=username,
            rng=rng,
            models=order,
            shuffle_models=False,
            exclude_popular_artists=exclude_popular_artists,
            relations=relations,
        )
        items = planned.items
        explanations = explain_playlist(bundle, planned.profile, items, planned.cache)
    playlist_id = uuid.uuid4()
    params = {
        "exclude_popular_artists": exclude_popular_artists,
        "relations": sorted(set(relations)) if relations else None,
    }
    queries.log_playlist(
        session,
        playlist_id=playlist_id,
        user_id=user_id,
        bundle_version=bundle.version,
        model_order=order,
        seed=seed,
        params=params,
        items=[(i.song_id, i.position, i.recommended_by) for i in items],
    )
    session.commit()
    body = PlaylistOut(
        playlist_id=playlist_id,
        bundle_version=bundle.version,
        model_order=order,
        items=[
            describe(bundle, item, allow_nsfw=allow_nsfw, explanation=why)
            for item, why in zip(items, explanations, strict=True)
        ],
    )
    # built and validated above: serialise once (FastAPI would validate it a second time)
    return Response(body.model_dump_json(), media_type="application/json")
