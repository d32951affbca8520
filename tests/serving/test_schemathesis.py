"""Property-based fuzzing with schemathesis against the OpenAPI schema of a live server
(uvicorn on 127.0.0.1, real PostgreSQL, AniList/MAL stubs): for every operation, valid
(positive) and invalid (negative) requests built from the schema, with a good session token.
No 5xx except a documented 503, and every answer matches its documented schema, status code
and content type. Bounded: a fixed number of examples per operation, derandomized."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from animusic_serving.api.auth import SessionSigner
from tests.serving.conftest import SESSION_SECRET, publish_synthetic
from tests.serving.live_server import LiveServer
from tests.serving.stubs import SiteStub

EXAMPLES = 40  # per operation and generation mode
CHECKS = [response_schema_conformance, content_type_conformance, status_code_conformance]


@pytest.fixture(scope="module")
def live(database_url, tmp_path_factory):
    root = tmp_path_factory.mktemp("schemathesis") / "bundles"
    publish_synthetic(root, version="v1")
    stub = SiteStub()
    stub.tokens = {"tok": (1, "fuzzer")}
    stub.anilist_lists = {"fuzzer": [{"status": "COMPLETED", "media": {"id": 1, "idMal": 2}}]}
    stub.mal_lists = {"fuzzer": [(2, "completed")]}
    env = {
        "ANIMUSIC_SESSION_SECRET": SESSION_SECRET,
        "ANIMUSIC_DEV_MODE": "0",
        **{f"ANIMUSIC_{k.upper()}": str(v) for k, v in stub.settings().items()},
    }
    server = LiveServer(database_url, root, tmp_path_factory.mktemp("logs") / "api.log", env=env)
    yield server
    server.stop()
    stub.close()


def _documented_503(case, response) -> bool:
    return response.status_code == 503 and "503" in case.operation.definition.raw.get(
        "responses", {}
    )


def _fuzz(operation, mode: GenerationMode, base_url: str, headers: dict) -> None:
    """Run ``EXAMPLES`` requests of ``operation`` in ``mode``; raise on the first failure."""
    # (negative_data_rejection is left out: it counts an undeclared query parameter, which
    # HTTP APIs ignore by convention, as "schema-violating data accepted")
    checks = [not_a_server_error, *CHECKS]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        if not _documented_503(case, response):
            case.validate_response(response, checks=checks, headers=headers)

    check()


def test_every_operation_against_its_schema(live):
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    token = SessionSigner(SESSION_SECRET, 3600).issue("fuzzer", 1)[0]
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    failures: list[str] = []
    for operation in operations:
        raw = operation.definition.raw
        takes_input = bool(raw.get("parameters")) or "requestBody" in raw
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)[: 2 if takes_input else 1]:
            try:
                _fuzz(operation, mode, live.url, headers)
            except (Exception, BaseExceptionGroup) as exc:  # every operation's, then fail
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
