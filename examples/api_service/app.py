"""Bulwark's reference API service: Flask + Bulwark only, on embedded defaults.

Users live in a SQLite file, rate limits in memory (in Redis, shared by every process, when
``BULWARK_REDIS_URL`` is set). Secrets (JWT key, API-key pepper, the keyring that encrypts TOTP
secrets at rest) are created on first start in ``<data_dir>/secrets.json`` (mode 0600).

API versions: ``API-Version: 2.0`` (the default, when a request names none) and ``1.0``,
deprecated from ``V1_DEPRECATED`` and answered 410 Gone from ``V1_SUNSET`` (RFC 9745 / RFC 8594
headers on every 1.0 answer); any other version is 400 with the supported list.

Routes (JSON in and out):
  GET    /health                      liveness, never limited
  GET    /api/status                  public, limited by the default limits
  GET    /api/versions                public; served by API 2.0 only
  POST   /auth/register               {username, password}: password policy, Argon2id; role "user"
  POST   /auth/login                  {username, password, otp?}: tokens; per-IP and per-account limits
  POST   /auth/refresh                {refresh_token}: rotated pair; a reused token revokes the family
  POST   /auth/logout                 {refresh_token}: revokes it
  POST   /totp/enroll                 (bearer) provisioning URI + QR SVG
  POST   /totp/confirm                (bearer) {otp}: first code switches two-factor on
  GET    /me                          (bearer or X-API-Key)
  POST   /api-keys                    (bearer) {name}: the key, shown once
  GET    /api-keys                    (bearer) ids and names, never keys
  DELETE /api-keys/<key_id>           (bearer) revoke
  GET    /admin/users                 (bearer, role admin)
  GET    /api/orders                  (OAuth 2.0 access token with scope orders:read)
  POST   /api/orders                  (OAuth 2.0 access token with scope orders:write)

The /api/orders routes exist when an external authorization server is configured
(``oauth_issuer``, ``oauth_jwks``, ``oauth_audience``): the service is then also an OAuth 2.0
resource server for RFC 9068 JWT access tokens that authorization server issues.

User names are normalised once (NFKC, case-folded, then ASCII letters, digits, '.', '_', '-'
only), stored in that form and unique in it, so ``ALICE`` and a full-width ``ａｌｉｃｅ`` are the
same account as ``alice`` and look-alikes in other scripts are refused. Sign-up never grants a
role: admins are created by the operator (``server.py --create-admin NAME``), and the names in
``admin_users`` are reserved for that, so nobody can register them first.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import Conflict, MethodNotAllowed, NotFound, RequestEntityTooLarge

from bulwark import apikey, jwt, otp, password, token_hex, token_urlsafe
from bulwark.aead import Keyring
from bulwark.flask import (
    CORS,
    APIVersioning,
    AuthenticationFailed,
    InvalidRequestBody,
    IPFilter,
    JWTAuth,
    Limiter,
    OAuthResourceServer,
    SecurityHeaders,
    api_version,
    current_api_version,
    current_token,
    ip_restrict,
    json_body,
    log_login,
    require_auth,
    require_scope,
)
from bulwark.flask.util import get_remote_address
from bulwark.ipnet import TrustedProxies
from bulwark.oauth import AccessTokenVerifier
from bulwark.redact import SecurityLogger
from bulwark.versioning import Deprecation

ISSUER = "bulwark-reference-service"
# API 1.0: deprecated from 2026-12-01, gone from 2027-06-01 (UTC).
V1_DEPRECATED = datetime(2026, 12, 1, tzinfo=timezone.utc)
V1_SUNSET = datetime(2027, 6, 1, tzinfo=timezone.utc)
V1_DEPRECATION = Deprecation(since=V1_DEPRECATED, sunset=V1_SUNSET,
                             link="https://api.example.com/docs/changes#v1")
AUDIENCE = "bulwark-reference-api"
ACCESS_TTL = 15 * 60
REFRESH_TTL = 7 * 24 * 3600

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user',
    totp_secret BLOB,            -- Keyring ciphertext, bound to the user id
    totp_pending BLOB,           -- enrolled but not yet confirmed
    totp_last_step INTEGER,      -- replay protection: the last accepted time step
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    hash TEXT NOT NULL,          -- keyed hash (KeyHasher), never the key
    created REAL NOT NULL,
    revoked REAL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY, -- keyed hash of the opaque token
    user_id INTEGER NOT NULL REFERENCES users(id),
    family TEXT NOT NULL,        -- every rotation of one login
    expires REAL NOT NULL,
    used REAL
);
"""


