"""bulwark.flask: every decorator and status code through Flask's test client, and the limiter side by
side with flask-limiter (same app, same requests, same answers)."""

import json
import logging
import os
import time

import flask
import flask_limiter
import flask_limiter.util
import marshmallow
import pydantic
import pytest
from flask import Flask, g

import bulwark.flask as bf
from bulwark import jwt
from bulwark.flask.util import get_remote_address
from bulwark.headers import CORSPolicy
from bulwark.redact import SecurityLogger

KEY = "flask-test-secret-" + "k" * 32
REDIS_URL = os.environ.get("BULWARK_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="BULWARK_REDIS_URL not set: run through `make test`")


def token(key=KEY, algorithm="HS256", ttl=60, **claims):
    body = {"sub": "u1", **claims}
    if ttl is not None:
        body["exp"] = int(time.time()) + ttl
    return jwt.encode(body, key, algorithm=algorithm)


def bearer(t):
    return {"Authorization": f"Bearer {t}"}


# ------------------------------------------------------------------------------------------ auth


@pytest.fixture
def auth_app():
    app = Flask(__name__)
    auth = bf.JWTAuth(app, key=KEY, algorithms=["HS256"], issuer="iss-1", audience="aud-1")

    @app.get("/any")
    @auth.require_auth
    def any_user():
        return {"sub": g.jwt_claims["sub"], "same": bf.current_claims() is g.jwt_claims}

    @app.get("/admin")
    @auth.require_auth(role="admin")
    def admin():
        return {"ok": True}

    @app.get("/staff")
    @auth.require_auth(role=["admin", "staff"])
    def staff():
        return {"ok": True}

    @app.get("/write")
    @auth.require_auth(permission=["items:read", "items:write"])
    def write():
        return {"ok": True}

    @app.get("/module-level")
    @bf.require_auth("admin")
    def module_level():
        return {"ok": True}

    return app


def good(**claims):
    return token(iss="iss-1", aud="aud-1", **claims)


def test_valid_token_reaches_the_view_with_claims(auth_app):
    c = auth_app.test_client()
    r = c.get("/any", headers=bearer(good()))
    assert r.status_code == 200 and r.json == {"sub": "u1", "same": True}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer a b"},
        {"Authorization": "Bearer " + "a" * 20000},
        {"Authorization": "Bearer not-a-jwt"},
    ],
)
def test_missing_or_malformed_header_is_401_with_challenge(auth_app, headers):
    r = auth_app.test_client().get("/any", headers=headers)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert r.mimetype == "application/json"
    assert r.json["error"] == "invalid_token" and set(r.json) == {"error", "message"}


def _none_token():
    import base64

    def b64(d):
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': 'u1', 'exp': int(time.time()) + 60, 'iss': 'iss-1', 'aud': 'aud-1', 'roles': ['admin']})}."


@pytest.mark.parametrize(
    "bad",
    [
        lambda: good(ttl=-120),  # expired
        lambda: good(ttl=None),  # no exp: required by default
        lambda: token(key="another-secret-" + "x" * 32, iss="iss-1", aud="aud-1"),  # wrong key
        lambda: token(key=KEY, algorithm="HS384", iss="iss-1", aud="aud-1"),  # outside the allow-list
        lambda: token(iss="someone-else", aud="aud-1"),
        lambda: token(iss="iss-1", aud="other-api"),
        lambda: good(nbf=int(time.time()) + 3600),
        _none_token,
        lambda: good()[:-3] + ("AAA" if not good().endswith("AAA") else "BBB"),  # signature changed
    ],
)
def test_invalid_tokens_are_401_and_the_body_says_nothing_more(auth_app, bad):
    r = auth_app.test_client().get("/any", headers=bearer(bad()))
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert r.json == {"error": "invalid_token", "message": "invalid or expired token"}


def test_roles_and_permissions(auth_app):
    c = auth_app.test_client()
    assert c.get("/admin", headers=bearer(good(roles=["admin"]))).status_code == 200
    assert c.get("/admin", headers=bearer(good(role="admin"))).status_code == 200
    r = c.get("/admin", headers=bearer(good(roles=["user"])))
    assert r.status_code == 403
    assert r.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert r.json == {"error": "forbidden", "message": "not allowed"}
    assert c.get("/admin", headers=bearer(good(roles="administrator"))).status_code == 403
    assert c.get("/staff", headers=bearer(good(roles=["staff"]))).status_code == 200
    assert c.get("/staff", headers=bearer(good())).status_code == 403
    assert c.get("/write", headers=bearer(good(permissions=["items:read", "items:write"]))).status_code == 200
    assert c.get("/write", headers=bearer(good(scope="items:write items:read"))).status_code == 200
    assert c.get("/write", headers=bearer(good(scope="items:read"))).status_code == 403
    assert c.get("/write", headers=bearer(good(permissions=["items:read"]))).status_code == 403
    # The role check comes after the token check: a bad token is 401 even on a role route.
    assert c.get("/admin", headers=bearer(good(ttl=-120, roles=["admin"]))).status_code == 401


