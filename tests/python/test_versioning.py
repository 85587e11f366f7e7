"""API versioning and deprecation: core's decisions through bulwark.versioning, Flask and ASGI."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timezone

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from flask import Flask, jsonify

from bulwark.asgi import APIVersion, VersioningMiddleware, api_version as asgi_api_version
from bulwark.exceptions import InvalidInputError
from bulwark.flask import APIVersioning, api_version, current_api_version
from bulwark.versioning import Deprecation, VersionPolicy

NOW = int(time.time())
PAST = datetime.fromtimestamp(NOW - 86_400, timezone.utc)
FUTURE = datetime.fromtimestamp(NOW + 86_400 * 30, timezone.utc)


def policy(**extra):
    return VersionPolicy(
        supported=["2.0"],
        deprecated={
            "1.0": Deprecation(since=PAST, sunset=FUTURE, link="https://docs.example.com/v1"),
            "0.9": Deprecation(since=NOW - 200_000, sunset=NOW - 100_000),
        },
        **extra,
    )


def test_decisions_and_equivalent_names():
    p = policy(url_prefix=True, media_type_param="version")
    for headers, path in [({"API-Version": "2"}, "/x"), ({"api-version": "v2.0.0"}, "/x"),
                          ({}, "/v2/x"), ({"Accept": 'application/json; version="2.0"'}, "/x")]:
        d = p.decide(headers, path)
        assert (d.status, d.version) == (200, "2.0"), (headers, path)
    assert p.decide({}, "/v2/orders/7").path == "/orders/7"
    dep = p.decide({"API-Version": "1"}, "/x")
    headers = dict(dep.headers)
    assert dep.status == 200
    assert headers["Deprecation"] == f"@{int(PAST.timestamp())}"
    assert headers["Sunset"] == FUTURE.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert headers["Link"] == '<https://docs.example.com/v1>; rel="deprecation"; type="text/html"'
    gone = p.decide({"API-Version": "0.9"}, "/x")
    assert gone.status == 410
    assert json.loads(gone.body) == {"error": "api_version_gone", "message": "API version 0.9 is no longer served",
                                     "supported": ["2.0", "1.0"]}
    # The same request once the clock passes 1.0's sunset.
    assert p.decide({"API-Version": "1.0"}, "/x", now=FUTURE.timestamp()).status == 410


@pytest.mark.parametrize("value", ["3", "", "2.0;x=1", "a" * 33, "\u0662", "2\x00", "1.0, 2.0"])
def test_hostile_versions_are_400_with_the_supported_list(value):
    d = policy().decide({"API-Version": value}, "/x")
    assert d.status == 400
    body = json.loads(d.body)
    assert body["error"] == "unsupported_api_version"
    assert body["supported"] == ["2.0", "1.0"]


def test_conflicting_sources_and_missing_version():
    p = policy(url_prefix=True)
    assert p.decide({"API-Version": "2"}, "/v1/x").status == 400
    missing = p.decide({}, "/x")
    assert missing.status == 400 and "API-Version header" in json.loads(missing.body)["message"]
    assert policy(default="2.0").decide({}, "/x").version == "2.0"


def test_policy_mistakes_are_typed_errors():
    with pytest.raises(InvalidInputError):
        VersionPolicy(supported=["2", "2.0"])
    with pytest.raises(InvalidInputError):
        VersionPolicy(supported=["bad version"])
    with pytest.raises(InvalidInputError):
        VersionPolicy(supported=["1"], default="2")
    with pytest.raises(InvalidInputError):
        VersionPolicy(deprecated={"1": Deprecation(since=10, sunset=5)})
    with pytest.raises(InvalidInputError):
        VersionPolicy(deprecated={"1": Deprecation(since=10, link="javascript:alert(1)")})
    with pytest.raises(ValueError):
        VersionPolicy(deprecated={"1": Deprecation(since=datetime(2026, 1, 1))})  # naive
    with pytest.raises(TypeError):
        VersionPolicy(deprecated={"1": Deprecation(since="2026-01-01")})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        policy().restricted(["3.0"])
    assert VersionPolicy(deprecated={"1": Deprecation(since=date(2026, 1, 1))}).decide(
        {"API-Version": "1"}).headers[1] == ("Deprecation", "@1767225600")


def test_seed_decorator_runs_unchanged_but_for_the_import():
    # The seed: a route checks the API-Version header with @api_version('2.0').
    app = Flask(__name__)

    @app.route("/api/users")
    @api_version("2.0")
    def get_users():
        return jsonify({"users": [], "version": current_api_version()})

    client = app.test_client()
    ok = client.get("/api/users", headers={"API-Version": "2.0"})
    assert ok.status_code == 200 and ok.json == {"users": [], "version": "2.0"}
    assert ok.headers["API-Version"] == "2.0"
    for headers in ({"API-Version": "1.0"}, {}, {"API-Version": "\u00e9"}):
        bad = client.get("/api/users", headers=headers)
        assert bad.status_code == 400, headers
        assert bad.json["error"] == "unsupported_api_version" and bad.json["supported"] == ["2.0"]


def test_flask_app_policy_with_route_narrowing():
    app = Flask(__name__)
    APIVersioning(app, policy(default="2.0"))

    @app.get("/orders")
    def orders():
        return {"version": current_api_version()}

    @app.get("/reports")
    @api_version("2.0")
    def reports():
        return {"version": current_api_version()}

    @app.get("/health")
    def health():
        return "ok"

    client = app.test_client()
    assert client.get("/orders").json == {"version": "2.0"}
    dep = client.get("/orders", headers={"API-Version": "1"})
    assert dep.status_code == 200 and dep.json == {"version": "1.0"}
    assert dep.headers["Deprecation"].startswith("@") and "Sunset" in dep.headers
    assert dep.headers["Link"].endswith('rel="deprecation"; type="text/html"')
    gone = client.get("/orders", headers={"API-Version": "0.9"})
    assert gone.status_code == 410 and gone.json["error"] == "api_version_gone"
    assert "Sunset" in gone.headers
    narrowed = client.get("/reports", headers={"API-Version": "1.0"})
    assert narrowed.status_code == 400 and narrowed.json["supported"] == ["2.0"]
    assert client.get("/reports").json == {"version": "2.0"}
    assert client.get("/health", headers={"API-Version": "9"}).status_code == 400  # versioned by default
    app2 = Flask(__name__)
    APIVersioning(app2, policy(), exempt=["health"])
    app2.add_url_rule("/health", "health", lambda: "ok")
    assert app2.test_client().get("/health", headers={"API-Version": "9"}).status_code == 200


def test_flask_route_version_not_in_the_policy_is_refused():
    app = Flask(__name__)
    APIVersioning(app, policy())

    @app.get("/x")
    @api_version("3.0")
    def x():
        return "never"

    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(InvalidInputError):
        app.test_client().get("/x", headers={"API-Version": "2.0"})


def test_asgi_middleware_prefix_headers_and_dependency():
    app = FastAPI()

    @app.get("/orders")
    def orders(version: str = Depends(APIVersion("2.0", "1.0"))):
        return {"version": version}

    @app.get("/reports")
    def reports(version: str = Depends(APIVersion("2.0"))):
        return {"version": version}

    app.add_middleware(VersioningMiddleware, policy=policy(url_prefix=True), exempt_paths=["/health"])
    client = TestClient(app)
    assert client.get("/v2/orders").json() == {"version": "2.0"}
    dep = client.get("/v1/orders")
    assert dep.status_code == 200 and dep.json() == {"version": "1.0"}
    assert dep.headers["deprecation"].startswith("@") and "sunset" in dep.headers
    gone = client.get("/v0.9/orders")
    assert gone.status_code == 410 and gone.json()["error"] == "api_version_gone"
    bad = client.get("/orders", headers={"API-Version": "7"})
    assert bad.status_code == 400 and bad.json()["supported"] == ["2.0", "1.0"]
    narrowed = client.get("/v1/reports")
    assert narrowed.status_code == 400
    assert narrowed.json()["detail"]["supported"] == ["2.0"]
    assert client.get("/health").status_code == 404  # exempt: routed without a version


def test_asgi_dependency_alone_and_scope_version():
    app = FastAPI()

    @app.get("/users")
    def users(version: str = Depends(APIVersion("2.0"))):
        return {"version": version}

    client = TestClient(app)
    assert client.get("/users", headers={"API-Version": "2"}).json() == {"version": "2.0"}
    assert client.get("/users").status_code == 400
    assert asgi_api_version({"bulwark.api_version": "2.0"}) == "2.0"
    assert asgi_api_version({}) is None


def test_the_default_clock_is_the_system_clock():
    now = int(time.time())
    p = VersionPolicy(supported=["2"], deprecated={"1": Deprecation(since=now - 10, sunset=now + 3600)})
    assert p.decide({"API-Version": "1"}).status == 200
    assert p.decide({"API-Version": "1"}, now=now + 3600).status == 410
    assert p.decide({"API-Version": "1"}, now=now + 3599.9).status == 200
