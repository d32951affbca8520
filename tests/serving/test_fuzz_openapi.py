"""Property-based fuzzing of every operation in the OpenAPI schema (hypothesis): requests
built from the schema (valid-looking and junk values, with a good, a forged or no session
token) never get a 5xx."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from animusic_serving.api.auth import SessionSigner
from tests.serving.conftest import SESSION_SECRET
from tests.serving.stubs import SiteStub

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
JUNK = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)


def from_schema(schema: dict, components: dict, depth: int = 0) -> st.SearchStrategy:
    if "$ref" in schema:
        return from_schema(components[schema["$ref"].rsplit("/", 1)[-1]], components, depth)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return st.one_of([from_schema(s, components, depth) for s in schema[key]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "uuid":
            return st.uuids().map(str)
        return st.one_of(
            st.sampled_from(["s1", "s3", "demo", "ann", "opening", "hybrid", "minilm", "zz", " "]),
            st.text(max_size=schema.get("maxLength", 40) + 5),
        )
    if kind == "integer":
        return st.integers(schema.get("minimum", -(10**6)) - 2, schema.get("maximum", 10**6) + 2)
    if kind == "number":
        return st.floats(-1e6, 1e7, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        if depth > 3:
            return st.just([])
        return st.lists(from_schema(schema.get("items", {}), components, depth + 1), max_size=5)
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: from_schema(v, components, depth + 1) for k, v in props.items() if k in required},
            optional={
                k: from_schema(v, components, depth + 1)
                for k, v in props.items()
                if k not in required
            },
        )
    return JUNK


@pytest.fixture(scope="module")
def fuzz_client(database_url, tmp_path_factory):
    from tests.serving.conftest import make_client, publish_synthetic

    root = tmp_path_factory.mktemp("fuzz") / "bundles"
    publish_synthetic(root, version="v1")
    stub = SiteStub()
    stub.tokens = {"tok": (1, "fuzzer")}
    stub.anilist_lists = {"fuzzer": [{"status": "COMPLETED", "media": {"id": 1, "idMal": 2}}]}
    with make_client(
        database_url,
        root,
        raise_server_exceptions=False,
        settings={"dev_mode": False, **stub.settings()},
    ) as client:
        yield client
    stub.close()


def operations(client):
    spec = client.get("/openapi.json").json()
    components = spec.get("components", {}).get("schemas", {})
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            yield path, method, op, components


def test_no_operation_answers_5xx(fuzz_client):
    token = SessionSigner(SESSION_SECRET, 3600).issue("fuzzer", 1)[0]
    ops = list(operations(fuzz_client))
    assert len(ops) >= 12
    headers_strategy = st.sampled_from(
        [
            {},
            {"Authorization": f"Bearer {token}"},
            {"Authorization": "Bearer x.y"},
            {"Authorization": "Basic abc"},
        ]
    )

    for path, method, op, components in ops:
        params = {
            p["name"]: (p["in"], from_schema(p.get("schema", {}), components))
            for p in op.get("parameters", [])
        }
        body_schema = (
            op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        )
        body_strategy = (
            st.one_of(from_schema(body_schema, components), JUNK) if body_schema else st.none()
        )
        values = st.fixed_dictionaries(
            {n: st.one_of(s, JUNK.map(str)) for n, (_, s) in params.items()}
        )

        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(values=values, body=body_strategy, headers=headers_strategy)
        def check(values, body, headers):
            url = path
            query = {}
            for name, value in values.items():
                where = params[name][0]
                text = value if isinstance(value, str) else json.dumps(value)
                if where == "path":
                    url = url.replace("{" + name + "}", quote(text or "x", safe=""))
                elif where == "query":
                    query[name] = value if not isinstance(value, dict) else text
            kwargs = {"params": query, "headers": headers}
            if body_schema:
                kwargs["content"] = json.dumps(body)
                kwargs["headers"] = {**headers, "content-type": "application/json"}
            response = fuzz_client.request(method.upper(), url, **kwargs)
            assert response.status_code < 500, (method, url, query, body, response.text)

        check()