def test_module_level_require_auth_and_init_app_from_config():
    app = Flask(__name__)
    app.config.update(BULWARK_JWT_KEY=KEY, BULWARK_JWT_ALGORITHMS=["HS256"])
    auth = bf.JWTAuth()
    auth.init_app(app)

    @app.get("/x")
    @bf.require_auth("admin")
    def x():
        return {"ok": True}

    c = app.test_client()
    assert c.get("/x", headers=bearer(token(roles=["admin"]))).status_code == 200
    assert c.get("/x", headers=bearer(token())).status_code == 403
    assert c.get("/x").status_code == 401


def test_misconfiguration_fails_at_start_up_not_at_a_request():
    with pytest.raises(ValueError, match="algorithms"):
        bf.JWTAuth(Flask(__name__), key=KEY)
    with pytest.raises(ValueError, match="algorithms"):
        bf.JWTAuth(Flask(__name__), key=KEY, algorithms="HS256")
    with pytest.raises(ValueError, match="key"):
        bf.JWTAuth(Flask(__name__), algorithms=["HS256"])
    for algs in (["none"], ["HS256", "None"], ["HS257"]):
        with pytest.raises(ValueError, match="not supported|never accepted"):
            bf.JWTAuth(Flask(__name__), key=KEY, algorithms=algs)
    app = Flask(__name__)

    @app.get("/x")
    @bf.require_auth
    def x():
        return {}

    assert app.test_client().get("/x").status_code == 500  # no JWTAuth registered: a server bug


def test_errorhandler_can_restyle_refusals(auth_app):
    @auth_app.errorhandler(401)
    def restyled(exc):
        return {"custom": True}, 401, {"WWW-Authenticate": exc.headers["WWW-Authenticate"]}

    r = auth_app.test_client().get("/any")
    assert r.status_code == 401 and r.json == {"custom": True}


def test_denials_are_audited_without_the_token(auth_app, caplog):
    bad = good(ttl=-120)
    with caplog.at_level(logging.INFO, logger="bulwark.security"):
        auth_app.test_client().get("/any", headers=bearer(bad))
        auth_app.test_client().get("/admin", headers=bearer(good(roles=["user"])))
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bulwark.security"]
    assert [e["kind"] for e in events] == ["auth_failed", "forbidden"]
    assert events[0]["details"]["reason"] == "expired_token" and events[0]["details"]["path"] == "/any"
    assert bad not in caplog.text


def test_log_login_redacts_what_the_caller_passes(caplog):
    app = Flask(__name__)
    logger = SecurityLogger("test.audit")
    with app.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        with caplog.at_level(logging.INFO, logger="test.audit"):
            line = bf.log_login(False, "bob", logger=logger, body={"username": "bob", "password": "hunter2-secret"})
    event = json.loads(line)
    assert event["success"] is False and event["ip"] == "203.0.113.9" and event["path"] == "/login"
    assert event["body"] == {"username": "bob", "password": "[REDACTED]"}
    assert "hunter2-secret" not in caplog.text


# ------------------------------------------------------------------------------------------ limits


def make_limited_app(flavour, storage="memory://", **limiter_kwargs):
    """The same app on flask-limiter or on bulwark.flask."""
    if flavour == "flask_limiter":
        Limiter, remote = flask_limiter.Limiter, flask_limiter.util.get_remote_address
    else:
        Limiter, remote = bf.Limiter, get_remote_address
    app = Flask(__name__)
    limiter = Limiter(remote, app=app, storage_uri=storage, headers_enabled=True, **limiter_kwargs)

    @app.get("/default")
    def default():
        return "d"

    @app.get("/other")
    def other():
        return "o"

    @app.get("/limited")
    @limiter.limit("3 per minute")
    def limited():
        return "l"

    @app.get("/two")
    @limiter.limit("2 per minute")
    @limiter.limit("4 per hour")
    def two():
        return "t"

    @app.get("/free")
    @limiter.exempt
    def free():
        return "f"

    @app.route("/posts", methods=["GET", "POST"])
    @limiter.limit("1 per minute", methods=["POST"])
    def posts():
        return "p"

    return app, limiter


SEQUENCE = (
    [("GET", "/default", "1.1.1.1")] * 6
    + [("GET", "/other", "1.1.1.1")] * 2
    + [("GET", "/limited", "1.1.1.1")] * 5
    + [("GET", "/limited", "2.2.2.2")] * 2
    + [("GET", "/two", "1.1.1.1")] * 4
    + [("GET", "/free", "1.1.1.1")] * 8
    + [("POST", "/posts", "1.1.1.1")] * 2
    + [("GET", "/posts", "1.1.1.1")] * 3
)