class InvalidCredentials(AuthenticationFailed):
    """401 for a failed login or refresh (not a bearer-token problem, so no challenge header)."""

    error = "invalid_credentials"


def load_secrets(data_dir: Path) -> dict[str, str]:
    """The service's secrets, created (0600) on first start."""
    path = data_dir / "secrets.json"
    if not path.exists():
        secrets = {
            "jwt_key": token_urlsafe(48),
            "api_key_pepper": token_urlsafe(48),
            "totp_keyring": Keyring.generate().to_json(),
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(secrets, f)
    with open(path) as f:
        loaded: dict[str, str] = json.load(f)
    return loaded


def _text_field(data: Mapping[str, Any], name: str, max_len: int = 1024, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidRequestBody("request validation failed", fields={name: ["a non-empty string is required"]})
    if len(value) > max_len:
        raise InvalidRequestBody("request validation failed", fields={name: [f"at most {max_len} characters"]})
    return value


def _body() -> dict[str, Any]:
    data = json_body()
    if not isinstance(data, dict):
        raise InvalidRequestBody("the body must be a JSON object (Content-Type: application/json)", fields={})
    return data


PASSWORD_POLICY = password.Policy(min_len=10)
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}", re.ASCII)


def normalize_username(raw: str) -> str:
    """The one form a user name is stored, looked up, limited and reserved in: NFKC, case-folded
    (NFKC again, since folding can undo it), then ASCII ``[a-z0-9._-]``, 1 to 64 characters,
    starting with a letter or digit. Anything else (look-alikes from other scripts, controls,
    spaces) raises ``InvalidRequestBody``."""
    name = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).casefold())
    if not _USERNAME.fullmatch(name):
        raise InvalidRequestBody("request validation failed", fields={
            "username": ["1 to 64 characters: letters a-z, digits, '.', '_' and '-', starting with a letter or digit"]})
    return name


def _account_key() -> str:
    """Per-account login limit key: the submitted user name (normalised), else the client address."""
    data = json_body()
    name = data.get("username") if isinstance(data, dict) else None
    if isinstance(name, str) and 0 < len(name) <= 64:
        try:
            return "account:" + normalize_username(name)
        except InvalidRequestBody:
            pass
    return "ip:" + get_remote_address()


def _open_db(db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)


def create_admin(data_dir: str | os.PathLike[str], username: str, secret: str) -> int:
    """Creates an admin account (the operator's step; sign-up never grants a role) and returns its
    id. The password must pass the service's policy; an existing name is refused, never promoted."""
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    name = normalize_username(username)
    violations = PASSWORD_POLICY.check(secret)
    if violations:
        raise ValueError("password rejected by policy: " + "; ".join(v.message for v in violations))
    db_path = data / "users.sqlite3"
    _open_db(db_path)
    with sqlite3.connect(db_path) as db:
        try:
            cur = db.execute("INSERT INTO users (username, password_hash, role, created) VALUES (?, ?, 'admin', ?)",
                             (name, password.hash(secret), time.time()))
        except sqlite3.IntegrityError:
            raise ValueError(f"user {name!r} exists already; it is not promoted") from None
        assert cur.lastrowid is not None
        return cur.lastrowid


def _as_is(view: Any) -> Any:
    return view


