"""Hot swaps to broken versions (issue 15, defect 6): the old bundle keeps serving, the
manifest checksums are verified when a version is loaded, and ``/health/ready`` says
"degraded" (HTTP 200) with the failed version and why."""

import numpy as np

from animusic_serving.bundle import CURRENT_FILE, set_current

PARAMS = {"anilist_username": "ann"}


def _nan_vectors_of_the_same_size(version_dir) -> None:
    path = version_dir / "minilm.npy"
    vectors = np.load(path)
    np.save(path, np.full_like(vectors, np.nan))  # same shape, dtype and byte size


def _ready(client) -> dict:
    response = client.get("/health/ready")
    assert response.status_code == 200, response.text
    return response.json()


def test_swap_to_a_version_failing_its_checksums_keeps_the_old_one(
    client_factory, bundle_root, publish, db_session
):
    with client_factory(bundle_root, session=db_session) as client:
        assert _ready(client) == {
            "status": "ready",
            "bundle_version": "v1",
            "database": "ok",
            "reasons": [],
            "failed_swap": None,
        }
        publish(bundle_root, version="v2")  # verified and pointed to by CURRENT ...
        _nan_vectors_of_the_same_size(bundle_root / "versions" / "v2")  # ... then damaged
        playlist = client.get("/playlist", params=PARAMS)
        assert playlist.status_code == 200 and playlist.json()["bundle_version"] == "v1"
        ready = _ready(client)
        assert ready["status"] == "degraded" and ready["bundle_version"] == "v1"
        assert ready["failed_swap"]["version"] == "v2"
        assert "minilm.npy" in ready["failed_swap"]["reason"]
        assert "checksum" in ready["failed_swap"]["reason"]

        publish(bundle_root, version="v3")  # a good version clears the failure
        assert client.get("/playlist", params=PARAMS).json()["bundle_version"] == "v3"
        assert _ready(client)["status"] == "ready" and _ready(client)["failed_swap"] is None


def test_missing_version_and_garbage_current_are_reported(client_factory, bundle_root, db_session):
    with client_factory(bundle_root, session=db_session) as client:
        (bundle_root / CURRENT_FILE).write_text("v9\n")  # no such version directory
        assert client.get("/playlist", params=PARAMS).json()["bundle_version"] == "v1"
        ready = _ready(client)
        assert ready["status"] == "degraded" and ready["failed_swap"]["version"] == "v9"
        assert "manifest" in ready["failed_swap"]["reason"]

        (bundle_root / CURRENT_FILE).write_text("../../etc\x00garbage\n")
        assert client.get("/playlist", params=PARAMS).json()["bundle_version"] == "v1"
        ready = _ready(client)
        assert ready["status"] == "degraded" and ready["failed_swap"]["version"] is None
        assert "no valid version id" in ready["failed_swap"]["reason"]

        set_current(bundle_root, "v1")  # rolled back to what is served: healthy again
        assert _ready(client)["status"] == "ready"


def test_startup_refuses_a_version_failing_its_checksums(client_factory, bundle_root, db_session):
    _nan_vectors_of_the_same_size(bundle_root / "versions" / "v1")
    with client_factory(bundle_root, session=db_session) as client:
        response = client.get("/playlist", params=PARAMS)
        assert response.status_code == 503
        assert "checksum" in response.json()["detail"]
        ready = client.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["status"] == "not ready"