def run_sequence(app):
    c = app.test_client()
    out = []
    for method, path, ip in SEQUENCE:
        r = c.open(path, method=method, environ_base={"REMOTE_ADDR": ip})
        out.append((path, r.status_code, r.headers.get("X-RateLimit-Limit"), r.headers.get("X-RateLimit-Remaining")))
    return out


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window"])
def test_same_answers_as_flask_limiter(strategy):
    kwargs = dict(default_limits=["5 per minute", "100 per hour"], strategy=strategy)
    theirs = run_sequence(make_limited_app("flask_limiter", **kwargs)[0])
    ours = run_sequence(make_limited_app("bulwark", **kwargs)[0])
    assert [(p, s) for p, s, _, _ in ours] == [(p, s) for p, s, _, _ in theirs]
    # Headers report the binding limit on both sides for the single-limit routes.
    for (p, s, lim, rem), (_, _, lim2, rem2) in zip(ours, theirs):
        if p in ("/limited", "/posts") and s == 200:
            assert (lim, rem) == (lim2, rem2), p
    assert [s for p, s, _, _ in ours if p == "/free"] == [200] * 8


def test_seed_code_runs_after_the_import_change():
    app = Flask(__name__)
    limiter = bf.Limiter(key_func=get_remote_address, default_limits=["100 per minute", "1000 per hour"])
    limiter.init_app(app)

    @app.get("/api")
    @limiter.limit("10 per second")
    def api():
        return {"ok": True}

    c = app.test_client()
    statuses = [c.get("/api").status_code for _ in range(12)]
    assert statuses == [200] * 10 + [429] * 2
    r = c.get("/api")
    assert r.status_code == 429 and r.mimetype == "application/json"
    assert r.json["error"] == "rate_limited" and r.json["retry_after"] == 1
    assert r.headers["Retry-After"] == "1"
    assert r.headers["X-RateLimit-Limit"] == "10" and r.headers["X-RateLimit-Remaining"] == "0"
    assert int(r.headers["X-RateLimit-Reset"]) >= int(time.time())


def test_old_argument_order_limiter_app_first():
    app = Flask(__name__)
    limiter = bf.Limiter(app, key_func=get_remote_address, default_limits=["1 per minute"])
    app.add_url_rule("/", "i", lambda: "x")
    c = app.test_client()
    assert [c.get("/").status_code for _ in range(2)] == [200, 429]
    assert limiter.app is app


def test_application_and_shared_limits_and_scopes():
    app = Flask(__name__)
    limiter = bf.Limiter(get_remote_address, app=app, application_limits=["5 per minute"])
    shared = limiter.shared_limit("2 per minute", scope="pair")

    @app.get("/a")
    @shared
    def a():
        return "a"

    @app.get("/b")
    @shared
    def b():
        return "b"

    @app.get("/c")
    def c_():
        return "c"

    c = app.test_client()
    assert [c.get(p).status_code for p in ("/a", "/b", "/a")] == [200, 200, 429]
    # The application limit is checked first and counted all three requests above (the third
    # was then refused by the shared limit), so 2 of its 5 remain for /c.
    assert [c.get("/c").status_code for _ in range(3)] == [200, 200, 429]


def test_limits_registered_after_the_first_request_apply():
    # The limits of a view are worked out once and kept: registering a limit or an exemption
    # later must still take effect.
    app = Flask(__name__)
    limiter = bf.Limiter(get_remote_address, app=app, default_limits=["3 per minute"])

    @app.get("/x")
    def x():
        return "x"

    c = app.test_client()
    assert c.get("/x").headers["X-RateLimit-Limit"] == "3"
    limiter.limit("1 per minute")(x)
    assert [c.get("/x").status_code for _ in range(2)] == [200, 429]
    limiter.exempt(x)
    assert c.get("/x").status_code == 200  # exempt wins over the route's own limit (flask-limiter)


def test_per_key_func_per_method_cost_exempt_when_and_messages():
    app = Flask(__name__)
    limiter = bf.Limiter(get_remote_address, app=app)
    vip = {"on": False}

    @app.route("/u/<user>", methods=["GET", "POST"])
    @limiter.limit("2 per minute", key_func=lambda: flask.request.view_args["user"], per_method=True,
                   exempt_when=lambda: vip["on"], error_message="slow down")
    def user(user):
        return user

    @app.get("/heavy")
    @limiter.limit("5 per minute", cost=lambda: 2)
    def heavy():
        return "h"

    c = app.test_client()
    assert [c.get("/u/ann").status_code for _ in range(3)] == [200, 200, 429]
    assert c.get("/u/ann").json["message"] == "slow down"
    assert [c.post("/u/ann").status_code for _ in range(3)] == [200, 200, 429]
    assert c.get("/u/bob").status_code == 200
    vip["on"] = True
    assert c.get("/u/ann").status_code == 200
    assert [c.get("/heavy").status_code for _ in range(3)] == [200, 200, 429]


def test_deduct_when_only_counts_chosen_responses():
    app = Flask(__name__)
    limiter = bf.Limiter(get_remote_address, app=app)

    @app.post("/login")
    @limiter.limit("2 per minute", deduct_when=lambda resp: resp.status_code == 401)
    def login():
        return ("no", 401) if flask.request.json["pw"] != "right" else ("yes", 200)

    c = app.test_client()
    assert [c.post("/login", json={"pw": "right"}).status_code for _ in range(4)] == [200] * 4
    assert [c.post("/login", json={"pw": "wrong"}).status_code for _ in range(3)] == [401, 401, 429]
    assert c.post("/login", json={"pw": "right"}).status_code == 429