def create_app(data_dir: str | os.PathLike[str], *, redis_url: str | None = None,
               admin_users: tuple[str, ...] = (), cors_origins: tuple[str, ...] = ("http://localhost:3000",),
               default_limits: str = "120 per minute", login_ip_limit: str = "30 per minute",
               login_account_limit: str = "5 per minute", rate_limit_prefix: str = "",
               trusted_proxies: str = "", deny_networks: str = "", admin_networks: str = "",
               oauth_issuer: str = "", oauth_jwks: str = "", oauth_audience: str = "orders-api") -> Flask:
    """The service as a Flask app (see the module docstring)."""
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    secrets = load_secrets(data)
    db_path = data / "users.sqlite3"
    _open_db(db_path)

    app = Flask("bulwark_reference_service")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024

    audit_logger = logging.getLogger("bulwark.security")
    if not any(getattr(h, "_bulwark_audit", False) for h in audit_logger.handlers):
        handler = logging.FileHandler(data / "audit.log")
        handler._bulwark_audit = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        audit_logger.addHandler(handler)
        audit_logger.setLevel(logging.INFO)
    audit = SecurityLogger(audit_logger)

    jwt_key = secrets["jwt_key"]
    auth = JWTAuth(app, key=jwt_key, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE,
                   security_logger=audit)
    # Client addresses: the socket's peer, or behind the load balancers named in trusted_proxies
    # (CIDRs) what they report; the same address is denied by deny_networks and is the limiter's key.
    IPFilter(app, deny=deny_networks or None, security_logger=audit,
             trusted_proxies=TrustedProxies(networks=trusted_proxies) if trusted_proxies else None)
    admin_only_from = ip_restrict(allow=admin_networks, security_logger=audit) if admin_networks else _as_is
    storage = redis_url or "memory://"
    limiter = Limiter(get_remote_address, app=app, default_limits=[default_limits], storage_uri=storage,
                      strategy="moving-window", key_prefix=rate_limit_prefix, security_logger=audit)
    APIVersioning(app, supported=["2.0"], deprecated={"1.0": V1_DEPRECATION}, default="2.0",
                  exempt=["health", "static"])
    SecurityHeaders(app)
    CORS(app, origins=list(cors_origins), methods=["GET", "POST", "DELETE"],
         headers=["Authorization", "Content-Type", "X-API-Key"], security_logger=audit)
    hasher = apikey.KeyHasher(secrets["api_key_pepper"].encode())
    keyring = Keyring.from_json(secrets["totp_keyring"])
    # Reserved for the operator's --create-admin: sign-up can neither take these names nor any role.
    reserved = {normalize_username(a) for a in admin_users}
    # Unknown users are checked against this hash so that a miss costs what a hit costs.
    dummy_hash = password.hash(token_hex(16))

    def db() -> sqlite3.Connection:
        if "db" not in g:
            g.db = sqlite3.connect(db_path, timeout=10, isolation_level=None)
            g.db.row_factory = sqlite3.Row
            g.db.execute("PRAGMA busy_timeout=10000")
        conn: sqlite3.Connection = g.db
        return conn

    @app.teardown_appcontext
    def close_db(_exc: BaseException | None) -> None:
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    def user_by_id(user_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = db().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return row

    def totp_for(row: sqlite3.Row, column: str) -> otp.TOTP:
        secret = keyring.decrypt(row[column], aad=f"totp:{row['id']}".encode()).decode()
        return otp.TOTP(secret, issuer="Bulwark Demo", name=row["username"])

    def issue_tokens(row: sqlite3.Row, family: str | None = None) -> dict[str, Any]:
        now = int(time.time())
        access = jwt.encode({"sub": str(row["id"]), "username": row["username"], "roles": [row["role"]],
                             "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + ACCESS_TTL,
                             "jti": token_hex(8)}, jwt_key, algorithm="HS256")
        refresh = apikey.generate("bw_refresh").key  # random, checksummed; stored as a keyed hash
        db().execute("INSERT INTO refresh_tokens (token_hash, user_id, family, expires) VALUES (?, ?, ?, ?)",
                     (hasher.hash(refresh), row["id"], family or token_hex(8), now + REFRESH_TTL))
        return {"access_token": access, "token_type": "Bearer", "expires_in": ACCESS_TTL, "refresh_token": refresh}

    def current_user() -> sqlite3.Row:
        row = user_by_id(int(g.jwt_claims["sub"]))
        if row is None:  # deleted since the token was issued
            raise AuthenticationFailed("invalid or expired token", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return row

    def principal_from_api_key(key: str) -> tuple[sqlite3.Row, str]:
        fail = AuthenticationFailed("invalid API key", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        try:
            key_id = apikey.parse(key).key_id
        except ValueError:
            audit.log_suspicious_activity("api_key_rejected", {"ip": request.remote_addr, "reason": "malformed"})
            raise fail from None
        row = db().execute("SELECT * FROM api_keys WHERE key_id = ?", (key_id,)).fetchone()
        if row is None or row["revoked"] is not None or not hasher.verify(key, row["hash"]):
            audit.log_suspicious_activity("api_key_rejected", {"ip": request.remote_addr, "key_id": key_id})
            raise fail
        user = user_by_id(row["user_id"])
        if user is None:
            raise fail
        return user, key_id

    # ------------------------------------------------------------------ routes
    @app.get("/health")
    @limiter.exempt
    def health() -> Any:
        return {"status": "ok"}

    @app.get("/api/status")
    def status() -> Any:
        return {"service": "bulwark-reference", "time": int(time.time()), "api_version": current_api_version()}

    @app.get("/api/versions")
    @api_version("2.0")
    def versions() -> Any:
        return {"versions": ["2.0", "1.0"], "current": "2.0"}

    @app.post("/auth/register")
    def register() -> Any:
        body = _body()
        raw_name = _text_field(body, "username", 64)
        secret = _text_field(body, "password", 1024)
        assert raw_name is not None and secret is not None
        username = normalize_username(raw_name)
        violations = PASSWORD_POLICY.check(secret)
        if violations:
            raise InvalidRequestBody("password rejected by policy",
                                     fields={"password": [v.message for v in violations]})
        role = "user"
        if username in reserved:
            raise Conflict("username taken")
        try:
            cur = db().execute("INSERT INTO users (username, password_hash, role, created) VALUES (?, ?, ?, ?)",
                               (username, password.hash(secret), role, time.time()))
        except sqlite3.IntegrityError:
            raise Conflict("username taken") from None
        audit.log_event("user_registered", user_id=cur.lastrowid, role=role, ip=request.remote_addr)
        return jsonify({"id": cur.lastrowid, "username": username, "role": role}), 201

    @app.post("/auth/login")
    @limiter.limit(login_ip_limit, key_func=get_remote_address, scope="ip")
    @limiter.limit(login_account_limit, key_func=_account_key, scope="account",
                   deduct_when=lambda response: response.status_code == 401)
    def login() -> Any:
        body = _body()
        raw_name = _text_field(body, "username", 64)
        secret = _text_field(body, "password", 1024)
        code = _text_field(body, "otp", 16, required=False)
        assert raw_name is not None and secret is not None
        username = normalize_username(raw_name)
        row = db().execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        ok, upgraded = password.verify_and_update(secret, row["password_hash"] if row else dummy_hash)
        if row is None or not ok:
            log_login(False, username, logger=audit, reason="bad_credentials", request_body=body)
            raise InvalidCredentials("invalid username or password")
        if upgraded:
            db().execute("UPDATE users SET password_hash = ? WHERE id = ?", (upgraded, row["id"]))
        if row["totp_secret"] is not None:
            if code is None:
                log_login(False, username, logger=audit, reason="totp_required")
                return jsonify({"error": "totp_required", "message": "a one-time code is required"}), 401
            step = totp_for(row, "totp_secret").verify_once(code, row["totp_last_step"])
            # The conditional update makes the step check atomic across threads and processes.
            if step is None or db().execute(
                "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
                (step, row["id"], step),
            ).rowcount != 1:
                log_login(False, username, logger=audit, reason="totp_rejected", request_body=body)
                raise InvalidCredentials("invalid or already used one-time code")
        log_login(True, row["id"], logger=audit, username=username)
        return issue_tokens(row)

    @app.post("/auth/refresh")
    def refresh() -> Any:
        token = _text_field(_body(), "refresh_token", 256)
        assert token is not None
        if not apikey.is_well_formed(token):
            raise InvalidCredentials("invalid or expired refresh token")
        conn = db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT * FROM refresh_tokens WHERE token_hash = ?", (hasher.hash(token),)).fetchone()
            if row is None or row["expires"] < time.time():
                conn.execute("COMMIT")
                raise InvalidCredentials("invalid or expired refresh token")
            if row["used"] is not None:
                # A rotated token came back: someone holds a copy. End the whole login.
                conn.execute("UPDATE refresh_tokens SET used = COALESCE(used, ?) WHERE family = ?",
                             (time.time(), row["family"]))
                conn.execute("COMMIT")
                audit.log_suspicious_activity("refresh_token_reuse", {"user_id": row["user_id"],
                                                                      "ip": request.remote_addr})
                raise InvalidCredentials("invalid or expired refresh token")
            conn.execute("UPDATE refresh_tokens SET used = ? WHERE token_hash = ?", (time.time(), row["token_hash"]))
            user = user_by_id(row["user_id"])
            if user is None:
                conn.execute("COMMIT")
                raise InvalidCredentials("invalid or expired refresh token")
            tokens = issue_tokens(user, family=row["family"])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return tokens

    @app.post("/auth/logout")
    def logout() -> Any:
        token = _text_field(_body(), "refresh_token", 256)
        assert token is not None
        if not apikey.is_well_formed(token):
            raise InvalidCredentials("invalid or expired refresh token")
        db().execute("UPDATE refresh_tokens SET used = COALESCE(used, ?) WHERE family = "
                     "(SELECT family FROM refresh_tokens WHERE token_hash = ?)", (time.time(), hasher.hash(token)))
        return "", 204

    @app.post("/totp/enroll")
    @auth.require_auth
    def totp_enroll() -> Any:
        user = current_user()
        if user["totp_secret"] is not None:
            raise Conflict("two-factor is already on")
        secret = otp.random_base32()
        sealed = keyring.encrypt(secret.encode(), aad=f"totp:{user['id']}".encode())
        db().execute("UPDATE users SET totp_pending = ? WHERE id = ?", (sealed, user["id"]))
        totp = otp.TOTP(secret)
        uri = totp.provisioning_uri(name=user["username"], issuer_name="Bulwark Demo")
        return {"provisioning_uri": uri, "qr_svg": totp.qr_svg(name=user["username"], issuer_name="Bulwark Demo")}

    @app.post("/totp/confirm")
    @auth.require_auth
    def totp_confirm() -> Any:
        code = _text_field(_body(), "otp", 16)
        user = current_user()
        if user["totp_pending"] is None:
            raise Conflict("no enrollment to confirm")
        step = totp_for(user, "totp_pending").verify_once(code, None)
        if step is None:
            raise InvalidRequestBody("request validation failed", fields={"otp": ["wrong code"]})
        db().execute("UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ? "
                     "WHERE id = ?", (step, user["id"]))
        audit.log_event("totp_enabled", user_id=user["id"], ip=request.remote_addr)
        return {"totp": "enabled"}

    @app.get("/me")
    def me() -> Any:
        presented = request.headers.get("X-API-Key")
        if presented is not None:
            user, key_id = principal_from_api_key(presented)
            via = f"api_key:{key_id}"
        else:
            auth.authenticate()
            user, via = current_user(), "bearer"
        return {"id": user["id"], "username": user["username"], "role": user["role"],
                "totp_enabled": user["totp_secret"] is not None, "authenticated_by": via}

    @app.post("/api-keys")
    @auth.require_auth
    def create_key() -> Any:
        name = _text_field(_body(), "name", 64)
        user = current_user()
        issued = apikey.generate("bw_demo")
        db().execute("INSERT INTO api_keys (key_id, user_id, name, hash, created) VALUES (?, ?, ?, ?, ?)",
                     (issued.key_id, user["id"], name, hasher.hash(issued.key), time.time()))
        return jsonify({"key_id": issued.key_id, "name": name, "key": issued.key}), 201

    @app.get("/api-keys")
    @auth.require_auth
    def list_keys() -> Any:
        rows = db().execute("SELECT key_id, name, created, revoked FROM api_keys WHERE user_id = ? ORDER BY created",
                            (current_user()["id"],)).fetchall()
        return {"keys": [{"key_id": r["key_id"], "name": r["name"], "created": int(r["created"]),
                          "revoked": r["revoked"] is not None} for r in rows]}

    @app.delete("/api-keys/<key_id>")
    @auth.require_auth
    def revoke_key(key_id: str) -> Any:
        cur = db().execute("UPDATE api_keys SET revoked = COALESCE(revoked, ?) WHERE key_id = ? AND user_id = ?",
                           (time.time(), key_id, current_user()["id"]))
        if cur.rowcount != 1:
            raise NotFound("no such key")
        return "", 204

    @app.get("/admin/users")
    @admin_only_from
    @require_auth(role="admin")
    def admin_users_route() -> Any:
        rows = db().execute("SELECT id, username, role, totp_secret IS NOT NULL AS totp FROM users ORDER BY id")
        return {"users": [{"id": r["id"], "username": r["username"], "role": r["role"], "totp_enabled": bool(r["totp"])}
                          for r in rows]}

    @app.errorhandler(Conflict)
    @app.errorhandler(NotFound)
    @app.errorhandler(MethodNotAllowed)
    @app.errorhandler(RequestEntityTooLarge)
    def json_error(exc: Any) -> Any:
        return jsonify({"error": exc.name.lower().replace(" ", "_"), "message": exc.description}), exc.code

    if oauth_issuer:
        # Resource server for an external authorization server's RFC 9068 access tokens.
        OAuthResourceServer(app, AccessTokenVerifier(jwks=oauth_jwks, algorithms=["RS256", "ES256"],
                                                     issuer=oauth_issuer, audience=oauth_audience),
                            security_logger=audit)

        @app.get("/api/orders")
        @require_scope("orders:read")
        def list_orders() -> Any:
            token = current_token()
            assert token is not None
            return {"orders": [], "subject": token.subject, "client_id": token.client_id}

        @app.post("/api/orders")
        @require_scope("orders:write")
        def create_order() -> Any:
            token = current_token()
            assert token is not None
            return {"created": True, "subject": token.subject}, 201

    app.extensions["bulwark.reference"] = {"limiter": limiter, "auth": auth}
    return app


def app_from_env(data_dir: str) -> Flask:
    """The app configured from the environment (``BULWARK_REDIS_URL``, ``BULWARK_ADMIN_USERS``,
    ``BULWARK_CORS_ORIGINS``, ``BULWARK_DEFAULT_LIMITS``, ``BULWARK_LOGIN_IP_LIMIT``,
    ``BULWARK_LOGIN_ACCOUNT_LIMIT``, ``BULWARK_RATELIMIT_PREFIX``, ``BULWARK_TRUSTED_PROXIES``,
    ``BULWARK_DENY_NETWORKS``, ``BULWARK_ADMIN_NETWORKS``: CIDR lists; ``BULWARK_OAUTH_ISSUER``,
    ``BULWARK_OAUTH_JWKS_FILE``, ``BULWARK_OAUTH_AUDIENCE``: an external authorization server)."""
    env: Callable[[str, str], str] = lambda name, default: os.environ.get(name) or default
    return create_app(
        data_dir,
        redis_url=os.environ.get("BULWARK_REDIS_URL") or None,
        admin_users=tuple(a for a in env("BULWARK_ADMIN_USERS", "").split(",") if a),
        cors_origins=tuple(o for o in env("BULWARK_CORS_ORIGINS", "http://localhost:3000").split(",") if o),
        default_limits=env("BULWARK_DEFAULT_LIMITS", "120 per minute"),
        login_ip_limit=env("BULWARK_LOGIN_IP_LIMIT", "30 per minute"),
        login_account_limit=env("BULWARK_LOGIN_ACCOUNT_LIMIT", "5 per minute"),
        rate_limit_prefix=env("BULWARK_RATELIMIT_PREFIX", ""),
        trusted_proxies=env("BULWARK_TRUSTED_PROXIES", ""),
        deny_networks=env("BULWARK_DENY_NETWORKS", ""),
        admin_networks=env("BULWARK_ADMIN_NETWORKS", ""),
        oauth_issuer=env("BULWARK_OAUTH_ISSUER", ""),
        oauth_jwks=Path(os.environ["BULWARK_OAUTH_JWKS_FILE"]).read_text()
        if os.environ.get("BULWARK_OAUTH_JWKS_FILE") else "",
        oauth_audience=env("BULWARK_OAUTH_AUDIENCE", "orders-api"),
    )