def test_on_breach_request_filter_context_manager_disable_and_reset():
    app = Flask(__name__)
    app.config["RATELIMIT_DEFAULT"] = "1 per minute"
    seen = []
    limiter = bf.Limiter(get_remote_address, on_breach=lambda d: seen.append(d.limit.amount) or None)
    limiter.init_app(app)

    @limiter.request_filter
    def internal():
        return flask.request.headers.get("X-Internal") == "yes"

    @app.get("/x")
    def x():
        return "x"

    @app.get("/block")
    @limiter.exempt
    def block():
        try:
            with limiter.limit("1 per minute"):
                return "inside"
        except bf.RateLimitExceeded as exc:
            return {"limited": str(exc.limit)}, 429

    c = app.test_client()
    assert [c.get("/x").status_code for _ in range(2)] == [200, 429]
    assert seen == [1]
    assert c.get("/x", headers={"X-Internal": "yes"}).status_code == 200
    assert c.get("/block").data == b"inside"
    assert c.get("/block").json == {"limited": "1 per 1 minute"}
    limiter.reset()
    assert c.get("/x").status_code == 200
    off = Flask(__name__)
    off.config["RATELIMIT_ENABLED"] = False
    bf.Limiter(get_remote_address, app=off, default_limits=["1 per minute"])
    off.add_url_rule("/", "i", lambda: "x")
    assert [off.test_client().get("/").status_code for _ in range(3)] == [200] * 3


def test_blueprint_limits_and_exemption_and_custom_429():
    app = Flask(__name__)
    limiter = bf.Limiter(get_remote_address, app=app, default_limits=["1 per minute"])
    api = flask.Blueprint("api", __name__)
    free = flask.Blueprint("free", __name__)
    api.add_url_rule("/a", "a", lambda: "a")
    free.add_url_rule("/f", "f", lambda: "f")
    limiter.limit("3 per minute")(api)
    limiter.exempt(free)
    app.register_blueprint(api, url_prefix="/api")
    app.register_blueprint(free, url_prefix="/free")

    @app.errorhandler(429)
    def custom(exc):
        return {"try_again_in": exc.decision.retry_after > 0}, 429

    c = app.test_client()
    assert [c.get("/api/a").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert c.get("/api/a").json == {"try_again_in": True}
    assert [c.get("/free/f").status_code for _ in range(3)] == [200] * 3


def test_unreachable_store_fails_closed_unless_told_otherwise():
    dead = "redis://127.0.0.1:1/0"
    for kwargs, want in [({}, 503), ({"swallow_errors": True}, 200), ({"in_memory_fallback_enabled": True}, 200)]:
        app = Flask(__name__)
        bf.Limiter(get_remote_address, app=app, default_limits=["2 per minute"], storage_uri=dead, **kwargs)
        app.add_url_rule("/", "i", lambda: "x")
        r = app.test_client().get("/")
        assert r.status_code == want, kwargs
        if want == 503:
            assert r.json["error"] == "rate_limiter_unavailable"
    # The local fallback still limits.
    app = Flask(__name__)
    bf.Limiter(get_remote_address, app=app, default_limits=["2 per minute"], storage_uri=dead,
               in_memory_fallback_enabled=True)
    app.add_url_rule("/", "i", lambda: "x")
    assert [app.test_client().get("/").status_code for _ in range(3)] == [200, 200, 429]
    # in_memory_fallback: other limits while the store is down (flask-limiter's list), counted here.
    for make in (bf.Limiter, flask_limiter.Limiter):
        app = Flask(__name__)
        make(lambda: "k", app=app, default_limits=["5 per minute"], storage_uri=dead,
             in_memory_fallback=["1 per minute"], in_memory_fallback_enabled=True,
             storage_options={"socket_timeout": 0.2} if make is flask_limiter.Limiter else {})
        app.add_url_rule("/", "i", lambda: "x")
        assert [app.test_client().get("/").status_code for _ in range(2)] == [200, 429], make


@needs_redis
def test_two_apps_share_one_redis_limit_exactly():
    prefix = f"test:flask:{time.time_ns()}:"
    apps = [make_limited_app("bulwark", storage=REDIS_URL, key_prefix=prefix)[0] for _ in range(2)]
    clients = [a.test_client() for a in apps]
    statuses = [clients[i % 2].get("/limited").status_code for i in range(8)]
    assert statuses.count(200) == 3 and statuses[:3] == [200] * 3


# ------------------------------------------------------------------------------------------ headers, CORS


def test_security_headers_on_every_response_and_view_headers_win():
    app = Flask(__name__)
    bf.SecurityHeaders(app, hsts_max_age=None, frame_options="SAMEORIGIN")
    bf.JWTAuth(app, key=KEY, algorithms=["HS256"])

    @app.get("/ok")
    def ok():
        return "ok", 200, {"Cache-Control": "max-age=60"}

    @app.get("/protected")
    @bf.require_auth
    def protected():
        return "p"

    c = app.test_client()
    for path, status in [("/ok", 200), ("/missing", 404), ("/protected", 401)]:
        r = c.get(path)
        assert r.status_code == status
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert "Strict-Transport-Security" not in r.headers
    assert c.get("/ok").headers["Cache-Control"] == "max-age=60"
    assert c.get("/missing").headers["Cache-Control"] == "no-store"


def test_cors_preflight_actual_requests_and_vary_merge():
    app = Flask(__name__)
    policy = CORSPolicy(["https://app.example"], methods=["GET", "POST"], headers=["Authorization", "Content-Type"],
                        allow_credentials=True)
    auth = bf.JWTAuth(app, key=KEY, algorithms=["HS256"])
    bf.Limiter(get_remote_address, app=app, default_limits=["1 per minute"])
    bf.CORS(app, policy)

    @app.post("/items")
    @auth.require_auth
    def items():
        return "i", 200, {"Vary": "Accept-Encoding"}

    c = app.test_client()
    pre = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "authorization, content-type"}
    for _ in range(3):  # answered before the limiter and without a token
        r = c.options("/items", headers=pre)
        assert r.status_code == 204
        assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
        assert r.headers["Access-Control-Allow-Credentials"] == "true"
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
    r = c.options("/items", headers={**pre, "Origin": "https://evil.example"})
    assert r.status_code == 403 and "Access-Control-Allow-Origin" not in r.headers
    r = c.options("/items", headers={**pre, "Access-Control-Request-Method": "DELETE"})
    assert r.status_code == 403
    r = c.post("/items", headers={"Origin": "https://app.example", **bearer(token())})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert r.headers["Vary"] == "Accept-Encoding, Origin"
    r = c.post("/items", headers={"Origin": "https://evil.example", **bearer(token())})
    assert "Access-Control-Allow-Origin" not in r.headers and "Origin" in r.headers["Vary"]
    with pytest.raises(ValueError):
        bf.CORS(Flask(__name__), origins=["*"], allow_credentials=True)
    with pytest.raises(ValueError):
        bf.CORS(Flask(__name__))


# ------------------------------------------------------------------------------------------ validation


class ItemModel(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=1, max_length=20)
    qty: int = pydantic.Field(ge=1)


class ItemSchema(marshmallow.Schema):
    name = marshmallow.fields.String(required=True, validate=marshmallow.validate.Length(min=1, max=20))
    qty = marshmallow.fields.Integer(required=True, validate=marshmallow.validate.Range(min=1))


@pytest.mark.parametrize("schema", [ItemModel, ItemSchema, ItemSchema()])
def test_validate_input_with_pydantic_and_marshmallow(schema):
    app = Flask(__name__)

    @app.post("/items")
    @bf.validate_input(schema, arg="item")
    def items(item):
        data = item if isinstance(item, dict) else item.model_dump()
        assert data is not None and (g.validated_data is item)
        return {"name": data["name"], "qty": data["qty"]}

    @app.get("/search")
    @bf.validate_input(schema, location="args")
    def search():
        v = g.validated_data
        return {"qty": v["qty"] if isinstance(v, dict) else v.qty}

    c = app.test_client()
    assert c.post("/items", json={"name": "bolt", "qty": 3}).json == {"name": "bolt", "qty": 3}
    r = c.post("/items", json={"name": "secret-value-xyz" * 3, "qty": 0})
    assert r.status_code == 400 and r.json["error"] == "invalid_input"
    assert set(r.json["fields"]) == {"name", "qty"}
    assert "secret-value-xyz" not in r.get_data(as_text=True)  # the input is never echoed back
    r = c.post("/items", json={"qty": 2})
    assert r.status_code == 400 and list(r.json["fields"]) == ["name"]
    for body in (b"not json", b"[1, 2"):
        r = c.post("/items", data=body, content_type="application/json")
        assert r.status_code == 400 and r.json["error"] == "invalid_input"
    assert c.post("/items", data="name=x", content_type="application/x-www-form-urlencoded").status_code == 400
    assert c.get("/search?name=a&qty=4").json == {"qty": 4}
    assert c.get("/search?name=a&qty=zero").status_code == 400


def test_validate_input_refuses_what_it_cannot_use():
    with pytest.raises(TypeError):
        bf.validate_input(dict)
    with pytest.raises(ValueError):
        bf.validate_input(ItemModel, location="cookies")


def test_flask_limiter_readings_of_none_keys_empty_limits_and_unknown_settings():
    """As flask-limiter: a key_func that returns None leaves the request unlimited, and so does an
    empty limit string (checked against flask-limiter itself); a RATELIMIT_* setting bulwark.flask
    does not implement is refused at init_app, never silently ignored."""
    import flask_limiter

    from bulwark.flask import Limiter as BwLimiter
    from bulwark.ratelimit.errors import ConfigurationError

    for make in (BwLimiter, flask_limiter.Limiter):
        app = flask.Flask("t")
        limiter = make(lambda: None, app=app, storage_uri="memory://")

        @app.route("/none-key")
        @limiter.limit("1/minute")
        def none_key():
            return "ok"

        @app.route("/empty")
        @limiter.limit("", key_func=lambda: "k")
        def empty():
            return "ok"

        @app.route("/limited")
        @limiter.limit("1/minute", key_func=lambda: "k")
        def limited():
            return "ok"

        client = app.test_client()
        assert [client.get("/none-key").status_code for _ in range(3)] == [200] * 3, make
        assert [client.get("/empty").status_code for _ in range(3)] == [200] * 3, make
        assert [client.get("/limited").status_code for _ in range(2)] == [200, 429], make

    app = flask.Flask("t")
    app.config["RATELIMIT_HEADER_RETRY_AFTER_VALUE"] = "http-date"
    with pytest.raises(ConfigurationError, match="RATELIMIT_HEADER_RETRY_AFTER_VALUE"):
        BwLimiter(lambda: "k", app=app)


def test_header_name_mapping_renames_headers_as_flask_limiter_does():
    """header_name_mapping (and RATELIMIT_HEADER_*) rename the rate-limit headers, on the 429
    and on allowed responses, side by side with flask-limiter's own renaming."""
    from flask_limiter import HeaderNames as FlHeaderNames

    from bulwark.flask import HeaderNames

    def app_with(make, names):
        app = flask.Flask("t")
        app.config["RATELIMIT_HEADER_RESET"] = "X-Reset-At"
        limiter = make(lambda: "k", app=app, storage_uri="memory://", headers_enabled=True,
                       header_name_mapping={names.LIMIT: "X-Cap", names.REMAINING: "X-Left"})

        @app.route("/")
        @limiter.limit("1/minute")
        def index():
            return "ok"

        return app.test_client()

    for client in (app_with(bf.Limiter, HeaderNames), app_with(flask_limiter.Limiter, FlHeaderNames)):
        ok, denied = client.get("/"), client.get("/")
        assert (ok.status_code, denied.status_code) == (200, 429)
        for r in (ok, denied):
            assert r.headers["X-Cap"] == "1" and "X-Left" in r.headers and "X-Reset-At" in r.headers
            assert "X-RateLimit-Limit" not in r.headers and "X-RateLimit-Remaining" not in r.headers
        assert denied.headers["X-Left"] == "0" and "Retry-After" in denied.headers
    assert HeaderNames.RESET.value == FlHeaderNames.RESET.value


def test_exempt_fail_on_first_breach_and_on_breach_both_levels_as_flask_limiter():
    """Side by side with flask-limiter: an exempt view drops its own limits too; with
    fail_on_first_breach=False every limit is counted before the 429; on_breach callbacks of the
    extension and of the limit both receive a RequestLimit (limit item, key, breached, remaining,
    reset_at)."""
    from flask_limiter import ExemptionScope as FlScope

    results = {}
    for name, make, scope in (("bulwark", bf.Limiter, bf.ExemptionScope), ("peer", flask_limiter.Limiter, FlScope)):
        app = Flask(name)
        calls = []
        limiter = make(lambda: "k", app=app, storage_uri="memory://", default_limits=["1/minute"],
                       fail_on_first_breach=False,
                       on_breach=lambda r, calls=calls: calls.append(("app", r.limit.amount, r.breached, r.remaining)))

        @app.route("/exempt")
        @limiter.exempt
        @limiter.limit("1/minute")
        def exempt():
            return "ok"

        @app.route("/partly")
        @limiter.exempt(flags=scope.APPLICATION)
        @limiter.limit("5/minute")
        def partly():
            return "ok"

        @app.route("/two")
        @limiter.limit("1/minute", on_breach=lambda r, calls=calls: calls.append(("limit", r.limit.amount, r.breached)))
        @limiter.limit("3/minute", key_func=lambda: "other")
        def two():
            return "ok"

        c = app.test_client()
        got = {
            "exempt": [c.get("/exempt").status_code for _ in range(3)],
            "partly": [c.get("/partly").status_code for _ in range(2)],
            "two": [c.get("/two").status_code for _ in range(4)],
        }
        results[name] = (got, sorted(set(calls)))
    assert results["bulwark"] == results["peer"], results
    assert results["bulwark"][0] == {"exempt": [200] * 3, "partly": [200, 429], "two": [200, 429, 429, 429]}
    # fail_on_first_breach=False: the 3/minute limit counted every request, so by the fourth it
    # was breached too, and both callbacks heard of both limits.
    assert ("limit", 1, True) in results["bulwark"][1] and ("app", 3, True, 0) in results["bulwark"][1]


def test_invalid_limit_strings_are_logged_and_skipped_as_flask_limiter_does(caplog):
    """A limit string flask-limiter cannot read is logged and skipped, by both (units as limits
    reads them: "1/sec" is not one); the view's other limits still count."""
    results = {}
    for name, make in (("bulwark", bf.Limiter), ("peer", flask_limiter.Limiter)):
        app = Flask(name)
        limiter = make(lambda: "k", app=app, storage_uri="memory://")

        @app.route("/bad")
        @limiter.limit("1/sec")
        def bad():
            return "ok"

        @app.route("/mixed")
        @limiter.limit(lambda: "nonsense")
        @limiter.limit("1/minute")
        def mixed():
            return "ok"

        c = app.test_client()
        with caplog.at_level(logging.ERROR):
            caplog.clear()
            got = ([c.get("/bad").status_code for _ in range(3)], [c.get("/mixed").status_code for _ in range(2)])
            logged = any(r.levelno >= logging.ERROR for r in caplog.records)
        results[name] = (got, logged)
    assert results["bulwark"] == results["peer"] == (([200] * 3, [200, 429]), True), results


def test_limit_on_a_function_the_view_calls_and_scopes_as_flask_limiter():
    """@limiter.limit on a helper the view calls counts when it is called (flask-limiter's rule);
    the view's own limits still count once per request."""
    results = {}
    for name, make in (("bulwark", bf.Limiter), ("peer", flask_limiter.Limiter)):
        app = Flask(name)
        limiter = make(lambda: "k", app=app, storage_uri="memory://")

        @limiter.limit("1/minute")
        def helper():
            return "h"

        @app.route("/a")
        def a():
            return helper()

        @app.route("/v")
        @limiter.limit("2/minute")
        def v():
            return "v"

        c = app.test_client()
        results[name] = ([c.get("/a").status_code for _ in range(3)], [c.get("/v").status_code for _ in range(3)])
    assert results["bulwark"] == results["peer"] == ([200, 429, 429], [200, 200, 429]), results
    assert helper.__name__ == "helper"


def test_nested_blueprints_inherit_and_exempt_as_flask_limiter():
    """Limits and exemptions on nested blueprints, side by side with flask-limiter: a child
    inherits its parent's limit; a child with its own limit uses it; a parent exempt with
    DESCENDENTS lifts the defaults below it; a child exempt with ANCESTORS drops inherited limits."""
    from flask_limiter import ExemptionScope as FlScope

    results = {}
    for name, make, scope in (("bulwark", bf.Limiter, bf.ExemptionScope), ("peer", flask_limiter.Limiter, FlScope)):
        app = Flask(name)
        limiter = make(lambda: "k", app=app, storage_uri="memory://", default_limits=["10/minute"])
        parent = flask.Blueprint("parent", name + "p")
        inherits = flask.Blueprint("inherits", name + "i")
        own = flask.Blueprint("own", name + "o")
        cut = flask.Blueprint("cut", name + "c")
        free_parent = flask.Blueprint("freeparent", name + "f")
        free_child = flask.Blueprint("freechild", name + "fc")
        for bp, path in ((inherits, "/i"), (own, "/o"), (cut, "/c")):
            bp.add_url_rule(path, "v", lambda: "ok")
        free_child.add_url_rule("/f", "v", lambda: "ok")
        limiter.limit("1/minute")(parent)
        limiter.limit("2/minute")(own)
        limiter.exempt(cut, flags=scope.ANCESTORS)
        limiter.exempt(free_parent, flags=scope.DEFAULT | scope.DESCENDENTS)
        for child in (inherits, own, cut):
            parent.register_blueprint(child)
        free_parent.register_blueprint(free_child)
        app.register_blueprint(parent)
        app.register_blueprint(free_parent)
        c = app.test_client()
        results[name] = {path: [c.get(path).status_code for _ in range(12)].count(429)
                         for path in ("/i", "/o", "/c", "/f")}
    assert results["bulwark"] == results["peer"], results
    assert results["bulwark"] == {"/i": 11, "/o": 10, "/c": 2, "/f": 0}, results


def test_scopes_may_be_ints_or_callables_returning_them():
    app = Flask(__name__)
    limiter = bf.Limiter(lambda: "k", app=app, storage_uri="memory://")

    @app.route("/a")
    @limiter.shared_limit("1/minute", scope=7)
    def a():
        return "a"

    @app.route("/b")
    @limiter.shared_limit("1/minute", scope=lambda endpoint: 7)
    def b():
        return "b"

    @app.route("/c")
    @limiter.limit("1/minute", scope=lambda endpoint: 3)
    def c_():
        return "c"

    c = app.test_client()
    # /a and /b share scope 7: one request between them.
    assert [c.get("/a").status_code, c.get("/b").status_code] == [200, 429]
    assert [c.get("/c").status_code, c.get("/c").status_code] == [200, 429]


def test_meta_limits_refuse_a_client_that_breaches_too_often_as_flask_limiter():
    """meta_limits count breaches: after two breaches within the meta window every request of the
    client is refused, even on routes it has not used; on_meta_breach hears of it; a view exempt
    from META is still served. Side by side with flask-limiter."""
    results = {}
    for name, make, scope in (("bulwark", bf.Limiter, bf.ExemptionScope),
                              ("peer", flask_limiter.Limiter, flask_limiter.ExemptionScope)):
        app = Flask(name)
        heard = []
        limiter = make(lambda: "k", app=app, storage_uri="memory://", meta_limits=["2/hour"],
                       on_meta_breach=lambda r, heard=heard: heard.append(r.limit.amount))

        @app.route("/a")
        @limiter.limit("1/minute")
        def a():
            return "a"

        @app.route("/other")
        def other():
            return "o"

        @app.route("/health")
        @limiter.exempt(flags=scope.META)
        def health():
            return "h"

        c = app.test_client()
        codes = [c.get("/a").status_code for _ in range(4)] + [c.get("/other").status_code, c.get("/health").status_code]
        results[name] = (codes, sorted(set(heard)))
    assert results["bulwark"] == results["peer"], results
    assert results["bulwark"] == ([200, 429, 429, 429, 429, 200], [2]), results


def test_limit_objects_in_the_limit_lists_as_flask_limiter():
    """Limit / ApplicationLimit / MetaLimit objects in default_limits, application_limits and
    meta_limits, side by side with flask-limiter's own classes."""
    results = {}
    for name, mod in (("bulwark", bf), ("peer", flask_limiter)):
        app = Flask(name)
        limiter = mod.Limiter(
            lambda: "k", app=app, storage_uri="memory://",
            default_limits=[mod.Limit("2/minute", key_function=lambda: "per-user", cost=2)],
            application_limits=[mod.ApplicationLimit("5/minute")],
        )

        @app.route("/a")
        def a():
            return "a"

        @app.route("/b")
        def b():
            return "b"

        c = app.test_client()
        results[name] = [c.get("/a").status_code, c.get("/a").status_code, c.get("/b").status_code,
                         c.get("/b").status_code, c.get("/b").status_code]
    assert results["bulwark"] == results["peer"], results
    with pytest.raises(ValueError):
        bf.Limiter(lambda: "k", app=Flask("x"), default_limits=[bf.Limit("1/minute", meta_limits=["1/hour"])])


def test_flask_limiter_commands_list_and_clear_limits():
    """`flask limiter config / limits / clear` (the flask.commands entry point bulwark.flask
    registers): the routes' limits, what a client has left, and clearing its counts."""
    from bulwark.flask.commands import cli

    app = Flask("cli")
    limiter = bf.Limiter(lambda: "k", app=app, storage_uri="memory://", default_limits=["9/hour"])

    @app.route("/login", methods=["POST"])
    @limiter.limit("2/minute")
    def login():
        return "ok"

    runner = app.test_cli_runner()
    out = runner.invoke(cli, ["config"]).output
    assert "storage: memory://" in out and "9 per 1 hour" in out
    client = app.test_client()
    assert [client.post("/login").status_code for _ in range(3)] == [200, 200, 429]
    listed = runner.invoke(cli, ["limits", "--endpoint", "login", "--key", "k"]).output
    assert "login POST" in listed and "2 per 1 minute" in listed and "remaining=0" in listed
    result = runner.invoke(cli, ["clear", "--key", "k", "--endpoint", "login", "-y"])
    assert result.exit_code == 0 and "cleared 1 limit(s)" in result.output
    assert client.post("/login").status_code == 200
    assert "remaining=1" in runner.invoke(cli, ["limits", "--key", "k"]).output
    assert "static" not in runner.invoke(cli, ["limits"]).output
    assert Flask("none").test_cli_runner().invoke(cli, ["config"]).exit_code != 0  # no Limiter there


def test_ip_filter_lists_trusted_proxies_and_the_limiter_key():
    from flask import Flask

    from bulwark.flask import IPFilter, Limiter, get_remote_address, ip_restrict
    from bulwark.ipnet import TrustedProxies

    app = Flask(__name__)
    IPFilter(app, deny="203.0.113.66", trusted_proxies=TrustedProxies(networks="10.0.0.0/8"))
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://")

    @app.get("/")
    @limiter.limit("2 per minute")
    def index():
        return {"client": get_remote_address()}

    @app.get("/internal")
    @ip_restrict(allow="192.168.0.0/16")
    def internal():
        return {"ok": True}

    c = app.test_client()
    lb = {"REMOTE_ADDR": "10.0.0.5"}

    def get(path, xff=None, env=lb):
        headers = {"X-Forwarded-For": xff} if xff else {}
        return c.get(path, headers=headers, environ_base=env)

    r = get("/", "203.0.113.1")
    assert r.status_code == 200 and r.json == {"client": "203.0.113.1"}
    assert get("/", "203.0.113.1").status_code == 200
    assert get("/", "203.0.113.1").status_code == 429  # the limit counts the client, not the proxy
    assert get("/", "203.0.113.2").status_code == 200
    r = get("/", "203.0.113.66")
    assert r.status_code == 403 and r.json["error"] == "address_not_allowed"
    # A peer that is not a trusted proxy: its header is ignored, the peer is the client.
    r = get("/", "192.168.1.1", env={"REMOTE_ADDR": "198.51.100.9"})
    assert r.status_code == 200 and r.json == {"client": "198.51.100.9"}
    r = get("/", "unknown")
    assert r.status_code == 400 and r.json["error"] == "invalid_client_address"
    # Per route, on top of the app's lists, through the app's proxies.
    assert get("/internal", "192.168.1.1").status_code == 200
    r = get("/internal", "203.0.113.1")
    assert r.status_code == 403 and r.json["error"] == "address_not_allowed"
